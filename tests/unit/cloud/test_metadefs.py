"""cloud.metadefs carrying out a plan: the order of the writes, and what
becomes of a refused one (a recording fake proxy; Glance's real answers
are in tests/functional/test_metadef_sync.py)."""

import testtools

from osc_imagetools.cloud import metadefs as cloud_metadefs
from osc_imagetools.metadef import plan
from tests.unit import fakes
from tests.unit.metadef import base


Response = fakes.FakeResponse


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
