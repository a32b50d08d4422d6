"""What the ``image prepare`` steps found: the output row, the steps'
statuses and the checks, and the column classes that print them.

The JSON keys of ``-f json`` (:data:`FIELDS`) are a stable interface.
"""

from cliff import columns

# the output: JSON keys of ``-f json`` are a stable interface
FIELDS = ('file', 'source', 'detected_format', 'virtual_size', 'actual_size',
          'disk_format', 'container_format', 'min_disk', 'md5', 'sha512',
          'properties', 'checks', 'steps', 'image_id', 'manifest', 'guest')
STEPS = ('inspect', 'safety', 'convert', 'guest', 'properties', 'hash',
         'upload', 'manifest')


class LinesColumn(columns.FormattableColumn):
    """A list of ``{name, status, detail}`` dicts (checks also have
    ``file``: ``source``, ``output`` or ``guest tree``, or None for the
    properties): one line each in a table, the list itself in JSON/YAML."""

    KEYS = ('name', 'status', 'detail')

    def human_readable(self):
        out = []
        for item in self._value or ():
            name = item['name']
            if item.get('file'):
                name = '%s [%s]' % (name, item['file'])
            line = '%s: %s' % (name, item['status'])
            if item.get('detail'):
                line += ' (%s)' % item['detail']
            out.append(line)
        return '\n'.join(out)

    def machine_readable(self):
        return [dict(item) for item in self._value or ()]


class DictColumn(columns.FormattableColumn):
    def human_readable(self):
        return '\n'.join('%s=%s' % kv for kv in sorted(
            (self._value or {}).items()))

    def machine_readable(self):
        return dict(self._value or {})


class GuestColumn(columns.FormattableColumn):
    """The guest step's summary: what was read, the OS, the proposed
    properties and every change made by the fixes."""

    def human_readable(self):
        value = self._value
        if not value:
            return ''
        osi = value.get('os') or {}
        lines = ['%s: %s' % (value['mode'], value['source']),
                 'os: %s' % (osi.get('name') or osi.get('id')
                             or osi.get('kind') or 'unknown')]
        lines += ['proposed %s=%s' % kv
                  for kv in sorted(value['properties'].items())]
        for change in value['changes']:
            line = 'changed: %s %s' % (change['action'], change['path'])
            if change.get('detail'):
                line += ' (%s)' % change['detail']
            lines.append(line)
        return '\n'.join(lines)

    def machine_readable(self):
        return dict(self._value) if self._value else None


def human_size(n):
    for unit in ('B', 'KiB', 'MiB', 'GiB', 'TiB'):
        if n < 1024 or unit == 'TiB':
            return ('%d %s' if unit == 'B' else '%.1f %s') % (n, unit)
        n /= 1024.0


def guest_detail(check):
    """One guest check as the ``detail`` of a ``checks`` entry."""
    text = check.detail
    if check.path:
        text = '%s [%s]' % (text, check.path) if text else check.path
    if check.fix:
        text += '; %s: %s' % ('done' if check.status == 'fixed' else 'fix',
                              check.fix)
    return text


class Outcome:
    """What the steps found: the output row, the steps' statuses and the
    checks run."""

    def __init__(self, path, guest=False):
        self.row = dict.fromkeys(FIELDS)
        self.row['source'] = self.row['file'] = path
        self.row['properties'] = {}
        self.steps = {name: {'name': name, 'status': 'skipped', 'detail': ''}
                      for name in STEPS}
        # the guest step is listed only when asked for (--guest-root,
        # --inspect-guest): the steps of a plain run stay as they were
        self.names = [s for s in STEPS if guest or s != 'guest']
        self.checks = []
        # which file the next checks are about: the source, then the
        # converted (or fixed) output
        self.role = 'source'

    def step(self, name, status, detail=''):
        self.steps[name] = {'name': name, 'status': status, 'detail': detail}

    def check(self, name, status, detail='', file=True):
        """``file``: True for the current file (:attr:`role`), or a role,
        or None (a check of the properties, not of a file)."""
        self.checks.append({'name': name, 'status': status, 'detail': detail,
                            'file': self.role if file is True else file})

    def describe(self, info):
        self.row.update(file=info.path, detected_format=info.detected,
                        virtual_size=info.virtual_size,
                        actual_size=info.actual_size)

    def set_hashes(self, hashes):
        self.row['md5'] = hashes.md5
        self.row['sha512'] = hashes.sha512

    def data(self):
        """Plain data (the manifest, and ``-f json``)."""
        data = dict(self.row)
        data['checks'] = [dict(c) for c in self.checks]
        data['steps'] = [dict(self.steps[s]) for s in self.names]
        return data

    def columns(self):
        data = self.data()
        data['properties'] = DictColumn(data['properties'])
        data['checks'] = LinesColumn(data['checks'])
        data['steps'] = LinesColumn(data['steps'])
        data['guest'] = GuestColumn(data['guest'])
        return FIELDS, tuple(data[f] for f in FIELDS)
