"""The ``image prepare --manifest`` file: a JSON record of the run.

The output row (:meth:`~.report.Outcome.data`), the name, visibility and
tags of the create body, and the equivalent ``openstack image create``
command line, all from the one body of the request.
"""

import os


def build(request, outcome, body, file):
    """The manifest's data: ``outcome``'s row, steps and checks, and what
    ``body`` (the create body) says about the image to create from
    ``file``."""
    data = outcome.data()
    data['name'] = body.get('name')
    data['visibility'] = body.get('visibility')
    data['tags'] = list(body.get('tags', ()))
    data['openstack_command'] = request.create_command(body, file)
    return data


def write(path, data):
    """Write ``data`` to ``path`` (sorted keys, indented), atomically."""
    from osc_imagetools.metadef import files

    files.write_json(os.path.abspath(path), data, sort_keys=True, indent=2)
