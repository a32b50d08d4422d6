"""The offline catalog directory, written and read back with real data."""

import json
import os

import fixtures
import testtools

from osc_imagetools.validation import catalog_dir
from tests.unit import validation as data


class TestCatalogDir(testtools.TestCase):

    def setUp(self):
        super().setUp()
        self.dir = os.path.join(self.useFixture(fixtures.TempDir()).path,
                                'catalog')

    def live_like(self):
        """Namespaces as the API returns them: server fields added."""
        out = []
        for ns in data.namespaces():
            ns.update({'created_at': '2024-01-01T00:00:00Z',
                       'updated_at': '2024-01-01T00:00:00Z',
                       'owner': 'admin', 'self': '/v2/metadefs/x',
                       'schema': '/v2/schemas/metadefs/namespace'})
            out.append(ns)
        return out

    def test_round_trip(self):
        schema = data.image_schema()
        count = catalog_dir.write_catalog_dir(self.dir, schema,
                                              self.live_like())
        self.assertEqual(len(data.namespaces()), count)
        read_schema, namespaces = catalog_dir.read_catalog_dir(self.dir)
        self.assertEqual(schema, read_schema)
        by_name = {ns['namespace']: ns for ns in namespaces}
        self.assertEqual({ns['namespace'] for ns in data.namespaces()},
                         set(by_name))
        libvirt = by_name['OS::Compute::LibvirtImage']
        for field in ('created_at', 'updated_at', 'owner', 'self', 'schema'):
            self.assertNotIn(field, libvirt)
        self.assertEqual(data.namespace('OS::Compute::LibvirtImage')[
            'properties']['hw_disk_bus']['enum'],
            libvirt['properties']['hw_disk_bus']['enum'])

    def test_save_again_drops_namespaces_gone_from_the_cloud(self):
        nss = self.live_like()
        catalog_dir.write_catalog_dir(self.dir, {'properties': {}}, nss)
        other = os.path.join(self.dir, 'metadefs', 'README.txt')
        with open(other, 'w') as f:
            f.write('kept')
        catalog_dir.write_catalog_dir(self.dir, {'properties': {}}, nss[:3])
        _, namespaces = catalog_dir.read_catalog_dir(self.dir)
        self.assertEqual(3, len(namespaces))
        self.assertTrue(os.path.exists(other))

    def test_errors(self):
        exc = self.assertRaises(catalog_dir.CatalogDirError,
                                catalog_dir.read_catalog_dir, self.dir)
        self.assertIn('does not exist', str(exc))
        os.makedirs(os.path.join(self.dir, 'metadefs'))
        exc = self.assertRaises(catalog_dir.CatalogDirError,
                                catalog_dir.read_catalog_dir, self.dir)
        self.assertIn('has no image-schema.json', str(exc))
        schema_path = os.path.join(self.dir, 'image-schema.json')
        with open(schema_path, 'w') as f:
            f.write('{"properties": ')
        exc = self.assertRaises(catalog_dir.CatalogDirError,
                                catalog_dir.read_catalog_dir, self.dir)
        self.assertIn('invalid JSON', str(exc))
        with open(schema_path, 'w') as f:
            f.write('[]')
        exc = self.assertRaises(catalog_dir.CatalogDirError,
                                catalog_dir.read_catalog_dir, self.dir)
        self.assertIn('is not an image schema', str(exc))
        with open(schema_path, 'w') as f:
            json.dump(data.image_schema(), f)
        with open(os.path.join(self.dir, 'metadefs', 'x.json'), 'w') as f:
            f.write('{"name": "not a namespace"}')
        exc = self.assertRaises(catalog_dir.CatalogDirError,
                                catalog_dir.read_catalog_dir, self.dir)
        self.assertIn('not a metadef namespace', str(exc))
        for e in (exc,):
            self.assertNotIn('\n', str(e))

    def test_unwritable(self):
        blocker = os.path.join(self.useFixture(fixtures.TempDir()).path, 'f')
        with open(blocker, 'w') as f:
            f.write('a file, not a directory')
        exc = self.assertRaises(catalog_dir.CatalogDirError,
                                catalog_dir.write_catalog_dir,
                                os.path.join(blocker, 'sub'), {}, [])
        self.assertIn('cannot write catalog directory', str(exc))
