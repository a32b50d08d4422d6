"""Shared behaviour of the osc-imagetools commands.

Exit codes (documented in doc/source/cli/exit-codes.rst):

* 0 - success (warnings allowed);
* 1 - the work was done but something failed (an item of a bulk command, a
  validation error, a refused image) or the cloud answered with an error;
* 2 - usage error: bad arguments or unreadable/malformed input, detected
  before anything was sent to the cloud.

cliff's Lister and ShowOne always return 0 once their rows are printed, so a
command that must print rows *and* exit 1 sets ``self.exit_code`` in
``take_action``; :meth:`ExitCodeMixin.run` returns it after the output.
"""

import logging

from osc_lib.command import command

from osc_imagetools import errors
from osc_imagetools.errors import EXIT_FAILED, EXIT_OK, EXIT_USAGE  # noqa

LOG = logging.getLogger(__name__)


class UsageError(errors.InputError):
    """Bad arguments or input: reported in one line, exit code 2."""


class ExitCodeMixin:
    """Lets a Lister/ShowOne print its rows and still exit non-zero."""

    exit_code = EXIT_OK

    # OSC decides whether to authenticate before cliff parses a command's
    # arguments (prepare_to_run_command reads ``auth_required`` first). Our
    # commands say "no auth" so that a usage error never depends on the
    # cloud, and offline runs (prepare without --upload, validate with
    # --catalog-dir) need none; a run that needs the cloud authenticates
    # once its arguments are known: :meth:`image_proxy`.
    auth_required = False

    def run(self, parsed_args):
        from osc_imagetools import plugin

        plugin.quiet_library_logs(self.app)
        self.exit_code = EXIT_OK
        try:
            rc = super().run(parsed_args)
        except errors.Error as exc:
            # the one place an error becomes a line and an exit code
            name = 'openstack ' + self.cmd_name if self.cmd_name else 'error'
            self.app.stderr.write('%s: error: %s\n'
                                  % (name, errors.one_line(exc)))
            return exc.exit_code
        return rc or self.exit_code

    def require_auth(self):
        """Authenticate now (once): OSC's own ``prepare_to_run_command``
        sets authentication up exactly as for any other command."""
        if not self.auth_required:
            self.auth_required = True
            self.app.prepare_to_run_command(self)

    def cloud(self):
        """Authenticate if not done yet, then the project's cloud client,
        ``client_manager.imagetools``
        (:class:`osc_imagetools.cloud.client.Client`)."""
        self.require_auth()
        return self.app.client_manager.imagetools

    def image_proxy(self):
        """Authenticate if not done yet, then the image proxy of the cloud
        client (retries set, failures worded as
        :class:`osc_imagetools.cloud.CloudError`)."""
        return self.cloud().image

    def report_failures(self, failed, total, what):
        """Write the closing "N of M ... failed" line and set exit code 1."""
        if failed:
            self.app.stderr.write('%d of %d %s failed\n' % (failed, total, what))
            self.exit_code = EXIT_FAILED


class Lister(ExitCodeMixin, command.Lister):
    pass


class ShowOne(ExitCodeMixin, command.ShowOne):
    pass


class Command(ExitCodeMixin, command.Command):
    pass
