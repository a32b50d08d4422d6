"""Guest cloud-readiness: check (and safely fix) the OS inside an image.

The checks come from the operator's image guide: what a Linux guest needs
to work in an OpenStack cloud (cloud-init and its datasources, growpart, no
MAC address pinned by udev rules or ``HWADDR=``, sshd enabled, no firewall,
the boot log on ``ttyS0``, ``NOZEROCONF``, acpid, the QEMU guest agent, no
baked-in SSH host keys or machine-id, no password logins, a login user),
and what Windows (cloudbase-init, VirtIO drivers) and FreeBSD
(bsd-cloudinit, ``loader.conf``) guests need. doc/source/guest-checks.rst
lists every check.

API (for ``openstack image prepare``; import it inside ``take_action``)::

    from osc_imagetools import guest

    with guest.open_root(path='/mnt/guest') as root:             # a tree
        report = guest.run_checks(root, user_props={'hw_qemu_guest_agent':
                                                    'yes'})
    with guest.open_root(image='disk.qcow2') as root:            # read-only
        report = guest.run_checks(root)
    with guest.open_root(image='disk.qcow2', writable=True,
                         copy_to='fixed.qcow2') as root:         # fix a copy
        report = guest.run_checks(root, fix=True)

    report.rows()        # [(Check, Status, Path, Detail, Fix)], COLUMNS
    report.failed        # any check with status 'fail'
    report.properties    # {'os_type': 'linux', 'os_distro': 'ubuntu',
                         #  'os_version': '22.04', 'hw_qemu_guest_agent': 'yes'}
    report.changes       # [Change(path, action, detail)] made by the fixes
    report.to_dict()     # os, checks, properties, changes (for -f json)

Statuses: ``pass``, ``warn``, ``fail``, ``fixed`` (a fix was applied and
the check, run again, passed), ``n-a``. ``hw_qemu_guest_agent=yes`` is
proposed only when the agent is installed (and the caller did not give the
property another value); giving it ``yes`` for a guest without the agent
is a ``fail``. Proposed properties never override the caller's: merge
them under the user's own.

Errors are :class:`GuestError` (one line: a missing directory, libguestfs
not installed, an appliance that does not start, a refused image file).

Modules: :mod:`.roots` (the root-tree interface and the local directory),
:mod:`.fish` (an image file through guestfish), :mod:`.osinfo` (OS
detection), :mod:`.facts` (packages, services, cloud-init configuration),
:mod:`.checks` (a package: the check records by group, the runner, the
result model, the KEY=VALUE editor); the distro-specific names
live in ``osc_imagetools/data/guest-checks.yaml``.
"""

import os
import subprocess

from osc_imagetools import commandlog
from osc_imagetools.guest.checks import Change  # noqa: F401
from osc_imagetools.guest.checks import Check  # noqa: F401
from osc_imagetools.guest.checks import COLUMNS  # noqa: F401
from osc_imagetools.guest.checks import GuestReport  # noqa: F401
from osc_imagetools.guest.checks import run_checks  # noqa: F401
from osc_imagetools.guest.checks import STATUSES  # noqa: F401
from osc_imagetools.guest.roots import GuestError
from osc_imagetools.guest.roots import LocalRoot
from osc_imagetools.guest.roots import Root  # noqa: F401


def copy_image(src, dst):
    """Copy the image file ``src`` to ``dst`` (which must not exist),
    keeping it sparse. ``cp`` does sparse copies and reflinks, which
    Python's shutil does not; a failed copy leaves nothing behind."""
    if os.path.lexists(dst):
        raise GuestError('%s already exists' % dst)
    argv = ['cp', '--sparse=always', '--reflink=auto', '--', src, dst]
    started = commandlog.log_command(argv)
    try:
        proc = subprocess.run(argv, capture_output=True, text=True)
    except OSError as exc:   # no cp in PATH
        raise GuestError('cannot copy %s to %s: %s' % (src, dst, exc))
    commandlog.log_done(argv, started, proc.returncode)
    if proc.returncode:
        if os.path.lexists(dst):
            os.unlink(dst)
        lines = proc.stderr.strip().splitlines() or ['cp failed']
        raise GuestError('cannot copy %s to %s: %s' % (src, dst, lines[-1]))


def open_root(path=None, image=None, writable=False, copy_to=None,
              image_format=None, env=None):
    """Open the guest in the directory ``path`` or in the disk image file
    ``image``; returns a :class:`~.roots.Root` (a context manager).

    ``writable`` is needed for fixes. For an image, ``copy_to`` first
    copies it there and opens the copy (the original is never opened for
    writing); without ``copy_to`` a writable image is changed in place.
    ``image_format`` defaults to what oslo.utils' format inspector finds;
    an image that fails its safety checks (a backing file, a data file...)
    is refused, since libguestfs would follow the reference on this host.
    ``env`` (default ``os.environ``) is the environment of guestfish.
    """
    if (path is None) == (image is None):
        raise ValueError('give exactly one of path and image')
    if path is not None:
        if copy_to:
            raise ValueError('copy_to is for image files')
        return LocalRoot(path, writable=writable)
    from osc_imagetools.guest import fish
    from osc_imagetools.imagefile import inspect
    try:
        info = inspect.inspect_file(image)
    except inspect.InspectError as exc:
        raise GuestError(str(exc))
    if not info.safe:
        raise GuestError('refusing to open %s: %s'
                         % (image, '; '.join(str(f) for f in info.failures)))
    fmt = image_format or info.qemu_format
    if copy_to:
        if not writable:
            raise ValueError('copy_to is for writable roots')
        copy_image(image, copy_to)
        try:
            return fish.GuestfishRoot(copy_to, fmt, writable=True, env=env)
        except BaseException:
            os.unlink(copy_to)  # nothing half-written
            raise
    return fish.GuestfishRoot(image, fmt, writable=writable, env=env)
