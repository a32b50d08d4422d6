"""Fuzzing the validation engine: any property dict (names from the real
catalog and the image schema, or random; values of any JSON type, or
mutations of valid values) gives findings, never an exception."""

import functools
import os

import fixtures
from hypothesis import given
from hypothesis import strategies as st
import testtools

from osc_imagetools.validation import engine
from tests.unit import validation as data


@functools.lru_cache()
def _validator():
    # the default rules only: no user rule file from the real home
    old = os.environ.get('XDG_CONFIG_HOME')
    os.environ['XDG_CONFIG_HOME'] = '/nonexistent'
    try:
        return engine.Validator(data.image_schema(), data.namespaces())
    finally:
        if old is None:
            del os.environ['XDG_CONFIG_HOME']
        else:
            os.environ['XDG_CONFIG_HOME'] = old


@functools.lru_cache()
def _names():
    return _validator().known_names()


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats()
    | st.text(max_size=12),
    lambda kids: st.lists(kids, max_size=3)
    | st.dictionaries(st.text(max_size=6), kids, max_size=3),
    max_leaves=8)
VALUE_TEXT = st.sampled_from(
    ['', '0', '-1', '1', '2', '4', '8', '99999999999999999999', '1.5',
     'true', 'false', 'yes', 'no', 'True', 'virtio', 'scsi', 'q35',
     'uefi', 'bios', 'linux', 'windows', 'x86_64', 'aarch64', 'qcow2',
     'raw', 'bare', 'shared', 'public', '[]', '{}', ' ', '\x00', 'é' * 300,
     'a' * 300, 'virtio-scsi', 'sata', 'ide', 'ubuntu', '22.04'])


class TestValidationEngine(testtools.TestCase):

    def setUp(self):
        super().setUp()
        self.useFixture(fixtures.EnvironmentVariable(
            'XDG_CONFIG_HOME', '/nonexistent'))

    @given(st.data())
    def test_catalog_names_any_values(self, d):
        names = _names()
        props = d.draw(st.dictionaries(
            st.sampled_from(names) | st.text(max_size=20),
            VALUE_TEXT | JSON, max_size=12))
        size = d.draw(st.none() | st.integers(-1, 2 ** 64))
        stored = d.draw(st.booleans())
        findings = _validator().validate(props, virtual_size=size,
                                         label='fuzz', stored=stored)
        for f in findings:
            self.assertIsInstance(f.message, str)
            self.assertNotIn('\n', f.message)
