"""Getting the proxies: how failures to get an endpoint are worded
(cloud.connect_image, cloud.flavors.connect_compute), and the project's
client (cloud.client.Client) that plugin.make_client returns."""

from unittest import mock

from keystoneauth1 import exceptions as ks_exc
from openstack import exceptions as sdk_exc
import testtools

from osc_imagetools import cloud
from osc_imagetools.cloud import client as cloud_client
from osc_imagetools import errors


class _Conn:
    """An SDK connection whose ``image`` and ``compute`` attributes raise
    ``exc`` (or return a plain proxy when ``exc`` is None)."""

    def __init__(self, exc, endpoint=None):
        self._exc = exc
        self.config = mock.Mock()
        self.config.get_endpoint.return_value = endpoint
        self.proxy = mock.Mock(spec=['get_endpoint_data', 'request'])

    @property
    def image(self):
        if self._exc:
            raise self._exc
        return self.proxy

    compute = image


class TestConnectImage(testtools.TestCase):

    def test_discovery_failure_names_the_endpoint(self):
        exc = sdk_exc.ServiceDiscoveryException(
            'Failed to create a working proxy for service image: No '
            'endpoint data found.')
        err = self.assertRaises(
            cloud.CloudError, cloud.connect_image,
            _Conn(exc, 'http://127.0.0.1:9'))
        self.assertEqual(
            'cannot reach the image service at http://127.0.0.1:9: Failed '
            'to create a working proxy for service image: No endpoint data '
            'found.', str(err))

    def test_discovery_failure_without_a_known_endpoint(self):
        exc = sdk_exc.ServiceDiscoveryException('No endpoint data\nfound.')
        err = self.assertRaises(cloud.CloudError, cloud.connect_image,
                                _Conn(exc, None))
        self.assertEqual('cannot reach the image service: No endpoint data '
                         'found.', str(err))

    def test_connect_failure(self):
        exc = ks_exc.ConnectFailure('Unable to establish connection to '
                                    'http://127.0.0.1:9/v3')
        err = self.assertRaises(cloud.CloudError, cloud.connect_image,
                                _Conn(exc, None))
        self.assertEqual('cannot reach the cloud: Unable to establish '
                         'connection to http://127.0.0.1:9/v3', str(err))

    def test_retries_set(self):
        proxy = cloud.connect_image(_Conn(None))
        self.assertEqual((cloud.RETRIES, cloud.RETRIES,
                          list(cloud.RETRIABLE_STATUS_CODES)),
                         (proxy.connect_retries, proxy.status_code_retries,
                          proxy.retriable_status_codes))

    def test_cloud_error_is_an_operation_error(self):
        # the command base reports it: one line, exit code 1
        self.assertTrue(issubclass(cloud.CloudError, errors.OperationError))
        self.assertEqual(1, cloud.CloudError('x', 503).exit_code)


class TestClient(testtools.TestCase):

    def test_lazy_and_cached(self):
        conn = _Conn(None)
        made = []
        client = cloud_client.Client(lambda: made.append(1) or conn)
        self.assertEqual([], made)  # nothing until a proxy is asked for
        self.assertIs(conn.proxy, client.image)
        self.assertIs(conn.proxy, client.image)
        self.assertIs(conn, client.sdk_connection)
        self.assertEqual([1], made)
        self.assertEqual(cloud.RETRIES, client.image.status_code_retries)

    def test_image_failure_is_a_cloud_error(self):
        client = cloud_client.Client(_Conn(ks_exc.ConnectFailure('refused')))
        err = self.assertRaises(cloud.CloudError, lambda: client.image)
        self.assertEqual('cannot reach the cloud: refused', str(err))

    def test_compute(self):
        conn = _Conn(None)
        client = cloud_client.Client(conn)
        self.assertIs(conn.proxy, client.compute)
        self.assertEqual(cloud.RETRIES, client.compute.connect_retries)
        client = cloud_client.Client(_Conn(ks_exc.EndpointNotFound('no')))
        err = self.assertRaises(cloud.CloudError, lambda: client.compute)
        self.assertIn('no compute endpoint (Nova)', str(err))

    def test_auth_ref_and_caller(self):
        ref = mock.Mock(project_id='p1', project_name='one',
                        role_names=['admin'])
        client = cloud_client.Client(_Conn(None), auth_ref=lambda: ref)
        self.assertIs(ref, client.auth_ref)
        who = client.caller()
        self.assertEqual(('p1', 'one', True),
                         (who.project_id, who.project_name, who.is_admin))

    def test_auth_failure_is_worded_once(self):
        def refuse():
            raise ks_exc.Unauthorized('The request you have made requires '
                                      'authentication.', http_status=401)
        client = cloud_client.Client(_Conn(None), auth_ref=refuse)
        err = self.assertRaises(cloud.CloudError, client.caller)
        self.assertEqual(401, err.status)
        self.assertIn('authentication failed: The request you have made',
                      str(err))

    def test_no_auth_ref_is_an_unknown_caller(self):
        client = cloud_client.Client(_Conn(None))
        self.assertIsNone(client.caller().project_id)
        client = cloud_client.Client(_Conn(None), auth_ref=lambda: None)
        self.assertIsNone(client.caller().project_id)
