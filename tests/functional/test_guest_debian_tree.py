"""The guest checks on real Debian trees, with systemd as the oracle.

The tree is built once from Debian's real packages (minbase + systemd +
openssh-server + cloud-init, by tools/debian-guest-tree, cached under
/var/cache/osc-imagetools/): the links that enable ssh and cloud-init,
SysV ``rc2.d`` links included, are those the packages' maintainer scripts
made. Each test works on its own overlay of it (or copy, where mounting
is not allowed), breaks it
one way - with ``systemctl --root`` itself where systemctl is how an
operator would do it - and compares:

* the verdict of the check concerned (issue 11: these broken guests used
  to pass), and
* the state of every unit in the tree as ``systemctl --root=DIR
  is-enabled`` prints it, against the engine's offline computation.

Skipped, saying why, where the tree cannot be built (not root, no
bootstrap tool, no archive reachable) or systemctl is missing.
"""

import os
import shutil
import subprocess

import fixtures
import testtools

from osc_imagetools import guest
from osc_imagetools.guest import checks
from osc_imagetools.guest import facts

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(os.path.dirname(HERE))
BUILDER = os.path.join(TOP, 'tools', 'debian-guest-tree')
WANTS = '/etc/systemd/system/multi-user.target.wants/ssh.service'
CLOUD_UNITS = ['cloud-init-local.service', 'cloud-init.service',
               'cloud-config.service', 'cloud-final.service']
_BUILT = {}


def base_tree():
    """The cached tree's path, building it the first time; (None, why)."""
    if 'path' not in _BUILT:
        proc = subprocess.run([BUILDER], capture_output=True, text=True)
        if proc.returncode:
            _BUILT['path'] = None
            _BUILT['why'] = (proc.stderr.strip().splitlines()
                             or ['failed'])[-1]
        else:
            _BUILT['path'] = proc.stdout.strip().splitlines()[-1]
    return _BUILT['path'], _BUILT.get('why')


class TestDebianTree(testtools.TestCase):

    def setUp(self):
        super().setUp()
        if not shutil.which('systemctl'):
            self.skipTest('no systemctl on this machine to compare with')
        base, why = base_tree()
        if not base:
            self.skipTest('no Debian tree: %s' % why)
        tmp = self.useFixture(fixtures.TempDir()).path
        self.top = os.path.join(tmp, 'root')
        os.mkdir(self.top)
        # an overlay over the cached tree: instant, and the cache is never
        # written; where mounting is not allowed, a copy (hard links for
        # what no test writes, a real copy of /etc and /boot)
        for d in ('upper', 'work'):
            os.mkdir(os.path.join(tmp, d))
        proc = subprocess.run(
            ['mount', '-t', 'overlay', 'overlay', '-o',
             'lowerdir=%s,upperdir=%s/upper,workdir=%s/work' % (base, tmp,
                                                                tmp),
             self.top], capture_output=True)
        if proc.returncode == 0:
            self.addCleanup(subprocess.run, ['umount', self.top])
            return
        os.rmdir(self.top)
        subprocess.run(['cp', '-al', base, self.top], check=True)
        for d in ('etc', 'boot', 'usr/sbin'):
            shutil.rmtree(os.path.join(self.top, d))
            subprocess.run(['cp', '-a', os.path.join(base, d),
                            os.path.join(self.top, d)], check=True)

    # -- helpers -----------------------------------------------------------
    def host(self, path):
        return os.path.join(self.top, path.lstrip('/'))

    def write(self, path, text):
        host = self.host(path)
        os.makedirs(os.path.dirname(host), exist_ok=True)
        if os.path.lexists(host):
            os.unlink(host)   # never write through a hard link
        with open(host, 'w') as f:
            f.write(text)

    def systemctl(self, *args):
        proc = subprocess.run(['systemctl', '--root=' + self.top] + list(
            args), capture_output=True, text=True)
        return proc.stdout.split()

    def make_bootable(self):
        """What the image's kernel package and update-grub would add (a
        kernel is not part of the cached tree: too big for what it
        proves)."""
        self.write('/boot/vmlinuz-6.1.0-28-amd64', 'kernel')
        self.write('/boot/grub/grub.cfg', 'menuentry "Debian" {\n  linux '
                   '/boot/vmlinuz-6.1.0-28-amd64 root=LABEL=root ro '
                   'console=tty0 console=ttyS0,115200n8\n}\n')

    def rows(self, fix=False):
        with guest.open_root(path=self.top, writable=fix) as root:
            report = guest.run_checks(root, fix=fix)
        return {c.id: c for c in report.checks}

    def assertUnitsAgree(self):
        """Every unit's state: the engine's == systemctl's."""
        units = set()
        for d in ('usr/lib/systemd/system', 'etc/systemd/system'):
            units |= {u for u in os.listdir(self.host(d))
                      if '.' in u and not u.endswith(('.wants', '.d',
                                                      '.requires'))}
        units = sorted(units)
        want = self.systemctl('is-enabled', *units)
        self.assertEqual(len(units), len(want))
        with guest.open_root(path=self.top) as root:
            f = facts.Facts(root, checks.load_data())
            got = [f.unit_state(u)[0] for u in units]
        differ = [(u, w, g) for u, w, g in zip(units, want, got) if w != g]
        self.assertEqual([], differ)
        self.assertGreater(len(units), 100)
        return dict(zip(units, want))

    # -- the cloud-ready tree ----------------------------------------------
    def test_cloud_ready_tree_passes(self):
        self.make_bootable()
        rows = self.rows()
        self.assertEqual([], [r.row() for r in rows.values()
                              if r.status == 'fail'])
        for cid in ('linux.sshd', 'linux.cloud-init', 'linux.bootable',
                    'linux.serial-console', 'linux.mac-pinning'):
            self.assertEqual('pass', rows[cid].status, rows[cid])
        self.assertIn('os_distro=debian', rows['guest.os'].detail)
        states = self.assertUnitsAgree()
        self.assertEqual('enabled', states['ssh.service'])
        self.assertEqual('alias', states['sshd.service'])

    def test_minimal_tree_is_not_bootable(self):
        row = self.rows()['linux.bootable']
        self.assertEqual('fail', row.status)
        self.assertIn('no kernel', row.detail)
        self.make_bootable()
        self.assertEqual('pass', self.rows()['linux.bootable'].status)
        # systemd's binary without the systemd-sysv link: the kernel finds
        # no init
        os.unlink(self.host('/usr/sbin/init'))
        row = self.rows()['linux.bootable']
        self.assertEqual('fail', row.status)
        self.assertIn('no init', row.detail)

    # -- sshd ----------------------------------------------------------------
    def test_ssh_masked(self):
        self.make_bootable()
        self.systemctl('mask', 'ssh.service')
        self.assertTrue(os.path.lexists(self.host('/etc/rc2.d/S01ssh')))
        self.assertEqual('masked', self.assertUnitsAgree()['ssh.service'])
        row = self.rows()['linux.sshd']
        self.assertEqual('fail', row.status)
        self.assertIn('masked', row.detail)

    def test_ssh_disabled_with_the_sysv_link_left(self):
        self.make_bootable()
        self.systemctl('disable', 'ssh.service')
        self.assertFalse(os.path.lexists(self.host(WANTS)))
        self.assertEqual('disabled', self.assertUnitsAgree()['ssh.service'])
        self.assertEqual('fail', self.rows()['linux.sshd'].status)
        # systemctl also turned the SysV link off; an image disabled by
        # removing the systemd links alone keeps it: systemd ignores it
        # (a native unit exists), so must the check
        sysv = self.host('/etc/rc2.d/S01ssh')
        if not os.path.lexists(sysv):
            os.symlink('../init.d/ssh', sysv)
        self.assertEqual('disabled', self.assertUnitsAgree()['ssh.service'])
        self.assertEqual('fail', self.rows()['linux.sshd'].status)

    def test_ssh_links_removed_by_hand(self):
        self.make_bootable()
        os.unlink(self.host(WANTS))
        self.assertTrue(os.path.lexists(self.host('/etc/rc2.d/S01ssh')))
        # the sshd.service alias link left behind: systemctl still says
        # "enabled", but nothing pulls the unit in
        self.assertEqual('enabled', self.assertUnitsAgree()['ssh.service'])
        self.assertEqual('fail', self.rows()['linux.sshd'].status)
        os.unlink(self.host('/etc/systemd/system/sshd.service'))
        self.assertEqual('disabled', self.assertUnitsAgree()['ssh.service'])
        self.assertEqual('fail', self.rows()['linux.sshd'].status)
        # socket activation instead: sshd starts on connection
        self.systemctl('enable', 'ssh.socket')
        self.assertEqual('enabled', self.assertUnitsAgree()['ssh.socket'])
        self.assertEqual('pass', self.rows()['linux.sshd'].status)

    # -- cloud-init ------------------------------------------------------------
    def test_cloud_init_units_disabled_or_masked(self):
        self.make_bootable()
        self.systemctl('disable', *CLOUD_UNITS)
        states = self.assertUnitsAgree()
        self.assertEqual(['disabled'] * 4, [states[u] for u in CLOUD_UNITS])
        row = self.rows()['linux.cloud-init']
        self.assertEqual('fail', row.status)
        self.assertIn('disabled', row.detail)
        self.systemctl('enable', *CLOUD_UNITS)
        self.assertEqual('pass', self.rows()['linux.cloud-init'].status)
        self.systemctl('mask', 'cloud-init-local.service')
        self.assertUnitsAgree()
        self.assertIn('masked', self.rows()['linux.cloud-init'].detail)

    def test_cloud_init_disabled_by_marker_or_command_line(self):
        self.make_bootable()
        self.write('/etc/cloud/cloud-init.disabled', '')
        self.assertEqual('fail', self.rows()['linux.cloud-init'].status)
        os.unlink(self.host('/etc/cloud/cloud-init.disabled'))
        self.write('/boot/grub/grub.cfg', 'linux /boot/vmlinuz-6.1.0-28-amd64 '
                   'ro console=ttyS0,115200n8 cloud-init=disabled\n')
        row = self.rows()['linux.cloud-init']
        self.assertEqual('fail', row.status)
        self.assertEqual('/boot/grub/grub.cfg', row.path)

    # -- network -------------------------------------------------------------
    def test_mac_pinned(self):
        self.make_bootable()
        for path, text in (
                ('/etc/network/interfaces', 'auto eth0\niface eth0 inet '
                 'dhcp\n  hwaddress ether 52:54:00:aa:bb:cc\n'),
                ('/etc/netplan/50-cloud-init.yaml', 'network:\n  version: 2'
                 '\n  ethernets:\n    eth0:\n      match:\n        '
                 'macaddress: 52:54:00:aa:bb:cc\n      dhcp4: true\n'),
                ('/etc/systemd/network/10-eth0.link', '[Match]\nMACAddress='
                 '52:54:00:aa:bb:cc\n[Link]\nName=eth0\n')):
            self.write(path, text)
            row = self.rows()['linux.mac-pinning']
            self.assertEqual('fail', row.status, path)
            self.assertIn(path, row.path)
            os.unlink(self.host(path))

    # -- the command --------------------------------------------------------
    def prepare(self, *args):
        env = dict(os.environ)
        for key in [k for k in env if k.startswith('OS_')]:
            del env[key]
        return subprocess.run(
            [os.path.join(TOP, '.venv', 'bin', 'openstack'), 'image',
             'prepare'] + list(args), capture_output=True, text=True,
            env=env, cwd=self.top + '/..')

    def test_command_on_a_stale_grub_cfg_and_a_missing_file(self):
        self.make_bootable()
        self.write('/etc/default/grub', 'GRUB_DEFAULT=0\nGRUB_CMDLINE_LINUX='
                   '"console=tty0 console=ttyS0,115200n8"\n')
        self.write('/boot/grub/grub.cfg', 'linux /boot/vmlinuz-6.1.0-28-amd64'
                   ' ro quiet\n')
        image = os.path.join(self.top, '..', 'disk.img')
        open(image, 'w').close()
        before = open(self.host('/etc/default/grub')).read()
        proc = self.prepare(image, '--guest-root', self.top, '--guest-only',
                            '--fix-guest', '-f', 'value', '-c', 'Check',
                            '-c', 'Status', '-c', 'Fix')
        self.assertEqual(0, proc.returncode, proc.stderr)
        line = next(ln for ln in proc.stdout.splitlines()
                    if ln.startswith('linux.serial-console '))
        self.assertIn(' warn ', line)
        self.assertIn('update-grub', line)
        self.assertEqual(before, open(self.host('/etc/default/grub')).read())
        proc = self.prepare(image + '.missing', '--guest-root', self.top,
                            '--guest-only')
        self.assertEqual(2, proc.returncode)
        self.assertIn('no such file', proc.stderr)
        self.assertEqual(1, len(proc.stderr.strip().splitlines()))
