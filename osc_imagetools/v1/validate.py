"""openstack image validate"""

from osc_imagetools.v1 import base


class ValidateImage(base.Lister):
    """Validate image properties against the cloud's schema and metadefs."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument('images', metavar='<image>', nargs='*',
                            help='Image(s) to validate (name or ID)')
        return parser

    def take_action(self, parsed_args):
        raise base.UsageError('image validate is not implemented yet')
