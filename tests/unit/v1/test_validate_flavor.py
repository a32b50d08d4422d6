"""``image validate``'s flavor options offline (--flavor-file with
--catalog-dir), as cliff runs the command over the fake app."""

import json
import os


from osc_imagetools.v1 import validate
from osc_imagetools.validation import catalog_dir
from tests.unit import fakes
from tests.unit import utils
from tests.unit import validation as data

LISTED = data.FLAVOR_LISTED


class TestCommandOffline(utils.TestCommand):

    def setUp(self):
        super().setUp()
        self.tmp = self.useFixture(fakes.UserConfig()).path
        self.catalog = os.path.join(self.tmp, 'catalog')
        catalog_dir.write_catalog_dir(self.catalog, data.image_schema(),
                                      data.namespaces())
        self.flavors = os.path.join(self.tmp, 'flavors.json')
        tiny = dict(LISTED, ID='1', Name='tiny', RAM=512, Disk=1, VCPUs=1,
                    Properties={})
        with open(self.flavors, 'w') as f:
            json.dump([LISTED, tiny], f)

    def run_cmd(self, *argv):
        return self.run_json(validate.ValidateImage, 'image validate',
                             ['--catalog-dir', self.catalog] + list(argv))

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
