"""Which incoming shares a command line names.

Images are named by ID or by name. Names resolve among the images shared
with the project in any member status (``Image.find`` in openstacksdk only
sees accepted ones). A name that fits several images is an error for that
item only; the other items go on.
"""

import collections

from osc_imagetools.ids import looks_like_id
from osc_imagetools.sharing import STATUSES


class Pick:
    """What one command-line item resolved to.

    Exactly one of these holds: ``share`` is set (resolved), ``error`` is
    set (the item fails with that reason), or ``lookup`` is true (an ID that
    no listed share has: ask the cloud about that image directly, which also
    yields Glance's own reason when it is not shared with the project).
    """

    def __init__(self, item, share=None, error=None, lookup=False):
        self.item = item
        self.share = share
        self.error = error
        self.lookup = lookup

    def __repr__(self):
        return 'Pick(%r, share=%r, error=%r, lookup=%r)' % (
            self.item, self.share and self.share['id'], self.error,
            self.lookup)


def target_status(reject=False, pending=False):
    """The member status a share-accept run moves shares to."""
    if reject and pending:
        raise ValueError('--reject and --pending exclude each other')
    if reject:
        return 'rejected'
    if pending:
        return 'pending'
    return 'accepted'


def matches(share, owner=None, name_prefix=None, statuses=STATUSES):
    """Whether ``share`` passes the ``--owner``/``--name-prefix``/status
    filters (``None`` means no filter)."""
    if owner is not None and share.get('owner') != owner:
        return False
    if name_prefix is not None and not (share.get('name') or '').startswith(
            name_prefix):
        return False
    return share.get('status') in statuses


def _describe(owner, name_prefix):
    extra = []
    if owner is not None:
        extra.append('owned by %s' % owner)
    if name_prefix is not None:
        extra.append('with a name starting with %r' % name_prefix)
    return (' ' + ' and '.join(extra)) if extra else ''


def resolve(items, shares, owner=None, name_prefix=None):
    """A :class:`Pick` per item of ``items``, in the same order.

    An item equal to a share's ID is that share, whatever the filters (an ID
    names one image). Otherwise it is a name, looked up among the shares
    that pass ``owner``/``name_prefix``. An unknown ID-shaped item asks for a
    direct lookup; an unknown name fails.
    """
    by_id = {s['id']: s for s in shares}
    by_name = collections.defaultdict(list)
    for share in shares:
        if matches(share, owner, name_prefix):
            by_name[share.get('name')].append(share)
    picks = []
    for item in items:
        if item in by_id:
            picks.append(Pick(item, share=by_id[item]))
            continue
        named = by_name.get(item, [])
        if len(named) == 1:
            picks.append(Pick(item, share=named[0]))
        elif named:
            ids = ', '.join(sorted(s['id'] for s in named))
            picks.append(Pick(item, error=(
                'name is ambiguous: %d images shared with the project%s '
                'have it (%s); give an ID or --owner'
                % (len(named), _describe(owner, name_prefix), ids))))
        elif looks_like_id(item):
            picks.append(Pick(item, lookup=True))
        else:
            picks.append(Pick(item, error=(
                'no image of that name is shared with the project%s'
                % _describe(owner, name_prefix))))
    return picks


def select_all(shares, target, owner=None, name_prefix=None):
    """``--all``: every share whose status differs from ``target`` and that
    passes the filters, sorted by name then ID (a stable order for output
    and scripts)."""
    chosen = [s for s in shares
              if s.get('status') != target
              and matches(s, owner, name_prefix)]
    chosen.sort(key=lambda s: (s.get('name') or '', s['id']))
    return [Pick(s['id'], share=s) for s in chosen]


def complete(picks, found):
    """Fill the picks that asked for a lookup: ``found`` maps their item to
    a share (dict) or to the reason it cannot be used (str)."""
    out = []
    for pick in picks:
        if pick.lookup:
            got = found.get(pick.item, 'not looked up')
            if isinstance(got, dict):
                pick = Pick(pick.item, share=got)
            else:
                pick = Pick(pick.item, error=str(got))
        out.append(pick)
    return out
