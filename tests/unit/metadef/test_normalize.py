"""The comparable form of a namespace, on glance's catalog."""

import testtools

from osc_imagetools.metadef import files
from osc_imagetools.metadef import normalize
from tests.unit.metadef import base


class TestNormalize(testtools.TestCase):

    def test_file_equals_what_glance_returns(self):
        for name, doc in base.shipped().items():
            self.assertEqual(normalize.namespace(doc),
                             normalize.namespace(base.as_glance_returns(doc)),
                             name)

    def test_export_round_trip(self):
        for name, doc in base.shipped().items():
            exported = files.to_file_format(base.as_glance_returns(doc))
            self.assertEqual(normalize.namespace(doc),
                             normalize.namespace(exported), name)

    def test_defaults_as_text(self):
        self.assertEqual('8', normalize.default_text(8))
        self.assertEqual('True', normalize.default_text(True))
        self.assertEqual('False', normalize.default_text(False))
        self.assertEqual('1.5', normalize.default_text(1.5))
        self.assertEqual('', normalize.default_text(''))
        self.assertIsNone(normalize.default_text(['a']))

    def test_property_name_inside_schema_ignored(self):
        doc = base.shipped_namespace('OS::Compute::Watchdog')
        schema = doc['properties']['watchdog_action']
        self.assertEqual(
            normalize.property_schema(schema),
            normalize.property_schema(dict(schema, name='watchdog_action')))

    def test_namespace_defaults(self):
        self.assertEqual(
            {'display_name': None, 'description': None,
             'visibility': 'private', 'protected': False},
            normalize.namespace_fields({'namespace': 'a'}))

    def test_differences_are_seen(self):
        doc = base.shipped_namespace('OS::Compute::Libvirt')
        changed = base.shipped_namespace('OS::Compute::Libvirt')
        changed['properties']['mem_encryption_model']['enum'].append('x')
        self.assertNotEqual(normalize.namespace(doc)['properties'],
                            normalize.namespace(changed)['properties'])
        quota = base.shipped_namespace('OS::Compute::Quota')
        with_required = base.shipped_namespace('OS::Compute::Quota')
        with_required['objects'][0]['required'] = ['quota:cpu_shares']
        self.assertNotEqual(normalize.namespace(quota)['objects'],
                            normalize.namespace(with_required)['objects'])
        # enum order is kept: it is what a UI shows
        reordered = base.shipped_namespace('OS::Compute::Libvirt')
        reordered['properties']['mem_encryption_model']['enum'].reverse()
        self.assertNotEqual(normalize.namespace(doc),
                            normalize.namespace(reordered))
