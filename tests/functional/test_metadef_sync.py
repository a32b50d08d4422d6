"""`openstack image metadef sync` against the real local Glance.

The cloud holds glance's own catalog (loaded by glance-manage
db_load_metadefs). Tests never change those namespaces: they work on
renamed copies (``ITest::<unique>::...``, private to the admin project so
that other tests' catalogs do not see them), clean them up, and filter
the shared access log on their unique names.
"""

import copy
import json
import os
import sys
import time
import uuid

from tests.functional import base

GLANCE_METADEFS = os.path.join(sys.prefix, 'etc', 'glance', 'metadefs')
NAMESPACES = '/metadefs/namespaces'
WRITES = ('POST', 'PUT', 'DELETE', 'PATCH')


def shipped():
    out = {}
    for name in sorted(os.listdir(GLANCE_METADEFS)):
        if name.endswith('.json'):
            with open(os.path.join(GLANCE_METADEFS, name)) as f:
                out[name] = json.load(f)
    return out


def shipped_file(name):
    with open(os.path.join(GLANCE_METADEFS, name)) as f:
        return json.load(f)


def touches(path, names):
    """Whether a request path is about one of these namespaces (exactly:
    other tests' namespaces such as ``GM::<run>::<mode>::OS::...`` contain
    the catalog's names)."""
    base = '/v2/metadefs/namespaces/'
    return any(path == base + n or path.startswith(base + n + '/')
               for n in names)


class MetadefTestCase(base.FunctionalTestCase):

    def setUp(self):
        super().setUp()
        self.tag = uuid.uuid4().hex[:10]
        self.prefix = 'ITest::%s::' % self.tag
        self.admin_conn = self.sdk('admin')
        self.admin = self.admin_conn.image
        self.files = os.path.join(self.tmp, 'metadefs')
        os.mkdir(self.files)

    # -- the namespaces of this test ---------------------------------------
    def copy_of(self, file_name, suffix, protected=False):
        """A shipped namespace renamed into this test's scope, private."""
        doc = shipped_file(file_name)
        doc['namespace'] = self.prefix + suffix
        doc['visibility'] = 'private'
        doc['protected'] = protected
        self.addCleanup(self.remove_namespace, doc['namespace'])
        return doc

    def write(self, doc, name=None):
        path = os.path.join(self.files, name or
                            doc['namespace'].replace(':', '_') + '.json')
        with open(path, 'w') as f:
            json.dump(doc, f, indent=2)
        return path

    def glance(self, namespace):
        """What Glance holds (raw JSON), or None."""
        resp = self.admin.get('%s/%s' % (NAMESPACES, namespace))
        if resp.status_code == 404:
            return None
        self.assertEqual(200, resp.status_code, resp.text)
        return resp.json()

    def remove_namespace(self, namespace):
        path = '%s/%s' % (NAMESPACES, namespace)
        ns = self.glance(namespace)
        if ns is None:
            return
        if ns.get('protected'):
            fields = {k: ns[k] for k in ('namespace', 'display_name',
                                         'description', 'visibility',
                                         'owner') if ns.get(k)}
            self.send(self.admin_conn, 'PUT', path, (200,),
                      json=dict(fields, protected=False))
        self.send(self.admin_conn, 'DELETE', path, (204, 404))

    def create_directly(self, doc):
        """Put a namespace into Glance without the command under test."""
        for attempt in range(3):
            resp = self.admin.post(NAMESPACES, json=doc)
            if resp.status_code != 500:
                break
            # SQLite "database is locked" while other tests write: the
            # shared cloud's problem, not the command's; start again
            self.remove_namespace(doc['namespace'])
            time.sleep(1)
        self.assertEqual(201, resp.status_code, resp.text)

    def sync(self, *args, cloud='admin', rc=0):
        res = self.openstack('image', 'metadef', 'sync', *args, '-f', 'json',
                             cloud=cloud, rc=rc)
        return res, res.json() if res.stdout.strip() else []

    def writes_since(self, mark):
        return [r for r in self.requests_since(mark)
                if r[0] in WRITES and self.tag in r[1]]

    @staticmethod
    def actions(rows):
        return {(r['Kind'], r['Name']): (r['Action'], r['Result'])
                for r in rows}


class TestGlanceCatalog(MetadefTestCase):

    def test_syncing_glance_catalog_is_a_noop(self):
        names = [d['namespace'] for d in shipped().values()]
        mark = self.access_log_mark()
        res, rows = self.sync(GLANCE_METADEFS)
        self.assertEqual(sorted(names), sorted(r['Namespace'] for r in rows))
        self.assertEqual({('namespace', 'unchanged', '')},
                         {(r['Kind'], r['Action'], r['Result'])
                          for r in rows})
        # not one write to any of the catalog's namespaces. A namespace
        # create (POST /metadefs/namespaces) carries its name in the body,
        # and other tests create theirs concurrently, so creates are ruled
        # out by the rows above (all 'unchanged'), not by the log.
        writes = [r for r in self.requests_since(mark)
                  if r[0] in WRITES and touches(r[1], names)]
        self.assertEqual([], writes)
        # and every namespace of the catalog was really compared
        details = {r[1] for r in self.requests_since(mark) if r[0] == 'GET'}
        for name in names:
            self.assertIn('/v2/metadefs/namespaces/' + name, details)

    def test_export_of_whole_catalog_syncs_back_as_noop(self):
        out = os.path.join(self.tmp, 'export')
        res, rows = self.sync('--export', out)
        exported = {r['Namespace']: r['Name'] for r in rows}
        self.assertEqual({'export'}, {r['Action'] for r in rows})
        self.assertEqual({'ok'}, {r['Result'] for r in rows})
        names = [d['namespace'] for d in shipped().values()]
        for name in names:
            self.assertIn(name, exported)
            with open(exported[name]) as f:
                doc = json.load(f)
            self.assertEqual(name, doc['namespace'])
            for key in ('owner', 'created_at', 'updated_at', 'self',
                        'schema'):
                self.assertNotIn(key, doc)
        # other tests' namespaces come and go: sync back glance's own
        mark = self.access_log_mark()
        res, rows = self.sync(*[exported[n] for n in names])
        self.assertEqual({'unchanged'}, {r['Action'] for r in rows})
        self.assertEqual(len(names), len(rows))
        self.assertEqual([], [r for r in self.requests_since(mark)
                              if r[0] in WRITES
                              and touches(r[1], names)])


class TestModes(MetadefTestCase):

    def v1(self):
        doc = self.copy_of('compute-libvirt.json', 'Libvirt')
        doc['objects'] = shipped_file('compute-quota.json')['objects']
        doc['tags'] = [{'name': 'tag-one'}]
        return doc

    def v2(self, doc):
        doc = copy.deepcopy(doc)
        doc['properties']['mem_encryption_model']['enum'].append('new-val')
        del doc['properties']['boot_menu']
        obj = doc['objects'][0]
        obj['description'] = 'Changed by the test'
        dropped = sorted(obj['properties'])[0]
        del obj['properties'][dropped]
        doc['tags'].append({'name': 'tag-two'})
        doc['resource_type_associations'][0]['prefix'] = 'it_'
        doc['display_name'] = 'Changed'
        return doc, obj['name'], dropped

    def assert_glance_equals_file(self, doc):
        ns = self.glance(doc['namespace'])
        self.assertEqual(doc['display_name'], ns['display_name'])
        self.assertEqual(sorted(doc['properties']), sorted(ns['properties']))
        for name, prop in doc['properties'].items():
            self.assertEqual(prop.get('enum'), ns['properties'][name].get(
                'enum'), name)
            self.assertEqual(prop['title'], ns['properties'][name]['title'])
        self.assertEqual(
            {o['name']: (o.get('description'), sorted(o['properties']))
             for o in doc['objects']},
            {o['name']: (o.get('description'), sorted(o['properties']))
             for o in ns['objects']})
        self.assertEqual(sorted(t['name'] for t in doc['tags']),
                         sorted(t['name'] for t in ns['tags']))
        self.assertEqual(
            {a['name']: a.get('prefix')
             for a in doc['resource_type_associations']},
            {a['name']: a.get('prefix')
             for a in ns['resource_type_associations']})
        self.assertEqual('private', ns['visibility'])

    def test_modes(self):
        doc = self.v1()
        name = doc['namespace']
        self.write(doc, 'ns.json')
        mark = self.access_log_mark()
        res, rows = self.sync(self.files)
        self.assertEqual([(name, 'namespace', name, 'create', 'ok', '')],
                         [tuple(r.values()) for r in rows])
        # one POST creates the namespace with everything in it
        self.assertEqual([('POST', '/v2/metadefs/namespaces', 201)],
                         [r for r in self.requests_since(mark)
                          if r[0] in WRITES
                          and r[1].endswith('/metadefs/namespaces')
                          and r[2] == 201][:1])
        self.assertEqual([], self.writes_since(mark))
        self.assert_glance_equals_file(doc)
        self.assertEqual(
            ['hw_', 'hw:'],
            [a['prefix'] for a in sorted(
                self.glance(name)['resource_type_associations'],
                key=lambda a: a['name'])])

        new, obj, dropped = self.v2(doc)
        self.write(new, 'ns.json')
        changed = {
            ('namespace', name): 'update',
            ('resource_type_association', 'OS::Glance::Image'): 'update',
            ('property', 'mem_encryption_model'): 'update',
            ('object', obj): 'update',
            ('tag', 'tag-two'): 'create',
        }

        # merge: only the new tag
        res, rows = self.sync(self.files)
        got = self.actions(rows)
        self.assertEqual(('create', 'ok'), got[('tag', 'tag-two')])
        for key in changed:
            if key != ('tag', 'tag-two'):
                self.assertEqual(('skipped', 'differs (kept: merge mode)'),
                                 got[key])
        ns = self.glance(name)
        self.assertEqual(['tag-one', 'tag-two'],
                         sorted(t['name'] for t in ns['tags']))
        self.assertNotIn('new-val',
                         ns['properties']['mem_encryption_model']['enum'])

        # prefer-new: updates, deletes nothing
        mark = self.access_log_mark()
        res, rows = self.sync(self.files, '--prefer-new')
        got = self.actions(rows)
        for key, action in changed.items():
            if key != ('tag', 'tag-two'):
                self.assertEqual((action, 'ok'), got[key])
        self.assertNotIn(('property', 'boot_menu'), got)
        self.assertNotIn('DELETE', [w[0] for w in self.writes_since(mark)
                                    if '/properties/' in w[1]])
        ns = self.glance(name)
        self.assertIn('boot_menu', ns['properties'])
        self.assertIn('new-val',
                      ns['properties']['mem_encryption_model']['enum'])
        self.assertEqual('Changed', ns['display_name'])

        # overwrite: the property removed from the file goes
        res, rows = self.sync(self.files, '--overwrite')
        self.assertEqual(('delete', 'ok'),
                         self.actions(rows)[('property', 'boot_menu')])
        self.assertEqual(1, len([r for r in rows
                                 if r['Action'] != 'unchanged']))
        self.assert_glance_equals_file(new)

        # and now nothing is left to do, in any mode
        mark = self.access_log_mark()
        for mode in ((), ('--prefer-new',), ('--overwrite',)):
            res, rows = self.sync(self.files, *mode)
            self.assertEqual(
                [(name, 'namespace', name, 'unchanged', '', '')],
                [tuple(r.values()) for r in rows])
            self.assertEqual('nothing to do: the 1 namespace(s) already '
                             'match the files\n', res.stderr)
        res, rows = self.sync(self.files, '--overwrite', '--quiet-unchanged')
        self.assertEqual([], rows)
        self.assertEqual([], self.writes_since(mark))

    def test_dry_run_writes_nothing(self):
        doc = self.v1()
        self.create_directly(doc)
        before = self.glance(doc['namespace'])
        new, obj, dropped = self.v2(doc)
        self.write(new)
        mark = self.access_log_mark()
        res, rows = self.sync(self.files, '--overwrite', '--dry-run')
        self.assertEqual(6, len(rows))
        self.assertEqual({'dry-run'}, {r['Result'] for r in rows})
        self.assertIn('dry run: 6 change(s) to make; nothing was written',
                      res.stderr)
        # each update says which fields change, cloud value -> file value
        detail = {(r['Kind'], r['Action']): r['Detail'] for r in rows}
        self.assertEqual(
            'display_name: "libvirt Driver Options" -> "Changed"',
            detail[('namespace', 'update')])
        self.assertEqual('prefix: "hw_" -> "it_"',
                         detail[('resource_type_association', 'update')])
        self.assertIn('description: ', detail[('object', 'update')])
        self.assertIn('properties.%s: removed' % dropped,
                      detail[('object', 'update')])
        self.assertEqual('', detail[('property', 'delete')])
        self.assertEqual([], self.writes_since(mark))
        self.assertEqual(before, self.glance(doc['namespace']))


class TestExport(MetadefTestCase):

    def test_export_then_sync_is_noop(self):
        docs = [self.copy_of('compute-quota.json', 'Quota'),
                self.copy_of('compute-host-capabilities.json', 'Host',
                             protected=True)]
        docs[0]['tags'] = [{'name': 'b'}, {'name': 'a'}]
        for doc in docs:
            self.create_directly(doc)
        out = os.path.join(self.tmp, 'export')
        res, rows = self.sync('--export', out, '--namespace-prefix',
                              self.prefix)
        self.assertEqual(
            [(d['namespace'], 'namespace', 'export', 'ok')
             for d in sorted(docs, key=lambda d: d['namespace'])],
            [(r['Namespace'], r['Kind'], r['Action'], r['Result'])
             for r in rows])
        self.assertEqual(2, len(os.listdir(out)))
        with open(os.path.join(out, 'ITest-%s-Quota.json' % self.tag)) as f:
            quota = json.load(f)
        self.assertEqual(['a', 'b'], [t['name'] for t in quota['tags']])
        self.assertNotIn('owner', quota)
        mark = self.access_log_mark()
        res, rows = self.sync(out, '--overwrite', '--namespace-prefix',
                              self.prefix)
        self.assertEqual({'unchanged'}, {r['Action'] for r in rows})
        self.assertEqual(2, len(rows))
        self.assertEqual([], self.writes_since(mark))

    def test_export_dry_run_writes_no_file(self):
        doc = self.copy_of('compute-watchdog.json', 'Watchdog')
        self.create_directly(doc)
        out = os.path.join(self.tmp, 'export')
        res, rows = self.sync('--export', out, '--namespace',
                              doc['namespace'], '--dry-run')
        self.assertEqual([(doc['namespace'], 'dry-run')],
                         [(r['Namespace'], r['Result']) for r in rows])
        self.assertFalse(os.path.exists(out))


class TestPrune(MetadefTestCase):

    def test_prune_only_in_scope(self):
        keep = self.copy_of('compute-watchdog.json', 'A::Keep')
        gone = self.copy_of('compute-xenapi.json', 'A::Gone')
        gone_protected = self.copy_of('compute-hypervisor.json',
                                      'A::GoneProtected', protected=True)
        outside = self.copy_of('compute-randomgen.json', 'B::Outside')
        for doc in (keep, gone, gone_protected, outside):
            self.create_directly(doc)
        self.write(keep)

        res = self.openstack('image', 'metadef', 'sync', self.files,
                             '--prune', cloud='admin', rc=2)
        self.assertIn('--prune needs a scope', res.stderr)

        scope = ('--namespace-prefix', self.prefix + 'A::')
        res, rows = self.sync(self.files, '--prune', *scope, rc=1)
        self.assertEqual({
            (keep['namespace'], 'unchanged', ''),
            (gone['namespace'], 'delete', 'ok'),
            (gone_protected['namespace'], 'skipped',
             'protected (would delete)'),
        }, {(r['Namespace'], r['Action'], r['Result']) for r in rows})
        # skipped, not failed: exit 1, the cloud still differs
        self.assertEqual(
            '1 change(s) made, 1 skipped: protected namespace(s) %s (use '
            '--allow-protected)\n' % gone_protected['namespace'],
            res.stderr)
        self.assertIsNone(self.glance(gone['namespace']))
        self.assertIsNotNone(self.glance(gone_protected['namespace']))

        res, rows = self.sync(self.files, '--prune', '--allow-protected',
                              *scope)
        self.assertEqual([(gone_protected['namespace'], 'delete', 'ok')],
                         [(r['Namespace'], r['Action'], r['Result'])
                          for r in rows if r['Action'] != 'unchanged'])
        self.assertIsNone(self.glance(gone_protected['namespace']))
        self.assertIsNotNone(self.glance(keep['namespace']))
        self.assertIsNotNone(self.glance(outside['namespace']))


class TestProtected(MetadefTestCase):

    def test_protected_namespace(self):
        doc = self.copy_of('compute-libvirt.json', 'Protected',
                           protected=True)
        self.create_directly(doc)
        doc['properties']['mem_encryption_model']['enum'].append('new-val')
        del doc['properties']['boot_menu']
        self.write(doc)

        mark = self.access_log_mark()
        expected = {
            ('property', 'boot_menu'): ('skipped',
                                        'protected (would delete)'),
            ('property', 'mem_encryption_model'): (
                'skipped', 'protected (would update)'),
            ('namespace', doc['namespace']): ('unchanged', ''),
        }
        # a dry run that only skips protected items: skipped, not
        # failed, exit 0
        res, rows = self.sync(self.files, '--overwrite', '--dry-run')
        self.assertEqual(expected, self.actions(rows))
        self.assertEqual(
            'dry run: 0 change(s) to make, 2 skipped: protected '
            'namespace(s) %s (use --allow-protected); nothing was '
            'written\n' % doc['namespace'], res.stderr)
        # the real run: skipped again, exit 1 (the cloud still differs
        # from the files), but nothing counted as failed
        res, rows = self.sync(self.files, '--overwrite', rc=1)
        self.assertEqual(expected, self.actions(rows))
        self.assertEqual(
            '0 change(s) made, 2 skipped: protected namespace(s) %s (use '
            '--allow-protected)\n' % doc['namespace'], res.stderr)
        self.assertEqual('enum: +"new-val"', [
            r['Detail'] for r in rows
            if r['Name'] == 'mem_encryption_model'][0])
        self.assertEqual([], self.writes_since(mark))

        res, rows = self.sync(self.files, '--overwrite',
                              '--allow-protected')
        self.assertEqual({('delete', 'ok'), ('update', 'ok')},
                         {(r['Action'], r['Result']) for r in rows
                          if r['Kind'] == 'property'})
        ns = self.glance(doc['namespace'])
        self.assertTrue(ns['protected'])
        self.assertNotIn('boot_menu', ns['properties'])
        self.assertIn('new-val',
                      ns['properties']['mem_encryption_model']['enum'])
        # unprotect, change, protect again: in that order
        methods = [(r[0], r[1].rsplit('/', 1)[-1])
                   for r in self.writes_since(mark)]
        puts = [i for i, m in enumerate(methods) if m[0] == 'PUT'
                and m[1] == doc['namespace']]
        self.assertEqual(2, len(puts), methods)
        self.assertEqual(0, puts[0])
        self.assertEqual(len(methods) - 1, puts[1])


class TestErrors(MetadefTestCase):

    def test_member_gets_403_per_change(self):
        doc = self.copy_of('compute-watchdog.json', 'Member')
        self.write(doc)
        res, rows = self.sync(self.files, cloud='producer', rc=1)
        self.assertEqual(1, len(rows))
        self.assertEqual('create', rows[0]['Action'])
        self.assertTrue(rows[0]['Result'].startswith('failed: 403 '),
                        rows[0])
        self.assertIn('1 of 1 changes failed', res.stderr)
        self.assertIsNone(self.glance(doc['namespace']))

    def test_invalid_files_nothing_written(self):
        good = self.copy_of('compute-watchdog.json', 'Good')
        bad = self.copy_of('compute-xenapi.json', 'Bad')
        bad['properties'][sorted(bad['properties'])[0]]['type'] = 'bool'
        worse = self.copy_of('compute-hypervisor.json', 'Worse')
        worse['properties'][sorted(worse['properties'])[0]]['enum'] = [1, 2]
        self.write(good)
        bad_path = self.write(bad)
        worse_path = self.write(worse)
        mark = self.access_log_mark()
        res = self.openstack('image', 'metadef', 'sync', self.files,
                             cloud='admin', rc=1)
        lines = res.stderr.strip().splitlines()
        self.assertIn(bad_path + ': properties.', lines[0])
        self.assertIn("'bool' is not one of", lines[0])
        self.assertIn(worse_path + ': properties.', lines[1])
        self.assertIn('enum values must be strings', lines[1])
        self.assertIn('2 problem(s) in the metadef files; nothing was '
                      'written', lines[-1])
        self.assertEqual('', res.stdout)
        self.assertEqual([], self.writes_since(mark))
        self.assertIsNone(self.glance(good['namespace']))

    def test_unreadable_input_exit_2(self):
        path = os.path.join(self.files, 'broken.json')
        with open(path, 'w') as f:
            f.write('{"namespace": ')
        res = self.openstack('image', 'metadef', 'sync', path,
                             os.path.join(self.tmp, 'missing'),
                             cloud='admin', rc=2)
        self.assertIn(path + ': invalid JSON', res.stderr)
        self.assertIn('missing: no such file or directory', res.stderr)

    def test_not_a_namespace(self):
        path = os.path.join(self.files, 'props.json')
        with open(path, 'w') as f:
            json.dump({'hw_cpu_sockets': '2'}, f)
        res = self.openstack('image', 'metadef', 'sync', path,
                             cloud='admin', rc=1)
        self.assertIn(path + ': not a metadef namespace', res.stderr)
