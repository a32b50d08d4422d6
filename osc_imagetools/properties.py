"""Image properties given by the user: ``KEY=VALUE`` lists and files.

Pure functions (the only I/O is reading the file named by the user); the
commands turn :class:`PropertyError` into a usage error (exit 2).

Values are kept as the user wrote them:

* ``--property KEY=VALUE``: always strings (split on the first ``=``);
* YAML files are read with PyYAML's ``BaseLoader``, which resolves no
  implicit types, so ``hw_qemu_guest_agent: yes`` stays the string ``'yes'``
  that Glance would store (``safe_load`` would turn it into ``True``);
* JSON files keep JSON's types: a number or boolean given for a custom
  property is kept as such, and the validator reports it (Glance only
  stores strings for custom properties).

A ``prepare`` manifest (a mapping whose ``properties`` key is itself a
mapping) is accepted too: its ``properties`` plus the core attributes found
at its top level (``disk_format``, ``container_format``, ``min_disk``, ...).
"""

import json
import os

from osc_imagetools import errors

# core attributes a manifest may carry at its top level next to "properties"
MANIFEST_ATTRIBUTES = ('name', 'disk_format', 'container_format', 'min_disk',
                       'min_ram', 'visibility', 'protected', 'tags',
                       'os_hidden', 'architecture')
# how a manifest may spell the image's virtual size (bytes)
MANIFEST_VIRTUAL_SIZE = ('virtual_size', 'virtual size')


class PropertyError(errors.InputError):
    """Malformed property input (one line; the commands exit 2)."""


def parse_properties(items):
    """``['KEY=VALUE', ...]`` -> ``{KEY: VALUE}`` (later items win).

    The value may be empty or contain ``=``; the key may not be empty.
    """
    props = {}
    for item in items or ():
        key, sep, value = item.partition('=')
        key = key.strip()
        if not sep:
            raise PropertyError("property %r has no '=' (use KEY=VALUE)"
                                % item)
        if not key:
            raise PropertyError('property %r has an empty key (use KEY=VALUE)'
                                % item)
        props[key] = value
    return props


class PropertySet:
    """What a properties file holds: the properties and, for a manifest,
    the image's virtual size when it names one."""

    def __init__(self, properties, virtual_size=None, manifest=False):
        self.properties = properties
        self.virtual_size = virtual_size
        self.manifest = manifest


def read_properties_file(path):
    """Read a JSON or YAML mapping (or a ``prepare`` manifest) from ``path``
    -> :class:`PropertySet`. Raises :class:`PropertyError`."""
    try:
        with open(path, 'rb') as f:
            raw = f.read()
    except OSError as exc:
        raise PropertyError('cannot read properties file %s: %s'
                            % (path, exc.strerror or exc)) from None
    try:
        text = raw.decode('utf-8')
    except UnicodeDecodeError:
        raise PropertyError('properties file %s is not UTF-8 text'
                            % path) from None
    data = _parse(path, text)
    if not isinstance(data, dict):
        raise PropertyError(
            'properties file %s must hold a mapping of KEY: VALUE, not %s'
            % (path, _kind(data)))
    if isinstance(data.get('properties'), dict):
        return _from_manifest(path, data)
    _check_keys(path, data)
    return PropertySet(dict(data))


def load_properties_file(path):
    """The properties held by a JSON/YAML file or a ``prepare`` manifest."""
    return read_properties_file(path).properties


def _parse(path, text):
    ext = os.path.splitext(path)[1].lower()
    if ext == '.json' or (ext not in ('.yaml', '.yml')
                          and text.lstrip().startswith(('{', '['))):
        try:
            return json.loads(text)
        except ValueError as exc:
            raise PropertyError('properties file %s is not valid JSON: %s'
                                % (path, exc)) from None
        except RecursionError:
            # found by fuzzing: '[[[[...' thousands deep
            raise PropertyError('properties file %s is nested too deeply'
                                % path) from None
    import yaml  # not at import time: PyYAML is only needed for files
    try:
        # BaseLoader: every scalar stays the string the user wrote
        return yaml.load(text, Loader=yaml.BaseLoader)
    except yaml.YAMLError as exc:
        msg = ' '.join(str(exc).split())
        raise PropertyError('properties file %s is not valid YAML: %s'
                            % (path, msg)) from None
    except RecursionError:
        raise PropertyError('properties file %s is nested too deeply'
                            % path) from None


def _from_manifest(path, data):
    props = {}
    for key in MANIFEST_ATTRIBUTES:
        if data.get(key) not in (None, ''):
            props[key] = data[key]
    _check_keys(path, data['properties'])
    props.update(data['properties'])
    virtual_size = None
    for key in MANIFEST_VIRTUAL_SIZE:
        value = data.get(key)
        if value in (None, ''):
            continue
        try:
            virtual_size = int(value)
        except (TypeError, ValueError):
            raise PropertyError('manifest %s: %s %r is not a number of bytes'
                                % (path, key, value)) from None
        break
    return PropertySet(props, virtual_size, manifest=True)


def _check_keys(path, mapping):
    for key in mapping:
        if not isinstance(key, str) or not key:
            raise PropertyError('properties file %s: key %r is not a '
                                'property name' % (path, key))


def _kind(data):
    if data is None:
        return 'an empty document'
    if isinstance(data, list):
        return 'a list'
    return 'a %s' % type(data).__name__
