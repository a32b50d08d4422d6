"""Listing and finding images as Glance's raw JSON.

The image listing already carries every attribute and custom property of
each image, so nothing here GETs an image by itself: a listing of N images
costs ceil(N/1000) requests (Glance's maximum page size), and finding K
names/IDs costs one filtered listing per batch of names and per batch of
IDs (``name=in:...``, ``id=in:...``) however many images match.

The JSON is kept raw: openstacksdk's ``Image.to_dict()`` turns ``'yes'``
into ``True``, which would hide exactly what a validator must see.
"""

from osc_imagetools import cloud
from osc_imagetools.ids import looks_like_id

IMAGES = '/images'
# Filter values travel in the query string: keep each request well under
# the 4 KiB request line that common WSGI servers accept.
BATCH_CHARS = 2500
# Images the caller can see, whatever their visibility or membership
# status (the default listing hides community images of other projects
# and pending shares, which a name or ID given by the user may still be).
SEE_ALL = {'visibility': 'all', 'member_status': 'all'}


def list_images(proxy, owner=None, visibility=None, tags=(),
                member_status=None):
    """Every image matching the filters (all pages), as raw dicts.

    ``visibility`` may be ``all``; ``tags`` must all be on an image.
    """
    params = {}
    if owner:
        params['owner'] = owner
    if visibility:
        params['visibility'] = visibility
    if member_status:
        params['member_status'] = member_status
    if tags:
        params['tag'] = list(tags)
    return list(cloud.paginate(proxy, IMAGES, 'images', params))


def _quote(name):
    return '"%s"' % name


def _batches(values, render):
    batch, size = [], 0
    for value in values:
        item = render(value)
        if batch and size + len(item) + 1 > BATCH_CHARS:
            yield batch
            batch, size = [], 0
        batch.append(item)
        size += len(item) + 1
    if batch:
        yield batch


def _listing(proxy, key, expression):
    params = dict(SEE_ALL)
    params[key] = expression
    return cloud.paginate(proxy, IMAGES, 'images', params)


def find_images(proxy, refs):
    """Resolve names and IDs given by the user.

    Returns ``(found, problems)``: ``found`` maps each resolved ref to its
    image (an ID wins over a name, as in ``openstack image show``),
    ``problems`` maps each other ref to a one-line reason (not found, or a
    name shared by several images).
    """
    refs = list(dict.fromkeys(refs))
    by_id, by_name = {}, {}
    ids = [r.lower() for r in refs if looks_like_id(r)]
    for batch in _batches(ids, str):
        for image in _listing(proxy, 'id', 'in:' + ','.join(batch)):
            by_id[image['id']] = image
    # Glance's "in:" list cannot carry a double quote or a backslash
    # (they are not unescaped): such names are looked up one by one.
    plain = [r for r in refs if '"' not in r and '\\' not in r]
    odd = [r for r in refs if r not in plain]
    for batch in _batches(plain, _quote):
        for image in _listing(proxy, 'name', 'in:' + ','.join(batch)):
            by_name.setdefault(image.get('name'), []).append(image)
    for name in odd:
        for image in _listing(proxy, 'name', 'eq:' + name):
            by_name.setdefault(image.get('name'), []).append(image)

    found, problems = {}, {}
    for ref in refs:
        image = by_id.get(ref.lower())
        if image is not None:
            found[ref] = image
            continue
        named = by_name.get(ref, [])
        if len(named) == 1:
            found[ref] = named[0]
        elif named:
            problems[ref] = ('%d images are named %r; give the ID (%s)'
                             % (len(named), ref,
                                ', '.join(sorted(i['id'] for i in named))))
        else:
            problems[ref] = 'no image found for %r' % ref
    return found, problems
