"""One progress display for every long step of ``image prepare``.

Each step that has a byte count (qemu-img check is not one; convert, hash,
upload are) shows one line::

    upload   ━━━━━━━━━━━━━━━━━━━━╺━━━━━━━━━  1.2/2.0 GiB  85.3 MB/s  0:00:09

(step name, bar, bytes done/total, rate, time left), redrawn in place and
cleared when the step ends. A step without a byte count (inspect, qemu-img
check, the guest checks, waiting for Glance's import task) shows one
status line (a spinner and what is being done) until it ends.

Drawn with `rich <https://github.com/Textualize/rich>`_ (already installed
with cliff, through cmd2): a maintained library that handles line clearing,
terminal width, rate and ETA. It is imported only when a display is shown
(a terminal and no ``--no-progress``), so it costs nothing to the start-up
of ``openstack`` nor to a run on a pipe. A disabled :class:`Display` does
nothing at all.
"""

import contextlib
import time


def isatty(stream):
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


class _Null:
    """What a disabled display hands out: callables that do nothing."""

    def __call__(self, done, total=None):
        pass

    def update(self, text):
        pass


class Display:
    """The display of one command run on ``stream`` (stderr).

    ``enabled`` False (a pipe, ``--no-progress``): every method is a no-op.
    """

    def __init__(self, stream, enabled):
        self.stream = stream
        self.enabled = enabled
        self._console = None

    @classmethod
    def for_stream(cls, stream, no_progress=False):
        return cls(stream, not no_progress and isatty(stream))

    def _get_console(self):
        if self._console is None:
            from rich import console

            self._console = console.Console(file=self.stream,
                                            stderr=True, highlight=False)
        return self._console

    @contextlib.contextmanager
    def bar(self, step, total):
        """``with display.bar('hash', size) as update: update(done)``;
        ``update(done, total)`` may also change the total."""
        if not self.enabled:
            yield _Null()
            return
        from rich import progress

        bar = progress.Progress(
            progress.TextColumn('{task.description:<8}'),
            progress.BarColumn(),
            progress.DownloadColumn(binary_units=True),
            progress.TransferSpeedColumn(),
            progress.TimeRemainingColumn(),
            console=self._get_console(), transient=True,
            refresh_per_second=5)
        task = bar.add_task(step, total=total)

        def update(done, new_total=None):
            if new_total is not None:
                bar.update(task, completed=done, total=new_total)
            else:
                bar.update(task, completed=done)

        with bar:
            yield update

    @contextlib.contextmanager
    def status(self, step, text):
        """A one-line status (spinner, step name, ``text``) for a step
        without a byte count; ``update(text)`` changes the text."""
        if not self.enabled:
            yield _Null()
            return
        line = '%-8s %s' % (step, text)
        with self._get_console().status(line, spinner='line') as st:
            yield _Status(st, step)


class _Status:

    def __init__(self, status, step):
        self._status = status
        self._step = step

    def update(self, text):
        self._status.update('%-8s %s' % (self._step, text))


class Timer:
    """``with Timer() as t: ...``; ``t.seconds`` afterwards (for the
    ``--debug`` lines that time each external command)."""

    def __enter__(self):
        self._t0 = time.monotonic()
        self.seconds = 0.0
        return self

    def __exit__(self, *exc):
        self.seconds = time.monotonic() - self._t0
