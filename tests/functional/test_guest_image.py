"""The guest checks on a real disk image, through the real libguestfs.

A guest tree (the unit tests' Rocky-like layout, broken in several ways)
is written into an ext4 filesystem image (``base.guest_disk``), then
inspected through guestfish. These tests drive the engine API
(``guest.open_root`` / ``guest.run_checks``) directly;
test_prepare_guest.py goes through ``openstack image prepare``.

The libguestfs appliance is a VM (~10 s with KVM, ~40 s with TCG on a busy
machine): each test starts it once. Where libguestfs is not installed or
its appliance cannot start, the tests are skipped with libguestfs' own
reason.
"""

import os
import shutil

from osc_imagetools import guest
from tests.functional import base
from tests.unit.guest import trees

FIXABLE = ['linux.firewall', 'linux.ifcfg-hwaddr', 'linux.machine-id',
           'linux.nozeroconf', 'linux.ssh-host-keys',
           'linux.udev-persistent-net']


class TestGuestImage(base.FunctionalTestCase):

    def setUp(self):
        super().setUp()
        if not shutil.which('guestfish'):
            self.skipTest('libguestfs is not installed (no guestfish): '
                          'install libguestfs-tools')
        self.tree = self.broken_tree(os.path.join(self.tmp, 'tree'))

    def broken_tree(self, top):
        t = trees.broken_rocky(top, hwaddr=True)
        t.write('/etc/ssh/ssh_host_ed25519_key', 'PRIVATE')
        t.write('/etc/sysconfig/network', '# Created by anaconda\n')
        t.link('/etc/systemd/system/multi-user.target.wants/'
               'firewalld.service',
               '/usr/lib/systemd/system/firewalld.service')
        return t

    def open_or_skip(self, **kwargs):
        try:
            return guest.open_root(**kwargs)
        except guest.GuestError as exc:
            msg = str(exc)
            if 'not installed' in msg or 'could not start' in msg:
                self.skipTest('libguestfs cannot run here: %s' % msg)
            raise

    def tree_report(self, top, fix=False):
        with guest.open_root(path=top, writable=fix) as root:
            return guest.run_checks(root, fix=fix)

    def test_inspect_qcow2_read_only(self):
        image = self.guest_disk(self.tree.top, 'qcow2')
        before = base.sha256_file(image)
        with self.open_or_skip(image=image) as root:
            self.assertFalse(root.writable)
            report = guest.run_checks(root)
            self.assertRaises(guest.GuestError, root.write_bytes,
                              '/etc/machine-id', b'')
        # the image gives exactly the report the tree gives
        expected = self.tree_report(self.tree.top)
        self.assertEqual(expected.rows(), report.rows())
        self.assertEqual({'os_type': 'linux', 'os_distro': 'rocky',
                          'os_version': '9.3', 'hw_qemu_guest_agent': 'yes'},
                         report.properties)
        status = {c.id: c.status for c in report.checks}
        self.assertEqual('fail', status['linux.ifcfg-hwaddr'])
        self.assertEqual('fail', status['linux.udev-persistent-net'])
        self.assertEqual('warn', status['linux.firewall'])
        self.assertTrue(report.failed)
        self.assertEqual(before, base.sha256_file(image))

    def test_fix_on_a_copy_leaves_the_original_byte_identical(self):
        image = self.guest_disk(self.tree.top, 'raw')
        before = base.sha256_file(image)
        copy = os.path.join(self.tmp, 'fixed.raw')
        with self.open_or_skip(image=image, writable=True,
                               copy_to=copy) as root:
            report = guest.run_checks(root, fix=True)
        self.assertEqual(before, base.sha256_file(image))
        fixed = sorted(c.id for c in report.checks if c.status == 'fixed')
        self.assertEqual(FIXABLE, fixed)
        self.assertFalse(report.failed, report.rows())
        self.assertIn('/etc/machine-id', {c.path for c in report.changes})

        # read the copy back without libguestfs (debugfs, e2fsprogs) and
        # run the checks again on what it holds
        out = self.guest_disk_tree(copy)
        dumped = trees.Tree(out)
        self.assertEqual('', dumped.read('/etc/machine-id'))
        self.assertEqual('DEVICE=eth0\nBOOTPROTO=dhcp\n', dumped.read(
            '/etc/sysconfig/network-scripts/ifcfg-eth0'))
        self.assertFalse(dumped.exists('/etc/systemd/system/multi-user.'
                                       'target.wants/firewalld.service'))
        self.assertTrue(dumped.exists('/etc/systemd/system/multi-user.'
                                      'target.wants/sshd.service'))
        again = self.tree_report(out)
        for cid in FIXABLE:
            self.assertEqual('pass', next(
                c.status for c in again.checks if c.id == cid), cid)

        # the original still has every problem
        orig = self.tree_report(self.tree.top)
        self.assertEqual(['fail', 'warn'], sorted({
            c.status for c in orig.checks if c.id in FIXABLE}))
