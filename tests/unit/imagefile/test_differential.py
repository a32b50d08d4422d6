"""``image prepare``'s format detection against ``qemu-img info``.

A corpus is generated at test time (fixed seed) with the real qemu-img and
the usual disk tools (sfdisk, sgdisk, parted, mkfs.fat, xorriso or
genisoimage, where installed): every format qemu-img writes here and its
variants, sizes from 1 byte through odd sizes to 2 TiB (sparse), ISO,
MBR/GPT disks, filesystem images, text, and copies cut short. For each
file the engine of ``image prepare`` (:func:`inspect.inspect_file`, then
:func:`convert.check` like its safety step) must either report the format
and virtual size ``qemu-img info --output json`` reports (``vhd`` = vpc,
partitioned raw = raw, ``iso`` = raw) or refuse it with a named reason.
Each entry says which of the two is expected: an image qemu-img reads
that prepare refuses without a documented reason fails the test, and so
does a refused image that prepare accepts.

A sample also goes through the real ``openstack image prepare FILE -f
json`` (no --upload, no cloud).

Bounded for CI: about 190 files made once per run (sparse: under 100 MiB
on disk), one ``qemu-img info`` each; about 30 s of CPU in all, most of it
qemu-img's LUKS key derivation (two headers) and the OSC start-ups of the
CLI sample.
"""

import collections
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile

import fixtures
import testtools

from osc_imagetools.imagefile import convert
from osc_imagetools.imagefile import inspect

MiB = 1024 * 1024
GiB = 1024 * MiB
TiB = 1024 * GiB
SEED = 20261130

# qemu-img's name for what prepare reports as this disk_format
QEMU_NAME = {'vhd': 'vpc', 'iso': 'raw', 'ploop': 'parallels'}

# the failure checks a deliberate refusal may carry (doc/source/cli/
# prepare.rst, "Format detection"): the reason is named by one of these
REFUSAL_REASONS = {
    'truncated', 'format', 'unsupported', 'encrypted', 'extended_l2',
    'unknown_features', 'filesystem', 'mbr', 'subformat', 'descriptor',
    'text', 'data_file', 'backing_file', 'banned', 'empty',
    'multiple_formats', 'footer', 'virtual_size', 'integrity',
    'partition_table',
}

Entry = collections.namedtuple('Entry', 'name path expect checks')


def _run(argv, **kwargs):
    if 'input' not in kwargs:
        kwargs['stdin'] = subprocess.DEVNULL
    return subprocess.run(argv, check=True, stdout=subprocess.DEVNULL,
                          stderr=subprocess.PIPE, **kwargs)


def qemu_info(path):
    """``qemu-img info`` probing the format itself, as a user would run
    it; None when qemu-img cannot open the file."""
    proc = subprocess.run(['qemu-img', 'info', '--output=json', path],
                          stdin=subprocess.DEVNULL, capture_output=True,
                          text=True)
    if proc.returncode:
        return None
    return json.loads(proc.stdout)


class CorpusBuilder:
    """Writes the corpus into ``root``; :meth:`build` returns entries.

    ``expect`` is ``'agree'`` (prepare must accept the file with qemu-img's
    format and virtual size) or ``'refuse'`` (prepare must refuse it; then
    ``checks`` lists the failure names that may say why).
    """

    def __init__(self, root, seed=SEED):
        self.root = root
        self.rng = random.Random(seed)
        self.entries = []

    def path(self, name):
        return os.path.join(self.root, name)

    def add(self, name, expect='agree', checks=()):
        self.entries.append(Entry(name, self.path(name), expect,
                                  frozenset(checks)))

    def qemu_create(self, name, fmt, size, options=None, expect='agree',
                    checks=(), objects=()):
        argv = ['qemu-img', 'create', '-q', '-f', fmt]
        for obj in objects:
            argv += ['--object', obj]
        if options:
            argv += ['-o', options]
        _run(argv + [self.path(name), str(size)])
        self.add(name, expect, checks)
        return self.path(name)

    def data(self, name, size, sparse=False):
        """A raw file of ``size`` bytes: random data (or a hole)."""
        with open(self.path(name), 'wb') as f:
            if sparse:
                f.truncate(size)
            else:
                f.write(self.rng.randbytes(size))
        return self.path(name)

    def odd_sizes(self, n, low, high):
        return [self.rng.randrange(low, high) for _ in range(n)]

    # -- the corpus -------------------------------------------------------
    def build(self):
        self.raw()
        self.qcow2()
        self.other_formats()
        self.vmdk()
        self.vpc()
        self.disks()
        self.iso()
        self.text()
        self.truncated()
        return self.entries

    def raw(self):
        for size in [1, 2, 511, 512, 513, 1000, 4095, 65537, MiB + 1,
                     *self.odd_sizes(4, 2, 3 * MiB)]:
            name = 'raw-%d' % size
            self.data(name, size)
            self.add(name)
        for size in (16 * MiB + 3, 2 * TiB, 2 * TiB - 1):
            name = 'sparse-%d' % size
            self.data(name, size, sparse=True)
            self.add(name)

    def qcow2(self):
        sizes = [1, 1000, 16 * MiB, *self.odd_sizes(3, 2, 64 * GiB), 2 * TiB]
        for size in sizes:
            self.qemu_create('qcow2-%d' % size, 'qcow2', size)
        variants = {
            'compat010': 'compat=0.10',
            'compat11': 'compat=1.1',
            'cluster512': 'cluster_size=512',
            'cluster4k': 'cluster_size=4096',
            'cluster2m': 'cluster_size=2M',
            'lazy': 'lazy_refcounts=on',
            'refcount1': 'refcount_bits=1',
            'refcount64': 'refcount_bits=64',
            'zstd': 'compression_type=zstd',
            'prealloc-metadata': 'preallocation=metadata',
            'prealloc-falloc': 'preallocation=falloc',
            'prealloc-full': 'preallocation=full',
        }
        for label, options in variants.items():
            self.qemu_create('qcow2-%s' % label, 'qcow2', 3 * MiB + 512,
                             options)
        self.qemu_create('qcow2-extended-l2', 'qcow2', 5 * MiB,
                         'extended_l2=on', 'refuse',
                         ('extended_l2', 'unknown_features'))
        self.qemu_create('qcow2-extended-l2-c', 'qcow2', 5 * MiB,
                         'extended_l2=on,cluster_size=128k', 'refuse',
                         ('extended_l2', 'unknown_features'))
        self.qemu_create('qcow2-data-file', 'qcow2', 4 * MiB,
                         'data_file=%s' % self.path('qcow2-data-file.dat'),
                         'refuse', ('data_file',))
        base = self.qemu_create('qcow2-base', 'qcow2', 4 * MiB)
        self.qemu_create('qcow2-backed', 'qcow2', 4 * MiB,
                         'backing_file=%s,backing_fmt=qcow2' % base,
                         'refuse', ('backing_file',))
        self.qemu_create('qcow2-encrypted', 'qcow2', 4 * MiB,
                         'encrypt.format=luks,encrypt.key-secret=s0,'
                         'encrypt.iter-time=10', 'refuse', ('encrypted',),
                         objects=('secret,id=s0,data=secret',))
        # conversions with real content, compressed and not
        src = self.data('content.bin', 2 * MiB + 4096)
        for label, extra in (('plain', []), ('compressed', ['-c'])):
            name = 'qcow2-converted-%s' % label
            _run(['qemu-img', 'convert', '-f', 'raw', '-O', 'qcow2', *extra,
                  src, self.path(name)])
            self.add(name)

    def other_formats(self):
        for size in (1, 1000, *self.odd_sizes(2, 2, 8 * GiB), 16 * MiB):
            self.qemu_create('vhdx-%d' % size, 'vhdx', size)
            self.qemu_create('vdi-%d' % size, 'vdi', size)
            self.qemu_create('parallels-%d' % size, 'parallels', size,
                             expect='refuse', checks=('unsupported',))
            self.qemu_create('qed-%d' % size, 'qed', size, expect='refuse',
                             checks=('banned',))
            self.qemu_create('qcow-%d' % size, 'qcow', size,
                             expect='refuse', checks=('unsupported',))
            self.luks('luks-%d' % size, size)
        # min_disk follows the virtual size (it was 1 at any LUKS size)
        self.luks('luks-1g-plus', GiB + 1)
        self.qemu_create('vhdx-2t', 'vhdx', 2 * TiB)
        self.qemu_create('vhdx-fixed', 'vhdx', 3 * MiB, 'subformat=fixed')
        self.qemu_create('vhdx-block1m', 'vhdx', 9 * MiB, 'block_size=1M')
        self.qemu_create('vdi-static', 'vdi', 3 * MiB, 'static=on')
        self.qemu_create('vdi-2t', 'vdi', 2 * TiB)
        self.qemu_create('parallels-2t', 'parallels', 2 * TiB,
                         expect='refuse', checks=('unsupported',))

    def luks(self, name, size):
        """A LUKS volume with a ``size``-byte payload. qemu-img spends
        seconds making each LUKS header (key derivation), so one is made
        and the others are its header with another payload length, which
        is all that decides a LUKS volume's size."""
        model = self.path('luks-model')
        if not os.path.exists(model):
            _run(['qemu-img', 'create', '-q', '-f', 'luks', '--object',
                  'secret,id=s0,data=secret', '-o',
                  'key-secret=s0,iter-time=10', model, '0'])
        with open(model, 'rb') as f:
            header = f.read()
        with open(self.path(name), 'wb') as f:
            f.write(header)
            f.truncate(len(header) + size)
        self.add(name)

    def vmdk(self):
        # (VMDK grain tables grow with the size: 2 TiB would be 256 MiB)
        for size in (1, 1000, *self.odd_sizes(2, 2, 8 * GiB), 64 * GiB):
            self.qemu_create('vmdk-sparse-%d' % size, 'vmdk', size)
            self.qemu_create('vmdk-stream-%d' % size, 'vmdk', size,
                             'subformat=streamOptimized')
        for adapter in ('ide', 'lsilogic', 'buslogic', 'legacyESX'):
            self.qemu_create('vmdk-%s' % adapter, 'vmdk', 4 * MiB,
                             'adapter_type=%s' % adapter)
        self.qemu_create('vmdk-compat6', 'vmdk', 4 * MiB, 'compat6=on')
        src = self.data('vmdk-content.bin', MiB + 512)
        _run(['qemu-img', 'convert', '-O', 'vmdk', '-o',
              'subformat=streamOptimized', src,
              self.path('vmdk-stream-content')])
        self.add('vmdk-stream-content')
        # descriptors whose data lives in other files: refused; their
        # extent files are what qemu-img says (raw, or a sparse extent
        # the inspector cannot read)
        self.qemu_create('vmdk-flat.vmdk', 'vmdk', 3 * MiB,
                         'subformat=monolithicFlat', 'refuse',
                         ('descriptor', 'subformat'))
        self.add('vmdk-flat-flat.vmdk')
        self.qemu_create('vmdk-2gbsparse.vmdk', 'vmdk', 5 * GiB,
                         'subformat=twoGbMaxExtentSparse', 'refuse',
                         ('descriptor', 'subformat'))
        self.add('vmdk-2gbsparse-s001.vmdk', 'refuse', ('subformat',))
        self.qemu_create('vmdk-2gbflat.vmdk', 'vmdk', 3 * MiB,
                         'subformat=twoGbMaxExtentFlat', 'refuse',
                         ('descriptor', 'subformat'))
        self.add('vmdk-2gbflat-f001.vmdk')

    def vpc(self):
        for size in (1, 1000, 10 ** 7, *self.odd_sizes(2, 2, 8 * GiB)):
            self.qemu_create('vpc-dynamic-%d' % size, 'vpc', size)
            self.qemu_create('vpc-force-%d' % size, 'vpc', size,
                             'force_size=on')
        for size in (1000, 10 ** 7, 3 * MiB):
            # a fixed VHD has its footer at the end only: qemu-img and the
            # inspector both read it as raw
            self.qemu_create('vpc-fixed-%d' % size, 'vpc', size,
                             'subformat=fixed')

    def disks(self):
        def disk(name, size=8 * MiB):
            return self.data(name, size, sparse=True)

        tool = shutil.which
        if tool('sfdisk'):
            for label, script in (
                    ('dos', 'label: dos\n,,L\n'),
                    ('dos4', 'label: dos\n,2M,L\n,2M,S\n,1M,c\n,,L\n'),
                    ('dos-boot', 'label: dos\n,,L,*\n'),
                    ('gpt', 'label: gpt\n,,L\n'),
                    ('gpt3', 'label: gpt\n,2M,U\n,2M,S\n,,L\n')):
                name = 'sfdisk-%s' % label
                path = disk(name, 8 * MiB + 512 * self.rng.randrange(64))
                _run(['sfdisk', '-q', path], input=script.encode())
                self.add(name)
            path = disk('sfdisk-dos-empty')
            _run(['sfdisk', '-q', path], input=b'label: dos\n')
            # an MBR with no partition: the cloud's inspector refuses it
            self.add('sfdisk-dos-empty', 'refuse', ('mbr',))
        if tool('sgdisk'):
            path = disk('sgdisk-gpt', 16 * MiB)
            _run(['sgdisk', '-n', '1:2048:+4M', '-t', '1:ef00', '-n',
                  '2:0:0', '-t', '2:8300', path])
            self.add('sgdisk-gpt')
        if tool('parted'):
            for label in ('msdos', 'gpt'):
                name = 'parted-%s' % label
                path = disk(name, 12 * MiB)
                _run(['parted', '-s', path, 'mklabel', label, 'mkpart',
                      'primary', 'ext4', '1MiB', '100%'])
                self.add(name)
        if tool('mkfs.fat'):
            path = self.path('fat-floppy.img')
            _run(['mkfs.fat', '-C', path, '1440'])
            self.add('fat-floppy.img', 'refuse', ('filesystem', 'mbr'))
            path = disk('fat-disk.img', 64 * MiB)
            _run(['mkfs.fat', '-F', '32', path])
            self.add('fat-disk.img')
        if tool('mkfs.ntfs'):
            path = disk('ntfs.img', 16 * MiB)
            _run(['mkfs.ntfs', '-F', '-Q', '-q', path])
            self.add('ntfs.img', 'refuse', ('filesystem', 'mbr'))
        if tool('mkfs.ext4'):
            path = disk('ext4.img', 8 * MiB)
            _run(['mkfs.ext4', '-q', '-F', path])
            self.add('ext4.img')

    def iso(self):
        tree = self.path('iso-tree')
        os.makedirs(os.path.join(tree, 'boot'), exist_ok=True)
        with open(os.path.join(tree, 'boot', 'file.txt'), 'wb') as f:
            f.write(self.rng.randbytes(100000))
        if shutil.which('xorriso'):
            _run(['xorriso', '-as', 'mkisofs', '-quiet', '-o',
                  self.path('xorriso.iso'), tree])
            self.add('xorriso.iso')
            _run(['xorriso', '-as', 'mkisofs', '-quiet', '-R', '-J',
                  '--protective-msdos-label', '-o',
                  self.path('xorriso-mbr.iso'), tree])
            self.add('xorriso-mbr.iso')
            esp = self.data('esp.img', MiB, sparse=True)
            if shutil.which('mkfs.fat'):
                _run(['mkfs.fat', esp])
                _run(['xorriso', '-as', 'mkisofs', '-quiet',
                      '-append_partition', '2', '0xef', esp,
                      '-o', self.path('xorriso-esp.iso'), tree])
                self.add('xorriso-esp.iso')
        for tool in ('genisoimage', 'mkisofs'):
            if shutil.which(tool):
                _run([tool, '-quiet', '-o', self.path('%s.iso' % tool),
                      tree])
                self.add('%s.iso' % tool)
                break

    def text(self):
        line = b'an ordinary line of text, not a disk image\n'
        keyword = b'createType="monolithicSparse"\n'
        for offset in (100, 3000, 5000, 40000, 70000, 2 * MiB):
            name = 'text-keyword-at-%d' % offset
            body = line * (offset // len(line)) + keyword + line * 10
            with open(self.path(name), 'wb') as f:
                f.write(body)
            # within the first MiB the cloud's inspector reads the keyword
            # as a VMDK descriptor and refuses; beyond it, plain raw
            self.add(name, *(('refuse', ('descriptor', 'text', 'format'))
                             if offset < MiB else ('agree',)))
        with open(self.path('text-plain'), 'wb') as f:
            f.write(line * 300)
        self.add('text-plain')
        with open(self.path('text-utf8'), 'wb') as f:
            f.write(line * 20 + 'non-ASCII: é\n'.encode() + line * 20)
        self.add('text-utf8', 'refuse', ('format',))

    # the bytes the inspector needs before it can read each format's
    # header (its capture regions)
    HEADER = {'qcow2': 512, 'vhdx': 256 * 1024, 'vdi': 512, 'vpc': 512,
              'vmdk': 1024, 'luks': 592, 'parallels': 64, 'qed': 512}
    # where each magic ends; QED's last magic byte is 0, which qemu-img's
    # probe (zero-padded) takes for granted: "QED" alone is a QED to it
    MAGIC_END = {'qcow2': 4, 'vhdx': 8, 'vdi': 0x44, 'vpc': 8, 'vmdk': 4,
                 'luks': 6, 'parallels': 16, 'qed': 3}

    def truncated(self):
        """Copies cut inside their header (refused, naming the format and
        the cut) or inside their magic (then they are raw data); and
        images cut after the header, their data gone (qemu-img check)."""
        sources = {
            'qcow2': self.path('qcow2-1000'),
            'vhdx': self.path('vhdx-1000'),
            'vdi': self.path('vdi-1000'),
            'vpc': self.path('vpc-dynamic-1000'),
            'vmdk': self.path('vmdk-sparse-1000'),
            'luks': self.path('luks-1000'),
            'parallels': self.path('parallels-1000'),
            'qed': self.path('qed-1000'),
        }
        for fmt, src in sorted(sources.items()):
            with open(src, 'rb') as f:
                head = f.read(self.HEADER[fmt])
            end = self.MAGIC_END[fmt]
            cuts = {end, end + 1, self.HEADER[fmt] - 1,
                    *self.odd_sizes(2, end, self.HEADER[fmt])}
            if end > 1:
                cuts.add(self.rng.randrange(1, end))
            for cut in sorted(cuts):
                name = 'cut-%s-%d' % (fmt, cut)
                with open(self.path(name), 'wb') as f:
                    f.write(head[:cut])
                if cut < end:
                    self.add(name)
                else:
                    self.add(name, 'refuse', ('truncated', 'banned'))
        # an interrupted download: the header is whole, the data is not
        for src in ('qcow2-converted-plain', 'vmdk-stream-content'):
            name = 'half-%s' % src
            with open(self.path(src), 'rb') as f:
                data = f.read()
            with open(self.path(name), 'wb') as f:
                f.write(data[:len(data) // 2])
            self.add(name, 'refuse', ('integrity', 'footer'))


def compare(entry, inspect_file=inspect.inspect_file, check=True):
    """One entry's outcome: ``(verdict, failures, detail)``; verdict is
    ``agree``, ``refused`` or ``disagree``; ``failures`` the refusal's
    :class:`inspect.Failure` list (``integrity`` for qemu-img check's)."""
    try:
        info = inspect_file(entry.path)
    except Exception as exc:  # a crash is a disagreement, never a pass
        return 'disagree', [], 'crashed: %s: %s' % (type(exc).__name__, exc)
    qemu = qemu_info(entry.path)
    failures = list(info.failures)
    if not failures and check:
        failures = [inspect.Failure('integrity', p)
                    for p in convert.check(info)]
    if failures:
        return 'refused', failures, '; '.join(str(f) for f in failures)
    if qemu is None:
        return 'disagree', [], 'accepted what qemu-img cannot open'
    fmt = QEMU_NAME.get(info.format, info.format)
    got = (fmt, info.virtual_size)
    want = (qemu['format'], qemu['virtual-size'])
    if got != want:
        return 'disagree', [], 'prepare %s, qemu-img %s' % (got, want)
    return 'agree', [], ''


class TestDifferentialQemuImg(testtools.TestCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.root = None
        if shutil.which('qemu-img'):
            cls.root = tempfile.mkdtemp(prefix='imagetools-differential-')
            cls.entries = CorpusBuilder(cls.root).build()

    @classmethod
    def tearDownClass(cls):
        if cls.root:
            shutil.rmtree(cls.root, ignore_errors=True)
        super().tearDownClass()

    def setUp(self):
        super().setUp()
        if not self.root:
            self.skipTest('qemu-img not installed')
        # the inspector logs each failed check; the verdicts are asserted
        self.useFixture(fixtures.FakeLogger())

    def test_corpus_is_large_and_varied(self):
        self.assertGreater(len(self.entries), 150)
        formats = {(qemu_info(e.path) or {}).get('format')
                   for e in self.entries}
        for fmt in ('raw', 'qcow2', 'vmdk', 'vpc', 'vhdx', 'vdi', 'qed',
                    'luks', 'parallels', 'qcow'):
            self.assertIn(fmt, formats)

    def test_prepare_agrees_with_qemu_img_or_refuses_with_a_reason(self):
        problems = []
        counts = collections.Counter()
        for entry in self.entries:
            verdict, failures, detail = compare(entry)
            counts[verdict] += 1
            names = {f.check for f in failures}
            if verdict == 'disagree':
                problems.append('%s: %s' % (entry.name, detail))
            elif entry.expect == 'agree' and verdict != 'agree':
                problems.append('%s: refused, qemu-img reads it: %s'
                                % (entry.name, detail))
            elif entry.expect == 'refuse' and verdict != 'refused':
                problems.append('%s: accepted, should be refused'
                                % entry.name)
            elif verdict == 'refused' and (
                    not names & entry.checks
                    or not names <= REFUSAL_REASONS
                    or any(len(f.message) < 10 for f in failures)):
                problems.append('%s: refused for %s, expected one of %s'
                                % (entry.name, detail, sorted(entry.checks)))
        self.assertEqual([], problems, dict(counts))

    def test_verdict_independent_of_read_size(self):
        for entry in self.entries:
            if os.path.getsize(entry.path) > 4 * MiB:
                continue
            first = inspect.inspect_file(entry.path)
            for size in (1, 511, 4096, 3 * MiB):
                if size == 1 and os.path.getsize(entry.path) > 64 * 1024:
                    continue  # one byte at a time: small files only
                info = inspect.inspect_file(entry.path, chunk_size=size)
                self.assertEqual(
                    (first.format, first.virtual_size, first.failures),
                    (info.format, info.virtual_size, info.failures),
                    '%s read in %d-byte chunks' % (entry.name, size))

    # a sample through the real ``openstack image prepare -f json``
    # (each run starts OSC: about 2 s)
    SAMPLE = ('qcow2-1000', 'raw-1000', 'vpc-dynamic-1000', 'luks-1g-plus',
              'sgdisk-gpt', 'xorriso.iso', 'cut-qcow2-300', 'parallels-1000',
              'qcow2-encrypted', 'text-keyword-at-5000')

    def test_cli_reports_what_qemu_img_reports(self):
        osc = os.path.join(os.path.dirname(sys.executable), 'openstack')
        if not os.path.exists(osc):
            self.skipTest('openstack not installed')
        entries = {e.name: e for e in self.entries}
        env = {k: v for k, v in os.environ.items()
               if not k.startswith('OS_')}
        ran = 0
        for name in self.SAMPLE:
            entry = entries.get(name)
            if entry is None:  # its tool is not installed
                continue
            ran += 1
            proc = subprocess.run(
                [osc, 'image', 'prepare', entry.path, '-f', 'json'],
                capture_output=True, text=True, env=env,
                stdin=subprocess.DEVNULL)
            if entry.expect == 'refuse':
                self.assertEqual(1, proc.returncode, (name, proc.stderr))
                lines = proc.stderr.strip().splitlines()
                self.assertEqual(1, len(lines), (name, proc.stderr))
                self.assertIn('error: unsafe image', lines[0], name)
                continue
            self.assertEqual(0, proc.returncode, (name, proc.stderr))
            row = json.loads(proc.stdout)
            qemu = qemu_info(entry.path)
            fmt = QEMU_NAME.get(row['disk_format'], row['disk_format'])
            self.assertEqual((qemu['format'], qemu['virtual-size']),
                             (fmt, row['virtual_size']), name)
            self.assertEqual(max(1, -(-row['virtual_size'] // GiB)),
                             row['min_disk'], name)
            if name == 'luks-1g-plus':
                self.assertEqual(2, row['min_disk'])
        self.assertGreater(ran, 7)
