"""Metadef files: loading (files and directories) and glance's file format.

The file format is the one glance ships in ``etc/metadefs/*.json`` and
``glance-manage db_load_metadefs`` reads: one namespace per file, with its
``resource_type_associations``, ``properties`` (a dict keyed by name),
``objects`` and ``tags`` nested.
"""

import errno
import hashlib
import json
import os
import re
import tempfile

from osc_imagetools import errors
from osc_imagetools import filemode

# Order of the keys in a written file: glance's own files use this order.
NAMESPACE_KEYS = ('namespace', 'display_name', 'description', 'visibility',
                  'protected', 'owner', 'resource_type_associations',
                  'properties', 'objects', 'tags')
PROPERTY_KEYS = ('title', 'description', 'operators', 'type', 'readonly',
                 'default', 'enum', 'items', 'minimum', 'maximum',
                 'minLength', 'maxLength', 'pattern', 'minItems', 'maxItems',
                 'uniqueItems', 'additionalItems')
OBJECT_KEYS = ('name', 'description', 'required', 'properties')
ASSOCIATION_KEYS = ('name', 'prefix', 'properties_target')

# Fields Glance adds to what it returns; never part of a file.
SERVER_FIELDS = frozenset(('created_at', 'updated_at', 'self', 'schema',
                           'owner'))


class FileError(errors.InputError):
    """A file that cannot be read as metadef JSON (one line)."""

    def __init__(self, path, message):
        super().__init__('%s: %s' % (path, message))
        self.path = path
        self.message = message


# -- reading ---------------------------------------------------------------

def expand_paths(paths):
    """The ``.json`` files named by ``paths`` (files as given, directories
    non-recursively, sorted), and a list of :class:`FileError` for paths
    that do not exist or directories without any ``.json`` file."""
    files, errors = [], []
    for path in paths:
        if os.path.isdir(path):
            found = sorted(os.path.join(path, f) for f in os.listdir(path)
                           if f.endswith('.json')
                           and os.path.isfile(os.path.join(path, f)))
            if not found:
                errors.append(FileError(path, 'no .json file in directory'))
            files.extend(found)
        elif os.path.isfile(path):
            files.append(path)
        else:
            errors.append(FileError(path, 'no such file or directory'))
    return files, errors


def load_file(path):
    """The JSON document in ``path``; :class:`FileError` if unreadable."""
    try:
        with open(path, 'rb') as f:
            data = f.read()
    except OSError as exc:
        raise FileError(path, exc.strerror or str(exc)) from None
    try:
        return json.loads(data.decode('utf-8'))
    except UnicodeDecodeError as exc:
        raise FileError(path, 'not UTF-8 text: %s' % exc.reason) from None
    except json.JSONDecodeError as exc:
        raise FileError(path, 'invalid JSON: %s (line %d column %d)'
                        % (exc.msg, exc.lineno, exc.colno)) from None
    except RecursionError:
        # found by fuzzing: '[[[[...' thousands deep
        raise FileError(path, 'invalid JSON: nested too deeply') from None


def load_paths(paths):
    """``([(path, document), ...], [FileError, ...])`` for every file named
    by ``paths``: every unreadable file is reported, not just the first."""
    docs, errors = [], []
    for arg in paths:  # errors in the order of the arguments
        files, errs = expand_paths([arg])
        errors.extend(errs)
        for path in files:
            try:
                docs.append((path, load_file(path)))
            except FileError as exc:
                errors.append(exc)
    return docs, errors


# -- writing ---------------------------------------------------------------

def _ordered(d, keys, drop=()):
    """``d`` with ``keys`` first (in that order), then the other keys
    sorted; None values and ``drop`` keys left out."""
    out = {k: d[k] for k in keys if d.get(k) is not None and k not in drop}
    for k in sorted(d):
        if k not in out and k not in drop and d[k] is not None:
            out[k] = d[k]
    return out


def _property(schema):
    # "name" duplicates the dict key (Glance stores it when a property is
    # created or replaced on its own)
    return _ordered(schema, PROPERTY_KEYS, drop=('name',))


def _properties(props):
    return {name: _property(props[name]) for name in sorted(props or {})}


def to_file_format(namespace):
    """``namespace`` (Glance's JSON of a namespace detail, or a file) in
    glance's file format: server fields (created_at, updated_at, owner,
    self, schema) removed, empty optional lists left out, keys in a stable
    order, objects, tags and associations sorted by name."""
    ns = _ordered(namespace, NAMESPACE_KEYS, drop=SERVER_FIELDS)
    assocs = [_ordered(a, ASSOCIATION_KEYS, drop=SERVER_FIELDS)
              for a in ns.pop('resource_type_associations', None) or []]
    props = _properties(ns.pop('properties', None))
    objects = []
    for obj in ns.pop('objects', None) or []:
        obj = _ordered(obj, OBJECT_KEYS, drop=SERVER_FIELDS)
        if not obj.get('required'):
            obj.pop('required', None)
        obj['properties'] = _properties(obj.get('properties'))
        objects.append(obj)
    tags = [{'name': t['name']} for t in ns.pop('tags', None) or []]
    rest = {k: ns.pop(k) for k in list(ns)
            if k not in NAMESPACE_KEYS}
    if assocs:
        ns['resource_type_associations'] = sorted(
            assocs, key=lambda a: a['name'])
    if props:
        ns['properties'] = props
    if objects:
        ns['objects'] = sorted(objects, key=lambda o: o['name'])
    if tags:
        ns['tags'] = sorted(tags, key=lambda t: t['name'])
    ns.update(rest)
    return ns


def file_name(namespace):
    """A file name for ``namespace`` that is safe on any file system:
    ``OS::Compute::Libvirt`` -> ``OS-Compute-Libvirt.json``."""
    base = re.sub(r'[^A-Za-z0-9._-]+', '-', namespace.replace('::', '-'))
    base = base.strip('.-') or 'namespace'
    return base + '.json'


def _holds_other_namespace(path, namespace):
    try:
        doc = load_file(path)
    except FileError:
        return True  # not ours to overwrite
    return not (isinstance(doc, dict) and doc.get('namespace') == namespace)


def write_json(path, doc, sort_keys=False, indent=4):
    """Write ``doc`` as indented JSON to ``path`` through a temporary file
    in the same directory and a rename, so a reader never sees half a
    file and a failure leaves nothing behind (metadef export, the saved
    catalog, prepare's manifest). The file gets the mode a new file gets
    under the umask (0666 minus the umask), like a file ``cp`` makes."""
    fd, tmp = tempfile.mkstemp(dir=os.path.dirname(path) or '.',
                               prefix='.imagetools-', suffix='.tmp')
    try:
        with os.fdopen(fd, 'w', encoding='utf-8') as f:
            json.dump(doc, f, indent=indent, sort_keys=sort_keys,
                      ensure_ascii=False)
            f.write('\n')
        # mkstemp made it 0600: the mode a new file gets under the umask
        filemode.honour_umask(tmp)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def unwritable_dir(path):
    """Why files cannot be written into directory ``path`` (created if
    missing), or ``None``: asked before a command reads the cloud, so an
    unwritable output directory is an input error like an unreadable input
    one. What the OS would say (``os.access`` on ``path``, or on the
    nearest existing parent it would be created in)."""
    probe = os.path.abspath(path)
    while not os.path.exists(probe):
        parent = os.path.dirname(probe)
        if parent == probe:
            break
        probe = parent
    if not os.path.isdir(probe):
        return os.strerror(errno.ENOTDIR)
    if not os.access(probe, os.W_OK | os.X_OK):
        return os.strerror(errno.EACCES)
    return None


def write_namespace_file(directory, namespace):
    """Write ``namespace`` in glance's file format into ``directory``
    (created if missing) and return the file's path.

    The file is written to a temporary name and renamed, so a reader never
    sees half a file. A file of the same name holding another namespace
    (``A::B`` and ``A-B`` map to the same name) is not overwritten: the
    name gets a short hash of the namespace instead."""
    doc = to_file_format(namespace)
    name = doc['namespace']
    os.makedirs(directory, exist_ok=True)
    path = os.path.join(directory, file_name(name))
    if os.path.exists(path) and _holds_other_namespace(path, name):
        digest = hashlib.sha256(name.encode('utf-8')).hexdigest()[:8]
        path = '%s-%s.json' % (path[:-len('.json')], digest)
    write_json(path, doc)
    return path
