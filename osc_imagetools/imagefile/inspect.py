"""What a disk image file really is.

The content decides, never the file name: oslo.utils' ``format_inspector``
(the inspector Glance and Nova use) reads as much of the file as it needs -
the headers for most formats, the whole file for a streamOptimized VMDK
whose footer must be checked - and reports the format, the virtual size and
the result of its safety checks (backing file, data file, VMDK descriptor
extents, banned QED, unknown qcow2 features, MBR/GPT sanity).

Names: the inspector calls a partitioned raw disk ``gpt`` and a VHD ``vhd``;
Glance's ``disk_format`` for them is ``raw`` and ``vhd``; qemu-img calls
VHD ``vpc``. :class:`ImageInfo` carries all three.
"""

import dataclasses
import os
import stat

from oslo_utils.imageutils import format_inspector

CHUNK_SIZE = 64 * 1024

# format_inspector's name -> Glance disk_format
DISK_FORMATS = {
    'raw': 'raw',
    'gpt': 'raw',
    'qcow2': 'qcow2',
    'vmdk': 'vmdk',
    'vdi': 'vdi',
    'vhd': 'vhd',
    'vhdx': 'vhdx',
    'qed': 'qed',
    'iso': 'iso',
    'luks': 'luks',
}

# Glance disk_format -> qemu-img format name (an ISO is read as raw bytes)
QEMU_FORMATS = {'vhd': 'vpc', 'iso': 'raw'}

# The largest virtual size QEMU can address (its sizes are int64_t); a
# header claiming more is a crafted or corrupt file, whatever else it says.
MAX_VIRTUAL_SIZE = 2 ** 63 - 1

# disk_formats whose content the inspector can recognise; others (ami, ari,
# aki, ploop) look like raw data to it and are accepted as such, as Glance
# does.
INSPECTABLE = frozenset(DISK_FORMATS.values())


class InspectError(Exception):
    """The file cannot be read (missing, a directory, no permission)."""


@dataclasses.dataclass(frozen=True)
class Failure:
    """A failed safety check: the inspector's check name and its reason."""

    check: str
    message: str

    def __str__(self):
        return '%s: %s' % (self.check, self.message)


@dataclasses.dataclass(frozen=True)
class ImageInfo:
    """The result of :func:`inspect_file`.

    ``format`` is Glance's disk_format (``raw`` for a partitioned disk),
    ``detected`` the inspector's own name (``gpt``); ``virtual_size`` is the
    guest disk size in bytes (the file size for raw); ``actual_size`` the
    file's size in bytes (what Glance stores as ``size``). ``failures`` is
    empty when the file is safe; ``notes`` are remarks that do not make it
    unsafe.
    """

    path: str
    format: str
    detected: str
    virtual_size: int
    actual_size: int
    failures: tuple = ()
    notes: tuple = ()

    @property
    def safe(self):
        return not self.failures

    @property
    def qemu_format(self):
        return QEMU_FORMATS.get(self.format, self.format)


def _read_until_decided(path, chunk_size):
    """Feed the file to every inspector until they agree on the format (or
    the end of the file); return the finished :class:`InspectWrapper`."""
    with open(path, 'rb') as f:
        wrapper = format_inspector.InspectWrapper(f)
        try:
            while True:
                if not wrapper.read(chunk_size):
                    break
                # ``formats`` stays None while any inspector still needs
                # data (a VMDK footer is only complete at the end of file)
                if wrapper.formats is not None:
                    break
        finally:
            wrapper.close()
    return wrapper


def inspect_file(path, chunk_size=CHUNK_SIZE):
    """Inspect the disk image at ``path``; return an :class:`ImageInfo`.

    Raises :class:`InspectError` when the file cannot be read. An unsafe or
    unrecognisable file is not an exception: its ``failures`` say why.
    """
    try:
        st = os.stat(path)
        if not stat.S_ISREG(st.st_mode):
            raise InspectError('%s is not a regular file' % path)
        wrapper = _read_until_decided(path, chunk_size)
    except OSError as exc:
        raise InspectError('cannot read %s: %s' % (path, exc.strerror or exc))
    size = st.st_size
    failures = []
    notes = []

    if size == 0:
        return ImageInfo(path, 'raw', 'raw', 0, 0,
                         (Failure('empty', 'the file is empty'),))

    try:
        matches = {str(i): i for i in wrapper.formats or ()}
    except format_inspector.ImageFormatError as exc:
        matches = {}
        failures.append(Failure('format', str(exc)))
    inspector = None
    if set(matches) == {'iso', 'gpt'}:
        # a bootable ISO carries an MBR/GPT in its system area; Glance and
        # Nova accept it as an ISO, and so do we
        inspector = matches['iso']
        notes.append('bootable ISO with a partition table: treated as iso')
    elif len(matches) > 1:
        failures.append(Failure(
            'multiple_formats',
            'the content matches several formats (%s): a polyglot file'
            % ', '.join(sorted(matches))))
    elif matches:
        inspector = next(iter(matches.values()))

    if inspector is None:
        return ImageInfo(path, 'raw', 'raw', size, size, tuple(failures))

    detected = str(inspector)
    disk_format = DISK_FORMATS.get(detected, detected)
    if disk_format == 'raw':
        virtual_size = size
        if size % 512:
            notes.append('the size (%d bytes) is not a multiple of 512: '
                         'a truncated file?' % size)
    elif (type(inspector).virtual_size
          is format_inspector.FileInspector.virtual_size):
        # the base class answers "bytes read so far" (QED has no parser)
        virtual_size = 0
    else:
        virtual_size = inspector.virtual_size
    try:
        inspector.safety_check()
    except format_inspector.SafetyCheckFailed as exc:
        for name, reason in sorted(exc.failures.items()):
            failures.append(Failure(name, str(reason) or name))
    except format_inspector.ImageFormatError as exc:
        failures.append(Failure('format', str(exc)))
    if virtual_size > MAX_VIRTUAL_SIZE:
        failures.append(Failure(
            'virtual_size', 'the %s header claims a virtual size of %d '
            'bytes, more than any QEMU image can have' % (detected,
                                                          virtual_size)))
    if disk_format != 'raw' and not virtual_size and not failures:
        failures.append(Failure(
            'virtual_size', 'the %s header gives no virtual size' % detected))
    return ImageInfo(path, disk_format, detected, virtual_size, size,
                     tuple(failures), tuple(notes))


def declared_mismatch(info, declared):
    """Why ``declared`` (a disk_format given by the user) disagrees with the
    content, or None when it agrees.

    Catches what Glance 33 lets through: a qcow2 (or any other recognised
    format) uploaded as ``raw``.
    """
    if not declared or declared == info.format:
        return None
    if info.format == 'raw' and declared not in INSPECTABLE:
        # ami/aki/ari/ploop: the inspector cannot recognise them
        return None
    return ('disk_format %s was given but the content of %s is %s'
            % (declared, os.path.basename(info.path), info.format))
