"""``--dry-run`` writes nothing: proved twice for every command that has it.

1. Glance's access log: no request other than GET/HEAD on a path naming
   this test's images or namespaces between the marks before and after the
   run, and Glance still holds what it held (a created namespace or image
   does not show in a path: a POST goes to the collection, which other tests
   share - hence the check of Glance's state as well).
2. Exact, whatever the concurrent tests do: the command's image endpoint is
   a :class:`fakeglance.FaultProxy` (a real HTTP proxy in front of Glance,
   no fault injected) that records every request the command sends; it
   must have seen no method but GET/HEAD.

Each proof is checked to be able to fail: the same command without
``--dry-run`` through the same kind of proxy shows its writes in both.
"""

import json
import os
import time
import uuid

import yaml

from tests.functional import base
from tests.functional import fakeglance

READS = ('GET', 'HEAD')


class DryRunTestCase(base.FunctionalTestCase):

    def proxied(self, cloud):
        """``(cloud name, env, proxy)``: ``cloud`` with its image endpoint
        behind a fresh recording proxy."""
        proxy = fakeglance.FaultProxy(self.cloud.glance_url).start()
        self.addCleanup(proxy.stop)
        with open(self.cloud.clouds_yaml) as f:
            clouds = yaml.safe_load(f)
        entry = dict(clouds['clouds'][cloud])
        entry['image_endpoint_override'] = proxy.url
        name = 'recorded-%s' % cloud
        clouds['clouds'][name] = entry
        path = os.path.join(self.tmp, 'clouds-%s.yaml' % uuid.uuid4().hex)
        with open(path, 'w') as f:
            yaml.safe_dump(clouds, f)
        return name, self.env(OS_CLIENT_CONFIG_FILE=path), proxy

    def run_recorded(self, cloud, *args, rc=0, markers=()):
        """Run the CLI through a recording proxy; return ``(result, writes
        seen by the proxy, writes in Glance's access log on paths containing
        one of ``markers``)``."""
        name, env, proxy = self.proxied(cloud)
        # the fixtures' last writes may still be on their way to the log
        time.sleep(0.3)
        mark = self.access_log_mark()
        res = self.openstack(*args, cloud=name, env=env, rc=rc)
        time.sleep(0.3)  # gunicorn writes its access log line after replying
        logged = [r for r in self.requests_since(mark)
                  if r[0] not in READS and any(m in r[1] for m in markers)]
        self.assertTrue(proxy.requests, 'the proxy saw nothing: %r' % res)
        return res, proxy.writes(), logged

    def assert_no_writes(self, cloud, *args, markers=(), rc=0):
        res, proxied, logged = self.run_recorded(cloud, *args, rc=rc,
                                                 markers=markers)
        self.assertEqual([], proxied, res)
        self.assertEqual([], logged, res)
        return res


class TestMetadefSyncDryRun(DryRunTestCase):

    def setUp(self):
        super().setUp()
        self.admin = self.sdk('admin')
        self.prefix = self.unique('DryRun') + '::'
        self.kept = self.prefix + 'Kept'       # in the cloud and the files
        self.new = self.prefix + 'New'         # only in the files
        self.extra = self.prefix + 'Extra'     # only in the cloud (pruned)
        for ns in (self.kept, self.new, self.extra):
            self.addCleanup(self.send, self.admin, 'DELETE',
                            '/metadefs/namespaces/%s' % ns, (204, 404))
        prop = {'title': 'p', 'type': 'string'}
        for ns in (self.kept, self.extra):
            self.send(self.admin, 'POST', '/metadefs/namespaces', (201,),
                      json={'namespace': ns, 'visibility': 'public',
                            'properties': {'changed': prop, 'gone': prop}})
        self.files = os.path.join(self.tmp, 'files')
        os.mkdir(self.files)
        for ns, props in ((self.kept, {'changed': dict(prop, title='new'),
                                       'added': prop}),
                          (self.new, {'p': prop})):
            with open(os.path.join(self.files, '%s.json' % ns.replace(
                    ':', '_')), 'w') as f:
                json.dump({'namespace': ns, 'visibility': 'public',
                           'properties': props}, f)
        self.before = self.state()

    def state(self):
        out = {}
        for ns in (self.kept, self.new, self.extra):
            resp = self.admin.image.request('/metadefs/namespaces/%s' % ns,
                                            'GET')
            out[ns] = (resp.status_code,
                       sorted(resp.json().get('properties', {}).items())
                       if resp.status_code == 200 else None)
        return out

    def sync(self, *mode, dry_run=True):
        args = ('image', 'metadef', 'sync', self.files, '--namespace-prefix',
                self.prefix, '-f', 'json') + mode
        if dry_run:
            args += ('--dry-run',)
        return args

    def test_every_mode_writes_nothing(self):
        markers = (self.prefix,)
        expected = {
            (): {'create'},
            ('--prefer-new',): {'create', 'update'},
            ('--overwrite',): {'create', 'update', 'delete'},
            ('--prune',): {'create', 'delete'},
            ('--overwrite', '--prune'): {'create', 'update', 'delete'},
        }
        for mode, actions in expected.items():
            res = self.assert_no_writes('admin', *self.sync(*mode),
                                        markers=markers)
            rows = res.json()
            # the plan is not empty: there was something not to write
            self.assertTrue(actions <= {r['Action'] for r in rows},
                            (mode, rows))
            self.assertEqual({'dry-run'}, {
                r['Result'] for r in rows
                if r['Action'] not in ('unchanged', 'skipped')})
            if '--prune' in mode:
                self.assertIn(('namespace', self.extra, 'delete'),
                              {(r['Kind'], r['Name'], r['Action'])
                               for r in rows})
        self.assertEqual(self.before, self.state())

    def test_detectors_see_real_writes(self):
        res, proxied, logged = self.run_recorded(
            'admin', *self.sync('--overwrite', '--prune', dry_run=False),
            markers=(self.prefix,))
        self.assertIn('POST', {r[0] for r in proxied}, res)
        self.assertIn('DELETE', {r[0] for r in logged}, res)
        self.assertNotEqual(self.before, self.state())


class TestShareAcceptDryRun(DryRunTestCase):

    def setUp(self):
        super().setUp()
        self.producer = self.sdk('producer')
        self.consumer = self.sdk('consumer')
        self.consumer_id = self.cloud.project_id('consumer')
        self.prefix = self.unique('dryrun-share')
        self.images = [self.shared_image(i) for i in range(2)]

    def shared_image(self, i):
        img = self.send(self.producer, 'POST', '/images', (201,), json={
            'name': '%s-%d' % (self.prefix, i), 'visibility': 'shared',
            'disk_format': 'raw', 'container_format': 'bare'}).json()
        self.addCleanup(self.send, self.producer, 'DELETE',
                        '/images/%s' % img['id'], (204, 404))
        self.send(self.producer, 'POST', '/images/%s/members' % img['id'],
                  (200,), json={'member': self.consumer_id})
        return img

    def statuses(self):
        return [self.send(self.consumer, 'GET', '/images/%s/members/%s' % (
            img['id'], self.consumer_id), (200,)).json()['status']
            for img in self.images]

    def test_single_and_all_write_nothing(self):
        ids = [img['id'] for img in self.images]
        for args in ((ids[0],), ('--all', '--name-prefix', self.prefix)):
            res = self.assert_no_writes(
                'consumer', 'image', 'share-accept', '--dry-run', '-f',
                'json', *args, markers=ids)
            rows = res.json()
            self.assertTrue(rows, res)
            self.assertEqual({'would change'}, {r['Result'] for r in rows})
        self.assertEqual(['pending', 'pending'], self.statuses())

    def test_detectors_see_real_writes(self):
        ids = [img['id'] for img in self.images]
        res, proxied, logged = self.run_recorded(
            'consumer', 'image', 'share-accept', '-f', 'json', *ids,
            markers=ids)
        # one member PUT per image; a PUT answered 500 by Glance's SQLite
        # under concurrent tests is resent, so count images, not requests
        for seen in (proxied, logged):
            put_on = {i for i in ids for r in seen
                      if r[0] == 'PUT' and i in r[1]}
            self.assertEqual(set(ids), put_on, res)
        self.assertEqual(['accepted', 'accepted'], self.statuses())


class TestPrepareDryRun(DryRunTestCase):

    def images_named(self, name):
        return self.send(self.sdk('producer'), 'GET', '/images?name=%s'
                         % name, (200,)).json()['images']

    def test_upload_dry_run_writes_nothing(self):
        disk = self.qemu_img('qcow2', size='1M')
        name = self.unique('dryrun-prepare')
        res = self.assert_no_writes(
            'producer', 'image', 'prepare', disk, '--no-progress',
            '--profile', 'linux-virtio', '--upload', name, '--dry-run',
            '-f', 'json', markers=(name,))
        record = res.json()
        self.assertIsNone(record['image_id'])
        self.assertEqual([], self.images_named(name))
