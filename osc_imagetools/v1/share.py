"""The ``openstack image share`` family.

The consumer's side works on the images shared with a project (the
token's, or ``--project`` for an admin), in any member status:
``image share accept|reject|pending`` (and ``image share-accept``, the same
command with ``--reject``/``--pending``), ``image share list``. The owner's
side adds and removes member projects: ``image share add|remove``, and
``image share list --outgoing``. The costs in requests are described in
:mod:`osc_imagetools.cloud.members`.

Every verb of the family is registered, and ``image share`` itself is a
command that only refuses: cliff matches partial names, so without it
``openstack image share rejct X`` would run ``image share-accept`` on
``rejct`` and ``X``. For the same reason the family runs only under its
full names (``image share acc X`` is a usage error, not ``accept``).
"""

from osc_imagetools.v1 import base

STATUS_CHOICES = ('pending', 'accepted', 'rejected', 'all')
VERBS = ('accept', 'reject', 'pending', 'list', 'add', 'remove')
NAMES = frozenset(['image share-accept'] + ['image share ' + v for v in VERBS])


def _add_project_options(parser, owner=True):
    if owner:
        parser.add_argument(
            '--owner', metavar='<project>',
            help='Only images owned by this project (ID, or name when '
                 'Keystone lets you look names up, as an admin can)')
    parser.add_argument(
        '--project', metavar='<project>',
        help="Act for this project (name or ID; admin only). "
             "Default: the token's project")


class _Family:
    """Runs only under a full name of the family (see the module
    docstring), then :meth:`act`."""

    def take_action(self, parsed_args):
        if self.cmd_name and self.cmd_name not in NAMES:
            raise base.UsageError(
                '%r is not a command: the image share commands are %s'
                % (self.cmd_name, ', '.join(sorted(NAMES))))
        return self.act(parsed_args)

    def _project(self, members, value, caller):
        """The project ID of ``value``; one that cannot be resolved is an
        input error (:class:`~osc_imagetools.cloud.members.UnresolvedProject`,
        exit 2)."""
        return members.resolve_project(self.cloud().sdk_connection, value,
                                       caller)

    def _caller_project(self, members, parsed_args):
        """``(caller, project_id)``: the token's, or ``--project``'s."""
        from osc_imagetools import cloud

        caller = self.cloud().caller()
        if parsed_args.project:
            return caller, self._project(members, parsed_args.project,
                                         caller)
        if caller.project_id is None:
            raise cloud.CloudError('the token does not say its project '
                                   '(bare token and endpoint): give --project')
        return caller, caller.project_id


class ShareVerbs(base.Command):
    """The image share commands: accept, reject, pending, list, add, remove.

    ``openstack image share <verb> --help`` describes each. This command
    itself only reports a usage error (exit 2) and sends nothing: it is what
    ``image share <word>`` runs when <word> is not one of the verbs.
    """

    def get_parser(self, prog_name):
        import argparse

        parser = super().get_parser(prog_name)
        parser.add_argument('verb', metavar='<verb>', nargs='?',
                            help='One of: %s' % ', '.join(VERBS))
        parser.add_argument('rest', nargs=argparse.REMAINDER,
                            help=argparse.SUPPRESS)
        return parser

    def take_action(self, parsed_args):
        if parsed_args.verb is None:
            raise base.UsageError('give a verb: %s' % ', '.join(VERBS))
        raise base.UsageError(
            'unknown command "image share %s": the verbs are %s'
            % (parsed_args.verb, ', '.join(VERBS)))


class _Shares(_Family):
    """What the consumer's commands need before they talk about shares."""

    def incoming(self, parsed_args, statuses=None):
        """``(proxy, project_id, owner_id, shares)``: the images shared with
        the project and owned by another one."""
        from osc_imagetools import cloud
        from osc_imagetools.cloud import members
        from osc_imagetools import sharing

        proxy = self.image_proxy()
        caller, project = self._caller_project(members, parsed_args)
        owner = None
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
        return proxy, project, owner, sharing.incoming(shares, project)


class AcceptShares(_Shares, base.Lister):
    """Accept, reject or reset incoming image shares in bulk.

    Prints a row per image; exits 1 after processing every image when any
    failed ("N of M images failed" on stderr), 2 on a usage error.
    """

    TARGET = None  # the verbs fix it; share-accept has --reject/--pending

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
        if self.TARGET is None:
            target = parser.add_mutually_exclusive_group()
            target.add_argument(
                '--reject', action='store_true',
                help='Set the member status to rejected (default: '
                     'accepted); same as image share reject')
            target.add_argument(
                '--pending', action='store_true',
                help='Set the member status back to pending; same as '
                     'image share pending')
        parser.add_argument(
            '--dry-run', action='store_true',
            help='Show what would change; change nothing')
        return parser

    def target(self, parsed_args):
        from osc_imagetools.sharing import select

        return self.TARGET or select.target_status(parsed_args.reject,
                                                   parsed_args.pending)

    def act(self, parsed_args):
        if parsed_args.images and parsed_args.all:
            raise base.UsageError('give image(s) or --all (not both)')
        if not (parsed_args.images or parsed_args.all or parsed_args.owner
                or parsed_args.name_prefix):
            raise base.UsageError(
                'give image(s), --all, --owner or --name-prefix')
        from osc_imagetools.cloud import members
        from osc_imagetools.sharing import plan

        target = self.target(parsed_args)
        proxy, project, picks = self._picks(parsed_args, target)
        result = plan.Plan(picks, target, parsed_args.dry_run)
        result.record(members.set_status(proxy, result.write_ids, project,
                                         target))
        self.report_failures(result.failed, len(result.rows), 'images')
        return result.table()

    def _picks(self, parsed_args, target):
        """``(proxy, project, picks)``: the shares ``--all`` (or the filters
        alone) select, or the named images resolved (unknown IDs asked
        about one by one)."""
        from osc_imagetools.cloud import members
        from osc_imagetools import sharing
        from osc_imagetools.sharing import select

        if not parsed_args.images:
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


class AcceptVerb(AcceptShares):
    """Accept incoming image shares in bulk (image share-accept).

    Prints a row per image; exits 1 after processing every image when any
    failed ("N of M images failed" on stderr), 2 on a usage error.
    """

    TARGET = 'accepted'


class RejectVerb(AcceptShares):
    """Reject incoming image shares in bulk (image share-accept --reject).

    Prints a row per image; exits 1 after processing every image when any
    failed ("N of M images failed" on stderr), 2 on a usage error.
    """

    TARGET = 'rejected'


class PendingVerb(AcceptShares):
    """Return incoming image shares to pending in bulk (image share-accept
    --pending).

    Prints a row per image; exits 1 after processing every image when any
    failed ("N of M images failed" on stderr), 2 on a usage error.
    """

    TARGET = 'pending'


class ListShares(_Shares, base.Lister):
    """List images shared with the project, or (--outgoing) its own shared
    images with every member."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument(
            '--status', choices=STATUS_CHOICES, default='all',
            help='Only shares (members with --outgoing) in this member '
                 'status (default: all)')
        _add_project_options(parser)
        parser.add_argument(
            '--outgoing', action='store_true',
            help="The project's own shared images instead, one row per "
                 "member project with its status (not with --owner)")
        parser.add_argument(
            '--long', action='store_true',
            help='Add the membership\'s "Created At" and "Updated At" '
                 '(incoming: one extra request per image)')
        return parser

    def act(self, parsed_args):
        if parsed_args.outgoing and parsed_args.owner:
            raise base.UsageError('--owner lists incoming shares: not with '
                                  '--outgoing (use --project)')
        from osc_imagetools.cloud import members
        from osc_imagetools.sharing import plan

        statuses = (None if parsed_args.status == 'all'
                    else (parsed_args.status,))
        if parsed_args.outgoing:
            return self._outgoing(parsed_args, statuses)
        proxy, project, _, shares = self.incoming(parsed_args, statuses)
        if parsed_args.long:
            members.add_timestamps(proxy, shares, project)
        return plan.list_table(shares, long=parsed_args.long)

    def _outgoing(self, parsed_args, statuses):
        from osc_imagetools.cloud import members
        from osc_imagetools.sharing import producer

        proxy = self.image_proxy()
        _, project = self._caller_project(members, parsed_args)
        images = members.list_owned_shared(proxy, project)
        held = members.get_members(proxy, [i['id'] for i in images])
        unread = [i for i, m in held.items() if isinstance(m, str)]
        for image_id in unread:
            self.app.stderr.write('cannot read the members of image %s: %s\n'
                                  % (image_id, held[image_id]))
        self.report_failures(len(unread), len(images), 'images')
        return producer.outgoing_table(images, held, statuses,
                                       long=parsed_args.long)


class _Members(_Family, base.Lister):
    """``image share add|remove``: member projects of the owner's images."""

    ACTION = None

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument(
            'images', metavar='<image>', nargs='+',
            help='Image(s) of yours, by ID or name (names resolve among '
                 'the images your project owns)')
        parser.add_argument(
            '--project', metavar='<project>', action='append',
            required=True,
            help='Member project, by ID or name (names need an account '
                 'that Keystone lets look them up, as an admin); repeat '
                 'for several')
        parser.add_argument(
            '--dry-run', action='store_true',
            help='Show what would change; change nothing')
        return parser

    def act(self, parsed_args):
        from osc_imagetools.cloud import members
        from osc_imagetools.sharing import producer

        proxy = self.image_proxy()
        caller = self.cloud().caller()
        projects = [self._project(members, p, caller)
                    for p in parsed_args.project]
        targets = self._targets(proxy, members, producer, parsed_args,
                                caller.project_id)
        readable = [t for t in targets if t.image and not t.error
                    and t.members is None]
        held = members.get_members(proxy, [t.image['id'] for t in readable])
        for t in readable:
            got = held[t.image['id']]
            if isinstance(got, str):
                t.error = 'cannot read its members: ' + got
            else:
                t.members = got
        result = producer.MemberPlan(self.ACTION, targets, projects,
                                     parsed_args.dry_run)
        write = (members.add_members if self.ACTION == producer.ADD
                 else members.remove_members)
        result.record(write(proxy, result.pairs))
        self.report_failures(result.failed, len(result.rows), 'memberships')
        return result.table()

    def _targets(self, proxy, members, producer, parsed_args, owner):
        """A :class:`~osc_imagetools.sharing.producer.Target` per distinct
        image named."""
        found, problems = members.find_images(proxy, parsed_args.images,
                                              owner)
        targets, seen = [], set()
        for ref in parsed_args.images:
            if ref in problems:
                targets.append(producer.Target(ref, error=problems[ref]))
            elif found[ref]['id'] not in seen:
                seen.add(found[ref]['id'])
                targets.append(producer.Target(ref, image=found[ref]))
        return self.visibility(proxy, members, producer, parsed_args,
                               targets)

    def visibility(self, proxy, members, producer, parsed_args, targets):
        for t in targets:
            if t.image and producer.not_shared(t.image):
                t.error = producer.not_shared(t.image, self.ACTION)
        return targets


class AddMembers(_Members):
    """Share images with projects: add member projects in bulk.

    One row per (image, project): an existing member is "unchanged", a new
    one starts "pending" until the project accepts it. Exits 1 after
    processing every pair when any failed ("N of M memberships failed" on
    stderr), 2 on a usage error (an unknown project among them).
    """

    ACTION = 'add'

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument(
            '--set-shared', action='store_true',
            help='Make images whose visibility is not "shared" shared '
                 'first (said on stderr); without it they fail')
        return parser

    def visibility(self, proxy, members, producer, parsed_args, targets):
        if not parsed_args.set_shared:
            return super().visibility(proxy, members, producer, parsed_args,
                                      targets)
        change = [t for t in targets if t.image and not t.error
                  and producer.not_shared(t.image)]
        outcomes = ([None] * len(change) if parsed_args.dry_run
                    else members.make_shared(proxy,
                                             [t.image['id'] for t in change]))
        for t, reason in zip(change, outcomes):
            what = 'image %s (%s): visibility %s -> shared' % (
                t.image['id'], t.image.get('name') or '',
                t.image.get('visibility'))
            if reason:
                t.error = 'cannot make it shared: ' + reason
                continue
            self.app.stderr.write(
                ('would set %s\n' if parsed_args.dry_run else 'set %s\n')
                % what)
            if parsed_args.dry_run:
                t.members = {}  # not readable until it is shared
            else:
                t.image['visibility'] = 'shared'
        return targets


class RemoveMembers(_Members):
    """Stop sharing images with projects: remove member projects in bulk.

    One row per (image, project): a project that is not a member is
    "unchanged". Exits 1 after processing every pair when any failed ("N of
    M memberships failed" on stderr), 2 on a usage error (an unknown project
    among them).
    """

    ACTION = 'remove'
