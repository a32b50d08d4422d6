"""Flavors and their extra specs from the Compute API (openstacksdk's
``compute`` proxy).

Nova returns each flavor's ``extra_specs`` in ``GET /flavors/detail`` from
microversion 2.61 on; from an older Nova (which answers 406 to 2.61) one
``GET /flavors/{id}/os-extra_specs`` per selected flavor is needed. The
listing asks for Nova's largest page (1000), so F flavors cost
ceil(F/1000) requests with 2.61; without it, one more listing and one
request per selected flavor.

Raw JSON requests, like the Glance side: the flavor dicts go straight to
:func:`osc_imagetools.validation.flavor.normalize_flavor`.
"""

from osc_imagetools import cloud

EXTRA_SPECS_MICROVERSION = '2.61'
NO_COMPUTE = ('the cloud has no compute endpoint (Nova) in its catalog: '
              'give the flavors with --flavor-file')
PAGE = 1000


class FlavorLookup:
    """Reads flavors through ``proxy`` (the SDK compute proxy) and counts
    the requests it sends (:attr:`requests`)."""

    def __init__(self, proxy):
        self.proxy = proxy
        self.requests = 0

    def _get(self, path, params=None, microversion=None):
        self.requests += 1
        kwargs = {'params': params}
        if microversion:
            kwargs['microversion'] = microversion
        return cloud.request(self.proxy, 'GET', path, **kwargs).json()

    def list_flavors(self):
        """Every flavor the caller can see (public, and private ones it has
        access to; every flavor for an admin), all pages; with their extra
        specs when the cloud's Nova speaks microversion 2.61. Asked for
        directly rather than after a version discovery request: Nova
        answers 406 to a microversion it does not know, and the listing
        is then read again without it."""
        try:
            return self._list(EXTRA_SPECS_MICROVERSION)
        except cloud.CloudError as exc:
            if exc.status != 406:
                raise
        return self._list(None)

    def _list(self, microversion):
        params = {'limit': PAGE, 'is_public': 'None'}
        out = []
        while True:
            body = self._get('/flavors/detail', params, microversion)
            page = body.get('flavors') or []
            out.extend(page)
            nxt = [link for link in body.get('flavors_links') or ()
                   if link.get('rel') == 'next']
            if not nxt or not page:
                return out
            params = dict(params, marker=page[-1]['id'])

    def extra_specs(self, flavor):
        """``flavor`` with its ``extra_specs`` (one GET when the listing
        did not carry them), or None when it is gone."""
        if 'extra_specs' in flavor:
            return flavor
        try:
            body = self._get('/flavors/%s/os-extra_specs' % flavor['id'])
        except cloud.CloudError as exc:
            if exc.status != 404:
                raise
            return None  # deleted since the listing
        return dict(flavor, extra_specs=body.get('extra_specs') or {})


def select(flavors, refs):
    """``(selected, problems)``: the flavors named by ``refs`` (ID or name;
    all of them when ``refs`` is empty) and one line per ref that matches
    none or several."""
    if not refs:
        return list(flavors), []
    by_id = {str(f.get('id')): f for f in flavors}
    selected, problems, seen = [], [], set()
    for ref in refs:
        if ref in by_id:
            match = [by_id[ref]]
        else:
            match = [f for f in flavors if f.get('name') == ref]
        if not match:
            problems.append('no flavor named or with ID %s' % ref)
        elif len(match) > 1:
            problems.append('%d flavors are named %s; give the ID'
                            % (len(match), ref))
        elif str(match[0].get('id')) not in seen:
            seen.add(str(match[0].get('id')))
            selected.append(match[0])
    return selected, problems


def fetch_flavors(proxy, refs=()):
    """``(flavors, problems, requests)``: the flavors named by ``refs``
    (every visible flavor when empty), each with its ``extra_specs``."""
    lookup = FlavorLookup(proxy)
    selected, problems = select(lookup.list_flavors(), refs)
    found = []
    for flavor in selected:
        full = lookup.extra_specs(flavor)
        if full is None:
            problems.append('flavor %s was deleted while it was read'
                            % flavor.get('name'))
        else:
            found.append(full)
    return found, problems, lookup.requests


def connect_compute(conn):
    """The compute proxy of the SDK connection ``conn``; a cloud without a
    compute endpoint is a :class:`~osc_imagetools.cloud.CloudError`."""
    from keystoneauth1 import exceptions as ks_exc
    from openstack import exceptions as sdk_exc

    try:
        proxy = conn.compute
        # openstacksdk hands out a stand-in that raises on first use when
        # the catalog has no compute service: find out here
        proxy.get_endpoint_data  # noqa: B018
        return cloud.set_retries(proxy)
    except (ks_exc.EndpointNotFound, sdk_exc.ServiceDisabledException):
        raise cloud.CloudError(NO_COMPUTE) from None
    except (ks_exc.ClientException, sdk_exc.SDKException) as exc:
        raise cloud.CloudError('cannot reach the compute service: %s'
                               % ' '.join(str(exc).split())) from None
