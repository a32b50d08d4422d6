"""``openstack image validate`` with the real CLI against the real Glance."""

import json
import os

from tests.functional import base

GIB = 1024 ** 3
BAD = {'hw_disk_bus': 'bogus', 'os_require_quiesce': 'yes',
       'hw_qemu_guest_agent': 'no'}


class TestValidate(base.FunctionalTestCase):

    def setUp(self):
        super().setUp()
        self.conn = self.sdk('producer')

    # -- helpers -----------------------------------------------------------
    def api(self, method, path, ok, **kwargs):
        """A raw request as the producer. The shared cloud runs on SQLite:
        under concurrent tests Glance may answer 500 ("database is
        locked"); setting up a test retries that, twice."""
        for attempt in range(3):
            if hasattr(kwargs.get('data'), 'seek'):
                kwargs['data'].seek(0)
            resp = self.conn.image.request(path, method, **kwargs)
            if resp.status_code < 500:
                break
        self.assertEqual(ok, resp.status_code, resp.text)
        return resp

    def create_image(self, name, **props):
        """An image made through the raw API (Glance accepts any string
        for a custom property, hw_disk_bus=bogus included)."""
        body = {'name': name, 'disk_format': 'qcow2',
                'container_format': 'bare'}
        body.update(props)
        image = self.api('POST', '/images', 201, json=body).json()
        self.addCleanup(self.conn.image.delete, '/images/%s' % image['id'])
        return image

    def stored(self, image_id):
        return self.conn.image.get('/images/%s' % image_id).json()

    # -- property sets -----------------------------------------------------
    def test_property_set(self):
        res, rows = self.validate(
            '--property', 'hw_disk_bus=bogus',
            '--property', 'hw_scsi_model=virtio-scsi',
            '--property', 'os_distro=windows',
            '--property', 'hw_disk_buss=ide', rc=1)
        self.assertEqual(
            [('hw_disk_bus', 'error', 'nova-value'),
             ('hw_disk_bus', 'warning', 'scsi-model-needs-scsi-bus'),
             ('hw_disk_buss', 'warning', 'unknown-property'),
             ('os_type', 'warning', 'windows-needs-os-type')],
            self.summary(rows))
        self.assertEqual(
            ['Image', 'Property', 'Value', 'Severity', 'Rule', 'Message'],
            list(rows[0]))
        self.assertIn('1 of 1 property set failed', res.stderr)
        # the disk_format enum is the live schema's
        res, rows = self.validate('--disk-format', 'qcow3', rc=1)
        self.assertEqual([('disk_format', 'error', 'schema-enum')],
                         self.summary(rows))

    def test_warnings_exit_0_unless_strict(self):
        args = ('--property', 'hw_disk_bus=scsi',
                '--property', self.unique('site_x').replace('-', '_') + '=1')
        res, rows = self.validate(*args)
        self.assertEqual([('warning', 'unknown-property')],
                         [(r['Severity'], r['Rule']) for r in rows])
        self.assertEqual('1 property set valid, 1 warning\n', res.stderr)
        res, rows = self.validate('--strict', *args, rc=1)
        self.assertEqual(1, len(rows))

    def test_valid_property_set_prints_an_ok_row(self):
        res, rows = self.validate(
            '--disk-format', 'qcow2', '--container-format', 'bare',
            '--property', 'hw_scsi_model=virtio-scsi',
            '--property', 'hw_disk_bus=scsi',
            '--property', 'hw_qemu_guest_agent=yes',
            '--property', 'os_require_quiesce=yes',
            '--property', 'os_distro=windows',
            '--property', 'os_type=windows')
        self.assertEqual([('(command line)', '', 'ok', '')],
                         [(r['Image'], r['Property'], r['Severity'],
                           r['Rule']) for r in rows])
        self.assertEqual('1 property set valid\n', res.stderr)

    def test_file_format_against_disk_format(self):
        path = self.qemu_img('qcow2', name='disk.raw', size='2G')
        res, rows = self.validate('--file', path, '--disk-format', 'raw',
                                  '--property', 'min_disk=1', rc=1)
        self.assertEqual(
            [('disk_format', 'error', 'file-format'),
             ('min_disk', 'error', 'min-disk-below-virtual-size')],
            self.summary(rows))
        res, rows = self.validate('--file', path, '--disk-format', 'qcow2',
                                  '--property', 'min_disk=2')
        self.assertEqual([(path, 'ok')],
                         [(r['Image'], r['Severity']) for r in rows])

    # -- images in the cloud -----------------------------------------------
    def test_image_with_bad_properties(self):
        name = self.unique('val-bad')
        image = self.create_image(name, **BAD)
        before = self.access_log_mark()
        self.assertEqual('bogus', self.stored(image['id'])['hw_disk_bus'])
        # gunicorn logs a request after answering it: the fixture's GET of
        # the image must be in the log before the mark
        self.wait_logged(before, 'GET', '/v2/images/%s' % image['id'])
        mark = self.access_log_mark()
        res, rows = self.validate(name, rc=1)
        self.assertEqual(
            [('hw_disk_bus', 'error', 'nova-value'),
             ('hw_qemu_guest_agent', 'error', 'quiesce-needs-guest-agent')],
            self.summary(rows))
        self.assertEqual({image['id']}, {r['Image'] for r in rows})
        self.assertIn('1 of 1 image failed', res.stderr)
        # by ID too, and read-only: only GETs, never the image itself
        res, rows = self.validate(image['id'], rc=1)
        self.assertEqual(2, len(rows))
        mine = [r for r in self.requests_since(mark)
                if image['id'] in r[1] or name in r[1]]
        self.assertTrue(mine)
        self.assertEqual({'GET'}, {m for m, _, _ in mine})
        self.assertFalse(any(path.startswith('/v2/images/%s' % image['id'])
                             for _, path, _ in mine), mine)
        # Glance still holds what it held
        self.assertEqual('bogus', self.stored(image['id'])['hw_disk_bus'])

    def test_min_disk_against_the_uploaded_virtual_size(self):
        name = self.unique('val-size')
        image = self.create_image(name, min_disk=1)
        path = self.qemu_img('qcow2', size='3G')
        with open(path, 'rb') as f:
            self.api('PUT', '/images/%s/file' % image['id'], 204, data=f,
                     headers={'Content-Type': 'application/octet-stream'})
        self.assertEqual(3 * GIB, self.stored(image['id'])['virtual_size'])
        res, rows = self.validate(name, rc=1)
        self.assertEqual([('min_disk', 'error',
                           'min-disk-below-virtual-size')],
                         self.summary(rows))
        self.assertIn('3 GB', rows[0]['Message'])

    def test_all_with_filters_sees_only_matching_images(self):
        prefix = self.unique('val-all')
        good = self.create_image(prefix + '-good', hw_disk_bus='scsi')
        bad1 = self.create_image(prefix + '-bad1', **BAD)
        bad2 = self.create_image(prefix + '-bad2', hw_video_model='vmware')
        other = self.create_image(self.unique('val-other'),
                                  hw_disk_bus='bogus')
        res, rows = self.validate('--all', '--name-prefix', prefix, rc=1)
        self.assertEqual({bad1['id'], bad2['id']},
                         {r['Image'] for r in rows if r['Severity'] != 'ok'})
        # a valid image: one ok row
        self.assertEqual([('', 'ok')], [(r['Property'], r['Severity'])
                                        for r in rows
                                        if r['Image'] == good['id']])
        self.assertIn('2 of 3 images failed', res.stderr)
        self.assertNotIn(other['id'], res.stdout)
        # tag filter (server side) + prefix
        tag = self.unique('tag')
        self.api('PUT', '/images/%s/tags/%s' % (bad2['id'], tag), 204)
        res, rows = self.validate('--all', '--name-prefix', prefix,
                                  '--tag', tag, rc=1)
        self.assertEqual({bad2['id']}, {r['Image'] for r in rows})
        self.assertIn('1 of 1 image failed', res.stderr)
        res, rows = self.validate('--all', '--name-prefix', prefix + '-good')
        self.assertEqual([(good['id'], 'ok')],
                         [(r['Image'], r['Severity']) for r in rows])
        self.assertEqual('1 image valid\n', res.stderr)

    def test_unknown_and_ambiguous_images(self):
        name = self.unique('val-twice')
        first = self.create_image(name, hw_disk_bus='scsi')
        self.create_image(name, hw_disk_bus='scsi')
        single = self.create_image(self.unique('val-single'),
                                   hw_disk_bus='scsi')
        missing = self.unique('val-missing')
        res, rows = self.validate(missing, name, single['name'], rc=1)
        self.assertEqual([(single['id'], 'ok')],
                         [(r['Image'], r['Severity']) for r in rows])
        self.assertIn("no image found for '%s'" % missing, res.stderr)
        self.assertIn("2 images are named '%s'" % name, res.stderr)
        self.assertIn('2 of 3 images failed', res.stderr)
        res, rows = self.validate(first['id'], single['id'])
        self.assertEqual('2 images valid\n', res.stderr)

    # -- offline -------------------------------------------------------------
    def test_offline_from_saved_catalog_without_credentials(self):
        catalog = os.path.join(self.tmp, 'catalog')
        res = self.openstack('image', 'validate', '--save-catalog', catalog)
        self.assertIn('Saved the image schema and', res.stderr)
        with open(os.path.join(catalog, 'image-schema.json')) as f:
            self.assertEqual('image', json.load(f)['name'])
        with open(os.path.join(catalog, 'metadefs',
                               'OS-Compute-LibvirtImage.json')) as f:
            libvirt = json.load(f)
        for field in ('created_at', 'updated_at', 'owner', 'self', 'schema'):
            self.assertNotIn(field, libvirt)
        args = ('--property', 'hw_disk_bus=bogus',
                '--property', 'os_require_quiesce=yes',
                '--property', 'hw_qemu_guest_agent=yes')
        online, online_rows = self.validate(*args, rc=1)
        # no OS_* variable, no clouds.yaml, no --os-cloud
        env = self.env(HOME=self.tmp)
        del env['OS_CLIENT_CONFIG_FILE']
        offline, offline_rows = self.validate(
            '--catalog-dir', catalog, *args, cloud=None, env=env, rc=1)
        self.assertEqual(online_rows, offline_rows)
        self.assertEqual([('hw_disk_bus', 'error', 'nova-value')],
                         self.summary(offline_rows))
        # the same command without --catalog-dir needs credentials
        res = self.openstack('image', 'validate', *args, cloud=None,
                             env=env, rc=1)
        self.assertIn('auth', res.stderr.lower())

    # -- bad input -------------------------------------------------------------
    def test_bad_input(self):
        bad_yaml = os.path.join(self.tmp, 'bad.yaml')
        with open(bad_yaml, 'w') as f:
            f.write('a: [1, 2\n')
        empty = os.path.join(self.tmp, 'empty-catalog')
        os.makedirs(os.path.join(empty, 'metadefs'))
        cases = [
            (('--property', 'hw_disk_bus'), 2, "has no '='"),
            (('--properties-file', bad_yaml), 2, 'not valid YAML'),
            (('--properties-file', os.path.join(self.tmp, 'none.json')), 2,
             'cannot read properties file'),
            (('--catalog-dir', empty, '--property', 'a=b'), 2,
             'has no image-schema.json'),
            (('--property', 'a=b', '--ignore', 'no-such-rule'), 2,
             'unknown rule id'),
            ((), 2, 'nothing to validate'),
        ]
        for args, rc, expected in cases:
            res = self.openstack('image', 'validate', *args, rc=rc)
            self.assertIn(expected, res.stderr, args)
            self.assertEqual('', res.stdout, args)
            self.assertLessEqual(len(res.stderr.strip().splitlines()), 2,
                                 res)
