"""imagefile.inspect against disk images made by the real qemu-img."""

import os

import fixtures
import testtools

from osc_imagetools.imagefile import inspect
from tests.unit.imagefile import corpus as corpus_mod


class TestInspectFormats(testtools.TestCase):

    def setUp(self):
        super().setUp()
        self.corpus = self.useFixture(corpus_mod.Corpus())

    def assertSafe(self, info):
        self.assertEqual((), info.failures, info)
        self.assertTrue(info.safe)

    def test_formats_and_virtual_sizes_agree_with_qemu_img(self):
        cases = {'qcow2': ('qcow2', 'qcow2'), 'vmdk': ('vmdk', 'vmdk'),
                 'vmdk_stream': ('vmdk', 'vmdk'), 'vdi': ('vdi', 'vdi'),
                 'vpc': ('vhd', 'vpc'), 'vhdx': ('vhdx', 'vhdx')}
        for name, (disk_format, qemu_format) in cases.items():
            path = self.corpus.path(name)
            info = inspect.inspect_file(path)
            qemu = corpus_mod.qemu_info(path, qemu_format)
            self.assertEqual(disk_format, info.format, name)
            self.assertEqual(qemu_format, info.qemu_format, name)
            self.assertEqual(qemu['virtual-size'], info.virtual_size, name)
            self.assertEqual(os.path.getsize(path), info.actual_size, name)
            self.assertSafe(info)

    def test_raw_virtual_size_is_the_file_size(self):
        path = self.corpus.path('raw')
        info = inspect.inspect_file(path)
        self.assertEqual(('raw', 'raw'), (info.format, info.detected))
        self.assertEqual(os.path.getsize(path), info.virtual_size)
        self.assertSafe(info)
        self.assertEqual((), info.notes)

    def test_raw_of_odd_size_gets_a_note(self):
        path = self.corpus.join('odd.img')
        with open(path, 'wb') as f:
            f.write(b'\1' * 1000)
        info = inspect.inspect_file(path)
        self.assertEqual('raw', info.format)
        self.assertIn('not a multiple of 512', info.notes[0])

    def test_partitioned_disk_is_raw(self):
        info = inspect.inspect_file(self.corpus.path('gpt'))
        self.assertEqual(('raw', 'gpt'), (info.format, info.detected))
        self.assertEqual(8 * 1024 * 1024, info.virtual_size)
        self.assertSafe(info)

    def test_iso(self):
        info = inspect.inspect_file(self.corpus.path('iso'))
        self.assertEqual(('iso', 'iso'), (info.format, info.detected))
        self.assertEqual(32 * 2048, info.virtual_size)
        self.assertSafe(info)

    def test_bootable_iso_with_partition_table_is_an_iso(self):
        info = inspect.inspect_file(self.corpus.path('iso_gpt'))
        self.assertEqual('iso', info.format)
        self.assertSafe(info)
        self.assertIn('treated as iso', info.notes[0])

    def test_qcow2_declared_raw_is_detected(self):
        info = inspect.inspect_file(self.corpus.path('qcow2_as_raw'))
        self.assertEqual('qcow2', info.format)
        message = inspect.declared_mismatch(info, 'raw')
        self.assertIn('disk_format raw', message)
        self.assertIn('is qcow2', message)


class TestInspectUnsafe(testtools.TestCase):

    def setUp(self):
        super().setUp()
        self.corpus = self.useFixture(corpus_mod.Corpus())
        # the inspector logs every failed check; the failures are asserted
        self.useFixture(fixtures.FakeLogger())

    def checks(self, name):
        info = inspect.inspect_file(self.corpus.path(name))
        self.assertFalse(info.safe)
        return info, {f.check for f in info.failures}

    def test_backing_file(self):
        info, checks = self.checks('backing')
        self.assertEqual('qcow2', info.format)
        self.assertEqual({'backing_file'}, checks)

    def test_data_file(self):
        _info, checks = self.checks('data_file')
        self.assertEqual({'data_file'}, checks)

    def test_qed_is_banned(self):
        info, checks = self.checks('qed')
        self.assertEqual('qed', info.format)
        self.assertEqual({'banned'}, checks)
        # the inspector has no QED size parser: no made-up size
        self.assertEqual(0, info.virtual_size)

    def test_polyglot(self):
        info, checks = self.checks('polyglot')
        self.assertEqual({'multiple_formats'}, checks)
        self.assertIn('gpt, qcow2', str(info.failures[0]))

    def test_empty_file(self):
        info, checks = self.checks('empty')
        self.assertEqual({'empty'}, checks)

    def test_unknown_qcow2_feature(self):
        path = self.corpus.join('future.qcow2')
        with open(self.corpus.path('qcow2'), 'rb') as f:
            data = bytearray(f.read())
        data[72 + 7] |= 0x80  # an incompatible feature bit nobody knows
        with open(path, 'wb') as f:
            f.write(data)
        info = inspect.inspect_file(path)
        self.assertIn('unknown_features', {f.check for f in info.failures})

    def test_vmdk_descriptor_with_extent_path(self):
        # a VMDK whose descriptor points at another file (the attack the
        # descriptor check exists for)
        path = self.corpus.join('evil.vmdk')
        with open(self.corpus.path('vmdk'), 'rb') as f:
            data = bytearray(f.read())
        start = data.index(b'RW ')
        end = data.index(b'\n', start)
        line = b'RW 8192 SPARSE "/etc/passwd"'
        data[start:end] = line.ljust(end - start)
        with open(path, 'wb') as f:
            f.write(data)
        info = inspect.inspect_file(path)
        self.assertIn('descriptor', {f.check for f in info.failures})


class TestInspectErrors(testtools.TestCase):

    def test_missing_file(self):
        exc = self.assertRaises(inspect.InspectError, inspect.inspect_file,
                                '/nonexistent/disk.img')
        self.assertIn('/nonexistent/disk.img', str(exc))

    def test_directory(self):
        exc = self.assertRaises(inspect.InspectError, inspect.inspect_file,
                                '/')
        self.assertIn('not a regular file', str(exc))


class TestDeclaredMismatch(testtools.TestCase):

    def info(self, fmt, detected=None):
        return inspect.ImageInfo('/x/disk', fmt, detected or fmt, 1, 1)

    def test_agreement(self):
        self.assertIsNone(inspect.declared_mismatch(self.info('qcow2'),
                                                    'qcow2'))
        self.assertIsNone(inspect.declared_mismatch(self.info('qcow2'), None))

    def test_partitioned_raw_declared_raw(self):
        self.assertIsNone(inspect.declared_mismatch(
            self.info('raw', 'gpt'), 'raw'))

    def test_uninspectable_formats_accept_raw_content(self):
        for declared in ('ami', 'aki', 'ari', 'ploop'):
            self.assertIsNone(inspect.declared_mismatch(self.info('raw'),
                                                        declared))

    def test_mismatches(self):
        for fmt, declared in (('qcow2', 'raw'), ('raw', 'qcow2'),
                              ('vmdk', 'vhd'), ('qcow2', 'ami'),
                              ('raw', 'iso')):
            message = inspect.declared_mismatch(self.info(fmt), declared)
            self.assertIn('disk_format %s' % declared, message)
            self.assertIn('is %s' % fmt, message)
