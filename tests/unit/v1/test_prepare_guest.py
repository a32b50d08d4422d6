"""``image prepare``'s guest options, on the command class.

The app and the image proxy are the spec'd fakes of
tests/unit/v1/prepare_base.py; the guests are real root trees
(tests/unit/guest/trees.py), read and fixed by the real engine. The image
file libguestfs opens is exercised in tests/functional/test_prepare_guest.py;
here only its absence is (a PATH without guestfish).
"""

import json
import os

import fixtures

from osc_imagetools import constants
from tests.unit.guest import trees
from tests.unit.v1 import prepare_base


class GuestCommandTestCase(prepare_base.CommandTestCase):

    def tree(self, builder, name='root'):
        return builder(os.path.join(self.tmp, name))

    def guest_checks(self):
        """{check id: status} of the guest checks in the row."""
        return {c['name']: c['status'] for c in self.row()['checks']
                if c['name'].startswith(('guest.', 'linux.', 'windows.',
                                         'freebsd.'))}


class TestGuestArguments(GuestCommandTestCase):

    def test_combinations_that_make_no_sense(self):
        qcow2 = self.corpus.path('qcow2')
        t = self.tree(trees.broken_rocky)
        before = t.snapshot()
        for opt in ('--fix-guest', '--guest-only', '--allow-guest-failures'):
            self.assertUsage('%s needs --guest-root DIR or --inspect-guest'
                             % opt, qcow2, opt)
        self.assertUsage('--in-place needs --inspect-guest --fix-guest',
                         qcow2, '--inspect-guest', '--in-place')
        self.assertUsage('--in-place needs --inspect-guest --fix-guest',
                         qcow2, '--guest-root', t.top, '--fix-guest',
                         '--in-place')
        self.assertUsage('give --output PATH (or --in-place)', qcow2,
                         '--inspect-guest', '--fix-guest')
        self.assertUsage('would overwrite', qcow2, '--inspect-guest',
                         '--fix-guest', '--output', qcow2)
        self.assertUsage('--output needs --convert-to', qcow2,
                         '--inspect-guest', '--output', 'x.qcow2')
        self.assertUsage('drop --in-place', qcow2, '--inspect-guest',
                         '--fix-guest', '--in-place', '--convert-to', 'raw')
        self.assertUsage('is not a directory', qcow2, '--guest-root',
                         os.path.join(self.tmp, 'nope'))
        for opt in (['--upload', 'x'], ['--convert-to', 'raw'],
                    ['--manifest', os.path.join(self.tmp, 'm.json')]):
            self.assertUsage('%s makes no sense with --guest-only' % opt[0],
                             qcow2, '--guest-root', t.top, '--guest-only',
                             *opt)
        # --guest-only does not read FILE, but a missing one is refused
        # (exit 2) before the tree is touched
        for missing in (os.path.join(self.tmp, 'nope.qcow2'), self.tmp):
            self.assertUsage('%s: no such file' % missing, missing,
                             '--guest-root', t.top, '--guest-only',
                             '--fix-guest')
        self.assertUsage('would change files in place', qcow2,
                         '--guest-root', t.top, '--fix-guest', '--dry-run')
        self.assertUsage('would change files in place', qcow2,
                         '--inspect-guest', '--fix-guest', '--in-place',
                         '--dry-run')
        # a bad --property is found before the guest is touched
        self.assertUsage("has no '='", qcow2, '--guest-root', t.top,
                         '--fix-guest', '--property', 'novalue')
        self.assertEqual(before, t.snapshot())

    def test_guest_sources_are_exclusive(self):
        self.useFixture(fixtures.MonkeyPatch('sys.stderr',
                                             open(os.devnull, 'w')))
        parser = self.cmd.get_parser('openstack image prepare')
        self.assertRaises(SystemExit, parser.parse_args,
                          ['x', '--guest-root', self.tmp, '--inspect-guest'])

    def test_shell_format_cannot_print_the_table(self):
        t = self.tree(trees.ubuntu)
        parser = self.cmd.get_parser('openstack image prepare')
        args = parser.parse_args([self.corpus.path('qcow2'), '--guest-root',
                                  t.top, '--guest-only', '-f', 'shell'])
        self.assertEqual(2, self.cmd.run(args))
        self.assertIn('-f shell cannot print the --guest-only table',
                      self.stderr())


class TestGuestRoot(GuestCommandTestCase):

    def test_clean_ubuntu_proposes_properties(self):
        t = self.tree(trees.ubuntu)
        rc = self.run_cmd(self.corpus.path('qcow2'), '--guest-root', t.top,
                          '--dry-run', '--catalog-dir', self.catalog())
        self.assertEqual(0, rc, self.stderr())
        row = self.row()
        self.assertEqual({'os_type': 'linux', 'os_distro': 'ubuntu',
                          'os_version': '22.04',
                          'hw_qemu_guest_agent': 'yes'}, row['properties'])
        checks = self.guest_checks()
        self.assertEqual('pass', checks['guest.os'])
        self.assertEqual('pass', checks['linux.cloud-init'])
        self.assertNotIn('fail', checks.values())
        steps = self.steps()
        self.assertEqual('done', steps['guest'])
        self.assertEqual('done', steps['hash'])
        # the guest step sits between convert and properties
        names = [s['name'] for s in row['steps']]
        self.assertEqual(['convert', 'guest', 'properties'],
                         names[names.index('convert'):
                               names.index('properties') + 1])
        self.assertEqual('tree', row['guest']['mode'])
        self.assertEqual(t.top, row['guest']['source'])
        self.assertEqual([], row['guest']['changes'])
        # the proposals passed validation against the catalog
        self.assertEqual(['ok'], [c['status'] for c in row['checks']
                                  if c['name'] == 'validate'])

    def test_without_guest_options_no_guest_step(self):
        rc = self.run_cmd(self.corpus.path('qcow2'))
        self.assertEqual(0, rc, self.stderr())
        self.assertNotIn('guest', self.steps())
        self.assertIsNone(self.row()['guest'])
        self.assertEqual({}, self.guest_checks())

    def test_failure_stops_before_hashing(self):
        t = self.tree(trees.broken_rocky)
        before = t.snapshot()
        rc = self.run_cmd(self.corpus.path('qcow2'), '--guest-root', t.top,
                          '--dry-run')
        self.assertEqual(1, rc)
        self.assertIn('guest check(s) failed: linux.udev-persistent-net',
                      self.stderr())
        self.assertIn('--allow-guest-failures', self.stderr())
        checks = self.guest_checks()
        self.assertEqual('fail', checks['linux.udev-persistent-net'])
        self.assertEqual('warn', checks['linux.machine-id'])
        steps = self.steps()
        self.assertEqual('failed', steps['guest'])
        self.assertEqual('done', steps['properties'])
        self.assertEqual('skipped', steps['hash'])
        self.assertIsNone(self.row()['md5'])
        detail = next(c['detail'] for c in self.row()['checks']
                      if c['name'] == 'linux.udev-persistent-net')
        self.assertIn('/etc/udev/rules.d/70-persistent-net.rules', detail)
        self.assertIn('fix: ', detail)
        self.assertEqual(before, t.snapshot())  # read only

    def test_allow_guest_failures(self):
        t = self.tree(trees.broken_rocky)
        rc = self.run_cmd(self.corpus.path('qcow2'), '--guest-root', t.top,
                          '--allow-guest-failures')
        self.assertEqual(0, rc, self.stderr())
        self.assertEqual('fail',
                         self.guest_checks()['linux.udev-persistent-net'])
        step = next(s for s in self.row()['steps'] if s['name'] == 'guest')
        self.assertEqual('done', step['status'])
        self.assertIn('allowed: linux.udev-persistent-net', step['detail'])
        self.assertEqual('done', self.steps()['hash'])
        self.assertIsNotNone(self.row()['sha512'])

    def test_fix_guest_on_a_tree(self):
        t = self.tree(trees.broken_rocky)
        rc = self.run_cmd(self.corpus.path('qcow2'), '--guest-root', t.top,
                          '--fix-guest')
        self.assertEqual(0, rc, self.stderr())
        checks = self.guest_checks()
        self.assertEqual('fixed', checks['linux.udev-persistent-net'])
        self.assertEqual('fixed', checks['linux.machine-id'])
        self.assertEqual('', t.read('/etc/machine-id'))
        self.assertEqual('', t.read(
            '/etc/udev/rules.d/70-persistent-net.rules'))
        guest = self.row()['guest']
        self.assertEqual('tree, fixed in place', guest['mode'])
        self.assertEqual(
            [('/etc/machine-id', 'emptied'),
             ('/etc/udev/rules.d/70-persistent-net.rules', 'emptied')],
            [(c['path'], c['action']) for c in guest['changes']])
        detail = next(c['detail'] for c in self.row()['checks']
                      if c['name'] == 'linux.machine-id')
        self.assertIn('done: emptied /etc/machine-id', detail)
        # checked again from scratch: clean
        self.app.stdout.truncate(0)
        self.app.stdout.seek(0)
        rc = self.run_cmd(self.corpus.path('qcow2'), '--guest-root', t.top)
        self.assertEqual(0, rc, self.stderr())
        self.assertEqual('pass',
                         self.guest_checks()['linux.udev-persistent-net'])
        self.assertEqual('pass', self.guest_checks()['linux.machine-id'])

    def test_user_properties_win_and_clash_is_flagged(self):
        t = self.tree(trees.rocky)
        rc = self.run_cmd(self.corpus.path('qcow2'), '--guest-root', t.top,
                          '--os-distro', 'centos', '--property',
                          'os_version=9')
        self.assertEqual(0, rc, self.stderr())
        props = self.row()['properties']
        self.assertEqual('centos', props['os_distro'])
        self.assertEqual('9', props['os_version'])
        self.assertEqual('linux', props['os_type'])
        self.assertEqual('warn', self.guest_checks()['guest.os'])
        detail = next(c['detail'] for c in self.row()['checks']
                      if c['name'] == 'guest.os')
        self.assertIn('os_distro=centos (guest: rocky)', detail)
        # the guest still proposes its own values
        self.assertEqual('rocky', self.row()['guest']['properties'][
            'os_distro'])

    def test_agent_property_without_the_agent_fails(self):
        t = self.tree(trees.ubuntu)
        t.write('/var/lib/dpkg/status', trees.dpkg_status(
            [p for p in trees.UBUNTU_PACKAGES if p != 'qemu-guest-agent']))
        rc = self.run_cmd(self.corpus.path('qcow2'), '--guest-root', t.top)
        self.assertEqual(0, rc, self.stderr())
        self.assertNotIn('hw_qemu_guest_agent', self.row()['properties'])
        self.app.stdout.truncate(0)
        self.app.stdout.seek(0)
        rc = self.run_cmd(self.corpus.path('qcow2'), '--guest-root', t.top,
                          '--profile', 'linux-virtio', '--property',
                          'hw_qemu_guest_agent=yes')
        self.assertEqual(1, rc)
        self.assertEqual('fail',
                         self.guest_checks()['linux.qemu-guest-agent'])
        self.assertIn('linux.qemu-guest-agent', self.stderr())

    def test_windows_and_freebsd_trees(self):
        for builder, props in (
                (trees.windows, {'os_type': 'windows',
                                 'os_distro': 'windows'}),
                (trees.freebsd, {'os_distro': 'freebsd',
                                 'os_version': '13.2'})):
            self.app.stdout.truncate(0)
            self.app.stdout.seek(0)
            t = self.tree(builder, builder.__name__)
            rc = self.run_cmd(self.corpus.path('raw'), '--guest-root', t.top)
            self.assertEqual(0, rc, self.stderr())
            got = self.row()['properties']
            for key, value in props.items():
                self.assertEqual(value, got[key], builder.__name__)
            self.assertEqual('pass', self.guest_checks()['guest.os'])

    def test_proposals_flow_into_the_upload_and_manifest(self):
        t = self.tree(trees.rocky)
        manifest = os.path.join(self.tmp, 'm.json')
        rc = self.run_cmd(self.corpus.path('qcow2'), '--guest-root', t.top,
                          '--upload', 'guest-img', '--manifest', manifest,
                          '--catalog-dir', self.catalog())
        self.assertEqual(0, rc, self.stderr())
        image = self.glance.images[self.row()['image_id']]
        self.assertEqual('rocky', image['os_distro'])
        self.assertEqual('9.3', image['os_version'])
        self.assertEqual('linux', image['os_type'])
        self.assertEqual('yes', image['hw_qemu_guest_agent'])
        with open(manifest) as f:
            data = json.load(f)
        self.assertIn('--property os_distro=rocky',
                      data['openstack_command'])
        self.assertEqual('rocky', data['guest']['os']['id'])

    def test_failed_guest_uploads_nothing(self):
        t = self.tree(trees.broken_rocky)
        rc = self.run_cmd(self.corpus.path('qcow2'), '--guest-root', t.top,
                          '--upload', 'guest-img', '--catalog-dir',
                          self.catalog())
        self.assertEqual(1, rc)
        self.assertEqual([], self.glance.writes())
        self.assertEqual('skipped', self.steps()['upload'])


class TestGuestOnly(GuestCommandTestCase):

    def test_rows(self):
        t = self.tree(trees.broken_rocky)
        rc = self.run_cmd(self.corpus.path('qcow2'), '--guest-root', t.top,
                          '--guest-only')
        self.assertEqual(1, rc)
        rows = self.row()
        self.assertIsInstance(rows, list)
        self.assertEqual(list(constants.GUEST_COLUMNS), list(rows[0]))
        by_id = {r['Check']: r for r in rows}
        self.assertEqual('fail', by_id['linux.udev-persistent-net']['Status'])
        self.assertEqual('/etc/udev/rules.d/70-persistent-net.rules',
                         by_id['linux.udev-persistent-net']['Path'])
        self.assertTrue(by_id['linux.udev-persistent-net']['Fix'])
        self.assertIn('1 of %d guest checks failed' % len(rows),
                      self.stderr())
        self.assertEqual([], self.glance.calls)

    def test_fix_and_allow(self):
        t = self.tree(trees.broken_rocky)
        rc = self.run_cmd(self.corpus.path('qcow2'), '--guest-root', t.top,
                          '--guest-only', '--fix-guest')
        self.assertEqual(0, rc, self.stderr())
        by_id = {r['Check']: r for r in self.row()}
        self.assertEqual('fixed', by_id['linux.machine-id']['Status'])
        self.assertIn('emptied /etc/machine-id',
                      by_id['linux.machine-id']['Fix'])
        self.assertEqual('', t.read('/etc/machine-id'))

        t2 = self.tree(trees.broken_rocky, 'other')
        self.app.stdout.truncate(0)
        self.app.stdout.seek(0)
        rc = self.run_cmd(self.corpus.path('qcow2'), '--guest-root', t2.top,
                          '--guest-only', '--allow-guest-failures')
        self.assertEqual(0, rc, self.stderr())
        self.assertIn('fail', [r['Status'] for r in self.row()])

    def test_table_and_column_selection(self):
        t = self.tree(trees.ubuntu)
        parser = self.cmd.get_parser('openstack image prepare')
        args = parser.parse_args([self.corpus.path('qcow2'), '--guest-root',
                                  t.top, '--guest-only', '-c', 'Check',
                                  '-c', 'Status'])
        self.assertEqual(0, self.cmd.run(args), self.stderr())
        out = self.app.stdout.getvalue()
        header = out.splitlines()[1]
        self.assertEqual(['Check', 'Status'],
                         [h.strip() for h in header.strip('|').split('|')])
        self.assertIn('| linux.cloud-init ', out)


class TestNoLibguestfs(GuestCommandTestCase):
    """A PATH with qemu-img and cp but no guestfish."""

    def setUp(self):
        super().setUp()
        import shutil
        bindir = os.path.join(self.tmp, 'bin')
        os.mkdir(bindir)
        for tool in ('qemu-img', 'cp'):
            os.symlink(shutil.which(tool), os.path.join(bindir, tool))
        self.useFixture(fixtures.EnvironmentVariable('PATH', bindir))

    def test_inspect_guest(self):
        rc = self.run_cmd(self.corpus.path('qcow2'), '--inspect-guest')
        self.assertEqual(1, rc)
        err = self.stderr().strip().splitlines()
        self.assertEqual(1, len(err), err)
        self.assertIn('libguestfs-tools', err[0])
        self.assertEqual('failed', self.steps()['guest'])
        self.assertEqual('skipped', self.steps()['hash'])

    def test_fix_copy_leaves_nothing(self):
        out = os.path.join(self.tmp, 'fixed.qcow2')
        rc = self.run_cmd(self.corpus.path('qcow2'), '--inspect-guest',
                          '--fix-guest', '--output', out)
        self.assertEqual(1, rc)
        self.assertIn('libguestfs-tools', self.stderr())
        self.assertFalse(os.path.exists(out))

    def test_guest_only(self):
        rc = self.run_cmd(self.corpus.path('qcow2'), '--inspect-guest',
                          '--guest-only')
        self.assertEqual(1, rc)
        self.assertIn('libguestfs-tools', self.stderr())
        self.assertEqual([], self.row())
