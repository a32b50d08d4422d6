"""OpenStackClient plugin contract for osc-imagetools.

OSC imports this module on every ``openstack`` invocation, so it must stay
import-cheap: nothing but the standard library and osc_lib (already loaded by
OSC) at module level.

The API name is deliberately *not* ``image``: OSC would otherwise replace its
own image client with ours.
"""

import logging
import re

from osc_lib import utils

LOG = logging.getLogger(__name__)

DEFAULT_API_VERSION = '1'
API_VERSION_OPTION = 'os_imagetools_api_version'
API_NAME = 'imagetools'
API_VERSIONS = {
    '1': 'osc_imagetools.cloud.client.Client',
}


def make_client(instance):
    """Return the imagetools client for OSC's ClientManager: the project's
    :class:`osc_imagetools.cloud.client.Client` over OSC's SDK connection
    (imported here, not at module level: OSC imports this module on every
    call). Nothing is contacted until a command asks for a proxy."""
    version = instance._api_version[API_NAME]
    if version not in API_VERSIONS:
        # osc_lib would raise a less precise error later on
        raise ValueError(
            'imagetools API version %s is not supported (use one of %s)'
            % (version, ', '.join(sorted(API_VERSIONS))))
    LOG.debug('Instantiating imagetools client (API version %s)', version)
    from osc_imagetools.cloud import client

    return client.Client(lambda: instance.sdk_connection,
                         auth_ref=lambda: instance.auth_ref)


class MaskSecretOptions(logging.Filter):
    """Masks secret option values in osc-lib's ``START with options`` line.

    osc-lib masks ``--os-password=X`` but prints ``--os-password X`` (the
    space form) in clear with ``--debug``. Our commands promise that
    ``--debug`` never shows a password or token, so the plugin installs
    this filter on osc-lib's shell logger. Hand-written because no library
    masks argv-style option lists (oslo's mask_password wants key=value).
    """

    SECRET = re.compile(
        r'(--os-(?:password|token|passcode|client-secret|'
        r'application-credential-secret)(?:=|\s+))(?!\*\*\*)(\S+)')
    # what mask_password leaves of "--os-auth-type token --os-token X":
    # "--os-auth-type token --os*** X" (the option name eaten, X in clear)
    MANGLED = re.compile(r'(--[\w-]*\*\*\*)(\s+)(?!-)(?!\*\*\*)(\S+)')

    def mask(self, text):
        text = self.SECRET.sub(r'\1***', text)
        return self.MANGLED.sub(r'\1\2***', text)

    def filter(self, record):
        if isinstance(record.args, tuple) and record.args:
            record.args = tuple(self.mask(a) if isinstance(a, str) else a
                                for a in record.args)
        elif isinstance(record.msg, str):
            record.msg = self.mask(record.msg)
        return True


def _mask_secrets_in_osc_log():
    log = logging.getLogger('osc_lib.shell')
    if not any(isinstance(f, MaskSecretOptions) for f in log.filters):
        log.addFilter(MaskSecretOptions())


class QuietLibraryLogs(logging.Filter):
    """Drops library log lines that our commands report better themselves,
    unless ``--debug``:

    * oslo.utils' format_inspector logs each failed safety check and each
      undecodable VMDK descriptor ("Safety check ... failed because ...",
      "VMDK descriptor failed to decode as ASCII"): the ``checks`` of
      ``image prepare`` and the findings of ``image validate`` say it once;
    * keystoneauth logs every retry ("Failure: ... Retrying in 0.5s", a
      multi-line block with the whole urllib3 chain): the command's final
      error is one line.

    Installed on the root logger's handlers when a command runs (the
    records come from several loggers, and a filter on a logger does not
    see its children's records).
    """

    INSPECTOR = 'oslo_utils.imageutils.format_inspector'

    def filter(self, record):
        if record.name.startswith(self.INSPECTOR):
            return False
        if record.name.startswith(('keystoneauth', 'openstack')):
            return 'Retrying in' not in str(record.msg)
        return True


def quiet_library_logs(app):
    """Install :class:`QuietLibraryLogs` unless ``--debug``."""
    options = getattr(app, 'options', None)
    if getattr(options, 'debug', False) is True:
        return
    for handler in logging.getLogger().handlers:
        if not any(isinstance(f, QuietLibraryLogs) for f in handler.filters):
            handler.addFilter(QuietLibraryLogs())


def build_option_parser(parser):
    """Add the global ``--os-imagetools-api-version`` option."""
    # OSC calls this before it logs its options: the right moment to mask
    _mask_secrets_in_osc_log()
    parser.add_argument(
        '--os-imagetools-api-version',
        metavar='<imagetools-api-version>',
        default=utils.env('OS_IMAGETOOLS_API_VERSION',
                          default=DEFAULT_API_VERSION),
        help='imagetools plugin API version, default=%s '
             '(Env: OS_IMAGETOOLS_API_VERSION)' % DEFAULT_API_VERSION)
    return parser
