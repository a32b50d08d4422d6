"""The project's cloud client: what ``client_manager.imagetools`` is.

:func:`osc_imagetools.plugin.make_client` builds one :class:`Client` per
``openstack`` run over OSC's SDK connection; the commands ask it for the
image and compute proxies and for the caller's identity, and hand those to
the functions of this package. Nothing is contacted when the client is
made: each proxy is made on first use (authentication and endpoint
discovery happen then), with the retry policy of
:func:`osc_imagetools.cloud.set_retries`, and every failure on the way is
a :class:`osc_imagetools.cloud.CloudError` worded once, here and in
:mod:`osc_imagetools.cloud`.

This module knows nothing of cliff or OSC: it takes the connection (or a
function returning it, so that OSC's lazily built connection stays lazy)
and a function returning keystoneauth's ``AccessInfo``.
"""

from osc_imagetools import cloud


class Client:
    """One cloud, as the commands see it.

    ``connection``: an ``openstack.connection.Connection``, or a callable
    returning one; ``auth_ref``: a callable returning the token's
    ``AccessInfo`` (``None`` for a bare token and endpoint).
    """

    def __init__(self, connection, auth_ref=None):
        # a Connection is not callable; a factory is called once
        self._make_connection = connection if callable(connection) else None
        self._connection = None if callable(connection) else connection
        self._auth_ref = auth_ref
        self._image = None
        self._compute = None

    @property
    def sdk_connection(self):
        """The SDK connection (made on first use)."""
        if self._make_connection is not None:
            self._connection = self._make_connection()
            self._make_connection = None
        return self._connection

    @property
    def image(self):
        """The image (Glance) proxy, retries set
        (:func:`osc_imagetools.cloud.connect_image`)."""
        if self._image is None:
            self._image = cloud.connect_image(self.sdk_connection)
        return self._image

    @property
    def compute(self):
        """The compute (Nova) proxy, retries set; a cloud without Nova is
        a :class:`~osc_imagetools.cloud.CloudError`
        (:func:`osc_imagetools.cloud.flavors.connect_compute`)."""
        if self._compute is None:
            from osc_imagetools.cloud import flavors

            self._compute = flavors.connect_compute(self.sdk_connection)
        return self._compute

    @property
    def auth_ref(self):
        """keystoneauth's ``AccessInfo`` of the token, or ``None``;
        a failed authentication is a :class:`~osc_imagetools.cloud.CloudError`."""
        from keystoneauth1 import exceptions as ks_exc

        if self._auth_ref is None:
            return None
        try:
            return self._auth_ref()
        except ks_exc.ClientException as exc:
            raise cloud.ks_error(exc) from None

    def caller(self):
        """Who the token belongs to
        (:class:`osc_imagetools.cloud.members.Caller`)."""
        from osc_imagetools.cloud import members

        return members.Caller.from_auth_ref(self.auth_ref)
