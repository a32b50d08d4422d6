"""The ``image validate`` command class: arguments, offline mode, exit
codes and when it asks OSC for authentication (spec'd fake app; the real
CLI against the real cloud is in tests/functional/test_validate.py)."""

import io
import json
import os


from osc_imagetools.v1 import base
from osc_imagetools.v1 import validate
from osc_imagetools.validation import catalog_dir
from tests.unit import fakes
from tests.unit import utils
from tests.unit import validation as data


class TestValidateCommand(utils.TestCommand):

    def setUp(self):
        super().setUp()
        tmp = self.useFixture(fakes.UserConfig()).path
        self.catalog = os.path.join(tmp, 'catalog')
        catalog_dir.write_catalog_dir(self.catalog, data.image_schema(),
                                      data.namespaces())
        self.tmp = tmp
        self.cmd = validate.ValidateImage(self.app, None,
                                          cmd_name='image validate')

    def run_cmd(self, *argv):
        parser = self.cmd.get_parser('openstack image validate')
        args = parser.parse_args(list(argv))
        return self.cmd.run(args)

    def rows(self):
        return json.loads(self.app.stdout.getvalue())

    def test_no_auth_needed_offline(self):
        self.assertFalse(validate.ValidateImage.auth_required)
        rc = self.run_cmd('--catalog-dir', self.catalog,
                          '--property', 'hw_disk_bus=scsi', '-f', 'json')
        self.assertEqual(0, rc)
        self.assertEqual([('(command line)', 'ok')],
                         [(r['Image'], r['Severity']) for r in self.rows()])
        self.assertEqual('1 property set valid\n',
                         self.app.stderr.getvalue())
        self.app.prepare_to_run_command.assert_not_called()
        self.assertFalse(self.cmd.auth_required)

    def test_online_asks_osc_for_auth_once_arguments_are_known(self):
        calls = []
        self.app.prepare_to_run_command.side_effect = (
            lambda cmd: calls.append(cmd.auth_required))
        # stop right after authentication: the app's client manager
        # (tests.unit.fakes.NoCloud) fails the first use of the cloud
        exc = self.assertRaises(AssertionError, self.run_cmd,
                                '--property', 'a=b')
        self.assertIn('the cloud was contacted (imagetools)', str(exc))
        self.assertEqual([True], calls)

    def test_errors_print_rows_and_exit_1(self):
        rc = self.run_cmd('--catalog-dir', self.catalog, '-f', 'json',
                          '--property', 'hw_disk_bus=bogus',
                          '--property', 'hw_disk_buss=scsi')
        self.assertEqual(1, rc)
        rows = self.rows()
        self.assertEqual(list(validate.COLUMNS), list(rows[0]))
        self.assertEqual(
            [('hw_disk_bus', 'error', 'nova-value'),
             ('hw_disk_buss', 'warning', 'unknown-property')],
            [(r['Property'], r['Severity'], r['Rule']) for r in rows])
        self.assertEqual('1 of 1 property set failed\n',
                         self.app.stderr.getvalue())

    def test_warnings_exit_0_unless_strict(self):
        args = ('--catalog-dir', self.catalog, '-f', 'json',
                '--property', 'hw_disk_buss=scsi')
        self.assertEqual(0, self.run_cmd(*args))
        self.assertIn('1 property set valid, 1 warning',
                      self.app.stderr.getvalue())
        self.assertEqual(1, self.run_cmd(*(args + ('--strict',))))

    def test_properties_file_and_overrides(self):
        path = os.path.join(self.tmp, 'props.yaml')
        with open(path, 'w') as f:
            f.write('hw_disk_bus: bogus\nos_distro: windows\n'
                    'os_type: windows\n')
        rc = self.run_cmd('--catalog-dir', self.catalog, '-f', 'json',
                          '--properties-file', path,
                          '--property', 'hw_disk_bus=scsi',
                          '--disk-format', 'qcow2',
                          '--container-format', 'bare')
        self.assertEqual(0, rc, self.app.stdout.getvalue())

    def test_manifest_virtual_size_feeds_the_rules(self):
        path = os.path.join(self.tmp, 'manifest.json')
        with open(path, 'w') as f:
            json.dump({'disk_format': 'qcow2', 'container_format': 'bare',
                       'min_disk': 1, 'virtual_size': 3 * 1024 ** 3,
                       'properties': {'os_type': 'linux'}}, f)
        self.assertEqual(1, self.run_cmd('--catalog-dir', self.catalog,
                                         '-f', 'json', '--properties-file',
                                         path))
        [row] = self.rows()
        self.assertEqual((path, 'min-disk-below-virtual-size'),
                         (row['Image'], row['Rule']))

    def test_usage_errors_exit_2(self):
        cases = [
            ((), 'nothing to validate'),
            (('--property', 'novalue'), "has no '='"),
            (('--properties-file', os.path.join(self.tmp, 'missing.json')),
             'cannot read properties file'),
            (('--owner', 'p', '--property', 'a=b'), 'add --all'),
            (('--catalog-dir', os.path.join(self.tmp, 'nope'),
              '--property', 'a=b'), 'does not exist'),
            (('--catalog-dir', self.catalog, '--property', 'a=b',
              '--ignore', 'bogus-rule'), 'unknown rule id bogus-rule'),
            (('--catalog-dir', self.catalog, '--property', 'a=b',
              '--rules', os.path.join(self.tmp, 'missing.yaml')),
             'cannot read rules file'),
            (('--catalog-dir', self.catalog,
              '--file', os.path.join(self.tmp, 'missing.img')),
             'cannot read'),
        ]
        for argv, expected in cases:
            self.app.stderr = io.StringIO()
            self.assertEqual(base.EXIT_USAGE, self.run_cmd(*argv), argv)
            err = self.app.stderr.getvalue()
            self.assertIn(expected, err, argv)
            self.assertEqual(1, err.count('\n'), err)
        self.app.prepare_to_run_command.assert_not_called()

    def test_unwritable_and_unreadable_catalog_dir_exit_alike(self):
        # a file where the directory should be: neither read nor written
        blocker = os.path.join(self.tmp, 'file')
        with open(blocker, 'w') as f:
            f.write('x')
        for argv, expected in (
                (('--catalog-dir', blocker, '--property', 'a=b'),
                 'catalog directory %s does not exist' % blocker),
                (('--save-catalog', os.path.join(blocker, 'sub')),
                 'cannot write catalog directory %s/sub: Not a directory'
                 % blocker)):
            self.app.stderr = io.StringIO()
            self.assertEqual(base.EXIT_USAGE, self.run_cmd(*argv), argv)
            self.assertEqual('openstack image validate: error: %s\n'
                             % expected, self.app.stderr.getvalue())
        # found before the cloud is asked anything
        self.app.prepare_to_run_command.assert_not_called()

    def test_noun(self):
        self.assertEqual('images', validate._noun(3, 0))
        self.assertEqual('image', validate._noun(1, 0))
        self.assertEqual('images', validate._noun(0, 0))
        self.assertEqual('property set', validate._noun(0, 1))
        self.assertEqual('images/property sets', validate._noun(2, 1))
