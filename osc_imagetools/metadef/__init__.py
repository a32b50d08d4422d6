"""The metadef catalog as code: pure functions over plain dicts.

* :mod:`.files` - read metadef JSON files and directories, write glance's
  file format (``--export``);
* :mod:`.validate` - check files against the live ``/v2/schemas/metadefs/*``
  schemas and what Glance can store;
* :mod:`.normalize` - the comparable form of a namespace (server fields
  dropped, defaults filled in, values as Glance stores them);
* :mod:`.plan` - the changes that make the cloud match the files
  (merge, prefer-new, overwrite, prune).

Nothing here talks to Glance: :mod:`osc_imagetools.cloud.metadefs` does.
"""
