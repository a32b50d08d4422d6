"""``openstack image prepare`` with the guest checks, through the real CLI.

Guests are the unit tests' root trees (tests/unit/guest/trees.py). What
reaches Glance is read back through the raw API. One test goes through
libguestfs (``--inspect-guest``, then ``--fix-guest`` to a copy): two
appliance starts, 30-90 s each under TCG; it is skipped, with libguestfs'
own reason, where libguestfs is missing or its appliance cannot start.
"""

import hashlib
import os
import shutil

from tests.functional import base
from tests.unit.guest import trees

UDEV = '/etc/udev/rules.d/70-persistent-net.rules'


class TestPrepareGuest(base.FunctionalTestCase):

    def setUp(self):
        super().setUp()
        self.disk = self.qemu_img('qcow2', size='8M')

    def prepare(self, *args, rc=0):
        return self.openstack('image', 'prepare', *(args + ('-f', 'json')),
                              rc=rc)

    def guest_checks(self, row):
        return {c['name']: c['status'] for c in row['checks']
                if c['name'].startswith(('guest.', 'linux.', 'windows.',
                                         'freebsd.'))}

    def raw_images(self, name):
        images = self.sdk().image.get('/images?name=%s' % name).json()
        return images['images']

    def cleanup_image(self, name):
        def delete():
            conn = self.sdk()
            for image in self.raw_images(name):
                conn.image.delete_image(image['id'], ignore_missing=True)
        self.addCleanup(delete)

    # -- root trees ---------------------------------------------------------
    def test_clean_tree_dry_run(self):
        t = trees.ubuntu(os.path.join(self.tmp, 'ubuntu'))
        name = self.unique('guest-dry')
        self.cleanup_image(name)
        row = self.prepare(self.disk, '--guest-root', t.top, '--dry-run',
                           '--upload', name).json()
        self.assertEqual({'os_type': 'linux', 'os_distro': 'ubuntu',
                          'os_version': '22.04',
                          'hw_qemu_guest_agent': 'yes'}, row['properties'])
        checks = self.guest_checks(row)
        self.assertEqual('pass', checks['linux.cloud-init'])
        self.assertEqual('pass', checks['linux.serial-console'])
        self.assertNotIn('fail', checks.values())
        # validated against the live cloud's schema and metadefs
        self.assertEqual(
            ["the cloud's schema and metadefs"],
            [c['detail'] for c in row['checks'] if c['name'] == 'validate'])
        self.assertEqual([], self.raw_images(name))

    def test_broken_tree_fails_and_uploads_nothing(self):
        t = trees.broken_rocky(os.path.join(self.tmp, 'rocky'),
                               hwaddr=True)
        before = t.snapshot()
        name = self.unique('guest-broken')
        self.cleanup_image(name)
        res = self.prepare(self.disk, '--guest-root', t.top, '--upload',
                           name, rc=1)
        row = res.json()
        checks = self.guest_checks(row)
        self.assertEqual('fail', checks['linux.udev-persistent-net'])
        self.assertEqual('fail', checks['linux.ifcfg-hwaddr'])
        self.assertEqual('warn', checks['linux.machine-id'])
        self.assertIn('guest check(s) failed', res.stderr)
        self.assertEqual([], self.raw_images(name))
        self.assertEqual(before, t.snapshot())

        # allowed: uploaded, with the guest's properties under the user's
        res = self.prepare(self.disk, '--guest-root', t.top, '--upload',
                           name, '--allow-guest-failures', '--os-version',
                           '9')
        image = self.sdk().image.get(
            '/images/%s' % res.json()['image_id']).json()
        self.assertEqual('active', image['status'])
        self.assertEqual('rocky', image['os_distro'])
        self.assertEqual('linux', image['os_type'])
        self.assertEqual('9', image['os_version'])
        self.assertEqual('yes', image['hw_qemu_guest_agent'])

    def test_guest_only_table(self):
        t = trees.broken_rocky(os.path.join(self.tmp, 'rocky'),
                               hwaddr=True)
        res = self.openstack('image', 'prepare', self.disk, '--guest-root',
                             t.top, '--guest-only', rc=1)
        header = res.stdout.splitlines()[1]
        self.assertEqual(['Check', 'Status', 'Path', 'Detail', 'Fix'],
                         [h.strip() for h in header.strip('|').split('|')])
        self.assertIn('guest checks failed', res.stderr)
        rows = self.openstack('image', 'prepare', self.disk, '--guest-root',
                              t.top, '--guest-only', '-f', 'json',
                              rc=1).json()
        by_id = {r['Check']: r for r in rows}
        self.assertEqual(UDEV, by_id['linux.udev-persistent-net']['Path'])
        self.assertEqual('fail', by_id['linux.udev-persistent-net']['Status'])
        # usage errors: exit 2
        self.openstack('image', 'prepare', self.disk, '--guest-only', rc=2)
        self.openstack('image', 'prepare', self.disk, '--guest-root', t.top,
                       '--in-place', rc=2)

    def test_fix_guest_tree(self):
        t = trees.broken_rocky(os.path.join(self.tmp, 'rocky'),
                               hwaddr=True)
        row = self.prepare(self.disk, '--guest-root', t.top,
                           '--fix-guest').json()
        checks = self.guest_checks(row)
        for cid in ('linux.udev-persistent-net', 'linux.ifcfg-hwaddr',
                    'linux.machine-id'):
            self.assertEqual('fixed', checks[cid], cid)
        self.assertEqual('', t.read(UDEV))
        self.assertEqual('DEVICE=eth0\nBOOTPROTO=dhcp\n', t.read(
            '/etc/sysconfig/network-scripts/ifcfg-eth0'))
        self.assertIn('/etc/machine-id',
                      [c['path'] for c in row['guest']['changes']])
        again = self.prepare(self.disk, '--guest-root', t.top).json()
        self.assertNotIn('fail', self.guest_checks(again).values())
        self.assertNotIn('fixed', self.guest_checks(again).values())

    # -- an image file, through libguestfs ------------------------------------
    def skip_if_no_appliance(self, res):
        if res.rc and ('not installed' in res.stderr
                       or 'could not start' in res.stderr):
            self.skipTest('libguestfs cannot run here: %s'
                          % res.stderr.strip())

    def test_inspect_and_fix_image_copy(self):
        if not shutil.which('guestfish'):
            self.skipTest('libguestfs is not installed (no guestfish): '
                          'install libguestfs-tools')
        t = trees.broken_rocky(os.path.join(self.tmp, 'rocky'),
                               hwaddr=True)
        image = self.guest_disk(t.top)
        before = base.sha256_file(image)

        # 1: read-only inspection (appliance start 1)
        res = self.prepare(image, '--inspect-guest', '--dry-run', rc=None)
        self.skip_if_no_appliance(res)
        self.assertEqual(1, res.rc, res)
        row = res.json()
        checks = self.guest_checks(row)
        self.assertEqual('fail', checks['linux.udev-persistent-net'])
        self.assertEqual('warn', checks['linux.machine-id'])
        self.assertEqual('rocky', row['properties']['os_distro'])
        self.assertEqual('image, read-only', row['guest']['mode'])
        self.assertEqual(before, base.sha256_file(image))

        # 2: fix a copy (appliance start 2); the copy is what is hashed
        copy = os.path.join(self.tmp, 'fixed.qcow2')
        res = self.prepare(image, '--inspect-guest', '--fix-guest',
                           '--output', copy, rc=None)
        self.skip_if_no_appliance(res)
        self.assertEqual(0, res.rc, res)
        row = res.json()
        self.assertEqual(before, base.sha256_file(image))
        self.assertEqual(copy, row['file'])
        self.assertEqual(image, row['source'])
        with open(copy, 'rb') as f:
            self.assertEqual(hashlib.sha512(f.read()).hexdigest(),
                             row['sha512'])
        self.assertEqual('fixed',
                         self.guest_checks(row)['linux.udev-persistent-net'])
        changed = {c['path'] for c in row['guest']['changes']}
        self.assertIn(UDEV, changed)
        self.assertIn('/etc/machine-id', changed)

        # the copy's filesystem, read back without libguestfs
        dumped = trees.Tree(self.guest_disk_tree(copy, 'qcow2'))
        self.assertEqual('', dumped.read('/etc/machine-id'))
        self.assertEqual('', dumped.read(UDEV))
        # the original tree still has its problems (nothing written back)
        self.assertNotEqual('', t.read(UDEV))
