"""The offline catalog directory of ``image validate``.

Layout::

    DIR/image-schema.json     # GET /v2/schemas/image, as Glance returns it
    DIR/metadefs/*.json       # one namespace per file, glance's file format
                              # (what glance ships in etc/metadefs and what
                              # ``image metadef sync --export`` writes)

``--save-catalog DIR`` writes it from the live cloud; ``--catalog-dir DIR``
validates against it without credentials. The namespace files are read and
written with :mod:`osc_imagetools.metadef.files` (server-only fields such as
created_at, owner, self and schema are left out when writing).
"""

import os

from osc_imagetools import errors
from osc_imagetools.metadef import files as metadef_files

SCHEMA_FILE = 'image-schema.json'
METADEFS_DIR = 'metadefs'


class CatalogDirError(errors.InputError):
    """A catalog directory that cannot be read or written (one line): an
    input error (exit 2) either way; :func:`check_writable` finds an
    unwritable one before the cloud is read."""


def check_writable(path):
    """:class:`CatalogDirError` unless a catalog can be written to
    ``path``."""
    reason = metadef_files.unwritable_dir(path)
    if reason:
        raise CatalogDirError('cannot write catalog directory %s: %s'
                              % (path, reason))


def read_catalog_dir(path):
    """``(schema, namespaces)`` from catalog directory ``path``."""
    if not os.path.isdir(path):
        raise CatalogDirError('catalog directory %s does not exist' % path)
    schema_path = os.path.join(path, SCHEMA_FILE)
    if not os.path.isfile(schema_path):
        raise CatalogDirError(
            'catalog directory %s has no %s (write one with '
            '--save-catalog)' % (path, SCHEMA_FILE))
    try:
        schema = metadef_files.load_file(schema_path)
    except metadef_files.FileError as exc:
        raise CatalogDirError(str(exc)) from None
    if not isinstance(schema, dict) or not isinstance(
            schema.get('properties'), dict):
        raise CatalogDirError('%s is not an image schema (no "properties" '
                              'mapping)' % schema_path)
    metadefs = os.path.join(path, METADEFS_DIR)
    if not os.path.isdir(metadefs):
        raise CatalogDirError('catalog directory %s has no %s/ directory'
                              % (path, METADEFS_DIR))
    docs, errors = metadef_files.load_paths([metadefs])
    if errors:
        more = ' (and %d more)' % (len(errors) - 1) if len(errors) > 1 else ''
        raise CatalogDirError(str(errors[0]) + more)
    namespaces = []
    for doc_path, doc in docs:
        if not isinstance(doc, dict) or not isinstance(doc.get('namespace'),
                                                       str):
            raise CatalogDirError('%s: not a metadef namespace (no '
                                  '"namespace" name)' % doc_path)
        namespaces.append(doc)
    return schema, namespaces


def write_catalog_dir(path, schema, namespaces):
    """Write ``schema`` and ``namespaces`` into ``path`` (created if
    missing); return the number of namespace files written.

    Namespace files of an earlier save that are not part of this catalog
    any more are removed (so the directory is a snapshot, not a union);
    other files are left alone."""
    metadefs = os.path.join(path, METADEFS_DIR)
    try:
        os.makedirs(metadefs, exist_ok=True)
        written = {os.path.abspath(
            metadef_files.write_namespace_file(metadefs, ns))
            for ns in namespaces}
        for name in os.listdir(metadefs):
            old = os.path.abspath(os.path.join(metadefs, name))
            if (name.endswith('.json') and old not in written
                    and _is_namespace_file(old)):
                os.unlink(old)
        metadef_files.write_json(os.path.join(path, SCHEMA_FILE), schema,
                                 sort_keys=True)
    except OSError as exc:
        raise CatalogDirError('cannot write catalog directory %s: %s'
                              % (path, exc.strerror or exc)) from None
    return len(written)


def _is_namespace_file(path):
    try:
        doc = metadef_files.load_file(path)
    except metadef_files.FileError:
        return False
    return isinstance(doc, dict) and 'namespace' in doc
