"""openstack image metadef sync"""

from osc_imagetools.v1 import base


class SyncMetadefs(base.Lister):
    """Make the cloud's metadef catalog match metadef JSON files."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument('paths', metavar='<path>', nargs='*',
                            help='Metadef JSON files or directories')
        return parser

    def take_action(self, parsed_args):
        raise base.UsageError('image metadef sync is not implemented yet')
