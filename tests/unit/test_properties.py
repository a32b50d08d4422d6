"""osc_imagetools.properties: KEY=VALUE lists, JSON/YAML files, manifests."""

import json
import os

import fixtures
import testtools

from osc_imagetools import properties


class TestParseProperties(testtools.TestCase):

    def test_pairs(self):
        self.assertEqual(
            {'hw_disk_bus': 'scsi', 'os_type': 'windows'},
            properties.parse_properties(['hw_disk_bus=scsi',
                                         'os_type=windows']))

    def test_value_keeps_later_equals_and_may_be_empty(self):
        self.assertEqual({'a': 'b=c', 'd': ''},
                         properties.parse_properties(['a=b=c', 'd=']))

    def test_later_item_wins(self):
        self.assertEqual({'a': '2'},
                         properties.parse_properties(['a=1', 'a=2']))

    def test_none_and_empty(self):
        self.assertEqual({}, properties.parse_properties(None))
        self.assertEqual({}, properties.parse_properties([]))

    def test_key_without_equals(self):
        exc = self.assertRaises(properties.PropertyError,
                                properties.parse_properties, ['hw_disk_bus'])
        self.assertIn("'hw_disk_bus' has no '='", str(exc))
        self.assertIsInstance(exc, ValueError)

    def test_empty_key(self):
        self.assertRaises(properties.PropertyError,
                          properties.parse_properties, ['=scsi'])


class TestPropertiesFile(testtools.TestCase):

    def setUp(self):
        super().setUp()
        self.dir = self.useFixture(fixtures.TempDir()).path

    def write(self, name, text):
        path = os.path.join(self.dir, name)
        with open(path, 'w') as f:
            f.write(text)
        return path

    def test_yaml_keeps_scalars_as_written(self):
        path = self.write('p.yaml', 'hw_qemu_guest_agent: yes\n'
                                    'hw_cpu_cores: 4\nmin_disk: 10\n')
        self.assertEqual({'hw_qemu_guest_agent': 'yes', 'hw_cpu_cores': '4',
                          'min_disk': '10'},
                         properties.load_properties_file(path))

    def test_json_keeps_json_types(self):
        path = self.write('p.json', json.dumps({'hw_cpu_cores': 4,
                                                'os_type': 'linux'}))
        self.assertEqual({'hw_cpu_cores': 4, 'os_type': 'linux'},
                         properties.load_properties_file(path))

    def test_json_detected_without_extension(self):
        path = self.write('props', '{"os_type": "linux"}')
        self.assertEqual({'os_type': 'linux'},
                         properties.load_properties_file(path))

    def test_manifest(self):
        path = self.write('m.json', json.dumps({
            'file': '/tmp/x.qcow2', 'disk_format': 'qcow2',
            'container_format': 'bare', 'min_disk': 2,
            'virtual_size': 2147483648, 'md5': 'abc',
            'properties': {'hw_disk_bus': 'virtio'}}))
        pset = properties.read_properties_file(path)
        self.assertTrue(pset.manifest)
        self.assertEqual(2147483648, pset.virtual_size)
        self.assertEqual({'disk_format': 'qcow2', 'container_format': 'bare',
                          'min_disk': 2, 'hw_disk_bus': 'virtio'},
                         pset.properties)

    def test_manifest_bad_virtual_size(self):
        path = self.write('m.json', json.dumps({'virtual size': 'big',
                                                'properties': {}}))
        exc = self.assertRaises(properties.PropertyError,
                                properties.read_properties_file, path)
        self.assertIn('not a number of bytes', str(exc))

    def test_missing_file(self):
        exc = self.assertRaises(properties.PropertyError,
                                properties.load_properties_file,
                                os.path.join(self.dir, 'nope.yaml'))
        self.assertIn('cannot read properties file', str(exc))
        self.assertIn('No such file', str(exc))

    def test_malformed_json(self):
        path = self.write('p.json', '{"a": ')
        exc = self.assertRaises(properties.PropertyError,
                                properties.load_properties_file, path)
        self.assertIn('not valid JSON', str(exc))
        self.assertNotIn('\n', str(exc))

    def test_malformed_yaml(self):
        path = self.write('p.yaml', 'a: [1, 2\nb: c\n')
        exc = self.assertRaises(properties.PropertyError,
                                properties.load_properties_file, path)
        self.assertIn('not valid YAML', str(exc))
        self.assertNotIn('\n', str(exc))

    def test_not_a_mapping(self):
        path = self.write('p.yaml', '- a\n- b\n')
        exc = self.assertRaises(properties.PropertyError,
                                properties.load_properties_file, path)
        self.assertIn('must hold a mapping', str(exc))
        path = self.write('e.yaml', '')
        exc = self.assertRaises(properties.PropertyError,
                                properties.load_properties_file, path)
        self.assertIn('an empty document', str(exc))

    def test_binary_file(self):
        path = os.path.join(self.dir, 'bin')
        with open(path, 'wb') as f:
            f.write(b'\xff\xfe\x00QFI')
        exc = self.assertRaises(properties.PropertyError,
                                properties.load_properties_file, path)
        self.assertIn('not UTF-8', str(exc))
