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
stderr or a ``Result`` column.
"""

import html
import re

from keystoneauth1 import exceptions as ks_exc

# Glance caps list pages at api_limit_max (1000 by default); asking for the
# maximum keeps a listing of N images at ceil(N/1000) requests.
MAX_PAGE = 1000


class CloudError(Exception):
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
    is in ``ok``, else raise :class:`CloudError`."""
    try:
        resp = proxy.request(path, method, **kwargs)
    except ks_exc.ClientException as exc:
        # connection refused, timeouts, 401 from keystone, missing endpoint...
        raise CloudError(_ks_message(exc),
                         getattr(exc, 'http_status', None)) from None
    if resp.status_code not in ok:
        raise CloudError(response_message(resp), resp.status_code)
    return resp


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


def image_proxy(app):
    """The SDK image proxy of OSC's shared connection (endpoint discovery
    happens here, so its failures become :class:`CloudError` too)."""
    try:
        return app.client_manager.sdk_connection.image
    except ks_exc.ClientException as exc:
        raise CloudError(_ks_message(exc),
                         getattr(exc, 'http_status', None)) from None
