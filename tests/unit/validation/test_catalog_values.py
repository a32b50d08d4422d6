"""Catalog index and value checks on glance's shipped metadef catalog."""

import testtools

from osc_imagetools.validation import catalog
from osc_imagetools.validation import values
from tests.unit import validation as data


class TestCatalogIndex(testtools.TestCase):

    def setUp(self):
        super().setUp()
        self.catalog = catalog.Catalog(data.namespaces())

    def test_prefix_is_added(self):
        # OS::Compute::VirtCPUTopology: prefix hw_ + cpu_sockets
        [d] = self.catalog.lookup('hw_cpu_sockets')
        self.assertEqual('OS::Compute::VirtCPUTopology', d.namespace)
        self.assertEqual('integer', d.schema['type'])
        self.assertNotIn('cpu_sockets', self.catalog)

    def test_namespace_without_prefix(self):
        [d] = self.catalog.lookup('hw_disk_bus')
        self.assertEqual('OS::Compute::LibvirtImage', d.namespace)

    def test_object_properties_are_indexed(self):
        [d] = self.catalog.lookup('sw_database_mysql_listen_port')
        self.assertEqual(('OS::Software::DBMS', 'MySQL'),
                         (d.namespace, d.object))

    def test_other_resource_types_are_left_out(self):
        # CIM::ResourceAllocationSettingData is for flavors/volumes only
        self.assertNotIn('CIM_RASD_AutomaticAllocation', self.catalog)
        self.assertNotIn('CIM::ResourceAllocationSettingData',
                         self.catalog.namespaces)
        self.assertIn('OS::Compute::LibvirtImage', self.catalog.namespaces)

    def test_name_defined_twice_keeps_both(self):
        found = {d.namespace for d in self.catalog.lookup('hw_vif_model')}
        self.assertEqual({'OS::Compute::LibvirtImage', 'OS::Compute::VMware'},
                         found)

    def test_image_prefix(self):
        self.assertEqual('hw_', catalog.image_prefix(
            data.namespace('OS::Compute::Watchdog')))
        self.assertEqual('', catalog.image_prefix(
            data.namespace('OS::Compute::LibvirtImage')))
        self.assertIsNone(catalog.image_prefix(
            data.namespace('OS::Compute::Quota')))


def prop(ns_name, name, obj=None):
    ns = data.namespace(ns_name)
    if obj:
        return next(o for o in ns['objects']
                    if o['name'] == obj)['properties'][name]
    return ns['properties'][name]


class TestValues(testtools.TestCase):

    def setUp(self):
        super().setUp()
        self.checker = values.ValueChecker()

    def rules(self, value, schema):
        return [p.rule for p in self.checker.check(value, schema)]

    def test_string_enum(self):
        bus = prop('OS::Compute::LibvirtImage', 'hw_disk_bus')
        self.assertEqual([], self.rules('scsi', bus))
        [p] = self.checker.check('scsci', bus)
        self.assertEqual('metadef-enum', p.rule)
        self.assertIn("did you mean 'scsi'?", p.message)

    def test_integer(self):
        sockets = prop('OS::Compute::VirtCPUTopology', 'cpu_sockets')
        self.assertEqual([], self.rules('2', sockets))
        self.assertEqual([], self.rules('-2', sockets))
        self.assertEqual(['metadef-type'], self.rules('two', sockets))
        self.assertEqual(['metadef-type'], self.rules('2.0', sockets))
        self.assertEqual(['metadef-type'], self.rules(' 2', sockets))

    def test_minimum_and_maximum(self):
        port = prop('OS::Software::DBMS', 'sw_database_mysql_listen_port',
                    obj='MySQL')
        self.assertEqual([], self.rules('3306', port))
        [p] = self.checker.check('0', port)
        self.assertEqual('metadef-range', p.rule)
        self.assertIn('less than the minimum 1', p.message)
        [p] = self.checker.check('70000', port)
        self.assertIn('greater than the maximum 65535', p.message)
        video_ram = prop('OS::Compute::LibvirtImage', 'hw_video_ram')
        self.assertEqual(['metadef-range'], self.rules('-1', video_ram))

    def test_boolean_strict_oslo_strings(self):
        stateless = prop('OS::Compute::LibvirtImage', 'hw_firmware_stateless')
        for ok in ('true', 'False', 'yes', 'NO', '1', '0', 'on', 'off', 't',
                   'f', 'y', 'n'):
            self.assertEqual([], self.rules(ok, stateless), ok)
        [p] = self.checker.check('enabled', stateless)
        self.assertEqual('metadef-type', p.rule)
        self.assertIn('not a boolean', p.message)

    def test_number(self):
        ratio = prop('OS::Compute::AggregateDiskFilter',
                     'disk_allocation_ratio')
        for ok in ('1', '1.5', '.5', '2e3', '-0.25'):
            self.assertEqual([], self.rules(ok, ratio), ok)
        for bad in ('1,5', 'nan', 'inf', ''):
            self.assertEqual(['metadef-type'], self.rules(bad, ratio), bad)

    def test_pattern(self):
        kernel = prop('OS::Glance::CommonImageProperties', 'kernel_id')
        self.assertEqual(
            [], self.rules('9c3e8d5f-32d0-4b5b-a6c0-1e8e1c0d4f00', kernel))
        [p] = self.checker.check('vmlinuz', kernel)
        self.assertEqual('metadef-pattern', p.rule)

    def test_lengths(self):
        # no shipped definition uses them: the keywords still apply
        schema = {'type': 'string', 'minLength': 2, 'maxLength': 4}
        self.assertEqual([], self.rules('abc', schema))
        self.assertEqual(['metadef-length'], self.rules('a', schema))
        [p] = self.checker.check('abcde', schema)
        self.assertIn('longer than 4 characters', p.message)

    def test_array_items_as_nova_writes_them(self):
        ext = prop('OS::Compute::HostCapabilities',
                   'cpu_info:features')
        self.assertEqual([], self.rules('fpu, vme  de', ext))
        self.assertEqual([], self.rules('<all-in> fpu vme', ext))
        self.assertEqual([], self.rules('<or> fpu <or> vme', ext))
        [p] = self.checker.check('fpu,avx9', ext)
        self.assertEqual('metadef-items', p.rule)
        self.assertIn("item 'avx9' is not one of", p.message)

    def test_array_unique_and_count(self):
        schema = {'type': 'array', 'items': {'type': 'integer'},
                  'maxItems': 2, 'uniqueItems': True}
        self.assertEqual([], self.rules('1,2', schema))
        self.assertEqual(['metadef-items'], self.rules('1,2,3', schema))
        self.assertEqual(['metadef-items'], self.rules('1,1', schema))
        self.assertEqual(['metadef-type'], self.rules('1,x', schema))

    def test_broken_definition_is_reported_not_raised(self):
        [p] = self.checker.check('x', {'type': 'string', 'pattern': '('})
        self.assertEqual('metadef-definition', p.rule)

    def test_split_items(self):
        self.assertEqual(['a', 'b', 'c'], values.split_items(' a,b  c, '))
        self.assertEqual([], values.split_items('<in>'))

    def test_suggest(self):
        self.assertEqual('virtio-scsi',
                         values.suggest('virtio_scsi', ['virtio-scsi', 'x']))
        self.assertEqual('linux', values.suggest('Linux', ['linux']))
        self.assertIsNone(values.suggest('zzz', ['linux', 'windows']))
