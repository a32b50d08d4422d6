"""One rule for "the file's content agrees with the declared disk_format"
(imagefile.inspect.content_agrees), used by ``image validate --file``
(Validator.check_file) and ``image prepare`` (inspect.declared_mismatch),
checked against Glance's own rule at upload (glance/location.py: raw
content passes for a disk_format outside format_inspector.ALL_FORMATS)."""

from glance.common import config as glance_config
from oslo_utils.imageutils import format_inspector
import testtools

from osc_imagetools.imagefile import inspect
from osc_imagetools.validation import engine
from tests.unit import validation as data


def glance_disk_formats():
    """The disk_formats Glance offers by default (its config option)."""
    [opt] = [o for o in glance_config.image_format_opts
             if o.name == 'disk_formats']
    return list(opt.default)


def glance_accepts(detected, declared):
    """Glance 33's decision (glance/location.py), rewritten as the test
    oracle: same format, or raw content and a declared format the
    inspector does not know."""
    return detected == declared or (
        detected == 'raw' and declared not in format_inspector.ALL_FORMATS)


class TestContentAgrees(testtools.TestCase):

    def setUp(self):
        super().setUp()
        self.formats = glance_disk_formats()
        self.assertIn('ami', self.formats)  # the real option was read
        self.validator = engine.Validator(data.image_schema(),
                                          data.namespaces())

    def test_glance_decides_alike(self):
        for detected in self.formats:
            for declared in self.formats + ['bogus', 'luks', 'qed']:
                self.assertEqual(glance_accepts(detected, declared),
                                 inspect.content_agrees(detected, declared),
                                 (detected, declared))

    def test_both_call_sites_use_it(self):
        for detected in self.formats:
            for declared in self.formats + ['bogus']:
                agrees = inspect.content_agrees(detected, declared)
                info = inspect.ImageInfo('/x/disk', detected, detected, 1, 1)
                self.assertEqual(agrees, inspect.declared_mismatch(
                    info, declared) is None, (detected, declared))
                found = self.validator.check_file(
                    {'disk_format': declared}, detected)
                self.assertEqual(
                    not agrees,
                    any(f.rule == engine.RULE_FILE_FORMAT for f in found),
                    (detected, declared))
