"""The error model of osc-imagetools: one exception tree, one exit code each.

Every error the engines raise for the user derives from :class:`Error`; the
command base (:class:`osc_imagetools.v1.base.ExitCodeMixin`) is the one place
that turns them into a one-line message on stderr and an exit code:

* :class:`InputError` - exit 2: bad arguments, or input the user gave that
  cannot be read or is malformed (a properties file, a catalog directory, a
  flavor file), found before anything is sent to the cloud;
* :class:`OperationError` - exit 1: the work was started and failed (the
  cloud answered with an error, an image was refused, a conversion failed).

``str()`` of every error is already one line fit for stderr or a table cell.
This module imports nothing, so engines and the plugin may import it freely.
"""

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2


class Error(Exception):
    """Base of every error our commands report to the user."""

    exit_code = EXIT_FAILED


class InputError(Error, ValueError):
    """Bad arguments or unreadable/malformed input: exit code 2.

    Also a ``ValueError``, so that parsers that raised ``ValueError`` before
    this model keep their contract."""

    exit_code = EXIT_USAGE


class OperationError(Error):
    """The operation was attempted and failed: exit code 1."""

    exit_code = EXIT_FAILED


def one_line(text):
    """``text`` with every run of whitespace (newlines included) as one
    space: what a message needs before it goes to stderr or a cell."""
    return ' '.join(str(text).split())
