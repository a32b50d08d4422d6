"""``openstack --debug image prepare --inspect-guest``: each libguestfs
(guestfish) command line and its duration in the debug log, as for
qemu-img (tests/functional/test_prepare_cli.py).

The real CLI and the real libguestfs: one appliance start (30-90 s under
TCG), on a disk image made from the unit tests' Ubuntu tree; skipped,
with libguestfs' own reason, where libguestfs is missing or its appliance
cannot start.
"""

import os
import re
import shutil

from tests.functional import base
from tests.unit.guest import trees

DURATION = r' after \d+\.\d\d s'


class TestPrepareDebugGuest(base.FunctionalTestCase):

    def test_debug_logs_each_guestfish_command_and_its_duration(self):
        if not shutil.which('guestfish'):
            self.skipTest('libguestfs is not installed (no guestfish): '
                          'install libguestfs-tools')
        t = trees.ubuntu(os.path.join(self.tmp, 'ubuntu'))
        image = self.guest_disk(t.top)
        res = self.openstack('--debug', 'image', 'prepare', image,
                             '--inspect-guest', '--dry-run', '--no-progress',
                             cloud=None, rc=None)
        if res.rc and ('not installed' in res.stderr
                       or 'could not start' in res.stderr):
            self.skipTest('libguestfs cannot run here: %s'
                          % res.stderr.strip().splitlines()[-1])
        self.assertEqual(0, res.rc, res)
        err = res.stderr
        # the process, the appliance launch, the inspection, reads
        self.assertRegex(err, r'running: \S*guestfish --ro --format=qcow2 '
                         r'-a %s\n' % re.escape(image))
        self.assertIn('running: guestfish run\n', err)
        self.assertRegex(err, r'guestfish run: ok' + DURATION)
        self.assertIn('running: guestfish inspect-os\n', err)
        self.assertRegex(err, r'guestfish inspect-os: ok' + DURATION)
        self.assertRegex(err, r'running: guestfish download /\S+ '
                         r'\S+/download\n')
        self.assertRegex(err, r'guestfish: exit 0' + DURATION)
        # and qemu-img's as before, from the same helper
        self.assertRegex(err, r'qemu-img check: exit 0' + DURATION)
        # without --debug: none of it
        res = self.openstack('image', 'prepare', image, '--no-progress',
                             cloud=None)
        self.assertNotIn('running:', res.stderr)
