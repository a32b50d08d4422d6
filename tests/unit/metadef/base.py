"""Real metadef data for the engine tests: the catalog the installed glance
package ships (``<sys.prefix>/etc/glance/metadefs``)."""

import copy
import functools
import json
import os
import sys

GLANCE_METADEFS = os.path.join(sys.prefix, 'etc', 'glance', 'metadefs')


@functools.lru_cache()
def _shipped():
    out = {}
    for name in sorted(os.listdir(GLANCE_METADEFS)):
        if name.endswith('.json'):
            with open(os.path.join(GLANCE_METADEFS, name)) as f:
                out[name] = json.load(f)
    return out


def shipped():
    """{file name: namespace document} of glance's catalog (a fresh copy)."""
    return copy.deepcopy(_shipped())


def shipped_namespace(namespace):
    for doc in shipped().values():
        if doc['namespace'] == namespace:
            return doc
    raise KeyError(namespace)


@functools.lru_cache()
def _live_schemas():
    # The schemas Glance serves at /v2/schemas/metadefs/* are built by
    # these functions of the installed glance package (checked equal to
    # the served ones against the local Glance 33).
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')
        from glance.api.v2 import metadef_namespaces
        from glance.api.v2 import metadef_objects
        from glance.api.v2 import metadef_properties
        from glance.api.v2 import metadef_tags
    return json.dumps({
        'namespace': metadef_namespaces.get_schema().raw(),
        'property': metadef_properties.get_schema().raw(),
        'object': metadef_objects.get_schema().raw(),
        'tag': metadef_tags.get_schema().raw(),
    })


def live_schemas():
    """{'namespace', 'property', 'object', 'tag'}: glance's own schemas."""
    return json.loads(_live_schemas())


def as_glance_returns(doc, owner='admin'):
    """``doc`` (a file) in the shape Glance 33 answers ``GET
    /v2/metadefs/namespaces/{ns}`` with, as seen against the local Glance:
    server fields added, visibility/protected filled in, defaults as text,
    objects with ``required: []``, objects and tags in another order.
    The functional tests check the same equivalences against the real
    Glance."""
    out = copy.deepcopy(doc)
    out.update(owner=owner, created_at='2026-01-01T00:00:00Z',
               self='/v2/metadefs/namespaces/' + doc['namespace'],
               schema='/v2/schemas/metadefs/namespace')
    out['visibility'] = doc.get('visibility') or 'private'
    out['protected'] = bool(doc.get('protected'))

    def props(p):
        for schema in p.values():
            if 'default' in schema:
                schema['default'] = str(schema['default'])
        return p
    props(out.get('properties', {}))
    if not out.get('properties'):
        out.pop('properties', None)
    for obj in out.get('objects', []):
        obj.setdefault('required', [])
        obj['properties'] = props(obj.get('properties', {}))
        obj.update(created_at='x', self='/v2/x',
                   schema='/v2/schemas/metadefs/object')
    if out.get('objects'):
        out['objects'].reverse()
    else:
        out.pop('objects', None)
    for assoc in out.get('resource_type_associations', []):
        assoc['created_at'] = 'x'
    if not out.get('resource_type_associations'):
        out.pop('resource_type_associations', None)
    if out.get('tags'):
        out['tags'].reverse()
    return out
