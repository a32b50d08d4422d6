"""Planning image sharing: member statuses on both sides of a share.

Pure code over plain data (no I/O, no argparse): :mod:`.select` finds the
incoming shares a command line names, :mod:`.plan` turns them into result
rows, :mod:`.producer` plans the owner's side (adding and removing member
projects).

A *share* is a dict describing one image shared with a project, as
:mod:`osc_imagetools.cloud.members` builds it::

    {'id': ..., 'name': ..., 'owner': ..., 'status': 'pending',
     'created_at': ..., 'updated_at': ...}   # membership timestamps, optional

``status`` is the project's member status: ``pending``, ``accepted`` or
``rejected``.
"""

import re

STATUSES = ('pending', 'accepted', 'rejected')

# The one rule for "this value is an ID, not a name", for images and
# projects alike: Glance image IDs are UUIDs (dashed), Keystone's SQL
# backend makes project IDs of uuid4().hex (32 hex digits, no dashes). A
# regular expression rather than uuid.UUID(), which also takes "{...}" and
# "urn:uuid:..." forms that neither service hands out.
_ID = re.compile(r'[0-9a-fA-F]{8}(-?)[0-9a-fA-F]{4}\1[0-9a-fA-F]{4}\1'
                 r'[0-9a-fA-F]{4}\1[0-9a-fA-F]{12}')


def looks_like_id(text):
    """Whether ``text`` has the shape of an image or project ID."""
    return isinstance(text, str) and _ID.fullmatch(text) is not None


def incoming(shares, project):
    """The shares that are really incoming for ``project``: the images it
    does not own. Glance's ``visibility=shared`` listing also returns the
    caller's own shared images, whatever ``member_status`` asks for."""
    return [s for s in shares if s.get('owner') != project]
