"""imagefile.convert: the real qemu-img convert and check."""

import os
import subprocess

import fixtures
import testtools

from osc_imagetools.imagefile import convert
from osc_imagetools.imagefile import inspect
from tests.unit.imagefile import corpus as corpus_mod


def same_content(a, fmt_a, b, fmt_b):
    """``qemu-img compare``: the guest sees the same disk in both."""
    return subprocess.call(
        ['qemu-img', 'compare', '-q', '-f', fmt_a, '-F', fmt_b, a, b]) == 0


class TestConvert(testtools.TestCase):

    def setUp(self):
        super().setUp()
        self.corpus = self.useFixture(corpus_mod.Corpus())

    def test_default_output(self):
        self.assertEqual('/d/disk.qcow2',
                         convert.default_output('/d/disk.vmdk', 'qcow2'))
        self.assertEqual('/d/disk.vhd',
                         convert.default_output('/d/disk.img', 'vhd'))
        self.assertEqual('disk.raw', convert.default_output('disk', 'raw'))

    def test_vmdk_to_qcow2(self):
        source = inspect.inspect_file(self.corpus.path('vmdk'))
        out = self.corpus.join('out.qcow2')
        self.assertEqual(out, convert.convert(source, 'qcow2', out))
        result = inspect.inspect_file(out)
        self.assertEqual('qcow2', result.format)
        self.assertEqual(source.virtual_size, result.virtual_size)
        self.assertTrue(result.safe)
        self.assertTrue(same_content(source.path, 'vmdk', out, 'qcow2'))

    def test_raw_to_every_target(self):
        source = inspect.inspect_file(self.corpus.path('raw'))
        for target in convert.TARGETS:
            out = self.corpus.join('every.' + target)
            convert.convert(source, target, out)
            result = inspect.inspect_file(out)
            self.assertEqual(target, result.format, target)
            self.assertTrue(result.safe, result)
            self.assertTrue(same_content(source.path, 'raw', out,
                                         result.qemu_format), target)

    def test_vhd_is_vpc_for_qemu_img(self):
        source = inspect.inspect_file(self.corpus.path('vpc'))
        self.assertEqual('vpc', source.qemu_format)
        out = self.corpus.join('from-vhd.qcow2')
        convert.convert(source, 'qcow2', out)
        self.assertTrue(same_content(source.path, 'vpc', out, 'qcow2'))

    def test_failure_leaves_nothing_behind(self):
        # the vpc format cannot hold more than 2040 GiB: qemu-img fails
        huge = self.corpus.create('huge.qcow2', 'qcow2', '3T')
        before = set(os.listdir(self.corpus.dir))
        out = self.corpus.join('huge.vhd')
        exc = self.assertRaises(convert.ConvertError, convert.convert,
                                inspect.inspect_file(huge), 'vhd', out)
        self.assertIn('qemu-img convert failed', str(exc))
        self.assertIn('too large', str(exc))
        self.assertEqual(before, set(os.listdir(self.corpus.dir)))

    def test_unknown_target(self):
        source = inspect.inspect_file(self.corpus.path('raw'))
        exc = self.assertRaises(convert.ConvertError, convert.convert,
                                source, 'qed', self.corpus.join('x.qed'))
        self.assertIn('cannot convert to qed', str(exc))

    def test_missing_qemu_img_names_the_package(self):
        source = inspect.inspect_file(self.corpus.path('raw'))
        self.useFixture(fixtures.EnvironmentVariable('PATH', '/nonexistent'))
        exc = self.assertRaises(convert.ConvertError, convert.convert,
                                source, 'qcow2', self.corpus.join('x.qcow2'))
        self.assertIn('qemu-utils', str(exc))
        self.assertFalse(os.path.exists(self.corpus.join('x.qcow2')))


class TestCheck(testtools.TestCase):

    def setUp(self):
        super().setUp()
        self.corpus = self.useFixture(corpus_mod.Corpus())

    def test_clean_images(self):
        for name in ('qcow2', 'vmdk', 'vmdk_stream', 'vdi', 'vhdx'):
            info = inspect.inspect_file(self.corpus.path(name))
            self.assertEqual([], convert.check(info), name)

    def test_formats_without_checker(self):
        for name in ('raw', 'vpc'):
            info = inspect.inspect_file(self.corpus.path(name))
            self.assertNotIn(info.format, convert.CHECKABLE)
            self.assertEqual([], convert.check(info))

    def test_truncated_qcow2(self):
        info = inspect.inspect_file(self.corpus.path('truncated'))
        # the header is intact: the inspector alone cannot tell
        self.assertTrue(info.safe)
        problems = convert.check(info)
        self.assertEqual(1, len(problems))
        self.assertIn('corruption', problems[0])
