"""Each engine error is an errors.InputError (exit 2) or an
errors.OperationError (exit 1), so the command base maps it in one place;
the codes are the ones the commands exited with before the error model
(doc/source/cli/exit-codes.rst)."""

import testtools

from osc_imagetools import errors


def classes():
    from osc_imagetools import cloud
    from osc_imagetools.cloud import members
    from osc_imagetools.cloud import upload
    from osc_imagetools.guest import fish
    from osc_imagetools.guest import roots
    from osc_imagetools.imagefile import convert
    from osc_imagetools.imagefile import inspect
    from osc_imagetools.metadef import files
    from osc_imagetools import profiles
    from osc_imagetools import properties
    from osc_imagetools.v1 import base
    from osc_imagetools.validation import catalog_dir
    from osc_imagetools.validation import engine
    from osc_imagetools.validation import flavor
    from osc_imagetools.validation import rules
    return {
        # input the user gave: arguments, files, directories, names
        base.UsageError: 2,
        properties.PropertyError: 2,
        profiles.ProfileError: 2,
        catalog_dir.CatalogDirError: 2,  # read or written: alike
        files.FileError: 2,
        rules.RuleError: 2,
        engine.UnknownRuleError: 2,
        inspect.InspectError: 2,
        members.UnresolvedProject: 2,
        # the work was attempted and failed
        cloud.CloudError: 1,
        upload.UploadError: 1,
        flavor.FlavorError: 1,  # in the cloud's flavors
        flavor.FlavorFileError: 2,  # a --flavor-file
        convert.ConvertError: 1,
        roots.GuestError: 1,
        fish.FishError: 1,
    }


class TestErrorClasses(testtools.TestCase):

    def test_exit_codes(self):
        for cls, code in classes().items():
            self.assertTrue(issubclass(cls, errors.Error), cls)
            base = errors.InputError if code == 2 else errors.OperationError
            self.assertTrue(issubclass(cls, base), cls)
            self.assertEqual(code, cls.exit_code, cls)

    def test_value_error_contracts_kept(self):
        # parsers that raised ValueError before keep that contract
        from osc_imagetools import properties
        from osc_imagetools.validation import flavor
        self.assertTrue(issubclass(properties.PropertyError, ValueError))
        self.assertTrue(issubclass(flavor.FlavorError, ValueError))
