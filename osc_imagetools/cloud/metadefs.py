"""Reading the metadef catalog from Glance.

Glance's namespace listing carries no properties, objects or tags; each
namespace's detail (``GET /v2/metadefs/namespaces/{ns}``) carries them all.
So a full read costs one listing request (per 1000 namespaces) plus one
request per namespace; the details are fetched concurrently.

The dicts returned are Glance's raw JSON (openstacksdk's MetadefNamespace
drops properties and objects), in the same shape as the metadef files glance
ships, plus server fields (created_at, owner, self, schema, ...).
"""

import concurrent.futures

from osc_imagetools import cloud

NAMESPACES = '/metadefs/namespaces'
DETAIL_WORKERS = 8


def list_namespaces(proxy, resource_type=None):
    """Namespace summaries (no properties/objects/tags), all pages."""
    params = {}
    if resource_type:
        params['resource_types'] = resource_type
    return list(cloud.paginate(proxy, NAMESPACES, 'namespaces', params))


def get_namespace(proxy, name):
    """One namespace with its properties, objects and tags (unprefixed
    property names)."""
    return cloud.get_json(proxy, '%s/%s' % (NAMESPACES, name))


def fetch_catalog(proxy, resource_type=None, names=None):
    """Full namespaces (sorted by name) visible to the caller.

    ``resource_type`` keeps the namespaces associated with it (e.g.
    ``OS::Glance::Image``); ``names`` keeps only those namespaces.
    """
    summaries = list_namespaces(proxy, resource_type)
    wanted = [s['namespace'] for s in summaries
              if names is None or s['namespace'] in names]
    if not wanted:
        return []
    with concurrent.futures.ThreadPoolExecutor(
            max_workers=min(DETAIL_WORKERS, len(wanted))) as pool:
        details = list(pool.map(lambda n: get_namespace(proxy, n), wanted))
    return sorted(details, key=lambda ns: ns['namespace'])
