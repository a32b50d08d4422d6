"""The owner's side of sharing: which member projects to add to or remove
from which images, and the rows ``image share add|remove`` print.

Pure code over plain data. An *image* here is Glance's raw image JSON; its
*members* are ``{project_id: member dict}`` as
``GET /v2/images/{id}/members`` gives them (``status``, ``created_at``...).
"""

from osc_imagetools.sharing import plan

COLUMNS = ('ID', 'Name', 'Project', 'Previous Status', 'Status', 'Result')
OUTGOING_COLUMNS = ('ID', 'Name', 'Member', 'Status')
OUTGOING_LONG_COLUMNS = OUTGOING_COLUMNS + ('Created At', 'Updated At')

ADD = 'add'
REMOVE = 'remove'
UNCHANGED = plan.UNCHANGED
FAILED = plan.FAILED
DONE = {ADD: 'added', REMOVE: 'removed'}
WOULD = {ADD: 'would add', REMOVE: 'would remove'}


class Target:
    """One image named on the command line: ``image`` (raw JSON) and its
    ``members``, or ``error`` (why no row of it can be written)."""

    def __init__(self, ref, image=None, members=None, error=None):
        self.ref = ref
        self.image = image
        self.members = members
        self.error = error


def not_shared(image, action=ADD):
    """Why members of ``image`` cannot be changed as it is, or ``None``."""
    visibility = image.get('visibility')
    if visibility == 'shared':
        return None
    if action == ADD:
        return ('visibility is %s, not shared: only shared images have '
                'members (--set-shared makes it shared)' % visibility)
    # Glance keeps the members of an image made private, hides them, and
    # shows them again if it becomes shared
    return ('visibility is %s, not shared: Glance shows and changes the '
            'members of shared images only' % visibility)


class MemberPlan(plan.RowPlan):
    """The rows of an add/remove run and the member writes it needs.

    One row per (image, project), images in input order then projects in
    input order, each distinct pair once. ``writes`` are the indexes of the
    rows to write (``(image_id, project)`` in :attr:`pairs`); none on a dry
    run.
    """

    columns = COLUMNS

    def __init__(self, action, targets, projects, dry_run=False):
        self.action = action
        self.rows = []
        self.writes = []
        projects = list(dict.fromkeys(projects))
        seen = set()
        for target in targets:
            image = target.image or {}
            key = image.get('id', target.ref)
            if key in seen:
                continue
            seen.add(key)
            for project in projects:
                self.rows.append(self._row(target, project, dry_run))

    def _row(self, target, project, dry_run):
        if target.image is None or target.error:
            image = target.image or {}
            return plan.fail({'ID': image.get('id', ''),
                              'Name': image.get('name') or (
                                  '' if image else target.ref),
                              'Project': project, 'Previous Status': '',
                              'Status': ''}, target.error)
        member = (target.members or {}).get(project)
        before = member['status'] if member else ''
        row = {'ID': target.image['id'],
               'Name': target.image.get('name') or '', 'Project': project,
               'Previous Status': before, 'Status': before, 'Result': '',
               'failed': False}
        if (self.action == ADD) == bool(member):
            row['Result'] = UNCHANGED
            return row
        after = 'pending' if self.action == ADD else ''
        if dry_run:
            row['Status'] = after
            row['Result'] = WOULD[self.action]
        else:
            self.writes.append(len(self.rows))
            row['Result'] = 'pending write'
            row['_after'] = after
        return row

    @property
    def pairs(self):
        return [(self.rows[i]['ID'], self.rows[i]['Project'])
                for i in self.writes]

    def written(self, row):
        row['Status'] = row['_after']
        row['Result'] = DONE[self.action]


def outgoing_table(images, members, statuses=None, long=False):
    """``image share list --outgoing`` rows: one per (image, member),
    sorted by image name, image ID, then member; an image without members
    has one row with empty ``Member``/``Status`` (unless ``statuses``
    narrows the rows to members in those statuses). ``members`` maps an
    image ID to ``{project: member dict}`` or a reason (str) it could not
    be read, shown in ``Status`` as ``failed: <reason>``."""
    columns = OUTGOING_LONG_COLUMNS if long else OUTGOING_COLUMNS
    rows = []
    for img in sorted(images, key=lambda i: (i.get('name') or '', i['id'])):
        got = members.get(img['id'], {})
        base = {'ID': img['id'], 'Name': img.get('name') or '',
                'Member': '', 'Status': '', 'Created At': '',
                'Updated At': ''}
        if isinstance(got, str):
            rows.append(dict(base, Status=FAILED + got))
            continue
        chosen = [m for _, m in sorted(got.items())
                  if statuses is None or m.get('status') in statuses]
        if not got and statuses is None:
            rows.append(base)
        for m in chosen:
            rows.append(dict(base, Member=m['member_id'],
                             Status=m.get('status') or '',
                             **{'Created At': m.get('created_at') or '',
                                'Updated At': m.get('updated_at') or ''}))
    return columns, [tuple(r[c] for c in columns) for r in rows]
