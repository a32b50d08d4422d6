"""Functional test base: the real ``openstack`` CLI against the real local
Glance + Keystone started by ``tools/local-cloud``.

The cloud is started once per run by ``tools/run-tests`` (or ``tox -e
functional``), which exports ``IMAGETOOLS_STATE``. When that variable is not
set (a single test run by hand), the first test of the process starts a
private cloud on free ports and stops it at exit.

Tests run concurrently (stestr workers) against one cloud: give every image,
namespace and tag a unique name (:meth:`FunctionalTestCase.unique`) and never
assume a global count.
"""

import atexit
import json
import os
import re
import subprocess
import sys
import tempfile
import uuid

import fixtures
import testtools

REPO = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))
BIN = os.path.dirname(sys.executable)
OPENSTACK = os.path.join(BIN, 'openstack')
LOCAL_CLOUD = os.path.join(REPO, 'tools', 'local_cloud.py')

_CLOUD = None


class Cloud:
    """What the tests need to know of a running local cloud."""

    def __init__(self, state):
        self.state = state
        with open(os.path.join(state, 'state.json')) as f:
            self.info = json.load(f)
        self.clouds_yaml = os.path.join(state, 'clouds.yaml')
        self.access_log = os.path.join(state, 'logs', 'glance-access.log')
        self.glance_url = 'http://127.0.0.1:%d' % self.info['glance_port']
        self.ids = self.info.get('ids', {})

    def project_id(self, name):
        return self.ids['%s_project_id' % name]


def _start_private_cloud():
    state = tempfile.mkdtemp(prefix='imagetools-cloud-')
    subprocess.check_call(
        [sys.executable, LOCAL_CLOUD, 'start', '--state', state,
         '--glance-port', '0', '--keystone-port', '0'])
    atexit.register(subprocess.call,
                    [sys.executable, LOCAL_CLOUD, 'stop', '--state', state])
    return state


def get_cloud():
    global _CLOUD
    if _CLOUD is None:
        state = os.environ.get('IMAGETOOLS_STATE')
        if not state or not os.path.exists(os.path.join(state, 'state.json')):
            state = _start_private_cloud()
        _CLOUD = Cloud(state)
    return _CLOUD


class Result:

    def __init__(self, argv, proc):
        self.argv = argv
        self.rc = proc.returncode
        self.stdout = proc.stdout
        self.stderr = proc.stderr

    def json(self):
        return json.loads(self.stdout)

    def __repr__(self):
        return ('<%s rc=%s>\n--- stdout\n%s\n--- stderr\n%s'
                % (' '.join(self.argv), self.rc, self.stdout, self.stderr))


class FunctionalTestCase(testtools.TestCase):

    def setUp(self):
        super().setUp()
        self.cloud = get_cloud()
        self.tmp = self.useFixture(fixtures.TempDir()).path

    # -- running the real CLI ---------------------------------------------
    def env(self, **extra):
        env = dict(os.environ)
        for k in list(env):
            if k.startswith('OS_'):
                del env[k]
        env['OS_CLIENT_CONFIG_FILE'] = self.cloud.clouds_yaml
        env['PATH'] = BIN + os.pathsep + env.get('PATH', '')
        env.update(extra)
        return env

    def openstack(self, *args, cloud='producer', rc=0, env=None, stdin=None,
                  timeout=600):
        """Run ``openstack --os-cloud CLOUD ARGS``; assert the exit code
        (``rc=None`` skips that) and that no traceback was printed."""
        argv = [OPENSTACK]
        if cloud:
            argv += ['--os-cloud', cloud]
        argv += [str(a) for a in args]
        proc = subprocess.run(argv, capture_output=True, text=True,
                              env=env or self.env(), timeout=timeout,
                              input=stdin,
                              stdin=None if stdin is not None
                              else subprocess.DEVNULL)
        res = Result(argv, proc)
        self.assertNotIn('Traceback', res.stdout + res.stderr, res)
        if rc is not None:
            self.assertEqual(rc, res.rc, res)
        return res

    def openstack_json(self, *args, **kwargs):
        return self.openstack(*(args + ('-f', 'json')), **kwargs).json()

    def validate(self, *args, **kwargs):
        """``openstack image validate -f json ARGS``: the result and its
        rows (none when it printed nothing)."""
        res = self.openstack('image', 'validate', '-f', 'json', *args,
                             **kwargs)
        return res, (json.loads(res.stdout) if res.stdout.strip() else [])

    @staticmethod
    def summary(rows):
        """validate's rows as sorted (Property, Severity, Rule)."""
        return sorted((r['Property'], r['Severity'], r['Rule'])
                      for r in rows)

    # -- the cloud behind the CLI -----------------------------------------
    def sdk(self, cloud='producer'):
        """An openstacksdk connection as ``cloud``, to check what Glance
        really holds (never to replace the CLI under test)."""
        from openstack import config
        from openstack import connection
        region = config.OpenStackConfig(
            config_files=[self.cloud.clouds_yaml],
            load_envvars=False).get_one(cloud)
        conn = connection.Connection(config=region)
        self.addCleanup(conn.close)
        return conn

    def send(self, conn, method, path, ok, **kwargs):
        """A fixture request through ``conn``'s image proxy; returns the
        response when its status is in ``ok``. Retries Glance's 5xx: the
        shared Glance's SQLite answers 500 "database is locked" to writes
        of concurrent tests. Such a 500 is sometimes answered after the
        write was committed: a POST resent after it and answered 409 (the
        object already exists) has therefore succeeded."""
        import time
        resent = False
        for _ in range(20):
            resp = conn.image.request(path, method, **kwargs)
            if resp.status_code in ok:
                return resp
            if method == 'POST' and resent and resp.status_code == 409:
                return resp
            if resp.status_code < 500:
                break
            resent = True
            time.sleep(0.2)
        self.fail('%s %s: %s %s' % (method, path, resp.status_code,
                                    resp.text[:300]))

    def unique(self, prefix='it'):
        return '%s-%s' % (prefix, uuid.uuid4().hex[:10])

    def access_log_mark(self):
        """Position in Glance's access log; see :meth:`writes_since`."""
        try:
            return os.path.getsize(self.cloud.access_log)
        except FileNotFoundError:
            return 0

    def wait_logged(self, mark, method, fragment, timeout=15):
        """Wait until Glance has logged a ``method`` request whose path has
        ``fragment`` since ``mark``. gunicorn writes the access-log line
        after the response is sent, so a fixture's last write can land in
        the log after the test took its next mark."""
        import time
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if any(m == method and fragment in path
                   for m, path, _ in self.requests_since(mark)):
                return
            time.sleep(0.1)
        self.fail('Glance never logged %s ...%s...' % (method, fragment))

    def requests_since(self, mark):
        """``[(method, path, status)]`` logged by Glance since ``mark``.

        The log is shared by concurrent tests: filter on names that are
        unique to the test."""
        with open(self.cloud.access_log, 'rb') as f:
            f.seek(mark)
            data = f.read().decode('utf-8', 'replace')
        out = []
        for m in re.finditer(r'"(\w+) (\S+) HTTP/[\d.]+" (\d+)', data):
            out.append((m.group(1), m.group(2), int(m.group(3))))
        return out

    # -- disk images made by the real qemu-img ----------------------------
    def qemu_img(self, fmt, name=None, size='16M', options=None):
        path = os.path.join(self.tmp, name or 'disk.' + fmt)
        argv = ['qemu-img', 'create', '-q', '-f', fmt]
        if options:
            argv += ['-o', options]
        subprocess.check_call(argv + [path, size])
        return path

    def guest_disk(self, top, fmt='qcow2', name='guest'):
        """A disk image whose filesystem (ext4, 32M) holds the tree at
        ``top``: ``mkfs.ext4 -d`` needs no appliance; ``virt-make-fs``
        builds it where mke2fs cannot populate. Then ``qemu-img convert``
        to ``fmt``."""
        raw = os.path.join(self.tmp, name + '.raw')
        proc = subprocess.run(['mkfs.ext4', '-q', '-F', '-d', top, raw,
                               '32M'], capture_output=True, text=True)
        if proc.returncode:
            subprocess.check_call(['virt-make-fs', '--type=ext4',
                                   '--format=raw', '--size=32M', top, raw])
        if fmt == 'raw':
            return raw
        out = os.path.join(self.tmp, '%s.%s' % (name, fmt))
        subprocess.check_call(['qemu-img', 'convert', '-q', '-f', 'raw',
                               '-O', fmt, raw, out])
        os.unlink(raw)
        return out

    def guest_disk_tree(self, image, fmt='raw', name='dump'):
        """The filesystem of a :meth:`guest_disk` image (``fmt``: its
        format), read back without libguestfs (``debugfs`` from e2fsprogs)
        into a directory; returns the directory."""
        if fmt != 'raw':
            raw = os.path.join(self.tmp, name + '.raw')
            subprocess.check_call(['qemu-img', 'convert', '-q', '-f', fmt,
                                   '-O', 'raw', image, raw])
            image = raw
        out = os.path.join(self.tmp, name)
        os.mkdir(out)
        subprocess.check_call(['debugfs', '-R', 'rdump / %s' % out, image],
                              stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
        return out


def sha256_file(path):
    """The sha256 of a file (to prove that a command left it unchanged)."""
    import hashlib
    h = hashlib.sha256()
    with open(path, 'rb') as f:
        for chunk in iter(lambda: f.read(1 << 20), b''):
            h.update(chunk)
    return h.hexdigest()
