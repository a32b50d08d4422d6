"""Constants written once, for the command modules and the engines alike.

The command modules (``osc_imagetools.v1``) are imported by OSC to build a
command's ``--help``; they may import this module at module level because it
imports nothing. The engines import the same names from here, so each list
is written in one place.
"""

GiB = 1024 ** 3

# Glance disk formats ``image prepare --convert-to`` (qemu-img convert) can
# write; each is also the file name extension of a converted file
CONVERT_TARGETS = ('raw', 'qcow2', 'vmdk', 'vdi', 'vhd', 'vhdx')

# the visibilities of an image (``image prepare --visibility``)
VISIBILITIES = ('public', 'private', 'shared', 'community')

# the import method ``image prepare --import-method`` offers
IMPORT_METHODS = ('glance-direct',)

# the columns of a guest check row (``image prepare --guest-only``)
GUEST_COLUMNS = ('Check', 'Status', 'Path', 'Detail', 'Fix')

# the tag an uploaded image gets when Glance's checksums differ from ours
MISMATCH_TAG = 'osc-imagetools:checksum-mismatch'
