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
