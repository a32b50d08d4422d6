"""The one KEY=VALUE editor of the guest checks: shell-style assignment
files (``/etc/default/grub``, ``/etc/sysconfig/*``, ``ifcfg-*``,
``/etc/ufw/ufw.conf``, FreeBSD's ``loader.conf`` and ``rc.conf``).

Written here because no field library edits these files while keeping the
guest's own lines, comments and quoting untouched (the checks change one
assignment and must leave the rest of the file as it was). An assignment
is ``[export ]KEY=VALUE`` with an optional matching pair of quotes around
VALUE and an optional trailing ``# comment``; blanks around ``=`` are
accepted (loader.conf allows them). Like the shell, the last assignment
of a key wins. Anything else (comments, blank lines, a value with an
unbalanced quote) is kept as it is and never read as an assignment.
"""

import re

LINE_RE = re.compile(
    r'^(?P<head>\s*(?:export\s+)?(?P<key>[A-Za-z_][\w.-]*)\s*=\s*)'
    r'(?P<q>["\']?)(?P<value>.*?)(?P=q)\s*(?:#.*)?$')


def _match(line):
    m = LINE_RE.match(line)
    if m and not m.group('q') and m.group('value')[:1] in ('"', "'"):
        return None  # an opening quote with no closing one
    return m


class KeyValueFile:
    """The lines of one file; read with :meth:`get`/:meth:`as_dict`, change
    with :meth:`set`/:meth:`remove`, write back :meth:`text`."""

    def __init__(self, text):
        self.lines = (text or '').splitlines()

    def assignments(self):
        """[(line index, key, value)] in file order."""
        out = []
        for n, line in enumerate(self.lines):
            m = _match(line)
            if m:
                out.append((n, m.group('key'), m.group('value')))
        return out

    def as_dict(self):
        """{key: value} (the last assignment of each key)."""
        return {k: v for _, k, v in self.assignments()}

    def get(self, key, default=None):
        return self.as_dict().get(key, default)

    def index(self, key):
        """Line index of the last assignment of ``key``, or None."""
        hits = [n for n, k, _ in self.assignments() if k == key]
        return hits[-1] if hits else None

    def set(self, key, value, quote='"'):
        """Give ``key`` the value ``value``: the last assignment is
        rewritten (its ``export``, spacing and quotes kept), or a line
        ``KEY="value"`` is appended. Returns the new line."""
        n = self.index(key)
        if n is None:
            line = '%s=%s%s%s' % (key, quote, value, quote)
            self.lines.append(line)
            return line
        m = _match(self.lines[n])
        q = m.group('q') or quote
        self.lines[n] = '%s%s%s%s' % (m.group('head'), q, value, q)
        return self.lines[n]

    def remove(self, key):
        """Drop every assignment of ``key``; returns the lines removed."""
        gone = {n for n, k, _ in self.assignments() if k == key}
        removed = [self.lines[n] for n in sorted(gone)]
        self.lines = [ln for n, ln in enumerate(self.lines) if n not in gone]
        return removed

    def text(self):
        return '\n'.join(self.lines) + '\n' if self.lines else ''


def read(root, path):
    """The :class:`KeyValueFile` of the guest file ``path`` (empty when it
    does not exist)."""
    return KeyValueFile(root.read_text(path))
