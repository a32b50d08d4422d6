"""What the benchmarks share: running in the project's venv, a private
local cloud, SDK connections to it, and the requests in its Glance access
log (the format tools/local_cloud.py gives gunicorn: method, path, status).

Standard library only at import time: a benchmark imports this before it
re-executes itself in ``.venv`` (:func:`use_venv`).
"""

import contextlib
import os
import re
import shutil
import subprocess
import sys
import tempfile

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
LOCAL_CLOUD = os.path.join(REPO, 'tools', 'local_cloud.py')
REQUEST = re.compile(r'"(\w+) (\S+) HTTP/[\d.]+" (\d+)')


def use_venv():
    """Run the calling benchmark again with ``.venv``'s python (openstack,
    the SDK and the project live there), once."""
    venv_py = os.path.join(REPO, '.venv', 'bin', 'python')
    if (os.path.exists(venv_py)
            and sys.prefix != os.path.join(REPO, '.venv')
            and not os.environ.get('IMAGETOOLS_BENCH_REEXEC')):
        os.environ['IMAGETOOLS_BENCH_REEXEC'] = '1'
        os.execv(venv_py, [venv_py] + sys.argv)


@contextlib.contextmanager
def private_cloud(prefix, reuse=None, extra=(), python=None):
    """The state directory of a local cloud started on free ports for the
    ``with`` block, then stopped and removed (kept, with its logs, when it
    does not stop cleanly). ``reuse``: a running cloud's state directory,
    used and left as it is."""
    if reuse:
        yield reuse
        return
    python = python or sys.executable
    state = tempfile.mkdtemp(prefix=prefix)
    try:
        if subprocess.call([python, LOCAL_CLOUD, 'start', '--state', state,
                            '--glance-port', '0', '--keystone-port', '0']
                           + list(extra)):
            raise SystemExit('could not start the private cloud (logs in '
                             '%s)' % os.path.join(state, 'logs'))
        yield state
    finally:
        if subprocess.call([python, LOCAL_CLOUD, 'stop', '--state',
                            state]) == 0:
            shutil.rmtree(state, ignore_errors=True)


def connect(clouds_yaml, name):
    """An openstacksdk connection as cloud ``name`` of ``clouds_yaml``."""
    from openstack import config
    from openstack import connection
    region = config.OpenStackConfig(config_files=[clouds_yaml],
                                    load_envvars=False).get_one(name)
    return connection.Connection(config=region)


def access_log(state):
    return os.path.join(state, 'logs', 'glance-access.log')


def log_mark(state):
    """Position in Glance's access log, for :func:`requests_since`."""
    path = access_log(state)
    return os.path.getsize(path) if os.path.exists(path) else 0


def requests_since(state, mark):
    """``[(method, path, status)]`` that Glance logged since ``mark``."""
    with open(access_log(state), 'rb') as f:
        f.seek(mark)
        text = f.read().decode('utf-8', 'replace')
    return [(m.group(1), m.group(2), int(m.group(3)))
            for m in REQUEST.finditer(text)]
