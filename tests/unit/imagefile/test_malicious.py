"""Hostile disk images against the imagefile engine (inspection, ``qemu-img
check``, hashing), beyond the corpus of ``corpus.py``: each one is refused
(a failed safety check with a reason) or handled, never a crash; and the
memory used stays bounded whatever the file's size.

Every file is made by the real qemu-img or written byte by byte here.
"""

import os
import resource
import shutil
import struct
import subprocess
import sys
import textwrap

import testtools

from osc_imagetools.imagefile import convert
from osc_imagetools.imagefile import hashing
from osc_imagetools.imagefile import inspect
from tests.unit.imagefile.corpus import checks
from tests.unit.imagefile.corpus import Corpus
from tests.unit.imagefile.corpus import MiB

GiB = 1024 * MiB


class TestMaliciousImages(testtools.TestCase):

    def setUp(self):
        super().setUp()
        self.corpus = self.useFixture(Corpus())

    def test_vmdk_flat_extent_pointing_at_a_host_file(self):
        # a hand-made descriptor: "my data is /etc/shadow"; qemu-img would
        # happily read the host file through it
        path = self.corpus.write('flat.vmdk', textwrap.dedent('''\
            # Disk DescriptorFile
            version=1
            CID=fffffffe
            parentCID=ffffffff
            createType="monolithicFlat"

            # Extent description
            RW 2048 FLAT "/etc/shadow" 0

            # The Disk Data Base
            #DDB
            ddb.virtualHWVersion = "4"
            ''').encode())
        info = inspect.inspect_file(path)
        self.assertEqual('vmdk', info.format)
        self.assertIn('descriptor', checks(info))
        self.assertFalse(info.safe)

    def test_vmdk_flat_extent_with_relative_escape(self):
        path = self.corpus.write('flat2.vmdk', (
            b'# Disk DescriptorFile\nversion=1\nCID=fffffffe\n'
            b'parentCID=ffffffff\ncreateType="vmfs"\n\n'
            b'RW 2048 VMFS "../../../../etc/passwd"\n'))
        info = inspect.inspect_file(path)
        self.assertEqual('vmdk', info.format)
        self.assertIn('descriptor', checks(info))

    def test_qcow2_extended_l2_is_refused(self):
        # extended L2 entries are an incompatible feature the inspector
        # does not parse: refused rather than misread
        path = self.corpus.create('el2.qcow2', 'qcow2',
                                  options='extended_l2=on')
        info = inspect.inspect_file(path)
        self.assertEqual('qcow2', info.format)
        self.assertEqual(16 * MiB, info.virtual_size)
        self.assertEqual({'unknown_features', 'extended_l2'}, checks(info))
        # the refusal says why and how to fix it
        message = [str(f) for f in info.failures
                   if f.check == 'extended_l2'][0]
        self.assertIn('extended_l2=on', message)
        self.assertIn('qemu-img convert -f qcow2 -O qcow2', message)

    def _iso_with_gpt(self, name):
        blocks = 64
        data = bytearray(blocks * 2048)
        pvd = 16 * 2048
        data[pvd:pvd + 7] = b'\x01CD001\x01'
        data[pvd + 80:pvd + 88] = (struct.pack('<I', blocks)
                                   + struct.pack('>I', blocks))
        data[pvd + 128:pvd + 132] = (struct.pack('<H', 2048)
                                     + struct.pack('>H', 2048))
        # protective MBR (type 0xEE) and a GPT header at LBA 1, as hybrid
        # installer ISOs carry
        data[446:462] = struct.pack('<B3BB3BII', 0, 0, 2, 0, 0xEE, 0xff,
                                    0xff, 0xff, 1, blocks * 4 - 1)
        data[510:512] = b'\x55\xaa'
        data[512:520] = b'EFI PART'
        return self.corpus.write(name, bytes(data)), data

    def test_iso_gpt_hybrid_is_an_iso(self):
        path, _ = self._iso_with_gpt('hybrid-gpt.iso')
        info = inspect.inspect_file(path)
        self.assertEqual(('iso', 'iso'), (info.format, info.detected))
        self.assertTrue(info.safe, info)
        self.assertTrue(info.notes)

    def test_qcow2_iso_polyglot_is_refused(self):
        # a qcow2 whose bytes at 32 KiB also make an ISO volume descriptor
        _, iso = self._iso_with_gpt('src.iso')
        with open(self.corpus.path('qcow2'), 'rb') as f:
            data = bytearray(f.read())
        pvd = 16 * 2048
        data[pvd:pvd + 2048] = iso[pvd:pvd + 2048]
        info = inspect.inspect_file(self.corpus.write('qcow2-iso.img', data))
        self.assertIn('multiple_formats', checks(info))
        self.assertIn('iso, qcow2', str(info.failures[0]))

    def _qcow2_claiming(self, name, size):
        path = self.corpus.join(name)
        shutil.copy(self.corpus.create('base.qcow2', 'qcow2'), path)
        with open(path, 'r+b') as f:
            f.seek(24)  # qcow2 header: size, big-endian u64
            f.write(struct.pack('>Q', size))
        return path

    def test_header_claiming_2_to_60_bytes(self):
        # the inspector reports the claim as is; qemu-img check (run by
        # prepare on every qcow2) refuses the file
        path = self._qcow2_claiming('huge.qcow2', 2 ** 60)
        info = inspect.inspect_file(path)
        self.assertEqual(2 ** 60, info.virtual_size)
        self.assertLess(info.actual_size, MiB)
        problems = convert.check(info)
        self.assertTrue(problems)
        self.assertIn('too big', ' '.join(problems))

    def test_header_claiming_more_than_qemu_can_address(self):
        path = self._qcow2_claiming('huger.qcow2', 2 ** 64 - 1)
        info = inspect.inspect_file(path)
        self.assertIn('virtual_size', checks(info))
        self.assertFalse(info.safe)
        self.assertTrue(convert.check(info))

    def test_zero_length_file(self):
        path = self.corpus.write('zero.qcow2', b'')
        info = inspect.inspect_file(path)
        self.assertEqual({'empty'}, checks(info))
        self.assertEqual([], convert.check(info))  # raw: nothing to check
        self.assertEqual(0, hashing.hash_file(path).size)

    def test_header_only_fragments(self):
        # the first bytes of real headers, cut short: no crash
        for src in ('qcow2', 'vmdk', 'vhdx', 'vdi', 'vpc'):
            with open(self.corpus.path(src), 'rb') as f:
                head = f.read(4096)
            for cut in (1, 4, 8, 31, 64, 511, 4096):
                info = inspect.inspect_file(self.corpus.write(
                    '%s-%d' % (src, cut), head[:cut]))
                self.assertIsInstance(info, inspect.ImageInfo)


# Run in a child process whose address space is capped: reading the whole
# 2 GiB file at once (or even a quarter of it) cannot succeed there.
CHILD = '''
import resource, sys
limit = int(sys.argv[2])
resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
from osc_imagetools.imagefile import hashing, inspect
try:
    open(sys.argv[1], 'rb').read()
except MemoryError:
    print('read-all-failed')
info = inspect.inspect_file(sys.argv[1])
print(info.format, info.virtual_size, len(info.failures))
print(hashing.hash_file(sys.argv[1], chunk_size=1024 * 1024).size)
'''


class TestMemoryBounded(testtools.TestCase):

    LIMIT = 768 * MiB

    def test_large_sparse_file_inspected_and_hashed_in_bounded_memory(self):
        tmp = self.useFixture(Corpus()).dir
        path = os.path.join(tmp, 'sparse.raw')
        size = 2 * GiB
        with open(path, 'wb') as f:
            f.truncate(size)
        soft, hard = resource.getrlimit(resource.RLIMIT_AS)
        if hard != resource.RLIM_INFINITY and hard < self.LIMIT:
            self.skipTest('address space already capped below the test')
        proc = subprocess.run(
            [sys.executable, '-c', CHILD, path, str(self.LIMIT)],
            capture_output=True, text=True, timeout=600,
            cwd=os.path.dirname(os.path.dirname(os.path.dirname(
                os.path.abspath(__file__)))))
        self.assertEqual(0, proc.returncode, proc.stderr)
        lines = proc.stdout.split('\n')
        # the cap is real: reading it all at once fails in that process
        self.assertEqual('read-all-failed', lines[0], proc.stdout)
        self.assertEqual('raw %d 0' % size, lines[1])
        self.assertEqual(str(size), lines[2])
