"""Files the commands write get the mode a new file gets under the umask
(0666 minus it), like ``cp``: ``image metadef sync --export`` and
``image validate --save-catalog``, run by the real CLI against the real
local Glance under umask 027 (expected: 0640). ``image prepare``'s
converted output and manifest: tests/functional/test_prepare_cli.py.
"""

import os
import subprocess

from tests.functional import base


class TestOutputsHonourTheUmask(base.FunctionalTestCase):

    def run_under_umask(self, mask, cloud, *args):
        argv = [base.OPENSTACK, '--os-cloud', cloud] + list(args)
        proc = subprocess.run(argv, capture_output=True, text=True,
                              env=self.env(), stdin=subprocess.DEVNULL,
                              preexec_fn=lambda: os.umask(mask))
        self.assertEqual(0, proc.returncode, proc.stderr)
        self.assertNotIn('Traceback', proc.stderr)

    def modes(self, top):
        found = {}
        for dirpath, _dirs, names in os.walk(top):
            for name in names:
                path = os.path.join(dirpath, name)
                found[os.path.relpath(path, top)] = (os.stat(path).st_mode
                                                     & 0o777)
        return found

    def test_metadef_export_under_umask_027(self):
        out = os.path.join(self.tmp, 'export')
        self.run_under_umask(0o027, 'admin', 'image', 'metadef', 'sync',
                             '--export', out, '--namespace',
                             'OS::Compute::Watchdog')
        self.assertEqual({'OS-Compute-Watchdog.json': 0o640},
                         self.modes(out))

    def test_validate_save_catalog_under_umask_027(self):
        out = os.path.join(self.tmp, 'catalog')
        self.run_under_umask(0o027, 'producer', 'image', 'validate',
                             '--save-catalog', out)
        modes = self.modes(out)
        self.assertIn('image-schema.json', modes)
        self.assertIn(os.path.join('metadefs', 'OS-Compute-Watchdog.json'),
                      modes)
        self.assertEqual({0o640}, set(modes.values()), modes)
        # and under umask 022 the usual 0644
        out = os.path.join(self.tmp, 'catalog-022')
        self.run_under_umask(0o022, 'producer', 'image', 'validate',
                             '--save-catalog', out)
        self.assertEqual({0o644}, set(self.modes(out).values()))
