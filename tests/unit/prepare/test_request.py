"""PrepareRequest: the one image-create body and what is made of it.

The printed ``openstack image create`` line is read back with OSC's own
``image create`` command (its parser and the kwargs it would send), so the
line is checked by the tool it is written for, not by our own parser.
"""

import json
import os
import shlex
from unittest import mock

from openstackclient.image.v2 import image as osc_image
from osc_lib import shell
import testtools

from osc_imagetools import errors
from osc_imagetools.prepare import request
from osc_imagetools.validation import engine
from tests.unit.v1 import prepare_base


def osc_create_kwargs(line):
    """What OSC's ``image create`` would ask openstacksdk to create for
    ``line``: its real parser and take_action, over a fake image client
    (project names resolve to ``<name>-id``)."""
    argv = shlex.split(line)
    assert argv[:3] == ['openstack', 'image', 'create'], argv
    app = mock.Mock(spec=shell.OpenStackShell)
    app.client_manager = mock.Mock(spec=['image', 'sdk_connection'])
    app.client_manager.sdk_connection.identity.find_project.side_effect = (
        lambda name_or_id, **kw: mock.Mock(id=name_or_id + '-id'))
    created = {}

    def create_image(**kwargs):
        created.update(kwargs)
        raise RuntimeError('stop: only the kwargs are wanted')
    app.client_manager.image.create_image.side_effect = create_image
    cmd = osc_image.CreateImage(app, None)
    args = cmd.get_parser('openstack image create').parse_args(argv[3:])
    try:
        cmd.take_action(args)
    except RuntimeError:
        pass
    return created


def as_glance_body(kwargs):
    """OSC's create kwargs in Glance's spelling (what the SDK sends)."""
    body = {k: v for k, v in kwargs.items()
            if k not in ('allow_duplicates', 'filename', 'use_import',
                         'data', 'validate_checksum')}
    if 'is_protected' in body:
        body['protected'] = body.pop('is_protected')
    if 'owner_id' in body:
        body['owner'] = body.pop('owner_id')
    return body


class TestCreateBody(testtools.TestCase):

    def file(self, *parts):
        """An empty file (OSC's image create opens the --file)."""
        tmp = self.useFixture(prepare_base.fixtures.TempDir()).path
        path = os.path.join(tmp, *parts)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        open(path, 'wb').close()
        return path

    def test_without_upload_only_the_format_and_properties(self):
        req = request.PrepareRequest(file='d.raw')
        self.assertEqual({'disk_format': 'raw', 'container_format': 'bare',
                          'min_disk': 3, 'os_distro': 'ubuntu'},
                         req.create_body('raw', 3, {'os_distro': 'ubuntu'}))

    def test_upload_options(self):
        req = request.PrepareRequest(
            file='d.raw', name='img', visibility='shared', protected=False,
            tags=('a', 'b'), min_ram=512, container_format='ovf')
        body = req.create_body('qcow2', 1, {'k': 'v'}, owner='pid')
        self.assertEqual(
            {'disk_format': 'qcow2', 'container_format': 'ovf',
             'min_disk': 1, 'min_ram': 512, 'k': 'v', 'name': 'img',
             'visibility': 'shared', 'tags': ['a', 'b'], 'protected': False,
             'owner': 'pid'}, body)
        self.assertEqual({'k': 'v'}, request.properties_of(body))

    def test_request_is_frozen(self):
        req = request.PrepareRequest(file='d.raw')
        self.assertRaises(AttributeError, setattr, req, 'output', 'x')

    def test_create_line_round_trips_through_osc(self):
        """Awkward names and values survive the shell and OSC's parser:
        what OSC would create is the body itself."""
        req = request.PrepareRequest(
            file="it's.raw", name='my "image" $HOME', visibility='community',
            protected=True, tags=('a b', "c'd"), min_ram=1024,
            project='producer', import_method='glance-direct')
        body = req.create_body('raw', 2, {'os_distro': 'a b',
                                          'note': "x'y; rm -rf /"},
                               owner='producer-id')
        path = self.file('dir with space', "it's.raw")
        kwargs = osc_create_kwargs(req.create_command(body, path))
        self.assertEqual(body, as_glance_body(kwargs))
        self.assertEqual(path, kwargs['filename'])
        self.assertTrue(kwargs['use_import'])

    def test_create_line_default_name_is_the_file_stem(self):
        req = request.PrepareRequest(file='disk.qcow2')
        body = req.create_body('qcow2', 1, {})
        path = self.file('disk.qcow2')
        argv = shlex.split(req.create_command(body, path))
        self.assertEqual('disk', argv[-1])
        self.assertEqual(dict(body, name='disk'), as_glance_body(
            osc_create_kwargs(req.create_command(body, path))))


class TestUserProperties(testtools.TestCase):

    def setUp(self):
        super().setUp()
        tmp = self.useFixture(prepare_base.fixtures.TempDir()).path
        self.useFixture(prepare_base.fixtures.EnvironmentVariable(
            'XDG_CONFIG_HOME', tmp))

    def test_precedence(self):
        props = request.user_properties(
            ['uefi'], {'os_distro': 'debian'},
            ['os_distro=ubuntu', 'hw_firmware_type=bios'])
        self.assertEqual('ubuntu', props['os_distro'])
        self.assertEqual('bios', props['hw_firmware_type'])

    def test_option_keys_refused_with_the_option_to_use(self):
        for key, hint in (('min_disk', ': use --min-disk'),
                          ('owner', ': use --project'), ('id', '')):
            exc = self.assertRaises(errors.InputError,
                                    request.user_properties, [], {},
                                    ['%s=1' % key])
            self.assertEqual('%s is not a property here%s' % (key, hint),
                             str(exc))

    def test_bad_property_and_profile_are_input_errors(self):
        self.assertRaises(errors.InputError, request.user_properties,
                          [], {}, ['novalue'])
        self.assertRaises(errors.InputError, request.user_properties,
                          ['no-such-profile'], {}, [])


class TestOneBody(prepare_base.CommandTestCase):
    """Validation, the upload, the manifest and its create line all come
    from the one body of the request."""

    def test_validated_uploaded_and_printed_body_agree(self):
        sdk = self.app.client_manager.imagetools.sdk_connection
        sdk.identity.find_project.return_value = mock.Mock(id='producer-id')
        manifest = os.path.join(self.tmp, 'm.json')
        validated = []
        real_validate = engine.Validator.validate

        def spy(validator, candidate, *args, **kwargs):
            validated.append(dict(candidate))
            return real_validate(validator, candidate, *args, **kwargs)
        self.useFixture(prepare_base.fixtures.MonkeyPatch(
            'osc_imagetools.validation.engine.Validator.validate', spy))
        rc = self.run_cmd(
            self.corpus.path('vdi'), '--convert-to', 'qcow2',
            '--upload', 'my image', '--shared', '--unprotected',
            '--tag', 't 1', '--tag', 't2', '--min-ram', '512',
            '--min-disk', '3', '--project', 'producer', '--profile', 'uefi',
            '--os-distro', 'ubuntu', '--property', 'note=a b',
            '--manifest', manifest, '--catalog-dir', self.catalog())
        self.assertEqual(0, rc, self.stderr())
        (sent,) = self.glance.images.values()
        with open(manifest) as f:
            doc = json.load(f)
        row = self.row()
        # the create line, read by OSC itself, asks for what was sent
        # (Glance adds id, status, ...: compare the keys we sent)
        from_line = as_glance_body(osc_create_kwargs(doc['openstack_command']))
        self.assertEqual(from_line, {k: sent[k] for k in from_line})
        self.assertEqual(row['file'], osc_create_kwargs(
            doc['openstack_command'])['filename'])
        self.assertEqual(
            {'disk_format': 'qcow2', 'container_format': 'bare',
             'min_disk': 3, 'min_ram': 512, 'name': 'my image',
             'visibility': 'shared', 'protected': False,
             'tags': ['t 1', 't2'], 'owner': 'producer-id',
             'os_distro': 'ubuntu', 'note': 'a b',
             'hw_firmware_type': 'uefi', 'hw_machine_type': 'q35'},
            from_line)
        # validation saw the same body, less the resolved owner
        self.assertEqual([{k: v for k, v in from_line.items()
                           if k != 'owner'}], validated)
        # the manifest and the row say the same
        self.assertEqual(('my image', 'shared', ['t 1', 't2']),
                         (doc['name'], doc['visibility'], doc['tags']))
        for key in ('disk_format', 'container_format', 'min_disk'):
            self.assertEqual(sent[key], row[key], key)
            self.assertEqual(sent[key], doc[key], key)
        self.assertEqual(request.properties_of(from_line), row['properties'])
