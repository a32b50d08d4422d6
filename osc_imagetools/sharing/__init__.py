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

STATUSES = ('pending', 'accepted', 'rejected')


def incoming(shares, project):
    """The shares that are really incoming for ``project``: the images it
    does not own. Glance's ``visibility=shared`` listing also returns the
    caller's own shared images, whatever ``member_status`` asks for."""
    return [s for s in shares if s.get('owner') != project]
