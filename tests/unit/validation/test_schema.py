"""Core attributes against the image schema Glance really serves."""

import testtools

from osc_imagetools.validation import schema
from tests.unit import validation as data


def rules(issues):
    return sorted((i.property, i.rule) for i in issues)


class TestSchemaChecker(testtools.TestCase):

    def setUp(self):
        super().setUp()
        self.checker = schema.SchemaChecker(data.image_schema())

    def test_valid_set(self):
        self.assertEqual([], self.checker.check({
            'name': 'x', 'disk_format': 'qcow2', 'container_format': 'bare',
            'visibility': 'shared', 'min_disk': '10', 'min_ram': '512',
            'protected': 'yes', 'os_hidden': 'false', 'tags': 'a,b',
            'hw_disk_bus': 'scsi'}))

    def test_enums_come_from_the_schema(self):
        [issue] = self.checker.check({'disk_format': 'qcow3'})
        self.assertEqual(('disk_format', 'schema-enum'),
                         (issue.property, issue.rule))
        self.assertIn("did you mean 'qcow2'?", issue.message)
        # an operator who drops vhd from disk_formats changes the verdict
        changed = data.image_schema()
        changed['properties']['disk_format']['enum'].remove('vhd')
        self.assertEqual([], self.checker.check({'disk_format': 'vhd'}))
        self.assertEqual(
            [('disk_format', 'schema-enum')],
            rules(schema.SchemaChecker(changed).check({'disk_format': 'vhd'})))
        self.assertEqual([('visibility', 'schema-enum')],
                         rules(self.checker.check({'visibility': 'secret'})))
        self.assertEqual([('container_format', 'schema-enum')],
                         rules(self.checker.check(
                             {'container_format': 'zip'})))

    def test_types(self):
        self.assertEqual(
            [('min_disk', 'schema-type'), ('protected', 'schema-type')],
            rules(self.checker.check({'min_disk': 'ten',
                                      'protected': 'maybe'})))

    def test_max_length(self):
        [issue] = self.checker.check({'name': 'n' * 256})
        self.assertEqual('schema-length', issue.rule)
        self.assertIn('256 characters: at most 255', issue.message)
        self.assertEqual([('tags', 'schema-length')],
                         rules(self.checker.check({'tags': ['t' * 256]})))

    def test_read_only_given_by_user(self):
        found = rules(self.checker.check({'checksum': 'abc', 'size': '1',
                                          'status': 'active'}))
        self.assertEqual([('checksum', 'read-only'), ('size', 'read-only'),
                          ('status', 'read-only')], found)

    def test_reserved_keys(self):
        self.assertEqual([('os_glance_importing_to_stores', 'reserved-key')],
                         rules(self.checker.check(
                             {'os_glance_importing_to_stores': 'x'})))

    def test_key_length(self):
        key = 'k' * 256
        self.assertEqual([(key, 'key-too-long')],
                         rules(self.checker.check({key: 'v',
                                                   'k' * 255: 'v'})))

    def test_custom_values_must_be_strings(self):
        [issue] = self.checker.check({'hw_cpu_cores': 4})
        self.assertEqual(('hw_cpu_cores', 'not-a-string'),
                         (issue.property, issue.rule))
        self.assertIn('got a number', issue.message)
        self.assertEqual([('hw_qemu_guest_agent', 'not-a-string')],
                         rules(self.checker.check(
                             {'hw_qemu_guest_agent': True})))

    def test_quota(self):
        props = {'p%d' % i: 'v' for i in range(129)}
        props['min_disk'] = '1'  # core attributes do not count
        [issue] = self.checker.check(props)
        self.assertEqual('property-quota', issue.rule)
        self.assertIn('129 custom properties', issue.message)
        del props['p0']
        self.assertEqual([], self.checker.check(props))
        self.assertEqual(['property-quota'], [
            i.rule for i in schema.SchemaChecker(
                data.image_schema(), quota=3).check(
                    {'a': '1', 'b': '2', 'c': '3', 'd': '4'})])
        self.assertEqual([], schema.SchemaChecker(
            data.image_schema(), quota=-1).check(props))

    def test_stored_image_json_is_taken_as_glance_wrote_it(self):
        image = {
            'id': '2b0d1a52-1ef4-4d0c-9b0b-4a1e8f1f0c11', 'name': 'img',
            'status': 'active', 'checksum': None, 'size': 1024,
            'virtual_size': None, 'min_disk': 0, 'min_ram': 0,
            'protected': False, 'os_hidden': False, 'visibility': 'private',
            'tags': [], 'disk_format': 'raw', 'container_format': 'bare',
            'os_hash_algo': 'sha512', 'os_hash_value': None,
            'created_at': '2024-01-01T00:00:00Z',
            'updated_at': '2024-01-01T00:00:00Z',
            'owner': 'p', 'file': '/v2/images/x/file',
            'self': '/v2/images/x', 'schema': '/v2/schemas/image',
            'os_glance_importing_to_stores': '', 'hw_disk_bus': 'scsi'}
        self.assertEqual([], self.checker.check(image, stored=True))
        # as user input, the same JSON has read-only attributes
        self.assertIn(('status', 'read-only'),
                      rules(self.checker.check(image)))
        # and a stored min_disk of the wrong type is still an error
        image['min_disk'] = '0'
        self.assertEqual([('min_disk', 'schema-type')],
                         rules(self.checker.check(image, stored=True)))
