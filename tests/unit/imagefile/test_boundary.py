"""The corrections ``imagefile.inspect`` makes at the boundary with
oslo.utils' format inspector, one test per defect class (issue 11, part 2).
The differential test (test_differential) checks the same
against qemu-img on a generated corpus; these pin each case down."""

import os
import shutil
import struct
import subprocess

import fixtures
import testtools

from osc_imagetools.imagefile import inspect
from tests.unit.imagefile.corpus import checks
from tests.unit.imagefile.corpus import Corpus
from tests.unit.imagefile.corpus import qemu_info

GiB = 1024 ** 3


def message(info, check):
    return [f.message for f in info.failures if f.check == check][0]


class TestBoundary(testtools.TestCase):

    def setUp(self):
        super().setUp()
        self.corpus = self.useFixture(Corpus())

    def test_qcow2_cut_inside_its_header_is_refused(self):
        with open(self.corpus.path('qcow2'), 'rb') as f:
            head = f.read(300)
        info = inspect.inspect_file(self.corpus.write('cut.qcow2', head))
        self.assertFalse(info.safe)
        self.assertEqual({'truncated'}, checks(info))
        text = message(info, 'truncated')
        self.assertIn('qcow2 magic', text)
        self.assertIn('ends at 300 bytes', text)

    def test_luks_virtual_size_is_the_payload(self):
        # a LUKS v1 header: magic, version, cipher, mode, hash,
        # payload_offset (sectors) at byte 104
        header = bytearray(592)
        header[0:8] = b'LUKS\xba\xbe\x00\x01'
        header[8:11] = b'aes'
        header[40:47] = b'xts-plain64'[:7]
        header[72:78] = b'sha256'
        struct.pack_into('>I', header, 104, 4096)
        path = self.corpus.write('disk.luks', bytes(header))
        os.truncate(path, 4096 * 512 + 3 * GiB + 1)
        info = inspect.inspect_file(path)
        self.assertEqual('luks', info.format)
        # qemu-img: file size - payload offset, rounded up to 512
        self.assertEqual(3 * GiB + 512, info.virtual_size)
        # the same at another size (it was a negative constant)
        os.truncate(path, 4096 * 512 + 1000)
        self.assertEqual(1024, inspect.inspect_file(path).virtual_size)
        os.truncate(path, 1000)
        self.assertIn('truncated', checks(inspect.inspect_file(path)))

    def test_verdict_does_not_depend_on_the_read_size(self):
        line = b'just some text, no disk image here\n'
        for at, fmt in ((3000, 'vmdk'), (5000, 'vmdk'), (70000, 'vmdk'),
                        (2 * 1024 * 1024, 'raw')):
            body = line * (at // len(line)) + b'createType="vmfs"\n' + line
            path = self.corpus.write('text-%d' % at, body)
            verdicts = {(i.format, i.virtual_size, i.failures) for i in (
                inspect.inspect_file(path, chunk_size=size)
                for size in (1 if at < 10000 else 7, 512, 4096, 65536))}
            self.assertEqual(1, len(verdicts), at)
            info = inspect.inspect_file(path)
            self.assertEqual(fmt, info.format, at)
            if fmt == 'vmdk':
                self.assertEqual('text', info.failures[0].check)

    def test_parallels_is_recognised_and_refused(self):
        path = self.corpus.create('disk.parallels', 'parallels', '24M')
        info = inspect.inspect_file(path)
        self.assertEqual(('ploop', 'parallels', 'parallels'),
                         (info.format, info.detected, info.qemu_format))
        self.assertEqual(qemu_info(path)['virtual-size'], info.virtual_size)
        self.assertEqual({'unsupported'}, checks(info))
        self.assertIn('qemu-img convert -f parallels -O qcow2',
                      message(info, 'unsupported'))

    def test_qcow_version_1_is_named(self):
        path = self.corpus.create('disk.qcow', 'qcow', '8M')
        info = inspect.inspect_file(path)
        self.assertEqual('qcow', info.detected)
        self.assertIn('unsupported', checks(info))
        self.assertIn('qemu-img convert -f qcow -O qcow2',
                      message(info, 'unsupported'))

    def test_raw_virtual_size_rounds_up_to_a_sector(self):
        for size, expected in ((1, 512), (512, 512), (1000, 1024),
                               (1025, 1536)):
            path = self.corpus.write('raw-%d' % size, b'\1' * size)
            info = inspect.inspect_file(path)
            self.assertEqual(expected, info.virtual_size, size)
            self.assertEqual(size, info.actual_size)
            self.assertEqual(qemu_info(path)['virtual-size'],
                             info.virtual_size)

    def test_encrypted_qcow2_is_refused_with_a_clear_reason(self):
        # a real LUKS-encrypted qcow2 costs seconds of key derivation
        # (the differential test makes one); the header field is enough
        path = self.corpus.join('enc.qcow2')
        shutil.copy(self.corpus.path('qcow2'), path)
        with open(path, 'r+b') as f:
            f.seek(32)
            f.write(struct.pack('>I', 2))
        info = inspect.inspect_file(path)
        self.assertEqual({'encrypted'}, checks(info))
        text = message(info, 'encrypted')
        self.assertIn('LUKS', text)
        self.assertIn('encrypt.key-secret', text)
        self.assertNotIn('is required', text)

    def test_fat_floppy_explained(self):
        if not shutil.which('mkfs.fat'):
            self.skipTest('mkfs.fat not installed')
        path = self.corpus.join('floppy.img')
        subprocess.run(['mkfs.fat', '-C', path, '1440'], check=True,
                       stdout=subprocess.DEVNULL)
        info = inspect.inspect_file(path)
        self.assertIn('filesystem', checks(info))
        self.assertIn('sfdisk', message(info, 'filesystem'))

    def test_inspector_crashes_become_refusals(self):
        self.useFixture(fixtures.FakeLogger())
        # oslo.utils 10.2: AttributeError on non-ASCII text, KeyError on a
        # text descriptor claiming a sparse subformat
        for name, body in (
                ('utf8', b'x' * 600 + 'é\n'.encode()),
                ('sparse-text', b'a line\n' * 80
                 + b'createType="monolithicSparse"\nRW 8 SPARSE "x"\n')):
            info = inspect.inspect_file(self.corpus.write(name, body))
            self.assertFalse(info.safe, name)
            self.assertIn('format', checks(info), name)

    def test_inspector_logs_stay_quiet(self):
        logger = self.useFixture(fixtures.FakeLogger())
        path = self.corpus.write('text', b'a line\n' * 80 + b'createType="x"\n')
        inspect.inspect_file(path)
        self.assertEqual('', logger.output)
