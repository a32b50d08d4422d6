"""`image metadef sync` against `glance-manage db load_metadefs`, the tool
it replaces: each glance-manage mode and sync's mapped mode, from the same
start state, give the same catalog (doc/source/cli/metadef-sync.rst, "Compared
with glance-manage").

The oracle is glance-manage itself, run on the local cloud's own database.
Data: a fixed-seed sample of the catalog the installed glance ships, and a
copy of it mutated at test time (fixed seed: fields, properties, objects,
tags and associations changed, added and removed; namespaces added and
left out). For every mode, glance-manage and sync each work on their own
copies of the start state: namespaces renamed ``GM::<run>::<mode><side>::``
(side ``g`` glance-manage, ``s`` sync), so the two never write the same
namespace and other tests never see them change. The copies' resource type
``OS::Glance::Image`` is renamed as well: no image validation of another
test reads these definitions. One glance-manage run loads every start
state; then per mode one glance-manage run and one sync run; one export
of everything at the end (sync --export, i.e. Glance's API), compared side
by side.

What the two store differently (a property default as JSON or as text, a
``name`` key in a property's schema, NULL or ``private`` visibility, the
owner ``admin`` or a project ID) does not show through the API on glance
33: it answers text defaults and ``private`` either way, and an export
leaves out ``name`` and the owner. So the exports are compared as they
are, with one documented exception (:func:`without_required`):
glance-manage drops every object's ``required`` list, which sync keeps -
checked on its own.
"""

import concurrent.futures
import copy
import json
import os
import random
import subprocess
import sys
import uuid

from tests.functional import base

GLANCE_METADEFS = os.path.join(sys.prefix, 'etc', 'glance', 'metadefs')
NAMESPACES = '/metadefs/namespaces'
IMAGE_RT = 'OS::Glance::Image'
TEST_RT = 'ITest::GM::Image'
SEED = 20261130
SAMPLE = 8    # shipped namespaces per start state (bounded CI time)

# glance-manage mode -> (its options, sync's mapped options). 'none' maps
# to sync scoped to the namespaces the cloud does not have yet (added
# below, per run).
MODES = {
    'n': ((), ('--allow-protected',)),
    'm': (('--merge',), ('--allow-protected',)),
    'p': (('--merge', '--prefer_new'),
          ('--prefer-new', '--allow-protected')),
    'o': (('--merge', '--overwrite'), ('--overwrite', '--allow-protected')),
}

# glance-manage run with every SQLite transaction BEGIN IMMEDIATE, like
# the local cloud's servers (tools/sqlite_immediate.py says why): other
# tests write to the same database at the same time.
GLANCE_MANAGE = (
    'import sys; sys.path.insert(0, sys.argv.pop(1)); '
    'import sqlite_immediate; sqlite_immediate.install(); '
    'from glance.cmd.manage import main; sys.argv[0] = "glance-manage"; '
    'sys.exit(main())')


def shipped_sample():
    names = sorted(n for n in os.listdir(GLANCE_METADEFS)
                   if n.endswith('.json'))
    rng = random.Random(SEED)
    # the two without visibility and the two unprotected ones always: they
    # are where the two tools store differently or need no --allow-protected
    docs = {}
    for name in names:
        with open(os.path.join(GLANCE_METADEFS, name)) as f:
            docs[name] = json.load(f)
    must = [n for n in names if docs[n].get('visibility') is None
            or not docs[n].get('protected')]
    rest = [n for n in names if n not in must]
    chosen = must + rng.sample(rest, SAMPLE - len(must))
    return [docs[n] for n in sorted(chosen)]


def retarget(doc):
    for assoc in doc.get('resource_type_associations') or []:
        if assoc['name'] == IMAGE_RT:
            assoc['name'] = TEST_RT
    return doc


def mutate(docs, rng):
    """A changed catalog: what an upgrade (or a site's edits) brings."""
    out = []
    for i, doc in enumerate(copy.deepcopy(docs)):
        if i == 0:
            continue  # left out of the files: neither tool touches it
        props = doc.setdefault('properties', {})
        names = sorted(props)
        if names:
            gone = rng.choice(names)
            del props[gone]
            names.remove(gone)
        if names:
            prop = props[rng.choice(names)]
            prop['title'] = 'Changed %d' % i
            if 'enum' in prop:
                prop['enum'] = prop['enum'][1:] + ['added-%d' % i]
        props['added_%d' % i] = {
            'title': 'Added %d' % i, 'type': 'integer', 'default': i,
            'minimum': 0, 'description': 'added by the test'}
        if i % 2:
            doc['display_name'] = 'Changed %d' % i
            doc['description'] = 'Changed description %d' % i
        if i % 3 == 0:
            doc['protected'] = not doc.get('protected')
        objects = doc.get('objects') or []
        if objects:
            obj = objects[0]
            obj['description'] = 'Changed object %d' % i
            if obj.get('properties'):
                del obj['properties'][sorted(obj['properties'])[0]]
            objects.append({'name': 'Added object %d' % i,
                            'description': 'new', 'required': ['x'],
                            'properties': {'x': {'type': 'string',
                                                 'title': 'X'}}})
        doc['tags'] = [t for t in doc.get('tags') or []][1:] + [
            {'name': 'added-tag-%d' % i}]
        for assoc in doc.get('resource_type_associations') or []:
            if assoc['name'] == TEST_RT and assoc.get('prefix'):
                assoc['prefix'] = 'new_' + assoc['prefix']
        out.append(doc)
    new = copy.deepcopy(docs[-1])
    new['namespace'] = 'New::Added'
    new['display_name'] = 'Added namespace'
    out.append(new)
    return out


def without_required(doc):
    """``doc`` without its objects' ``required`` lists (glance-manage
    drops them; see the module's docstring)."""
    doc = copy.deepcopy(doc)
    for obj in doc.get('objects') or []:
        obj.pop('required', None)
    return doc


class TestGlanceManageModes(base.FunctionalTestCase):

    def setUp(self):
        super().setUp()
        self.run_id = uuid.uuid4().hex[:8]
        self.root = 'GM::%s::' % self.run_id
        self.admin = self.sdk('admin')
        self.addCleanup(self.remove_all)

    # -- helpers -----------------------------------------------------------
    def renamed(self, docs, key):
        out = []
        for doc in copy.deepcopy(docs):
            doc['namespace'] = self.root + key + '::' + doc['namespace']
            out.append(retarget(doc))
        return out

    def write_dir(self, name, docs):
        path = os.path.join(self.tmp, name)
        os.mkdir(path)
        for i, doc in enumerate(docs):
            with open(os.path.join(path, '%03d.json' % i), 'w') as f:
                json.dump(doc, f)
        return path

    def glance_manage(self, path, *options):
        conf = os.path.join(self.cloud.state, 'etc', 'glance',
                            'glance-api.conf')
        argv = [sys.executable, '-c', GLANCE_MANAGE,
                os.path.join(base.REPO, 'tools'), '--config-file', conf,
                'db', 'load_metadefs', '--path', path] + list(options)
        proc = subprocess.run(argv, capture_output=True, text=True,
                              stdin=subprocess.DEVNULL, timeout=300)
        self.assertEqual(0, proc.returncode, proc.stderr[-2000:])
        # glance-manage logs an error and exits 0 on a file it cannot read
        self.assertNotIn('ERROR', proc.stderr, proc.stderr[-2000:])

    def sync(self, *args, rc=0):
        res = self.openstack('image', 'metadef', 'sync', '-f', 'json',
                             *args, cloud='admin', rc=rc)
        return res, res.json() if res.stdout.strip() else []

    def export(self):
        out = os.path.join(self.tmp, 'export')
        res, rows = self.sync('--export', out, '--namespace-prefix',
                              self.root)
        got = {}
        for row in rows:
            with open(row['Name']) as f:
                doc = json.load(f)
            got[doc['namespace']] = doc
        return got

    def remove_all(self):
        listing = self.send(self.admin, 'GET', NAMESPACES + '?limit=1000',
                            (200,)).json()['namespaces']

        def remove(ns):
            path = '%s/%s' % (NAMESPACES, ns['namespace'])
            if ns.get('protected'):
                fields = {k: ns[k] for k in ('namespace', 'display_name',
                                             'description', 'visibility')
                          if ns.get(k)}
                self.send(self.admin, 'PUT', path, (200,),
                          json=dict(fields, protected=False))
            self.send(self.admin, 'DELETE', path, (204, 404))

        with concurrent.futures.ThreadPoolExecutor(4) as pool:
            list(pool.map(remove, [ns for ns in listing if ns[
                'namespace'].startswith(self.root)]))

    def side(self, catalog, key):
        """``{namespace without the side's prefix: comparable doc}``."""
        prefix = self.root + key + '::'
        return {name[len(prefix):]:
                dict(doc, namespace=name[len(prefix):])
                for name, doc in catalog.items() if name.startswith(prefix)}

    # -- the test ----------------------------------------------------------
    def test_modes_match_glance_manage(self):
        start = shipped_sample()
        target = mutate(start, random.Random(SEED))
        start_names = {d['namespace'] for d in start}
        new_names = sorted(d['namespace'] for d in target
                           if d['namespace'] not in start_names)
        self.assertTrue(new_names)

        # one start state per mode and side, all loaded by glance-manage,
        # as a cloud's catalog is
        every = []
        for key in [m + s for m in MODES for s in 'gs']:
            every += self.renamed(start, key)
        self.glance_manage(self.write_dir('start', every))

        # sync without --allow-protected holds back changes to protected
        # namespaces that glance-manage --merge makes; a dry run says so
        # and exits 0
        merge_dir = self.write_dir('dry', self.renamed(target, 'ms'))
        res, rows = self.sync(merge_dir, '--dry-run')
        held = [r for r in rows if r['Action'] == 'skipped'
                and r['Result'].startswith('protected (would')]
        self.assertTrue(held, rows)
        self.assertIn('skipped: protected namespace(s)', res.stderr)
        self.assertIn('nothing was written', res.stderr)

        for mode, (gm_options, sync_options) in MODES.items():
            self.glance_manage(
                self.write_dir(mode + 'g', self.renamed(target, mode + 'g')),
                *gm_options)
            scope = ()
            if mode == 'n':
                scope = sum((('--namespace', self.root + mode + 's::' + n)
                             for n in new_names), ())
            res, rows = self.sync(
                self.write_dir(mode + 's', self.renamed(target, mode + 's')),
                *(sync_options + scope))
            self.assertEqual([], [r for r in rows
                                  if r['Result'].startswith('failed')])
            self.assertIn(' change(s) made', res.stderr)

        catalog = self.export()
        results = {}
        for mode in MODES:
            by_gm, by_sync = (self.side(catalog, mode + s) for s in 'gs')
            self.assertEqual(sorted(by_gm), sorted(by_sync), mode)
            for name in by_gm:
                self.assertEqual(without_required(by_gm[name]),
                                 without_required(by_sync[name]),
                                 'mode %s, namespace %s' % (mode, name))
            results[mode] = by_gm
            # the one difference by design: an object's required list,
            # dropped by glance-manage, kept by sync (where the object
            # was written: not in 'none' mode)
            required = {
                s: sorted((name, o['name'], tuple(o['required']))
                          for name, doc in side.items()
                          for o in doc.get('objects') or []
                          if o.get('required'))
                for s, side in (('g', by_gm), ('s', by_sync))}
            self.assertEqual([], required['g'], mode)
            if mode != 'n':
                self.assertIn(('x',), {r[2] for r in required['s']}, mode)
        # every mode did something, and each something else (a test that
        # cannot pass by doing nothing)
        self.assertEqual(sorted(start_names | set(new_names)),
                         sorted(results['n']))
        keys = list(MODES)
        for i, a in enumerate(keys):
            for b in keys[i + 1:]:
                self.assertNotEqual(results[a], results[b], (a, b))
