"""The ``image prepare`` command class and cloud.upload's error handling.

The spec'd fake app and image proxy are in :mod:`tests.unit.v1.prepare_base`
(:class:`FakeGlance`: what real Glance never does on purpose - store data
with another checksum, fail in the middle of an upload, refuse a delete).
What real Glance does with a real upload is asserted in
tests/functional/test_prepare.py.
"""

import hashlib
import io
import json
import os
import shlex
from unittest import mock

import fixtures
from openstack.image.v2 import _proxy
import testtools

from osc_imagetools import cloud
from osc_imagetools.cloud import upload
from osc_imagetools.prepare import report
from osc_imagetools.v1 import base
from osc_imagetools.v1 import prepare
from tests.unit.imagefile import corpus as corpus_mod
from tests.unit.v1.prepare_base import CommandTestCase
from tests.unit.v1.prepare_base import FakeGlance
from tests.unit.v1.prepare_base import response


class TestArguments(CommandTestCase):

    def test_upload_options_need_upload(self):
        raw = self.corpus.path('raw')
        for opt in (['--visibility', 'public'], ['--tag', 't'],
                    ['--import-method', 'glance-direct'],
                    ['--store', 'local'], ['--delete-on-mismatch']):
            self.assertUsage('%s needs --upload NAME' % opt[0], raw, *opt)

    def test_several_stores_need_import(self):
        self.assertUsage('several --store need --import-method',
                         self.corpus.path('raw'), '--upload', 'x',
                         '--store', 'a', '--store', 'b')

    def test_output_needs_convert(self):
        self.assertUsage('--output needs --convert-to',
                         self.corpus.path('raw'), '--output', 'x')

    def test_never_overwrites_without_force(self):
        vmdk = os.path.join(self.tmp, 'x.vmdk')
        os.link(self.corpus.path('vmdk'), vmdk)
        existing = os.path.join(self.tmp, 'x.qcow2')
        open(existing, 'w').close()
        self.assertUsage('exists (use --force', vmdk, '--convert-to',
                         'qcow2')
        self.assertUsage('exists (use --force', vmdk, '--manifest', vmdk)
        self.assertUsage('would overwrite', self.corpus.path('qcow2'),
                         '--convert-to', 'qcow2')
        self.assertUsage('does not exist', vmdk, '--manifest',
                         '/nonexistent/m.json')
        self.assertEqual(0, os.path.getsize(existing))
        # --force: converted over the existing file
        self.assertEqual(0, self.run_cmd(vmdk, '--convert-to', 'qcow2',
                                         '--force'), self.stderr())
        self.assertEqual('qcow2', corpus_mod.qemu_info(existing)['format'])

    def test_unreadable_input(self):
        self.assertUsage('cannot read /nonexistent/x.img',
                         '/nonexistent/x.img')

    def test_bad_properties_and_profiles(self):
        raw = self.corpus.path('raw')
        self.assertUsage("has no '='", raw, '--property', 'novalue')
        self.assertUsage('unknown profile(s): nope', raw, '--profile',
                         'nope')
        self.assertUsage('use --disk-format', raw, '--property',
                         'disk_format=raw')
        self.assertUsage('use --min-disk', raw, '--property', 'min_disk=3')

    def test_negative_min_disk_is_an_argparse_error(self):
        self.useFixture(fixtures.MonkeyPatch('sys.stderr', io.StringIO()))
        parser = self.cmd.get_parser('openstack image prepare')
        self.assertRaises(SystemExit, parser.parse_args,
                          ['x', '--min-disk', '-1'])


class TestImageCreateFlags(CommandTestCase):
    """OSC's ``image create`` spellings (what Glance does with them:
    tests/functional/test_prepare_cli.py)."""

    def parse(self, *argv):
        parser = self.cmd.get_parser('openstack image prepare')
        return parser.parse_args([str(a) for a in argv])

    def test_exclusive_groups(self):
        raw = self.corpus.path('raw')
        stderr = self.useFixture(fixtures.StringStream('stderr')).stream
        self.useFixture(fixtures.MonkeyPatch('sys.stderr', stderr))
        for argv in (['--public', '--private'], ['--community', '--shared'],
                     ['--shared', '--visibility', 'public'],
                     ['--protected', '--unprotected']):
            exc = self.assertRaises(SystemExit, self.parse, raw,
                                    '--upload', 'x', *argv)
            self.assertEqual(2, exc.code, argv)
        for flag in ('public', 'private', 'community', 'shared'):
            self.assertEqual(flag, self.parse(raw, '--' + flag).visibility)
        self.assertIsNone(self.parse(raw).is_protected)
        self.assertIs(False, self.parse(raw, '--unprotected').is_protected)

    def test_upload_only_flags_need_upload(self):
        raw = self.corpus.path('raw')
        for argv, opt in ((['--public'], '--visibility'),
                          (['--protected'], '--protected/--unprotected'),
                          (['--unprotected'], '--protected/--unprotected'),
                          (['--project', 'p'], '--project'),
                          (['--unique-name'], '--unique-name')):
            self.assertUsage('%s needs --upload NAME' % opt, raw, *argv)
        self.assertUsage('min_ram is not a property here: use --min-ram',
                         raw, '--property', 'min_ram=1')
        self.assertUsage('owner is not a property here: use --project',
                         raw, '--property', 'owner=x')

    def test_flags_in_the_create_request(self):
        sdk = self.app.client_manager.imagetools.sdk_connection
        sdk.identity.find_project.return_value = mock.Mock(id='p-id')
        rc = self.run_cmd(self.corpus.path('raw'), '--upload', 'img',
                          '--community', '--min-ram', '512', '--protected',
                          '--project', 'producer', '--tag', 't1', '--tag',
                          't2', '--architecture', 'aarch64', '--kernel-id',
                          'k', '--catalog-dir', self.catalog())
        self.assertEqual(0, rc, self.stderr())
        (image,) = self.glance.images.values()
        for key, value in (('visibility', 'community'), ('min_ram', 512),
                           ('protected', True), ('owner', 'p-id'),
                           ('tags', ['t1', 't2']), ('architecture', 'aarch64'),
                           ('kernel_id', 'k'), ('name', 'img')):
            self.assertEqual(value, image[key], key)
        sdk.identity.find_project.assert_called_once_with(
            'producer', ignore_missing=True)

    def test_unknown_project_refused_before_anything(self):
        sdk = self.app.client_manager.imagetools.sdk_connection
        sdk.identity.find_project.return_value = None
        rc = self.run_cmd(self.corpus.path('raw'), '--upload', 'img',
                          '--project', 'nope')
        self.assertEqual(1, rc)
        self.assertEqual('openstack image prepare: error: no project nope\n',
                         self.stderr())
        self.assertEqual('', self.app.stdout.getvalue())
        self.assertEqual([], self.glance.writes())

    def test_same_name_warns_or_refuses(self):
        self.glance.images['old'] = {'id': 'old', 'name': 'img'}
        rc = self.run_cmd(self.corpus.path('raw'), '--upload', 'img',
                          '--unique-name', '--catalog-dir', self.catalog())
        self.assertEqual(1, rc)
        self.assertIn('1 image(s) already named img (old)', self.stderr())
        self.assertEqual('', self.app.stdout.getvalue())
        self.assertEqual([], self.glance.writes())
        self.app.stderr = io.StringIO()
        rc = self.run_cmd(self.corpus.path('raw'), '--upload', 'img',
                          '--catalog-dir', self.catalog())
        self.assertEqual(0, rc, self.stderr())
        self.assertIn('warning: 1 image(s) already named img (old); '
                      'uploading another', self.stderr())
        self.assertEqual(2, len(self.glance.images))


class TestOffline(CommandTestCase):

    def test_no_auth_and_no_cloud_request(self):
        self.assertFalse(prepare.PrepareImage.auth_required)
        rc = self.run_cmd(self.corpus.path('qcow2'), '--profile',
                          'linux-virtio')
        self.assertEqual(0, rc, self.stderr())
        self.app.prepare_to_run_command.assert_not_called()
        self.assertEqual([], self.glance.calls)
        row = self.row()
        self.assertEqual(list(report.FIELDS), list(row))
        self.assertIn('offline', [c['detail'] for c in row['checks']
                                  if c['name'] == 'validate'][-1])

    def test_row(self):
        path = self.corpus.path('qcow2')
        with open(path, 'rb') as f:
            content = f.read()
        rc = self.run_cmd(path, '--catalog-dir', self.catalog())
        self.assertEqual(0, rc, self.stderr())
        row = self.row()
        self.assertEqual(path, row['file'])
        self.assertEqual('qcow2', row['detected_format'])
        self.assertEqual('qcow2', row['disk_format'])
        self.assertEqual('bare', row['container_format'])
        self.assertEqual(4 * 1024 * 1024, row['virtual_size'])
        self.assertEqual(len(content), row['actual_size'])
        self.assertEqual(1, row['min_disk'])
        self.assertEqual(hashlib.md5(content).hexdigest(), row['md5'])
        self.assertEqual(hashlib.sha512(content).hexdigest(), row['sha512'])
        self.assertIsNone(row['image_id'])
        self.assertEqual(
            {'inspect': 'done', 'safety': 'done', 'convert': 'skipped',
             'properties': 'done', 'hash': 'done', 'upload': 'skipped',
             'manifest': 'skipped'}, self.steps())
        self.assertEqual(['format', 'safety', 'integrity', 'validate'],
                         self.checks('ok'))

    def test_table_output(self):
        parser = self.cmd.get_parser('openstack image prepare')
        args = parser.parse_args([self.corpus.path('raw'), '--profile',
                                  'uefi', '-f', 'table'])
        self.assertEqual(0, self.cmd.run(args))
        out = self.app.stdout.getvalue()
        self.assertIn('hw_firmware_type=uefi', out)
        self.assertIn('inspect: done (raw', out)

    def test_declared_raw_qcow2_refused_before_anything(self):
        rc = self.run_cmd(self.corpus.path('qcow2_as_raw'), '--disk-format',
                          'raw', '--convert-to', 'vmdk')
        self.assertEqual(1, rc)
        self.assertIn('disk_format raw was given but the content',
                      self.stderr())
        self.assertEqual('failed', self.steps()['inspect'])
        self.assertEqual('skipped', self.steps()['convert'])
        self.assertFalse(os.path.exists(self.corpus.join('really-qcow2.vmdk')))
        self.assertIsNone(self.row()['md5'])

    def test_unsafe_images_refused(self):
        for name, check in (('backing', 'backing_file'),
                            ('data_file', 'data_file'), ('qed', 'banned'),
                            ('polyglot', 'multiple_formats')):
            self.app.stdout = io.StringIO()
            self.app.stderr = io.StringIO()
            rc = self.run_cmd(self.corpus.path(name), '--convert-to', 'raw',
                              '--output', self.corpus.join('out.raw'))
            self.assertEqual(1, rc, name)
            self.assertIn('unsafe image', self.stderr())
            self.assertIn(check, self.stderr())
            self.assertEqual('failed', self.steps()['safety'])
            self.assertFalse(os.path.exists(self.corpus.join('out.raw')))

    def test_truncated_qcow2_refused(self):
        rc = self.run_cmd(self.corpus.path('truncated'))
        self.assertEqual(1, rc)
        self.assertIn('qemu-img check found problems', self.stderr())
        self.assertEqual(['integrity'], self.checks('failed'))

    def test_convert_vmdk_to_qcow2(self):
        rc = self.run_cmd(self.corpus.path('vmdk'), '--convert-to', 'qcow2',
                          '--catalog-dir', self.catalog())
        self.assertEqual(0, rc, self.stderr())
        row = self.row()
        out = self.corpus.join('disk.qcow2')
        self.assertEqual(out, row['file'])
        self.assertEqual(self.corpus.path('vmdk'), row['source'])
        self.assertEqual('qcow2', row['disk_format'])
        with open(out, 'rb') as f:
            self.assertEqual(hashlib.md5(f.read()).hexdigest(), row['md5'])
        self.assertEqual('done', self.steps()['convert'])

    def test_properties_precedence(self):
        rc = self.run_cmd(self.corpus.path('raw'),
                          '--profile', 'windows-virtio-scsi',
                          '--profile', 'uefi', '--os-distro', 'win2k22',
                          '--os-version', '2022',
                          '--property', 'os_distro=windows',
                          '--property', 'hw_video_model=virtio',
                          '--catalog-dir', self.catalog())
        self.assertEqual(0, rc, self.stderr())
        props = self.row()['properties']
        self.assertEqual('windows', props['os_distro'])      # --property
        self.assertEqual('2022', props['os_version'])        # --os-version
        self.assertEqual('virtio', props['hw_video_model'])  # over profile
        self.assertEqual('uefi', props['hw_firmware_type'])
        self.assertEqual('scsi', props['hw_disk_bus'])

    def test_validation_error_stops_before_hashing(self):
        rc = self.run_cmd(self.corpus.path('raw'), '--property',
                          'hw_disk_bus=floppy', '--catalog-dir',
                          self.catalog())
        self.assertEqual(1, rc)
        self.assertIn('validation error', self.stderr())
        self.assertEqual('failed', self.steps()['properties'])
        self.assertEqual('skipped', self.steps()['hash'])

    def test_min_disk(self):
        big = self.corpus.create('big.qcow2', 'qcow2', '2049M')
        rc = self.run_cmd(big)
        self.assertEqual(0, rc, self.stderr())
        self.assertEqual(3, self.row()['min_disk'])
        self.app.stdout = io.StringIO()
        rc = self.run_cmd(big, '--min-disk', '2')
        self.assertEqual(1, rc)
        self.assertIn('min_disk=2', self.stderr())

    def test_manifest(self):
        manifest = os.path.join(self.tmp, 'm.json')
        argv = (self.corpus.path('vdi'), '--profile', 'uefi',
                '--manifest', manifest, '--upload', 'my image',
                '--visibility', 'shared', '--tag', 'a', '--min-ram', '512',
                '--catalog-dir', self.catalog())
        # a dry run asks the cloud (import method, stores, same name) but
        # writes nothing, not even the manifest: the step says where
        rc = self.run_cmd(*argv, '--dry-run')
        self.assertEqual(0, rc, self.stderr())
        self.assertFalse(os.path.exists(manifest))
        self.assertEqual([], self.glance.writes())
        self.assertEqual({'name': 'manifest', 'status': 'skipped',
                          'detail': 'dry run: would write %s' % manifest},
                         self.row()['steps'][-1])
        self.app.stdout = io.StringIO()
        rc = self.run_cmd(*argv)
        self.assertEqual(0, rc, self.stderr())
        with open(manifest) as f:
            doc = json.load(f)
        row = self.row()
        for key in ('file', 'md5', 'sha512', 'disk_format', 'min_disk',
                    'properties', 'virtual_size', 'checks'):
            self.assertEqual(row[key], doc[key], key)
        self.assertEqual('my image', doc['name'])
        self.assertEqual(manifest, row['manifest'])
        argv = shlex.split(doc['openstack_command'])
        self.assertEqual(['openstack', 'image', 'create'], argv[:3])
        self.assertEqual('my image', argv[-1])
        for pair in (['--disk-format', 'vdi'], ['--file', row['file']],
                     ['--property', 'hw_firmware_type=uefi'],
                     ['--tag', 'a'], ['--min-disk', '1'],
                     ['--min-ram', '512']):
            i = argv.index(pair[0])
            self.assertIn(pair, [argv[j:j + 2] for j in range(i, len(argv))])
        self.assertIn('--shared', argv)
        # the manifest is what validate reads back
        from osc_imagetools import properties
        pset = properties.read_properties_file(manifest)
        self.assertEqual('vdi', pset.properties['disk_format'])
        self.assertEqual(row['virtual_size'], pset.virtual_size)


class TestUpload(CommandTestCase):

    def test_direct_upload_verified(self):
        path = self.corpus.path('qcow2')
        rc = self.run_cmd(path, '--upload', 'img', '--profile', 'uefi',
                          '--visibility', 'private', '--tag', 't1',
                          '--catalog-dir', self.catalog())
        self.assertEqual(0, rc, self.stderr())
        self.assertEqual(1, self.app.prepare_to_run_command.call_count)
        row = self.row()
        image = self.glance.images[row['image_id']]
        self.assertEqual('active', image['status'])
        self.assertEqual(row['md5'], image['checksum'])
        self.assertEqual(row['sha512'], image['os_hash_value'])
        for key, value in (('name', 'img'), ('disk_format', 'qcow2'),
                           ('container_format', 'bare'), ('min_disk', 1),
                           ('visibility', 'private'), ('tags', ['t1']),
                           ('hw_firmware_type', 'uefi')):
            self.assertEqual(value, image[key], key)
        with open(path, 'rb') as f:
            self.assertEqual(hashlib.md5(f.read()).hexdigest(), row['md5'])
        self.assertEqual('done', self.steps()['upload'])
        self.assertIn('checksum', self.checks('ok'))
        self.assertEqual(
            [('POST', '/images'), ('PUT', '/images/%s/file' % image['id'])],
            self.glance.writes())

    def test_glance_direct_with_stores(self):
        rc = self.run_cmd(self.corpus.path('raw'), '--upload', 'img',
                          '--import-method', 'glance-direct',
                          '--store', 'local', '--store', 'fast',
                          '--catalog-dir', self.catalog())
        self.assertEqual(0, rc, self.stderr())
        image = self.glance.images[self.row()['image_id']]
        self.assertEqual('active', image['status'])
        self.assertEqual({'method': {'name': 'glance-direct'},
                          'stores': ['local', 'fast'],
                          'all_stores_must_succeed': True},
                         image['import_request'])
        self.assertEqual(['POST', 'PUT', 'POST'],
                         [m for m, _p in self.glance.writes()])

    def test_unknown_store_refused_before_creating(self):
        rc = self.run_cmd(self.corpus.path('raw'), '--upload', 'img',
                          '--store', 'nope', '--catalog-dir', self.catalog())
        self.assertEqual(1, rc)
        self.assertIn('unknown store(s) nope (this cloud has local, fast)',
                      self.stderr())
        self.assertEqual([], self.glance.writes())
        # refused before any local work: one line, no table
        self.assertEqual('', self.app.stdout.getvalue())

    def test_import_method_not_offered(self):
        self.glance.methods = ['web-download']
        rc = self.run_cmd(self.corpus.path('raw'), '--upload', 'img',
                          '--import-method', 'glance-direct')
        self.assertEqual(1, rc)
        self.assertIn('does not offer the glance-direct', self.stderr())
        self.assertEqual([], self.glance.writes())

    def test_checksum_mismatch_tags(self):
        self.glance.corrupt = True
        rc = self.run_cmd(self.corpus.path('raw'), '--upload', 'img',
                          '--catalog-dir', self.catalog())
        self.assertEqual(1, rc)
        image_id = self.row()['image_id']
        self.assertIn(upload.MISMATCH_TAG, self.glance.images[image_id][
            'tags'])
        self.assertIn('differs', self.stderr())
        self.assertIn('was tagged', self.stderr())
        self.assertEqual(['checksum'], self.checks('failed'))

    def test_checksum_mismatch_delete(self):
        self.glance.corrupt = True
        rc = self.run_cmd(self.corpus.path('raw'), '--upload', 'img',
                          '--delete-on-mismatch', '--catalog-dir',
                          self.catalog())
        self.assertEqual(1, rc)
        self.assertEqual({}, self.glance.images)
        self.assertIn('was deleted', self.stderr())

    def test_server_error_deletes_the_image(self):
        self.glance.fail_upload = 503
        rc = self.run_cmd(self.corpus.path('raw'), '--upload', 'img',
                          '--catalog-dir', self.catalog())
        self.assertEqual(1, rc)
        self.assertEqual({}, self.glance.images)
        self.assertIn('503 store broke', self.stderr())
        self.assertIn('was deleted', self.stderr())
        self.assertEqual('failed', self.steps()['upload'])

    def test_undeletable_image_is_reported(self):
        self.glance.fail_upload = 500
        self.glance.delete_status = 403
        rc = self.run_cmd(self.corpus.path('raw'), '--upload', 'img',
                          '--catalog-dir', self.catalog())
        self.assertEqual(1, rc)
        (image_id,) = self.glance.images
        self.assertIn('image %s was left in status queued' % image_id,
                      self.stderr())
        self.assertIn('openstack image delete %s' % image_id, self.stderr())

    def test_ctrl_c_deletes_the_image(self):
        self.glance.fail_upload = KeyboardInterrupt()
        self.assertRaises(KeyboardInterrupt, self.run_cmd,
                          self.corpus.path('raw'), '--upload', 'img',
                          '--catalog-dir', self.catalog())
        self.assertEqual({}, self.glance.images)
        self.assertIn('upload interrupted', self.stderr())
        self.assertIn('was deleted', self.stderr())

    def test_connection_lost_while_sending(self):
        self.glance.fail_upload = cloud.CloudError('connection reset')
        rc = self.run_cmd(self.corpus.path('raw'), '--upload', 'img',
                          '--catalog-dir', self.catalog())
        self.assertEqual(1, rc)
        self.assertEqual({}, self.glance.images)
        self.assertIn('connection reset', self.stderr())

    def test_validation_reads_the_live_catalog_when_uploading(self):
        self.glance.proxy.request.side_effect = None
        self.glance.proxy.request.return_value = response(
            500, {'message': 'schema unavailable'})
        rc = self.run_cmd(self.corpus.path('raw'), '--upload', 'img')
        self.assertEqual(1, rc)
        self.assertIn('schema unavailable', self.stderr())


class TestUploadModule(testtools.TestCase):
    """cloud.upload pieces that need no file."""

    def test_discard_when_glance_does_not_answer(self):
        proxy = mock.create_autospec(_proxy.Proxy, instance=True)
        proxy.request.side_effect = cloud.CloudError(
            'cannot reach the cloud: ' + 'x' * 400)
        note = upload._discard(proxy, 'i', 'queued')
        self.assertTrue(note.startswith(
            'image i was last seen in status queued and could not be '
            'deleted (cannot reach the cloud: xxx'), note)
        self.assertLess(len(note), 300)
        self.assertNotIn('?', note)

    def test_find_project_id(self):
        from openstack import exceptions as sdk_exc
        conn = mock.Mock()
        conn.identity.find_project.return_value = mock.Mock(id='pid')
        self.assertEqual('pid', upload.find_project_id(conn, 'prod'))
        # a user who may not look projects up: the value is an ID
        conn.identity.find_project.side_effect = sdk_exc.ForbiddenException
        self.assertEqual('prod', upload.find_project_id(conn, 'prod'))
        conn.identity.find_project.side_effect = None
        conn.identity.find_domain.return_value = mock.Mock(id='did')
        upload.find_project_id(conn, 'prod', 'dom')
        conn.identity.find_project.assert_called_with(
            'prod', ignore_missing=True, domain_id='did')

    def test_import_wait_reports_each_look(self):
        glance = FakeGlance()
        glance.images['i'] = {'id': 'i', 'status': 'importing'}
        seen = []
        upload.wait_for_import(glance.proxy, 'i', sleep=lambda s: None,
                               on_poll=lambda img: seen.append(
                                   img['status']))
        self.assertEqual(['active'], seen)

    def test_compare(self):
        from osc_imagetools.imagefile import hashing
        local = hashing.Hashes('m', 's', 3)
        good = {'checksum': 'm', 'os_hash_algo': 'sha512',
                'os_hash_value': 's', 'size': 3}
        self.assertEqual([], upload.compare(good, local))
        bad = dict(good, checksum='x', os_hash_value='y', size=4)
        self.assertEqual([('checksum', 'x', 'm'), ('os_hash_value', 'y', 's'),
                          ('size', 4, 3)], upload.compare(bad, local))
        # another os_hash_algo: md5 and size still decide
        other = dict(good, os_hash_algo='sha256', os_hash_value='z')
        self.assertEqual([], upload.compare(other, local))

    def test_wait_for_import_failures(self):
        glance = FakeGlance()
        image = {'id': 'i', 'status': 'uploading',
                 'os_glance_failed_import': 'local',
                 'os_glance_importing_to_stores': ''}
        glance.images['i'] = image
        exc = self.assertRaises(cloud.CloudError, upload.wait_for_import,
                                glance.proxy, 'i', sleep=lambda s: None)
        self.assertIn('failed stores: local', str(exc))

    def test_wait_for_import_timeout(self):
        glance = FakeGlance()
        glance.images['i'] = {'id': 'i', 'status': 'queued'}
        ticks = iter(range(0, 100, 10))
        exc = self.assertRaises(cloud.CloudError, upload.wait_for_import,
                                glance.proxy, 'i', timeout=25,
                                sleep=lambda s: None,
                                clock=lambda: next(ticks))
        self.assertIn('still queued', str(exc))


class TestOptionChecks(CommandTestCase):
    """The option checks raise UsageError and change nothing; the request
    carries what they computed (the effective --output)."""

    def parse(self, *argv):
        parser = self.cmd.get_parser('openstack image prepare')
        return parser.parse_args([str(a) for a in argv])

    def test_checks_do_not_change_the_arguments(self):
        src = self.corpus.path('vdi')
        for argv in ((src, '--convert-to', 'qcow2'),
                     (src, '--convert-to', 'raw', '--output',
                      os.path.join(self.tmp, 'o.raw'), '--force'),
                     (src, '--inspect-guest', '--fix-guest', '--output',
                      os.path.join(self.tmp, 'fixed.vdi')),
                     (src, '--upload', 'x', '--tag', 't', '--public')):
            args = self.parse(*argv)
            before = vars(args).copy()
            prepare.check_options(args)
            req = prepare.request_from_args(args)
            self.assertEqual(before, vars(args), argv)
            self.assertEqual(prepare.effective_output(args), req.output)

    def test_default_output_is_in_the_request_only(self):
        src = self.corpus.path('vdi')
        args = self.parse(src, '--convert-to', 'qcow2')
        req = prepare.request_from_args(args)
        self.assertIsNone(args.output)
        self.assertEqual(os.path.splitext(src)[0] + '.qcow2', req.output)
        self.assertEqual('qcow2', req.convert_to)

    def test_request_fields(self):
        args = self.parse(self.corpus.path('raw'), '--upload', 'n',
                          '--unprotected', '--tag', 'a', '--tag', 'b',
                          '--store', 's', '--os-distro', 'debian',
                          '--property', 'k=v', '--min-ram', '0')
        req = prepare.request_from_args(args)
        self.assertEqual(('n', False, ('a', 'b'), ('s',), 0),
                         (req.name, req.protected, req.tags, req.stores,
                          req.min_ram))
        self.assertEqual({'os_distro': 'debian', 'k': 'v'}, req.properties)
        self.assertTrue(req.upload)
        self.assertFalse(req.guest)

    def test_each_check_raises_usage_error(self):
        raw = self.corpus.path('raw')
        for check, argv, expected in (
                (prepare.check_upload_options, ('--unprotected',),
                 '--protected/--unprotected needs --upload NAME'),
                (prepare.check_upload_options,
                 ('--upload', 'x', '--store', 'a', '--store', 'b'),
                 'several --store need --import-method glance-direct'),
                (prepare.check_guest_options, ('--in-place',),
                 '--in-place needs --inspect-guest --fix-guest'),
                (prepare.check_output, ('--output', 'o'),
                 '--output needs --convert-to'),
                (prepare.check_output, ('--inspect-guest', '--fix-guest'),
                 '--fix-guest on an image file fixes a copy'),
                (prepare.check_output, ('--convert-to', 'raw', '--output',
                                        raw),
                 'the converted file would overwrite')):
            args = self.parse(raw, *argv)
            before = vars(args).copy()
            exc = self.assertRaises(base.UsageError, check, args)
            self.assertIn(expected, str(exc))
            self.assertEqual(before, vars(args))

    def test_check_writable(self):
        path = os.path.join(self.tmp, 'exists')
        open(path, 'w').close()
        prepare.check_writable(path, True, '--output')
        exc = self.assertRaises(base.UsageError, prepare.check_writable,
                                path, False, '--output')
        self.assertEqual('--output %s exists (use --force to overwrite)'
                         % path, str(exc))
        self.assertRaises(base.UsageError, prepare.check_writable,
                          os.path.join(self.tmp, 'no', 'x'), True, '--m')
