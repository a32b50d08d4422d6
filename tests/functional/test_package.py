"""The package as a user gets it: sdist and wheel built from the source,
``twine check``, the wheel installed into a fresh venv next to
python-openstackclient, every command's ``--help`` and offline commands
run from there (the data files must be in the wheel).

No cloud and no download: the fresh venv sees the test venv's installed
packages (OSC and the runtime dependencies) through a directory of links
that leaves this project out, so the only osc_imagetools it can import is
the wheel's; ``pip install --no-index`` proves the wheel's requirements
(and its ``cli`` extra) are met by what is installed.

``IMAGETOOLS_DIST``: a directory with an sdist and a wheel already built
(tools/run-tests builds them once for ``twine check``); otherwise the test
builds them from the working tree (tracked and untracked files, committed
or not, in a scratch git repository: pbr lists a package's files with git).
"""

import glob
import json
import os
import shutil
import subprocess
import sys
import sysconfig

import fixtures
import testtools

from tests.unit import validation as data

REPO = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))
GLANCE_METADEFS = os.path.join(sys.prefix, 'etc', 'glance', 'metadefs')
COMMANDS = ('image prepare', 'image validate', 'image share-accept',
            'image share list', 'image metadef sync')
# OSC's console script lives in the test venv; the fresh venv gets one of
# its own (the same two lines pip would write)
OSC_SCRIPT = ('#!%s\nimport sys\nfrom openstackclient.shell import main\n'
              'sys.exit(main(sys.argv[1:]))\n')


def run(argv, **kwargs):
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(('OS_', 'PYTHON', 'PIP_'))}
    env.update(kwargs.pop('env', {}))
    # not the checkout: `python -c` puts the working directory first on
    # sys.path, where the source tree's osc_imagetools would be imported
    kwargs.setdefault('cwd', '/')
    return subprocess.run([str(a) for a in argv], capture_output=True,
                          text=True, stdin=subprocess.DEVNULL, env=env,
                          timeout=300, **kwargs)


class TestPackage(testtools.TestCase):

    def setUp(self):
        super().setUp()
        self.tmp = self.useFixture(fixtures.TempDir()).path

    def check(self, proc, rc=0):
        self.assertEqual(rc, proc.returncode,
                         '%s\n--- stdout\n%s\n--- stderr\n%s' % (
                             ' '.join(proc.args), proc.stdout[-3000:],
                             proc.stderr[-3000:]))
        self.assertNotIn('Traceback', proc.stdout + proc.stderr)
        return proc

    # -- build -------------------------------------------------------------
    def build(self):
        dist = os.environ.get('IMAGETOOLS_DIST')
        if dist:
            return dist
        src = os.path.join(self.tmp, 'src')
        names = self.check(run(['git', 'ls-files', '-z', '-co',
                                '--exclude-standard'], cwd=REPO)).stdout
        for name in filter(None, names.split('\0')):
            if not os.path.isfile(os.path.join(REPO, name)):
                continue  # deleted, not yet committed
            os.makedirs(os.path.join(src, os.path.dirname(name)),
                        exist_ok=True)
            shutil.copy2(os.path.join(REPO, name), os.path.join(src, name))
        git = ['git', '-c', 'user.name=test', '-c', 'user.email=t@t',
               '-c', 'commit.gpgsign=false']
        self.check(run(git + ['init', '-q'], cwd=src))
        self.check(run(git + ['add', '-A'], cwd=src))
        self.check(run(git + ['commit', '-qm', 'package test'], cwd=src))
        dist = os.path.join(self.tmp, 'dist')
        self.check(run([sys.executable, '-m', 'build', '--no-isolation',
                        '--outdir', dist, src]))
        return dist

    # -- a fresh venv that sees OSC but not this project --------------------
    def venv(self, wheel):
        venv = os.path.join(self.tmp, 'venv')
        self.check(run([sys.executable, '-m', 'venv', '--without-pip',
                        venv]))
        py = os.path.join(venv, 'bin', 'python')
        site = self.check(run([py, '-c', 'import sysconfig; print('
                               'sysconfig.get_paths()["purelib"])'])
                          ).stdout.strip()
        ours = sysconfig.get_paths()['purelib']
        overlay = os.path.join(self.tmp, 'overlay')
        os.mkdir(overlay)
        for entry in os.listdir(ours):
            low = entry.lower()
            if 'osc_imagetools' in low or 'osc-imagetools' in low \
                    or low.startswith('__editable__') or low == 'pip' \
                    or low.startswith('pip-'):
                continue
            os.symlink(os.path.join(ours, entry),
                       os.path.join(overlay, entry))
        with open(os.path.join(site, 'zz-test-overlay.pth'), 'w') as f:
            f.write('import site; site.addsitedir(%r)\n' % overlay)
        # pip of the test venv, installing into the fresh one; --no-index:
        # every requirement must already be there
        self.check(run([sys.executable, '-m', 'pip', '--python', py,
                        'install', '--no-index', '--no-cache-dir',
                        '--disable-pip-version-check',
                        '%s[cli]' % wheel]))
        where = self.check(run([py, '-c', 'import osc_imagetools; '
                                'print(osc_imagetools.__file__)'])).stdout
        self.assertTrue(where.startswith(site), where)
        openstack = os.path.join(venv, 'bin', 'openstack')
        with open(openstack, 'w') as f:
            f.write(OSC_SCRIPT % py)
        os.chmod(openstack, 0o755)
        return openstack

    def openstack(self, osc, *args, rc=0):
        return self.check(run([osc] + list(args)), rc=rc)

    def test_build_check_install_run(self):
        dist = self.build()
        sdists = glob.glob(os.path.join(dist, '*.tar.gz'))
        wheels = glob.glob(os.path.join(dist, '*.whl'))
        self.assertEqual((1, 1), (len(sdists), len(wheels)), dist)
        self.check(run([sys.executable, '-m', 'twine', 'check', '--strict']
                       + sdists + wheels))
        osc = self.venv(wheels[0])
        py = os.path.join(os.path.dirname(osc), 'python')

        # the metadata a user (and an index) sees
        meta = json.loads(self.check(run([py, '-c', (
            'import json, importlib.metadata as m\n'
            'd = m.metadata("osc-imagetools")\n'
            'print(json.dumps({k: d.get_all(k) or [] for k in ('
            '"Provides-Extra", "License-File", "Home-page", '
            '"Classifier")}))')])).stdout)
        self.assertEqual(['cli'], meta['Provides-Extra'])
        self.assertEqual(['LICENSE'], meta['License-File'])
        self.assertEqual(1, len(meta['Home-page']))
        self.assertNotIn('example.invalid', meta['Home-page'][0])
        for classifier in ('Environment :: OpenStack',
                           'Intended Audience :: System Administrators',
                           'Programming Language :: Python :: 3.11'):
            self.assertIn(classifier, meta['Classifier'])
        self.assertTrue(any(c.startswith('Development Status ::')
                            for c in meta['Classifier']))

        for command in COMMANDS:
            res = self.openstack(osc, *(command.split() + ['--help']))
            self.assertIn('usage: openstack %s' % command, res.stdout)

        # offline commands that read the wheel's data files: validate's
        # rule tables and Nova's values against glance's catalog, prepare's
        # profiles
        catalog = os.path.join(self.tmp, 'catalog')
        os.mkdir(catalog)
        with open(os.path.join(catalog, 'image-schema.json'), 'w') as f:
            json.dump(data.image_schema(), f)
        os.symlink(GLANCE_METADEFS, os.path.join(catalog, 'metadefs'))
        res = self.openstack(
            osc, 'image', 'validate', '--catalog-dir', catalog, '-f', 'json',
            '--property', 'os_require_quiesce=yes',
            '--property', 'hw_disk_bus=virtio', rc=1)
        rules = {r['Rule'] for r in json.loads(res.stdout)}
        self.assertIn('quiesce-needs-guest-agent', rules)

        image = os.path.join(self.tmp, 'disk.qcow2')
        self.check(run(['qemu-img', 'create', '-q', '-f', 'qcow2', image,
                        '64M']))
        res = self.openstack(osc, 'image', 'prepare', image, '--profile',
                             'linux-virtio', '--no-progress', '-f', 'json')
        row = json.loads(res.stdout)
        self.assertEqual('qcow2', row['disk_format'])
        self.assertEqual('virtio', row['properties'].get('hw_disk_bus'))
