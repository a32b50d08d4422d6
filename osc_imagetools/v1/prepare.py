"""openstack image prepare"""

from osc_imagetools.v1 import base


class PrepareImage(base.ShowOne):
    """Inspect, check, convert, hash and upload a local disk image."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument('file', metavar='<file>',
                            help='Local disk image file')
        return parser

    def take_action(self, parsed_args):
        raise base.UsageError('image prepare is not implemented yet')
