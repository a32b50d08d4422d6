"""LocalRoot: guest paths resolved inside the root, never outside it."""

import os

import fixtures
import testtools

from osc_imagetools import guest
from osc_imagetools.guest import roots
from tests.unit.guest import trees


class TestLocalRoot(testtools.TestCase):

    def setUp(self):
        super().setUp()
        tmp = self.useFixture(fixtures.TempDir()).path
        self.t = trees.Tree(os.path.join(tmp, 'root'))
        # a file outside the root with the same guest-like path
        self.outside = os.path.join(tmp, 'outside.txt')
        with open(self.outside, 'w') as f:
            f.write('host secret\n')
        self.t.write('/etc/passwd', 'guest passwd\n')
        self.t.write('/usr/lib/os-release', 'ID=guest\n')

    def root(self, writable=False):
        return guest.open_root(path=self.t.top, writable=writable)

    def test_absolute_symlink_resolves_inside_the_root(self):
        self.t.link('/etc/os-release', '/usr/lib/os-release')
        root = self.root()
        self.assertEqual('ID=guest\n', root.read_text('/etc/os-release'))
        self.assertEqual('file', root.stat('/etc/os-release').kind)
        self.assertEqual('link', root.lstat('/etc/os-release').kind)
        self.assertEqual('/usr/lib/os-release',
                         root.readlink('/etc/os-release'))

    def test_relative_symlink_and_dotdot(self):
        self.t.link('/etc/os-release', '../usr/lib/os-release')
        self.t.link('/bin', 'usr/bin')
        self.t.write('/usr/bin/sh', 'shell')
        root = self.root()
        self.assertEqual('ID=guest\n', root.read_text('/etc/os-release'))
        self.assertEqual('shell', root.read_text('/bin/sh'))
        # ``..`` after a symlink is relative to its target, as in the kernel
        self.assertEqual('guest passwd\n',
                         root.read_text('/bin/../../etc/passwd'))

    def test_dotdot_stops_at_the_root(self):
        self.t.link('/etc/up', '../../../../../../etc/passwd')
        root = self.root()
        self.assertEqual('guest passwd\n', root.read_text('/etc/up'))
        self.assertEqual('guest passwd\n',
                         root.read_text('/../../../etc/passwd'))

    def test_absolute_symlink_to_a_host_path_stays_inside(self):
        self.t.link('/etc/evil', self.outside)
        root = self.root(writable=True)
        self.assertIsNone(root.read_text('/etc/evil'))
        self.assertIsNone(root.stat('/etc/evil'))
        root.write_bytes('/etc/evil', b'written\n')
        with open(self.outside) as f:
            self.assertEqual('host secret\n', f.read())
        # the write landed at the same path *inside* the root
        self.assertEqual('written\n', self.t.read(self.outside))
        self.assertEqual('written\n', root.read_text('/etc/evil'))

    def test_symlink_to_root_dir(self):
        self.t.link('/etc/top', '/')
        root = self.root()
        self.assertEqual(['etc', 'usr'], root.listdir('/etc/top'))
        self.assertTrue(root.is_dir('/etc/top/usr/lib'))

    def test_symlink_loop(self):
        self.t.link('/a', '/b')
        self.t.link('/b', '/a')
        root = self.root()
        self.assertIsNone(root.stat('/a'))
        self.assertIsNone(root.read_bytes('/a/x'))
        self.assertEqual([], root.listdir('/a'))
        self.assertEqual('link', root.lstat('/a').kind)
        rw = self.root(writable=True)
        self.assertRaises(roots.GuestError, rw.write_bytes, '/a', b'x')

    def test_missing_and_wrong_kinds(self):
        root = self.root()
        self.assertIsNone(root.read_bytes('/nope'))
        self.assertIsNone(root.read_bytes('/etc'))
        self.assertEqual([], root.listdir('/etc/passwd'))
        self.assertEqual([], root.listdir('/nope'))
        self.assertIsNone(root.readlink('/etc/passwd'))
        self.assertFalse(root.exists('/nope'))
        self.assertTrue(root.is_file('/etc/passwd'))

    def test_glob(self):
        self.t.write('/etc/ssh/ssh_host_rsa_key', 'k')
        self.t.write('/etc/ssh/ssh_host_rsa_key.pub', 'k')
        self.t.write('/etc/ssh/sshd_config', '')
        self.assertEqual(['/etc/ssh/ssh_host_rsa_key',
                          '/etc/ssh/ssh_host_rsa_key.pub'],
                         self.root().glob('/etc/ssh', 'ssh_host_*'))

    def test_find_nocase(self):
        self.t.write('/Windows/System32/ntoskrnl.exe', 'MZ')
        root = self.root()
        self.assertEqual('/Windows/System32/ntoskrnl.exe',
                         root.find_nocase('/WINDOWS/system32/NTOSKRNL.EXE'))
        self.assertIsNone(root.find_nocase('/windows/system64'))

    def test_write_keeps_mode_and_creates_parents(self):
        self.t.write('/etc/shadow', 'root:x:::\n', mode=0o640)
        root = self.root(writable=True)
        root.write_bytes('/etc/shadow', b'root:*:::\n')
        self.assertEqual(0o640, os.stat(self.t.host('/etc/shadow')).st_mode
                         & 0o777)
        root.write_bytes('/etc/sysconfig/network', b'NOZEROCONF=yes\n')
        self.assertEqual('NOZEROCONF=yes\n',
                         self.t.read('/etc/sysconfig/network'))

    def test_remove_removes_the_link_not_its_target(self):
        self.t.link('/etc/os-release', '/usr/lib/os-release')
        root = self.root(writable=True)
        root.remove('/etc/os-release')
        self.assertFalse(self.t.exists('/etc/os-release'))
        self.assertTrue(self.t.exists('/usr/lib/os-release'))
        self.assertRaises(roots.GuestError, root.remove, '/etc')
        self.assertRaises(roots.GuestError, root.remove, '/nope')

    def test_read_only_root_refuses_writes(self):
        root = self.root()
        e = self.assertRaises(roots.GuestError, root.write_bytes,
                              '/etc/passwd', b'')
        self.assertIn('read-only', str(e))
        self.assertRaises(roots.GuestError, root.remove, '/etc/passwd')
        self.assertEqual('guest passwd\n', self.t.read('/etc/passwd'))

    def test_bad_paths(self):
        self.assertRaises(roots.GuestError, self.root().read_bytes,
                          '/etc/\x00passwd')
        e = self.assertRaises(guest.GuestError, guest.open_root,
                              path=self.t.host('/etc/passwd'))
        self.assertIn('not a directory', str(e))
        self.assertRaises(ValueError, guest.open_root)
        self.assertRaises(ValueError, guest.open_root, path=self.t.top,
                          image='x.qcow2')
