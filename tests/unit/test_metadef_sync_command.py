"""`openstack image metadef sync`: argument and input errors end before
any request, with exit code 2; the order of the writes of a plan."""

import io
import json
import os
from unittest import mock

import fixtures
from osc_lib import exceptions
import testtools

from osc_imagetools.cloud import metadefs as cloud_metadefs
from osc_imagetools.metadef import plan
from osc_imagetools.v1 import metadef_sync
from tests.unit.metadef import base


class NoCloud:
    """A client manager that fails the test when the command touches it."""

    def __getattr__(self, name):
        raise AssertionError('the cloud was contacted (%s)' % name)


class FakeApp:
    def __init__(self):
        self.stdout = io.StringIO()
        self.stderr = io.StringIO()
        self.client_manager = NoCloud()
        self.options = mock.Mock(debug=False)
        # cliff looks its command hooks up in this namespace
        self.command_manager = mock.Mock(spec=['namespace'],
                                         namespace='osc_imagetools.tests')
        self.authenticated = 0

    def prepare_to_run_command(self, cmd):
        # OSC's hook sets authentication up; count the calls
        self.authenticated += 1


class TestArguments(testtools.TestCase):

    def setUp(self):
        super().setUp()
        self.tmp = self.useFixture(fixtures.TempDir()).path
        self.app = FakeApp()
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


class TestCloudErrors(testtools.TestCase):

    def test_cloud_error_is_one_line_command_error(self):
        app = FakeApp()
        proxy = RecordingProxy(refuse=None)
        proxy.request = lambda path, method, **kw: Response(
            503, {'message': 'Service\nUnavailable'})
        app.client_manager = mock.Mock(spec=['sdk_connection'])
        app.client_manager.sdk_connection.image = proxy
        cmd = metadef_sync.SyncMetadefs(app, None,
                                        cmd_name='image metadef sync')
        parser = cmd.get_parser('openstack image metadef sync')
        exc = self.assertRaises(
            exceptions.CommandError, cmd.run,
            parser.parse_args([base.GLANCE_METADEFS]))
        self.assertEqual('503 Service Unavailable', str(exc))


class Response:
    def __init__(self, status, body=None):
        self.status_code = status
        self._body = body or {}
        self.text = json.dumps(self._body)
        self.reason = ''

    def json(self):
        return self._body


class RecordingProxy:
    """Answers every write with its success status and records it; the
    paths in ``refuse`` get a 403 like Glance's."""

    OK = {'POST': 201, 'PUT': 200, 'DELETE': 204, 'GET': 200}

    def __init__(self, refuse=()):
        self.calls = []
        self.refuse = refuse

    def request(self, path, method, **kwargs):
        self.calls.append((method, path, kwargs.get('json'),
                           kwargs.get('headers')))
        if (method, path) in self.refuse:
            return Response(403, {'message': 'refused'})
        return Response(self.OK[method])


NS = 'OS::Compute::Libvirt'
NSP = '/metadefs/namespaces/' + NS


class TestApplyOrder(testtools.TestCase):

    def libvirt_plan(self, protected):
        doc = base.shipped_namespace(NS)
        current = base.as_glance_returns(base.shipped_namespace(NS))
        current['protected'] = protected
        doc['tags'] = [{'name': 'a'}, {'name': 'b'}]
        del doc['properties']['boot_menu']
        doc['resource_type_associations'][0]['prefix'] = 'zz_'
        return plan.plan({NS: doc}, {NS: current}, mode=plan.OVERWRITE,
                         allow_protected=True)[0]

    def test_protected_unprotect_change_protect(self):
        nsplan = self.libvirt_plan(protected=True)
        proxy = RecordingProxy()
        cloud_metadefs.apply_namespace(proxy, nsplan)
        calls = [(m, p) for m, p, _, _ in proxy.calls]
        self.assertEqual([
            ('PUT', NSP),
            ('DELETE', NSP + '/resource_types/OS::Glance::Image'),
            ('POST', NSP + '/resource_types'),
            ('DELETE', NSP + '/properties/boot_menu'),
            ('POST', NSP + '/tags'),
            ('PUT', NSP),
        ], calls)
        first, last = proxy.calls[0][2], proxy.calls[-1][2]
        self.assertFalse(first['protected'])
        self.assertTrue(last['protected'])
        self.assertEqual('admin', last['owner'])  # PUT replaces the owner
        tags = proxy.calls[4]
        self.assertEqual({'X-Openstack-Append': 'true'}, tags[3])
        self.assertEqual({'tags': [{'name': 'a'}, {'name': 'b'}]}, tags[2])
        self.assertEqual({'ok'}, {c.result for c in nsplan.writes})

    def test_namespace_protected_after_its_children_changed(self):
        # the file protects a namespace that is not protected yet
        nsplan = self.libvirt_plan(protected=False)
        proxy = RecordingProxy()
        cloud_metadefs.apply_namespace(proxy, nsplan)
        methods = [m for m, _, _, _ in proxy.calls]
        self.assertEqual(1, methods.count('PUT'))
        self.assertEqual(('PUT', NSP), proxy.calls[-1][:2])
        self.assertTrue(proxy.calls[-1][2]['protected'])

    def test_failures_do_not_stop_the_others(self):
        nsplan = self.libvirt_plan(protected=False)
        proxy = RecordingProxy(refuse={('DELETE',
                                        NSP + '/properties/boot_menu')})
        cloud_metadefs.apply_namespace(proxy, nsplan)
        results = {c.name: c.result for c in nsplan.writes}
        self.assertEqual('failed: 403 refused', results['boot_menu'])
        self.assertEqual('ok', results['a'])
        self.assertEqual((1, 5), plan.summary([nsplan]))

    def test_unprotect_refused_fails_every_change(self):
        nsplan = self.libvirt_plan(protected=True)
        proxy = RecordingProxy(refuse={('PUT', NSP)})
        cloud_metadefs.apply_namespace(proxy, nsplan)
        self.assertEqual(1, len(proxy.calls))
        self.assertEqual({'failed: unprotect: 403 refused'},
                         {c.result for c in nsplan.writes})

    def test_reprotect_failure_is_a_row(self):
        nsplan = self.libvirt_plan(protected=True)

        class SecondPutRefused(RecordingProxy):
            def request(self, path, method, **kwargs):
                puts = [c for c in self.calls if c[0] == 'PUT']
                if method == 'PUT' and puts:
                    self.calls.append((method, path, None, None))
                    return Response(403, {'message': 'nope'})
                return super().request(path, method, **kwargs)

        cloud_metadefs.apply_namespace(SecondPutRefused(), nsplan)
        self.assertEqual(
            (NS, 'namespace', NS, 'update',
             'failed: protect again: 403 nope', ''),
            nsplan.changes[1].row())
        self.assertEqual((1, 5), plan.summary([nsplan]))


class TestClosingLine(testtools.TestCase):
    """The last line on stderr and the exit code, from a plan's results."""

    def setUp(self):
        super().setUp()
        self.app = FakeApp()
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
        plans[0].changes[0].result = 'ok'
        plans[0].changes[1].result = 'failed: 500 boom'
        lines, rc = self.report(plans, dry_run=False)
        self.assertEqual(['1 of 2 changes failed'], lines)
        self.assertEqual(1, rc)

    def test_failures_and_protected_skips(self):
        plans = self.plans(protected=False, mode=plan.OVERWRITE)
        plans += self.plans(protected=True, mode=plan.OVERWRITE)
        plans[1].namespace = 'Other'
        for change in plans[0].writes:
            change.result = 'failed: 500 boom'
        lines, rc = self.report(plans, dry_run=False)
        self.assertEqual(['0 change(s) made, 2 skipped: protected '
                          'namespace(s) Other (use --allow-protected)',
                          '2 of 2 changes failed'], lines)
        self.assertEqual(1, rc)

    def test_all_made(self):
        plans = self.plans(protected=False, mode=plan.OVERWRITE)
        for change in plans[0].writes:
            change.result = 'ok'
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
