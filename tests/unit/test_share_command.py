"""The share commands as cliff runs them, over spec'd fakes of the cloud
module (what Glance really does is in tests/functional/test_share.py)."""

import io
import json
from unittest import mock

import testtools

from osc_imagetools.cloud import members
from osc_imagetools.v1 import share

ME = 'f819ae06bcb44cce947dcb852eebc17a'
OWNER = 'a90c92a24a264acfbf585de99ef77842'
ID_A = '0f935014-3fd6-40a8-9130-ec041f40c8e7'
ID_B = 'b1da3d02-32a8-4437-a9de-c5207883827d'


def shares():
    return [{'id': ID_A, 'name': 'a', 'owner': OWNER, 'status': 'pending'},
            {'id': ID_B, 'name': 'b', 'owner': OWNER, 'status': 'accepted'}]


class CommandTest(testtools.TestCase):

    def setUp(self):
        super().setUp()
        self.app = mock.Mock(spec=['stdout', 'stderr', 'client_manager',
                                   'options', 'command_manager',
                                   'prepare_to_run_command'])
        self.app.command_manager.namespace = 'osc_imagetools.tests.none'
        self.app.stdout = io.StringIO()
        self.app.stderr = io.StringIO()
        self.caller = members.Caller(ME, 'consumer', is_admin=False)
        self.useFixture_patch('osc_imagetools.cloud.image_proxy',
                              return_value=mock.sentinel.proxy)
        self.useFixture_patch('osc_imagetools.cloud.members.Caller.of',
                              return_value=self.caller)
        self.list_shares = self.useFixture_patch(
            'osc_imagetools.cloud.members.list_shares',
            side_effect=lambda *a, **k: shares())
        self.set_status = self.useFixture_patch(
            'osc_imagetools.cloud.members.set_status',
            side_effect=lambda proxy, ids, project, status: [None] * len(ids))
        self.get_shares = self.useFixture_patch(
            'osc_imagetools.cloud.members.get_shares', return_value={})

    def useFixture_patch(self, target, **kwargs):
        patcher = mock.patch(target, autospec=True, **kwargs)
        self.addCleanup(patcher.stop)
        return patcher.start()

    def run_cmd(self, cls, name, argv):
        cmd = cls(self.app, None, cmd_name=name)
        parsed = cmd.get_parser('openstack ' + name).parse_args(
            argv + ['-f', 'json'])
        rc = cmd.run(parsed)
        out = self.app.stdout.getvalue()
        return rc, (json.loads(out) if out.strip() else None)


class TestAcceptShares(CommandTest):

    def test_needs_images_or_all(self):
        for argv in ([], ['--all', ID_A]):
            rc, out = self.run_cmd(share.AcceptShares, 'image share-accept',
                                   argv)
            self.assertEqual(2, rc)
            self.assertIn('give image(s)', self.app.stderr.getvalue())
        self.list_shares.assert_not_called()
        self.set_status.assert_not_called()
        # a usage error never authenticates: it cannot depend on the cloud
        self.app.prepare_to_run_command.assert_not_called()

    def test_accept_by_name_and_id(self):
        rc, rows = self.run_cmd(share.AcceptShares, 'image share-accept',
                                ['a', ID_B])
        self.assertEqual(0, rc)
        self.app.prepare_to_run_command.assert_called_once()
        self.assertEqual(['changed', 'unchanged'], [r['Result'] for r in rows])
        self.assertEqual(['ID', 'Name', 'Owner', 'Previous Status', 'Status',
                          'Result'], list(rows[0]))
        self.set_status.assert_called_once_with(
            mock.sentinel.proxy, [ID_A], ME, 'accepted')
        # the token's project, asked for via the per-status listings
        self.assertFalse(self.list_shares.call_args.kwargs['via_members'])

    def test_failure_rows_then_exit_1(self):
        self.set_status.side_effect = (
            lambda proxy, ids, project, status: ['403 Forbidden'] * len(ids))
        rc, rows = self.run_cmd(share.AcceptShares, 'image share-accept',
                                ['--all', '--reject'])
        self.assertEqual(1, rc)
        self.assertEqual(['failed: 403 Forbidden'] * 2,
                         [r['Result'] for r in rows])
        self.assertEqual('2 of 2 images failed\n', self.app.stderr.getvalue())
        # --all lists only the statuses that differ from the target
        self.assertEqual(['pending', 'accepted'],
                         self.list_shares.call_args.args[2])

    def test_dry_run_calls_no_write(self):
        rc, rows = self.run_cmd(share.AcceptShares, 'image share-accept',
                                ['--all', '--pending', '--dry-run'])
        self.assertEqual(0, rc)
        # --all leaves out what is already pending
        self.assertEqual([(ID_B, 'accepted', 'pending', 'would change')],
                         [(r['ID'], r['Previous Status'], r['Status'],
                           r['Result']) for r in rows])
        self.set_status.assert_called_once_with(
            mock.sentinel.proxy, [], ME, 'pending')

    def test_unknown_id_is_looked_up(self):
        other = 'f75d8c53-64cd-42b9-bb91-6546a434a8b2'
        self.get_shares.return_value = {other: '404 No image found'}
        rc, rows = self.run_cmd(share.AcceptShares, 'image share-accept',
                                [other, 'a'])
        self.assertEqual(1, rc)
        self.get_shares.assert_called_once_with(mock.sentinel.proxy,
                                                [other], ME)
        self.assertEqual(['failed: 404 No image found', 'changed'],
                         [r['Result'] for r in rows])

    def test_reject_and_pending_exclude_each_other(self):
        cmd = share.AcceptShares(self.app, None,
                                 cmd_name='image share-accept')
        parser = cmd.get_parser('openstack image share-accept')
        with mock.patch('sys.stderr', io.StringIO()):
            exc = self.assertRaises(SystemExit, parser.parse_args,
                                    ['--all', '--reject', '--pending'])
        self.assertEqual(2, exc.code)

    def test_admin_or_other_project_asks_members(self):
        self.caller.is_admin = True
        self.run_cmd(share.AcceptShares, 'image share-accept', ['--all'])
        self.assertTrue(self.list_shares.call_args.kwargs['via_members'])


class TestListShares(CommandTest):

    def test_default_all_statuses_short_columns(self):
        rc, rows = self.run_cmd(share.ListShares, 'image share list', [])
        self.assertEqual(0, rc)
        self.assertEqual(['ID', 'Name', 'Owner', 'Status'], list(rows[0]))
        self.assertEqual(('pending', 'accepted', 'rejected'),
                         self.list_shares.call_args.args[2])

    def test_status_and_long(self):
        with mock.patch('osc_imagetools.cloud.members.add_timestamps',
                        autospec=True) as add:
            rc, rows = self.run_cmd(share.ListShares, 'image share list',
                                    ['--status', 'pending', '--long'])
        self.assertEqual(0, rc)
        add.assert_called_once()
        self.assertEqual(('pending',), self.list_shares.call_args.args[2])
        self.assertEqual(['ID', 'Name', 'Owner', 'Status', 'Created At',
                          'Updated At'], list(rows[0]))
