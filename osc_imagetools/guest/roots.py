"""Guest root trees: the files of a guest, read (and for fixes written)
through one small interface, whatever holds them.

* :class:`LocalRoot` - a directory on this machine (a mounted image, a
  chroot, an extracted tarball). Pure Python, no privileges. Every path is
  resolved *inside* the root, the way the guest itself would see it: an
  absolute symlink (``/etc/os-release -> /usr/lib/os-release``) restarts at
  the root, ``..`` stops at the root, so nothing outside the tree is ever
  read or written.
* :class:`~osc_imagetools.guest.fish.GuestfishRoot` - the guest inside a
  disk image file, through libguestfs (see :mod:`.fish`).

Paths given to a root are guest paths (``/etc/machine-id``). Reading a
missing file is not an error (``None`` / ``[]``); a write that cannot be
done raises :class:`GuestError`.
"""

import errno
import fnmatch
import os
import posixpath
import stat as stat_mod

from osc_imagetools import errors

# Linux gives up after 40 symlinks in one lookup (ELOOP); so do we.
MAX_SYMLINKS = 40
# Configuration and package-database files are small; a guard against
# reading a multi-gigabyte file by mistake.
MAX_READ = 64 * 1024 * 1024


class GuestError(errors.OperationError):
    """The guest cannot be opened, read or written; ``str()`` is one line."""


class Stat:
    """What the checks need of a file: its kind and size."""

    __slots__ = ('kind', 'size')

    def __init__(self, kind, size=0):
        self.kind = kind  # 'file', 'dir', 'link' (lstat only) or 'other'
        self.size = size

    def __repr__(self):
        return 'Stat(%r, %r)' % (self.kind, self.size)


def kind_of(mode):
    if stat_mod.S_ISREG(mode):
        return 'file'
    if stat_mod.S_ISDIR(mode):
        return 'dir'
    if stat_mod.S_ISLNK(mode):
        return 'link'
    return 'other'


def guest_path(path):
    """Normalise a guest path: absolute, no ``.``/``..``/double slashes."""
    if '\x00' in path or '\n' in path:
        raise GuestError('invalid guest path %r' % path)
    return posixpath.normpath('/' + path.lstrip('/'))


class Root:
    """The interface every guest root implements (plus helpers on top).

    Implementations provide :meth:`stat`, :meth:`lstat`, :meth:`read_bytes`,
    :meth:`listdir`, :meth:`readlink`, :meth:`write_bytes`, :meth:`remove`
    and may override :meth:`find_nocase` and :meth:`inspection`.
    """

    #: "directory /srv/guest" / "image disk.qcow2": used in messages
    description = 'guest'
    writable = False

    # -- to implement ------------------------------------------------------
    def stat(self, path):
        """:class:`Stat` of ``path`` following symlinks, or None."""
        raise NotImplementedError

    def lstat(self, path):
        """:class:`Stat` of ``path`` itself (``kind='link'``), or None."""
        raise NotImplementedError

    def read_bytes(self, path):
        """Content of the regular file ``path`` or None."""
        raise NotImplementedError

    def listdir(self, path):
        """Sorted names in directory ``path`` ([] when not a directory)."""
        raise NotImplementedError

    def readlink(self, path):
        """Target of the symlink ``path`` or None."""
        raise NotImplementedError

    def write_bytes(self, path, data):
        """Replace the content of ``path`` (created if missing; an existing
        file keeps its owner and mode)."""
        raise NotImplementedError

    def remove(self, path):
        """Remove the file or symlink ``path`` (never a directory)."""
        raise NotImplementedError

    def inspection(self):
        """What the backend itself knows of the OS (libguestfs inspection:
        ``type``, ``distro``, ``major``, ``minor``, ``product``, ``osinfo``);
        {} when it knows nothing."""
        return {}

    def close(self):
        pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    # -- helpers -----------------------------------------------------------
    def _check_writable(self):
        if not self.writable:
            raise GuestError('%s is open read-only' % self.description)

    def exists(self, path):
        return self.stat(path) is not None

    def is_file(self, path):
        st = self.stat(path)
        return st is not None and st.kind == 'file'

    def is_dir(self, path):
        st = self.stat(path)
        return st is not None and st.kind == 'dir'

    def is_link(self, path):
        st = self.lstat(path)
        return st is not None and st.kind == 'link'

    def read_text(self, path):
        data = self.read_bytes(path)
        if data is None:
            return None
        return data.decode('utf-8', 'replace')

    def glob(self, directory, pattern):
        """Guest paths in ``directory`` whose name matches ``pattern``."""
        directory = guest_path(directory)
        return [posixpath.join(directory, name)
                for name in self.listdir(directory)
                if fnmatch.fnmatchcase(name, pattern)]

    def find_nocase(self, path):
        """The real spelling of ``path`` compared case-insensitively (for
        Windows guests), or None when nothing matches."""
        cur = '/'
        for part in guest_path(path).strip('/').split('/'):
            if not part:
                continue
            names = self.listdir(cur)
            if part in names:
                match = part
            else:
                low = part.lower()
                match = next((n for n in names if n.lower() == low), None)
            if match is None:
                return None
            cur = posixpath.join(cur, match)
        return cur


class LocalRoot(Root):
    """A guest root tree in a local directory.

    The standard library has no "resolve this path as if ``top`` were
    ``/``" (Linux's ``openat2(RESOLVE_IN_ROOT)`` is not exposed by Python's
    ``os``), so :meth:`resolve` walks the path itself, one component at a
    time, and re-roots absolute symlink targets at ``top``.
    """

    def __init__(self, top, writable=False):
        if not os.path.isdir(top):
            raise GuestError('guest root %s is not a directory' % top)
        self.top = os.path.realpath(top)
        self.writable = writable
        self.description = 'directory %s' % top

    def resolve(self, path, follow_last=True):
        """The host path of guest ``path``; never outside :attr:`top`.

        Components that do not exist are kept as they are (the result then
        names a missing file). A symlink loop gives None.
        """
        guest_path(path)  # validates
        # not normalised first: ``..`` after a symlink is taken relative to
        # the symlink's target, as the kernel does
        todo = [p for p in path.split('/') if p][::-1]
        parts = []
        links = 0
        while todo:
            name = todo.pop()
            if name in ('', '.'):
                continue
            if name == '..':
                if parts:
                    parts.pop()
                continue
            host = os.path.join(self.top, *parts, name)
            if (todo or follow_last) and os.path.islink(host):
                links += 1
                if links > MAX_SYMLINKS:
                    return None
                target = os.readlink(host)
                if target.startswith('/'):
                    parts = []
                todo.extend(reversed([p for p in target.split('/') if p]))
                continue
            parts.append(name)
        return os.path.join(self.top, *parts)

    def _stat(self, path, follow):
        host = self.resolve(path, follow_last=follow)
        if host is None:
            return None
        try:
            st = os.lstat(host)
        except OSError:
            return None
        return Stat(kind_of(st.st_mode), st.st_size)

    def stat(self, path):
        return self._stat(path, True)

    def lstat(self, path):
        return self._stat(path, False)

    def read_bytes(self, path):
        host = self.resolve(path)
        if host is None or not os.path.isfile(host) or os.path.islink(host):
            return None
        try:
            with open(host, 'rb') as f:
                return f.read(MAX_READ)
        except OSError:
            return None

    def listdir(self, path):
        host = self.resolve(path)
        if host is None or os.path.islink(host) or not os.path.isdir(host):
            return []
        try:
            return sorted(os.listdir(host))
        except OSError:
            return []

    def readlink(self, path):
        host = self.resolve(path, follow_last=False)
        if host is None or not os.path.islink(host):
            return None
        return os.readlink(host)

    def write_bytes(self, path, data):
        self._check_writable()
        host = self.resolve(path)
        if host is None:
            raise GuestError('cannot write %s: symlink loop' % path)
        try:
            os.makedirs(os.path.dirname(host), exist_ok=True)
            # 'wb' on an existing file truncates it in place: owner and
            # mode stay as they were
            with open(host, 'wb') as f:
                f.write(data)
        except OSError as exc:
            raise GuestError('cannot write %s in %s: %s'
                             % (path, self.description,
                                exc.strerror or exc)) from None

    def remove(self, path):
        self._check_writable()
        host = self.resolve(path, follow_last=False)
        try:
            if host is None or (os.path.isdir(host)
                                and not os.path.islink(host)):
                raise OSError(errno.EISDIR, 'is a directory')
            os.unlink(host)
        except OSError as exc:
            raise GuestError('cannot remove %s in %s: %s'
                             % (path, self.description,
                                exc.strerror or exc)) from None
