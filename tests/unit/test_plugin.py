"""The OSC plugin contract and its cost at ``openstack`` start-up."""

import argparse
import io
import importlib.metadata
import json
import logging
import subprocess
import sys
from unittest import mock

import testtools

from osc_imagetools import plugin

OUR_GROUP = 'openstack.imagetools.v1'
EXPECTED = {'image_prepare', 'image_validate', 'image_share-accept',
            'image_share_list', 'image_metadef_sync'}
EXPECTED |= {'image_share', 'image_share_accept', 'image_share_reject',
             'image_share_pending', 'image_share_add', 'image_share_remove'}
# what importing the plugin and the command modules may add to what OSC's
# shell has loaded already: our thin modules, nothing else
# the package, the plugin contract, the command modules and the modules
# that import nothing (the error model, the constants v1 needs for --help)
LIGHT = ('osc_imagetools', 'osc_imagetools.plugin', 'osc_imagetools.v1',
         'osc_imagetools.errors', 'osc_imagetools.constants')


def entry_points(group):
    return importlib.metadata.entry_points(group=group)


class TestPluginContract(testtools.TestCase):

    def test_registered_as_osc_extension(self):
        eps = {ep.name: ep.value
               for ep in entry_points('openstack.cli.extension')}
        self.assertEqual('osc_imagetools.plugin', eps.get('imagetools'))

    def test_api_name_is_not_image(self):
        # OSC would replace its own image client with ours
        self.assertNotEqual('image', plugin.API_NAME)
        self.assertEqual('os_%s_api_version' % plugin.API_NAME,
                         plugin.API_VERSION_OPTION)

    def test_commands_registered(self):
        names = {ep.name for ep in entry_points(OUR_GROUP)}
        self.assertEqual(EXPECTED, names)
        for ep in entry_points(OUR_GROUP):
            ep.load()  # every entry point resolves to a class

    def test_no_command_replaces_an_osc_command(self):
        ours = {ep.name.replace('_', ' ') for ep in entry_points(OUR_GROUP)}
        theirs = set()
        for group in ('openstack.image.v1', 'openstack.image.v2',
                      'openstack.common', 'openstack.cli'):
            theirs |= {ep.name.replace('_', ' ')
                       for ep in entry_points(group)}
        self.assertIn('image create', theirs)  # OSC is really installed
        self.assertEqual(set(), ours & theirs)

    def test_build_option_parser(self):
        parser = plugin.build_option_parser(argparse.ArgumentParser())
        self.assertEqual(
            '1', parser.parse_args([]).os_imagetools_api_version)
        self.assertEqual('1', parser.parse_args(
            ['--os-imagetools-api-version', '1']).os_imagetools_api_version)

    def test_make_client(self):
        from osc_imagetools import cloud
        from osc_imagetools.cloud import client as cloud_client

        instance = mock.Mock(_api_version={'imagetools': '1'})
        client = plugin.make_client(instance)
        self.assertIsInstance(client, cloud_client.Client)
        self.assertIs(instance.sdk_connection, client.sdk_connection)
        # the image proxy of OSC's connection, with our retry policy
        self.assertIs(instance.sdk_connection.image, client.image)
        self.assertEqual(cloud.RETRIES, client.image.status_code_retries)
        self.assertEqual(list(cloud.RETRIABLE_STATUS_CODES),
                         client.image.retriable_status_codes)
        self.assertIs(instance.sdk_connection.compute, client.compute)
        # the caller is read from OSC's auth_ref
        instance.auth_ref.project_id = 'p1'
        instance.auth_ref.role_names = ['member']
        self.assertEqual(('p1', False), (client.caller().project_id,
                                         client.caller().is_admin))

    def test_make_client_contacts_nothing(self):
        # OSC makes the client when a command first asks for it: nothing
        # is read from the connection before a proxy is used
        instance = mock.Mock(_api_version={'imagetools': '1'})
        type(instance).sdk_connection = mock.PropertyMock(
            side_effect=AssertionError('connection used'))
        plugin.make_client(instance)

    def test_make_client_bad_version(self):
        instance = mock.Mock(_api_version={'imagetools': '9'})
        self.assertRaises(ValueError, plugin.make_client, instance)


class TestImportCost(testtools.TestCase):
    """OSC imports the plugin on every call and a command's module when it
    is run or its help is shown: heavy libraries load in take_action."""

    def test_plugin_and_command_modules_stay_light(self):
        code = (
            'import sys, json\n'
            'import openstackclient.shell\n'
            'import osc_lib.command.command, cliff.lister, cliff.show\n'
            'base = set(sys.modules)\n'
            'import osc_imagetools.plugin\n'
            'import osc_imagetools.v1.prepare, osc_imagetools.v1.validate\n'
            'import osc_imagetools.v1.share, osc_imagetools.v1.metadef_sync\n'
            'print(json.dumps(sorted(set(sys.modules) - base)))\n')
        out = subprocess.check_output([sys.executable, '-c', code], text=True)
        added = json.loads(out)
        self.assertIn('osc_imagetools.v1.validate', added)
        for mod in added:
            self.assertTrue(
                mod in LIGHT or mod.startswith('osc_imagetools.v1.'),
                'importing the command modules loaded %s: import it inside '
                'take_action' % mod)


class TestMaskSecretOptions(testtools.TestCase):
    """The filter the plugin puts on osc-lib's START line, applied to what
    osc-lib really logs (oslo's mask_password first, as osc-lib does)."""

    def logged(self, argv):
        import logging

        from oslo_utils import strutils
        record = logging.LogRecord(
            'osc_lib.shell', logging.INFO, __file__, 1,
            'START with options: %s', (strutils.mask_password(argv),), None)
        plugin.MaskSecretOptions().filter(record)
        return record.getMessage()

    def test_space_and_equal_forms_masked(self):
        for argv, secret in (
                ('--os-cloud x --os-password s3cr3t image list', 's3cr3t'),
                ('--os-password=s3cr3t image list', 's3cr3t'),
                ('--os-auth-type token --os-token gAAAAtok --os-x y',
                 'gAAAAtok'),
                ('--os-token=gAAAAtok', 'gAAAAtok'),
                ('--os-application-credential-secret acs1 -f json', 'acs1'),
                ('--os-client-secret cs1', 'cs1')):
            out = self.logged(argv)
            self.assertNotIn(secret, out)
            self.assertIn('***', out)

    def test_other_options_kept(self):
        out = self.logged('--os-cloud producer --debug image share list')
        self.assertEqual(
            'START with options: --os-cloud producer --debug image share '
            'list', out)

    def test_installed_by_build_option_parser(self):
        import logging
        plugin.build_option_parser(argparse.ArgumentParser())
        plugin.build_option_parser(argparse.ArgumentParser())
        filters = [f for f in logging.getLogger('osc_lib.shell').filters
                   if isinstance(f, plugin.MaskSecretOptions)]
        self.assertEqual(1, len(filters))


class TestLightModulesImportNothing(testtools.TestCase):
    """The modules the command modules may load at import time import
    nothing themselves (not even the package's heavier siblings)."""

    def test_no_imports(self):
        import ast
        import importlib.util

        for name in ('osc_imagetools.errors', 'osc_imagetools.constants'):
            spec = importlib.util.find_spec(name)
            if spec is None:
                continue
            with open(spec.origin) as f:
                tree = ast.parse(f.read())
            imports = [n for n in ast.walk(tree)
                       if isinstance(n, (ast.Import, ast.ImportFrom))]
            self.assertEqual([], imports, name)


class TestQuietLibraryLogs(testtools.TestCase):

    def record(self, name, msg, level=logging.WARNING):
        return logging.LogRecord(name, level, __file__, 1, msg, None, None)

    def test_filter(self):
        f = plugin.QuietLibraryLogs()
        for name, msg in (
                ('oslo_utils.imageutils.format_inspector',
                 'Safety check backing_file on qcow2 failed because x'),
                ('oslo_utils.imageutils.format_inspector',
                 'VMDK descriptor failed to decode as ASCII'),
                ('keystoneauth.session',
                 'Failure: x. Retrying in 0.5s. 2 retries left'),
                ('keystoneauth.session',
                 'Retriable status code 503. Retrying in 0.0s.')):
            self.assertFalse(f.filter(self.record(name, msg)), msg)
        for name, msg in (('keystoneauth.session', 'something else'),
                          ('osc_imagetools.v1.prepare', 'Retrying in')):
            self.assertTrue(f.filter(self.record(name, msg)), msg)

    def test_installed_unless_debug(self):
        handler = logging.StreamHandler(io.StringIO())
        root = logging.getLogger()
        root.addHandler(handler)
        self.addCleanup(root.removeHandler, handler)

        class App:
            class options:
                debug = True
        plugin.quiet_library_logs(App)
        self.assertEqual([], handler.filters)
        App.options.debug = False
        plugin.quiet_library_logs(App)
        plugin.quiet_library_logs(App)
        self.assertEqual(1, len(handler.filters))
