"""Start and stop a real Glance (and Keystone) on 127.0.0.1 for tests and the demo.

Run it with the Python of the virtualenv that holds glance, keystone and
gunicorn (``tools/local-cloud`` does that):

    tools/local-cloud start [--mode keystone|trusted] [--state DIR]
                            [--glance-port N] [--keystone-port N] [--timeout S]
                            [--no-metadefs] [--with-nova]
    tools/local-cloud env   [--state DIR]     # shell lines to export
    tools/local-cloud status [--state DIR]
    tools/local-cloud stop  [--state DIR]
    tools/local-cloud stop-glance    [--state DIR]  # Glance only (fault tests)
    tools/local-cloud restart-glance [--state DIR]  # start it again

Modes:

* ``keystone`` (default): real Keystone with projects/users ``admin``,
  ``producer`` and ``consumer``; writes ``clouds.yaml`` with those clouds.
* ``trusted``: Glance alone, its context middleware without authtoken; the
  identity comes from ``X-Project-Id``/``X-Roles`` headers (tests only).

Glance's configuration is derived at start time from the files the installed
glance package ships (``<venv>/etc/glance``); nothing of glance's is copied
into this repository. The metadef catalog loaded is the installed package's
own ``<venv>/etc/glance/metadefs`` directory (``--no-metadefs``: none, an
empty catalog, e.g. for benchmarks that load it).

Start-up copies a template instead of setting the services up again: the
first start for a given glance/keystone version (and version of these
scripts) builds Glance's database (glance-manage's ``db_sync`` and
``db_load_metadefs``: glance's own code and catalog) and Keystone's
database and keys (keystone-manage's steps and the test projects/users),
each service's steps in one process (``local_template.py``), into a cache
directory (``$IMAGETOOLS_CLOUD_CACHE``, default
``~/.cache/osc-imagetools/local-cloud``);
every start copies those files into its freshly wiped state directory, sets
the ports in Keystone's catalog, and starts both servers at once. Delete the
cache directory to rebuild it; ``bench/local_cloud`` measures the gain.

Every failure is one line on stderr naming the log to read, exit status 1,
and nothing left running.
"""

import argparse
import fcntl
import hashlib
import json
import os
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
DEFAULT_STATE = os.environ.get('IMAGETOOLS_STATE',
                               os.path.join(REPO, '.local-cloud'))
USERS = ('admin', 'producer', 'consumer')
SERVICES = ('glance', 'keystone', 'nova')  # nova: tools/local_nova.py
CACHE = os.environ.get('IMAGETOOLS_CLOUD_CACHE') or os.path.join(
    os.environ.get('XDG_CACHE_HOME') or os.path.expanduser('~/.cache'),
    'osc-imagetools', 'local-cloud')
POLL = 0.05  # seconds between readiness probes (a refused connect is cheap)


class Failure(Exception):
    """One-line error for the user; the message names the log to read."""


def say(msg):
    sys.stderr.write('local-cloud: %s\n' % msg)
    sys.stderr.flush()


def venv_path(*parts):
    return os.path.join(sys.prefix, *parts)


def bin_path(name):
    path = venv_path('bin', name)
    if not os.path.exists(path):
        raise Failure('%s not found in %s/bin: install the test requirements '
                      '(pip install -r test-requirements.txt)'
                      % (name, sys.prefix))
    return path


def port_free(port):
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind(('127.0.0.1', port))
        except OSError:
            return False
    return True


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def http_status(url):
    try:
        with urllib.request.urlopen(url, timeout=2) as resp:
            return resp.status
    except urllib.error.HTTPError as exc:
        return exc.code
    except (urllib.error.URLError, OSError):
        return None


def trusted_paste(paste):
    """Add a "trusted" flavor to glance's own paste file: its keystone
    pipeline without authtoken, so the context middleware takes the identity
    from the X-* headers the test client sends. Test use only."""
    lines = paste.splitlines()
    out = []
    for line in lines:
        out.append(line)
        if line.startswith('keystone = ') and 'authtoken' in line:
            out.append('trusted = ' + ' '.join(
                w for w in line.split('=', 1)[1].split() if w != 'authtoken'))
    text = '\n'.join(out) + '\n'
    start = text.index('[composite:glance-api-keystone]')
    block = text[start:text.index('\n\n', start)]
    return text + '\n' + block.replace('glance-api-keystone',
                                       'glance-api-trusted') + '\n'


def wal(db):
    """Put an SQLite database in WAL mode (persistent in the file): readers
    no longer block the writer, which cuts Glance's "database is locked"
    answers when tests and benchmarks send concurrent requests. Closing the
    last connection checkpoints the log, so the file alone can be copied."""
    con = sqlite3.connect(db)
    try:
        con.execute('PRAGMA journal_mode=WAL')
    finally:
        con.close()


def set_endpoint_urls(db, urls):
    """Point the catalog's endpoints at this run's ports: ``urls`` maps a
    service type to its URL. The template's endpoints name port 0
    (local_template.py). A plain UPDATE of the copied database, before
    Keystone starts: asking Keystone to do it would cost its import or a
    token and six requests, the time the template saves."""
    con = sqlite3.connect(db)
    try:
        with con:
            for stype, url in sorted(urls.items()):
                con.execute('UPDATE endpoint SET url = ? WHERE service_id IN '
                            '(SELECT id FROM service WHERE type = ?)',
                            (url, stype))
    finally:
        con.close()


def template_key():
    """Names the template: the glance and keystone versions, glance's
    metadef files and the scripts that build it; any change, a new
    template."""
    from importlib import metadata
    h = hashlib.sha256()
    versions = []
    for dist in ('glance', 'keystone'):
        try:
            versions.append('%s%s' % (dist, metadata.version(dist)))
        except metadata.PackageNotFoundError:
            versions.append(dist + '-none')
    files = [os.path.join(HERE, n)
             for n in ('local_cloud.py', 'local_template.py')]
    mdir = venv_path('etc', 'glance', 'metadefs')
    if os.path.isdir(mdir):
        files += [os.path.join(mdir, n) for n in sorted(os.listdir(mdir))]
    for path in files:
        h.update(os.path.basename(path).encode() + b'\0')
        with open(path, 'rb') as f:
            h.update(f.read())
    return '-'.join(versions + [h.hexdigest()[:12]])


class Template:
    """The databases and keys a new local cloud starts from, built once
    into the cache by the services' own tools and copied per run.

    Parts (each a directory, renamed into place only when complete):
    ``glance`` (glance.sqlite with glance's metadef catalog),
    ``glance-empty`` (no metadefs), ``keystone`` (keystone.sqlite, the
    fernet/credential key repositories and ids.json)."""

    # key repository directory -> keystone.conf section naming it
    KEY_DIRS = {'fernet-keys': 'fernet_tokens',
                'fernet-receipts': 'fernet_receipts',
                'credential-keys': 'credential'}

    UNUSED_DAYS = 14  # other templates unused that long are removed

    def __init__(self, root=CACHE):
        self.root = root
        self.dir = os.path.join(root, template_key())

    def part(self, name, *rest):
        return os.path.join(self.dir, name, *rest)

    def ensure(self, parts, logs):
        """Build the missing ``parts`` (at the same time); ``logs(name)``
        gives the log file of a build. One builder at a time per template
        (a lock file); True when something was built."""
        if all(os.path.isdir(self.part(p)) for p in parts):
            try:
                os.utime(self.dir)  # in use: see prune()
            except OSError:
                pass
            return False
        try:
            os.makedirs(self.dir, exist_ok=True)
            lock = open(self.dir + '.lock', 'w')
        except OSError as exc:
            raise Failure('cannot write the template cache %s (%s); set '
                          'IMAGETOOLS_CLOUD_CACHE to a writable directory'
                          % (self.dir, exc.strerror))
        with lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            todo = [p for p in parts if not os.path.isdir(self.part(p))]
            builds = []
            try:
                for name in todo:
                    tmp = self.part('.build-%s-%d' % (name, os.getpid()))
                    shutil.rmtree(tmp, ignore_errors=True)
                    os.makedirs(tmp)
                    builds.append((name, tmp) + self._build(name, tmp, logs))
                for name, tmp, proc, log in builds:
                    if proc.wait():
                        raise Failure('building the %s template failed '
                                      '(exit %d), see %s'
                                      % (name, proc.returncode, log))
                for name, tmp, proc, log in builds:
                    os.remove(os.path.join(tmp, 'build.conf'))
                    for f in os.listdir(tmp):
                        if f.endswith('.sqlite'):
                            wal(os.path.join(tmp, f))
                    os.rename(tmp, self.part(name))
            finally:
                for name, tmp, proc, log in builds:
                    if proc.poll() is None:
                        proc.kill()
                        proc.wait()
                    shutil.rmtree(tmp, ignore_errors=True)
        self.prune()
        return True

    def prune(self):
        """Remove the templates of other versions (of glance, keystone or
        these scripts) not used for UNUSED_DAYS days."""
        limit = time.time() - self.UNUSED_DAYS * 86400
        for name in os.listdir(self.root):
            path = os.path.join(self.root, name)
            if (path != self.dir and os.path.isdir(path)
                    and os.path.getmtime(path) < limit):
                shutil.rmtree(path, ignore_errors=True)
                if os.path.exists(path + '.lock'):
                    os.remove(path + '.lock')

    def _build(self, name, tmp, logs):
        """Start building one part in ``tmp``: (process, log)."""
        conf = os.path.join(tmp, 'build.conf')
        db = 'sqlite:///%s' % os.path.join(tmp, name.split('-')[0] + '.sqlite')
        if name == 'keystone':
            log = logs('keystone-manage.log')
            with open(conf, 'w') as f:
                f.write('\n'.join([
                    '[database]', 'connection = %s' % db,
                    '[token]', 'provider = fernet',
                    '[identity]', 'password_hash_rounds = 4']
                    + ['[%s]\nkey_repository = %s'
                       % (section, os.path.join(tmp, d))
                       for d, section in sorted(self.KEY_DIRS.items())])
                    + '\n')
            argv = ['keystone', '--config-file', conf,
                    '--ids', os.path.join(tmp, 'ids.json')]
        else:
            log = logs('glance-manage.log')
            with open(conf, 'w') as f:
                f.write('[database]\nconnection = %s\n' % db)
            argv = ['glance', '--config-file', conf]
            if name == 'glance':
                argv += ['--metadefs', venv_path('etc', 'glance', 'metadefs')]
        argv = [sys.executable, os.path.join(HERE, 'local_template.py')] + argv
        with open(log, 'ab') as out:
            proc = subprocess.Popen(argv, stdout=out, stderr=subprocess.STDOUT,
                                    stdin=subprocess.DEVNULL)
        return proc, log


class LocalCloud:

    def __init__(self, state):
        self.state = os.path.abspath(state)
        self.info_file = os.path.join(self.state, 'state.json')

    # -- paths ------------------------------------------------------------
    def p(self, *parts):
        return os.path.join(self.state, *parts)

    def log(self, name):
        return self.p('logs', name)

    def load(self):
        try:
            with open(self.info_file) as f:
                return json.load(f)
        except FileNotFoundError:
            return None

    # -- start ------------------------------------------------------------
    def start(self, mode, glance_port, keystone_port, timeout,
              metadefs=True):
        info = self.load()
        if info and any(self._alive(info.get('pids', {}).get(s))
                        for s in SERVICES):
            raise Failure('a local cloud is already running from %s '
                          '(stop it first: tools/local-cloud stop --state %s)'
                          % (self.state, self.state))
        try:
            import glance  # noqa: F401
        except ImportError:
            raise Failure('glance is not installed in %s: pip install '
                          'glance==33.0.0 keystone==30.0.0 gunicorn'
                          % sys.prefix)
        if mode == 'keystone':
            try:
                import keystone  # noqa: F401
            except ImportError:
                raise Failure('keystone is not installed in %s: pip install '
                              'keystone==30.0.0' % sys.prefix)
        bin_path('gunicorn')
        glance_port = glance_port or free_port()
        keystone_port = keystone_port or free_port()
        ports = [('glance', glance_port)]
        if mode == 'keystone':
            ports.append(('keystone', keystone_port))
        for name, port in ports:
            if not port_free(port):
                raise Failure('port %d (%s) on 127.0.0.1 is already in use; '
                              'pick another with --%s-port' % (port, name, name))

        if os.path.isdir(self.state):
            shutil.rmtree(self.state)
        for d in ('etc/glance', 'etc/keystone', 'images', 'staging', 'tasks',
                  'cache', 'locks', 'logs', 'keystone'):
            os.makedirs(self.p(d))
        info = {'mode': mode, 'glance_port': glance_port,
                'keystone_port': keystone_port if mode == 'keystone' else None,
                'pids': {}, 'venv': sys.prefix, 'metadefs': metadefs}
        self._save(info)
        t0 = time.monotonic()
        try:
            self._start(info, timeout)
        except BaseException:
            self.stop(quiet=True)
            raise
        say('ready in %.1fs (%s mode): glance http://127.0.0.1:%d%s; '
            'eval "$(tools/local-cloud env --state %s)"'
            % (time.monotonic() - t0, mode, glance_port,
               ', keystone http://127.0.0.1:%d/v3' % keystone_port
               if mode == 'keystone' else '', self.state))

    def _start(self, info, timeout):
        keystone = info['mode'] == 'keystone'
        parts = ['glance' if info.get('metadefs', True) else 'glance-empty']
        if keystone:
            parts.append('keystone')
        template = Template()
        t0 = time.monotonic()
        if template.ensure(parts, self.log):
            say('built the template in %.1fs: %s (once per glance/keystone '
                'version)' % (time.monotonic() - t0, template.dir))
        self._copy_template(info, template, parts)
        # both servers start at once; neither needs the other to boot
        self._start_wsgi(info, 'glance', 'glance.wsgi.api:application',
                         info['glance_port'], 'OS_GLANCE_CONFIG_DIR',
                         os.path.dirname(self._write_glance_config(info)))
        ready = {'glance': ('http://127.0.0.1:%d/' % info['glance_port'],
                            (300,))}
        if keystone:
            self._start_wsgi(info, 'keystone', 'keystone.wsgi.api:application',
                             info['keystone_port'], 'OS_KEYSTONE_CONFIG_DIR',
                             os.path.dirname(self._write_keystone_config(info)))
            ready['keystone'] = ('http://127.0.0.1:%d/v3'
                                 % info['keystone_port'], (200,))
        self._wait_ready(info, ready, timeout)
        # Extra services go here: Keystone and Glance answer; add them to
        # the catalog through Keystone's API as the admin cloud.
        self._write_clouds(info)

    def _copy_template(self, info, template, parts):
        """This run's databases and keys: copies of the template's, with
        Keystone's catalog pointing at this run's ports."""
        for part in parts:
            name = part.split('-')[0]
            shutil.copyfile(template.part(part, name + '.sqlite'),
                            self.p(name + '.sqlite'))
        if 'keystone' in parts:
            for d in Template.KEY_DIRS:
                shutil.copytree(template.part('keystone', d),
                                self.p('keystone', d))
            with open(template.part('keystone', 'ids.json')) as f:
                info['ids'] = json.load(f)
            set_endpoint_urls(self.p('keystone.sqlite'), {
                'identity': 'http://127.0.0.1:%d/v3' % info['keystone_port'],
                'image': 'http://127.0.0.1:%d' % info['glance_port']})
        self._save(info)

    def _write_glance_config(self, info):
        etc = self.p('etc', 'glance')
        with open(venv_path('etc', 'glance', 'glance-api-paste.ini')) as f:
            paste = f.read()
        if info['mode'] == 'trusted':
            paste = trusted_paste(paste)
        with open(os.path.join(etc, 'glance-api-paste.ini'), 'w') as f:
            f.write(paste)
        conf = [
            '[DEFAULT]',
            'log_file = %s' % self.log('glance-api.log'),
            'image_cache_dir = %s' % self.p('cache'),
            'enabled_import_methods = [glance-direct,web-download]',
            # the multi-store form: the legacy [glance_store] stores= form
            # breaks image import (400 all_stores_must_succeed)
            'enabled_backends = local:file',
            'image_member_quota = 512',
            '',
            '[glance_store]',
            'default_backend = local',
            '',
            '[local]',
            'filesystem_store_datadir = %s' % self.p('images'),
            '',
            '[os_glance_staging_store]',
            'filesystem_store_datadir = %s' % self.p('staging'),
            '',
            '[os_glance_tasks_store]',
            'filesystem_store_datadir = %s' % self.p('tasks'),
            '',
            '[database]',
            'connection = sqlite:///%s?timeout=30' % self.p('glance.sqlite'),
            '',
            '[oslo_concurrency]',
            'lock_path = %s' % self.p('locks'),
            '',
            '[paste_deploy]',
        ]
        if info['mode'] == 'trusted':
            conf.append('flavor = trusted')
        else:
            kp = info['keystone_port']
            conf += [
                'flavor = keystone',
                '',
                '[keystone_authtoken]',
                'www_authenticate_uri = http://127.0.0.1:%d/v3' % kp,
                'auth_url = http://127.0.0.1:%d/v3' % kp,
                'auth_type = password',
                'username = glance',
                'password = glancepw',
                'project_name = service',
                'user_domain_id = default',
                'project_domain_id = default',
                'region_name = RegionOne',
                'service_token_roles_required = true',
            ]
        path = os.path.join(etc, 'glance-api.conf')
        with open(path, 'w') as f:
            f.write('\n'.join(conf) + '\n')
        return path

    def _write_keystone_config(self, info):
        path = self.p('etc', 'keystone', 'keystone.conf')
        with open(path, 'w') as f:
            f.write('\n'.join([
                '[DEFAULT]',
                'log_file = %s' % self.log('keystone.log'),
                '[database]',
                'connection = sqlite:///%s?timeout=30' % self.p('keystone.sqlite'),
                '[token]',
                'provider = fernet',
                '[fernet_tokens]',
                'key_repository = %s' % self.p('keystone', 'fernet-keys'),
                '[fernet_receipts]',
                'key_repository = %s' % self.p('keystone', 'fernet-receipts'),
                '[credential]',
                'key_repository = %s' % self.p('keystone', 'credential-keys'),
                '[identity]',
                'password_hash_rounds = 4',
                '[oslo_concurrency]',
                'lock_path = %s' % self.p('locks'),
            ]) + '\n')
        return path

    def _start_wsgi(self, info, name, module, port, var, conf_dir):
        # keystone parses sys.argv with oslo.config: gunicorn gets no flags,
        # everything is in ./gunicorn.conf.py of its working directory.
        with open(os.path.join(conf_dir, 'gunicorn.conf.py'), 'w') as f:
            # every DB transaction BEGIN IMMEDIATE: see sqlite_immediate.py
            f.write('import sys\nsys.path.insert(0, %r)\n' % HERE)
            f.write('import sqlite_immediate\nsqlite_immediate.install()\n')
            f.write('wsgi_app = %r\n' % module)
            f.write('bind = "127.0.0.1:%d"\n' % port)
            f.write('workers = 1\nthreads = 8\ntimeout = 600\n')
            f.write('errorlog = %r\n' % self.log('%s-server.log' % name))
            f.write('accesslog = %r\n' % self.log('%s-access.log' % name))
            # method, path and status: enough to count requests in benches
            # and to prove that a --dry-run wrote nothing
            f.write('access_log_format = %r\n'
                    % '%(h)s "%(r)s" %(s)s %(b)s %(M)sms')
        env = dict(os.environ)
        env[var] = conf_dir
        out = open(self.log('%s-server.log' % name), 'ab')
        proc = subprocess.Popen([bin_path('gunicorn')], cwd=conf_dir, env=env,
                                stdout=out, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL,
                                start_new_session=True)
        info['pids'][name] = proc.pid
        self._save(info)

    def _wait_http(self, info, name, url, codes, timeout):
        self._wait_ready(info, {name: (url, codes)}, timeout)

    def _wait_ready(self, info, services, timeout):
        """Wait until every service of ``{name: (url, codes)}`` answers
        its URL with one of its codes."""
        deadline = time.monotonic() + timeout
        waiting = dict(services)
        while waiting:
            for name, (url, codes) in list(waiting.items()):
                if not self._alive(info['pids'][name]):
                    raise Failure('%s exited during start-up, see %s' % (
                        name, self.log('%s-server.log' % name)))
                if http_status(url) in codes:
                    del waiting[name]
            if not waiting:
                return
            if time.monotonic() > deadline:
                name, (url, codes) = sorted(waiting.items())[0]
                raise Failure('%s did not answer on %s within %ds, see %s' % (
                    name, url, timeout, self.log('%s-server.log' % name)))
            time.sleep(POLL)

    def _write_clouds(self, info):
        gp = info['glance_port']
        lines = ['clouds:']
        if info['mode'] == 'keystone':
            auth_url = 'http://127.0.0.1:%d/v3' % info['keystone_port']
            for u in USERS:
                lines += [
                    '  %s:' % u,
                    '    auth:',
                    '      auth_url: %s' % auth_url,
                    '      username: %s' % u,
                    '      password: %spw' % u,
                    '      project_name: %s' % u,
                    '      user_domain_id: default',
                    '      project_domain_id: default',
                    '    region_name: RegionOne',
                    '    identity_api_version: 3',
                ]
        else:
            lines += ['  glance:', '    auth_type: none',
                      '    auth:', '      endpoint: http://127.0.0.1:%d' % gp]
        with open(self.p('clouds.yaml'), 'w') as f:
            f.write('\n'.join(lines) + '\n')
        env = self.env_lines(info)
        with open(self.p('env.sh'), 'w') as f:
            f.write('\n'.join(env) + '\n')

    def env_lines(self, info):
        lines = [
            'export OS_CLIENT_CONFIG_FILE=%s' % self.p('clouds.yaml'),
            'export IMAGETOOLS_STATE=%s' % self.state,
            'export GLANCE_URL=http://127.0.0.1:%d' % info['glance_port'],
            'export GLANCE_ACCESS_LOG=%s' % self.log('glance-access.log'),
        ]
        if info.get('keystone_port'):
            lines.append('export KEYSTONE_URL=http://127.0.0.1:%d/v3'
                         % info['keystone_port'])
        for k, v in sorted(info.get('ids', {}).items()):
            lines.append('export %s=%s' % (k.upper(), v))
        return lines

    # -- stop -------------------------------------------------------------
    @staticmethod
    def _alive(pid):
        if not pid:
            return False
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        except PermissionError:
            return True
        # a zombie child of ours is not alive
        try:
            with open('/proc/%d/stat' % pid) as f:
                return f.read().split(') ')[-1][:1] != 'Z'
        except OSError:
            return True

    def stop(self, quiet=False):
        info = self.load()
        if not info:
            if not quiet:
                say('nothing to stop in %s' % self.state)
            return
        for name in SERVICES:
            pid = info.get('pids', {}).get(name)
            if not pid:
                continue
            self._kill_group(pid)
            if not quiet:
                say('stopped %s (pid %d)' % (name, pid))
        info['pids'] = {}
        self._save(info)

    def stop_glance(self):
        """Kill Glance's gunicorn (Keystone keeps running): the cloud's
        image service "goes away", as in a crash (fault tests)."""
        info = self.load()
        pid = (info or {}).get('pids', {}).get('glance')
        if not pid:
            raise Failure('no Glance recorded in %s' % self.state)
        self._kill_group(pid)
        del info['pids']['glance']
        self._save(info)
        say('stopped glance (pid %d)' % pid)

    def restart_glance(self, timeout=90):
        """Start Glance again on its port, with its existing configuration
        and database (after :meth:`stop_glance`, or to replace a running
        one)."""
        info = self.load()
        if not info:
            raise Failure('no local cloud in %s' % self.state)
        pid = info.get('pids', {}).get('glance')
        if pid:
            self._kill_group(pid)
        url = 'http://127.0.0.1:%d/' % info['glance_port']
        deadline = time.monotonic() + 10
        while not port_free(info['glance_port']):
            if time.monotonic() > deadline:
                raise Failure('port %d is still in use' % info['glance_port'])
            time.sleep(0.1)
        self._start_wsgi(info, 'glance', 'glance.wsgi.api:application',
                         info['glance_port'], 'OS_GLANCE_CONFIG_DIR',
                         self.p('etc', 'glance'))
        self._wait_http(info, 'glance', url, (300,), timeout)
        say('glance running again (pid %d)' % info['pids']['glance'])

    def _kill_group(self, pid):
        for sig, wait in ((signal.SIGTERM, 10.0), (signal.SIGKILL, 5.0)):
            try:
                os.killpg(pid, sig)
            except ProcessLookupError:
                return
            deadline = time.monotonic() + wait
            while time.monotonic() < deadline:
                try:
                    os.waitpid(pid, os.WNOHANG)  # reap if it is our child
                except ChildProcessError:
                    pass
                if not self._alive(pid):
                    return
                time.sleep(0.1)

    def _save(self, info):
        tmp = self.info_file + '.tmp'
        with open(tmp, 'w') as f:
            json.dump(info, f, indent=1)
        os.replace(tmp, self.info_file)


def main(argv=None):
    parser = argparse.ArgumentParser(
        prog='local-cloud',
        description='A real Glance (and Keystone) on 127.0.0.1 for tests.')
    sub = parser.add_subparsers(dest='action', required=True)
    start = sub.add_parser('start', help='start the services')
    start.add_argument('--mode', choices=('keystone', 'trusted'),
                       default='keystone')
    start.add_argument('--glance-port', type=int,
                       default=int(os.environ.get('GLANCE_PORT', 19292)),
                       help='0 picks a free port (default 19292, '
                            'env GLANCE_PORT)')
    start.add_argument('--keystone-port', type=int,
                       default=int(os.environ.get('KEYSTONE_PORT', 15000)),
                       help='0 picks a free port (default 15000, '
                            'env KEYSTONE_PORT)')
    start.add_argument('--timeout', type=int, default=90,
                       help='seconds each server has to come up')
    start.add_argument('--with-nova', action='store_true',
                       help='also start a real nova-api (flavors and extra '
                            'specs only; tools/local_nova.py)')
    start.add_argument('--no-metadefs', dest='metadefs',
                       action='store_false',
                       help='leave the metadef catalog empty (default: '
                            'load glance\'s own)')
    for name in ('start', 'stop', 'env', 'status', 'stop-glance',
                 'restart-glance'):
        p = start if name == 'start' else sub.add_parser(name)
        p.add_argument('--state', default=DEFAULT_STATE,
                       help='state directory (default %(default)s, '
                            'env IMAGETOOLS_STATE); wiped by start')
    args = parser.parse_args(argv)
    cloud = LocalCloud(args.state)
    try:
        if args.action == 'start':
            cloud.start(args.mode, args.glance_port, args.keystone_port,
                        args.timeout, metadefs=args.metadefs)
            if args.with_nova:
                import local_nova
                if local_nova.main(['start', '--state', args.state]):
                    cloud.stop(quiet=True)
                    return 1
        elif args.action == 'stop':
            cloud.stop()
        elif args.action == 'stop-glance':
            cloud.stop_glance()
        elif args.action == 'restart-glance':
            cloud.restart_glance()
        elif args.action == 'env':
            info = cloud.load()
            if not info:
                raise Failure('no local cloud in %s' % cloud.state)
            print('\n'.join(cloud.env_lines(info)))
        elif args.action == 'status':
            info = cloud.load()
            if not info:
                raise Failure('no local cloud in %s' % cloud.state)
            up = True
            for name, pid in sorted(info.get('pids', {}).items()):
                alive = cloud._alive(pid)
                up = up and alive
                print('%s pid %d %s' % (name, pid,
                                        'running' if alive else 'dead'))
            if not info.get('pids'):
                print('stopped')
                up = False
            return 0 if up else 1
    except Failure as exc:
        say('error: %s' % exc)
        return 1
    except KeyboardInterrupt:
        say('interrupted; stopped what was started')
        return 130
    return 0


if __name__ == '__main__':
    sys.exit(main())
