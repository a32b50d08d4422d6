"""validation.flavor beyond the Nova oracle: the flavor JSON shapes people
have (the flavor lookup's request count: tests/unit/cloud/test_flavors.py;
the command's flavor options offline: tests/unit/v1/test_validate_flavor.py)."""

import os

import testtools

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
LISTED = data.FLAVOR_LISTED
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
