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

import concurrent.futures
import logging
import random
import re
import time

from osc_imagetools import cloud
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


def _put_status(proxy, image_id, project, status):
    delay = RETRY_DELAY
    for attempt in range(PUT_RETRIES + 1):
        try:
            return cloud.request(proxy, 'PUT', member_path(image_id, project),
                                 json={'status': status},
                                 status_code_retries=0)
        except cloud.CloudError as exc:
            if attempt == PUT_RETRIES or (exc.status or 0) < 500:
                raise
            LOG.debug('member status of %s: %s; sending again', image_id,
                      exc)
        time.sleep(delay * (0.5 + random.random()))
        delay *= 2


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
    def of(cls, app):
        from keystoneauth1 import exceptions as ks_exc
        try:
            ref = app.client_manager.auth_ref
        except ks_exc.ClientException as exc:
            raise cloud.CloudError(cloud._ks_message(exc),
                                   getattr(exc, 'http_status', None)) from None
        if ref is None:
            # a bare token and endpoint (--os-auth-type admin_token): we
            # cannot tell whose it is; --project must say it
            return cls(None)
        # Glance's default policy: "context_is_admin" is role:admin, and an
        # admin's image listing ignores member_status.
        roles = set(getattr(ref, 'role_names', None) or ())
        return cls(ref.project_id, getattr(ref, 'project_name', None),
                   'admin' in roles)


def resolve_project(app, value, caller):
    """``(project_id, note)`` for a ``--project``/``--owner`` ``value``
    (ID or name); ``note`` is ``None`` or a warning for stderr.

    Keystone lets an admin look names up; a member gets 403 for any project
    but its own, and then ``value`` is taken as an ID as given (a wrong one
    simply matches nothing, hence the note when it does not look like an
    ID).
    """
    if value in (caller.project_id, caller.project_name):
        return caller.project_id, None
    if caller.project_id is None:
        return value, None  # a bare token: no catalog to find Keystone in
    from openstack import exceptions as sdk_exc
    try:
        conn = app.client_manager.sdk_connection
        return conn.identity.find_project(value, ignore_missing=False).id, None
    except sdk_exc.ForbiddenException:
        note = None
        if not re.fullmatch(r'[0-9a-f]{32}', value):
            note = ('Keystone does not let this account look project %r up; '
                    'it is used as a project ID as given' % value)
        return value, note
    except sdk_exc.NotFoundException:
        raise cloud.CloudError('no project %r in Keystone' % value) from None
    except sdk_exc.SDKException as exc:
        raise cloud.CloudError('cannot look project %r up: %s' % (
            value, ' '.join(str(exc).split()))) from None
