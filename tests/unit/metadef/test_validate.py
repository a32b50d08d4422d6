"""Checking metadef files against glance's own schemas and limits."""

import testtools

from osc_imagetools.metadef import validate
from tests.unit.metadef import base


def check(*docs):
    return validate.check(
        [('f%d.json' % i, d) for i, d in enumerate(docs)],
        base.live_schemas())


def messages(problems):
    return [str(p) for p in problems]


class TestGlanceCatalog(testtools.TestCase):

    def test_shipped_catalog_is_valid(self):
        docs = base.shipped()
        found, problems = validate.check(list(docs.items()),
                                         base.live_schemas())
        self.assertEqual([], messages(problems))
        self.assertEqual(len(docs), len(found))
        self.assertEqual('compute-libvirt.json',
                         found['OS::Compute::Libvirt'][0])


class TestProblems(testtools.TestCase):

    def setUp(self):
        super().setUp()
        self.doc = base.shipped_namespace('OS::Compute::Libvirt')

    def one(self, doc):
        found, problems = check(doc)
        self.assertEqual(1, len(problems), messages(problems))
        msg = str(problems[0])
        self.assertNotIn('\n', msg)
        return msg

    def test_not_a_namespace(self):
        for doc in ({'hw_cpu_sockets': '2'}, ['a'], 'text', None):
            self.assertEqual(
                'f0.json: not a metadef namespace: expected a JSON object '
                'with a "namespace" key', self.one(doc))

    def test_unknown_property_type(self):
        self.doc['properties']['hw_boot_menu'] = {'title': 'x',
                                                  'type': 'bool'}
        msg = self.one(self.doc)
        self.assertTrue(msg.startswith(
            'f0.json: properties.hw_boot_menu.type: '), msg)
        self.assertIn("'bool' is not one of", msg)

    def test_missing_title(self):
        self.doc['properties']['serial_port_count'].pop('title')
        self.assertIn("properties.serial_port_count: 'title' is a "
                      "required property", self.one(self.doc))

    def test_namespace_fields(self):
        self.doc['visibility'] = 'shared'
        self.assertIn("f0.json: visibility: 'shared' is not one of",
                      self.one(self.doc))
        self.doc['visibility'] = 'public'
        self.doc['namespace'] = 'x' * 81
        self.assertIn('f0.json: namespace: ', self.one(self.doc))
        self.doc['namespace'] = 'ok'
        self.doc['unknown'] = 1
        self.assertIn('Additional properties are not allowed',
                      self.one(self.doc))

    def test_bad_regex_pattern(self):
        self.doc['properties']['serial_port_count']['pattern'] = '(['
        self.assertIn('properties.serial_port_count.pattern',
                      self.one(self.doc))

    def test_object_and_tag_schemas(self):
        doc = base.shipped_namespace('OS::Compute::Quota')
        doc['objects'][1].pop('name')
        doc['tags'] = [{'name': 'ok'}, {'nom': 'x'}]
        found, problems = check(doc)
        self.assertEqual(
            ["f0.json: objects[1]: 'name' is a required property",
             "f0.json: tags[1]: 'name' is a required property",
             "f0.json: tags[1]: Additional properties are not allowed "
             "('nom' was unexpected)"],
            messages(problems))

    def test_association_without_name(self):
        self.doc['resource_type_associations'].append({'prefix': 'x_'})
        self.assertEqual("f0.json: resource_type_associations[2]: 'name' "
                         "is a required property", self.one(self.doc))

    def test_wrong_shapes_are_problems_not_crashes(self):
        for key, value in (('properties', {'a': 'text'}),
                           ('properties', []), ('objects', [5]),
                           ('objects', [{'name': 'o', 'properties': []}]),
                           ('tags', {'a': 1}), ('tags', ['a']),
                           ('resource_type_associations', ['a'])):
            doc = dict(self.doc, **{key: value})
            found, problems = check(doc)
            self.assertNotEqual([], problems, (key, value))

    def test_values_glance_cannot_store(self):
        props = self.doc['properties']
        props['mem_encryption_model']['enum'].append(3)
        props['serial_port_count']['required'] = ['x']
        props['serial_port_count']['default'] = [1]
        props['serial_port_count']['minimum'] = 0.5
        props['boot_menu']['items'] = {'enum': [1], 'pattern': 'a'}
        found, problems = check(self.doc)
        self.assertEqual(sorted([
            'f0.json: properties.boot_menu.items: items needs a "type"',
            'f0.json: properties.boot_menu.items: Glance keeps only "type" '
            'and "enum" of items; pattern would be lost',
            'f0.json: properties.boot_menu.items.enum: enum values must be '
            'strings (Glance stores them as text)',
            'f0.json: properties.mem_encryption_model.enum: enum values '
            'must be strings (Glance stores them as text)',
            'f0.json: properties.serial_port_count.default: default must '
            'be a string, number or boolean (Glance drops other values)',
            'f0.json: properties.serial_port_count.minimum: minimum must '
            'be an integer: Glance would store 0.5 as 0',
            'f0.json: properties.serial_port_count.required: Glance cannot '
            'store "required" on a property (only objects have it)',
        ]), sorted(m for m in messages(problems) if 'Glance' in m
                   or 'items' in m))

    def test_object_property_limits(self):
        doc = base.shipped_namespace('OS::Software::WebServers')
        name = doc['objects'][0]['name']
        prop = sorted(doc['objects'][0]['properties'])[0]
        doc['objects'][0]['properties'][prop]['enum'] = [80]
        self.assertEqual(
            'f0.json: objects[%s].properties.%s.enum: enum values must be '
            'strings (Glance stores them as text)' % (name, prop),
            self.one(doc))

    def test_duplicates(self):
        doc = base.shipped_namespace('OS::Compute::Quota')
        doc['objects'].append(dict(doc['objects'][0]))
        doc['tags'] = [{'name': 'a'}, {'name': 'a'}]
        doc['resource_type_associations'].append(
            dict(doc['resource_type_associations'][0]))
        found, problems = check(doc)
        self.assertEqual(sorted([
            'f0.json: objects: duplicate object "%s"'
            % doc['objects'][0]['name'],
            'f0.json: tags: duplicate tag "a"',
            'f0.json: resource_type_associations: duplicate resource type '
            'association "%s"' % doc['resource_type_associations'][0]['name'],
        ]), sorted(messages(problems)))

    def test_duplicate_namespace_across_files(self):
        found, problems = check(self.doc, dict(self.doc))
        self.assertEqual(['f1.json: namespace "OS::Compute::Libvirt" is '
                          'also in f0.json'], messages(problems))
        self.assertEqual('f0.json', found['OS::Compute::Libvirt'][0])

    def test_all_problems_of_all_files_at_once(self):
        bad1 = base.shipped_namespace('OS::Compute::Watchdog')
        bad1['properties']['watchdog_action']['type'] = 'enum'
        bad2 = base.shipped_namespace('OS::Compute::Quota')
        bad2['display_name'] = 5
        bad2['tags'] = [{}]
        found, problems = check(bad1, {'x': 1}, bad2, self.doc)
        self.assertEqual(['f0.json', 'f1.json', 'f2.json', 'f2.json'],
                         [p.path for p in problems])
        self.assertEqual(3, len(found))

    def test_long_messages_are_cut(self):
        self.doc['properties'] = ['x' * 1000]
        msg = self.one(self.doc)
        self.assertLessEqual(len(msg), len('f0.json: properties: ') + 200)
        self.assertTrue(msg.endswith('...'))
