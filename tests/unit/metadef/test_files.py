"""Loading metadef files and writing glance's file format, with glance's
own catalog as data."""

import json
import os

import fixtures
import testtools

from osc_imagetools.metadef import files
from tests.unit.metadef import base


class TestLoad(testtools.TestCase):

    def setUp(self):
        super().setUp()
        self.tmp = self.useFixture(fixtures.TempDir()).path

    def test_glance_catalog_directory(self):
        docs, errors = files.load_paths([base.GLANCE_METADEFS])
        self.assertEqual([], errors)
        self.assertEqual(len(base.shipped()), len(docs))
        self.assertGreaterEqual(len(docs), 30)
        # README is not a .json file: not read
        self.assertTrue(all(p.endswith('.json') for p, _ in docs))
        self.assertIn('OS::Compute::Libvirt',
                      [d['namespace'] for _, d in docs])

    def test_every_error_reported_at_once(self):
        good = os.path.join(self.tmp, 'good.json')
        with open(good, 'w') as f:
            json.dump(base.shipped_namespace('OS::Compute::Watchdog'), f)
        bad = os.path.join(self.tmp, 'bad.json')
        with open(bad, 'w') as f:
            f.write('{"namespace": "x",\n "oops"\n}')
        binary = os.path.join(self.tmp, 'bin.json')
        with open(binary, 'wb') as f:
            f.write(b'\xff\xfe\x00')
        empty_dir = os.path.join(self.tmp, 'empty')
        os.mkdir(empty_dir)
        missing = os.path.join(self.tmp, 'missing.json')
        docs, errors = files.load_paths([self.tmp, missing, empty_dir])
        self.assertEqual([good], [p for p, _ in docs])
        msgs = sorted(str(e) for e in errors)
        self.assertEqual(4, len(msgs), msgs)
        self.assertIn(bad + ': invalid JSON', '\n'.join(msgs))
        self.assertIn('(line 3 column 1)', '\n'.join(msgs))
        self.assertIn(bin_msg(binary), '\n'.join(msgs))
        self.assertIn(missing + ': no such file or directory', msgs)
        self.assertIn(empty_dir + ': no .json file in directory', msgs)
        for m in msgs:
            self.assertNotIn('\n', m)


def bin_msg(path):
    return path + ': not UTF-8 text'


class TestFileFormat(testtools.TestCase):

    def test_shipped_files_keep_their_content(self):
        for name, doc in base.shipped().items():
            out = files.to_file_format(doc)
            self.assertEqual(doc['namespace'], out['namespace'])
            self.assertEqual(doc.get('properties', {}),
                             out.get('properties', {}), name)
            self.assertEqual(
                sorted(o['name'] for o in doc.get('objects', [])),
                [o['name'] for o in out.get('objects', [])], name)
            self.assertEqual(
                sorted(a['name']
                       for a in doc.get('resource_type_associations', [])),
                [a['name'] for a in out.get('resource_type_associations',
                                            [])], name)
            # idempotent
            self.assertEqual(out, files.to_file_format(out))

    def test_server_fields_removed(self):
        doc = base.shipped_namespace('OS::Compute::Quota')
        server = dict(doc, owner='admin', created_at='2026-01-01T00:00:00Z',
                      updated_at='2026-01-01T00:00:00Z',
                      self='/v2/metadefs/namespaces/OS::Compute::Quota',
                      schema='/v2/schemas/metadefs/namespace')
        for obj in server['objects']:
            obj.update(required=[], created_at='x', updated_at='x',
                       self='/v2/x', schema='/v2/schemas/metadefs/object')
            for prop in obj['properties'].values():
                prop['name'] = 'dup'
        for a in server['resource_type_associations']:
            a['created_at'] = 'x'
        out = files.to_file_format(server)
        text = json.dumps(out)
        for key in ('owner', 'created_at', 'updated_at', '"self"',
                    '"schema"', '"required"', '"name": "dup"'):
            self.assertNotIn(key, text)
        self.assertEqual(files.to_file_format(doc), out)

    def test_key_order_is_stable(self):
        doc = base.shipped_namespace('OS::Compute::Watchdog')
        out = files.to_file_format(doc)
        self.assertEqual(['namespace', 'display_name', 'description',
                          'visibility', 'protected',
                          'resource_type_associations', 'properties'],
                         list(out))
        reordered = dict(reversed(list(doc.items())))
        self.assertEqual(json.dumps(out),
                         json.dumps(files.to_file_format(reordered)))


class TestWrite(testtools.TestCase):

    def setUp(self):
        super().setUp()
        self.tmp = self.useFixture(fixtures.TempDir()).path

    def test_file_name(self):
        self.assertEqual('OS-Compute-Libvirt.json',
                         files.file_name('OS::Compute::Libvirt'))
        self.assertEqual('a-b-c.json', files.file_name('a/b c'))
        self.assertEqual('namespace.json', files.file_name('..'))

    def test_write_json_mode_follows_the_umask(self):
        # like a file cp makes: 0666 minus the umask (mkstemp's 0600 gone)
        for mask, mode in ((0o022, 0o644), (0o027, 0o640), (0o002, 0o664),
                           (0o077, 0o600)):
            path = os.path.join(self.tmp, 'm%03o.json' % mask)
            old = os.umask(mask)
            try:
                files.write_json(path, {'a': 1})
                # an existing file is replaced by a new one: the same mode
                os.chmod(path, 0o400)
                files.write_json(path, {'a': 2})
            finally:
                os.umask(old)
            self.assertEqual(mode, os.stat(path).st_mode & 0o777, oct(mask))
            self.assertEqual({'a': 2}, files.load_file(path))
        self.assertEqual(sorted('m%03o.json' % m for m in (2, 0o22, 0o27,
                                                           0o77)),
                         sorted(os.listdir(self.tmp)))

    def test_write_and_read_back(self):
        doc = base.shipped_namespace('OS::Compute::Libvirt')
        out_dir = os.path.join(self.tmp, 'new', 'dir')
        path = files.write_namespace_file(out_dir, doc)
        self.assertEqual(os.path.join(out_dir, 'OS-Compute-Libvirt.json'),
                         path)
        self.assertEqual(files.to_file_format(doc), files.load_file(path))
        self.assertEqual(['OS-Compute-Libvirt.json'], os.listdir(out_dir))
        # same namespace again: overwritten in place
        self.assertEqual(path, files.write_namespace_file(out_dir, doc))
        self.assertEqual(1, len(os.listdir(out_dir)))

    def test_colliding_names_do_not_overwrite(self):
        a = files.write_namespace_file(self.tmp, {'namespace': 'A::B'})
        b = files.write_namespace_file(self.tmp, {'namespace': 'A-B'})
        self.assertNotEqual(a, b)
        self.assertEqual('A::B', files.load_file(a)['namespace'])
        self.assertEqual('A-B', files.load_file(b)['namespace'])
