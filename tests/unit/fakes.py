"""The one set of fakes for command tests: a cliff/OSC app, its client
manager and the project's cloud client.

Only for unit tests of the command classes (tests/unit/v1): what Glance,
Keystone and Nova really do is proven by tests/functional against the real
services. The fakes are spec'd, so a command that touches something the
real objects do not have fails the test.
"""

import io
import json
from unittest import mock

import fixtures

from osc_imagetools.cloud import client as cloud_client
from osc_imagetools.cloud import members


class NoCloud:
    """A client manager that fails the test when the command touches it
    (any attribute: ``imagetools``, ``sdk_connection``, ``auth_ref``)."""

    def __getattr__(self, name):
        raise AssertionError('the cloud was contacted (%s)' % name)


def fake_client(image=None, compute=None, caller=None, connection=None):
    """A spec'd stand-in for :class:`osc_imagetools.cloud.client.Client`:
    ``image``/``compute`` are the proxies it hands out (fresh mocks unless
    given), ``caller()`` returns ``caller`` (a
    :class:`~osc_imagetools.cloud.members.Caller`)."""
    client = mock.NonCallableMock(spec=cloud_client.Client)
    client.image = image if image is not None else mock.Mock(
        name='image proxy')
    client.compute = compute if compute is not None else mock.Mock(
        name='compute proxy')
    client.sdk_connection = (connection if connection is not None
                             else mock.Mock(name='sdk connection'))
    client.caller.return_value = caller or members.Caller(None)
    return client


class FakeClientManager:
    """What a command may ask OSC's ClientManager for: ``imagetools`` (our
    client, :func:`osc_imagetools.plugin.make_client`'s), and
    ``get_configuration()`` (``image prepare`` asks whether a cloud is
    configured)."""

    def __init__(self, client, configuration=None):
        self.imagetools = client
        self._configuration = configuration or {}

    def get_configuration(self):
        return dict(self._configuration)


class FakeApp:
    """The part of OSC's shell a command uses: ``stdout``/``stderr``
    (StringIO), ``options.debug``, ``command_manager.namespace`` (cliff
    looks command hooks up in it), ``client_manager``, and
    ``prepare_to_run_command`` (OSC's hook that authenticates: a Mock, so
    tests see whether and when a command asked for authentication).

    Without a ``client`` the client manager is :class:`NoCloud`."""

    def __init__(self, client=None, debug=False):
        self.stdout = io.StringIO()
        self.stderr = io.StringIO()
        self.options = mock.Mock(spec=['debug'], debug=debug)
        self.command_manager = mock.Mock(spec=['namespace'],
                                         namespace='osc_imagetools.tests')
        self.client_manager = (NoCloud() if client is None
                               else FakeClientManager(client))
        self.prepare_to_run_command = mock.Mock(
            name='prepare_to_run_command', return_value=None)

    @property
    def authenticated(self):
        """How many times the command asked OSC to authenticate."""
        return self.prepare_to_run_command.call_count

    def reset_output(self):
        self.stdout = io.StringIO()
        self.stderr = io.StringIO()


class FakeResponse:
    """What :func:`osc_imagetools.cloud.request` reads of a keystoneauth
    response: ``status_code``, ``text``, ``json()``, ``reason``."""

    def __init__(self, status, body=None):
        self.status_code = status
        self._body = body or {}
        self.text = json.dumps(self._body)
        self.reason = ''

    def json(self):
        return self._body


class UserConfig(fixtures.Fixture):
    """A temporary directory as ``$XDG_CONFIG_HOME``: no user profiles or
    rule files from the machine running the tests. ``path`` is the
    directory (tests may also use it as their scratch space)."""

    def _setUp(self):
        self.path = self.useFixture(fixtures.TempDir()).path
        self.useFixture(fixtures.EnvironmentVariable('XDG_CONFIG_HOME',
                                                     self.path))
