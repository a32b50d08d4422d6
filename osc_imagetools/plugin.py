"""OpenStackClient plugin contract for osc-imagetools.

OSC imports this module on every ``openstack`` invocation, so it must stay
import-cheap: nothing but the standard library and osc_lib (already loaded by
OSC) at module level.

The API name is deliberately *not* ``image``: OSC would otherwise replace its
own image client with ours.
"""

import logging

from osc_lib import utils

LOG = logging.getLogger(__name__)

DEFAULT_API_VERSION = '1'
API_VERSION_OPTION = 'os_imagetools_api_version'
API_NAME = 'imagetools'
API_VERSIONS = {
    '1': 'osc_imagetools.plugin.Client',
}


class Client:
    """What ``client_manager.imagetools`` returns.

    The commands talk to Glance through openstacksdk; this object only hands
    out the shared SDK connection so that the plugin contract is complete.
    """

    def __init__(self, sdk_connection):
        self.sdk_connection = sdk_connection

    @property
    def image(self):
        return self.sdk_connection.image


def make_client(instance):
    """Return the imagetools client for OSC's ClientManager."""
    version = instance._api_version[API_NAME]
    if version not in API_VERSIONS:
        # osc_lib would raise a less precise error later on
        raise ValueError(
            'imagetools API version %s is not supported (use one of %s)'
            % (version, ', '.join(sorted(API_VERSIONS))))
    LOG.debug('Instantiating imagetools client (API version %s)', version)
    return Client(instance.sdk_connection)


def build_option_parser(parser):
    """Add the global ``--os-imagetools-api-version`` option."""
    parser.add_argument(
        '--os-imagetools-api-version',
        metavar='<imagetools-api-version>',
        default=utils.env('OS_IMAGETOOLS_API_VERSION',
                          default=DEFAULT_API_VERSION),
        help='imagetools plugin API version, default=%s '
             '(Env: OS_IMAGETOOLS_API_VERSION)' % DEFAULT_API_VERSION)
    return parser
