"""``openstack image prepare`` as an operator types it: the flags of
``openstack image create``, duplicate names, the progress display on a
terminal (and its absence on a pipe), files written (none on --dry-run,
modes under the umask), and quiet one-line failures.

The real CLI against the real local Glance and Keystone; progress is read
from a real pseudo-terminal (python's :mod:`pty`), faults come from
:class:`fakeglance.FaultProxy` in front of the shared Glance.
"""

import json
import os
import pty
import re
import select
import subprocess
import time

import yaml

from tests.functional import base
from tests.functional import fakeglance

MiB = 1024 * 1024
# what rich draws: a cleared line (ESC [2K) and "done/total MiB"
CLEAR_LINE = '\x1b[2K'
BYTES = re.compile(r'\d+\.\d/\d+\.\d MiB')
ANSI = re.compile(r'\x1b\[[0-9;?]*[A-Za-z]')


class PrepareCLITestCase(base.FunctionalTestCase):

    def raw_disk(self, name='disk.raw', size=4 * MiB):
        path = os.path.join(self.tmp, name)
        with open(path, 'wb') as f:
            f.write(os.urandom(size))
        return path

    def convert(self, src, fmt, name):
        path = os.path.join(self.tmp, name)
        subprocess.check_call(['qemu-img', 'convert', '-q', '-f', 'raw',
                               '-O', fmt, src, path])
        return path

    def cleanup_name(self, name, cloud='admin'):
        def delete():
            conn = self.sdk(cloud)
            for image in conn.image.images(name=name):
                if image.is_protected:
                    conn.image.update_image(image.id, is_protected=False)
                conn.image.delete_image(image.id, ignore_missing=True)
        self.addCleanup(delete)

    def ids_named(self, name, cloud='admin'):
        return sorted(i.id for i in self.sdk(cloud).image.images(name=name))

    def on_tty(self, *args, cloud='producer', env=None, timeout=300):
        """Run the CLI with stderr on a pseudo-terminal (stdout a pipe):
        ``(rc, stdout, terminal text)``."""
        argv = [base.OPENSTACK] + (['--os-cloud', cloud] if cloud else [])
        argv += [str(a) for a in args]
        master, slave = pty.openpty()
        env = env or self.env(COLUMNS='120', LINES='40', TERM='xterm')
        proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL,
                                stdout=subprocess.PIPE, stderr=slave,
                                env=env)
        os.close(slave)
        tty = b''
        deadline = time.monotonic() + timeout
        try:
            while time.monotonic() < deadline:
                ready, _, _ = select.select([master], [], [], 0.2)
                if ready:
                    try:
                        data = os.read(master, 65536)
                    except OSError:     # EIO: the last writer closed it
                        break
                    if not data:
                        break
                    tty += data
                elif proc.poll() is not None:
                    break
            out = proc.stdout.read().decode()
            proc.wait(timeout=60)
        finally:
            os.close(master)
            if proc.poll() is None:
                proc.kill()
                proc.wait()
        text = tty.decode('utf-8', 'replace')
        self.assertNotIn('Traceback', out + text)
        return proc.returncode, out, text


class TestProgress(PrepareCLITestCase):

    def test_every_long_step_on_a_terminal(self):
        raw = self.raw_disk(size=24 * MiB)
        vmdk = self.convert(raw, 'vmdk', 'disk.vmdk')
        name = self.unique('prep-tty')
        self.cleanup_name(name, 'producer')
        rc, out, tty = self.on_tty(
            'image', 'prepare', vmdk, '--convert-to', 'qcow2', '--upload',
            name, '--import-method', 'glance-direct', '-f', 'json')
        self.assertEqual(0, rc, tty)
        row = json.loads(out)
        self.assertTrue(row['image_id'])
        plain = ANSI.sub('', tty)
        # a status line for the steps without a byte count ...
        for line in ('inspect  reading %s' % vmdk,
                     'check    qemu-img check %s' % vmdk,
                     "import   waiting for Glance's import task"):
            self.assertIn(line, plain)
        # ... a bar with bytes done/total for the others
        for step in ('convert', 'upload'):
            self.assertRegex(plain, r'%s\s+\S*\s*%s' % (step, BYTES.pattern))
        # lines are cleared, qemu-img's own progress is not shown
        self.assertIn(CLEAR_LINE, tty)
        self.assertNotRegex(tty, r'\(\d+\.\d+/100%\)')
        # the display is transient: after it, only the command's own lines
        self.assertNotIn('error', plain)

    def test_hash_bar_and_no_progress_option(self):
        raw = self.raw_disk(size=16 * MiB)
        rc, out, tty = self.on_tty('image', 'prepare', raw, '-f', 'json',
                                   cloud=None)
        self.assertEqual(0, rc, tty)
        self.assertRegex(ANSI.sub('', tty), r'hash\s+\S*\s*%s'
                         % BYTES.pattern)
        rc, out, tty = self.on_tty('image', 'prepare', raw, '-f', 'json',
                                   '--no-progress', cloud=None)
        self.assertEqual(0, rc, tty)
        self.assertEqual('', tty)
        self.assertTrue(json.loads(out)['sha512'])

    def test_nothing_on_a_pipe(self):
        raw = self.raw_disk(size=8 * MiB)
        vmdk = self.convert(raw, 'vmdk', 'disk.vmdk')
        res = self.openstack('image', 'prepare', vmdk, '--convert-to',
                             'qcow2', '-f', 'json', cloud=None)
        self.assertEqual('', res.stderr)
        self.assertEqual('done', {s['name']: s['status'] for s in
                                  res.json()['steps']}['convert'])


class TestFiles(PrepareCLITestCase):

    def listing(self):
        return sorted((n, base.sha256_file(os.path.join(self.tmp, n)))
                      for n in os.listdir(self.tmp))

    def test_dry_run_leaves_the_directory_unchanged(self):
        raw = self.raw_disk()
        vmdk = self.convert(raw, 'vmdk', 'small.vmdk')
        before = self.listing()
        manifest = os.path.join(self.tmp, 'small.json')
        for _ in range(2):      # the second identical run is not refused
            res = self.openstack(
                'image', 'prepare', vmdk, '--convert-to', 'qcow2',
                '--manifest', manifest, '--dry-run', '-f', 'json',
                cloud=None)
            self.assertEqual(before, self.listing())
        steps = {s['name']: s['detail'] for s in res.json()['steps']}
        output = os.path.join(self.tmp, 'small.qcow2')
        self.assertEqual('dry run: would convert vmdk -> qcow2 and write %s'
                         % output, steps['convert'])
        self.assertEqual('dry run: would write %s' % manifest,
                         steps['manifest'])
        self.assertEqual('qcow2', res.json()['disk_format'])

    def test_outputs_honour_the_umask(self):
        raw = self.raw_disk()
        vmdk = self.convert(raw, 'vmdk', 'disk.vmdk')
        for umask, mode in ((0o022, 0o644), (0o027, 0o640)):
            out = os.path.join(self.tmp, 'out-%o.qcow2' % umask)
            manifest = os.path.join(self.tmp, 'out-%o.json' % umask)
            argv = [base.OPENSTACK, 'image', 'prepare', vmdk,
                    '--convert-to', 'qcow2', '--output', out,
                    '--manifest', manifest, '-f', 'json']
            proc = subprocess.run(
                argv, capture_output=True, text=True, env=self.env(),
                stdin=subprocess.DEVNULL,
                preexec_fn=lambda u=umask: os.umask(u))
            self.assertEqual(0, proc.returncode, proc.stderr)
            for path in (out, manifest):
                self.assertEqual(mode, os.stat(path).st_mode & 0o777,
                                 '%s under umask %03o' % (path, umask))

    def test_checks_name_their_file_and_convert_its_output(self):
        raw = self.raw_disk()
        vmdk = self.convert(raw, 'vmdk', 'disk.vmdk')
        res = self.openstack('image', 'prepare', vmdk, '--convert-to',
                             'qcow2', '-f', 'json', cloud=None)
        row = res.json()
        files = [(c['name'], c['file']) for c in row['checks']]
        for name in ('safety', 'integrity'):
            self.assertIn((name, 'source'), files)
            self.assertIn((name, 'output'), files)
        self.assertIn(('validate', None), files)
        output = os.path.join(self.tmp, 'disk.qcow2')
        detail = {s['name']: s['detail'] for s in row['steps']}['convert']
        self.assertTrue(detail.startswith('vmdk -> qcow2, wrote %s ('
                                          % output), detail)
        table = self.openstack('image', 'prepare', vmdk, '--convert-to',
                               'qcow2', '--output',
                               os.path.join(self.tmp, 'b.qcow2'),
                               cloud=None).stdout
        self.assertIn('integrity [output]: ok (qemu-img check)', table)
        self.assertIn('integrity [source]: ok (qemu-img check)', table)


class TestImageCreateFlags(PrepareCLITestCase):

    def test_habit_flags_reach_glance(self):
        raw = self.raw_disk()
        name = self.unique('prep-flags')
        self.cleanup_name(name)
        row = self.openstack_json(
            'image', 'prepare', raw, '--upload', name, '--public',
            '--min-ram', '512', '--protected', '--project', 'producer',
            '--tag', 'one', '--tag', 'two', '--architecture', 'x86_64',
            '--os-distro', 'ubuntu', '--os-version', '24.04',
            cloud='admin')
        shown = self.openstack_json('image', 'show', row['image_id'],
                                    cloud='admin')
        self.assertEqual('public', shown['visibility'])
        self.assertEqual(512, shown['min_ram'])
        self.assertIs(True, shown['protected'])
        self.assertEqual(self.cloud.project_id('producer'), shown['owner'])
        self.assertEqual(['one', 'two'], sorted(shown['tags']))
        for key, value in (('architecture', 'x86_64'),
                           ('os_distro', 'ubuntu'), ('os_version', '24.04')):
            self.assertEqual(value, shown['properties'][key])

    def test_duplicate_name_warns_and_unique_name_refuses(self):
        raw = self.raw_disk()
        name = self.unique('prep-dup')
        self.cleanup_name(name, 'producer')
        first = self.openstack_json('image', 'prepare', raw, '--upload',
                                    name, '--no-progress')['image_id']
        res = self.openstack('image', 'prepare', raw, '--upload', name,
                             '--unique-name', rc=1)
        self.assertEqual('', res.stdout)
        self.assertEqual(
            'openstack image prepare: error: 1 image(s) already named %s '
            '(%s): choose another name, or drop --unique-name to add one '
            'more\n' % (name, first), res.stderr)
        self.assertEqual([first], self.ids_named(name, 'producer'))
        res = self.openstack('image', 'prepare', raw, '--upload', name,
                             '-f', 'json')
        self.assertEqual(
            'openstack image prepare: warning: 1 image(s) already named %s '
            '(%s); uploading another (--unique-name refuses)\n'
            % (name, first), res.stderr)
        second = res.json()['image_id']
        self.assertEqual(sorted([first, second]),
                         self.ids_named(name, 'producer'))


class TestQuietFailures(PrepareCLITestCase):

    def proxied(self, faults):
        proxy = fakeglance.FaultProxy(self.cloud.glance_url,
                                      faults=faults).start()
        self.addCleanup(proxy.stop)
        with open(self.cloud.clouds_yaml) as f:
            clouds = yaml.safe_load(f)
        for conf in clouds['clouds'].values():
            conf['image_endpoint_override'] = proxy.url
        path = os.path.join(self.tmp, 'clouds.yaml')
        with open(path, 'w') as f:
            yaml.safe_dump(clouds, f)
        return proxy, self.env(OS_CLIENT_CONFIG_FILE=path)

    def test_failed_upload_is_one_line_retries_only_in_debug(self):
        raw = self.raw_disk()
        name = self.unique('prep-quiet')
        self.cleanup_name(name, 'producer')
        proxy, env = self.proxied([
            fakeglance.Fault('PUT', r'/file$', 503),
            fakeglance.Fault('DELETE', r'/images/', 503)])
        res = self.openstack('image', 'prepare', raw, '--upload', name,
                             '-f', 'json', env=env, rc=1)
        [image_id] = self.ids_named(name, 'producer')
        lines = res.stderr.splitlines()
        self.assertEqual(1, len(lines), res.stderr)
        self.assertRegex(lines[0], (
            r'^openstack image prepare: error: upload of image %s failed: '
            r'503 .*; image %s was left in status queued and could not be '
            r'deleted \(503 .*\): delete it with "openstack image delete %s"'
            % ((image_id,) * 3)))
        self.assertLess(len(lines[0]), 500)
        # the DELETE was retried (keystoneauth), silently
        self.assertGreater(proxy.count('DELETE', image_id), 1)
        res = self.openstack('--debug', 'image', 'prepare', raw,
                             '--upload', name, '--no-progress', env=env,
                             rc=1)
        self.assertIn('Retrying in', res.stderr)

    def test_no_credentials_nothing_printed(self):
        raw = self.raw_disk()
        env = self.env(OS_CLIENT_CONFIG_FILE=os.devnull)
        res = self.openstack('image', 'prepare', raw, '--upload', 'x',
                             cloud=None, env=env, rc=1)
        self.assertEqual('', res.stdout)
        self.assertEqual(1, len(res.stderr.splitlines()), res.stderr)
        self.assertIn('openstack image prepare: error: cannot authenticate',
                      res.stderr)

    def test_library_lines_only_in_debug(self):
        base_img = self.qemu_img('qcow2', 'base.qcow2', size='1M')
        child = os.path.join(self.tmp, 'child.qcow2')
        subprocess.check_call(['qemu-img', 'create', '-q', '-f', 'qcow2',
                               '-F', 'qcow2', '-b', base_img, child])
        res = self.openstack('image', 'prepare', child, '--no-progress',
                             cloud=None, rc=1)
        self.assertNotIn('Safety check', res.stderr)
        self.assertEqual(1, len(res.stderr.splitlines()), res.stderr)
        self.assertIn('backing', res.stderr)
        res = self.openstack('--debug', 'image', 'prepare', child,
                             '--no-progress', cloud=None, rc=1)
        self.assertIn('Safety check', res.stderr)
        # the same for every command of the plugin (image validate --file)
        res = self.openstack('image', 'validate', '--file', child,
                             '--property', 'os_type=linux', rc=1)
        self.assertNotIn('Safety check', res.stderr)
        self.assertIn('backing_file', res.stdout)

    def test_debug_logs_each_qemu_img_command_and_its_duration(self):
        raw = self.raw_disk()
        vmdk = self.convert(raw, 'vmdk', 'disk.vmdk')
        res = self.openstack('--debug', 'image', 'prepare', vmdk,
                             '--convert-to', 'qcow2', '--no-progress',
                             cloud=None)
        out = os.path.join(self.tmp, 'disk.qcow2')
        self.assertRegex(res.stderr, r'running: \S*qemu-img check -f vmdk '
                         r'--output=json %s' % re.escape(vmdk))
        self.assertRegex(res.stderr, r'running: \S*qemu-img convert -f vmdk '
                         r'-O qcow2 %s \S*\.part' % re.escape(vmdk))
        self.assertRegex(res.stderr, r'qemu-img convert: exit 0 after '
                         r'\d+\.\d\d s')
        self.assertRegex(res.stderr, r'running: \S*qemu-img check -f qcow2 '
                         r'--output=json %s' % re.escape(out))
