"""Planning member-status changes on incoming image shares.

Pure code over plain data (no I/O, no argparse): :mod:`.select` finds the
shares a command line names, :mod:`.plan` turns them into result rows.

A *share* is a dict describing one image shared with a project, as
:mod:`osc_imagetools.cloud.members` builds it::

    {'id': ..., 'name': ..., 'owner': ..., 'status': 'pending',
     'created_at': ..., 'updated_at': ...}   # membership timestamps, optional

``status`` is the project's member status: ``pending``, ``accepted`` or
``rejected``.
"""

STATUSES = ('pending', 'accepted', 'rejected')
