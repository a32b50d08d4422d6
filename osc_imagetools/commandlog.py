"""``--debug`` lines for the external commands the engines run.

One pair of helpers for every tool (``qemu-img``, ``guestfish`` and the
commands sent to it, ``cp``): :func:`log_command` before, :func:`log_done`
after, so an operator running ``openstack --debug image prepare`` sees each
command line and how long it took, next to the HTTP requests OSC logs.
"""

import logging
import os
import shlex
import time

LOG = logging.getLogger(__name__)


def log_command(argv):
    """Log ``running: <command line>`` (debug); return the start time to
    give :func:`log_done`."""
    LOG.debug('running: %s', shlex.join(str(a) for a in argv))
    return time.monotonic()


def log_done(argv, started, result):
    """Log ``<tool> [<subcommand>]: <result> after N.NN s`` (debug).

    ``result``: an exit status (``exit 0``) or, for a command that is not
    a process of its own (one ``guestfish`` command), a word such as
    ``ok`` or ``failed``. The subcommand is ``argv[1]`` unless it is an
    option (``guestfish --ro ...`` is logged as ``guestfish``).
    """
    name = os.path.basename(str(argv[0]))
    if len(argv) > 1 and not str(argv[1]).startswith('-'):
        name += ' ' + str(argv[1])
    if isinstance(result, int):
        result = 'exit %d' % result
    LOG.debug('%s: %s after %.2f s', name, result,
              time.monotonic() - started)
