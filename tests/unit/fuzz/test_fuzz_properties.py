"""Fuzzing the properties parser (``osc_imagetools.properties``): any
KEY=VALUE list and any file content gives properties or PropertyError."""

import os
import tempfile

from hypothesis import example
from hypothesis import given
from hypothesis import strategies as st
import testtools

from osc_imagetools import properties

# JSON-ish and YAML-ish text: structure characters over-represented
SYNTAX = st.lists(st.sampled_from(
    list('{}[]:,"\'-#&*!|>%@`\n\t =') + ['true', 'null', '0x1', 'a', 'é',
                                         '\x00', '\ufeff']),
    max_size=120).map(''.join)


def _write(data, ext):
    fd, path = tempfile.mkstemp(suffix=ext)
    with os.fdopen(fd, 'wb') as f:
        f.write(data)
    return path


class TestParseProperties(testtools.TestCase):

    @given(st.lists(st.text(max_size=40), max_size=8))
    def test_items(self, items):
        try:
            props = properties.parse_properties(items)
        except properties.PropertyError as exc:
            self.assertNotIn('\n', str(exc).replace(repr('\n')[1:-1], ''))
            return
        for key, value in props.items():
            self.assertEqual(key.strip(), key)
            self.assertTrue(key)
            self.assertIn('%s=%s' % (key, value),
                          [i.partition('=')[0].strip() + '='
                           + i.partition('=')[2] for i in items])


class TestPropertiesFile(testtools.TestCase):

    def _read(self, data, ext):
        path = _write(data, ext)
        self.addCleanup(os.unlink, path)
        try:
            result = properties.read_properties_file(path)
        except properties.PropertyError:
            return None
        self.assertIsInstance(result.properties, dict)
        for key in result.properties:
            self.assertIsInstance(key, str)
        return result

    @given(st.binary(max_size=300), st.sampled_from(
        ['.json', '.yaml', '.yml', '.txt', '']))
    def test_bytes(self, data, ext):
        self._read(data, ext)

    @given(SYNTAX, st.sampled_from(['.json', '.yaml', '']))
    @example('[' * 50000, '.json')
    @example('a: ' + '[' * 50000, '.yaml')
    @example('{"properties": {"a": "1"}, "virtual_size": [1]}', '.json')
    @example('{"properties": {"": "1"}}', '.json')
    def test_text(self, text, ext):
        self._read(text.encode('utf-8', 'surrogatepass'), ext)

    @given(st.recursive(
        st.none() | st.booleans() | st.integers() | st.text(max_size=10),
        lambda kids: st.lists(kids, max_size=3)
        | st.dictionaries(st.text(max_size=8), kids, max_size=3),
        max_leaves=12))
    def test_json_values_as_manifest(self, value):
        import json
        self._read(json.dumps({'properties': value, 'name': value,
                               'virtual_size': value}).encode(), '.json')
        self._read(json.dumps(value).encode(), '.json')
