"""The comparable form of a metadef namespace.

A namespace read from Glance and the same namespace read from a file differ
in ways that mean nothing: Glance adds server fields (created_at,
updated_at, owner, self, schema), fills in defaults (visibility
``private``, protected ``false``, an object's ``required`` ``[]``), stores a
property's ``default`` as text (``8`` comes back as ``"8"``, ``true`` as
``"True"``: its model declares it ``bytes``), returns objects and tags in its
own order, and keeps a property's ``name`` inside its schema when the
property was created or replaced on its own. :func:`namespace` maps both
sides to one form so that equal means "nothing to write".
"""

# What Glance's property model (glance.api.v2.model.metadef_property_type)
# keeps of an array's "items".
ITEM_KEYS = ('type', 'enum')
NAMESPACE_FIELDS = ('display_name', 'description', 'visibility', 'protected')


def default_text(value):
    """A property default as Glance returns it: the Python text of the
    scalar (``True``, ``8``, ``1.5``)."""
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, (bool, int, float)):
        return str(value)
    return None  # Glance drops lists and objects (validation refuses them)


def property_schema(schema):
    """A property's schema without its ``name``, None values and the
    parts Glance does not keep; ``default`` as text."""
    out = {}
    for key, value in (schema or {}).items():
        if key == 'name' or value is None:
            continue
        if key == 'default':
            value = default_text(value)
            if value is None:
                continue
        elif key == 'items' and isinstance(value, dict):
            value = {k: value[k] for k in ITEM_KEYS
                     if value.get(k) is not None}
        out[key] = value
    return out


def properties(props):
    return {name: property_schema(schema)
            for name, schema in (props or {}).items()}


def object_definition(obj):
    return {
        'description': obj.get('description'),
        # a set of property names; Glance answers [] when there is none
        'required': sorted(obj.get('required') or []),
        'properties': properties(obj.get('properties')),
    }


def association(assoc):
    return {'prefix': assoc.get('prefix'),
            'properties_target': assoc.get('properties_target')}


def namespace_fields(doc):
    """display_name, description, visibility and protected, with Glance's
    defaults (``private``, ``false``) for missing ones."""
    return {
        'display_name': doc.get('display_name'),
        'description': doc.get('description'),
        'visibility': doc.get('visibility') or 'private',
        'protected': bool(doc.get('protected')),
    }


def namespace(doc):
    """``{'namespace', 'fields', 'properties', 'objects', 'tags',
    'associations'}``: children keyed by name, everything comparable with
    ``==``."""
    return {
        'namespace': doc['namespace'],
        'fields': namespace_fields(doc),
        'properties': properties(doc.get('properties')),
        'objects': {o['name']: object_definition(o)
                    for o in doc.get('objects') or []},
        'tags': sorted({t['name'] for t in doc.get('tags') or []}),
        'associations': {a['name']: association(a)
                         for a in doc.get('resource_type_associations')
                         or []},
    }
