"""The ``image prepare`` pipeline, outside the command.

* :mod:`.request` - :class:`~.request.PrepareRequest`, what was asked, built
  once from the arguments, and the one Glance image-create body that
  validation, the upload, the manifest and the printed ``openstack image
  create`` line all use;
* :mod:`.steps` - each step a function over a :class:`~.steps.Run`, in order
  (inspect, safety, convert, guest, properties, validate, hash, upload,
  manifest), and the one way the pipeline reaches the cloud;
* :mod:`.report` - the outcome: the output row, the steps, the checks and
  the column classes that print them;
* :mod:`.manifest` - the JSON manifest.

The command (:mod:`osc_imagetools.v1.prepare`) parses and checks the
arguments, builds the request, runs :func:`.steps.run` and prints. Nothing
here is imported at ``openstack`` start-up.
"""
