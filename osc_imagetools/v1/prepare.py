"""openstack image prepare

From a disk image file to a verified image in Glance, in visible steps:

1. inspect   - real format and sizes (oslo.utils format_inspector); a
               --disk-format that disagrees with the content is refused
2. safety    - the inspector's safety checks, then ``qemu-img check``
3. convert   - ``qemu-img convert`` (--convert-to), then inspect the result
   guest      - the guest cloud-readiness checks (--guest-root,
               --inspect-guest; fixes with --fix-guest): they propose
               os_type/os_distro/os_version/hw_qemu_guest_agent
4. properties - disk/container format, min_disk, profiles, --property
               (over the guest's proposals), validated against the
               cloud's schema and metadefs; then a failed guest check
               stops here unless --allow-guest-failures
5. hash      - md5 + sha512 in one read (during the upload when uploading)
6. manifest  - JSON record of all of the above (--manifest)
7. upload    - create + stream once, then compare Glance's checksums

The engines live in :mod:`osc_imagetools.imagefile`,
:mod:`osc_imagetools.profiles`, :mod:`osc_imagetools.guest` and
:mod:`osc_imagetools.cloud.upload`;
they are imported in ``take_action`` (no import-time cost for OSC).
"""

import contextlib
import logging
import math
import os
import time

from cliff import columns

from osc_imagetools.v1 import base

LOG = logging.getLogger(__name__)

GiB = 1024 ** 3
CONVERT_TARGETS = ('raw', 'qcow2', 'vmdk', 'vdi', 'vhd', 'vhdx')
VISIBILITIES = ('public', 'private', 'shared', 'community')
# keys set by options rather than --property
OPTION_KEYS = {'name': '--upload NAME', 'disk_format': '--disk-format',
               'container_format': '--container-format',
               'min_disk': '--min-disk', 'visibility': '--visibility',
               'tags': '--tag', 'min_ram': '--min-ram',
               'protected': '--protected', 'owner': '--project',
               'id': None, 'status': None}
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

# the output: JSON keys of ``-f json`` are a stable interface
FIELDS = ('file', 'source', 'detected_format', 'virtual_size', 'actual_size',
          'disk_format', 'container_format', 'min_disk', 'md5', 'sha512',
          'properties', 'checks', 'steps', 'image_id', 'manifest', 'guest')
STEPS = ('inspect', 'safety', 'convert', 'guest', 'properties', 'hash',
         'upload', 'manifest')
# --guest-only prints the guest engine's rows (guest.COLUMNS) as a table
GUEST_COLUMNS = ('Check', 'Status', 'Path', 'Detail', 'Fix')


class Refused(Exception):
    """A step refused the image: rows are still printed, exit code 1."""

    def __init__(self, step, message):
        super().__init__(message)
        self.step = step


class Abort(Exception):
    """Nothing was done yet (no credentials, an unreachable cloud, a name
    taken under --unique-name): one line on stderr, no table, exit 1."""


class LinesColumn(columns.FormattableColumn):
    """A list of ``{name, status, detail}`` dicts (checks also have
    ``file``: ``source``, ``output`` or ``guest tree``, or None for the
    properties): one line each in a table, the list itself in JSON/YAML."""

    KEYS = ('name', 'status', 'detail')

    def human_readable(self):
        out = []
        for item in self._value or ():
            name = item['name']
            if item.get('file'):
                name = '%s [%s]' % (name, item['file'])
            line = '%s: %s' % (name, item['status'])
            if item.get('detail'):
                line += ' (%s)' % item['detail']
            out.append(line)
        return '\n'.join(out)

    def machine_readable(self):
        return [dict(item) for item in self._value or ()]


class DictColumn(columns.FormattableColumn):
    def human_readable(self):
        return '\n'.join('%s=%s' % kv for kv in sorted(
            (self._value or {}).items()))

    def machine_readable(self):
        return dict(self._value or {})


class GuestColumn(columns.FormattableColumn):
    """The guest step's summary: what was read, the OS, the proposed
    properties and every change made by the fixes."""

    def human_readable(self):
        value = self._value
        if not value:
            return ''
        osi = value.get('os') or {}
        lines = ['%s: %s' % (value['mode'], value['source']),
                 'os: %s' % (osi.get('name') or osi.get('id')
                             or osi.get('kind') or 'unknown')]
        lines += ['proposed %s=%s' % kv
                  for kv in sorted(value['properties'].items())]
        for change in value['changes']:
            line = 'changed: %s %s' % (change['action'], change['path'])
            if change.get('detail'):
                line += ' (%s)' % change['detail']
            lines.append(line)
        return '\n'.join(lines)

    def machine_readable(self):
        return dict(self._value) if self._value else None


def human_size(n):
    for unit in ('B', 'KiB', 'MiB', 'GiB', 'TiB'):
        if n < 1024 or unit == 'TiB':
            return ('%d %s' if unit == 'B' else '%.1f %s') % (n, unit)
        n /= 1024.0


class Outcome:
    """What the steps found: the output row, the steps' statuses and the
    checks run."""

    def __init__(self, path, guest=False):
        self.row = dict.fromkeys(FIELDS)
        self.row['source'] = self.row['file'] = path
        self.row['properties'] = {}
        self.steps = {name: {'name': name, 'status': 'skipped', 'detail': ''}
                      for name in STEPS}
        # the guest step is listed only when asked for (--guest-root,
        # --inspect-guest): the steps of a plain run stay as they were
        self.names = [s for s in STEPS if guest or s != 'guest']
        self.checks = []
        # which file the next checks are about: the source, then the
        # converted (or fixed) output
        self.role = 'source'

    def step(self, name, status, detail=''):
        self.steps[name] = {'name': name, 'status': status, 'detail': detail}

    def check(self, name, status, detail='', file=True):
        """``file``: True for the current file (:attr:`role`), or a role,
        or None (a check of the properties, not of a file)."""
        self.checks.append({'name': name, 'status': status, 'detail': detail,
                            'file': self.role if file is True else file})

    def describe(self, info):
        self.row.update(file=info.path, detected_format=info.detected,
                        virtual_size=info.virtual_size,
                        actual_size=info.actual_size)

    def data(self):
        """Plain data (the manifest, and ``-f json``)."""
        data = dict(self.row)
        data['checks'] = [dict(c) for c in self.checks]
        data['steps'] = [dict(self.steps[s]) for s in self.names]
        return data

    def columns(self):
        data = self.data()
        data['properties'] = DictColumn(data['properties'])
        data['checks'] = LinesColumn(data['checks'])
        data['steps'] = LinesColumn(data['steps'])
        data['guest'] = GuestColumn(data['guest'])
        return FIELDS, tuple(data[f] for f in FIELDS)


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

    proxy = None

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
            '--convert-to', metavar='<format>', choices=CONVERT_TARGETS,
            help='Convert with qemu-img to this format (%s) before hashing '
                 'and uploading' % ', '.join(CONVERT_TARGETS))
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
        vis.add_argument('--visibility', choices=VISIBILITIES,
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
            '--import-method', choices=('glance-direct',),
            help='Upload with the interoperable image import (stage, then '
                 'import) instead of a direct upload')
        out.add_argument(
            '--store', metavar='<store>', action='append', default=[],
            help='Store(s) to put the image in (multi-store clouds; several '
                 'need --import-method glance-direct)')
        out.add_argument(
            '--delete-on-mismatch', action='store_true',
            help="Delete the image when Glance's checksums differ from the "
                 'local ones (default: tag it %s)'
                 % 'osc-imagetools:checksum-mismatch')
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

    def run(self, parsed_args):
        try:
            return super().run(parsed_args)
        except Abort as exc:
            self.app.stderr.write('openstack %s: error: %s\n'
                                  % (self.cmd_name, exc))
            return base.EXIT_FAILED

    def take_action(self, parsed_args):
        from osc_imagetools import progress

        args = parsed_args
        self._check_args(args)
        user_props = self._user_properties(args)
        self.display = progress.Display.for_stream(self.app.stderr,
                                                   args.no_progress)
        if args.guest_only:
            return self._guest_only(args, user_props)
        out = Outcome(args.file, guest=bool(args.guest_root
                                            or args.inspect_guest))
        self.proxy = None
        # with --upload: credentials, targets and the name before any
        # output (Abort: one line, no table)
        self._connect(args)
        try:
            info = self._inspect(args, out)
            info = self._convert(args, out, info)
            report, info = self._guest(args, out, info, user_props)
            attrs = self._properties(args, out, info, user_props, report)
            self._guest_verdict(args, out, report)
            hashes = self._hash(args, out, info)
            self._upload(args, out, info, attrs, hashes)
            self._manifest(args, out, attrs)
        except Refused as exc:
            out.step(exc.step, 'failed', str(exc))
            self.app.stderr.write('openstack %s: error: %s\n'
                                  % (self.cmd_name, exc))
            self.exit_code = base.EXIT_FAILED
        return out.columns()

    def produce_output(self, parsed_args, column_names, data):
        """``--guest-only`` returns rows, not one record: a ShowOne cannot
        print a table, so the rows go to the formatter's ``emit_list``
        (cliff's table, json, yaml and value formatters serve both
        Lister and ShowOne; ``-f shell`` is refused in _check_args)."""
        if not parsed_args.guest_only:
            return super().produce_output(parsed_args, column_names, data)
        names, selector = self._generate_columns_and_selector(
            parsed_args, column_names)
        if selector:
            data = [list(self._compress_iterable(row, selector))
                    for row in data]
        self.formatter.emit_list(names, data, self.app.stdout, parsed_args)
        return 0

    # -- arguments --------------------------------------------------------
    def _check_args(self, args):
        from osc_imagetools.imagefile import convert

        formatter = self._formatter_plugins[args.formatter].obj
        if args.guest_only and not hasattr(formatter, 'emit_list'):
            raise base.UsageError('-f %s cannot print the --guest-only '
                                  'table' % args.formatter)

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
                               ('--delete-on-mismatch',
                                args.delete_on_mismatch)):
                if value:
                    raise base.UsageError('%s needs --upload NAME' % opt)
        if len(args.store) > 1 and args.import_method != 'glance-direct':
            raise base.UsageError('several --store need --import-method '
                                  'glance-direct')
        fix_copy = self._check_guest_args(args)
        if args.output and not (args.convert_to or fix_copy):
            raise base.UsageError('--output needs --convert-to (or '
                                  '--inspect-guest --fix-guest)')
        if fix_copy and not args.convert_to:
            if not args.output:
                raise base.UsageError(
                    '--fix-guest on an image file fixes a copy: give '
                    '--output PATH (or --in-place)')
            if os.path.abspath(args.output) == os.path.abspath(args.file):
                raise base.UsageError('the fixed copy would overwrite %s: '
                                      'use --in-place' % args.file)
            self._check_writable(args.output, args.force, '--output')
        if args.convert_to:
            args.output = args.output or convert.default_output(
                args.file, args.convert_to)
            if os.path.abspath(args.output) == os.path.abspath(args.file):
                raise base.UsageError(
                    'the converted file would overwrite %s: give --output'
                    % args.file)
            self._check_writable(args.output, args.force, '--output')
        if args.manifest:
            self._check_writable(args.manifest, args.force, '--manifest')

    @staticmethod
    def _check_guest_args(args):
        """Guest option combinations; returns whether a fix goes to a
        copy at --output."""
        guest = bool(args.guest_root or args.inspect_guest)
        for opt, value in (('--fix-guest', args.fix_guest),
                           ('--guest-only', args.guest_only),
                           ('--allow-guest-failures',
                            args.allow_guest_failures)):
            if value and not guest:
                raise base.UsageError('%s needs --guest-root DIR or '
                                      '--inspect-guest' % opt)
        if args.in_place and not (args.fix_guest and args.inspect_guest):
            raise base.UsageError('--in-place needs --inspect-guest '
                                  '--fix-guest (a --guest-root tree is '
                                  'always fixed in place)')
        if args.in_place and args.convert_to:
            raise base.UsageError('--in-place with --convert-to: the '
                                  'converted file is fixed, not FILE; drop '
                                  '--in-place')
        if args.guest_root and not os.path.isdir(args.guest_root):
            raise base.UsageError('--guest-root %s is not a directory'
                                  % args.guest_root)
        if args.guest_only:
            # FILE is not read with --guest-root, but it names the image
            # the tree belongs to: a missing one is a mistake all the same
            if not os.path.isfile(args.file):
                raise base.UsageError('%s: no such file' % args.file)
            for opt, value in (('--upload', args.upload),
                               ('--convert-to', args.convert_to),
                               ('--manifest', args.manifest)):
                if value:
                    raise base.UsageError('%s makes no sense with '
                                          '--guest-only' % opt)
        in_place = args.fix_guest and (args.guest_root or args.in_place)
        if in_place and args.dry_run:
            raise base.UsageError('--dry-run with --fix-guest %s would '
                                  'change files in place: drop one of them'
                                  % ('on --guest-root' if args.guest_root
                                     else '--in-place'))
        return bool(args.fix_guest and args.inspect_guest
                    and not args.in_place)

    @staticmethod
    def _check_writable(path, force, opt):
        if os.path.exists(path) and not force:
            raise base.UsageError('%s %s exists (use --force to overwrite)'
                                  % (opt, path))
        parent = os.path.dirname(os.path.abspath(path))
        if not os.path.isdir(parent):
            raise base.UsageError('%s %s: directory %s does not exist'
                                  % (opt, path, parent))

    def _has_cloud(self):
        """Whether OSC was given a cloud (``--os-cloud``, ``OS_AUTH_URL``,
        an endpoint): then validation reads the live schema and catalog."""
        cfg = self.app.client_manager.get_configuration()
        auth = cfg.get('auth') or {}
        return bool(cfg.get('auth_url') or auth.get('auth_url')
                    or cfg.get('endpoint') or auth.get('endpoint')
                    or cfg.get('image_endpoint_override'))

    def _get_proxy(self):
        """The SDK image proxy, authenticating now if need be (offline
        use needs no cloud: see base.ExitCodeMixin.auth_required)."""
        from osc_imagetools import cloud

        if self.proxy is None:
            try:
                self.require_auth()
            except Exception as exc:
                raise cloud.CloudError('cannot authenticate: %s' % (
                    ' '.join(str(exc).split()))) from None
            self.proxy = cloud.image_proxy(self.app)
        return self.proxy

    def _connect(self, args):
        """With --upload, before any local work or output (read-only
        requests): authenticate, check the import method and stores,
        resolve --project, and look for images of the same name (a
        warning; refused with --unique-name)."""
        from osc_imagetools import cloud
        from osc_imagetools.cloud import upload

        self.owner = None
        if not args.upload:
            return
        try:
            proxy = self._get_proxy()
            problem = upload.check_targets(proxy, args.import_method,
                                           args.store)
            if problem:
                raise Abort(problem)
            if args.project:
                self.owner = upload.find_project_id(
                    self.app.client_manager.sdk_connection, args.project,
                    args.project_domain)
            same = upload.find_image_ids(proxy, args.upload)
        except cloud.CloudError as exc:
            raise Abort(str(exc)) from None
        if not same:
            return
        ids = ', '.join(same[:3]) + (', ...' if len(same) > 3 else '')
        if args.unique_name:
            raise Abort('%d image(s) already named %s (%s): choose another '
                        'name, or drop --unique-name to add one more'
                        % (len(same), args.upload, ids))
        self.app.stderr.write(
            'openstack %s: warning: %d image(s) already named %s (%s); '
            '%s another (--unique-name refuses)\n' % (
                self.cmd_name, len(same), args.upload, ids,
                'a real run would upload' if args.dry_run else 'uploading'))

    # -- 1, 2: inspect and safety -----------------------------------------
    def _inspect(self, args, out):
        from osc_imagetools.imagefile import inspect

        try:
            with self.display.status('inspect', 'reading %s' % args.file):
                info = inspect.inspect_file(args.file)
        except inspect.InspectError as exc:
            raise base.UsageError(str(exc)) from None
        out.describe(info)
        out.step('inspect', 'done', '%s, virtual size %s' % (
            info.detected, human_size(info.virtual_size)))
        for note in info.notes:
            out.check('format', 'warning', note)
        mismatch = inspect.declared_mismatch(info, args.disk_format)
        if mismatch:
            out.check('format', 'failed', mismatch)
            raise Refused('inspect', mismatch)
        out.check('format', 'ok', info.format if not args.disk_format
                  else '%s as given' % info.format)
        self._safety(out, info)
        return info

    def _safety(self, out, info, step='safety'):
        from osc_imagetools.imagefile import convert

        if info.failures:
            for failure in info.failures:
                out.check('safety', 'failed', str(failure))
            raise Refused(step, 'unsafe image %s: %s' % (
                info.path, '; '.join(str(f) for f in info.failures)))
        out.check('safety', 'ok', 'format_inspector checks passed')
        try:
            with self.display.status('check', 'qemu-img check %s'
                                     % info.path):
                problems = convert.check(info)
        except convert.ConvertError as exc:
            out.check('integrity', 'skipped', str(exc))
        else:
            if problems:
                for problem in problems:
                    out.check('integrity', 'failed', problem)
                raise Refused(step, 'qemu-img check found problems in %s: %s'
                              % (info.path, '; '.join(problems)))
            out.check('integrity', 'ok' if info.format in convert.CHECKABLE
                      else 'skipped', 'qemu-img check' if info.format in
                      convert.CHECKABLE else 'no checker for %s' % info.format)
        out.step(step, 'done')

    # -- 3: convert ---------------------------------------------------------
    def _convert(self, args, out, info):
        from osc_imagetools.imagefile import convert
        from osc_imagetools.imagefile import inspect

        if not args.convert_to:
            return info
        if args.dry_run:
            # nothing written: the next steps see the source, and the
            # properties get the target format
            out.step('convert', 'skipped', 'dry run: would convert %s -> %s '
                     'and write %s' % (info.format, args.convert_to,
                                       args.output))
            return info
        total = info.virtual_size
        try:
            with self.display.bar('convert', total) as update:
                convert.convert(info, args.convert_to, args.output,
                                progress=(lambda f: update(int(f * total)))
                                if self.display.enabled else None)
        except convert.ConvertError as exc:
            raise Refused('convert', str(exc)) from None
        out.role = 'output'
        with self.display.status('inspect', 'reading %s' % args.output):
            converted = inspect.inspect_file(args.output)
        if converted.format != args.convert_to:
            raise Refused('convert', 'qemu-img wrote %s, which is %s, not %s'
                          % (args.output, converted.format, args.convert_to))
        out.describe(converted)
        self._safety(out, converted, step='convert')
        out.step('convert', 'done', '%s -> %s, wrote %s (%s)' % (
            info.format, converted.format, args.output,
            human_size(converted.actual_size)))
        return converted

    # -- guest ---------------------------------------------------------------
    def _run_guest(self, args, image, user_props):
        """Open the guest (the --guest-root tree or ``image``), run the
        checks (and fixes); ``(report, target, mode)``. A fixed copy that
        fails half-way is removed."""
        from osc_imagetools import guest

        # a dry run fixes nothing: the checks say what a fix would do
        fix = args.fix_guest and not args.dry_run
        copy = None
        if args.guest_root:
            kwargs = {'path': args.guest_root, 'writable': fix}
            target = args.guest_root
            mode = 'tree, fixed in place' if fix else 'tree'
        elif not fix:
            kwargs, target, mode = {'image': image}, image, 'image, read-only'
            if args.fix_guest:
                mode += ' (dry run: would fix %s)' % (
                    'it in place' if args.convert_to else
                    'a copy at %s' % args.output)
        elif args.in_place or args.convert_to:
            kwargs = {'image': image, 'writable': True}
            target, mode = image, 'image, fixed in place'
        else:
            copy = target = args.output
            if args.force and os.path.lexists(copy):
                os.unlink(copy)   # _check_args allowed it with --force
            kwargs = {'image': image, 'writable': True, 'copy_to': copy}
            mode = 'image, fixed copy of %s' % image
        started = time.monotonic()
        try:
            with self.display.status('guest', 'checking the guest in %s'
                                     % target), \
                    guest.open_root(**kwargs) as root:
                report = guest.run_checks(root, fix=fix,
                                          user_props=user_props)
            LOG.debug('guest checks (%s) on %s: %.2f s', mode, target,
                      time.monotonic() - started)
        except BaseException:
            if copy and os.path.lexists(copy):
                os.unlink(copy)
            raise
        return report, target, mode

    def _guest(self, args, out, info, user_props):
        """The guest step: every check into ``checks``, the summary
        (proposed properties, changes) into ``guest``. A fixed image file
        is inspected again and is what the next steps use."""
        from osc_imagetools import guest
        from osc_imagetools.imagefile import inspect

        if not (args.guest_root or args.inspect_guest):
            return None, info
        try:
            report, target, mode = self._run_guest(args, info.path,
                                                   user_props)
        except guest.GuestError as exc:
            raise Refused('guest', str(exc)) from None
        role = ('guest tree' if args.guest_root else 'output'
                if target != args.file else 'source')
        for c in report.checks:
            out.check(c.id, c.status, guest_detail(c), file=role)
        summary = report.to_dict()
        del summary['checks']
        summary.update(source=target, mode=mode)
        out.row['guest'] = summary
        if args.inspect_guest and args.fix_guest and not args.dry_run:
            info = inspect.inspect_file(target)
            out.describe(info)
            out.role = role
        counts = {}
        for c in report.checks:
            counts[c.status] = counts.get(c.status, 0) + 1
        out.step('guest', 'done', '%s: %s%s' % (
            report.os.describe(), ', '.join(
                '%d %s' % (counts[s], s) for s in guest.STATUSES
                if s in counts) or 'no checks',
            ', %d change(s)' % len(report.changes) if report.changes
            else ''))
        return report, info

    def _guest_verdict(self, args, out, report):
        """A failed guest check stops before hashing and uploading,
        unless --allow-guest-failures."""
        if report is None or not report.failed:
            return
        failed = ', '.join(c.id for c in report.failures)
        if args.allow_guest_failures:
            detail = out.steps['guest']['detail']
            out.step('guest', 'done', '%s (allowed: %s)' % (detail, failed))
            return
        raise Refused('guest', 'guest check(s) failed: %s (see checks; '
                      '--allow-guest-failures goes on)' % failed)

    def _guest_only(self, args, user_props):
        """--guest-only: the checks as rows (see produce_output)."""
        from osc_imagetools import guest

        try:
            report, _, _ = self._run_guest(args, args.file, user_props)
        except guest.GuestError as exc:
            self.app.stderr.write('openstack %s: error: %s\n'
                                  % (self.cmd_name, exc))
            self.exit_code = base.EXIT_FAILED
            return GUEST_COLUMNS, []
        if report.failed and not args.allow_guest_failures:
            self.app.stderr.write('%d of %d guest checks failed\n' % (
                len(report.failures), len(report.checks)))
            self.exit_code = base.EXIT_FAILED
        return GUEST_COLUMNS, report.rows()

    # -- 4: properties ------------------------------------------------------
    def _user_properties(self, args):
        """What the user asked for: profiles, then --os-distro /
        --os-version, then --property."""
        from osc_imagetools import profiles
        from osc_imagetools import properties

        try:
            props = profiles.merge(args.profile, profiles.load_profiles())
            for key, _opt, _metavar, _text in PROPERTY_OPTIONS:
                if getattr(args, key):
                    props[key] = getattr(args, key)
            props.update(properties.parse_properties(args.property))
        except (profiles.ProfileError, properties.PropertyError) as exc:
            raise base.UsageError(str(exc)) from None
        for key in props:
            if key in OPTION_KEYS:
                hint = OPTION_KEYS[key]
                raise base.UsageError('%s is not a property here%s' % (
                    key, ': use %s' % hint if hint else ''))
        return props

    def _properties(self, args, out, info, user_props, report=None):
        # the guest's proposals under everything the user gave
        props = dict(report.properties) if report else {}
        proposed = [k for k in props if k not in user_props]
        props.update(user_props)
        min_disk = args.min_disk
        if min_disk is None:
            min_disk = max(1, math.ceil(info.virtual_size / GiB))
        # a dry run with --convert-to describes the file it did not write
        attrs = {'disk_format': (args.convert_to if args.dry_run
                                 and args.convert_to else info.format),
                 'container_format': args.container_format,
                 'min_disk': min_disk}
        out.row.update(attrs)
        if args.min_ram is not None:
            attrs['min_ram'] = args.min_ram
        out.row['properties'] = dict(props)
        self._validate(args, out, info, attrs, props)
        out.step('properties', 'done', '%d properties%s%s' % (
            len(props), ', profiles %s' % ', '.join(args.profile)
            if args.profile else '', ', from the guest: %s' % ', '.join(
                sorted(proposed)) if proposed else ''))
        return dict(attrs, **props)

    def _validate(self, args, out, info, attrs, props):
        """The validate engine (``image validate``) on what would be
        created; an error stops here (exit 1), warnings are listed."""
        from osc_imagetools.validation import engine

        schema, namespaces, source = self._catalog(args)
        try:
            validator = engine.Validator(schema, namespaces,
                                         ignore=args.ignore)
        except engine.UnknownRuleError as exc:
            raise base.UsageError(str(exc)) from None
        candidate = dict(attrs, **props)
        if args.upload:
            candidate['name'] = args.upload
        if args.visibility:
            candidate['visibility'] = args.visibility
        if args.tag:
            candidate['tags'] = list(args.tag)
        if args.is_protected is not None:
            candidate['protected'] = args.is_protected
        findings = validator.validate(candidate, info.virtual_size,
                                      os.path.basename(info.path))
        if schema is None:
            # without the schema the core attributes look unknown
            findings = [f for f in findings if not (
                f.rule == engine.RULE_UNKNOWN and f.property in candidate
                and f.property not in props)]
        errors = [f for f in findings if f.severity == engine.ERROR]
        for f in findings:
            out.check('validate', 'failed' if f.severity == engine.ERROR
                      else 'warning', '%s: %s [%s]' % (f.property, f.message,
                                                       f.rule), file=None)
        if errors:
            raise Refused('properties', '%d validation error(s): %s' % (
                len(errors), '; '.join('%s: %s' % (f.property, f.message)
                                       for f in errors)))
        out.check('validate', 'ok', '%s%s' % (
            source, ', %d warning(s)' % len(findings) if findings else ''),
            file=None)

    def _catalog(self, args):
        """``(schema, namespaces, where from)`` for the validator: a
        catalog directory, the cloud, or (offline, no catalog) nothing -
        then Nova's values and the cross-property rules still apply."""
        from osc_imagetools import cloud
        from osc_imagetools.cloud import metadefs
        from osc_imagetools.validation import catalog_dir

        if args.catalog_dir:
            try:
                schema, namespaces = catalog_dir.read_catalog_dir(
                    args.catalog_dir)
            except catalog_dir.CatalogDirError as exc:
                raise base.UsageError(str(exc)) from None
            return schema, namespaces, 'catalog %s' % args.catalog_dir
        if self.proxy is None and not self._has_cloud():
            return None, [], ('offline: no cloud and no --catalog-dir, so no '
                              'schema or metadef checks')
        try:
            proxy = self._get_proxy()
            schema = cloud.get_schema(proxy, 'image')
            namespaces = metadefs.fetch_catalog(
                proxy, resource_type='OS::Glance::Image')
        except cloud.CloudError as exc:
            raise Refused('properties', 'cannot read the image schema and '
                          'metadef catalog: %s' % exc) from None
        return schema, namespaces, "the cloud's schema and metadefs"

    # -- 5: hash ------------------------------------------------------------
    def _hash(self, args, out, info):
        from osc_imagetools.imagefile import hashing

        if args.upload and not args.dry_run:
            out.step('hash', 'pending', 'while uploading')
            return None
        if args.dry_run and (args.convert_to or (args.inspect_guest
                                                 and args.fix_guest)):
            # what a real run hashes (the converted file or the fixed
            # copy at --output) does not exist
            out.step('hash', 'skipped', 'dry run: %s was not written'
                     % args.output)
            return None
        with self.display.bar('hash', os.path.getsize(info.path)) as update:
            hashes = hashing.hash_file(info.path, update)
        self._set_hashes(out, hashes)
        out.step('hash', 'done', 'md5 + sha512, one read')
        return hashes

    @staticmethod
    def _set_hashes(out, hashes):
        out.row['md5'] = hashes.md5
        out.row['sha512'] = hashes.sha512

    # -- 6: manifest --------------------------------------------------------
    def _manifest(self, args, out, attrs):
        from osc_imagetools.metadef import files

        if not args.manifest:
            return
        if args.dry_run:
            out.step('manifest', 'skipped', 'dry run: would write %s'
                     % args.manifest)
            return
        data = out.data()
        data['name'] = args.upload
        data['visibility'] = args.visibility
        data['tags'] = list(args.tag)
        data['openstack_command'] = create_command(args, out.row, attrs)
        out.step('manifest', 'done', args.manifest)
        data['steps'] = [dict(out.steps[s]) for s in out.names]
        path = os.path.abspath(args.manifest)
        files.write_json(path, data, sort_keys=True, indent=2)
        out.row['manifest'] = args.manifest

    # -- 7: upload ----------------------------------------------------------
    def _upload(self, args, out, info, attrs, hashes):
        from osc_imagetools import cloud
        from osc_imagetools.cloud import upload
        from osc_imagetools.imagefile import hashing

        if not args.upload:
            return
        if args.dry_run:
            out.step('upload', 'skipped', 'dry run: would create %s'
                     % args.upload)
            return
        body_attrs = dict(attrs, name=args.upload)
        if args.visibility:
            body_attrs['visibility'] = args.visibility
        if args.tag:
            body_attrs['tags'] = list(args.tag)
        if args.is_protected is not None:
            body_attrs['protected'] = args.is_protected
        if self.owner:
            body_attrs['owner'] = self.owner
        body = hashing.HashingBody(info.path, hash=hashes is None)
        proxy = self._get_proxy()
        with contextlib.ExitStack() as shown:
            body.progress = shown.enter_context(
                self.display.bar('upload', body.total))
            waiting = []

            def on_poll(image):
                # the data is staged: Glance's import task runs
                if not waiting:
                    shown.close()
                    waiting.append(shown.enter_context(
                        self.display.status('import', '')))
                waiting[0].update("waiting for Glance's import task "
                                  '(image %s)' % image.get('status'))
            try:
                image = upload.upload(
                    proxy, body_attrs, body, args.import_method, args.store,
                    on_created=lambda img: out.row.update(image_id=img['id']),
                    on_poll=on_poll)
            except upload.UploadInterrupted as exc:
                shown.close()
                self.app.stderr.write('openstack %s: %s\n'
                                      % (self.cmd_name, exc.note))
                raise
            except cloud.CloudError as exc:
                raise Refused('upload', str(exc)) from None
        if hashes is None:
            hashes = body.hashes
            self._set_hashes(out, hashes)
            out.step('hash', 'done', 'md5 + sha512, while uploading')
        out.row['image_id'] = image['id']
        diffs = upload.compare(image, hashes)
        if diffs:
            for field, theirs, ours in diffs:
                out.check('checksum', 'failed', '%s: glance %s, local %s'
                          % (field, theirs, ours))
            try:
                done = upload.handle_mismatch(proxy, image['id'],
                                              args.delete_on_mismatch)
            except cloud.CloudError as exc:
                done = 'could not mark image %s: %s' % (image['id'], exc)
            raise Refused('upload', 'the data Glance stored differs from '
                          '%s (%s); %s' % (info.path, ', '.join(
                              d[0] for d in diffs), done))
        out.check('checksum', 'ok', 'checksum (md5) and os_hash_value '
                  '(%s) match' % image.get('os_hash_algo'))
        out.step('upload', 'done',
                 'image %s is %s' % (image['id'], image.get('status')))


def guest_detail(check):
    """One guest check as the ``detail`` of a ``checks`` entry."""
    text = check.detail
    if check.path:
        text = '%s [%s]' % (text, check.path) if text else check.path
    if check.fix:
        text += '; %s: %s' % ('done' if check.status == 'fixed' else 'fix',
                              check.fix)
    return text


def create_command(args, row, attrs):
    """The equivalent ``openstack image create`` command line."""
    import shlex

    argv = ['openstack', 'image', 'create',
            '--disk-format', row['disk_format'],
            '--container-format', row['container_format'],
            '--min-disk', str(row['min_disk']),
            '--file', row['file']]
    if args.min_ram is not None:
        argv += ['--min-ram', str(args.min_ram)]
    if args.visibility:
        argv.append('--' + args.visibility)
    if args.is_protected is not None:
        argv.append('--protected' if args.is_protected else '--unprotected')
    if args.project:
        argv += ['--project', args.project]
        if args.project_domain:
            argv += ['--project-domain', args.project_domain]
    for tag in args.tag:
        argv += ['--tag', tag]
    for key, value in sorted(row['properties'].items()):
        argv += ['--property', '%s=%s' % (key, value)]
    if args.import_method:
        # OSC's --import stages and imports (it has no --store option)
        argv.append('--import')
    argv.append(args.upload or os.path.splitext(
        os.path.basename(row['file']))[0])
    return shlex.join(argv)


def _non_negative(text):
    import argparse

    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError('%r is not a whole number' % text)
    if value < 0:
        raise argparse.ArgumentTypeError('%r is negative' % text)
    return value
