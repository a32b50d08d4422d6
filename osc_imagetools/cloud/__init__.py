"""The one place that talks to Glance.

Everything here goes through openstacksdk's image proxy (a keystoneauth
adapter bound to the Glance endpoint, ``.../v2/``), so authentication,
``--os-cloud``, ``--debug`` logging, TLS and retries are OSC's own.

Raw JSON requests are used where openstacksdk's resources lose information
(``Image.to_dict()`` converts ``'yes'`` to ``True``; ``MetadefNamespace`` drops
properties and objects; ``Image.find`` never asks for ``member_status=all``).

Import this module only inside ``take_action``: it pulls in keystoneauth
and openstacksdk pieces that OSC does not load for other commands.

Errors become :class:`CloudError`, whose ``str()`` is one line fit for
stderr or a ``Result`` column; it is an
:class:`osc_imagetools.errors.OperationError` (exit code 1), which the
command base reports.

Nothing in this package knows about cliff or OSC: the commands reach it
through ``client_manager.imagetools``, a :class:`.client.Client` built by
:func:`osc_imagetools.plugin.make_client` over OSC's SDK connection.
"""

import html
import re

from keystoneauth1 import exceptions as ks_exc

from osc_imagetools import errors

# Retries (keystoneauth does them; see image_proxy): a request that could
# not connect, or was reset, and an answer in RETRIABLE_STATUS_CODES are sent
# again up to RETRIES times, after 0.5, 1, 2... seconds (keystoneauth's
# exponential delay when no fixed delay is set). Only a request that can be
# replayed without harm: an idempotent method (GET/HEAD/PUT/DELETE) with no
# body or a body held in memory. A POST (creates: a second image, property,
# namespace) and a streamed upload (the file iterator is consumed) are sent
# once.
RETRIES = 3
RETRIABLE_STATUS_CODES = (500, 502, 503, 504)
IDEMPOTENT = frozenset(('GET', 'HEAD', 'PUT', 'DELETE', 'OPTIONS'))

# Glance caps list pages at api_limit_max (1000 by default); asking for the
# maximum keeps a listing of N images at ceil(N/1000) requests.
MAX_PAGE = 1000


class CloudError(errors.OperationError):
    """A failed request, as one line: ``<status>: <message>``."""

    def __init__(self, message, status=None):
        super().__init__(message)
        self.status = status
        self.message = message

    def __str__(self):
        if self.status:
            return '%s %s' % (self.status, self.message)
        return self.message


def response_message(resp):
    """The human part of a Glance error body, on one line.

    Glance answers errors with a small HTML page (title + text) or, for
    some paths, JSON; keystoneauth/keystone with JSON ``{"error": {...}}``.
    """
    text = resp.text or ''
    try:
        body = resp.json()
    except ValueError:
        body = None
    if isinstance(body, dict):
        err = body.get('error') if isinstance(body.get('error'), dict) else body
        for key in ('message', 'detail', 'title', 'explanation'):
            if err.get(key):
                return ' '.join(str(err[key]).split())
    # HTML: drop the <title>/<h1> heading (it repeats the status), keep the text
    text = re.sub(r'(?is)<(title|h1)>.*?</\1>', ' ', text)
    text = html.unescape(re.sub(r'<[^>]+>', ' ', text))
    text = ' '.join(text.split())
    return text or (resp.reason or 'error')


def request(proxy, method, path, ok=(200,), **kwargs):
    """Send one request through ``proxy``; return the response if its status
    is in ``ok``, else raise :class:`CloudError`.

    Requests that cannot be replayed safely (see :data:`RETRIES`) are sent
    with retries off; a caller may also pass keystoneauth's
    ``connect_retries``/``status_code_retries`` itself."""
    if not replayable(method, kwargs.get('data')):
        kwargs.setdefault('connect_retries', 0)
        kwargs.setdefault('status_code_retries', 0)
    try:
        resp = proxy.request(path, method, **kwargs)
    except ks_exc.ClientException as exc:
        # connection refused, timeouts, 401 from keystone, missing endpoint...
        raise ks_error(exc) from None
    if resp.status_code not in ok:
        raise CloudError(response_message(resp), resp.status_code)
    return resp


def replayable(method, data=None):
    """Whether sending the request twice does no harm: an idempotent
    method, and a body that is absent or in memory (not a consumed
    stream)."""
    return (method.upper() in IDEMPOTENT
            and (data is None or isinstance(data, (bytes, str))))


def ks_error(exc):
    """The :class:`CloudError` for a keystoneauth exception (worded by
    :func:`_ks_message`, its HTTP status kept)."""
    return CloudError(_ks_message(exc), getattr(exc, 'http_status', None))


def _ks_message(exc):
    msg = ' '.join(str(exc).split())
    if isinstance(exc, ks_exc.ConnectFailure):
        return 'cannot reach the cloud: %s' % msg
    if isinstance(exc, ks_exc.Unauthorized):
        return 'authentication failed: %s' % msg
    return msg


def get_json(proxy, path, params=None):
    return request(proxy, 'GET', path, params=params).json()


def paginate(proxy, path, key, params=None, page_size=MAX_PAGE):
    """Yield the items of a Glance collection, following ``next`` links.

    ``path`` is relative to the image endpoint (``/images``,
    ``/metadefs/namespaces``); ``key`` is the list's key in the body.
    """
    params = dict(params or {})
    params.setdefault('limit', page_size)
    body = get_json(proxy, path, params)
    while True:
        yield from body.get(key, [])
        nxt = body.get('next')
        if not nxt:
            return
        # "next" is absolute from the API root: /v2/images?marker=...
        nxt = re.sub(r'^/?v2', '', nxt)
        body = get_json(proxy, nxt)


def get_schema(proxy, name):
    """The live JSON schema ``/v2/schemas/<name>`` (e.g. ``image``,
    ``metadefs/namespace``)."""
    return get_json(proxy, '/schemas/%s' % name)


def set_retries(proxy):
    """Configure keystoneauth's retries on ``proxy`` (an Adapter).

    keystoneauth's ``Adapter`` copies its ``connect_retries``,
    ``status_code_retries``, ``retriable_status_codes`` and retry delay
    attributes into each request's arguments with ``setdefault``, so a
    request may still override them (:func:`request` does for POSTs and
    streams). openstacksdk's own default for the image service is 5 retries
    on 503 for *every* method, POST and streamed uploads included, and no
    retry of a failed connection: both are replaced here. The delays are
    the cloud's (``image_connect_retry_delay`` /
    ``image_status_code_retry_delay`` in ``clouds.yaml``: a fixed delay);
    unset, keystoneauth doubles them from 0.5 s (max 60 s).
    """
    proxy.connect_retries = RETRIES
    proxy.status_code_retries = RETRIES
    proxy.retriable_status_codes = list(RETRIABLE_STATUS_CODES)
    return proxy


def connect_image(conn):
    """The image proxy of the SDK connection ``conn``, with the retry
    policy of :func:`set_retries` (endpoint discovery happens here, so its
    failures become :class:`CloudError` too)."""
    from openstack import exceptions as sdk_exc

    try:
        return set_retries(conn.image)
    except ks_exc.ClientException as exc:
        raise ks_error(exc) from None
    except sdk_exc.ServiceDiscoveryException as exc:
        # openstacksdk's words name neither the cause nor the URL it tried
        # (an image endpoint override that does not answer its version
        # discovery)
        try:
            where = conn.config.get_endpoint('image')
        except Exception:  # the message must not depend on it
            where = None
        raise CloudError('cannot reach the image service%s: %s'
                         % (' at %s' % where if where else '',
                            ' '.join(str(exc).split()))) from None
