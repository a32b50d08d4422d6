"""validation.flavor beyond the Nova oracle: the flavor JSON shapes people
have, the flavor lookup's request count, and the command's flavor options
offline (--flavor-file with --catalog-dir)."""

import io
import json
import os
from unittest import mock

import fixtures
from osc_lib import shell
import testtools

from osc_imagetools.cloud import flavors as cloud_flavors
from osc_imagetools.v1 import validate
from osc_imagetools.validation import catalog_dir
from osc_imagetools.validation import flavor
from tests.unit import validation as data

# what 'openstack flavor show -f json' printed against the local nova-api
SHOW = {
    'OS-FLV-DISABLED:disabled': False, 'OS-FLV-EXT-DATA:ephemeral': 0,
    'description': None, 'disk': 10,
    'id': '575517d8-e3fe-45e9-bb00-17753ce06231', 'name': 'f.small',
    'os-flavor-access:is_public': True,
    'properties': {'hw:cpu_policy': 'shared', 'hw:mem_page_size': 'small'},
    'ram': 1024, 'rxtx_factor': 1.0, 'swap': 0, 'vcpus': 2}
# ... and 'openstack flavor list --long -f json'
LISTED = {
    'ID': '575517d8-e3fe-45e9-bb00-17753ce06231', 'Name': 'f.small',
    'RAM': 1024, 'Disk': 10, 'Ephemeral': 0, 'VCPUs': 2, 'Is Public': True,
    'Swap': 0, 'RXTX Factor': 1.0,
    'Properties': {'hw:cpu_policy': 'shared', 'hw:mem_page_size': 'small'}}
EXPECTED = {'id': '575517d8-e3fe-45e9-bb00-17753ce06231', 'name': 'f.small',
            'vcpus': 2, 'ram': 1024, 'disk': 10,
            'extra_specs': {'hw:cpu_policy': 'shared',
                            'hw:mem_page_size': 'small'}}


class TestNormalize(testtools.TestCase):

    def test_the_cli_and_sdk_shapes_agree(self):
        sdk = {'id': EXPECTED['id'], 'name': 'f.small', 'vcpus': 2,
               'ram': 1024, 'disk': 10,
               'extra_specs': dict(EXPECTED['extra_specs'])}
        older = dict(LISTED, Properties="hw:cpu_policy='shared', "
                                        "hw:mem_page_size='small'")
        for shape in (SHOW, LISTED, sdk, older):
            self.assertEqual(EXPECTED, flavor.normalize_flavor(shape))
        self.assertEqual([EXPECTED, EXPECTED],
                         flavor.normalize_flavors([SHOW, LISTED]))

    def test_bad_flavors(self):
        for bad in ([], {'name': 'x', 'ram': 'lots', 'vcpus': 1, 'disk': 1},
                    {'ram': 1}, {'name': 'x', 'ram': 1, 'vcpus': 1,
                                 'disk': 1, 'properties': ['a']}):
            self.assertRaises(flavor.FlavorError, flavor.normalize_flavor,
                              bad)

    def test_every_rule_is_documented_with_its_nova_function(self):
        with open(os.path.join(os.path.dirname(__file__), '..', '..', '..',
                               'doc', 'source', 'cli', 'validate.rst')) as f:
            doc = f.read()
        for rule, (function, _what) in flavor.RULES.items():
            self.assertTrue('``%s``' % rule in doc, rule)
            if '(several)' not in function:
                name = function.split(',')[0].split('.')[-1]
                self.assertTrue(name + '``' in doc, name)


class FakeResponse:

    def __init__(self, body, status=200):
        self.status_code = status
        self.body = body
        self.text = json.dumps(body)
        self.reason = 'Not Acceptable'

    def json(self):
        return self.body


def _version(text):
    return tuple(int(x) for x in text.split('.'))


class FakeCompute:
    """Answers like nova-api's flavor listing: pages of ``page`` flavors,
    extra specs only at microversion 2.61."""

    def __init__(self, count, page=1000, max_version='2.104'):
        self.max_version = max_version
        self.flavors = [{'id': str(i), 'name': 'f%d' % i, 'vcpus': 1,
                         'ram': 512, 'disk': 1} for i in range(count)]
        self.page = page
        self.calls = []

    def request(self, path, method, params=None, microversion=None,
                **kwargs):
        self.calls.append((method, path, microversion))
        if microversion and _version(self.max_version) < _version(
                microversion):
            return FakeResponse({'computeFault': {
                'code': 406, 'message': 'Version %s is not supported by '
                'the API.' % microversion}}, 406)
        if path.endswith('/os-extra_specs'):
            return FakeResponse({'extra_specs': {'hw:pmu': 'true'}})
        start = 0
        if params.get('marker'):
            start = int(params['marker']) + 1
        page = self.flavors[start:start + min(self.page, params['limit'])]
        if microversion == '2.61':
            page = [dict(f, extra_specs={'hw:pmu': 'true'}) for f in page]
        body = {'flavors': page}
        if start + len(page) < len(self.flavors):
            body['flavors_links'] = [{'rel': 'next', 'href': 'x'}]
        return FakeResponse(body)


class TestFlavorLookup(testtools.TestCase):

    def fetch(self, compute, refs=()):
        return cloud_flavors.fetch_flavors(compute, refs)

    def test_with_2_61_the_listing_carries_the_specs(self):
        compute = FakeCompute(2500)
        found, problems, requests = self.fetch(compute)
        self.assertEqual(2500, len(found))
        self.assertEqual(3, requests)  # ceil(2500 / 1000)
        self.assertEqual({'2.61'}, {c[2] for c in compute.calls})
        self.assertEqual({'hw:pmu': 'true'}, found[-1]['extra_specs'])

    def test_without_2_61_one_request_per_selected_flavor(self):
        compute = FakeCompute(30, max_version='2.60')
        found, problems, requests = self.fetch(compute,
                                               ['f3', '7', 'nope', 'f3'])
        self.assertEqual(['f3', 'f7'], [f['name'] for f in found])
        self.assertEqual(['no flavor named or with ID nope'], problems)
        # the refused 2.61 listing, the listing, one GET per flavor
        self.assertEqual(1 + 1 + 2, requests)
        self.assertEqual({'hw:pmu': 'true'}, found[0]['extra_specs'])

    def test_a_name_twice_needs_the_id(self):
        flavors = [{'id': '1', 'name': 'a'}, {'id': '2', 'name': 'a'}]
        self.assertEqual(([], ['2 flavors are named a; give the ID']),
                         cloud_flavors.select(flavors, ['a']))


class TestCommandOffline(testtools.TestCase):

    def setUp(self):
        super().setUp()
        self.tmp = self.useFixture(fixtures.TempDir()).path
        self.useFixture(fixtures.EnvironmentVariable('XDG_CONFIG_HOME',
                                                     self.tmp))
        self.catalog = os.path.join(self.tmp, 'catalog')
        catalog_dir.write_catalog_dir(self.catalog, data.image_schema(),
                                      data.namespaces())
        self.flavors = os.path.join(self.tmp, 'flavors.json')
        tiny = dict(LISTED, ID='1', Name='tiny', RAM=512, Disk=1, VCPUs=1,
                    Properties={})
        with open(self.flavors, 'w') as f:
            json.dump([LISTED, tiny], f)
        self.app = mock.Mock(spec=shell.OpenStackShell)
        self.app.command_manager = mock.Mock(spec=['namespace'],
                                             namespace='osc_imagetools.none')
        self.app.options = mock.Mock(spec=['debug'], debug=False)

    def run_cmd(self, *argv):
        self.app.stdout = io.StringIO()
        self.app.stderr = io.StringIO()
        cmd = validate.ValidateImage(self.app, None,
                                     cmd_name='image validate')
        args = cmd.get_parser('openstack image validate').parse_args(
            ['--catalog-dir', self.catalog, '-f', 'json'] + list(argv))
        rc = cmd.run(args)
        out = self.app.stdout.getvalue()
        return rc, json.loads(out) if out.strip() else None

    def test_rows_and_the_matrix(self):
        argv = ('--flavor-file', self.flavors, '--property', 'min_ram=1024',
                '--property', 'hw_cpu_policy=dedicated')
        rc, rows = self.run_cmd(*argv)
        self.assertEqual(1, rc)
        self.assertEqual(
            [('f.small', 'flavor-cpu-policy-conflict'),
             ('tiny', 'flavor-min-ram')],
            sorted((r['Flavor'], r['Rule']) for r in rows))
        self.assertEqual(list(validate.FLAVOR_COLUMNS), list(rows[0]))
        self.assertIn('2 of 2 image/flavor pairs failed',
                      self.app.stderr.getvalue())
        rc, rows = self.run_cmd(*(argv + ('--matrix',)))
        self.assertEqual(1, rc)
        self.assertEqual(['Image', 'Properties', 'f.small', 'tiny'],
                         list(rows[0]))
        self.assertTrue(rows[0]['tiny'].startswith(
            '\u2717 flavor-min-ram: image needs 1024 MiB'))
        # --ignore takes the flavor rule ids; --flavor selects from the file
        rc, rows = self.run_cmd(*(argv + ('--flavor', 'tiny', '--ignore',
                                          'flavor-min-ram')))
        self.assertEqual(0, rc)
        self.assertEqual([('(command line)', '', 'ok')],
                         [(r['Image'], r['Flavor'], r['Severity'])
                          for r in rows])
        self.assertEqual('1 image/flavor pair valid\n',
                         self.app.stderr.getvalue())

    def test_bad_input_is_a_usage_error(self):
        bad = os.path.join(self.tmp, 'bad.json')
        for content, message in (
                ('{"name": "x"', 'is neither JSON nor YAML'),
                ('[{"name": "x", "ram": 1}]', 'vcpus must be an integer'),
                ('[]', 'holds no flavor')):
            with open(bad, 'w') as f:
                f.write(content)
            rc, rows = self.run_cmd('--flavor-file', bad, '--property',
                                    'a=b')
            self.assertEqual(2, rc)
            self.assertIsNone(rows)
            self.assertIn(message, self.app.stderr.getvalue())
        rc, rows = self.run_cmd('--matrix', '--property', 'a=b')
        self.assertEqual(2, rc)
        self.assertIn('--matrix needs flavors', self.app.stderr.getvalue())
        rc, rows = self.run_cmd('--flavor-file', os.path.join(self.tmp, 'no'),
                                '--property', 'a=b')
        self.assertEqual(2, rc)
        self.assertIn('cannot read --flavor-file', self.app.stderr.getvalue())
