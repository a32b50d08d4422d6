"""md5 and sha512 of a file in one read pass.

Glance records ``checksum`` (md5) and ``os_hash_value`` (sha512 by default)
for every image; comparing both with local values proves the upload.

Each chunk read is handed to one thread per algorithm: hashlib releases the
GIL while hashing, so md5 and sha512 run on separate cores and the pass
costs about as much as the slower of the two. :class:`HashingBody` does the
same while a file is being uploaded, so the upload reads the file once.
"""

import concurrent.futures
import dataclasses
import hashlib
import os

ALGORITHMS = ('md5', 'sha512')
CHUNK_SIZE = 1024 * 1024


@dataclasses.dataclass(frozen=True)
class Hashes:
    md5: str
    sha512: str
    size: int


class MultiHasher:
    """Several hashlib objects fed in parallel, one worker thread each.

    :meth:`update` returns as soon as the chunk is queued; the previous
    chunk's hashing is awaited first, so at most one chunk is in flight and
    the caller may send it meanwhile (the chunk must stay unchanged until the
    next call: ``bytes`` from ``read()`` do).
    """

    def __init__(self, algorithms=ALGORITHMS):
        self._hashes = {name: hashlib.new(name) for name in algorithms}
        self._pool = concurrent.futures.ThreadPoolExecutor(
            max_workers=len(self._hashes),
            thread_name_prefix='imagetools-hash')
        self._pending = ()
        self.size = 0

    def _wait(self):
        for fut in self._pending:
            fut.result()
        self._pending = ()

    def update(self, chunk):
        self._wait()
        self.size += len(chunk)
        self._pending = [self._pool.submit(h.update, chunk)
                         for h in self._hashes.values()]

    def hexdigests(self):
        self._wait()
        return {name: h.hexdigest() for name, h in self._hashes.items()}

    def result(self):
        """The final :class:`Hashes` (md5 and sha512 must be among the
        algorithms)."""
        digests = self.hexdigests()
        return Hashes(digests['md5'], digests['sha512'], self.size)

    def close(self):
        self._wait()
        self._pool.shutdown(wait=True)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def hash_file(path, progress=None, chunk_size=CHUNK_SIZE):
    """:class:`Hashes` of the file at ``path``, read once.

    ``progress(done, total)`` is called after every chunk when given.
    """
    total = os.path.getsize(path)
    with open(path, 'rb') as f, MultiHasher() as hasher:
        while True:
            chunk = f.read(chunk_size)
            if not chunk:
                break
            hasher.update(chunk)
            if progress:
                progress(hasher.size, total)
        return hasher.result()


class HashingBody:
    """An HTTP request body that streams a file and hashes what it sends.

    Iterating yields the file in ``chunk_size`` pieces; ``len()`` is the file
    size, so requests sends a ``Content-Length`` body rather than a chunked
    one, and urllib3 writes the pieces as they come (memory stays at about
    two chunks). After the iteration, :attr:`hashes` holds the md5/sha512 of
    exactly the bytes sent. ``hash=False`` streams without hashing (the
    hashes were computed before).

    The body can be iterated once; a second iteration (a retry by the HTTP
    stack) raises rather than sending a truncated body.
    """

    def __init__(self, path, progress=None, chunk_size=CHUNK_SIZE, hash=True):
        self.path = path
        self.total = os.path.getsize(path)
        self.progress = progress
        self.chunk_size = chunk_size
        self.hash = hash
        self.hashes = None
        self.sent = 0
        self._used = False

    def __len__(self):
        return self.total

    def __iter__(self):
        if self._used:
            raise RuntimeError('the upload body of %s was already sent'
                               % self.path)
        self._used = True
        hasher = MultiHasher() if self.hash else None
        try:
            with open(self.path, 'rb') as f:
                while self.sent < self.total:
                    # never more than the Content-Length announced
                    chunk = f.read(min(self.chunk_size,
                                       self.total - self.sent))
                    if not chunk:
                        raise OSError('%s shrank while being sent (%d of %d '
                                      'bytes)' % (self.path, self.sent,
                                                  self.total))
                    if hasher:
                        # hashing runs in the workers while this chunk is
                        # being sent
                        hasher.update(chunk)
                    self.sent += len(chunk)
                    yield chunk
                    if self.progress:
                        self.progress(self.sent, self.total)
            if hasher:
                self.hashes = hasher.result()
        finally:
            if hasher:
                hasher.close()
