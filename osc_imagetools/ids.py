"""The one rule for "this value is an ID, not a name".

Used for images and projects alike, by every command that takes a name or
an ID (``image validate``, the ``image share`` family):

* Glance's image IDs are dashed UUIDs (the ``id`` pattern of its image
  schema refuses anything else);
* Keystone's SQL backend makes project IDs of ``uuid4().hex`` (32 hex
  digits, no dashes); other backends may hand out dashed UUIDs.

So an ID is 32 hex digits, dashed as a UUID or not at all. An undashed
value never names an image, but Glance answers it like any unknown ID
(an empty ``id=in:`` listing, a 404 for ``GET /v2/images/{id}``), so the
value still falls back to a name lookup and the user reads the same
"not found" either way: one rule is simpler than two that differ by an
input no image can have. A regular expression rather than
``uuid.UUID()``, which also takes ``{...}`` and ``urn:uuid:...`` forms
that neither service hands out.

This module imports nothing but ``re``.
"""

import re

_ID = re.compile(r'[0-9a-fA-F]{8}(-?)[0-9a-fA-F]{4}\1[0-9a-fA-F]{4}\1'
                 r'[0-9a-fA-F]{4}\1[0-9a-fA-F]{12}')


def looks_like_id(text):
    """Whether ``text`` has the shape of an image or project ID."""
    return isinstance(text, str) and _ID.fullmatch(text) is not None
