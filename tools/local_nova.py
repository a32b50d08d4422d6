"""A real nova-api (the Compute API) next to the local Glance+Keystone.

Enough of Nova for flavors and their extra specs: nova-api from the nova
package the test requirements pin, under gunicorn on 127.0.0.1, with SQLite
API and main databases, registered in Keystone's catalog as the ``compute``
service. No scheduler, conductor, compute service or message queue
(``transport_url = fake:/``): a server create would fail, flavors work.

    tools/local-cloud start --with-nova ...     # at start-up
    python tools/local_nova.py start [--state DIR] [--nova-port N]
                                                # add it to a running cloud
    python tools/local_nova.py stop  [--state DIR]

It lives in its own module so that the cloud's start-up code stays small;
it reads and writes the cloud's ``state.json`` (``nova_port``,
``pids['nova']``), which ``tools/local-cloud stop`` honours. Nova's
configuration is derived at start time from the files the installed nova
package ships (``<venv>/etc/nova/api-paste.ini``); nothing of nova's is
copied into this repository.
"""

import argparse
import json
import os
import signal
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import local_cloud  # noqa: E402

NOVA_USER, NOVA_PASSWORD = 'nova', 'novapw'


def _state(state):
    path = os.path.join(state, 'state.json')
    try:
        with open(path) as f:
            return json.load(f)
    except FileNotFoundError:
        raise local_cloud.Failure('no local cloud in %s (start it first)'
                                  % state) from None


def _save(state, info):
    path = os.path.join(state, 'state.json')
    with open(path + '.tmp', 'w') as f:
        json.dump(info, f, indent=1)
    os.replace(path + '.tmp', path)


def _config(state, info, port):
    etc = os.path.join(state, 'etc', 'nova')
    os.makedirs(etc, exist_ok=True)
    os.makedirs(os.path.join(state, 'logs'), exist_ok=True)
    with open(local_cloud.venv_path('etc', 'nova', 'api-paste.ini')) as f:
        paste = f.read()
    with open(os.path.join(etc, 'api-paste.ini'), 'w') as f:
        f.write(paste)
    kp = info['keystone_port']
    with open(os.path.join(etc, 'nova.conf'), 'w') as f:
        f.write('\n'.join([
            '[DEFAULT]',
            'log_file = %s' % os.path.join(state, 'logs', 'nova-api.log'),
            # no message queue: nothing here talks to a conductor
            'transport_url = fake:/',
            '[api_database]',
            'connection = sqlite:///%s?timeout=30'
            % os.path.join(state, 'nova_api.sqlite'),
            '[database]',
            'connection = sqlite:///%s?timeout=30'
            % os.path.join(state, 'nova.sqlite'),
            '[oslo_concurrency]',
            'lock_path = %s' % os.path.join(state, 'locks'),
            '[api]',
            'auth_strategy = keystone',
            '[keystone_authtoken]',
            'www_authenticate_uri = http://127.0.0.1:%d/v3' % kp,
            'auth_url = http://127.0.0.1:%d/v3' % kp,
            'auth_type = password',
            'username = %s' % NOVA_USER,
            'password = %s' % NOVA_PASSWORD,
            'project_name = service',
            'user_domain_id = default',
            'project_domain_id = default',
            'region_name = RegionOne',
        ]) + '\n')
    with open(os.path.join(etc, 'gunicorn.conf.py'), 'w') as f:
        f.write('import sys\nsys.path.insert(0, %r)\n' % HERE)
        f.write('import sqlite_immediate\nsqlite_immediate.install()\n')
        f.write('wsgi_app = %r\n' % 'nova.wsgi.osapi_compute:application')
        f.write('bind = "127.0.0.1:%d"\n' % port)
        f.write('workers = 1\nthreads = 8\ntimeout = 600\n')
        f.write('errorlog = %r\n'
                % os.path.join(state, 'logs', 'nova-server.log'))
        f.write('accesslog = %r\n'
                % os.path.join(state, 'logs', 'nova-access.log'))
        f.write('access_log_format = %r\n'
                % '%(h)s "%(r)s" %(s)s %(b)s %(M)sms')
    return etc


def _register(info, port):
    """The compute service, its endpoints and the nova service user (what
    keystonemiddleware in nova-api authenticates as)."""
    import openstack
    conn = openstack.connect(
        auth_url='http://127.0.0.1:%d/v3' % info['keystone_port'],
        username='admin', password='adminpw', project_name='admin',
        user_domain_id='default', project_domain_id='default',
        region_name='RegionOne', identity_api_version='3',
        load_yaml_config=False, load_envvars=False)
    idc = conn.identity
    url = 'http://127.0.0.1:%d/v2.1' % port
    svc = idc.find_service('nova')
    if svc is None:
        svc = idc.create_service(name='nova', type='compute',
                                 description='Compute Service')
    for endpoint in list(idc.endpoints(service_id=svc.id)):
        idc.delete_endpoint(endpoint)
    for iface in ('public', 'internal', 'admin'):
        idc.create_endpoint(service_id=svc.id, interface=iface, url=url,
                            region_id='RegionOne')
    if idc.find_user(NOVA_USER, domain_id='default') is None:
        user = idc.create_user(name=NOVA_USER, password=NOVA_PASSWORD,
                               domain_id='default')
        project = idc.find_project('service', domain_id='default')
        for role in ('admin', 'service'):
            idc.assign_project_role_to_user(project, user,
                                            idc.find_role(role))


def start(state, port=0, timeout=120):
    """Start nova-api for the (keystone mode) local cloud in ``state``."""
    state = os.path.abspath(state)
    info = _state(state)
    if info.get('mode') != 'keystone' or not info.get('keystone_port'):
        raise local_cloud.Failure('nova-api needs the keystone mode')
    if local_cloud.LocalCloud._alive(info.get('pids', {}).get('nova')):
        raise local_cloud.Failure('nova-api is already running in %s'
                                  % state)
    try:
        import nova  # noqa: F401
    except ImportError:
        raise local_cloud.Failure('nova is not installed in %s: pip install '
                                  'nova==34.0.0' % sys.prefix) from None
    port = port or local_cloud.free_port()
    if not local_cloud.port_free(port):
        raise local_cloud.Failure('port %d on 127.0.0.1 is already in use'
                                  % port)
    t0 = time.monotonic()
    etc = _config(state, info, port)
    conf = os.path.join(etc, 'nova.conf')
    log = os.path.join(state, 'logs', 'nova-manage.log')
    # both schema syncs in one process (nova's import costs seconds; what
    # 'nova-manage api_db sync' then 'nova-manage db sync' do), while the
    # compute service is registered in Keystone
    code = ('import sys, warnings\n'
            'warnings.simplefilter("ignore")\n'
            'from nova import config\n'
            'config.parse_args(["nova-manage", "--config-file", sys.argv[1]])\n'
            'from nova.db import migration\n'
            'migration.db_sync(database="api")\n'
            'migration.db_sync(database="main")\n')
    with open(log, 'ab') as out:
        sync = subprocess.Popen([sys.executable, '-c', code, conf],
                                stdout=out, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL)
        try:
            _register(info, port)
        finally:
            rc = sync.wait()
    if rc:
        raise local_cloud.Failure('nova database sync failed, see %s' % log)
    for db in ('nova_api.sqlite', 'nova.sqlite'):
        local_cloud.wal(os.path.join(state, db))
    env = dict(os.environ, OS_NOVA_CONFIG_DIR=etc)
    with open(os.path.join(state, 'logs', 'nova-server.log'), 'ab') as out:
        proc = subprocess.Popen([local_cloud.bin_path('gunicorn')], cwd=etc,
                                env=env, stdout=out,
                                stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL,
                                start_new_session=True)
    info = _state(state)
    info.setdefault('pids', {})['nova'] = proc.pid
    info['nova_port'] = port
    _save(state, info)
    url = 'http://127.0.0.1:%d/' % port
    deadline = time.monotonic() + timeout
    while local_cloud.http_status(url) != 200:
        if proc.poll() is not None or time.monotonic() > deadline:
            stop(state, quiet=True)
            raise local_cloud.Failure(
                'nova-api did not come up on %s, see %s' % (
                    url, os.path.join(state, 'logs', 'nova-server.log')))
        time.sleep(0.2)
    local_cloud.say('nova-api ready in %.1fs on http://127.0.0.1:%d/v2.1'
                    % (time.monotonic() - t0, port))
    return port


def stop(state, quiet=False):
    state = os.path.abspath(state)
    info = _state(state)
    pid = info.get('pids', {}).pop('nova', None)
    if pid:
        for sig, wait in ((signal.SIGTERM, 10.0), (signal.SIGKILL, 5.0)):
            try:
                os.killpg(pid, sig)
            except ProcessLookupError:
                break
            deadline = time.monotonic() + wait
            while (local_cloud.LocalCloud._alive(pid)
                   and time.monotonic() < deadline):
                try:
                    os.waitpid(pid, os.WNOHANG)
                except ChildProcessError:
                    pass
                time.sleep(0.1)
            if not local_cloud.LocalCloud._alive(pid):
                break
        if not quiet:
            local_cloud.say('stopped nova (pid %d)' % pid)
    _save(state, info)


def main(argv=None):
    parser = argparse.ArgumentParser(
        prog='local_nova', description='nova-api for the local cloud.')
    sub = parser.add_subparsers(dest='action', required=True)
    for name in ('start', 'stop'):
        p = sub.add_parser(name)
        p.add_argument('--state', default=local_cloud.DEFAULT_STATE)
        if name == 'start':
            p.add_argument('--nova-port', type=int, default=0,
                           help='0 (default) picks a free port')
            p.add_argument('--timeout', type=int, default=120)
    args = parser.parse_args(argv)
    try:
        if args.action == 'start':
            start(args.state, args.nova_port, args.timeout)
        else:
            stop(args.state)
    except local_cloud.Failure as exc:
        local_cloud.say('error: %s' % exc)
        return 1
    return 0


if __name__ == '__main__':
    sys.exit(main())
