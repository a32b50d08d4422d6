"""Faults: Glance going away in the middle of a command, and transient
errors that must be retried.

One PRIVATE local cloud serves the whole class (Glance is stopped and
started again here; the shared cloud of the other tests must never be).
Between the CLI and that Glance sits a :class:`fakeglance.FaultProxy`:
after K requests matching a rule it answers 503,
drops the connection without an answer (a reset), or really kills Glance
(``tools/local_cloud.py stop-glance``) halfway through a request body.
The CLI reaches it through ``image_endpoint_override`` in a copy of the
private cloud's ``clouds.yaml``; Keystone is reached directly.

After each fault, the command must end with a one-line error and its
per-item report (no traceback), and running it again without faults must
converge to the goal state, checked through the API.
"""

import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import uuid

import yaml

from osc_imagetools import cloud as imagetools_cloud
from tests.functional import base
from tests.functional import fakeglance

NAMESPACES = '/metadefs/namespaces'
# one request + keystoneauth's retries (see osc_imagetools.cloud.RETRIES)
TRIES = 1 + imagetools_cloud.RETRIES


def fault(method, path, status, after=0, times=None):
    """A :class:`fakeglance.Fault` without ``Retry-After``: keystoneauth's
    own retry delays (set short in this class's clouds.yaml) apply."""
    return fakeglance.Fault(method, path, status, times=times, after=after,
                            retry_after=None)


def local_cloud(*args):
    subprocess.check_call([sys.executable, base.LOCAL_CLOUD] + list(args),
                          stdout=subprocess.DEVNULL)


class TestFaults(base.FunctionalTestCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.state = tempfile.mkdtemp(prefix='imagetools-faults-')
        try:
            local_cloud('start', '--state', cls.state, '--glance-port', '0',
                        '--keystone-port', '0')
        except BaseException:
            cls._stop_cloud()
            raise
        cls.private = base.Cloud(cls.state)

    @classmethod
    def tearDownClass(cls):
        cls._stop_cloud()
        super().tearDownClass()

    @classmethod
    def _stop_cloud(cls):
        subprocess.call([sys.executable, base.LOCAL_CLOUD, 'stop',
                         '--state', cls.state],
                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        shutil.rmtree(cls.state, ignore_errors=True)

    def setUp(self):
        super().setUp()
        self.cloud = self.private
        self.ensure_glance()
        port = self.cloud.info['glance_port']
        self.proxy = fakeglance.FaultProxy(
            'http://127.0.0.1:%d' % port, on_kill=self.kill_glance).start()
        self.addCleanup(self.proxy.stop)
        with open(self.cloud.clouds_yaml) as f:
            clouds = yaml.safe_load(f)
        for conf in clouds['clouds'].values():
            conf['image_endpoint_override'] = self.proxy.url
            # fixed short delays keep the class fast (the counts, not the
            # delays, are under test; unset, keystoneauth doubles them
            # from 0.5 s)
            conf['image_status_code_retry_delay'] = 0.05
            conf['image_connect_retry_delay'] = 0.05
        self.proxied_yaml = os.path.join(self.tmp, 'clouds.yaml')
        with open(self.proxied_yaml, 'w') as f:
            yaml.safe_dump(clouds, f)

    # -- helpers ------------------------------------------------------------
    def ensure_glance(self):
        info = json.load(open(os.path.join(self.state, 'state.json')))
        if not info['pids'].get('glance'):
            local_cloud('restart-glance', '--state', self.state)

    def kill_glance(self):
        local_cloud('stop-glance', '--state', self.state)

    def via_proxy(self, *args, **kwargs):
        """The real CLI, its image requests through the fault proxy."""
        return self.openstack(
            *args, env=self.env(OS_CLIENT_CONFIG_FILE=self.proxied_yaml),
            **kwargs)

    def send(self, conn, method, path, ok, **kwargs):
        resp = conn.image.request(path, method, **kwargs)
        self.assertIn(resp.status_code, ok, '%s %s: %s' % (
            method, path, resp.text[:300]))
        return resp

    def assert_one_line_errors(self, res, *needles):
        text = res.stderr
        self.assertNotIn('Traceback', res.stdout + text)
        for needle in needles:
            self.assertIn(needle, text, res)

    # -- transient errors: retried, bounded ---------------------------------
    def test_transient_503_and_resets_are_retried(self):
        self.proxy.faults = [
            fault('GET', r'member_status=pending', 503, times=TRIES - 1),
            fault('GET', r'member_status=accepted', fakeglance.RESET,
                  times=TRIES - 1),
        ]
        rows = json.loads(self.via_proxy(
            'image', 'share', 'list', '-f', 'json', cloud='consumer').stdout)
        self.assertIsInstance(rows, list)
        # each listing: TRIES-1 faults, then the answer that went through
        self.assertEqual(TRIES, self.proxy.count(
            'GET', r'member_status=pending'))
        self.assertEqual(TRIES - 1, self.proxy.count(
            'GET', r'member_status=pending', 503))
        self.assertEqual(TRIES, self.proxy.count(
            'GET', r'member_status=accepted'))

    def test_persistent_503_is_a_clear_error_after_bounded_retries(self):
        self.proxy.faults = [fault('GET', r'member_status=pending', 503)]
        res = self.via_proxy('image', 'share', 'list', cloud='consumer',
                             rc=1)
        self.assert_one_line_errors(res, '503')
        self.assertIn('injected by the fault proxy', res.stderr)
        self.assertEqual(TRIES, self.proxy.count(
            'GET', r'member_status=pending'))

    def test_post_is_sent_once(self):
        path = os.path.join(self.tmp, 'disk.qcow2')
        subprocess.check_call(['qemu-img', 'create', '-q', '-f', 'qcow2',
                               path, '16M'])
        name = self.unique('fault-post')
        self.proxy.faults = [fault('POST', r'^/v2/images$', 503)]
        res = self.via_proxy('image', 'prepare', path, '--upload', name,
                             rc=1)
        self.assert_one_line_errors(res, '503')
        self.assertEqual(1, self.proxy.count('POST', r'^/v2/images$'))
        conn = self.sdk()
        self.assertEqual([], list(conn.image.images(name=name)))

    # -- Glance goes away mid-run --------------------------------------------
    def namespace_doc(self, name, title, count=20):
        return {
            'namespace': name, 'display_name': name,
            'description': 'fault test', 'visibility': 'private',
            'protected': False,
            'resource_type_associations': [
                {'name': 'OS::Glance::Image', 'prefix': 'ft_'}],
            'properties': {'p%02d' % i: {'title': '%s %d' % (title, i),
                                         'type': 'string'}
                           for i in range(count)},
        }

    def test_metadef_sync_overwrite_interrupted_then_converges(self):
        name = 'ITest::faults::%s' % uuid.uuid4().hex[:10]
        admin = self.sdk('admin')
        self.addCleanup(admin.image.request, '%s/%s' % (NAMESPACES, name),
                        'DELETE')
        path = os.path.join(self.tmp, 'ns.json')
        with open(path, 'w') as f:
            json.dump(self.namespace_doc(name, 'old'), f)
        self.openstack('image', 'metadef', 'sync', path, cloud='admin')
        want = self.namespace_doc(name, 'new')
        del want['properties']['p19']           # one delete
        want['properties']['extra'] = {'title': 'x', 'type': 'string'}
        with open(path, 'w') as f:
            json.dump(want, f)
        # after 8 writes Glance "goes away" for every write (503 forever)
        self.proxy.faults = [fault('PUT|POST|DELETE', r'/metadefs/', 503,
                                   after=8)]
        res = self.via_proxy('image', 'metadef', 'sync', '--overwrite', path,
                             '-f', 'json', cloud='admin', rc=1)
        self.assert_one_line_errors(res, 'failed')
        rows = json.loads(res.stdout)
        failed = [r for r in rows if '503' in json.dumps(r)]
        self.assertTrue(failed, res)
        # a half-written namespace is reported: some properties new, some
        # old, and every write that did not happen has a failed row
        held = self.send(admin, 'GET', '%s/%s' % (NAMESPACES, name),
                         (200,)).json()
        held_props = held.get('properties', {})
        titles = {p['title'].split()[0] for p in held_props.values()}
        self.assertLessEqual({'old', 'new'}, titles)
        # every property that still differs from the file has a failed row
        failed_names = {r['Name'] for r in rows
                        if r['Kind'] == 'property'
                        and r['Result'].startswith('failed')}
        differs = {k for k, v in want['properties'].items()
                   if held_props.get(k, {}).get('title') != v['title']}
        differs |= set(held_props) - set(want['properties'])
        self.assertTrue(differs)
        self.assertLessEqual(differs, failed_names)
        # rerun without faults: converges
        self.openstack('image', 'metadef', 'sync', '--overwrite', path,
                       cloud='admin')
        held = self.send(admin, 'GET', '%s/%s' % (NAMESPACES, name),
                         (200,)).json()
        self.assertEqual(
            {k: v['title'] for k, v in want['properties'].items()},
            {k: v['title'] for k, v in held['properties'].items()})
        res = self.openstack('image', 'metadef', 'sync', '--overwrite', path,
                             '-f', 'json', cloud='admin')
        self.assertEqual({'unchanged'},
                         {r['Action'] for r in json.loads(res.stdout)})

    def test_share_accept_all_interrupted_then_converges(self):
        producer, consumer = self.sdk('producer'), self.sdk('consumer')
        consumer_id = self.cloud.project_id('consumer')
        prefix = self.unique('fault-share')
        ids = []
        for i in range(10):
            img = self.send(producer, 'POST', '/images', (201,), json={
                'name': '%s-%d' % (prefix, i), 'visibility': 'shared',
                'disk_format': 'raw', 'container_format': 'bare'}).json()
            self.addCleanup(producer.image.request,
                            '/images/%s' % img['id'], 'DELETE')
            self.send(producer, 'POST', '/images/%s/members' % img['id'],
                      (200,), json={'member': consumer_id})
            ids.append(img['id'])
        self.proxy.faults = [fault('PUT', r'/members/', 503, after=4)]
        res = self.via_proxy('image', 'share-accept', '--all',
                             '--name-prefix', prefix, '-f', 'json',
                             cloud='consumer', rc=1)
        rows = json.loads(res.stdout)
        self.assertEqual(10, len(rows))

        def statuses():
            return [self.send(consumer, 'GET', '/images/%s/members/%s'
                              % (i, consumer_id), (200,)).json()['status']
                    for i in ids]
        # at most 4 PUTs went through (fewer if Glance's SQLite answered
        # 500 to one and its retry met the fault); every other share is
        # reported failed, and the report matches what Glance holds
        failed = {r['ID'] for r in rows if r['Result'].startswith('failed')}
        self.assertGreaterEqual(len(failed), 6)
        self.assert_one_line_errors(res, '%d of 10' % len(failed))
        self.assertEqual(
            [i not in failed for i in ids],
            [s == 'accepted' for s in statuses()])
        # Glance is back: the rerun changes only what is still pending
        self.proxy.faults = []
        rows = json.loads(self.via_proxy(
            'image', 'share-accept', '--all', '--name-prefix', prefix,
            '-f', 'json', cloud='consumer').stdout)
        self.assertEqual(failed, {r['ID'] for r in rows})
        self.assertEqual(['accepted'] * 10, statuses())

    def test_prepare_upload_glance_killed_mid_stream(self):
        path = os.path.join(self.tmp, 'disk.raw')
        with open(path, 'wb') as f:
            for i in range(24):
                f.write(os.urandom(1024 * 1024))
        with open(path, 'rb') as f:
            data = f.read()
        name = self.unique('fault-upload')
        conn = self.sdk()

        def cleanup():
            self.ensure_glance()
            for image in self.sdk().image.images(name=name):
                self.sdk().image.delete_image(image.id, ignore_missing=True)
        self.addCleanup(cleanup)
        self.proxy.faults = [fault('PUT', r'/file$', fakeglance.KILL, times=1)]
        t0 = time.monotonic()
        res = self.via_proxy('image', 'prepare', path, '--upload', name,
                             rc=1)
        self.assertLess(time.monotonic() - t0, 120)
        text = res.stdout + res.stderr
        self.assertNotIn('Traceback', text)
        ids = set(re.findall(r'image ([0-9a-f-]{36})', text))
        self.assertEqual(1, len(ids), res)
        image_id = ids.pop()
        # the image could not be deleted with Glance down: the message
        # says so and names the image
        self.assertIn('could not be deleted', text)
        self.ensure_glance()
        held = conn.image.get('/images/%s' % image_id)
        self.assertEqual(200, held.status_code)
        self.assertEqual('queued', held.json()['status'])
        # rerun with Glance back: the upload goes through and is verified
        res = self.via_proxy('image', 'prepare', path, '--upload', name,
                             '-f', 'json')
        row = json.loads(res.stdout)
        img = [i for i in conn.image.images(name=name)
               if i.id != image_id]
        self.assertEqual(1, len(img))
        self.assertEqual('active', img[0].status)
        self.assertEqual(hashlib.sha512(data).hexdigest(),
                         img[0].hash_value)
        self.assertEqual(row['sha512'], img[0].hash_value)
