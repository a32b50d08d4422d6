"""The guest inside a disk image file, through libguestfs' ``guestfish``.

One ``guestfish`` process per opened image, driven through its stdin and
stdout, so the libguestfs appliance (a small VM: ~10 s with KVM, ~40 s with
TCG emulation on a busy machine) starts once however many files the checks
read. Each command is sent as ``-<command> "<args>"`` (the ``-`` keeps
guestfish going after an error) followed by ``echo <marker>``; the command's
output is what precedes the marker on stdout, its error what guestfish
wrote to stderr meanwhile. File contents never go through that stream:
``download``/``upload`` copy them to/from a private temporary directory.

libguestfs' Python bindings (Debian's ``python3-guestfs``) are built for
the distribution's Python and are not on PyPI as a wheel, so a virtualenv
usually cannot import them; guestfish comes with the same package
(``libguestfs-tools``) that provides the rest and needs nothing else.

The guest is mounted the way libguestfs' inspection finds it (``inspect-os``
and the mount points of the OS it found); a disk holding a single
filesystem and no recognisable OS (a data disk, a test image made from a
tree) is mounted as ``/``. Symlinks inside the guest resolve inside the
guest: the appliance runs every file operation chrooted into it.

KVM: the appliance uses KVM when it can and falls back to TCG by itself
when ``/dev/kvm`` is missing; where KVM is present but broken (nested
virtualisation), the first launch fails, and if the caller has not set
``LIBGUESTFS_BACKEND_SETTINGS`` the launch is retried once with
``LIBGUESTFS_BACKEND=direct LIBGUESTFS_BACKEND_SETTINGS=force_tcg`` (and
later launches in the same process use it directly).
"""

import os
import select
import shutil
import subprocess
import tempfile
import time
import uuid

from osc_imagetools import commandlog
from osc_imagetools import errors
from osc_imagetools.guest import roots

PACKAGE_HINT = ('install the libguestfs-tools package '
                '(Debian/Ubuntu: apt-get install libguestfs-tools)')
TCG_ENV = {'LIBGUESTFS_BACKEND': 'direct',
           'LIBGUESTFS_BACKEND_SETTINGS': 'force_tcg'}
LAUNCH_TIMEOUT = 900
COMMAND_TIMEOUT = 300

# set once a KVM launch failed and a TCG launch worked in this process
_use_tcg = False


class FishError(errors.OperationError):
    """A guestfish command failed (``str()``: libguestfs' message)."""


def quote(arg):
    """One guestfish argument in double quotes (guestfish understands
    ``\\\\`` and ``\\"`` escapes inside them)."""
    arg = str(arg)
    if any(ord(c) < 32 for c in arg):
        raise roots.GuestError('invalid guestfish argument %r' % arg)
    return '"%s"' % arg.replace('\\', '\\\\').replace('"', '\\"')


def _last_error(text):
    """The most useful line of guestfish's stderr, without its prefix."""
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
    errors = [ln for ln in lines if 'error:' in ln]
    # "foo: unknown command" comes first, followed by advice
    line = errors[-1] if errors else (lines or ['guestfish failed'])[0]
    if 'error:' in line:
        line = line.split('error:', 1)[1].strip()
    return line


class Guestfish:
    """A running ``guestfish`` process (not yet launched: call
    :meth:`call` ``('run')``)."""

    def __init__(self, image, fmt, readonly, env):
        exe = shutil.which('guestfish', path=env.get('PATH'))
        if not exe:
            raise roots.GuestError(
                'libguestfs is not installed (no guestfish in PATH): '
                + PACKAGE_HINT)
        argv = [exe, '--ro' if readonly else '--rw']
        if fmt:
            argv.append('--format=' + fmt)
        argv += ['-a', image]
        self.marker = '@@osc-imagetools-%s@@' % uuid.uuid4().hex
        self.argv = argv
        self.started = commandlog.log_command(argv)
        self.proc = subprocess.Popen(
            argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            stderr=subprocess.PIPE, env=env, close_fds=True)
        self._out = b''

    def call(self, *args, timeout=COMMAND_TIMEOUT):
        """Run one command; return its stdout text or raise FishError.
        ``--debug`` logs it (``running: guestfish download /etc/x ...``)
        and its outcome and duration (``guestfish download: ok after
        0.02 s``)."""
        line = '-' + ' '.join([args[0]] + [quote(a) for a in args[1:]])
        argv = ['guestfish'] + [str(a) for a in args]
        started = commandlog.log_command(argv)
        try:
            out = self._call(line, args, timeout)
        except FishError as exc:
            commandlog.log_done(argv, started, 'failed (%s)' % exc)
            raise
        except roots.GuestError:
            commandlog.log_done(argv, started, 'failed')
            raise
        commandlog.log_done(argv, started, 'ok')
        return out

    def _call(self, line, args, timeout):
        try:
            self.proc.stdin.write(
                ('%s\necho %s\n' % (line, self.marker)).encode())
            self.proc.stdin.flush()
        except (BrokenPipeError, OSError):
            raise roots.GuestError(
                'guestfish exited: %s' % _last_error(self._drain_err()))
        end = (self.marker + '\n').encode()
        deadline = time.monotonic() + timeout
        fd = self.proc.stdout.fileno()
        while end not in self._out:
            left = deadline - time.monotonic()
            if left <= 0:
                self.kill()
                raise roots.GuestError(
                    'guestfish did not answer %s within %d s'
                    % (args[0], timeout))
            ready, _, _ = select.select([fd], [], [], left)
            if ready:
                data = os.read(fd, 65536)
                if not data:
                    raise roots.GuestError(
                        'guestfish exited: %s'
                        % _last_error(self._drain_err()))
                self._out += data
        out, self._out = self._out.split(end, 1)
        # warnings (libguestfs', QEMU's) are not failures
        err = '\n'.join(
            ln for ln in self._drain_err(wait=0).splitlines()
            if ln.strip() and 'warning:' not in ln)
        if err:
            raise FishError(_last_error(err))
        return out.decode('utf-8', 'replace')

    def _drain_err(self, wait=1.0):
        fd = self.proc.stderr.fileno()
        chunks = []
        while True:
            ready, _, _ = select.select([fd], [], [], wait)
            if not ready:
                break
            data = os.read(fd, 65536)
            if not data:
                break
            chunks.append(data)
            wait = 0
        return b''.join(chunks).decode('utf-8', 'replace')

    def close(self, timeout=COMMAND_TIMEOUT):
        if self.proc.poll() is None:
            try:
                self.proc.stdin.close()
            except OSError:
                pass
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.kill()
            else:
                commandlog.log_done(self.argv, self.started,
                                    self.proc.returncode)
        for f in (self.proc.stdout, self.proc.stderr):
            f.close()

    def kill(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
            commandlog.log_done(self.argv, self.started,
                                'killed (exit %d)' % self.proc.returncode)


def launch(image, fmt, readonly, env=None):
    """Start guestfish on ``image`` and its appliance; return the
    :class:`Guestfish` (retrying with TCG when KVM is broken)."""
    global _use_tcg
    env = dict(os.environ if env is None else env)
    # their output on stderr would read as errors (libguestfs-test-tool
    # is the tool to debug the appliance)
    env.pop('LIBGUESTFS_DEBUG', None)
    env.pop('LIBGUESTFS_TRACE', None)
    user_chose = 'LIBGUESTFS_BACKEND_SETTINGS' in env
    if _use_tcg and not user_chose:
        env.update(TCG_ENV)
    fish = Guestfish(image, fmt, readonly, env)
    try:
        fish.call('run', timeout=LAUNCH_TIMEOUT)
        return fish
    except (FishError, roots.GuestError) as exc:
        fish.kill()
        fish.close()
        first = exc
    if user_chose or _use_tcg:
        raise _launch_error(first)
    env.update(TCG_ENV)
    fish = Guestfish(image, fmt, readonly, env)
    try:
        fish.call('run', timeout=LAUNCH_TIMEOUT)
    except (FishError, roots.GuestError) as exc:
        fish.kill()
        fish.close()
        raise _launch_error(exc)
    _use_tcg = True
    return fish


def _launch_error(exc):
    return roots.GuestError(
        'libguestfs could not start its appliance: %s (where KVM is '
        'unusable set LIBGUESTFS_BACKEND=direct '
        'LIBGUESTFS_BACKEND_SETTINGS=force_tcg; libguestfs-test-tool '
        'shows the details)' % exc)


def _parse_stat(text):
    fields = {}
    for line in text.splitlines():
        key, _, value = line.partition(':')
        fields[key.strip()] = value.strip()
    return roots.Stat(roots.kind_of(int(fields['st_mode'])),
                      int(fields.get('st_size', 0)))


class GuestfishRoot(roots.Root):
    """The guest in a disk image file, read-only unless ``writable``."""

    def __init__(self, image, fmt=None, writable=False, env=None):
        self.image = image
        self.writable = writable
        self.description = 'image %s' % image
        self._cache = {}
        self._info = {}
        self._fish = launch(image, fmt, readonly=not writable, env=env)
        self._tmp = tempfile.mkdtemp(prefix='osc-imagetools-guest-')
        try:
            self._mount()
        except BaseException:
            self.close()
            raise

    # -- mounting ------------------------------------------------------------
    def _mount(self):
        mount = 'mount' if self.writable else 'mount-ro'
        oses = self._fish.call('inspect-os').split()
        if oses:
            root = oses[0]
            points = []
            for line in self._fish.call(
                    'inspect-get-mountpoints', root).splitlines():
                mp, _, dev = line.partition(':')  # "/boot: /dev/sda1"
                if dev.strip():
                    points.append((mp.strip(), dev.strip()))
            for mp, dev in sorted(points, key=lambda p: len(p[0])):
                try:
                    self._fish.call(mount, dev, mp)
                except FishError as exc:
                    if mp == '/':
                        raise roots.GuestError(
                            'cannot mount the root filesystem %s of %s: %s'
                            % (dev, self.image, exc))
            self._info = self._inspect(root)
            return
        filesystems = []
        for line in self._fish.call('list-filesystems').splitlines():
            # "/dev/sda1: ext4", "btrfsvol:/dev/sda2/root: btrfs"
            dev, _, fstype = line.rpartition(':')
            if fstype.strip() not in ('', 'swap', 'unknown'):
                filesystems.append(dev.strip())
        if len(filesystems) != 1:
            raise roots.GuestError(
                'no operating system found in %s and %d filesystems to '
                'choose from' % (self.image, len(filesystems)))
        try:
            self._fish.call(mount, filesystems[0], '/')
        except FishError as exc:
            raise roots.GuestError('cannot mount %s of %s: %s'
                                   % (filesystems[0], self.image, exc))

    def _inspect(self, root):
        info = {}
        for key, command in (('type', 'inspect-get-type'),
                             ('distro', 'inspect-get-distro'),
                             ('major', 'inspect-get-major-version'),
                             ('minor', 'inspect-get-minor-version'),
                             ('product', 'inspect-get-product-name'),
                             ('osinfo', 'inspect-get-osinfo')):
            try:
                value = self._fish.call(command, root).strip()
            except FishError:
                continue
            if value and value != 'unknown':
                info[key] = value
        return info

    def inspection(self):
        return dict(self._info)

    # -- reading ---------------------------------------------------------------
    def _cached(self, key, func):
        if key not in self._cache:
            self._cache[key] = func()
        return self._cache[key]

    def _try(self, *args):
        try:
            return self._fish.call(*args)
        except FishError:
            return None

    def stat(self, path):
        path = roots.guest_path(path)

        def get():
            out = self._try('statns', path)
            return _parse_stat(out) if out else None
        return self._cached(('stat', path), get)

    def lstat(self, path):
        path = roots.guest_path(path)

        def get():
            out = self._try('lstatns', path)
            return _parse_stat(out) if out else None
        return self._cached(('lstat', path), get)

    def read_bytes(self, path):
        path = roots.guest_path(path)

        def get():
            st = self.stat(path)
            if st is None or st.kind != 'file' or st.size > roots.MAX_READ:
                return None
            host = os.path.join(self._tmp, 'download')
            if self._try('download', path, host) is None:
                return None
            try:
                with open(host, 'rb') as f:
                    return f.read()
            finally:
                os.unlink(host)
        return self._cached(('read', path), get)

    def listdir(self, path):
        path = roots.guest_path(path)

        def get():
            st = self.stat(path)
            if st is None or st.kind != 'dir':
                return []
            out = self._try('ls', path)
            return sorted(out.splitlines()) if out else []
        return self._cached(('ls', path), get)

    def readlink(self, path):
        path = roots.guest_path(path)

        def get():
            st = self.lstat(path)
            if st is None or st.kind != 'link':
                return None
            out = self._try('readlink', path)
            return out.rstrip('\n') if out is not None else None
        return self._cached(('readlink', path), get)

    def find_nocase(self, path):
        path = roots.guest_path(path)

        def get():
            out = self._try('case-sensitive-path', path)
            if out is None:
                return None
            real = out.strip()
            return real if self.lstat(real) is not None else None
        return self._cached(('nocase', path), get)

    # -- writing -----------------------------------------------------------
    def write_bytes(self, path, data):
        self._check_writable()
        path = roots.guest_path(path)
        host = os.path.join(self._tmp, 'upload')
        with open(host, 'wb') as f:
            f.write(data)
        try:
            parent = os.path.dirname(path)
            if self.stat(parent) is None:
                self._fish.call('mkdir-p', parent)
            self._fish.call('upload', host, path)
        except FishError as exc:
            raise roots.GuestError('cannot write %s in %s: %s'
                                   % (path, self.description, exc))
        finally:
            self._cache.clear()
            os.unlink(host)

    def remove(self, path):
        self._check_writable()
        path = roots.guest_path(path)
        self._cache.clear()
        try:
            self._fish.call('rm', path)
        except FishError as exc:
            raise roots.GuestError('cannot remove %s in %s: %s'
                                   % (path, self.description, exc))

    def close(self):
        """Unmount and shut the appliance down; for a writable image this
        is when the changes reach the file, so errors are raised."""
        fish, self._fish = getattr(self, '_fish', None), None
        error = None
        if fish is not None:
            if self.writable:
                try:
                    fish.call('umount-all')
                    fish.call('shutdown')
                except (FishError, roots.GuestError) as exc:
                    error = exc
            fish.close()
        tmp = getattr(self, '_tmp', None)
        if tmp:
            shutil.rmtree(tmp, ignore_errors=True)
            self._tmp = None
        if error is not None:
            raise roots.GuestError('writing %s failed: %s'
                                   % (self.image, error))
