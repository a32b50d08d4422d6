"""What ``image validate`` reads from the cloud, read concurrently.

The image schema, the metadef catalog, the images to validate and the
flavors do not depend on each other: :func:`fetch` reads them on a pool of
four threads, so a run costs the slowest of them, not their sum. The
proxies are made by the caller (authentication and endpoint discovery
happen there, once, before any thread starts).
"""

import concurrent.futures

from osc_imagetools import cloud
from osc_imagetools.cloud import flavors as cloud_flavors
from osc_imagetools.cloud import images as cloud_images
from osc_imagetools.cloud import metadefs

IMAGE_RESOURCE_TYPE = 'OS::Glance::Image'


class ImageQuery:
    """The images a run names: ``refs`` (names or IDs), and with
    ``all_images`` every image the listing returns, narrowed by the
    filters."""

    def __init__(self, refs=(), all_images=False, owner=None,
                 visibility=None, tags=(), name_prefix=None):
        self.refs = list(refs)
        self.all_images = all_images
        self.owner = owner
        self.visibility = visibility
        self.tags = list(tags)
        self.name_prefix = name_prefix


def fetch_image_catalog(proxy):
    """The metadef namespaces associated with Glance images. A namespace
    deleted between the listing and its detail (404) makes the catalog be
    read again, once."""
    try:
        return metadefs.fetch_catalog(proxy,
                                      resource_type=IMAGE_RESOURCE_TYPE)
    except cloud.CloudError as exc:
        if exc.status != 404:
            raise
    return metadefs.fetch_catalog(proxy, resource_type=IMAGE_RESOURCE_TYPE)


def select_images(proxy, query):
    """``(images, problems)``: raw image dicts to validate (each once) and
    one-line reasons for the names/IDs that could not be resolved."""
    found, problems = {}, {}
    if query.refs:
        found, problems = cloud_images.find_images(proxy, query.refs)
    selected = list(found.values())
    if query.all_images:
        listed = cloud_images.list_images(
            proxy, owner=query.owner, visibility=query.visibility,
            tags=query.tags)
        if query.name_prefix:
            listed = [i for i in listed
                      if (i.get('name') or '').startswith(query.name_prefix)]
        selected.extend(listed)
    unique = {}
    for image in selected:
        unique.setdefault(image['id'], image)
    return list(unique.values()), list(problems.values())


def fetch(image_proxy=None, compute_proxy=None, catalog=False, images=None,
          flavor_refs=()):
    """``{'schema': ..., 'catalog': ..., 'images': (images, problems),
    'flavors': (flavors, problems, requests)}``, each key only when asked
    for: the catalog (schema and namespaces) with ``catalog``, the images
    of the :class:`ImageQuery` ``images``, the flavors when
    ``compute_proxy`` is given (those of ``flavor_refs``, all when
    empty)."""
    with concurrent.futures.ThreadPoolExecutor(4) as pool:
        jobs = {}
        if catalog:
            jobs['schema'] = pool.submit(cloud.get_schema, image_proxy,
                                         'image')
            jobs['catalog'] = pool.submit(fetch_image_catalog, image_proxy)
        if images is not None:
            jobs['images'] = pool.submit(select_images, image_proxy, images)
        if compute_proxy is not None:
            jobs['flavors'] = pool.submit(cloud_flavors.fetch_flavors,
                                          compute_proxy, flavor_refs)
        return {k: f.result() for k, f in jobs.items()}
