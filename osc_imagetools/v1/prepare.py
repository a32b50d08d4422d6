"""openstack image prepare

From a disk image file to a verified image in Glance, in visible steps
(inspect, safety, convert, guest, properties, validate, hash, upload,
manifest). The pipeline lives in :mod:`osc_imagetools.prepare`
(:mod:`~osc_imagetools.prepare.steps` lists the steps); this module is the
command: the parser, the option checks, :func:`request_from_args` and a
short ``take_action``. It imports nothing heavy: the pipeline is imported
in ``take_action`` (no import-time cost for OSC).
"""

import os

from osc_imagetools import constants
from osc_imagetools.v1 import base

# options of OSC's "image set" that are properties here too
PROPERTY_OPTIONS = (('architecture', '--architecture', '<architecture>',
                     'Set architecture (e.g. x86_64, aarch64)'),
                    ('os_distro', '--os-distro', '<distro>',
                     'Set os_distro (e.g. ubuntu, windows)'),
                    ('os_version', '--os-version', '<version>',
                     'Set os_version (e.g. 24.04)'),
                    ('kernel_id', '--kernel-id', '<kernel-id>',
                     'Set kernel_id (ID of the kernel image to boot with)'),
                    ('ramdisk_id', '--ramdisk-id', '<ramdisk-id>',
                     'Set ramdisk_id (ID of the ramdisk image to boot '
                     'with)'))


class PrepareImage(base.ShowOne):
    """Inspect, check, convert, hash and upload a local disk image.

    Steps: inspect the real format (a --disk-format that disagrees with the
    content is refused), run the safety checks (backing/data files, VMDK
    extents, QED, unknown qcow2 features, polyglots) and qemu-img check,
    convert (--convert-to), check (and fix) the guest OS for cloud
    readiness (--guest-root, --inspect-guest, --fix-guest), derive and
    validate the properties, hash (md5 +
    sha512 in one read), write a manifest, and upload with verified
    checksums (--upload). An unsafe or mismatching image is refused (exit 1)
    before anything is converted or uploaded.
    """

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument('file', metavar='<file>',
                            help='Local disk image file')
        fmt = parser.add_argument_group('format and conversion')
        fmt.add_argument(
            '--disk-format', metavar='<format>',
            help='Format FILE is expected to have (raw, qcow2, vmdk, vdi, '
                 'vhd, vhdx, iso, ...); refused when the content disagrees. '
                 'Default: the detected format')
        fmt.add_argument(
            '--container-format', metavar='<format>', default='bare',
            help='Container format of the image (default: bare)')
        fmt.add_argument(
            '--convert-to', metavar='<format>',
            choices=constants.CONVERT_TARGETS,
            help='Convert with qemu-img to this format (%s) before hashing '
                 'and uploading' % ', '.join(constants.CONVERT_TARGETS))
        fmt.add_argument(
            '--output', metavar='<path>',
            help='Converted file (default: beside FILE, with the new '
                 'format as extension); with --inspect-guest --fix-guest '
                 'and no --convert-to, the fixed copy of FILE')
        fmt.add_argument(
            '--force', action='store_true',
            help='Overwrite an existing --output or --manifest file')
        props = parser.add_argument_group('properties')
        props.add_argument(
            '--profile', metavar='<name>', action='append', default=[],
            help='Apply a property profile (repeatable; later ones win): '
                 'shipped ones are linux-virtio, windows-virtio-scsi, uefi; '
                 'own ones in ~/.config/osc-imagetools/profiles/<name>.yaml')
        props.add_argument(
            '--property', metavar='<key=value>', action='append', default=[],
            help='Set a property (repeatable); wins over profiles')
        for key, opt, metavar, text in PROPERTY_OPTIONS:
            props.add_argument(opt, metavar=metavar, dest=key, help=text)
        props.add_argument(
            '--min-disk', metavar='<GiB>', type=_non_negative,
            help='Minimum disk size in GiB (default: the virtual size '
                 'rounded up)')
        props.add_argument(
            '--min-ram', metavar='<ram-mb>', type=_non_negative,
            help='Minimum RAM size needed to boot the image, in MiB')
        props.add_argument(
            '--catalog-dir', metavar='<dir>',
            help='Validate against the image schema and metadef catalog '
                 "in <dir> (as written by 'image validate --save-catalog') "
                 'instead of the cloud')
        props.add_argument(
            '--ignore', metavar='<rule>', action='append', default=[],
            help='Skip the validation findings of this rule id '
                 '(repeatable; see image validate)')
        gst = parser.add_argument_group(
            'guest checks (doc: guest-checks)')
        src = gst.add_mutually_exclusive_group()
        src.add_argument(
            '--guest-root', metavar='<dir>',
            help='Check the guest OS in this root tree (a mounted image, a '
                 'chroot, an extracted tarball) for cloud readiness')
        src.add_argument(
            '--inspect-guest', action='store_true',
            help='Check the guest OS inside the image file itself, '
                 'read-only, through libguestfs (package libguestfs-tools)')
        gst.add_argument(
            '--fix-guest', action='store_true',
            help='Apply the safe fixes: a --guest-root tree in place; an '
                 'image file on a copy written to --output (or the file '
                 'itself with --in-place; the --convert-to result, which '
                 'is a new file, in place)')
        gst.add_argument(
            '--in-place', action='store_true',
            help='With --inspect-guest --fix-guest: fix FILE itself '
                 'instead of a copy')
        gst.add_argument(
            '--guest-only', action='store_true',
            help='Run only the guest checks and print them as a table '
                 '(columns Check, Status, Path, Detail, Fix); FILE is not '
                 'hashed or uploaded')
        gst.add_argument(
            '--allow-guest-failures', action='store_true',
            help="Go on (and exit 0) when a guest check fails")
        out = parser.add_argument_group('output and upload')
        out.add_argument(
            '--manifest', metavar='<file.json>',
            help='Write a JSON manifest of the results, with the equivalent '
                 '"openstack image create" command line')
        out.add_argument(
            '--upload', metavar='<name>',
            help='Create image NAME in Glance, upload the file and verify '
                 'the checksums Glance computed')
        # OSC's image create spellings; one of them, or --visibility
        vis = out.add_mutually_exclusive_group()
        vis.add_argument('--visibility', choices=constants.VISIBILITIES,
                         help='Visibility of the uploaded image')
        for name, text in (
                ('public', 'accessible and visible to all users'),
                ('private', 'only accessible by the owner'),
                ('community', 'accessible by all users, listed only for '
                              'the owner'),
                ('shared', 'accessible by the owner and image members')):
            vis.add_argument('--' + name, dest='visibility',
                             action='store_const', const=name,
                             help='Same as --visibility %s: image %s'
                                  % (name, text))
        prot = out.add_mutually_exclusive_group()
        prot.add_argument('--protected', dest='is_protected',
                          action='store_true', default=None,
                          help='Prevent the uploaded image from being '
                               'deleted')
        prot.add_argument('--unprotected', dest='is_protected',
                          action='store_false', default=None,
                          help='Allow the uploaded image to be deleted '
                               "(Glance's default)")
        out.add_argument(
            '--project', metavar='<project>',
            help='Owner of the uploaded image (name or ID; setting '
                 "another project needs the cloud's permission, usually "
                 'admin)')
        out.add_argument(
            '--project-domain', metavar='<project-domain>',
            help='Domain the --project belongs to (name or ID)')
        out.add_argument('--tag', metavar='<tag>', action='append',
                         default=[], help='Tag the uploaded image '
                                          '(repeatable)')
        out.add_argument(
            '--unique-name', action='store_true',
            help='Refuse to upload when an image of that name already '
                 'exists (default: warn and upload another, as '
                 '"openstack image create" does)')
        out.add_argument(
            '--import-method', choices=constants.IMPORT_METHODS,
            help='Upload with the interoperable image import (stage, then '
                 'import) instead of a direct upload')
        out.add_argument(
            '--store', metavar='<store>', action='append', default=[],
            help='Store(s) to put the image in (multi-store clouds; several '
                 'need --import-method glance-direct)')
        out.add_argument(
            '--delete-on-mismatch', action='store_true',
            help="Delete the image when Glance's checksums differ from the "
                 'local ones (default: tag it %s)' % constants.MISMATCH_TAG)
        out.add_argument(
            '--no-progress', action='store_true',
            help='No progress display (it is only shown when stderr is a '
                 'terminal)')
        out.add_argument(
            '--dry-run', action='store_true',
            help='Do the read-only steps (inspect, checks, hash, '
                 'validation) but write no file and send nothing to the '
                 'cloud: the steps say what would be converted, fixed, '
                 'written and uploaded (in-place guest fixes are refused)')
        return parser

    def take_action(self, parsed_args):
        from osc_imagetools import progress
        from osc_imagetools.prepare import steps

        check_formatter(parsed_args,
                        self._formatter_plugins[parsed_args.formatter].obj)
        request = request_from_args(parsed_args)
        run = steps.Run(request, progress.Display.for_stream(
            self.app.stderr, parsed_args.no_progress), say=self._say,
            connect=self.cloud, has_cloud=self._has_cloud)
        if request.guest_only:
            return self._guest_only(run)
        # with --upload: credentials, targets and the name before any
        # output (steps.Abort, an OperationError: one line, no table)
        steps.connect(run)
        refused = steps.run_steps(run)
        if refused:
            self._refused(refused)
        return run.out.columns()

    def _guest_only(self, run):
        """--guest-only: the checks as rows (see produce_output)."""
        from osc_imagetools.prepare import steps

        try:
            report = steps.guest_only(run)
        except steps.Refused as exc:
            self._refused(exc)
            return constants.GUEST_COLUMNS, []
        if report.failed and not run.request.allow_guest_failures:
            self.app.stderr.write('%d of %d guest checks failed\n' % (
                len(report.failures), len(report.checks)))
            self.exit_code = base.EXIT_FAILED
        return constants.GUEST_COLUMNS, report.rows()

    def _refused(self, exc):
        """A refused image: the error line, and exit 1 after the rows
        (an error raised out of take_action would print no rows)."""
        self.app.stderr.write('openstack %s: error: %s\n'
                              % (self.cmd_name, exc))
        self.exit_code = base.EXIT_FAILED

    def _say(self, text):
        self.app.stderr.write('openstack %s: %s\n' % (self.cmd_name, text))

    def _has_cloud(self):
        """Whether OSC was given a cloud (``--os-cloud``, ``OS_AUTH_URL``,
        an endpoint): then validation reads the live schema and catalog."""
        cfg = self.app.client_manager.get_configuration()
        auth = cfg.get('auth') or {}
        return bool(cfg.get('auth_url') or auth.get('auth_url')
                    or cfg.get('endpoint') or auth.get('endpoint')
                    or cfg.get('image_endpoint_override'))

    def produce_output(self, parsed_args, column_names, data):
        """``--guest-only`` returns rows, not one record: a ShowOne cannot
        print a table, so the rows go to the formatter's ``emit_list``
        (cliff's table, json, yaml and value formatters serve both
        Lister and ShowOne; ``-f shell`` is refused in check_formatter)."""
        if not parsed_args.guest_only:
            return super().produce_output(parsed_args, column_names, data)
        names, selector = self._generate_columns_and_selector(
            parsed_args, column_names)
        if selector:
            data = [list(self._compress_iterable(row, selector))
                    for row in data]
        self.formatter.emit_list(names, data, self.app.stdout, parsed_args)
        return 0


# -- the arguments ----------------------------------------------------------
# Checks in their own functions: each raises UsageError (exit 2) and
# changes nothing; what they compute (the effective --output) is computed
# again by request_from_args, never written back into ``args``.

def request_from_args(args):
    """The :class:`~osc_imagetools.prepare.request.PrepareRequest` of
    ``args``, after :func:`check_options`; the user's properties are read
    (profiles, property options, --property) here, once."""
    from osc_imagetools.prepare import request

    check_options(args)
    props = request.user_properties(
        args.profile, {key: getattr(args, key)
                       for key, _o, _m, _t in PROPERTY_OPTIONS
                       if getattr(args, key)}, args.property)
    return request.PrepareRequest(
        file=args.file, disk_format=args.disk_format,
        container_format=args.container_format, convert_to=args.convert_to,
        output=effective_output(args), force=args.force,
        profiles=tuple(args.profile), properties=props,
        min_disk=args.min_disk, min_ram=args.min_ram,
        catalog_dir=args.catalog_dir, ignore=tuple(args.ignore),
        guest_root=args.guest_root, inspect_guest=args.inspect_guest,
        fix_guest=args.fix_guest, in_place=args.in_place,
        guest_only=args.guest_only,
        allow_guest_failures=args.allow_guest_failures,
        manifest=args.manifest, name=args.upload,
        visibility=args.visibility, protected=args.is_protected,
        project=args.project, project_domain=args.project_domain,
        tags=tuple(args.tag), unique_name=args.unique_name,
        import_method=args.import_method, stores=tuple(args.store),
        delete_on_mismatch=args.delete_on_mismatch, dry_run=args.dry_run)


def check_formatter(args, formatter):
    if args.guest_only and not hasattr(formatter, 'emit_list'):
        raise base.UsageError('-f %s cannot print the --guest-only '
                              'table' % args.formatter)


def check_options(args):
    """Every cross-check of the options, in the order they are reported."""
    check_upload_options(args)
    check_guest_options(args)
    check_output(args)
    if args.manifest:
        check_writable(args.manifest, args.force, '--manifest')


def check_upload_options(args):
    if not args.upload:
        for opt, value in (('--visibility', args.visibility),
                           ('--protected/--unprotected',
                            args.is_protected is not None),
                           ('--project', args.project),
                           ('--project-domain', args.project_domain),
                           ('--unique-name', args.unique_name),
                           ('--tag', args.tag),
                           ('--import-method', args.import_method),
                           ('--store', args.store),
                           ('--delete-on-mismatch', args.delete_on_mismatch)):
            if value:
                raise base.UsageError('%s needs --upload NAME' % opt)
    if len(args.store) > 1 and args.import_method != 'glance-direct':
        raise base.UsageError('several --store need --import-method '
                              'glance-direct')


def fix_copy(args):
    """Whether --fix-guest on the image file fixes a copy at --output."""
    return bool(args.fix_guest and args.inspect_guest and not args.in_place)


def check_guest_options(args):
    guest = bool(args.guest_root or args.inspect_guest)
    for opt, value in (('--fix-guest', args.fix_guest),
                       ('--guest-only', args.guest_only),
                       ('--allow-guest-failures', args.allow_guest_failures)):
        if value and not guest:
            raise base.UsageError('%s needs --guest-root DIR or '
                                  '--inspect-guest' % opt)
    if args.in_place and not (args.fix_guest and args.inspect_guest):
        raise base.UsageError('--in-place needs --inspect-guest --fix-guest '
                              '(a --guest-root tree is always fixed in '
                              'place)')
    if args.in_place and args.convert_to:
        raise base.UsageError('--in-place with --convert-to: the converted '
                              'file is fixed, not FILE; drop --in-place')
    if args.guest_root and not os.path.isdir(args.guest_root):
        raise base.UsageError('--guest-root %s is not a directory'
                              % args.guest_root)
    if args.guest_only:
        # FILE is not read with --guest-root, but it names the image the
        # tree belongs to: a missing one is a mistake all the same
        if not os.path.isfile(args.file):
            raise base.UsageError('%s: no such file' % args.file)
        for opt, value in (('--upload', args.upload),
                           ('--convert-to', args.convert_to),
                           ('--manifest', args.manifest)):
            if value:
                raise base.UsageError('%s makes no sense with --guest-only'
                                      % opt)
    if args.fix_guest and (args.guest_root or args.in_place) \
            and args.dry_run:
        raise base.UsageError('--dry-run with --fix-guest %s would change '
                              'files in place: drop one of them'
                              % ('on --guest-root' if args.guest_root
                                 else '--in-place'))


def effective_output(args):
    """The file a run writes besides the manifest: --output, or for
    --convert-to its default beside FILE; None when nothing is written."""
    if args.convert_to and not args.output:
        from osc_imagetools.imagefile import convert

        return convert.default_output(args.file, args.convert_to)
    return args.output


def check_output(args):
    copy = fix_copy(args)
    if args.output and not (args.convert_to or copy):
        raise base.UsageError('--output needs --convert-to (or '
                              '--inspect-guest --fix-guest)')
    output = effective_output(args)
    if copy and not args.convert_to:
        if not output:
            raise base.UsageError(
                '--fix-guest on an image file fixes a copy: give '
                '--output PATH (or --in-place)')
        if os.path.abspath(output) == os.path.abspath(args.file):
            raise base.UsageError('the fixed copy would overwrite %s: '
                                  'use --in-place' % args.file)
        check_writable(output, args.force, '--output')
    if args.convert_to:
        if os.path.abspath(output) == os.path.abspath(args.file):
            raise base.UsageError('the converted file would overwrite %s: '
                                  'give --output' % args.file)
        check_writable(output, args.force, '--output')


def check_writable(path, force, opt):
    if os.path.exists(path) and not force:
        raise base.UsageError('%s %s exists (use --force to overwrite)'
                              % (opt, path))
    parent = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(parent):
        raise base.UsageError('%s %s: directory %s does not exist'
                              % (opt, path, parent))


def _non_negative(text):
    import argparse

    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError('%r is not a whole number' % text)
    if value < 0:
        raise argparse.ArgumentTypeError('%r is negative' % text)
    return value
