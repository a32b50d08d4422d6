"""The guestfish driver without an appliance: argument quoting, error
lines, the one-line errors for a missing libguestfs or a refused image,
and the KVM -> TCG retry (driven through a stand-in ``guestfish`` script
that only speaks the stdin/stdout protocol; the real libguestfs is
exercised by tests/functional/test_guest_image.py)."""

import logging
import os
import subprocess
import sys
import textwrap

import fixtures
import testtools

from osc_imagetools import guest
from osc_imagetools.guest import fish
from osc_imagetools.guest import roots

FAKE_GUESTFISH = textwrap.dedent('''\
    #!%s
    # Stand-in for guestfish: answers "echo", fails "run" without TCG
    # when FAKE_KVM_BROKEN is set, logs each start.
    import os, sys
    with open(os.environ['FAKE_LOG'], 'a') as f:
        f.write(os.environ.get('LIBGUESTFS_BACKEND_SETTINGS', '-') + '\\n')
    for line in sys.stdin:
        line = line.strip()
        if line.startswith('echo '):
            print(line[5:], flush=True)
        elif line == '-run':
            if (os.environ.get('FAKE_KVM_BROKEN')
                    and os.environ.get('LIBGUESTFS_BACKEND_SETTINGS')
                    != 'force_tcg'):
                sys.stderr.write('qemu-system-x86_64: error: failed to set '
                                 'MSR 0x10a\\nlibguestfs: error: '
                                 'guestfs_launch failed\\n')
                sys.stderr.flush()
        elif line.startswith('-statns'):
            print('st_mode: 33188\\nst_size: 5', flush=True)
        elif line == '-debugged':
            print(os.environ.get('LIBGUESTFS_DEBUG', 'no debug'), flush=True)
        elif line == '-quit':
            sys.exit(3)
        else:
            sys.stderr.write('libguestfs: warning: ignored\\n'
                             'qemu-system-x86_64: warning: ignored too\\n')
            sys.stderr.write('*stdin*:1: libguestfs: error: %%s: No such '
                             'file or directory\\n' %% line.split()[0][1:])
            sys.stderr.flush()
''') % sys.executable


class TestHelpers(testtools.TestCase):

    def test_quote(self):
        self.assertEqual('"/Program Files/a \\"b\\" c\\\\d"',
                         fish.quote('/Program Files/a "b" c\\d'))
        self.assertRaises(roots.GuestError, fish.quote, 'a\nb')

    def test_last_error(self):
        self.assertEqual(
            'download: /x: No such file or directory',
            fish._last_error('libguestfs: warning: w\n*stdin*:5: libguestfs:'
                             ' error: download: /x: No such file or '
                             'directory\n'))
        self.assertEqual('foo: unknown command', fish._last_error(
            'foo: unknown command\nDid you mean to open a disk image?\n'))

    def test_parse_stat(self):
        st = fish._parse_stat('st_dev: 2048\nst_mode: 41471\nst_size: 15\n')
        self.assertEqual(('link', 15), (st.kind, st.size))
        self.assertEqual('dir', fish._parse_stat('st_mode: 16877\n').kind)


class TestLaunch(testtools.TestCase):

    def setUp(self):
        super().setUp()
        self.tmp = self.useFixture(fixtures.TempDir()).path
        bindir = os.path.join(self.tmp, 'bin')
        os.mkdir(bindir)
        exe = os.path.join(bindir, 'guestfish')
        with open(exe, 'w') as f:
            f.write(FAKE_GUESTFISH)
        os.chmod(exe, 0o755)
        self.log = os.path.join(self.tmp, 'log')
        self.env = {'PATH': bindir, 'FAKE_LOG': self.log,
                    'LIBGUESTFS_DEBUG': '1'}
        self.addCleanup(setattr, fish, '_use_tcg', fish._use_tcg)
        fish._use_tcg = False

    def starts(self):
        with open(self.log) as f:
            return f.read().split()

    def test_commands_output_and_errors(self):
        g = fish.launch('disk.img', 'raw', True, env=self.env)
        self.addCleanup(g.close)
        self.assertEqual('st_mode: 33188\nst_size: 5\n',
                         g.call('statns', '/etc/passwd'))
        e = self.assertRaises(fish.FishError, g.call, 'download', '/x', '/y')
        self.assertEqual('download: No such file or directory', str(e))
        self.assertEqual('no debug\n', g.call('debugged'))
        # the process is still usable after an error
        self.assertEqual('st_mode: 33188\nst_size: 5\n',
                         g.call('statns', '/etc/passwd'))
        e = self.assertRaises(roots.GuestError, g.call, 'quit')
        self.assertIn('guestfish exited', str(e))

    def test_debug_log_has_each_command_and_its_duration(self):
        log = self.useFixture(fixtures.FakeLogger(
            name='osc_imagetools', level=logging.DEBUG))
        g = fish.launch('disk.img', 'qcow2', True, env=self.env)
        g.call('statns', '/etc/my file')
        self.assertRaises(fish.FishError, g.call, 'download', '/x', '/y')
        g.close()
        lines = log.output.splitlines()
        exe = os.path.join(self.tmp, 'bin', 'guestfish')
        self.assertEqual('running: %s --ro --format=qcow2 -a disk.img' % exe,
                         lines[0])
        self.assertEqual('running: guestfish run', lines[1])
        self.assertRegex(lines[2], r'^guestfish run: ok after \d+\.\d\d s$')
        self.assertEqual("running: guestfish statns '/etc/my file'",
                         lines[3])
        self.assertRegex(lines[4], r'^guestfish statns: ok after \d+\.\d\d s$')
        self.assertEqual('running: guestfish download /x /y', lines[5])
        self.assertRegex(lines[6], r'^guestfish download: failed \(download: '
                         r'No such file or directory\) after \d+\.\d\d s$')
        # the process itself: its exit status and lifetime
        self.assertRegex(lines[7], r'^guestfish: exit 0 after \d+\.\d\d s$')
        self.assertEqual(8, len(lines), log.output)

    def test_broken_kvm_retried_with_tcg(self):
        self.env['FAKE_KVM_BROKEN'] = '1'
        fish.launch('disk.img', 'raw', True, env=self.env).close()
        self.assertEqual(['-', 'force_tcg'], self.starts())
        self.assertTrue(fish._use_tcg)
        # later launches go straight to TCG
        fish.launch('disk.img', 'raw', True, env=self.env).close()
        self.assertEqual(['-', 'force_tcg', 'force_tcg'], self.starts())

    def test_no_retry_when_the_user_chose_the_backend(self):
        self.env.update(FAKE_KVM_BROKEN='1',
                        LIBGUESTFS_BACKEND_SETTINGS='force_kvm')
        e = self.assertRaises(roots.GuestError, fish.launch, 'disk.img',
                              'raw', True, env=self.env)
        self.assertEqual(['force_kvm'], self.starts())
        self.assertIn('could not start its appliance: guestfs_launch failed',
                      str(e))
        self.assertIn('LIBGUESTFS_BACKEND_SETTINGS=force_tcg', str(e))
        self.assertNotIn('\n', str(e))

    def test_missing_libguestfs_names_the_package(self):
        e = self.assertRaises(roots.GuestError, fish.launch, 'disk.img',
                              'raw', True, env={'PATH': self.tmp})
        self.assertIn('libguestfs-tools', str(e))
        self.assertNotIn('\n', str(e))


class TestOpenImage(testtools.TestCase):
    """What open_root refuses before libguestfs is started."""

    def setUp(self):
        super().setUp()
        self.tmp = self.useFixture(fixtures.TempDir()).path

    def qemu_img(self, name, *options):
        path = os.path.join(self.tmp, name)
        subprocess.check_call(['qemu-img', 'create', '-q', '-f', 'qcow2']
                              + list(options) + [path, '16M'])
        return path

    def test_backing_file_refused(self):
        base = self.qemu_img('base.qcow2')
        top = self.qemu_img('top.qcow2', '-b', base, '-F', 'qcow2')
        e = self.assertRaises(guest.GuestError, guest.open_root, image=top)
        self.assertIn('refusing to open', str(e))
        self.assertIn('backing', str(e).lower())

    def test_missing_image(self):
        e = self.assertRaises(guest.GuestError, guest.open_root,
                              image=os.path.join(self.tmp, 'nope.qcow2'))
        self.assertIn('nope.qcow2', str(e))

    def test_copy_to_never_overwrites(self):
        src = self.qemu_img('a.qcow2')
        dst = self.qemu_img('b.qcow2')
        with open(dst, 'rb') as f:
            before = f.read()
        e = self.assertRaises(guest.GuestError, guest.open_root, image=src,
                              writable=True, copy_to=dst)
        self.assertIn('already exists', str(e))
        with open(dst, 'rb') as f:
            self.assertEqual(before, f.read())

    def test_failed_launch_leaves_no_copy(self):
        src = self.qemu_img('a.qcow2')
        dst = os.path.join(self.tmp, 'copy.qcow2')
        e = self.assertRaises(guest.GuestError, guest.open_root, image=src,
                              writable=True, copy_to=dst,
                              env={'PATH': self.tmp})
        self.assertIn('libguestfs-tools', str(e))
        self.assertFalse(os.path.exists(dst))

    def test_copy_image_is_identical(self):
        src = self.qemu_img('a.qcow2')
        dst = os.path.join(self.tmp, 'copy.qcow2')
        log = self.useFixture(fixtures.FakeLogger(
            name='osc_imagetools', level=logging.DEBUG))
        guest.copy_image(src, dst)
        self.assertRegex(log.output, r'running: cp --sparse=always '
                         r'--reflink=auto -- \S+a.qcow2 \S+copy.qcow2\n'
                         r'cp: exit 0 after \d+\.\d\d s')
        with open(src, 'rb') as a, open(dst, 'rb') as b:
            self.assertEqual(a.read(), b.read())
