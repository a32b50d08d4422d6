"""imagefile.convert: the real qemu-img convert and check."""

import logging
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


class TestConvertProgress(testtools.TestCase):

    def setUp(self):
        super().setUp()
        self.tmp = self.useFixture(fixtures.TempDir()).path

    def source(self):
        path = os.path.join(self.tmp, 'src.raw')
        with open(path, 'wb') as f:
            f.write(os.urandom(8 * 1024 * 1024))
        return inspect.inspect_file(path)

    def test_qemu_img_percentages_become_fractions(self):
        seen = []
        out = os.path.join(self.tmp, 'out.qcow2')
        convert.convert(self.source(), 'qcow2', out, progress=seen.append)
        self.assertTrue(seen)
        self.assertEqual(1.0, seen[-1])
        self.assertEqual(sorted(seen), seen)
        self.assertTrue(all(0.0 <= f <= 1.0 for f in seen))

    def test_output_mode_follows_the_umask(self):
        src = self.source()
        for mask, mode in ((0o022, 0o644), (0o077, 0o600), (0o002, 0o664)):
            old = os.umask(mask)
            try:
                out = os.path.join(self.tmp, 'm%o.qcow2' % mask)
                convert.convert(src, 'qcow2', out)
            finally:
                os.umask(old)
            self.assertEqual(mode, os.stat(out).st_mode & 0o777, oct(mask))

    def test_failure_is_one_line_and_leaves_nothing(self):
        src = self.source()
        out = os.path.join(self.tmp, 'x.qcow2')
        self.useFixture(fixtures.MonkeyPatch(
            'osc_imagetools.imagefile.convert.qemu_img',
            lambda: '/bin/false'))
        exc = self.assertRaises(convert.ConvertError, convert.convert, src,
                                'qcow2', out, progress=lambda f: None)
        self.assertIn('qemu-img convert failed', str(exc))
        self.assertEqual(['src.raw'], os.listdir(self.tmp))

    def test_debug_log_names_the_command_and_its_duration(self):
        log = self.useFixture(fixtures.FakeLogger(
            name='osc_imagetools', level=logging.DEBUG))
        convert.convert(self.source(), 'vmdk',
                        os.path.join(self.tmp, 'o.vmdk'))
        self.assertRegex(log.output, r'running: \S*qemu-img convert -f raw '
                         r'-O vmdk \S+src.raw \S+\.part\n')
        self.assertRegex(log.output, r'qemu-img convert: exit 0 after '
                         r'\d+\.\d\d s')
