"""The metadef catalog indexed by image property name.

A namespace associated with ``OS::Glance::Image`` contributes each of its
properties, and each property of its objects, under the name
``<association prefix><property name>`` (``hw_`` + ``cpu_sockets``); a
namespace without that association contributes nothing (its properties are
meant for flavors, volumes, ...).

A name may be defined by several namespaces (``hw_vif_model`` by both
``OS::Compute::LibvirtImage`` and ``OS::Compute::VMware``, with different
enums): the index keeps every definition and a value is valid when one of
them accepts it.
"""

import collections

IMAGE_RESOURCE_TYPE = 'OS::Glance::Image'

Definition = collections.namedtuple(
    'Definition', 'name namespace object schema')
Definition.__doc__ = """One metadef definition of an image property.

``name`` is the prefixed image property name, ``namespace`` the namespace
name, ``object`` the object's name (or None), ``schema`` the property's
definition (type, enum, minimum, ...)."""

ObjectDef = collections.namedtuple('ObjectDef',
                                   'namespace name properties required')


def image_prefix(namespace, resource_type=IMAGE_RESOURCE_TYPE):
    """The prefix of ``namespace``'s association with ``resource_type``
    (``''`` for an association without prefix), or None when the namespace
    is not associated with it."""
    for assoc in namespace.get('resource_type_associations') or ():
        if assoc.get('name') == resource_type:
            return assoc.get('prefix') or ''
    return None


class Catalog:
    """Image property name -> metadef definitions."""

    def __init__(self, namespaces, resource_type=IMAGE_RESOURCE_TYPE):
        self.definitions = collections.defaultdict(list)
        self.objects = []
        self.namespaces = []
        for ns in namespaces or ():
            prefix = image_prefix(ns, resource_type)
            if prefix is None:
                continue
            name = ns.get('namespace', '?')
            self.namespaces.append(name)
            for pname, schema in sorted((ns.get('properties') or {}).items()):
                self._add(Definition(prefix + pname, name, None,
                                     schema or {}))
            for obj in ns.get('objects') or ():
                props = sorted((obj.get('properties') or {}).items())
                for pname, schema in props:
                    self._add(Definition(prefix + pname, name,
                                         obj.get('name'), schema or {}))
                self.objects.append(ObjectDef(
                    name, obj.get('name'),
                    tuple(prefix + p for p, _ in props),
                    tuple(prefix + p for p in obj.get('required') or ())))

    def _add(self, definition):
        self.definitions[definition.name].append(definition)

    def lookup(self, name):
        """Every definition of image property ``name`` (maybe none)."""
        return self.definitions.get(name, [])

    def __contains__(self, name):
        return name in self.definitions

    def names(self):
        return set(self.definitions)
