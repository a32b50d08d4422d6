"""Property profiles: named sets of image properties kept as YAML data.

A profile is a file ``<name>.yaml``::

    description: Linux guest with virtio devices
    properties:
      hw_disk_bus: virtio
      hw_qemu_guest_agent: yes

Profiles ship in ``osc_imagetools/data/profiles``; a user's own live in
``$XDG_CONFIG_HOME/osc-imagetools/profiles`` (``~/.config/...``) and replace
a shipped profile of the same name. Files are read with PyYAML's
``BaseLoader``: every value stays the string written (``yes`` is ``'yes'``,
not ``True``), which is what Glance stores for a custom property.

Pure apart from reading the profile files; import inside ``take_action``.
"""

import dataclasses
import os

from osc_imagetools import errors

PACKAGE_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                           'data', 'profiles')
SUFFIXES = ('.yaml', '.yml')

PROFILE_SCHEMA = {
    'type': 'object',
    'required': ['properties'],
    'additionalProperties': False,
    'properties': {
        'description': {'type': 'string'},
        'properties': {
            'type': 'object',
            'minProperties': 1,
            # Glance: custom property keys of at most 255 characters,
            # values are strings
            'propertyNames': {'minLength': 1, 'maxLength': 255},
            'additionalProperties': {'type': 'string'},
        },
    },
}


class ProfileError(errors.InputError):
    """A bad profile file or an unknown profile name (one line)."""


@dataclasses.dataclass(frozen=True)
class Profile:
    name: str
    description: str
    properties: dict
    source: str


def user_dir(environ=None):
    environ = os.environ if environ is None else environ
    base = environ.get('XDG_CONFIG_HOME') or os.path.join(
        os.path.expanduser('~'), '.config')
    return os.path.join(base, 'osc-imagetools', 'profiles')


def default_dirs():
    """Shipped profiles first, then the user's (which win)."""
    return [PACKAGE_DIR, user_dir()]


def load_profile(path):
    """Read and check one profile file -> :class:`Profile`."""
    import jsonschema
    import yaml

    name = os.path.splitext(os.path.basename(path))[0]
    try:
        with open(path, encoding='utf-8') as f:
            data = yaml.load(f, Loader=yaml.BaseLoader)
    except OSError as exc:
        raise ProfileError('cannot read profile %s: %s'
                           % (path, exc.strerror or exc)) from None
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise ProfileError('profile %s is not valid YAML: %s'
                           % (path, ' '.join(str(exc).split()))) from None
    error = jsonschema.exceptions.best_match(
        jsonschema.Draft7Validator(PROFILE_SCHEMA).iter_errors(data))
    if error is not None:
        where = '/'.join(str(p) for p in error.absolute_path)
        raise ProfileError('profile %s: %s%s' % (
            path, '%s: ' % where if where else '', error.message))
    return Profile(name, data.get('description', ''),
                   dict(data['properties']), path)


def load_profiles(dirs=None):
    """``{name: Profile}`` from every ``*.yaml`` in ``dirs`` (a missing
    directory is skipped); a later directory's profile replaces an earlier
    one of the same name."""
    profiles = {}
    for directory in default_dirs() if dirs is None else dirs:
        try:
            names = sorted(os.listdir(directory))
        except FileNotFoundError:
            continue
        except OSError as exc:
            raise ProfileError('cannot read profile directory %s: %s'
                               % (directory, exc.strerror or exc)) from None
        for fname in names:
            if fname.endswith(SUFFIXES) and not fname.startswith('.'):
                profile = load_profile(os.path.join(directory, fname))
                profiles[profile.name] = profile
    return profiles


def merge(names, profiles):
    """The properties of the profiles ``names``, in order (a later profile's
    value wins). Unknown names -> :class:`ProfileError` listing them all."""
    unknown = [n for n in names if n not in profiles]
    if unknown:
        raise ProfileError('unknown profile(s): %s (available: %s)' % (
            ', '.join(unknown), ', '.join(sorted(profiles)) or 'none'))
    merged = {}
    for name in names:
        merged.update(profiles[name].properties)
    return merged
