"""qemu-img: conversion and integrity checks.

``qemu-img`` is the field tool for both; it is only ever run on files whose
format was established by :mod:`.inspect` and that passed its safety checks,
and always with the source format given (``-f``), so qemu-img never probes
a file or follows a backing file of its own choosing.
"""

import json
import os
import re
import shutil
import subprocess
import tempfile

from osc_imagetools import commandlog
from osc_imagetools import constants
from osc_imagetools import errors
from osc_imagetools import filemode
from osc_imagetools.imagefile import inspect

PACKAGE_HINT = 'install the qemu-utils package (qemu-img in RPM distributions)'

# the Glance disk formats qemu-img convert writes here; each is also the
# file name extension of a converted file
TARGETS = constants.CONVERT_TARGETS

# formats ``qemu-img check`` knows (it refuses raw, vpc and iso)
CHECKABLE = frozenset({'qcow2', 'vmdk', 'vdi', 'vhdx', 'qed'})

# qemu-img convert -p writes "    (39.75/100%)\r" to its stdout
PERCENT = re.compile(rb'\((\d+(?:\.\d+)?)/100%\)')


class ConvertError(errors.OperationError):
    """qemu-img is missing or failed; one line."""


def qemu_img():
    path = shutil.which('qemu-img')
    if not path:
        raise ConvertError('qemu-img not found: %s' % PACKAGE_HINT)
    return path


def default_output(source, target):
    """``disk.vmdk`` -> ``disk.qcow2``, beside the input."""
    stem, _ext = os.path.splitext(source)
    return '%s.%s' % (stem, target)


def _last_line(text):
    lines = [ln.strip() for ln in (text or '').splitlines() if ln.strip()]
    return lines[-1] if lines else 'no error message'


def _run_with_progress(argv, progress):
    """Run qemu-img convert -p; its percentages become
    ``progress(fraction)`` calls. Returns ``(returncode, stderr)``."""
    with tempfile.TemporaryFile() as err:
        proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL,
                                stdout=subprocess.PIPE, stderr=err)
        try:
            while True:
                data = proc.stdout.read1(4096)
                if not data:
                    break
                found = PERCENT.findall(data)
                if found:
                    progress(float(found[-1]) / 100.0)
            proc.wait()
        except BaseException:
            proc.kill()
            proc.wait()
            raise
        finally:
            proc.stdout.close()
        err.seek(0)
        return proc.returncode, err.read().decode('utf-8', 'replace')


def convert(info, target, output, progress=None):
    """Convert the inspected file ``info`` (an :class:`inspect.ImageInfo`)
    to ``target`` (a Glance disk_format) at ``output``.

    The result is written to a temporary file in the output's directory and
    renamed over ``output`` only when qemu-img succeeded: an interrupted or
    failed conversion leaves nothing behind. The output gets the mode a new
    file gets under the umask. ``progress(fraction)``: called with
    qemu-img's own progress (``-p``, 0.0 to 1.0), or None. Returns
    ``output``.
    """
    if target not in TARGETS:
        raise ConvertError('cannot convert to %s (choose from %s)'
                           % (target, ', '.join(TARGETS)))
    qemu = inspect.QEMU_FORMATS.get(target, target)
    outdir = os.path.dirname(os.path.abspath(output))
    fd, tmp = tempfile.mkstemp(prefix='.%s.' % os.path.basename(output),
                               suffix='.part', dir=outdir)
    os.close(fd)
    argv = [qemu_img(), 'convert', '-f', info.qemu_format, '-O', qemu]
    if progress is not None:
        argv.append('-p')
    argv += [info.path, tmp]
    try:
        started = commandlog.log_command(argv)
        if progress is not None:
            returncode, stderr = _run_with_progress(argv, progress)
        else:
            proc = subprocess.run(argv, stdin=subprocess.DEVNULL,
                                  stdout=subprocess.DEVNULL,
                                  stderr=subprocess.PIPE, text=True)
            returncode, stderr = proc.returncode, proc.stderr
        commandlog.log_done(argv, started, returncode)
        if returncode:
            raise ConvertError('qemu-img convert failed: %s'
                               % _last_line(stderr))
        filemode.honour_umask(tmp)
        os.replace(tmp, output)
    except BaseException:
        # KeyboardInterrupt included: no half-written output
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise
    return output


def check(info):
    """Problems ``qemu-img check`` finds in the inspected file (corrupt or
    truncated metadata), as a list of one-line strings; empty when clean or
    when the format has no checker (raw, vhd, iso)."""
    if info.format not in CHECKABLE:
        return []
    argv = [qemu_img(), 'check', '-f', info.qemu_format, '--output=json',
            info.path]
    started = commandlog.log_command(argv)
    proc = subprocess.run(argv, stdin=subprocess.DEVNULL,
                          capture_output=True, text=True)
    commandlog.log_done(argv, started, proc.returncode)
    # exit codes: 0 clean, 1 check not completed, 2 corruptions,
    # 3 leaked clusters only (harmless wasted space), 63 not supported
    if proc.returncode in (0, 3, 63):
        return []
    try:
        report = json.loads(proc.stdout)
    except ValueError:
        report = {}
    problems = []
    if report.get('corruptions'):
        problems.append('%d corruption(s) (truncated or damaged file?)'
                        % report['corruptions'])
    if report.get('check-errors'):
        problems.append('%d check error(s)' % report['check-errors'])
    if not problems:
        problems.append(_last_line(proc.stderr))
    return problems
