"""Plans for glance's catalog and changed copies of its namespaces."""

import testtools

from osc_imagetools.metadef import diff
from osc_imagetools.metadef import plan
from tests.unit.metadef import base

NS = 'OS::Compute::Libvirt'


def catalog():
    docs = {d['namespace']: d for d in base.shipped().values()}
    cloud = {n: base.as_glance_returns(d) for n, d in docs.items()}
    return docs, cloud


def changed_libvirt():
    """Libvirt with an enum value added, a property removed, a property
    added, a tag added, an association changed and a new display name."""
    doc = base.shipped_namespace(NS)
    doc['properties']['mem_encryption_model']['enum'].append('amd-sev-x')
    del doc['properties']['boot_menu']
    doc['properties']['new_prop'] = {'title': 'New', 'type': 'integer',
                                     'default': 3}
    doc['tags'] = [{'name': 'new-tag'}]
    doc['resource_type_associations'][0]['prefix'] = 'zz_'
    doc['display_name'] = 'Changed'
    return doc


def actions(plans):
    return {(c.kind, c.name): c.action for p in plans for c in p.changes}


class TestNoop(testtools.TestCase):

    def test_catalog_against_itself_writes_nothing(self):
        docs, cloud = catalog()
        for mode in plan.MODES:
            plans = plan.plan(docs, cloud, mode=mode)
            self.assertEqual(len(docs), len(plans))
            self.assertEqual([], [c for p in plans for c in p.writes], mode)
            self.assertEqual({plan.UNCHANGED},
                             {c.action for p in plans for c in p.changes})
            self.assertEqual((0, 0), plan.summary(plans))

    def test_empty_cloud_one_create_per_namespace(self):
        docs, _ = catalog()
        plans = plan.plan(docs, {})
        self.assertEqual(len(docs), len(plans))
        for p in plans:
            self.assertEqual(1, len(p.changes))
            body = p.own.body
            self.assertEqual((plan.NAMESPACE, plan.CREATE),
                             (p.own.kind, p.own.action))
            # children nested: one request per namespace
            doc = docs[p.namespace]
            self.assertEqual(set(doc.get('properties', {})),
                             set(body.get('properties', {})))
            self.assertEqual(len(doc.get('objects', [])),
                             len(body.get('objects', [])))
            self.assertNotIn('owner', body)
        self.assertEqual((0, len(docs)), plan.summary(plans))


class TestModes(testtools.TestCase):

    def setUp(self):
        super().setUp()
        self.doc = changed_libvirt()
        current = base.as_glance_returns(base.shipped_namespace(NS))
        current['protected'] = False
        self.cloud = {NS: current}

    def plan(self, mode, **kw):
        return plan.plan({NS: self.doc}, self.cloud, mode=mode, **kw)

    def test_merge_creates_only(self):
        got = actions(self.plan(plan.MERGE))
        self.assertEqual({
            ('namespace', NS): 'skipped',
            ('resource_type_association', 'OS::Glance::Image'): 'skipped',
            ('property', 'mem_encryption_model'): 'skipped',
            ('property', 'new_prop'): 'create',
            ('tag', 'new-tag'): 'create',
        }, got)

    def test_prefer_new_updates(self):
        plans = self.plan(plan.PREFER_NEW)
        self.assertEqual({
            ('namespace', NS): 'update',
            ('resource_type_association', 'OS::Glance::Image'): 'update',
            ('property', 'mem_encryption_model'): 'update',
            ('property', 'new_prop'): 'create',
            ('tag', 'new-tag'): 'create',
        }, actions(plans))
        by_name = {c.name: c for c in plans[0].changes}
        self.assertEqual(
            ['amd-sev', 'amd-sev-es', 'amd-sev-snp', 'amd-sev-x'],
            by_name['mem_encryption_model'].body['enum'])
        self.assertEqual('mem_encryption_model',
                         by_name['mem_encryption_model'].body['name'])
        self.assertEqual({'name': 'OS::Glance::Image', 'prefix': 'zz_'},
                         by_name['OS::Glance::Image'].body)
        # PUT replaces every field: the owner is carried over
        self.assertEqual(
            {'namespace': NS, 'display_name': 'Changed',
             'description': self.doc['description'], 'visibility': 'public',
             'protected': True, 'owner': 'admin'},
            by_name[NS].body)

    def test_overwrite_also_deletes(self):
        self.assertEqual({
            ('namespace', NS): 'update',
            ('resource_type_association', 'OS::Glance::Image'): 'update',
            ('property', 'mem_encryption_model'): 'update',
            ('property', 'new_prop'): 'create',
            ('property', 'boot_menu'): 'delete',
            ('tag', 'new-tag'): 'create',
        }, actions(self.plan(plan.OVERWRITE)))

    def test_object_changes(self):
        doc = base.shipped_namespace('OS::Software::WebServers')
        cloud = {doc['namespace']: base.as_glance_returns(doc)}
        changed = base.shipped_namespace('OS::Software::WebServers')
        first = changed['objects'][0]
        first['description'] = 'new text'
        gone = changed['objects'].pop()
        plans = plan.plan({doc['namespace']: changed}, cloud,
                          mode=plan.OVERWRITE, allow_protected=True)
        got = {k: v for k, v in actions(plans).items() if k[0] == 'object'}
        self.assertEqual({('object', first['name']): 'update',
                          ('object', gone['name']): 'delete'}, got)
        body = [c for c in plans[0].changes if c.name == first['name']][0]
        self.assertEqual('new text', body.body['description'])
        self.assertEqual(set(first['properties']),
                         set(body.body['properties']))

    def test_rows_and_quiet(self):
        plans = self.plan(plan.MERGE)
        rows = plan.rows(plans)
        self.assertEqual((NS, 'namespace', NS, 'skipped',
                          'differs (kept: merge mode)',
                          'display_name: "libvirt Driver Options" -> '
                          '"Changed"; protected: false -> true'), rows[0])
        self.assertEqual(5, len(rows))
        docs, cloud = catalog()
        plans = plan.plan(docs, cloud)
        self.assertEqual(len(docs), len(plan.rows(plans)))
        self.assertEqual([], plan.rows(plans, quiet_unchanged=True))

    def test_unknown_mode(self):
        self.assertRaises(ValueError, plan.plan, {}, {}, mode='replace')


class TestProtectedAndPrune(testtools.TestCase):

    def test_protected_namespace_blocked(self):
        doc = changed_libvirt()
        current = base.as_glance_returns(base.shipped_namespace(NS))
        self.assertTrue(current['protected'])
        plans = plan.plan({NS: doc}, {NS: current}, mode=plan.PREFER_NEW)
        self.assertTrue(plans[0].blocked)
        self.assertEqual({'skipped'}, {c.action for c in plans[0].changes})
        self.assertIn('protected (would update)',
                      [c.result for c in plans[0].changes])
        # skipped, not failed: nothing was attempted
        self.assertEqual((0, 0), plan.summary(plans))
        self.assertEqual(5, plan.skipped(plans))
        plans = plan.plan({NS: doc}, {NS: current}, mode=plan.PREFER_NEW,
                          allow_protected=True)
        self.assertFalse(plans[0].blocked)
        self.assertEqual(5, len(plans[0].writes))
        self.assertTrue(plans[0].protected)

    def test_unchanged_protected_namespace_not_blocked(self):
        docs, cloud = catalog()
        plans = plan.plan(docs, cloud)
        self.assertFalse(any(p.blocked for p in plans))

    def test_prune(self):
        docs, cloud = catalog()
        keep = {NS: docs[NS]}
        scoped = {n: c for n, c in cloud.items()
                  if n.startswith('OS::Compute::')}
        plans = plan.plan(keep, scoped, prune=True, allow_protected=True)
        deleted = sorted(p.namespace for p in plans
                         if p.own.action == plan.DELETE)
        self.assertEqual(sorted(n for n in scoped if n != NS), deleted)
        # without prune the others are not even looked at
        self.assertEqual([NS], [p.namespace for p in
                                plan.plan(keep, scoped)])

    def test_create_body_keeps_owner_from_file(self):
        doc = dict(base.shipped_namespace(NS), owner='someone',
                   created_at='x', self='y')
        body = plan.create_body(doc)
        self.assertEqual('someone', body['owner'])
        self.assertNotIn('created_at', body)
        self.assertNotIn('self', body)


class TestDetail(testtools.TestCase):
    """The Detail column: which fields differ, cloud value -> file value."""

    def test_update_details(self):
        current = base.as_glance_returns(base.shipped_namespace(NS))
        plans = plan.plan({NS: changed_libvirt()}, {NS: current},
                          mode=plan.OVERWRITE, allow_protected=True)
        detail = {c.name: c.detail for c in plans[0].changes}
        self.assertEqual('display_name: "libvirt Driver Options" -> '
                         '"Changed"', detail[NS])
        self.assertEqual('enum: +"amd-sev-x"',
                         detail['mem_encryption_model'])
        self.assertEqual('prefix: "hw_" -> "zz_"',
                         detail['OS::Glance::Image'])
        # creates and deletes: the whole item, no field detail
        self.assertEqual('', detail['new_prop'])
        self.assertEqual('', detail['boot_menu'])

    def test_detail_kept_when_skipped(self):
        current = base.as_glance_returns(base.shipped_namespace(NS))
        plans = plan.plan({NS: changed_libvirt()}, {NS: current},
                          mode=plan.PREFER_NEW)
        self.assertTrue(plans[0].blocked)
        by_name = {c.name: c for c in plans[0].changes}
        change = by_name['mem_encryption_model']
        self.assertEqual(('skipped', 'protected (would update)',
                          'enum: +"amd-sev-x"'),
                         (change.action, change.result, change.detail))

    def test_unchanged_has_no_detail(self):
        docs, cloud = catalog()
        plans = plan.plan(docs, cloud, mode=plan.OVERWRITE)
        self.assertEqual({''}, {c.detail for p in plans for c in p.changes})


class TestDescribe(testtools.TestCase):

    def test_scalars_and_missing(self):
        self.assertEqual('type: "string" -> "integer"',
                         diff.describe({'type': 'string'},
                                       {'type': 'integer'}))
        self.assertEqual('default: (none) -> "8"',
                         diff.describe({}, {'default': '8'}))
        self.assertEqual('maximum: 8 -> (none)',
                         diff.describe({'maximum': 8}, {}))
        self.assertEqual('', diff.describe({'a': 1}, {'a': 1}))

    def test_lists_as_added_and_removed(self):
        self.assertEqual('enum: +"c" -"a"',
                         diff.describe({'enum': ['a', 'b']},
                                       {'enum': ['b', 'c']}))
        self.assertEqual('required: order ["a","b"] -> ["b","a"]'
                         .replace(',', ', '),
                         diff.describe({'required': ['a', 'b']},
                                       {'required': ['b', 'a']}))

    def test_nested_objects(self):
        old = {'description': 'x', 'required': [],
               'properties': {'p': {'type': 'string'},
                              'q': {'type': 'integer'}}}
        new = {'description': 'x', 'required': ['p'],
               'properties': {'p': {'type': 'string', 'enum': ['a']},
                              'r': {'type': 'integer'}}}
        self.assertEqual(
            'properties.p.enum: (none) -> ["a"]; properties.q: removed; '
            'properties.r: added; required: +"p"',
            diff.describe(old, new))

    def test_long_values_cut(self):
        got = diff.describe({'description': 'a' * 300},
                            {'description': 'b'})
        self.assertTrue(got.startswith('description: "aaaa'))
        self.assertIn('...', got)
        self.assertLess(len(got), 100)


class TestChangeResults(testtools.TestCase):
    """What became of a change is a field; the printed text derives from
    it (and the counts read the fields, never the text)."""

    def test_fields_and_text(self):
        change = plan.Change('NS', plan.PROPERTY, 'p', plan.UPDATE)
        self.assertEqual(('', False), (change.result, change.failed))
        change.fail('403 nope', 'unprotect')
        self.assertEqual(('failed: unprotect: 403 nope', True),
                         (change.result, change.failed))
        change.done()
        self.assertEqual(('ok', False), (change.result, change.failed))
        change.dry_run()
        self.assertEqual('dry-run', change.result)
        change.skip_protected()
        self.assertEqual(('skipped', 'protected (would update)', True),
                         (change.action, change.result,
                          change.protected_skip))
        kept = plan.Change('NS', plan.TAG, 't', plan.SKIPPED, kept=True)
        self.assertEqual(plan.DIFFERS, kept.result)

    def test_summary_counts_the_field(self):
        ns = plan.NamespacePlan('NS', True, False, {}, [
            plan.Change('NS', plan.NAMESPACE, 'NS', plan.UPDATE),
            plan.Change('NS', plan.TAG, 'a', plan.CREATE),
            plan.Change('NS', plan.TAG, 'b', plan.CREATE)])
        ns.changes[0].done()
        ns.changes[1].fail('500 boom')
        ns.changes[2].result = 'failed: only words'
        self.assertEqual((1, 3), plan.summary([ns]))
