"""The guest checks on a real disk image, through the real libguestfs.

A guest tree (the unit tests' Rocky-like layout, broken in several ways)
is written into an ext4 filesystem image with ``mkfs.ext4 -d`` (no
appliance needed; ``virt-make-fs`` where mke2fs cannot populate), then
inspected through guestfish. ``image prepare`` has no guest options yet,
so these tests drive the engine API (``guest.open_root`` /
``guest.run_checks``) that the command will call.

The libguestfs appliance is a VM (~10 s with KVM, ~40 s with TCG on a busy
machine): each test starts it once. Where libguestfs is not installed or
its appliance cannot start, the tests are skipped with libguestfs' own
reason.
"""

import hashlib
import os
import shutil
import subprocess

from osc_imagetools import guest
from tests.functional import base
from tests.unit.guest import trees

FIXABLE = ['linux.firewall', 'linux.ifcfg-hwaddr', 'linux.machine-id',
           'linux.nozeroconf', 'linux.ssh-host-keys',
           'linux.udev-persistent-net']


def sha256(path):
    h = hashlib.sha256()
    with open(path, 'rb') as f:
        for chunk in iter(lambda: f.read(1 << 20), b''):
            h.update(chunk)
    return h.hexdigest()


class TestGuestImage(base.FunctionalTestCase):

    def setUp(self):
        super().setUp()
        if not shutil.which('guestfish'):
            self.skipTest('libguestfs is not installed (no guestfish): '
                          'install libguestfs-tools')
        self.tree = self.broken_tree(os.path.join(self.tmp, 'tree'))

    def broken_tree(self, top):
        t = trees.rocky(top)
        t.write('/etc/sysconfig/network-scripts/ifcfg-eth0',
                'DEVICE=eth0\nHWADDR=52:54:00:12:34:56\nBOOTPROTO=dhcp\n')
        t.write('/etc/udev/rules.d/70-persistent-net.rules',
                'SUBSYSTEM=="net", ATTR{address}=="52:54:00:12:34:56", '
                'NAME="eth0"\n')
        t.write('/etc/machine-id', '0123456789abcdef0123456789abcdef\n')
        t.write('/etc/ssh/ssh_host_ed25519_key', 'PRIVATE')
        t.write('/etc/sysconfig/network', '# Created by anaconda\n')
        t.link('/etc/systemd/system/multi-user.target.wants/'
               'firewalld.service',
               '/usr/lib/systemd/system/firewalld.service')
        return t

    def make_image(self, name, fmt):
        raw = os.path.join(self.tmp, name + '.raw')
        proc = subprocess.run(['mkfs.ext4', '-q', '-F', '-d', self.tree.top,
                               raw, '32M'], capture_output=True, text=True)
        if proc.returncode:
            # mke2fs without -d: let libguestfs build it
            subprocess.check_call(['virt-make-fs', '--type=ext4',
                                   '--format=raw', '--size=32M',
                                   self.tree.top, raw])
        if fmt == 'raw':
            return raw
        out = os.path.join(self.tmp, '%s.%s' % (name, fmt))
        subprocess.check_call(['qemu-img', 'convert', '-q', '-f', 'raw',
                               '-O', fmt, raw, out])
        os.unlink(raw)
        return out

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
        image = self.make_image('guest', 'qcow2')
        before = sha256(image)
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
        self.assertEqual(before, sha256(image))

    def test_fix_on_a_copy_leaves_the_original_byte_identical(self):
        image = self.make_image('guest', 'raw')
        before = sha256(image)
        copy = os.path.join(self.tmp, 'fixed.raw')
        with self.open_or_skip(image=image, writable=True,
                               copy_to=copy) as root:
            report = guest.run_checks(root, fix=True)
        self.assertEqual(before, sha256(image))
        fixed = sorted(c.id for c in report.checks if c.status == 'fixed')
        self.assertEqual(FIXABLE, fixed)
        self.assertFalse(report.failed, report.rows())
        self.assertIn('/etc/machine-id', {c.path for c in report.changes})

        # read the copy back without libguestfs (debugfs, e2fsprogs) and
        # run the checks again on what it holds
        out = os.path.join(self.tmp, 'dump')
        os.mkdir(out)
        subprocess.check_call(['debugfs', '-R', 'rdump / %s' % out, copy],
                              stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
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
