"""Reading and writing the metadef catalog in Glance.

Reading: Glance's namespace listing carries no properties, objects or
tags; each namespace's detail (``GET /v2/metadefs/namespaces/{ns}``)
carries them all. So a full read costs one listing request (per 1000
namespaces) plus one request per namespace; the details are fetched
concurrently. The dicts returned are Glance's raw JSON (openstacksdk's
MetadefNamespace drops properties and objects), in the same shape as the
metadef files glance ships, plus server fields (created_at, owner, self,
schema, ...).

Writing follows Glance's semantics (seen against Glance 33):

* ``POST /metadefs/namespaces`` creates a namespace with all its children
  nested in the body: one request per new namespace;
* ``PUT`` of a namespace replaces every field: display_name or
  description left out become null, visibility ``private``, protected
  ``false`` and owner the caller's project, so the full field set is sent;
* ``PUT`` of a property or an object replaces its whole schema;
* ``POST .../tags`` *replaces* all tags unless ``X-Openstack-Append: true``
  is sent; new tags are added with it, in one request;
* resource type associations cannot be updated: delete, then create;
* Glance refuses (403) deletes inside a protected namespace; a protected
  namespace is unprotected, changed and protected again
  (:func:`apply`), only when the caller allows it.
"""

import concurrent.futures
import urllib.parse

from osc_imagetools import cloud
from osc_imagetools.metadef import plan as mplan

NAMESPACES = '/metadefs/namespaces'
DETAIL_WORKERS = 8
# Writes go one at a time. Glance creates a namespace's children one by
# one without a transaction around them, and creates a resource type the
# first time an association names it: two namespaces written in parallel
# race on the same new resource type, and on SQLite fail with "database is
# locked" (500) - leaving half-created namespaces behind (seen against the
# local Glance 33 with 4 parallel writers). Reads stay concurrent.
WRITE_WORKERS = 1
SCHEMAS = ('namespace', 'property', 'object', 'tag')


def _path(namespace, *parts):
    quoted = [urllib.parse.quote(p, safe=':') for p in (namespace,) + parts]
    return '/'.join([NAMESPACES] + quoted)


# -- reading ---------------------------------------------------------------

def list_namespaces(proxy, resource_type=None):
    """Namespace summaries (no properties/objects/tags), all pages."""
    params = {}
    if resource_type:
        params['resource_types'] = resource_type
    return list(cloud.paginate(proxy, NAMESPACES, 'namespaces', params))


def get_namespace(proxy, name):
    """One namespace with its properties, objects and tags (unprefixed
    property names)."""
    return cloud.get_json(proxy, _path(name))


def _detail(proxy, name, missing_ok):
    try:
        return get_namespace(proxy, name)
    except cloud.CloudError as exc:
        if missing_ok and exc.status == 404:
            return None
        raise


def get_namespaces(proxy, names, missing_ok=False):
    """Details of ``names``, fetched concurrently, in that order.
    ``missing_ok`` leaves out namespaces deleted since they were listed."""
    names = list(names)
    if not names:
        return []
    with concurrent.futures.ThreadPoolExecutor(
            max_workers=min(DETAIL_WORKERS, len(names))) as pool:
        found = pool.map(lambda n: _detail(proxy, n, missing_ok), names)
        return [d for d in found if d is not None]


def fetch_catalog(proxy, resource_type=None, names=None):
    """Full namespaces (sorted by name) visible to the caller.

    ``resource_type`` keeps the namespaces associated with it (e.g.
    ``OS::Glance::Image``); ``names`` keeps only those namespaces.
    """
    summaries = list_namespaces(proxy, resource_type)
    wanted = [s['namespace'] for s in summaries
              if names is None or s['namespace'] in names]
    details = get_namespaces(proxy, wanted)
    return sorted(details, key=lambda ns: ns['namespace'])


def fetch_for_sync(proxy, names, in_scope):
    """Everything a sync reads, concurrently: the four live schemas, the
    listing, and the details of ``names`` that exist (they start as soon
    as the listing is in, while the schemas may still be on their way).

    Returns ``(schemas, listed, details)``: ``listed`` maps the names of
    the namespaces in scope (``in_scope(name)``) to their listing entry,
    ``details`` the existing ``names`` to their full JSON."""
    with concurrent.futures.ThreadPoolExecutor(
            max_workers=DETAIL_WORKERS) as pool:
        schema_futures = {
            kind: pool.submit(cloud.get_schema, proxy, 'metadefs/' + kind)
            for kind in SCHEMAS}
        listed = {s['namespace']: s
                  for s in list_namespaces(proxy)
                  if in_scope(s['namespace'])}
        # missing_ok: deleted since it was listed
        detail_futures = [pool.submit(_detail, proxy, n, True)
                          for n in sorted(names) if n in listed]
        details = {}
        for future in detail_futures:
            detail = future.result()
            if detail is not None:
                details[detail['namespace']] = detail
        schemas = {k: f.result() for k, f in schema_futures.items()}
    return schemas, listed, details


# -- writing ---------------------------------------------------------------

def create_namespace(proxy, body):
    """Create a namespace with its nested children (one request)."""
    return cloud.request(proxy, 'POST', NAMESPACES, ok=(201,),
                         json=body).json()


def update_namespace(proxy, name, fields):
    """Replace the namespace's fields (send them all: see above)."""
    return cloud.request(proxy, 'PUT', _path(name), json=fields).json()


def delete_namespace(proxy, name):
    """Delete a namespace and everything in it."""
    cloud.request(proxy, 'DELETE', _path(name), ok=(204,))


# properties and objects share one API shape under their own collection
COLLECTIONS = {mplan.PROPERTY: 'properties', mplan.OBJECT: 'objects'}


def create_child(proxy, namespace, collection, body):
    """POST a property or object (``collection``: ``properties`` or
    ``objects``) into ``namespace``."""
    cloud.request(proxy, 'POST', _path(namespace, collection), ok=(201,),
                  json=body)


def update_child(proxy, namespace, collection, body):
    cloud.request(proxy, 'PUT', _path(namespace, collection, body['name']),
                  json=body)


def delete_child(proxy, namespace, collection, name):
    cloud.request(proxy, 'DELETE', _path(namespace, collection, name),
                  ok=(204,))


def add_tags(proxy, namespace, names):
    """Add tags, keeping the existing ones (one request)."""
    cloud.request(proxy, 'POST', _path(namespace, 'tags'), ok=(201,),
                  json={'tags': [{'name': n} for n in names]},
                  headers={'X-Openstack-Append': 'true'})


def delete_tag(proxy, namespace, name):
    cloud.request(proxy, 'DELETE', _path(namespace, 'tags', name),
                  ok=(204,))


def create_association(proxy, namespace, body):
    cloud.request(proxy, 'POST', _path(namespace, 'resource_types'),
                  ok=(201,), json=body)


def delete_association(proxy, namespace, name):
    cloud.request(proxy, 'DELETE', _path(namespace, 'resource_types', name),
                  ok=(204,))


# -- carrying out a plan ---------------------------------------------------

def _child(proxy, change):
    ns, name, body = change.namespace, change.name, change.body
    if change.kind in (mplan.PROPERTY, mplan.OBJECT):
        coll = COLLECTIONS[change.kind]
        {mplan.CREATE: lambda: create_child(proxy, ns, coll, body),
         mplan.UPDATE: lambda: update_child(proxy, ns, coll, body),
         mplan.DELETE: lambda: delete_child(proxy, ns, coll, name),
         }[change.action]()
    elif change.kind == mplan.ASSOCIATION:
        if change.action in (mplan.UPDATE, mplan.DELETE):
            delete_association(proxy, ns, name)
        if change.action in (mplan.UPDATE, mplan.CREATE):
            create_association(proxy, ns, body)
    elif change.kind == mplan.TAG and change.action == mplan.DELETE:
        delete_tag(proxy, ns, name)
    else:
        raise ValueError('cannot %s a %s' % (change.action, change.kind))


def _run(change, func, step=None):
    try:
        func()
    except cloud.CloudError as exc:
        change.fail(exc, step)
        return False
    change.done()
    return True


def apply_namespace(proxy, nsplan):
    """Carry out one namespace's plan; every write is ``done()`` or
    ``fail()``-ed (``result`` ``ok`` or ``failed: <status> <message>``). A
    failed write does not stop the others."""
    if nsplan.blocked or not nsplan.writes:
        return
    own = nsplan.own
    name = nsplan.namespace
    if own.action == mplan.CREATE:
        _run(own, lambda: create_namespace(proxy, own.body))
        return
    unprotected = False
    if nsplan.protected:
        # Glance refuses deletes inside a protected namespace: unprotect,
        # applying the new fields at the same time.
        fields = dict(nsplan.fields, protected=False)
        try:
            update_namespace(proxy, name, fields)
        except cloud.CloudError as exc:
            for change in nsplan.writes:
                change.fail(exc, 'unprotect')
            return
        unprotected = True
    if own.action == mplan.DELETE:
        _run(own, lambda: delete_namespace(proxy, name))
        return
    new_tags = [c for c in nsplan.child_writes
                if c.kind == mplan.TAG and c.action == mplan.CREATE]
    for change in nsplan.child_writes:
        if change not in new_tags:
            _run(change, lambda: _child(proxy, change))
    if new_tags:
        try:
            add_tags(proxy, name, [c.name for c in new_tags])
        except cloud.CloudError as exc:
            for change in new_tags:
                change.fail(exc)
        else:
            for change in new_tags:
                change.done()
    # the namespace's own fields last: a namespace that becomes protected
    # is protected after its children changed
    if unprotected and not nsplan.fields.get('protected'):
        if own.action == mplan.UPDATE:
            own.done()  # the unprotect step wrote the new fields
        return
    if own.action == mplan.UPDATE:
        _run(own, lambda: update_namespace(proxy, name, nsplan.fields))
    elif unprotected:
        reprotect = mplan.Change(name, mplan.NAMESPACE, name, mplan.UPDATE)
        if not _run(reprotect, lambda: update_namespace(proxy, name,
                                                        nsplan.fields),
                    'protect again'):
            nsplan.changes.insert(1, reprotect)


def apply(proxy, plans, workers=WRITE_WORKERS):
    """Carry out ``plans``, namespace by namespace (see WRITE_WORKERS)."""
    todo = [p for p in plans if p.writes and not p.blocked]
    if workers <= 1:
        for p in todo:
            apply_namespace(proxy, p)
        return
    with concurrent.futures.ThreadPoolExecutor(
            max_workers=min(workers, len(todo) or 1)) as pool:
        list(pool.map(lambda p: apply_namespace(proxy, p), todo))
