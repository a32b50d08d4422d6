"""imagefile.hashing: one read, the same digests as hashlib and coreutils."""

import hashlib
import os
import subprocess

import fixtures
import testtools

from osc_imagetools.imagefile import hashing


class TestHashing(testtools.TestCase):

    def setUp(self):
        super().setUp()
        self.dir = self.useFixture(fixtures.TempDir()).path

    def make(self, data, name='f.bin'):
        path = os.path.join(self.dir, name)
        with open(path, 'wb') as f:
            f.write(data)
        return path

    def expected(self, data):
        return hashing.Hashes(hashlib.md5(data).hexdigest(),
                              hashlib.sha512(data).hexdigest(), len(data))

    def test_hash_file_matches_coreutils(self):
        path = self.make(os.urandom(3 * hashing.CHUNK_SIZE + 12345))
        result = hashing.hash_file(path)
        md5 = subprocess.check_output(['md5sum', path], text=True).split()[0]
        sha = subprocess.check_output(['sha512sum', path],
                                      text=True).split()[0]
        self.assertEqual((md5, sha), (result.md5, result.sha512))
        self.assertEqual(os.path.getsize(path), result.size)

    def test_chunk_sizes_and_edges(self):
        for size in (0, 1, 511, 4096, 20001):
            data = os.urandom(size)
            path = self.make(data, 'f%d' % size)
            for chunk in (7, 4096, 1 << 20):
                self.assertEqual(self.expected(data), hashing.hash_file(
                    path, chunk_size=chunk), (size, chunk))

    def test_progress(self):
        path = self.make(b'x' * 10000)
        calls = []
        hashing.hash_file(path, lambda d, t: calls.append((d, t)),
                          chunk_size=4096)
        self.assertEqual([(4096, 10000), (8192, 10000), (10000, 10000)],
                         calls)


class TestHashingBody(testtools.TestCase):

    def setUp(self):
        super().setUp()
        self.dir = self.useFixture(fixtures.TempDir()).path
        self.data = os.urandom(100000)
        self.path = os.path.join(self.dir, 'body.bin')
        with open(self.path, 'wb') as f:
            f.write(self.data)

    def test_streams_the_file_and_hashes_what_was_sent(self):
        calls = []
        body = hashing.HashingBody(self.path, lambda d, t: calls.append(d),
                                   chunk_size=30000)
        self.assertEqual(len(self.data), len(body))
        chunks = list(body)
        self.assertEqual([30000, 30000, 30000, 10000],
                         [len(c) for c in chunks])
        self.assertEqual(self.data, b''.join(chunks))
        self.assertEqual(hashlib.md5(self.data).hexdigest(), body.hashes.md5)
        self.assertEqual(hashlib.sha512(self.data).hexdigest(),
                         body.hashes.sha512)
        self.assertEqual(len(self.data), body.sent)
        self.assertEqual(len(self.data), calls[-1])

    def test_without_hashing(self):
        body = hashing.HashingBody(self.path, hash=False)
        self.assertEqual(self.data, b''.join(body))
        self.assertIsNone(body.hashes)

    def test_second_iteration_refused(self):
        body = hashing.HashingBody(self.path)
        list(body)
        self.assertRaises(RuntimeError, list, body)

    def test_never_sends_more_than_announced(self):
        body = hashing.HashingBody(self.path, chunk_size=65536)
        it = iter(body)
        first = next(it)
        with open(self.path, 'ab') as f:
            f.write(b'grown')
        rest = b''.join(it)
        self.assertEqual(self.data, first + rest)

    def test_shrinking_file_is_an_error(self):
        body = hashing.HashingBody(self.path, chunk_size=65536)
        it = iter(body)
        next(it)
        os.truncate(self.path, 70000)
        exc = self.assertRaises(OSError, list, it)
        self.assertIn('shrank', str(exc))
