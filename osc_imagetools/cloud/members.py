"""Image members: the images shared with a project, and their status.

Glance's image listing (``GET /v2/images?visibility=shared``) gives each
image's ``owner`` but not the caller's member status, and it only filters by
one status at a time (``member_status=pending|accepted|rejected|all``). The
ways to learn the status of N shares, and what each costs in requests:

* one listing per status, run concurrently (:func:`list_shares`, the caller
  is the member): 3 listings of ``ceil(N/1000)`` pages give every share its
  status, no per-image request. This is the normal path.
* one ``GET /v2/images/{id}/members/{project}`` per image (pool of
  :data:`WORKERS`): needed when the caller is an admin, whose listing Glance
  does not narrow by membership (every shared image of the cloud comes back
  whatever ``member_status`` says), or acts for another project. It is also
  the only source of the membership's ``created_at``/``updated_at``
  (:func:`add_timestamps`).
* ``GET /v2/images/{id}`` + ``GET .../members/{project}`` for an image asked
  for by ID but absent from the listings (:func:`get_shares`): it finds it
  anyway when Glance knows it, or returns Glance's reason (unknown image,
  not a member, not a ``shared`` image).

Writes are one ``PUT /v2/images/{id}/members/{project}`` per image
(:func:`set_status`), concurrent, results in input order.
"""

import collections
import concurrent.futures
import logging
import random
import time

from osc_imagetools import cloud
from osc_imagetools import errors
from osc_imagetools import ids
from osc_imagetools.sharing import STATUSES

LOG = logging.getLogger(__name__)

# bounded pool for per-image requests: enough to hide latency, small enough
# not to swamp a Glance API worker (and below requests' pool of 10 sockets)
WORKERS = 8

# Setting a member status is idempotent, so a 5xx answer to the PUT is sent
# again, up to PUT_RETRIES times with a jittered, doubling delay (seen here:
# under concurrent writes, Glance on SQLite answers some of them 500
# "database is locked"; a 503 from a restarting API is the same kind of
# transient answer). 4xx answers are final. This loop replaces, for these
# PUTs only, the keystoneauth status-code retries that cloud.image_proxy sets
# for every idempotent request (status_code_retries=0 below, so the two never
# multiply; connection failures are still retried by keystoneauth): up to
# WORKERS PUTs fail together on one locked database, and keystoneauth's
# un-jittered delays would send them again together; it also logs a WARNING
# line per retry on stderr, which would bury the one-line-per-failure output.
PUT_RETRIES = 5
RETRY_DELAY = 0.1


def _pmap(fn, items):
    """``[fn(x) for x in items]`` on a pool of :data:`WORKERS`, in order."""
    items = list(items)
    if len(items) <= 1:
        return [fn(x) for x in items]
    with concurrent.futures.ThreadPoolExecutor(
            max_workers=min(WORKERS, len(items))) as pool:
        return list(pool.map(fn, items))


def _share(image, status, member=None):
    share = {'id': image['id'], 'name': image.get('name'),
             'owner': image.get('owner'),
             'visibility': image.get('visibility'), 'status': status}
    if member:
        share['created_at'] = member.get('created_at')
        share['updated_at'] = member.get('updated_at')
    return share


def _listing(proxy, member_status, owner=None):
    params = {'visibility': 'shared', 'member_status': member_status}
    if owner:
        params['owner'] = owner
    return list(cloud.paginate(proxy, '/images', 'images', params))


def member_path(image_id, project):
    return '/images/%s/members/%s' % (image_id, project)


def get_member(proxy, image_id, project, missing_ok=False):
    """The membership of ``project`` in an image (``status``,
    ``created_at``, ``updated_at``); ``None`` for a 404 if ``missing_ok``."""
    try:
        return cloud.get_json(proxy, member_path(image_id, project))
    except cloud.CloudError as exc:
        if missing_ok and exc.status == 404:
            return None
        raise


def list_shares(proxy, project, statuses=STATUSES, owner=None,
                via_members=False):
    """The images shared with ``project`` whose member status is in
    ``statuses``, as share dicts (see :mod:`osc_imagetools.sharing`).

    ``owner`` (a project ID) narrows the listing on the server.
    ``via_members`` must be true when the token is an admin's or belongs to
    another project than ``project`` (see the module docstring).
    """
    if via_members:
        images = _listing(proxy, 'all', owner)
        members = _pmap(
            lambda img: get_member(proxy, img['id'], project,
                                   missing_ok=True), images)
        return [_share(img, m['status'], m)
                for img, m in zip(images, members)
                if m is not None and m.get('status') in statuses]
    pages = _pmap(lambda s: (s, _listing(proxy, s, owner)), statuses)
    shares, seen = [], set()
    for status, images in pages:
        for img in images:
            # a status changed between two listings shows twice: keep one
            if img['id'] not in seen:
                seen.add(img['id'])
                shares.append(_share(img, status))
    return shares


def get_shares(proxy, image_ids, project):
    """``{image_id: share dict, or the one-line reason it is not a share of
    project}`` for images looked up by ID."""
    def one(image_id):
        try:
            image = cloud.get_json(proxy, '/images/%s' % image_id)
            member = get_member(proxy, image_id, project)
        except cloud.CloudError as exc:
            return image_id, str(exc)
        return image_id, _share(image, member.get('status'), member)
    return dict(_pmap(one, list(dict.fromkeys(image_ids))))


def add_timestamps(proxy, shares, project):
    """Fill the membership ``created_at``/``updated_at`` of shares that lack
    them: one GET per share, concurrent. A membership gone meanwhile leaves
    them empty."""
    todo = [s for s in shares if 'created_at' not in s]
    members = _pmap(
        lambda s: get_member(proxy, s['id'], project, missing_ok=True), todo)
    for share, member in zip(todo, members):
        member = member or {}
        share['created_at'] = member.get('created_at')
        share['updated_at'] = member.get('updated_at')
    return shares


def send(proxy, method, path, ok=(200,), done_after_retry=(), **kwargs):
    """One write with the bounded 5xx retries described at
    :data:`PUT_RETRIES`; returns the response, or ``None`` when an answer
    in ``done_after_retry`` came after a retried 5xx (a 500 that Glance
    sends after it committed the write: the POST sent again finds the
    member there, 409; the DELETE sent again finds it gone, 404)."""
    delay = RETRY_DELAY
    retried = False
    for attempt in range(PUT_RETRIES + 1):
        try:
            return cloud.request(proxy, method, path, ok=ok,
                                 status_code_retries=0, **kwargs)
        except cloud.CloudError as exc:
            if retried and exc.status in done_after_retry:
                return None
            if attempt == PUT_RETRIES or (exc.status or 0) < 500:
                raise
            LOG.debug('%s %s: %s; sending again', method, path, exc)
            retried = True
        time.sleep(delay * (0.5 + random.random()))
        delay *= 2


def _put_status(proxy, image_id, project, status):
    return send(proxy, 'PUT', member_path(image_id, project),
                json={'status': status})


def set_status(proxy, image_ids, project, status):
    """Set ``project``'s member status on each image: a list aligned with
    ``image_ids`` of ``None`` (done) or the one-line reason it failed."""
    def one(image_id):
        try:
            _put_status(proxy, image_id, project, status)
        except cloud.CloudError as exc:
            return str(exc)
        return None
    return _pmap(one, image_ids)


class Caller:
    """Who the token belongs to: project ID and name, admin or not.

    ``project_id`` is ``None`` when the authentication gives no token data
    (a bare token with an endpoint); the caller's role is then unknown.
    """

    def __init__(self, project_id, project_name=None, is_admin=False):
        self.project_id = project_id
        self.project_name = project_name
        self.is_admin = is_admin

    @classmethod
    def from_auth_ref(cls, ref):
        """The caller of keystoneauth's ``AccessInfo`` ``ref`` (``None``:
        a bare token and endpoint, ``--os-auth-type admin_token``: we
        cannot tell whose it is; --project must say it)."""
        if ref is None:
            return cls(None)
        # Glance's default policy: "context_is_admin" is role:admin, and an
        # admin's image listing ignores member_status.
        roles = set(getattr(ref, 'role_names', None) or ())
        return cls(ref.project_id, getattr(ref, 'project_name', None),
                   'admin' in roles)


class UnresolvedProject(errors.InputError):
    """A ``--project``/``--owner`` value that names no project we can use:
    bad input (exit code 2), not a failure of the cloud."""


def resolve_project(conn, value, caller):
    """The project ID for a ``--project``/``--owner`` ``value`` (ID or
    name), or :class:`UnresolvedProject`.

    Keystone lets an admin look names up; a member gets 403 for any project
    but its own. So for a member, a value that looks like an ID
    (:func:`osc_imagetools.ids.looks_like_id`) is used as given
    without asking, and a name Keystone refuses is an error: used as an ID
    it would silently match nothing. An admin's values are all checked.
    """
    if value in (caller.project_id, caller.project_name):
        return caller.project_id
    if caller.project_id is None:
        # a bare token: no catalog to find Keystone in
        if ids.looks_like_id(value):
            return value
        raise UnresolvedProject(
            'cannot look project %r up without Keystone (a bare token and '
            'endpoint): give the project ID' % value)
    if not caller.is_admin and ids.looks_like_id(value):
        # Keystone's default policy lets a member read its own project
        # only: the lookup would cost two requests (by ID, then by name),
        # each answered 403, per project, to end up using the value as is
        return value
    from openstack import exceptions as sdk_exc
    try:
        return conn.identity.find_project(value, ignore_missing=False).id
    except sdk_exc.ForbiddenException:
        if ids.looks_like_id(value):
            return value
        raise UnresolvedProject(
            'Keystone does not let this account look project %r up: give '
            'the project ID' % value) from None
    except sdk_exc.NotFoundException:
        raise UnresolvedProject('no project %r in Keystone' % value) from None
    except sdk_exc.SDKException as exc:
        raise cloud.CloudError('cannot look project %r up: %s' % (
            value, ' '.join(str(exc).split()))) from None


# -- the owner's side: members of the caller's images ----------------------

JSON_PATCH = 'application/openstack-images-v2.1-json-patch'


def find_images(proxy, refs, owner):
    """Resolve the images an owner names: ``(found, problems)``, ``found``
    mapping each resolved ref to its image (raw JSON), ``problems`` each
    other ref to a one-line reason.

    Names resolve among the images ``owner`` owns, in any visibility: one
    listing of ``ceil(N/1000)`` pages for N owned images. An ID that listing
    does not hold (an admin naming another project's image) costs one
    ``GET /v2/images/{id}``, which also gives Glance's reason when the
    image is unknown or hidden.
    """
    owned = [] if owner is None else list(cloud.paginate(
        proxy, '/images', 'images', {
            'owner': owner, 'visibility': 'all', 'member_status': 'all'}))
    by_id = {img['id']: img for img in owned}
    by_name = collections.defaultdict(list)
    for img in owned:
        by_name[img.get('name')].append(img)
    found, problems, lookups = {}, {}, []
    for ref in dict.fromkeys(refs):
        if ref.lower() in by_id:
            found[ref] = by_id[ref.lower()]
        elif len(by_name.get(ref, ())) == 1:
            found[ref] = by_name[ref][0]
        elif by_name.get(ref):
            problems[ref] = ('%d of your images are named %r; give the ID '
                             '(%s)' % (len(by_name[ref]), ref, ', '.join(
                                 sorted(i['id'] for i in by_name[ref]))))
        elif ids.looks_like_id(ref):
            lookups.append(ref)
        else:
            problems[ref] = 'you own no image named %r' % ref

    def one(ref):
        try:
            return ref, cloud.get_json(proxy, '/images/%s' % ref)
        except cloud.CloudError as exc:
            return ref, str(exc)
    for ref, got in _pmap(one, lookups):
        (found if isinstance(got, dict) else problems)[ref] = got
    return found, problems


def list_owned_shared(proxy, owner):
    """The ``shared`` images ``owner`` owns (raw JSON, all pages)."""
    return [img for img in cloud.paginate(proxy, '/images', 'images', {
        'owner': owner, 'visibility': 'shared', 'member_status': 'all'})
        if img.get('owner') == owner]


def get_members(proxy, image_ids):
    """``{image_id: {project: member dict}, or the one-line reason the
    members cannot be read}``: one ``GET /v2/images/{id}/members`` per
    image, concurrent."""
    def one(image_id):
        try:
            body = cloud.get_json(proxy, '/images/%s/members' % image_id)
        except cloud.CloudError as exc:
            return image_id, str(exc)
        return image_id, {m['member_id']: m for m in body.get('members', [])}
    return dict(_pmap(one, list(dict.fromkeys(image_ids))))


def _outcomes(fn, items):
    def one(item):
        try:
            fn(item)
        except cloud.CloudError as exc:
            return str(exc)
        return None
    return _pmap(one, items)


def add_members(proxy, pairs):
    """``POST /v2/images/{id}/members`` for each ``(image_id, project)``,
    concurrent: a list aligned with ``pairs`` of ``None`` (done) or the
    reason it failed. A POST is not idempotent in general, but this one is
    in effect: after a retried 5xx, a 409 (already a member) means the
    first one was committed."""
    return _outcomes(lambda p: send(
        proxy, 'POST', '/images/%s/members' % p[0], ok=(200,),
        done_after_retry=(409,), json={'member': p[1]}), pairs)


def remove_members(proxy, pairs):
    """``DELETE /v2/images/{id}/members/{project}`` for each pair, like
    :func:`add_members` (404 after a retried 5xx: already gone)."""
    return _outcomes(lambda p: send(
        proxy, 'DELETE', member_path(*p), ok=(204,),
        done_after_retry=(404,)), pairs)


def make_shared(proxy, image_ids):
    """Set each image's visibility to ``shared`` (a JSON-patch replace,
    idempotent, so 5xx answers are sent again): ``None`` or a reason per
    image."""
    return _outcomes(lambda image_id: send(
        proxy, 'PATCH', '/images/%s' % image_id, ok=(200,),
        json=[{'op': 'replace', 'path': '/visibility', 'value': 'shared'}],
        headers={'Content-Type': JSON_PATCH}), image_ids)
