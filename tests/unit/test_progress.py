"""The progress display (what a terminal shows is asserted through the real
CLI in tests/functional/test_prepare_cli.py)."""

import io

import fixtures
import testtools

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
