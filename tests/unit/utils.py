"""The one base for unit tests of the command classes (tests/unit/v1)."""

import io
import json
from unittest import mock

import testtools

from tests.unit import fakes


class TestCommand(testtools.TestCase):
    """Builds a command over a :class:`tests.unit.fakes.FakeApp` and runs
    it as cliff does (parse ``argv``, ``run()``), returning what a user
    sees: the exit code, stdout and stderr."""

    def setUp(self):
        super().setUp()
        self.app = fakes.FakeApp()

    def use_client(self, client=None, **kwargs):
        """Give the app a cloud: ``client`` or a
        :func:`~tests.unit.fakes.fake_client` made of ``kwargs``."""
        self.client = client or fakes.fake_client(**kwargs)
        self.app.client_manager = fakes.FakeClientManager(self.client)
        return self.client

    def make_command(self, cls, name):
        return cls(self.app, None, cmd_name=name)

    def parse(self, cmd, argv):
        """``argv`` parsed by the command's parser; an argparse error is
        ``SystemExit`` (its message goes to a throwaway stderr)."""
        parser = cmd.get_parser('openstack ' + cmd.cmd_name)
        with mock.patch('sys.stderr', io.StringIO()):
            return parser.parse_args(list(argv))

    def run_command(self, cls, name, argv):
        """``(rc, stdout, stderr)`` of ``openstack <name> <argv>``; the
        app's output is fresh for each call."""
        self.app.reset_output()
        cmd = self.make_command(cls, name)
        rc = cmd.run(self.parse(cmd, argv))
        return rc, self.app.stdout.getvalue(), self.app.stderr.getvalue()

    def run_json(self, cls, name, argv):
        """``(rc, rows)``: the command run with ``-f json``, its rows
        decoded (``None`` when nothing was printed)."""
        rc, out, _ = self.run_command(cls, name, list(argv) + ['-f', 'json'])
        return rc, (json.loads(out) if out.strip() else None)
