"""`openstack image metadef sync`: argument and input errors end before
any request, with exit code 2; a cloud error is one line, exit 1; the
closing line of a run (the order of its writes: tests/unit/cloud/
test_metadefs.py)."""

import io
import os
from unittest import mock

import fixtures

from osc_imagetools.metadef import plan
from osc_imagetools.v1 import metadef_sync
from tests.unit import fakes
from tests.unit.metadef import base
from tests.unit import utils

NS = 'OS::Compute::Libvirt'


class TestArguments(utils.TestCommand):

    def setUp(self):
        super().setUp()
        self.tmp = self.useFixture(fixtures.TempDir()).path
        self.cmd = metadef_sync.SyncMetadefs(self.app, None,
                                             cmd_name='image metadef sync')
        self.parser = self.cmd.get_parser('openstack image metadef sync')

    def run_cmd(self, *argv):
        return self.cmd.run(self.parser.parse_args(list(argv)))

    def assert_usage(self, message, *argv):
        self.assertEqual(2, self.run_cmd(*argv))
        err = self.app.stderr.getvalue()
        self.assertIn('openstack image metadef sync: error: ' + message, err)
        self.assertEqual('', self.app.stdout.getvalue())
        # a usage error never authenticates: it cannot depend on the cloud
        self.assertEqual(0, self.app.authenticated)

    def test_nothing_to_do(self):
        self.assert_usage('give metadef files or directories to sync')

    def test_paths_and_export(self):
        self.assert_usage('give either <path> arguments or --export',
                          base.GLANCE_METADEFS, '--export', self.tmp)

    def test_prune_needs_scope(self):
        self.assert_usage('--prune needs a scope', base.GLANCE_METADEFS,
                          '--prune')

    def test_export_with_sync_options(self):
        self.assert_usage('--export cannot be combined', '--export',
                          self.tmp, '--overwrite')

    def test_namespace_not_in_files(self):
        self.assert_usage('namespace Nope::Nope is in none of the files',
                          base.GLANCE_METADEFS, '--namespace', 'Nope::Nope')

    def test_unwritable_export_directory(self):
        blocker = os.path.join(self.tmp, 'file')
        with open(blocker, 'w') as f:
            f.write('x')
        self.assert_usage('cannot write --export directory %s: Not a '
                          'directory' % blocker, '--export', blocker)

    def test_modes_exclusive(self):
        self.useFixture(fixtures.MonkeyPatch('sys.stderr', io.StringIO()))
        self.assertRaises(SystemExit, self.parser.parse_args,
                          ['x', '--prefer-new', '--overwrite'])

    def test_unreadable_files_all_reported(self):
        bad = os.path.join(self.tmp, 'bad.json')
        with open(bad, 'w') as f:
            f.write('{')
        missing = os.path.join(self.tmp, 'missing')
        self.assertEqual(2, self.run_cmd(bad, missing))
        err = self.app.stderr.getvalue().splitlines()
        self.assertEqual(
            [bad + ': invalid JSON: Expecting property name enclosed in '
             'double quotes (line 1 column 2)',
             missing + ': no such file or directory',
             'openstack image metadef sync: error: 2 of the paths cannot '
             'be read; nothing was sent to the cloud'], err)
        self.assertEqual(0, self.app.authenticated)


class TestCloudErrors(utils.TestCommand):

    def test_cloud_error_is_one_line_exit_1(self):
        proxy = mock.Mock(spec=['request'])
        proxy.request.side_effect = lambda path, method, **kw: (
            fakes.FakeResponse(503, {'message': 'Service\nUnavailable'}))
        self.use_client(image=proxy)
        rc, out, err = self.run_command(metadef_sync.SyncMetadefs,
                                        'image metadef sync',
                                        [base.GLANCE_METADEFS])
        self.assertEqual(1, rc)
        self.assertEqual('', out)
        self.assertEqual('openstack image metadef sync: error: 503 Service '
                         'Unavailable\n', err)


class TestClosingLine(utils.TestCommand):
    """The last line on stderr and the exit code, from a plan's results."""

    def setUp(self):
        super().setUp()
        self.cmd = metadef_sync.SyncMetadefs(self.app, None,
                                             cmd_name='image metadef sync')

    def plans(self, protected, allow=False, mode=plan.PREFER_NEW):
        doc = base.shipped_namespace(NS)
        current = base.as_glance_returns(base.shipped_namespace(NS))
        current['protected'] = protected
        doc['display_name'] = 'Changed'
        del doc['properties']['boot_menu']
        return plan.plan({NS: doc}, {NS: current}, mode=mode,
                         allow_protected=allow)

    def report(self, plans, dry_run):
        self.cmd._report(plans, dry_run)
        return self.app.stderr.getvalue().splitlines(), self.cmd.exit_code

    def test_dry_run_only_protected_skips_exit_0(self):
        plans = self.plans(protected=True, mode=plan.OVERWRITE)
        lines, rc = self.report(plans, dry_run=True)
        self.assertEqual(['dry run: 0 change(s) to make, 2 skipped: '
                          'protected namespace(s) %s (use --allow-protected);'
                          ' nothing was written' % NS], lines)
        self.assertEqual(0, rc)

    def test_real_run_protected_skips_are_not_failures(self):
        plans = self.plans(protected=True, mode=plan.OVERWRITE)
        lines, rc = self.report(plans, dry_run=False)
        self.assertEqual(['0 change(s) made, 2 skipped: protected '
                          'namespace(s) %s (use --allow-protected)' % NS],
                         lines)
        self.assertNotIn('failed', lines[0])
        self.assertEqual(1, rc)

    def test_dry_run_counts_planned_changes(self):
        plans = self.plans(protected=False, mode=plan.OVERWRITE)
        lines, rc = self.report(plans, dry_run=True)
        self.assertEqual(['dry run: 2 change(s) to make; nothing was '
                          'written'], lines)
        self.assertEqual(0, rc)

    def test_failures_last_line(self):
        plans = self.plans(protected=False, mode=plan.OVERWRITE)
        plans[0].changes[0].done()
        plans[0].changes[1].fail('500 boom')
        lines, rc = self.report(plans, dry_run=False)
        self.assertEqual(['1 of 2 changes failed'], lines)
        self.assertEqual(1, rc)

    def test_failures_and_protected_skips(self):
        plans = self.plans(protected=False, mode=plan.OVERWRITE)
        plans += self.plans(protected=True, mode=plan.OVERWRITE)
        plans[1].namespace = 'Other'
        for change in plans[0].writes:
            change.fail('500 boom')
        lines, rc = self.report(plans, dry_run=False)
        self.assertEqual(['0 change(s) made, 2 skipped: protected '
                          'namespace(s) Other (use --allow-protected)',
                          '2 of 2 changes failed'], lines)
        self.assertEqual(1, rc)

    def test_all_made(self):
        plans = self.plans(protected=False, mode=plan.OVERWRITE)
        for change in plans[0].writes:
            change.done()
        lines, rc = self.report(plans, dry_run=False)
        self.assertEqual(['2 change(s) made'], lines)
        self.assertEqual(0, rc)

    def test_nothing_to_do_one_line(self):
        docs = {d['namespace']: d for d in base.shipped().values()}
        cloud = {n: base.as_glance_returns(d) for n, d in docs.items()}
        for dry_run in (False, True):
            self.app.stderr = io.StringIO()
            lines, rc = self.report(plan.plan(docs, cloud), dry_run)
            self.assertEqual(['nothing to do: the %d namespace(s) already '
                              'match the files' % len(docs)], lines)
            self.assertEqual(0, rc)

    def test_nothing_to_do_in_merge_mode_says_what_was_kept(self):
        plans = self.plans(protected=False, mode=plan.MERGE)
        lines, rc = self.report(plans, dry_run=False)
        self.assertEqual(['nothing to do in merge mode: 1 differing '
                          'item(s) kept (--prefer-new updates them)'], lines)
        self.assertEqual(0, rc)
