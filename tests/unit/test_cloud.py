"""cloud.image_proxy: how failures to get an image endpoint are worded."""

from unittest import mock

from keystoneauth1 import exceptions as ks_exc
from openstack import exceptions as sdk_exc
import testtools

from osc_imagetools import cloud


class _Conn:
    """An SDK connection whose ``image`` attribute raises ``exc``."""

    def __init__(self, exc, endpoint):
        self._exc = exc
        self.config = mock.Mock()
        self.config.get_endpoint.return_value = endpoint

    @property
    def image(self):
        raise self._exc


def app_with(conn):
    app = mock.Mock()
    app.client_manager.sdk_connection = conn
    return app


class TestImageProxy(testtools.TestCase):

    def test_discovery_failure_names_the_endpoint(self):
        exc = sdk_exc.ServiceDiscoveryException(
            'Failed to create a working proxy for service image: No '
            'endpoint data found.')
        err = self.assertRaises(
            cloud.CloudError, cloud.image_proxy,
            app_with(_Conn(exc, 'http://127.0.0.1:9')))
        self.assertEqual(
            'cannot reach the image service at http://127.0.0.1:9: Failed '
            'to create a working proxy for service image: No endpoint data '
            'found.', str(err))

    def test_discovery_failure_without_a_known_endpoint(self):
        exc = sdk_exc.ServiceDiscoveryException('No endpoint data\nfound.')
        err = self.assertRaises(cloud.CloudError, cloud.image_proxy,
                                app_with(_Conn(exc, None)))
        self.assertEqual('cannot reach the image service: No endpoint data '
                         'found.', str(err))

    def test_connect_failure(self):
        exc = ks_exc.ConnectFailure('Unable to establish connection to '
                                    'http://127.0.0.1:9/v3')
        err = self.assertRaises(cloud.CloudError, cloud.image_proxy,
                                app_with(_Conn(exc, None)))
        self.assertEqual('cannot reach the cloud: Unable to establish '
                         'connection to http://127.0.0.1:9/v3', str(err))
