"""Property profiles: the shipped files, user files, and bad files."""

import glob
import os
import sys

import testtools

from osc_imagetools import profiles
from osc_imagetools.validation import engine
from tests.unit import fakes

# the seed guide's Windows property set (issue 6)
SEED_WINDOWS = {
    'hw_vif_multiqueue_enabled': 'true',
    'hw_scsi_model': 'virtio-scsi',
    'hw_disk_bus': 'scsi',
    'hw_qemu_guest_agent': 'yes',
    'hw_video_model': 'qxl',
    'os_require_quiesce': 'yes',
    'os_distro': 'windows',
    'os_type': 'windows',
}


def glance_metadefs():
    """The metadef namespaces glance ships (installed with the package)."""
    import json
    paths = sorted(glob.glob(os.path.join(
        sys.prefix, 'etc', 'glance', 'metadefs', '*.json')))
    if not paths:
        raise testtools.TestCase.skipException('glance metadefs not found')
    out = []
    for path in paths:
        with open(path) as f:
            out.append(json.load(f))
    return out


class TestShippedProfiles(testtools.TestCase):

    def setUp(self):
        super().setUp()
        self.shipped = profiles.load_profiles([profiles.PACKAGE_DIR])

    def test_required_profiles_exist(self):
        self.assertTrue({'linux-virtio', 'windows-virtio-scsi', 'uefi'}
                        <= set(self.shipped))
        for profile in self.shipped.values():
            self.assertTrue(profile.description, profile.name)

    def test_windows_is_the_seed_set(self):
        self.assertEqual(SEED_WINDOWS,
                         self.shipped['windows-virtio-scsi'].properties)

    def test_uefi(self):
        self.assertEqual('uefi', self.shipped['uefi'].properties[
            'hw_firmware_type'])

    def test_valid_against_glance_catalog_and_rules(self):
        # every shipped profile passes the validate engine against the
        # metadef catalog glance ships, alone and combined as documented
        validator = engine.Validator(None, glance_metadefs())
        combos = [[n] for n in self.shipped] + [['linux-virtio', 'uefi'],
                                                ['windows-virtio-scsi',
                                                 'uefi']]
        for names in combos:
            props = profiles.merge(names, self.shipped)
            findings = validator.validate(props)
            self.assertEqual([], findings, names)


class TestUserProfiles(testtools.TestCase):

    def setUp(self):
        super().setUp()
        self.home = self.useFixture(fakes.UserConfig()).path
        self.dir = profiles.user_dir()
        os.makedirs(self.dir)

    def write(self, name, text):
        path = os.path.join(self.dir, name)
        with open(path, 'w') as f:
            f.write(text)
        return path

    def test_user_dir_follows_xdg(self):
        self.assertEqual(os.path.join(self.home, 'osc-imagetools',
                                      'profiles'), self.dir)
        self.assertIn(self.dir, profiles.default_dirs())

    def test_user_profile_added_and_overrides_shipped(self):
        self.write('mine.yaml', 'properties:\n  os_distro: ubuntu\n')
        self.write('uefi.yml', 'description: mine\nproperties:\n'
                               '  hw_firmware_type: bios\n')
        loaded = profiles.load_profiles()
        self.assertEqual({'os_distro': 'ubuntu'},
                         loaded['mine'].properties)
        self.assertEqual('bios', loaded['uefi'].properties[
            'hw_firmware_type'])
        self.assertIn('linux-virtio', loaded)

    def test_values_stay_the_strings_written(self):
        self.write('p.yaml', 'properties:\n  hw_qemu_guest_agent: yes\n'
                             '  hw_vif_multiqueue_enabled: true\n'
                             '  hw_video_ram: 64\n')
        props = profiles.load_profiles([self.dir])['p'].properties
        self.assertEqual({'hw_qemu_guest_agent': 'yes',
                          'hw_vif_multiqueue_enabled': 'true',
                          'hw_video_ram': '64'}, props)

    def test_bad_files(self):
        cases = {
            'list.yaml': ('- a\n', 'is not of type'),
            'novalues.yaml': ('description: x\n', "'properties' is a "
                                                  'required property'),
            'nested.yaml': ('properties:\n  a: [1, 2]\n',
                            'properties/a'),
            'extra.yaml': ('properties: {a: b}\nprofile: x\n',
                           'Additional properties'),
            'syntax.yaml': ('properties: {a: b\n', 'not valid YAML'),
            'empty.yaml': ('properties: {}\n', 'properties'),
        }
        for name, (text, expected) in cases.items():
            path = self.write(name, text)
            exc = self.assertRaises(profiles.ProfileError,
                                    profiles.load_profile, path)
            self.assertIn(path, str(exc), name)
            self.assertIn(expected, str(exc), name)
            os.unlink(path)

    def test_long_key(self):
        path = self.write('long.yaml', 'properties:\n  %s: x\n' % ('k' * 256))
        exc = self.assertRaises(profiles.ProfileError, profiles.load_profile,
                                path)
        self.assertIn('too long', str(exc))

    def test_missing_directories_are_skipped(self):
        self.assertEqual({}, profiles.load_profiles(['/nonexistent']))


class TestMerge(testtools.TestCase):

    def setUp(self):
        super().setUp()
        self.p = {
            'a': profiles.Profile('a', '', {'x': '1', 'y': '1'}, 'a.yaml'),
            'b': profiles.Profile('b', '', {'y': '2'}, 'b.yaml'),
        }

    def test_later_profiles_win(self):
        self.assertEqual({'x': '1', 'y': '2'}, profiles.merge(['a', 'b'],
                                                              self.p))
        self.assertEqual({'x': '1', 'y': '1'}, profiles.merge(['b', 'a'],
                                                              self.p))
        self.assertEqual({}, profiles.merge([], self.p))

    def test_merge_does_not_modify_profiles(self):
        profiles.merge(['a', 'b'], self.p)
        self.assertEqual({'x': '1', 'y': '1'}, self.p['a'].properties)

    def test_unknown_names_all_listed(self):
        exc = self.assertRaises(profiles.ProfileError, profiles.merge,
                                ['a', 'nope', 'zip'], self.p)
        self.assertIn('nope, zip', str(exc))
        self.assertIn('available: a, b', str(exc))
