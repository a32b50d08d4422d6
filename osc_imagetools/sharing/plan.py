"""Result rows of ``image share-accept`` and ``image share list``."""

from osc_imagetools import ids

ACCEPT_COLUMNS = ('ID', 'Name', 'Owner', 'Previous Status', 'Status',
                  'Result')
LIST_COLUMNS = ('ID', 'Name', 'Owner', 'Status')
LONG_COLUMNS = LIST_COLUMNS + ('Created At', 'Updated At')

CHANGED = 'changed'
UNCHANGED = 'unchanged'
WOULD_CHANGE = 'would change'
FAILED = 'failed: '


def fail(row, reason):
    """Mark ``row`` failed: its ``failed`` field, and the ``Result`` text
    derived from it (``failed: <reason>``). Counting failures reads the
    field, never the text."""
    row['failed'] = True
    row['Result'] = FAILED + reason
    return row


def _row(share):
    return {'ID': share['id'], 'Name': share.get('name') or '',
            'Owner': share.get('owner') or '',
            'Previous Status': share['status'], 'Status': share['status'],
            'Result': '', 'failed': False}


def _failed_row(item, reason):
    # an ID-shaped item goes in the ID column, anything else is a name
    is_id = ids.looks_like_id(item)
    return fail({'ID': item if is_id else '', 'Name': '' if is_id else item,
                 'Owner': '', 'Previous Status': '', 'Status': ''}, reason)


class RowPlan:
    """What the member-writing plans have in common: ``rows`` (dicts keyed
    by :attr:`columns`, plus a ``failed`` field: see :func:`fail`) and
    ``writes``, the indexes of the rows still to write; :meth:`record`
    takes the writes' outcomes."""

    columns = ()

    def written(self, row):
        """Set ``row`` as its write succeeded."""
        raise NotImplementedError

    def record(self, outcomes):
        """Take the outcome of each write (``None`` = done, else the reason
        it failed), aligned with :attr:`writes`."""
        outcomes = list(outcomes)
        if len(outcomes) != len(self.writes):
            raise ValueError('%d outcomes for %d writes'
                             % (len(outcomes), len(self.writes)))
        for index, reason in zip(self.writes, outcomes):
            row = self.rows[index]
            if reason is None:
                self.written(row)
            else:
                fail(row, reason)

    @property
    def failed(self):
        return sum(1 for r in self.rows if r.get('failed'))

    def table(self):
        return self.columns, [tuple(r[c] for c in self.columns)
                              for r in self.rows]


class Plan(RowPlan):
    """The rows of a share-accept run and the writes it needs.

    ``rows`` are dicts keyed by :data:`ACCEPT_COLUMNS`, one per distinct
    image in input order (an image named twice is handled once; the first
    mention keeps its place). ``writes`` are the indexes of the rows whose
    member status must be set to ``target``: empty for a dry run.
    """

    columns = ACCEPT_COLUMNS

    def __init__(self, picks, target, dry_run=False):
        self.target = target
        self.dry_run = dry_run
        self.rows = []
        self.writes = []
        seen = set()
        for pick in picks:
            if pick.share is None:
                self.rows.append(_failed_row(
                    pick.item, pick.error or 'not resolved'))
                continue
            if pick.share['id'] in seen:
                continue
            seen.add(pick.share['id'])
            row = _row(pick.share)
            if pick.share['status'] == target:
                row['Result'] = UNCHANGED
            elif dry_run:
                row['Status'] = target
                row['Result'] = WOULD_CHANGE
            else:
                self.writes.append(len(self.rows))
                row['Result'] = 'pending write'
            self.rows.append(row)

    @property
    def write_ids(self):
        return [self.rows[i]['ID'] for i in self.writes]

    def written(self, row):
        row['Status'] = self.target
        row['Result'] = CHANGED


def list_table(shares, long=False):
    """``image share list`` rows, sorted by name then ID."""
    columns = LONG_COLUMNS if long else LIST_COLUMNS
    shares = sorted(shares, key=lambda s: (s.get('name') or '', s['id']))
    rows = []
    for s in shares:
        row = {'ID': s['id'], 'Name': s.get('name') or '',
               'Owner': s.get('owner') or '', 'Status': s['status'],
               'Created At': s.get('created_at') or '',
               'Updated At': s.get('updated_at') or ''}
        rows.append(tuple(row[c] for c in columns))
    return columns, rows
