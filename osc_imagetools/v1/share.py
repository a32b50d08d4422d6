"""openstack image share-accept / openstack image share list"""

from osc_imagetools.v1 import base


class AcceptShares(base.Lister):
    """Accept, reject or reset incoming image shares in bulk."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument('images', metavar='<image>', nargs='*',
                            help='Image(s) shared with the project')
        return parser

    def take_action(self, parsed_args):
        raise base.UsageError('image share-accept is not implemented yet')


class ListShares(base.Lister):
    """List images shared with the project, in any member status."""

    def take_action(self, parsed_args):
        raise base.UsageError('image share list is not implemented yet')
