"""openstack image share-accept / openstack image share list

Both work on the images shared with a project (the token's, or ``--project``
for an admin), in any member status. The costs in requests are described in
:mod:`osc_imagetools.cloud.members`.
"""

from osc_imagetools.v1 import base

STATUS_CHOICES = ('pending', 'accepted', 'rejected', 'all')


def _add_project_options(parser):
    parser.add_argument(
        '--owner', metavar='<project>',
        help='Only images owned by this project (ID, or name when Keystone '
             'lets you look names up, as an admin can; otherwise the value '
             'is taken as an ID)')
    parser.add_argument(
        '--project', metavar='<project>',
        help="Act for this member project (name or ID; admin only). "
             "Default: the token's project")


class _Shares:
    """What both commands need before they talk about shares."""

    def incoming(self, parsed_args, statuses=None):
        """``(proxy, project_id, owner_id, shares)``."""
        from osc_imagetools import cloud
        from osc_imagetools.cloud import members
        from osc_imagetools import sharing

        proxy = self.image_proxy()
        caller = members.Caller.of(self.app)
        project, owner = caller.project_id, None
        if parsed_args.project:
            project = self._project(members, parsed_args.project, caller)
        elif project is None:
            raise cloud.CloudError('the token does not say its project '
                                   '(bare token and endpoint): give --project')
        if parsed_args.owner:
            owner = self._project(members, parsed_args.owner, caller)
        # an admin's listing ignores member_status; another project's shares
        # are not in the caller's listing: ask each image's member instead
        via_members = caller.is_admin or project != caller.project_id
        # (an unknown caller, project_id None, also goes that way)
        try:
            shares = members.list_shares(
                proxy, project, statuses or sharing.STATUSES, owner,
                via_members=via_members)
        except cloud.CloudError as exc:
            raise cloud.CloudError(
                'cannot list the images shared with project %s: %s'
                % (project, exc)) from None
        return proxy, project, owner, shares

    def _project(self, members, value, caller):
        project_id, note = members.resolve_project(self.app, value, caller)
        if note:
            self.app.stderr.write('warning: %s\n' % note)
        return project_id


class AcceptShares(_Shares, base.Lister):
    """Accept, reject or reset incoming image shares in bulk.

    Prints a row per image; exits 1 after processing every image when any
    failed ("N of M images failed" on stderr), 2 on a usage error.
    """

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument(
            'images', metavar='<image>', nargs='*',
            help='Image(s) shared with the project, by ID or name; names '
                 'resolve among shares in any member status')
        parser.add_argument(
            '--all', action='store_true',
            help='Every image shared with the project whose member status '
                 'differs from the target one')
        _add_project_options(parser)
        parser.add_argument(
            '--name-prefix', metavar='<prefix>',
            help='Only images whose name starts with this prefix')
        target = parser.add_mutually_exclusive_group()
        target.add_argument(
            '--reject', action='store_true',
            help='Set the member status to rejected (default: accepted)')
        target.add_argument(
            '--pending', action='store_true',
            help='Set the member status back to pending')
        parser.add_argument(
            '--dry-run', action='store_true',
            help='Show what would change; change nothing')
        return parser

    def take_action(self, parsed_args):
        if bool(parsed_args.images) == bool(parsed_args.all):
            raise base.UsageError(
                'give image(s) or --all (not both)' if parsed_args.all
                else 'give image(s) or --all')
        from osc_imagetools.cloud import members
        from osc_imagetools.sharing import plan
        from osc_imagetools.sharing import select

        target = select.target_status(parsed_args.reject, parsed_args.pending)
        proxy, project, picks = self._picks(parsed_args, target)
        result = plan.Plan(picks, target, parsed_args.dry_run)
        result.record(members.set_status(proxy, result.write_ids, project,
                                         target))
        self.report_failures(result.failed, len(result.rows), 'images')
        return result.table()

    def _picks(self, parsed_args, target):
        """``(proxy, project, picks)``: the shares ``--all`` selects, or
        the named images resolved (unknown IDs asked about one by one)."""
        from osc_imagetools.cloud import members
        from osc_imagetools import sharing
        from osc_imagetools.sharing import select

        if parsed_args.all:
            # only the shares not yet in the target status: one listing less
            proxy, project, owner, shares = self.incoming(
                parsed_args, [s for s in sharing.STATUSES if s != target])
            return proxy, project, select.select_all(
                shares, target, owner, parsed_args.name_prefix)
        # names resolve among shares in every status
        proxy, project, owner, shares = self.incoming(parsed_args)
        picks = select.resolve(parsed_args.images, shares, owner,
                               parsed_args.name_prefix)
        lookups = [p.item for p in picks if p.lookup]
        if lookups:
            picks = select.complete(
                picks, members.get_shares(proxy, lookups, project))
        return proxy, project, picks


class ListShares(_Shares, base.Lister):
    """List images shared with the project, in any member status."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument(
            '--status', choices=STATUS_CHOICES, default='all',
            help='Only shares in this member status (default: all)')
        _add_project_options(parser)
        parser.add_argument(
            '--long', action='store_true',
            help='Add the membership\'s "Created At" and "Updated At" '
                 '(one extra request per image)')
        return parser

    def take_action(self, parsed_args):
        from osc_imagetools.cloud import members
        from osc_imagetools.sharing import plan

        statuses = (None if parsed_args.status == 'all'
                    else (parsed_args.status,))
        proxy, project, _, shares = self.incoming(parsed_args, statuses)
        if parsed_args.long:
            members.add_timestamps(proxy, shares, project)
        return plan.list_table(shares, long=parsed_args.long)
