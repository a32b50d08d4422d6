"""Creating an image and sending its data, then proving what Glance stored.

Raw Image API requests through the SDK proxy (see :mod:`osc_imagetools.cloud`):

* ``POST /v2/images`` creates the record (status ``queued``);
* the data goes once, streamed from the file, in one of two ways:
  ``PUT /v2/images/{id}/file`` (optionally to one store with the
  ``X-Image-Meta-Store`` header), or the interoperable import:
  ``PUT /v2/images/{id}/stage`` then ``POST /v2/images/{id}/import`` with
  ``glance-direct`` (and ``stores``), after which Glance copies the staged
  data in a task and the image becomes ``active``;
* ``GET /v2/images/{id}`` gives Glance's ``checksum`` (md5), ``os_hash_algo``
  / ``os_hash_value`` (sha512 by default) and ``size``, compared with the
  local values by :func:`compare`.

A failure or Ctrl-C after the record exists deletes the record (or says
clearly that it could not), so no image is left ``queued`` silently.
"""

import time

from osc_imagetools import cloud
from osc_imagetools import constants

MISMATCH_TAG = constants.MISMATCH_TAG
# the one import method the upload speaks (constants.IMPORT_METHODS)
IMPORT_METHOD, = constants.IMPORT_METHODS
# glance-direct: how long to wait for the import task, polling every
# POLL_MIN..POLL_MAX seconds
IMPORT_TIMEOUT = 3600
POLL_MIN = 0.2
POLL_MAX = 3.0


class UploadError(cloud.CloudError):
    """The upload failed; the message says what became of the image (and
    already names the HTTP status, kept in ``status``)."""

    def __str__(self):
        return self.message


class UploadInterrupted(KeyboardInterrupt):
    """Ctrl-C during the upload; ``note`` says what became of the image."""

    def __init__(self, note):
        super().__init__(note)
        self.note = note


def check_targets(proxy, import_method=None, stores=()):
    """Why the upload cannot go where asked (an import method or store this
    cloud does not offer), or None; asked before any image is created."""
    if import_method:
        info = cloud.get_json(proxy, '/info/import')
        methods = (info.get('import-methods') or {}).get('value') or []
        if import_method not in methods:
            return 'this cloud does not offer the %s import method (%s)' % (
                import_method, ', '.join(methods) or 'none')
    if stores:
        try:
            known = [s['id'] for s in
                     cloud.get_json(proxy, '/info/stores').get('stores', [])]
        except cloud.CloudError as exc:
            if exc.status in (404, 410):
                return 'this cloud has a single store: omit --store'
            raise
        unknown = [s for s in stores if s not in known]
        if unknown:
            return 'unknown store(s) %s (this cloud has %s)' % (
                ', '.join(unknown), ', '.join(known) or 'none')
    return None


def create_image(proxy, attrs):
    """``POST /images`` -> the new image's raw JSON."""
    return cloud.request(proxy, 'POST', '/images', ok=(201,),
                         json=attrs).json()


def get_image(proxy, image_id):
    return cloud.get_json(proxy, '/images/%s' % image_id)


def delete_image(proxy, image_id):
    cloud.request(proxy, 'DELETE', '/images/%s' % image_id, ok=(204,))


def add_tag(proxy, image_id, tag):
    cloud.request(proxy, 'PUT', '/images/%s/tags/%s' % (image_id, tag),
                  ok=(204,))


def _put_data(proxy, path, body, headers=None):
    hdrs = {'Content-Type': 'application/octet-stream'}
    hdrs.update(headers or {})
    # connect_retries=0: a retry could not resend a consumed stream
    cloud.request(proxy, 'PUT', path, ok=(204,), data=body, headers=hdrs,
                  connect_retries=0)


def send_file(proxy, image_id, body, store=None):
    """``PUT /images/{id}/file``; ``store``: one backend (multi-store)."""
    headers = {'X-Image-Meta-Store': store} if store else None
    _put_data(proxy, '/images/%s/file' % image_id, body, headers)


def stage_and_import(proxy, image_id, body, stores=(), timeout=IMPORT_TIMEOUT,
                     sleep=time.sleep, clock=time.monotonic, on_poll=None):
    """glance-direct: stage the data, ask for the import, wait until the
    image is active (``on_poll(image)`` after each look at it). Returns
    the image's raw JSON."""
    _put_data(proxy, '/images/%s/stage' % image_id, body)
    req = {'method': {'name': IMPORT_METHOD}}
    if stores:
        req['stores'] = list(stores)
        req['all_stores_must_succeed'] = True
    cloud.request(proxy, 'POST', '/images/%s/import' % image_id, ok=(202,),
                  json=req)
    return wait_for_import(proxy, image_id, timeout, sleep, clock, on_poll)


def wait_for_import(proxy, image_id, timeout=IMPORT_TIMEOUT,
                    sleep=time.sleep, clock=time.monotonic, on_poll=None):
    deadline = clock() + timeout
    delay = POLL_MIN
    while True:
        image = get_image(proxy, image_id)
        if on_poll:
            on_poll(image)
        status = image.get('status')
        if status == 'active':
            return image
        failed = image.get('os_glance_failed_import')
        if status in ('killed', 'deleted', 'deactivated') or (
                failed and not image.get('os_glance_importing_to_stores')):
            raise cloud.CloudError(
                'the import of image %s failed (status %s%s)' % (
                    image_id, status,
                    ', failed stores: %s' % failed if failed else ''))
        if clock() > deadline:
            raise cloud.CloudError(
                'image %s is still %s after %d s of import'
                % (image_id, status, timeout))
        sleep(delay)
        delay = min(delay * 2, POLL_MAX)


def _discard(proxy, image_id, last_status='queued'):
    """Delete a half-made image; say what happened in a few words.

    When Glance does not answer any more, the image's status cannot be
    read: the message gives the status it was last seen in."""
    try:
        delete_image(proxy, image_id)
    except cloud.CloudError as exc:
        status = None
        try:
            status = get_image(proxy, image_id).get('status')
        except cloud.CloudError as get_exc:
            if get_exc.status == 404:
                status = 'deleted'
        if status == 'deleted':
            # a DELETE answered 5xx (e.g. SQLite locked) had been committed
            return 'image %s was deleted' % image_id
        where = ('was left in status %s' % status if status else
                 'was last seen in status %s' % last_status)
        return ('image %s %s and could not be deleted (%s): delete it with '
                '"openstack image delete %s"'
                % (image_id, where, _short(exc), image_id))
    return 'image %s was deleted' % image_id


def upload(proxy, attrs, body, import_method=None, stores=(),
           on_created=None, on_poll=None):
    """Create the image ``attrs`` and send ``body`` (an iterable with a
    ``len()``, e.g. :class:`~osc_imagetools.imagefile.hashing.HashingBody`).

    Returns the image's raw JSON as Glance holds it afterwards. On any
    error the image is deleted and :class:`UploadError` raised (its message
    tells whether the deletion worked); on Ctrl-C the same cleanup happens
    and :class:`UploadInterrupted` is raised. ``on_created(image)`` is
    called as soon as the record exists; ``on_poll(image)`` each time
    the image is read while waiting for an import task.
    """
    image = create_image(proxy, attrs)
    image_id = image['id']
    if on_created:
        on_created(image)
    try:
        if import_method == IMPORT_METHOD:
            return stage_and_import(proxy, image_id, body, stores,
                                    on_poll=on_poll)
        if import_method:
            raise cloud.CloudError('unsupported import method %s'
                                   % import_method)
        send_file(proxy, image_id, body, stores[0] if stores else None)
        return get_image(proxy, image_id)
    except KeyboardInterrupt:
        raise UploadInterrupted(
            'upload interrupted: %s' % _discard(
                proxy, image_id, image.get('status'))) from None
    except Exception as exc:
        # CloudError, or OSError from reading the file while sending
        status = getattr(exc, 'status', None)
        note = _discard(proxy, image_id, image.get('status'))
        raise UploadError('upload of image %s failed: %s; %s' % (
            image_id, _short(exc), note), status) from None


# the final error is one line: an exception's text (a keystoneauth
# connection failure repeats the URL and the urllib3 chain) is cut here
MAX_REASON = 160


def _one_line(exc):
    return ' '.join(str(exc).split()) or type(exc).__name__


def _short(exc):
    text = _one_line(exc)
    if len(text) > MAX_REASON:
        text = text[:MAX_REASON - 3].rstrip() + '...'
    return text


def find_image_ids(proxy, name):
    """IDs of the images named ``name`` that this user can see (any
    visibility, own or shared); asked before an upload."""
    return [img['id'] for img in cloud.paginate(
        proxy, '/images', 'images', {'name': name})]


def find_project_id(conn, name_or_id, domain=None):
    """``--project`` (name or ID, as OSC's image create takes it) to an ID
    through Keystone; a user who may not list projects gets the value as
    given (taken for an ID, as OSC does)."""
    from openstack import exceptions as sdk_exc

    try:
        kwargs = {}
        if domain:
            dom = conn.identity.find_domain(domain, ignore_missing=False)
            kwargs['domain_id'] = dom.id
        project = conn.identity.find_project(name_or_id, ignore_missing=True,
                                             **kwargs)
    except sdk_exc.ForbiddenException:
        return name_or_id
    except sdk_exc.SDKException as exc:
        raise cloud.CloudError('cannot look up project %s: %s' % (
            name_or_id, _short(exc))) from None
    if project is None:
        raise cloud.CloudError('no project %s%s' % (
            name_or_id, ' in domain %s' % domain if domain else ''))
    return project.id


def compare(image, hashes):
    """Glance's record against the local :class:`Hashes`: a list of
    ``(field, glance_value, local_value)`` that differ; empty when the
    stored data is exactly the local file."""
    diffs = []
    if image.get('checksum') != hashes.md5:
        diffs.append(('checksum', image.get('checksum'), hashes.md5))
    # with another os_hash_algo (an operator's choice) md5 and size remain
    if (image.get('os_hash_algo') == 'sha512'
            and image.get('os_hash_value') != hashes.sha512):
        diffs.append(('os_hash_value', image.get('os_hash_value'),
                      hashes.sha512))
    if image.get('size') is not None and image.get('size') != hashes.size:
        diffs.append(('size', image.get('size'), hashes.size))
    return diffs


def handle_mismatch(proxy, image_id, delete):
    """Tag the image :data:`MISMATCH_TAG`, or delete it; return what was
    done in a few words."""
    if delete:
        delete_image(proxy, image_id)
        return 'image %s was deleted' % image_id
    add_tag(proxy, image_id, MISMATCH_TAG)
    return 'image %s was tagged %s' % (image_id, MISMATCH_TAG)
