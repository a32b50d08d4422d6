"""What a disk image file really is.

The content decides, never the file name: oslo.utils' ``format_inspector``
(the inspector Glance and Nova use) reads as much of the file as it needs -
the headers for most formats, the whole file for a streamOptimized VMDK
whose footer must be checked - and reports the format, the virtual size and
the result of its safety checks (backing file, data file, VMDK descriptor
extents, banned QED, unknown qcow2 features, MBR/GPT sanity).

This module is the boundary between that inspector and ``image prepare``;
it corrects, without patching oslo.utils, what the inspector alone gets
wrong or leaves unsaid (the reference is ``qemu-img info``; see
doc/source/cli/prepare.rst, "Format detection"):

* the file is always fed in the same blocks (the first MiB, then 64 KiB),
  so the verdict never depends on how the caller reads it;
* a file that starts with a format's magic but is cut before the end of
  its header, or that the format's inspector cannot parse, is refused
  (the inspector alone calls it raw);
* raw, partitioned and ISO files get qemu-img's virtual size (the file
  size rounded up to 512 bytes); LUKS gets its payload size;
* parallels (ploop) and qcow version 1, which qemu-img writes and the
  inspector cannot check, are recognised and refused; so are encrypted
  qcow2 images (nothing can check them without their key);
* refusals that come from the inspector's strictness (extended L2 qcow2,
  a FAT boot sector taken for an MBR, VMDK subformats with separate
  extents, text taken for a VMDK descriptor) say so and give the
  conversion that fixes them.

Names: the inspector calls a partitioned raw disk ``gpt`` and a VHD ``vhd``;
Glance's ``disk_format`` for them is ``raw`` and ``vhd``; qemu-img calls
VHD ``vpc``. :class:`ImageInfo` carries all three.
"""

import dataclasses
import logging
import os
import stat
import struct

from oslo_utils.imageutils import format_inspector

from osc_imagetools import errors

CHUNK_SIZE = 64 * 1024
# The first block fed to the inspector: the largest window its VMDK
# inspector ever reads a text descriptor from (1 MiB - 1 bytes). The
# inspector decides a text descriptor on its *first* chunk, so a smaller
# first chunk would make the verdict depend on the read size.
FIRST_BLOCK = 1024 * 1024

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
    # recognised here, not by the inspector
    'parallels': 'ploop',
    'qcow': 'qcow2',
}

# Glance disk_format -> qemu-img format name (an ISO is read as raw bytes)
QEMU_FORMATS = {'vhd': 'vpc', 'iso': 'raw', 'ploop': 'parallels'}

# The largest virtual size QEMU can address (its sizes are int64_t); a
# header claiming more is a crafted or corrupt file, whatever else it says.
MAX_VIRTUAL_SIZE = 2 ** 63 - 1

# disk_formats whose content the inspector can recognise; others (ami, ari,
# aki, ploop) look like raw data to it and are accepted as such, as Glance
# does.
INSPECTABLE = frozenset(DISK_FORMATS[k] for k in format_inspector.ALL_FORMATS)

# Which format a file *claims* to be, by its magic bytes: (inspector or
# qemu-img name, offset, magic). Hand-written because the inspector only
# reports a format once its whole header has been read and parsed; a file
# cut inside its header, or one the inspector chokes on, would otherwise
# pass as raw.
MAGICS = (
    ('qcow2', 0, b'QFI\xfb'),
    ('qed', 0, b'QED\x00'),
    ('vhd', 0, b'conectix'),
    ('vhdx', 0, b'vhdxfile'),
    ('vmdk', 0, b'KDMV'),
    ('vdi', 0x40, b'\x7f\x10\xda\xbe'),
    ('luks', 0, b'LUKS\xba\xbe'),
    ('iso', 0x8001, b'CD001'),
    ('parallels', 0, b'WithoutFreeSpace'),
    ('parallels', 0, b'WithouFreSpacExt'),
)
MAGIC_SPAN = max(off + len(m) for _n, off, m in MAGICS)

# qcow2 header fields (docs/interop/qcow2.txt in QEMU): version at 4,
# crypt_method at 32 (0 none, 1 AES, 2 LUKS), incompatible features at 72
QCOW2_EXTENDED_L2 = 1 << 4
QCOW_CRYPT = {1: 'AES', 2: 'LUKS'}


class InspectError(errors.InputError):
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
    guest disk size in bytes, as qemu-img reports it (the file size rounded
    up to 512 bytes for raw); ``actual_size`` the file's size in bytes
    (what Glance stores as ``size``). ``failures`` is empty when the file
    is safe; ``notes`` are remarks that do not make it unsafe.
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
        if self.detected == 'qcow':
            return 'qcow'
        return QEMU_FORMATS.get(self.format, self.format)


def _blocks(f, read_size):
    """The file as the inspector is always fed it: FIRST_BLOCK, then
    CHUNK_SIZE blocks, whatever ``read_size`` the file is read with."""
    want = FIRST_BLOCK
    buf = bytearray()
    while True:
        data = f.read(max(1, min(read_size, want - len(buf))))
        if not data:
            break
        buf += data
        if len(buf) >= want:
            yield bytes(buf)
            buf = bytearray()
            want = CHUNK_SIZE
    if buf:
        yield bytes(buf)


def _read_until_decided(path, chunk_size):
    """Feed the file to every inspector until they agree on the format (or
    the end of the file); return the finished :class:`InspectWrapper` and
    the first bytes of the file."""
    with open(path, 'rb') as f:
        blocks = _blocks(f, chunk_size)
        wrapper = format_inspector.InspectWrapper(blocks)
        head = b''
        try:
            for block in wrapper:
                if not head:
                    head = block[:MAGIC_SPAN]
                # ``formats`` stays None while any inspector still needs
                # data (a VMDK footer is only complete at the end of file)
                if _formats(wrapper) is not None:
                    break
        finally:
            wrapper.close()
    return wrapper, head


def _formats(wrapper):
    try:
        return wrapper.formats
    except Exception:  # decided either way; _matches reports it
        return ()


def _matches(wrapper, failures):
    """``{name: inspector}`` of the formats the content matches."""
    try:
        return {str(i): i for i in wrapper.formats or ()}
    except format_inspector.ImageFormatError as exc:
        failures.append(Failure('format', str(exc)))
    except Exception as exc:
        # oslo.utils 10.2's VMDK inspector raises AttributeError on text
        # whose first MiB is not ASCII; Nova's detect_file_format fails the
        # same way, so Nova could not inspect this file either
        failures.append(Failure(
            'format', "oslo.utils' format inspector (used by Glance and "
            'Nova) fails on this file (%s: %s); a text file is not a disk '
            'image' % (type(exc).__name__, exc)))
    return {}


def _claims(head, size):
    """Formats whose magic the file starts with. Like qemu-img's probe, a
    file shorter than a magic is read as if zero-padded ("QED" alone is a
    QED magic to qemu-img)."""
    head = head.ljust(MAGIC_SPAN, b'\0')
    return {name for name, off, magic in MAGICS
            if head[off:off + len(magic)] == magic}


def _why_not(path, name, size, chunk_size):
    """Why the ``name`` inspector did not accept a file with its magic."""
    inspector = format_inspector.get_inspector(name)()
    try:
        with open(path, 'rb') as f:
            for block in _blocks(f, chunk_size):
                inspector.eat_chunk(block)
                if inspector.complete:
                    break
        inspector.finish()
    except Exception as exc:
        return Failure('format', (
            'the file starts with the %s magic but the %s inspector of '
            'Glance and Nova cannot read it (%s)%s' % (
                name, name, str(exc) or type(exc).__name__,
                '; an extent of a multi-file VMDK? convert the whole set '
                'from its descriptor: qemu-img convert -f vmdk -O vmdk -o '
                'subformat=streamOptimized DESCRIPTOR.vmdk OUT.vmdk'
                if name == 'vmdk' else '')))
    regions = [inspector.region(n) for n in inspector.context_info]
    needed = max((r.offset + r.length for r in regions if not r.complete
                  and not isinstance(r, format_inspector.EndCaptureRegion)),
                 default=0)
    if needed > size:
        return Failure('truncated', (
            'the file starts with the %s magic but ends at %d bytes, inside '
            'the %s header (which needs %d bytes): a truncated %s file'
            % (name, size, name, needed, name)))
    return Failure('format', 'the file starts with the %s magic but is not '
                   'a valid %s image' % (name, name))


def _round_sector(size):
    return -(-size // 512) * 512


def _parallels(path, size, header):
    """Parallels (ploop): qemu-img writes it, oslo.utils has no inspector.

    Header (QEMU block/parallels.c, little-endian): magic[16], version,
    heads, cylinders, tracks, bat_entries (u32 each), nb_sectors (u64) at
    36; the old "WithoutFreeSpace" magic keeps 32 bits of nb_sectors.
    """
    if len(header) < 64:
        return ImageInfo(path, 'ploop', 'parallels', 0, size, (Failure(
            'truncated', 'the file starts with the parallels magic but '
            'ends at %d bytes, inside the 64-byte parallels header'
            % size),))
    (sectors,) = struct.unpack_from('<Q', header, 36)
    if header.startswith(b'WithoutFreeSpace'):
        sectors &= 0xffffffff
    return ImageInfo(path, 'ploop', 'parallels', sectors * 512, size, (
        Failure('unsupported', (
            'a parallels (ploop) image: the format inspector of Glance and '
            'Nova has no parser for it, so they cannot check it, and '
            'declared raw a guest would see the container bytes; convert '
            'it: qemu-img convert -f parallels -O qcow2 %s OUT.qcow2'
            % path)),))


def _qcow2_failures(inspector, path):
    """Encryption, qcow version 1 and readable explanations of the
    inspector's refusals of a qcow2 header."""
    header = inspector.region('header').data
    version, = struct.unpack_from('>I', header, 4)
    # qcow version 1 keeps its crypt_method at 36
    crypt, = struct.unpack_from('>I', header, 36 if version == 1 else 32)
    failures = []
    if crypt:
        method = QCOW_CRYPT.get(crypt, 'method %d' % crypt)
        failures.append(Failure('encrypted', (
            'the qcow2 image is encrypted (%s): neither qemu-img check nor '
            'a cloud can read it without its key, which prepare does not '
            'take; decrypt it first: qemu-img convert --object '
            'secret,id=sec0,file=KEYFILE --image-opts driver=qcow2,'
            'file.filename=%s,encrypt.key-secret=sec0 -O qcow2 OUT.qcow2'
            % (method, path))))
    if version == 3 and len(header) >= 80:
        features, = struct.unpack_from('>Q', header, 72)
        if features & QCOW2_EXTENDED_L2:
            failures.append(Failure('extended_l2', (
                'qcow2 with extended L2 entries (extended_l2=on): qemu-img '
                'reads it, but the format inspector of Glance and Nova '
                'refuses it as an unknown feature; convert it (extended_l2 '
                'is off by default): qemu-img convert -f qcow2 -O qcow2 %s '
                'OUT.qcow2' % path)))
    return failures


def inspect_file(path, chunk_size=CHUNK_SIZE):
    """Inspect the disk image at ``path``; return an :class:`ImageInfo`.

    ``chunk_size`` is the size of each read; the verdict does not depend on
    it. Raises :class:`InspectError` when the file cannot be read. An
    unsafe or unrecognisable file is not an exception: its ``failures``
    say why.
    """
    # The inspector logs (up to ERROR) what ``failures`` report; on a
    # command's stderr that would be a second, raw message; kept where
    # debug logging is on (``openstack --debug``).
    log = logging.getLogger(format_inspector.__name__)
    level = log.level
    if not log.isEnabledFor(logging.DEBUG):
        log.setLevel(logging.CRITICAL)
    try:
        return _inspect(path, chunk_size)
    finally:
        log.setLevel(level)


def _inspect(path, chunk_size):
    try:
        st = os.stat(path)
        if not stat.S_ISREG(st.st_mode):
            raise InspectError('%s is not a regular file' % path)
        wrapper, head = _read_until_decided(path, chunk_size)
    except OSError as exc:
        raise InspectError('cannot read %s: %s' % (path, exc.strerror or exc))
    size = st.st_size
    failures = []
    notes = []

    if size == 0:
        return ImageInfo(path, 'raw', 'raw', 0, 0,
                         (Failure('empty', 'the file is empty'),))

    matches = _matches(wrapper, failures)
    claims = _claims(head, size)
    if 'parallels' in claims and not matches.keys() - {'raw'}:
        return _parallels(path, size, head)
    try:
        for name in sorted(claims - set(matches) - {'parallels'}):
            failures.append(_why_not(path, name, size, chunk_size))
    except OSError as exc:
        raise InspectError('cannot read %s: %s' % (path, exc.strerror or exc))
    matches.pop('raw', None)

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
        if size % 512:
            notes.append('the size (%d bytes) is not a multiple of 512: '
                         'a truncated file?' % size)
        return ImageInfo(path, 'raw', 'raw', _round_sector(size), size,
                         tuple(failures), tuple(notes))

    detected = str(inspector)
    if detected == 'qcow2' and struct.unpack_from(
            '>I', inspector.region('header').data, 4)[0] == 1:
        detected = 'qcow'
    disk_format = DISK_FORMATS.get(detected, detected)
    if not inspector.complete:
        # a format whose match needs only its magic (LUKS) cut inside its
        # header: its parsers would fail on the missing bytes
        failures.append(_why_not(path, detected, size, chunk_size))
        return ImageInfo(path, disk_format, detected, 0, size,
                         tuple(failures), tuple(notes))
    size_failures = []
    virtual_size = _virtual_size(inspector, detected, size, size_failures,
                                 notes)
    failures += _safety(inspector, detected, path, head) + size_failures
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


def _virtual_size(inspector, detected, size, failures, notes):
    """The virtual size qemu-img reports for the inspected file."""
    if detected in ('gpt', 'iso'):
        # qemu-img reads both as raw: the file size, in whole sectors
        if detected == 'iso' and inspector.virtual_size > size:
            failures.append(Failure('truncated', (
                'the ISO volume descriptor says %d bytes but the file has '
                '%d: a truncated ISO' % (inspector.virtual_size, size))))
        if size % 512:
            notes.append('the size (%d bytes) is not a multiple of 512: '
                         'a truncated file?' % size)
        return _round_sector(size)
    if detected == 'luks':
        # the inspector answers "bytes read so far - header"; qemu-img's
        # virtual size is the payload: file size - payload offset
        payload = inspector.header_items['payload_offset'] * 512
        if payload > size:
            failures.append(Failure('truncated', (
                'the LUKS header puts the payload at %d bytes but the file '
                'has %d: a truncated LUKS file' % (payload, size))))
            return 0
        return _round_sector(size - payload)
    if (type(inspector).virtual_size
            is format_inspector.FileInspector.virtual_size):
        # the base class answers "bytes read so far" (QED has no parser)
        return 0
    try:
        return inspector.virtual_size
    except Exception as exc:
        # oslo.utils 10.2's VMDK inspector raises KeyError on a text
        # descriptor that claims a sparse subformat
        failures.append(Failure('format', (
            'the %s inspector of Glance and Nova fails to read the virtual '
            'size (%s: %s)' % (detected, type(exc).__name__, exc))))
        return 0


def _safety(inspector, detected, path, head):
    """The inspector's safety checks, with the refusals it is stricter
    than qemu-img about explained."""
    failures = []
    try:
        inspector.safety_check()
    except format_inspector.SafetyCheckFailed as exc:
        for name, reason in sorted(exc.failures.items()):
            failures.append(Failure(name, str(reason) or name))
    except format_inspector.ImageFormatError as exc:
        failures.append(Failure('format', str(exc)))
    checks = {f.check for f in failures}
    if detected in ('qcow2', 'qcow'):
        extra = _qcow2_failures(inspector, path)
        if detected == 'qcow':
            extra.insert(0, Failure('unsupported', (
                'a qcow version 1 image (qemu-img format "qcow"): Glance '
                'and Nova refuse it; convert it: qemu-img convert -f qcow '
                '-O qcow2 %s OUT.qcow2' % path)))
        # the inspector's own verdict stays; these say what it means
        failures += extra
    elif detected == 'gpt' and 'mbr' in checks:
        fs = _boot_sector_filesystem(inspector.region('mbr').data)
        if fs:
            failures.append(Failure('filesystem', (
                'the first sector is a boot sector of %s (a filesystem '
                'without a partition table, e.g. a floppy image), which '
                "the format inspector of Glance and Nova takes for an MBR "
                'and refuses; qemu-img reads it as raw. Put the filesystem '
                'in a partitioned disk: truncate -s $(($(stat -c %%s %s) + '
                '1048576)) OUT.raw; echo start=2048 | sfdisk OUT.raw; dd '
                'if=%s of=OUT.raw bs=512 seek=2048 conv=notrunc'
                % (fs, path, path))))
        else:
            failures.append(Failure('partition_table', (
                'the first sector has the MBR signature (0x55AA) but a '
                'partition table the format inspector of Glance and Nova '
                'refuses (qemu-img reads the file as raw); repair it with '
                'sfdisk or parted, or, on a disk meant to have no '
                "partitions, clear the signature: printf '\\0\\0' | dd "
                'of=%s bs=1 seek=510 conv=notrunc' % path)))
    elif detected == 'vmdk' and 'descriptor' in checks:
        vmdktype = getattr(inspector, 'vmdktype', None)
        if inspector.has_region('header') and not inspector.desc_text:
            failures.append(Failure('subformat', (
                'a sparse VMDK extent without a descriptor: one file of a '
                'multi-file VMDK (twoGbMaxExtentSparse); Glance and Nova '
                'accept only monolithicSparse and streamOptimized VMDKs; '
                'convert the whole set from its descriptor: qemu-img '
                'convert -f vmdk -O vmdk -o subformat=streamOptimized '
                'DESCRIPTOR.vmdk OUT.vmdk')))
        if (not inspector.has_region('header')
                and not _qemu_reads_descriptor(head)):
            failures.insert(0, Failure('text', (
                'the file is text with a VMDK descriptor\'s createType= in '
                'its first MiB: the format inspector of Glance and Nova '
                'takes it for a VMDK descriptor (qemu-img reads a '
                'descriptor only when it starts with version=); a text '
                'file is not a disk image')))
        if vmdktype and vmdktype not in ('monolithicsparse',
                                         'streamoptimized',
                                         'formatnotfound'):
            failures.append(Failure('subformat', (
                'VMDK subformat %s keeps its data in other files; Glance '
                'and Nova accept only monolithicSparse and streamOptimized '
                'VMDKs; convert the set: qemu-img convert -f vmdk -O vmdk '
                '-o subformat=streamOptimized %s OUT.vmdk'
                % (vmdktype, path))))
    return failures


def _qemu_reads_descriptor(head):
    """True when qemu-img would probe this text as a VMDK descriptor: its
    first line that is neither a comment nor blank, within the first 2048
    bytes, is ``version=1|2|3`` (QEMU block/vmdk.c, vmdk_probe)."""
    for line in head[:2048].split(b'\n'):
        text = line.rstrip(b'\r')
        if line.startswith(b'#') or not text.strip(b' '):
            continue
        return text in (b'version=1', b'version=2', b'version=3')
    return False


def _boot_sector_filesystem(sector):
    """'FAT' or 'NTFS' when ``sector`` is a filesystem boot sector (a
    volume boot record) rather than an MBR: an x86 jump, then the BIOS
    parameter block's file system name. Hand-written: the inspector only
    recognises (and excludes) FAT hard-disk volumes with two FATs."""
    if len(sector) < 512 or sector[0] not in (0xEB, 0xE9):
        return None
    if sector[3:11] == b'NTFS    ':
        return 'NTFS'
    if sector[3:11] == b'EXFAT   ':
        return 'exFAT'
    if sector[54:57] == b'FAT' or sector[82:87] == b'FAT32':
        return 'FAT'
    return None


def content_agrees(detected, declared):
    """Whether content of disk_format ``detected`` may be declared
    ``declared``: the same format, or raw-looking content declared as a
    format the inspector cannot recognise (ami, aki, ari, ploop...), which
    is Glance's own rule at upload (``glance/location.py``: raw content
    passes for any disk_format outside format_inspector's formats). The one
    place this rule is written (``image validate --file`` and ``image
    prepare`` use it)."""
    if declared == detected:
        return True
    return detected == 'raw' and declared not in INSPECTABLE


def declared_mismatch(info, declared):
    """Why ``declared`` (a disk_format given by the user) disagrees with the
    content, or None when it agrees (:func:`content_agrees`).

    Catches what Glance 33 lets through: a qcow2 (or any other recognised
    format) uploaded as ``raw``.
    """
    if not declared or content_agrees(info.format, declared):
        return None
    return ('disk_format %s was given but the content of %s is %s'
            % (declared, os.path.basename(info.path), info.format))
