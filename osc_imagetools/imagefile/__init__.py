"""Local disk image files: inspection, conversion and hashing.

* :mod:`.inspect` - what a file really is (oslo.utils ``format_inspector``):
  format, virtual size, safety check failures;
* :mod:`.convert` - ``qemu-img convert`` / ``qemu-img check``;
* :mod:`.hashing` - md5 + sha512 in one read pass, also as a streaming
  upload body.

These modules never talk to the cloud; import them inside ``take_action``.
"""
