"""The progress display, qemu-img's progress parsing, the quiet library
logs and the mode of written files (what a terminal shows is asserted
through the real CLI in tests/functional/test_prepare_cli.py)."""

import io
import logging
import os

import fixtures
import testtools

from osc_imagetools.imagefile import convert
from osc_imagetools.imagefile import inspect
from osc_imagetools import plugin
from osc_imagetools import progress


class FakeTTY(io.StringIO):

    def isatty(self):
        return True


class TestDisplay(testtools.TestCase):

    def test_disabled_on_a_pipe_and_with_no_progress(self):
        self.assertFalse(progress.Display.for_stream(io.StringIO()).enabled)
        self.assertFalse(progress.Display.for_stream(FakeTTY(), True).enabled)
        self.assertTrue(progress.Display.for_stream(FakeTTY()).enabled)
        stream = io.StringIO()
        display = progress.Display(stream, False)
        with display.bar('hash', 10) as update:
            update(5)
            update(10, 10)
        with display.status('check', 'x') as st:
            st.update('y')
        self.assertEqual('', stream.getvalue())

    def test_bar_and_status_on_a_terminal(self):
        self.useFixture(fixtures.EnvironmentVariable('COLUMNS', '100'))
        stream = FakeTTY()
        display = progress.Display.for_stream(stream)
        with display.bar('upload', 4 * 1024 * 1024) as update:
            update(2 * 1024 * 1024)
        with display.status('import', 'waiting') as st:
            st.update('waiting (image importing)')
        text = stream.getvalue()
        self.assertIn('upload', text)
        self.assertIn('/4.0 MiB', text)
        self.assertIn('import   waiting', text)
        # transient: each line is cleared at the end of its step
        self.assertIn('\x1b[2K', text)


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


class TestQuietLibraryLogs(testtools.TestCase):

    def record(self, name, msg, level=logging.WARNING):
        return logging.LogRecord(name, level, __file__, 1, msg, None, None)

    def test_filter(self):
        f = plugin.QuietLibraryLogs()
        for name, msg in (
                ('oslo_utils.imageutils.format_inspector',
                 'Safety check backing_file on qcow2 failed because x'),
                ('oslo_utils.imageutils.format_inspector',
                 'VMDK descriptor failed to decode as ASCII'),
                ('keystoneauth.session',
                 'Failure: x. Retrying in 0.5s. 2 retries left'),
                ('keystoneauth.session',
                 'Retriable status code 503. Retrying in 0.0s.')):
            self.assertFalse(f.filter(self.record(name, msg)), msg)
        for name, msg in (('keystoneauth.session', 'something else'),
                          ('osc_imagetools.v1.prepare', 'Retrying in')):
            self.assertTrue(f.filter(self.record(name, msg)), msg)

    def test_installed_unless_debug(self):
        handler = logging.StreamHandler(io.StringIO())
        root = logging.getLogger()
        root.addHandler(handler)
        self.addCleanup(root.removeHandler, handler)

        class App:
            class options:
                debug = True
        plugin.quiet_library_logs(App)
        self.assertEqual([], handler.filters)
        App.options.debug = False
        plugin.quiet_library_logs(App)
        plugin.quiet_library_logs(App)
        self.assertEqual(1, len(handler.filters))
