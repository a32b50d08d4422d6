"""The share commands as cliff runs them, over spec'd fakes of the cloud
module (what Glance really does is in tests/functional/test_share.py)."""

import io
from unittest import mock

from osc_imagetools.cloud import members
from osc_imagetools.v1 import share
from tests.unit import utils

ME = 'f819ae06bcb44cce947dcb852eebc17a'
OWNER = 'a90c92a24a264acfbf585de99ef77842'
ID_A = '0f935014-3fd6-40a8-9130-ec041f40c8e7'
ID_B = 'b1da3d02-32a8-4437-a9de-c5207883827d'


def shares():
    return [{'id': ID_A, 'name': 'a', 'owner': OWNER, 'status': 'pending'},
            {'id': ID_B, 'name': 'b', 'owner': OWNER, 'status': 'accepted'}]


class CommandTest(utils.TestCommand):

    def setUp(self):
        super().setUp()
        self.caller = members.Caller(ME, 'consumer', is_admin=False)
        self.use_client(image=mock.sentinel.proxy, caller=self.caller)
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
        return self.run_json(cls, name, argv)


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


class TestDefects(CommandTest):
    """Issue 12's consumer-side defects, at the command level."""

    def own_and_theirs(self, *a, **k):
        mine = {'id': '528f5b02-9c9d-4384-9388-b915ec31fc72', 'name': 'a',
                'owner': ME, 'status': 'pending'}
        return shares() + [mine]

    def test_own_images_are_not_incoming(self):
        self.list_shares.side_effect = self.own_and_theirs
        rc, rows = self.run_cmd(share.ListShares, 'image share list', [])
        self.assertEqual([ID_A, ID_B], sorted(r['ID'] for r in rows))
        rc, rows = self.run_cmd(share.AcceptShares, 'image share-accept',
                                ['--all'])
        self.assertEqual(0, rc)
        self.set_status.assert_called_once_with(
            mock.sentinel.proxy, [ID_A], ME, 'accepted')
        # a name shared by an own image and an incoming one is not ambiguous
        rc, rows = self.run_cmd(share.RejectVerb, 'image share reject', ['a'])
        self.assertEqual((0, [ID_A]), (rc, [r['ID'] for r in rows]))

    def test_filters_select_on_their_own(self):
        rc, rows = self.run_cmd(share.AcceptShares, 'image share-accept',
                                ['--name-prefix', 'a'])
        self.assertEqual((0, [ID_A]), (rc, [r['ID'] for r in rows]))
        with mock.patch('osc_imagetools.cloud.members.resolve_project',
                        autospec=True, return_value=OWNER):
            rc, rows = self.run_cmd(share.PendingVerb, 'image share pending',
                                    ['--owner', OWNER])
        self.assertEqual((0, [ID_B]), (rc, [r['ID'] for r in rows]))

    def test_unresolvable_project_is_a_usage_error(self):
        with mock.patch('osc_imagetools.cloud.members.resolve_project',
                        autospec=True, side_effect=members.UnresolvedProject(
                            'give the project ID')):
            for cls, name in ((share.AcceptShares, 'image share-accept'),
                              (share.ListShares, 'image share list')):
                for opt in ('--owner', '--project'):
                    argv = [opt, 'producer'] + (
                        ['--all'] if cls is share.AcceptShares else [])
                    rc, _ = self.run_cmd(cls, name, argv)
                    self.assertEqual(2, rc, (name, opt))
        self.list_shares.assert_not_called()
        self.set_status.assert_not_called()

    def test_abbreviated_name_is_a_usage_error(self):
        rc, _ = self.run_cmd(share.AcceptVerb, 'image share acc', ['a'])
        self.assertEqual(2, rc)
        self.assertIn("'image share acc' is not a command",
                      self.app.stderr.getvalue())
        self.list_shares.assert_not_called()


class TestMembersCommands(CommandTest):
    """image share add/remove over spec'd fakes of cloud.members."""

    P1 = 'a90c92a24a264acfbf585de99ef77842'
    P2 = '5b1c0e7f7d6e4c0f9a1f0d7e2c3b4a59'

    def setUp(self):
        super().setUp()
        self.images = {
            ID_A: {'id': ID_A, 'name': 'a', 'owner': ME,
                   'visibility': 'shared'},
            ID_B: {'id': ID_B, 'name': 'b', 'owner': ME,
                   'visibility': 'private'}}
        self.held = {ID_A: {self.P1: {'member_id': self.P1,
                                      'status': 'accepted'}}}
        self.useFixture_patch(
            'osc_imagetools.cloud.members.find_images',
            side_effect=lambda proxy, refs, owner: (
                {r: self.images[r] for r in refs if r in self.images},
                {r: 'you own no image named %r' % r for r in refs
                 if r not in self.images}))
        self.useFixture_patch(
            'osc_imagetools.cloud.members.get_members',
            side_effect=lambda proxy, ids: {i: self.held.get(i, {})
                                            for i in ids})
        self.add = self.useFixture_patch(
            'osc_imagetools.cloud.members.add_members',
            side_effect=lambda proxy, pairs: [None] * len(pairs))
        self.remove = self.useFixture_patch(
            'osc_imagetools.cloud.members.remove_members',
            side_effect=lambda proxy, pairs: [None] * len(pairs))
        self.make_shared = self.useFixture_patch(
            'osc_imagetools.cloud.members.make_shared',
            side_effect=lambda proxy, ids: [None] * len(ids))
        self.useFixture_patch(
            'osc_imagetools.cloud.members.resolve_project',
            side_effect=lambda conn, value, caller: value)

    def rows(self, rows):
        return [(r['ID'], r['Project'], r['Previous Status'], r['Status'],
                 r['Result']) for r in rows]

    def test_add_idempotent_and_refuses_non_shared(self):
        rc, rows = self.run_cmd(share.AddMembers, 'image share add', [
            '--project', self.P1, '--project', self.P2, ID_A, ID_B, 'nope'])
        self.assertEqual(1, rc)
        self.assertEqual(
            [(ID_A, self.P1, 'accepted', 'accepted', 'unchanged'),
             (ID_A, self.P2, '', 'pending', 'added')],
            self.rows(rows)[:2])
        self.assertTrue(all(r['Result'].startswith('failed: visibility is '
                                                   'private') for r in
                            rows[2:4]))
        self.assertIn('you own no image', rows[4]['Result'])
        self.add.assert_called_once_with(mock.sentinel.proxy,
                                         [(ID_A, self.P2)])
        self.make_shared.assert_not_called()
        self.assertIn('4 of 6 memberships failed', self.app.stderr.getvalue())

    def test_set_shared_once_and_says_so(self):
        rc, rows = self.run_cmd(share.AddMembers, 'image share add', [
            '--project', self.P1, '--project', self.P2, '--set-shared',
            ID_B, ID_B])
        self.assertEqual(0, rc, self.app.stderr.getvalue())
        self.make_shared.assert_called_once_with(mock.sentinel.proxy, [ID_B])
        self.assertIn('visibility private -> shared',
                      self.app.stderr.getvalue())
        self.assertEqual(['added', 'added'], [r['Result'] for r in rows])

    def test_dry_run_writes_nothing(self):
        rc, rows = self.run_cmd(share.AddMembers, 'image share add', [
            '--project', self.P2, '--set-shared', '--dry-run', ID_A, ID_B])
        self.assertEqual(0, rc)
        self.assertEqual(['would add', 'would add'],
                         [r['Result'] for r in rows])
        self.make_shared.assert_not_called()
        self.add.assert_called_once_with(mock.sentinel.proxy, [])
        self.assertIn('would set', self.app.stderr.getvalue())

    def test_remove_missing_member_is_unchanged(self):
        rc, rows = self.run_cmd(share.RemoveMembers, 'image share remove', [
            '--project', self.P1, '--project', self.P2, ID_A])
        self.assertEqual(0, rc)
        self.assertEqual(
            [(ID_A, self.P1, 'accepted', '', 'removed'),
             (ID_A, self.P2, '', '', 'unchanged')], self.rows(rows))
        self.remove.assert_called_once_with(mock.sentinel.proxy,
                                            [(ID_A, self.P1)])

    def test_project_is_required(self):
        cmd = share.AddMembers(self.app, None, cmd_name='image share add')
        with mock.patch('sys.stderr', io.StringIO()):
            exc = self.assertRaises(SystemExit, cmd.get_parser(
                'openstack image share add').parse_args, [ID_A])
        self.assertEqual(2, exc.code)
