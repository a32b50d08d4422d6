"""Validation of image properties: pure functions and classes over plain data.

* :mod:`.engine` - :class:`~.engine.Validator`, the one entry point:
  properties in, :class:`~.engine.Finding` rows out;
* :mod:`.catalog` - the metadef catalog indexed by image property name
  (association prefix + property name, object properties included);
* :mod:`.values` - a string value against a metadef property definition
  (type, enum, minimum/maximum, lengths, pattern, array items);
* :mod:`.schema` - core attributes against the live ``/v2/schemas/image``
  (jsonschema), read-only and reserved keys, key length, quota;
* :mod:`.nova` - how Nova reads each property (``data/nova-values.yaml``,
  generated from Nova by ``tools/gen-nova-table``), and the names known
  besides (``data/known-properties.yaml``);
* :mod:`.rules` - cross-property rules as data
  (``data/validation-rules.yaml`` plus user files);
* :mod:`.catalog_dir` - the offline catalog directory (``image-schema.json``
  + ``metadefs/*.json``): the only module here that reads or writes files.

Nothing here talks to Glance: :mod:`osc_imagetools.cloud` does.
"""
