"""What to write so that the cloud's namespaces match the files.

Modes mirror ``glance-manage db_load_metadefs``, with a real diff instead
of blind inserts:

``merge`` (default)
    create missing namespaces and missing properties, objects, tags and
    resource type associations; never change or delete what exists
    (differences are reported as ``skipped``).
``prefer-new``
    also update existing items (and the namespace's own fields) to the
    file's values; delete nothing.
``overwrite``
    make each namespace exactly equal to its file: create, update and
    delete children.

``prune`` adds the deletion of namespaces that are in the (scoped) cloud
but in none of the files.

A namespace that is protected in the cloud and would change is
``blocked`` unless changes to protected namespaces are allowed: its
changes become ``skipped`` rows.

Everything here is plain data; :mod:`osc_imagetools.cloud.metadefs`
carries the plan out.
"""

from osc_imagetools.metadef import diff
from osc_imagetools.metadef import files
from osc_imagetools.metadef import normalize

MERGE = 'merge'
PREFER_NEW = 'prefer-new'
OVERWRITE = 'overwrite'
MODES = (MERGE, PREFER_NEW, OVERWRITE)

CREATE = 'create'
UPDATE = 'update'
DELETE = 'delete'
UNCHANGED = 'unchanged'
SKIPPED = 'skipped'
WRITES = (CREATE, UPDATE, DELETE)

NAMESPACE = 'namespace'
PROPERTY = 'property'
OBJECT = 'object'
TAG = 'tag'
ASSOCIATION = 'resource_type_association'

DIFFERS = 'differs (kept: merge mode)'
PROTECTED = 'protected (would %s)'


OK = 'ok'
DRY_RUN = 'dry-run'
FAILED = 'failed: '


class Change:
    """One row of the plan: a write to make (``action`` create, update,
    delete), or an ``unchanged``/``skipped`` item. ``body`` is the JSON to
    send for creates and updates; ``detail`` says which fields differ (old
    -> new) for an item that exists on both sides.

    What became of it is in fields, set by the methods below, from which
    the printed ``result`` text is derived when it is set: ``failed`` (a
    write Glance refused), ``kept`` (differs, kept in merge mode),
    ``protected_skip`` (skipped: its namespace is protected; not a failure,
    nothing was attempted)."""

    def __init__(self, namespace, kind, name, action, body=None, detail='',
                 kept=False):
        self.namespace = namespace
        self.kind = kind
        self.name = name
        self.action = action
        self.body = body
        self.detail = detail
        self.failed = False
        self.kept = kept
        self.protected_skip = False
        self.result = DIFFERS if kept else ''

    @property
    def is_write(self):
        return self.action in WRITES

    def done(self):
        """The write succeeded."""
        self.failed = False
        self.result = OK

    def fail(self, reason, step=None):
        """The write (or its ``step``) failed for ``reason`` (one line)."""
        self.failed = True
        self.result = FAILED + ('%s: %s' % (step, reason) if step
                                else '%s' % reason)

    def dry_run(self):
        """A dry run: the write is not made."""
        self.result = DRY_RUN

    def skip_protected(self):
        """The write is not made: the namespace is protected."""
        self.result = PROTECTED % self.action
        self.action = SKIPPED
        self.protected_skip = True

    def row(self):
        return (self.namespace, self.kind, self.name, self.action,
                self.result, self.detail)

    def __repr__(self):
        return '<Change %s %s %s %s %s %s>' % self.row()


class NamespacePlan:
    """The changes of one namespace.

    ``changes[0]`` is always the namespace's own row (create, delete,
    update, unchanged or skipped). ``fields`` is the namespace as it must
    be after the run (``PUT`` replaces every field, owner included, so the
    current owner is carried over); ``protected`` is its current
    protection."""

    def __init__(self, namespace, exists, protected, fields, changes):
        self.namespace = namespace
        self.exists = exists
        self.protected = protected
        self.fields = fields
        self.changes = changes
        self.blocked = False

    @property
    def own(self):
        return self.changes[0]

    @property
    def writes(self):
        return [c for c in self.changes if c.is_write]

    @property
    def child_writes(self):
        return [c for c in self.changes[1:] if c.is_write]


def create_body(doc):
    """The ``POST /v2/metadefs/namespaces`` body for a file: the namespace
    with all its children nested (one request), server fields removed but
    an ``owner`` given in the file kept."""
    body = files.to_file_format(doc)
    if doc.get('owner'):
        body['owner'] = doc['owner']
    return body


def _property_body(name, schema):
    body = {k: v for k, v in schema.items() if k != 'name' and v is not None}
    body['name'] = name
    return body


def _object_body(obj):
    body = {'name': obj['name']}
    for key in ('description', 'required'):
        if obj.get(key) is not None:
            body[key] = obj[key]
    body['properties'] = {
        n: {k: v for k, v in s.items() if k != 'name' and v is not None}
        for n, s in (obj.get('properties') or {}).items()}
    return body


def _association_body(assoc):
    return {k: assoc[k] for k in files.ASSOCIATION_KEYS
            if assoc.get(k) is not None}


def _put_fields(doc, owner):
    fields = {'namespace': doc['namespace']}
    fields.update(normalize.namespace_fields(doc))
    fields = {k: v for k, v in fields.items() if v is not None}
    if doc.get('owner') or owner:
        fields['owner'] = doc.get('owner') or owner
    return fields


def _diff(ns, kind, want, have, bodies, mode, out):
    """Rows for one kind of child: ``want``/``have`` are normalised
    ``{name: value}``, ``bodies`` the file's request bodies by name."""
    for name in sorted(set(want) | set(have)):
        if name not in have:
            out.append(Change(ns, kind, name, CREATE, bodies[name]))
        elif name not in want:
            if mode == OVERWRITE:
                out.append(Change(ns, kind, name, DELETE))
        elif want[name] != have[name]:
            detail = diff.describe(have[name], want[name])
            if mode == MERGE:
                out.append(Change(ns, kind, name, SKIPPED, kept=True,
                                  detail=detail))
            else:
                out.append(Change(ns, kind, name, UPDATE, bodies[name],
                                  detail=detail))


def plan_namespace(doc, current, mode=MERGE):
    """The plan for the file ``doc`` against ``current`` (Glance's JSON of
    the namespace detail, or None when it does not exist)."""
    name = doc['namespace']
    if current is None:
        return NamespacePlan(
            name, False, False, _put_fields(doc, None),
            [Change(name, NAMESPACE, name, CREATE, create_body(doc))])
    want, have = normalize.namespace(doc), normalize.namespace(current)
    changes = []
    if want['fields'] == have['fields']:
        own = Change(name, NAMESPACE, name, UNCHANGED)
        fields = _put_fields(current, current.get('owner'))
    elif mode == MERGE:
        own = Change(name, NAMESPACE, name, SKIPPED, kept=True,
                     detail=diff.describe(have['fields'], want['fields']))
        fields = _put_fields(current, current.get('owner'))
    else:
        fields = _put_fields(doc, current.get('owner'))
        own = Change(name, NAMESPACE, name, UPDATE, fields,
                     detail=diff.describe(have['fields'], want['fields']))
    _diff(name, ASSOCIATION, want['associations'], have['associations'],
          {a['name']: _association_body(a)
           for a in doc.get('resource_type_associations') or []},
          mode, changes)
    _diff(name, PROPERTY, want['properties'], have['properties'],
          {n: _property_body(n, s)
           for n, s in (doc.get('properties') or {}).items()},
          mode, changes)
    _diff(name, OBJECT, want['objects'], have['objects'],
          {o['name']: _object_body(o) for o in doc.get('objects') or []},
          mode, changes)
    _diff(name, TAG, dict.fromkeys(want['tags']),
          dict.fromkeys(have['tags']),
          {t: {'name': t} for t in want['tags']}, mode, changes)
    return NamespacePlan(name, True, bool(current.get('protected')), fields,
                         [own] + changes)


def plan_delete(current):
    """Deleting the namespace ``current`` (a listing entry is enough)."""
    name = current['namespace']
    return NamespacePlan(
        name, True, bool(current.get('protected')),
        _put_fields(current, current.get('owner')),
        [Change(name, NAMESPACE, name, DELETE)])


def block_protected(nsplan):
    """Turn the writes of a protected namespace into ``skipped`` rows."""
    nsplan.blocked = True
    for change in nsplan.writes:
        change.skip_protected()


def plan(desired, current, mode=MERGE, prune=False, allow_protected=False):
    """Plans for every namespace, sorted by name.

    ``desired``: ``{namespace: file document}`` (already scoped);
    ``current``: ``{namespace: Glance JSON}`` for the namespaces of the
    cloud in scope - details for those in ``desired``, listing entries are
    enough for the others (only deleted, with ``prune``)."""
    if mode not in MODES:
        raise ValueError('unknown mode %r' % mode)
    plans = [plan_namespace(doc, current.get(name), mode)
             for name, doc in desired.items()]
    if prune:
        plans += [plan_delete(current[name])
                  for name in current if name not in desired]
    plans.sort(key=lambda p: p.namespace)
    if not allow_protected:
        for p in plans:
            if p.exists and p.protected and p.writes:
                block_protected(p)
    return plans


def rows(plans, quiet_unchanged=False):
    out = []
    for p in plans:
        for change in p.changes:
            if quiet_unchanged and change.action == UNCHANGED:
                continue
            out.append(change.row())
    return out


def summary(plans):
    """``(failed, total)`` writes: ``total`` counts the writes planned
    (attempted, unless it is a dry run), ``failed`` those Glance refused.
    Items skipped because their namespace is protected are in neither:
    see :func:`skipped`."""
    total = failed = 0
    for p in plans:
        for change in p.changes:
            if change.is_write:
                total += 1
                failed += change.failed
    return failed, total


def skipped(plans):
    """The number of changes not made because their namespace is
    protected (and changes to protected namespaces were not allowed)."""
    return sum(c.protected_skip for p in plans for c in p.changes)


def kept(plans):
    """The number of differing items kept as they are (merge mode)."""
    return sum(c.action == SKIPPED and c.kept
               for p in plans for c in p.changes)
