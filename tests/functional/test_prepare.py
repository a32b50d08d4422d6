"""``openstack image prepare`` against the real local Glance.

Every image is named with :meth:`unique` and deleted in a cleanup; what
Glance stored is read back through the API (raw JSON: the SDK's Image
converts values).
"""

import hashlib
import json
import os
import signal
import subprocess
import time

from osc_imagetools.cloud import upload
from osc_imagetools.imagefile import hashing
from tests.functional import base

MiB = 1024 * 1024


class TestPrepare(base.FunctionalTestCase):

    # -- helpers ------------------------------------------------------------
    def disk(self, fmt, name=None, size=4 * MiB, options=None):
        """A disk image with random content, made by qemu-img convert."""
        raw = os.path.join(self.tmp, 'content-%s.raw' % self.unique())
        with open(raw, 'wb') as f:
            f.write(os.urandom(size))
        path = os.path.join(self.tmp, name or 'disk.' + fmt)
        argv = ['qemu-img', 'convert', '-f', 'raw', '-O', fmt]
        if options:
            argv += ['-o', options]
        subprocess.check_call(argv + [raw, path])
        return path

    def local_hashes(self, path):
        with open(path, 'rb') as f:
            data = f.read()
        return hashlib.md5(data).hexdigest(), hashlib.sha512(data).hexdigest()

    def raw_image(self, image_id, cloud='producer'):
        return self.sdk(cloud).image.get('/images/%s' % image_id).json()

    def images_named(self, name):
        conn = self.sdk()
        return [i.id for i in conn.image.images(name=name)]

    def cleanup_image(self, name):
        def delete():
            conn = self.sdk()
            for image in conn.image.images(name=name):
                conn.image.delete_image(image.id, ignore_missing=True)
        self.addCleanup(delete)

    def prepare(self, *args, rc=0, **kwargs):
        res = self.openstack('image', 'prepare', *(args + ('-f', 'json')),
                             rc=rc, **kwargs)
        return res, res.json()

    # -- uploads ------------------------------------------------------------
    def test_upload_verified_by_glance(self):
        path = self.disk('qcow2')
        name = self.unique('prep-up')
        self.cleanup_image(name)
        res, row = self.prepare(
            path, '--upload', name, '--profile', 'windows-virtio-scsi',
            '--property', 'os_version=2022', '--tag', 'prep-test')
        md5, sha512 = self.local_hashes(path)
        self.assertEqual((md5, sha512), (row['md5'], row['sha512']))
        image = self.raw_image(row['image_id'])
        self.assertEqual('active', image['status'])
        self.assertEqual(md5, image['checksum'])
        self.assertEqual('sha512', image['os_hash_algo'])
        self.assertEqual(sha512, image['os_hash_value'])
        self.assertEqual(os.path.getsize(path), image['size'])
        self.assertEqual('qcow2', image['disk_format'])
        self.assertEqual('bare', image['container_format'])
        self.assertEqual(1, image['min_disk'])
        self.assertEqual(4 * MiB, image['virtual_size'])
        self.assertEqual(['prep-test'], image['tags'])
        for key, value in (('hw_scsi_model', 'virtio-scsi'),
                           ('hw_disk_bus', 'scsi'),
                           ('hw_qemu_guest_agent', 'yes'),
                           ('hw_vif_multiqueue_enabled', 'true'),
                           ('os_require_quiesce', 'yes'),
                           ('os_type', 'windows'), ('os_version', '2022')):
            self.assertEqual(value, image[key], key)
        self.assertEqual([name], [i['name'] for i in [image]])
        self.assertIn({'name': 'checksum', 'status': 'ok',
                       'detail': 'checksum (md5) and os_hash_value (sha512) '
                                 'match', 'file': 'source'}, row['checks'])

    def test_convert_vmdk_to_qcow2_and_upload(self):
        vmdk = self.disk('vmdk', options='subformat=streamOptimized')
        name = self.unique('prep-conv')
        self.cleanup_image(name)
        _res, row = self.prepare(vmdk, '--convert-to', 'qcow2', '--upload',
                                 name)
        converted = os.path.join(self.tmp, 'disk.qcow2')
        self.assertEqual(converted, row['file'])
        self.assertEqual(vmdk, row['source'])
        image = self.raw_image(row['image_id'])
        self.assertEqual('qcow2', image['disk_format'])
        self.assertEqual(self.local_hashes(converted)[0], image['checksum'])
        # what Glance serves is the guest disk of the original vmdk
        downloaded = os.path.join(self.tmp, 'downloaded.qcow2')
        resp = self.sdk().image.get('/images/%s/file' % image['id'],
                                    stream=True)
        with open(downloaded, 'wb') as f:
            for chunk in resp.iter_content(MiB):
                f.write(chunk)
        subprocess.check_call(['qemu-img', 'compare', '-q', '-f', 'vmdk',
                               '-F', 'qcow2', vmdk, downloaded])

    def test_glance_direct_import_to_a_store(self):
        path = self.disk('raw', 'disk.img')
        name = self.unique('prep-import')
        self.cleanup_image(name)
        _res, row = self.prepare(path, '--upload', name, '--import-method',
                                 'glance-direct', '--store', 'local')
        image = self.raw_image(row['image_id'])
        self.assertEqual('active', image['status'])
        self.assertEqual('local', image['stores'])
        self.assertEqual('raw', image['disk_format'])
        self.assertEqual(self.local_hashes(path)[1], image['os_hash_value'])

    def test_unknown_store_refused_before_creating(self):
        path = self.disk('qcow2')
        name = self.unique('prep-store')
        self.cleanup_image(name)
        res = self.openstack('image', 'prepare', path, '--upload', name,
                             '--store', 'nope', rc=1)
        # refused before any local work: one line, no table
        self.assertEqual('', res.stdout)
        self.assertIn('unknown store(s) nope', res.stderr)
        self.assertEqual([], self.images_named(name))

    # -- refusals -------------------------------------------------------------
    def test_unsafe_and_mismatching_images_never_reach_glance(self):
        base_img = self.qemu_img('qcow2', 'base.qcow2')
        backed = os.path.join(self.tmp, 'backed.qcow2')
        subprocess.check_call(['qemu-img', 'create', '-q', '-f', 'qcow2',
                               '-b', base_img, '-F', 'qcow2', backed])
        data_file = self.qemu_img(
            'qcow2', 'external.qcow2',
            options='data_file=%s' % os.path.join(self.tmp, 'ext.dat'))
        qed = self.qemu_img('qed')
        truncated = self.disk('qcow2', 'truncated.qcow2')
        os.truncate(truncated, os.path.getsize(truncated) // 2)
        declared_raw = self.disk('qcow2', 'really-qcow2.img')
        cases = [
            ([backed], 'backing_file'),
            ([data_file], 'data_file'),
            ([qed], 'banned'),
            ([truncated], 'qemu-img check found problems'),
            ([declared_raw, '--disk-format', 'raw'],
             'disk_format raw was given but the content of really-qcow2.img '
             'is qcow2'),
        ]
        for argv, expected in cases:
            name = self.unique('prep-unsafe')
            self.cleanup_image(name)
            output = os.path.join(self.tmp, name + '.raw')
            res, row = self.prepare(*argv, '--upload', name, '--convert-to',
                                    'raw', '--output', output, rc=1)
            self.assertIn(expected, res.stderr)
            self.assertIsNone(row['image_id'])
            self.assertEqual([], self.images_named(name), expected)
            self.assertFalse(os.path.exists(output), expected)

    def test_dry_run_sends_nothing(self):
        path = self.disk('vdi')
        name = self.unique('prep-dry')
        manifest = os.path.join(self.tmp, 'manifest.json')
        mark = self.access_log_mark()
        _res, row = self.prepare(path, '--upload', name, '--dry-run',
                                 '--profile', 'linux-virtio',
                                 '--manifest', manifest)
        self.assertEqual([], self.images_named(name))
        self.assertEqual('skipped', {s['name']: s['status']
                                     for s in row['steps']}['upload'])
        # the dry run only read (schema, metadefs): no write by anyone
        # asking for this name, and no write at all from its requests
        ours = [r for r in self.requests_since(mark) if r[0] != 'GET']
        self.assertEqual([], [r for r in ours if name in r[1]])
        # nor any file: the manifest is written by a run without --dry-run
        self.assertFalse(os.path.exists(manifest))
        self.prepare(path, '--profile', 'linux-virtio', '--manifest',
                     manifest)
        with open(manifest) as f:
            doc = json.load(f)
        self.assertEqual(self.local_hashes(path)[0], doc['md5'])
        self.assertIn("openstack image create --disk-format vdi",
                      doc['openstack_command'])
        # the manifest is valid input for image validate
        self.openstack('image', 'validate', '--properties-file', manifest,
                       '--file', path)

    def test_validation_errors_stop_the_upload(self):
        path = self.disk('qcow2')
        name = self.unique('prep-invalid')
        self.cleanup_image(name)
        res, row = self.prepare(path, '--upload', name, '--property',
                                'hw_disk_bus=virtoi', rc=1)
        self.assertIn("refuses 'virtoi' for hw_disk_bus", res.stderr)
        self.assertEqual([], self.images_named(name))
        self.assertIsNone(row['md5'])

    def test_offline_without_any_cloud(self):
        path = self.disk('vhdx')
        res = self.openstack('image', 'prepare', path, '--profile', 'uefi',
                             '-f', 'json', cloud=None)
        row = res.json()
        self.assertEqual('vhdx', row['disk_format'])
        self.assertEqual(self.local_hashes(path)[1], row['sha512'])
        validate = [c for c in row['checks'] if c['name'] == 'validate']
        self.assertIn('offline', validate[-1]['detail'])

    # -- interruptions ------------------------------------------------------
    def test_server_error_deletes_the_half_created_image(self):
        # Glance 33 answers 415 to content that is not the declared format;
        # the client's own check would refuse it, so the cloud module is
        # driven directly to get a real server error in the middle
        path = self.disk('qcow2')
        name = self.unique('prep-415')
        self.cleanup_image(name)
        body = hashing.HashingBody(path)
        exc = self.assertRaises(
            upload.UploadError, upload.upload, self.sdk().image,
            {'name': name, 'disk_format': 'vmdk',
             'container_format': 'bare'}, body)
        self.assertEqual(415, exc.status)
        self.assertIn('was deleted', str(exc))
        self.assertEqual([], self.images_named(name))

    def test_ctrl_c_during_upload_deletes_the_image(self):
        path = os.path.join(self.tmp, 'big.raw')
        with open(path, 'wb') as f:
            f.truncate(4 * 1024 * MiB)  # sparse: big to send, cheap to make
        name = self.unique('prep-sigint')
        self.cleanup_image(name)
        proc = subprocess.Popen(
            [base.OPENSTACK, '--os-cloud', 'producer', 'image', 'prepare',
             path, '--upload', name, '--no-progress'],
            env=self.env(), stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
            stderr=subprocess.PIPE, text=True)
        self.addCleanup(lambda: proc.poll() is None and proc.kill())
        deadline = time.monotonic() + 120
        while not self.images_named(name):
            self.assertIsNone(proc.poll(), 'finished before the interrupt')
            self.assertLess(time.monotonic(), deadline)
            time.sleep(0.2)
        time.sleep(0.5)  # data is flowing
        proc.send_signal(signal.SIGINT)
        _out, err = proc.communicate(timeout=120)
        self.assertEqual(130, proc.returncode, err)
        self.assertIn('upload interrupted', err)
        self.assertIn('was deleted', err)
        self.assertNotIn('Traceback', err)
        self.assertEqual([], self.images_named(name))
