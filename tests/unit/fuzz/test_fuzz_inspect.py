"""Fuzzing the inspection wrapper (``imagefile.inspect.inspect_file``) on
random bytes and on real qemu-img headers with bytes flipped, overwritten,
cut or inserted: an ImageInfo every time (unsafe files carry failures),
never an exception."""

import functools
import os
import shutil
import subprocess
import tempfile

from hypothesis import given
from hypothesis import strategies as st
import testtools

from osc_imagetools.imagefile import inspect

FORMATS = ('qcow2', 'vmdk', 'vdi', 'vpc', 'vhdx', 'qed')
HEAD = 64 * 1024


@functools.lru_cache()
def _headers():
    """The first 64 KiB of a small image of each format, made by qemu-img
    (empty images: the metadata is all there is)."""
    if not shutil.which('qemu-img'):
        return {}
    tmp = tempfile.mkdtemp()
    try:
        out = {}
        for fmt in FORMATS:
            path = os.path.join(tmp, 'x.' + fmt)
            subprocess.check_call(['qemu-img', 'create', '-q', '-f', fmt,
                                   path, '16M'])
            with open(path, 'rb') as f:
                out[fmt] = f.read(HEAD)
        return out
    finally:
        shutil.rmtree(tmp)


class TestInspectFuzz(testtools.TestCase):

    def setUp(self):
        super().setUp()
        if not _headers():
            self.skipTest('qemu-img not installed')
        fd, self.path = tempfile.mkstemp(suffix='.img')
        os.close(fd)
        self.addCleanup(os.unlink, self.path)

    def inspect(self, data):
        with open(self.path, 'wb') as f:
            f.write(data)
        info = inspect.inspect_file(self.path, chunk_size=4096)
        self.assertEqual(len(data), info.actual_size)
        self.assertGreaterEqual(info.virtual_size, 0)
        self.assertIn(info.format, set(inspect.DISK_FORMATS.values()))
        for failure in info.failures:
            self.assertIsInstance(str(failure), str)
        return info

    @given(st.binary(max_size=2048))
    def test_random_bytes(self, data):
        self.inspect(data)

    @given(st.sampled_from(FORMATS), st.data())
    def test_mutated_headers(self, fmt, d):
        data = bytearray(_headers()[fmt])
        # most of the parsed fields are in the first 512 bytes (and the
        # VHD footer copy at 0); mutate there more often
        hot = st.integers(0, 511) | st.integers(0, len(data) - 1)
        for _ in range(d.draw(st.integers(1, 8))):
            op = d.draw(st.sampled_from(['flip', 'set', 'word', 'cut',
                                         'insert']))
            at = d.draw(hot)
            if at >= len(data):
                break
            if op == 'flip':
                data[at] ^= 1 << d.draw(st.integers(0, 7))
            elif op == 'set':
                data[at] = d.draw(st.sampled_from([0, 1, 0x7f, 0x80, 0xff]))
            elif op == 'word':
                word = d.draw(st.sampled_from(
                    [b'\xff' * 8, b'\x00' * 8, b'\x7f' + b'\xff' * 7,
                     b'\x00\x00\x00\x00\x00\x00\x02\x00',
                     b'\x80' + b'\x00' * 7]))
                data[at:at + 8] = word
            elif op == 'cut':
                del data[at:]
            else:
                data[at:at] = d.draw(st.binary(min_size=1, max_size=64))
        self.inspect(bytes(data))
