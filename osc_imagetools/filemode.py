"""The mode of the files the project writes.

Every file is written to a temporary file (``tempfile.mkstemp``, mode
0600) and renamed into place, so a reader never sees half a file; its mode
is then set to what a new file gets under the process umask (0666 minus
the umask), as ``cp`` or ``qemu-img`` writing in place would give it.
"""

import os


def umask():
    """The process umask (read by setting it: there is no getter)."""
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def honour_umask(path):
    """Give ``path`` the mode a new file gets: 0666 minus the umask."""
    os.chmod(path, 0o666 & ~umask())
