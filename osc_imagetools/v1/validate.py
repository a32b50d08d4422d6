"""openstack image validate"""

import logging

from osc_imagetools import constants
from osc_imagetools.v1 import base

LOG = logging.getLogger(__name__)

COLUMNS = ('Image', 'Property', 'Value', 'Severity', 'Rule', 'Message')
FLAVOR_COLUMNS = COLUMNS[:1] + ('Flavor',) + COLUMNS[1:]
# the Image column of a property set given with --property only
COMMAND_LINE = '(command line)'
OK = 'ok'
# a listing filter: every visibility, or all of them
VISIBILITIES = constants.VISIBILITIES + ('all',)
DEFAULT_QUOTA = 128


def _plural(n, word, words):
    return '%d %s' % (n, word if n == 1 else words)


def _noun(n_images, n_sets):
    """What was validated: 'images', 'property set', 'images/property
    sets'."""
    if n_images and n_sets:
        return 'images/property sets'
    if n_sets:
        return 'property set' if n_sets == 1 else 'property sets'
    return 'image' if n_images == 1 else 'images'


class ValidateImage(base.Lister):
    """Validate image properties against the cloud's image schema, its
    metadef catalog, Nova's accepted values and cross-property rules.

    Validates a property set (--property, --properties-file,
    --disk-format, --container-format, --file) and/or images already in
    the cloud (<image> names or IDs, or --all with filters). Prints one row
    per finding; exits 0 when there is no error (warnings allowed), 1 when
    any error is found (any warning too with --strict), 2 on bad arguments
    or input. With --catalog-dir and no image to read from the cloud, no
    credentials are needed.
    """

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument(
            'images', metavar='<image>', nargs='*',
            help='Image(s) in the cloud to validate (name or ID)')
        group = parser.add_argument_group('images in the cloud')
        group.add_argument(
            '--all', action='store_true', dest='all_images',
            help='Validate every image the listing returns (with the '
                 'filters below)')
        group.add_argument(
            '--owner', metavar='<project-id>',
            help='With --all: only images owned by this project (ID)')
        group.add_argument(
            '--visibility', choices=VISIBILITIES,
            help="With --all: only images of this visibility ('all' "
                 'includes community images and every share)')
        group.add_argument(
            '--tag', metavar='<tag>', action='append', default=[],
            dest='tags',
            help='With --all: only images with this tag (repeat for '
                 'several: all must be present)')
        group.add_argument(
            '--name-prefix', metavar='<prefix>',
            help='With --all: only images whose name starts with <prefix>')
        group = parser.add_argument_group('a property set')
        group.add_argument(
            '--property', metavar='<key=value>', action='append',
            default=[], dest='properties',
            help='Property to validate (repeat for several); wins over '
                 '--properties-file')
        group.add_argument(
            '--properties-file', metavar='<file>',
            help='JSON or YAML mapping of properties, or a manifest '
                 "written by 'openstack image prepare'")
        group.add_argument(
            '--disk-format', metavar='<disk-format>',
            help='disk_format of the property set')
        group.add_argument(
            '--container-format', metavar='<container-format>',
            help='container_format of the property set')
        group.add_argument(
            '--file', metavar='<path>', dest='disk_file',
            help="Disk image file: compare its real format with the "
                 "property set's disk_format, check it is safe, and use "
                 'its virtual size for the min_disk rule')
        group = parser.add_argument_group(
            'flavors (will the image boot on them? Nova\'s checks)')
        group.add_argument(
            '--flavor', metavar='<flavor>', action='append', default=[],
            dest='flavors',
            help='Check booting on this flavor (name or ID; repeatable): '
                 "min_disk, min_ram and image properties against the "
                 "flavor's extra specs, as Nova checks them")
        group.add_argument(
            '--all-flavors', action='store_true',
            help='Check booting on every flavor the caller can see (or '
                 'every flavor of --flavor-file)')
        group.add_argument(
            '--flavor-file', metavar='<file>',
            help="Read flavors from <file> instead of the cloud: JSON (or "
                 "YAML) as 'openstack flavor show -f json' or 'openstack "
                 "flavor list --long -f json' print them, one flavor or a "
                 'list; every flavor in it unless --flavor selects some')
        group.add_argument(
            '--matrix', action='store_true',
            help='Print one row per image and one column per flavor: ok, '
                 'or \u2717 and the first reason it would not boot')
        group = parser.add_argument_group('checks')
        group.add_argument(
            '--rules', metavar='<file>', action='append', default=[],
            dest='rule_files',
            help='YAML file of extra cross-property rules (repeatable; a '
                 'rule with the id of another replaces it)')
        group.add_argument(
            '--ignore', metavar='<rule>', action='append', default=[],
            help='Skip the findings of this rule id (repeatable)')
        group.add_argument(
            '--quota', metavar='<count>', type=int, default=DEFAULT_QUOTA,
            help="The cloud's image property quota (Glance's "
                 'image_property_quota, default %d; -1: no limit)'
                 % DEFAULT_QUOTA)
        group.add_argument(
            '--strict', action='store_true',
            help='Exit 1 on warnings too')
        group = parser.add_argument_group('catalog')
        where = group.add_mutually_exclusive_group()
        where.add_argument(
            '--catalog-dir', metavar='<dir>',
            help='Read the image schema and metadef catalog from <dir> '
                 '(image-schema.json and a metadefs directory of namespace '
                 'JSON files) instead of the cloud; no credentials needed '
                 'unless images are read from the cloud')
        where.add_argument(
            '--save-catalog', metavar='<dir>',
            help="Write the cloud's image schema and metadef catalog to "
                 '<dir> in the layout --catalog-dir reads')
        return parser

    # -- steps -------------------------------------------------------------
    def _property_set(self, args):
        """``(props, virtual_size, label)`` or None when no property set
        is given."""
        from osc_imagetools import properties
        given = (args.properties or args.properties_file or args.disk_format
                 or args.container_format or args.disk_file)
        if not given:
            return None
        props, virtual_size = {}, None
        label = args.disk_file or COMMAND_LINE
        if args.properties_file:
            pset = properties.read_properties_file(args.properties_file)
            props.update(pset.properties)
            virtual_size = pset.virtual_size
            label = args.properties_file
        props.update(properties.parse_properties(args.properties))
        if args.disk_format:
            props['disk_format'] = args.disk_format
        if args.container_format:
            props['container_format'] = args.container_format
        return props, virtual_size, label

    def _fetch(self, args, need_catalog, need_images, need_flavors=False):
        """What the cloud must give
        (:func:`osc_imagetools.cloud.validation.fetch`)."""
        from osc_imagetools.cloud import validation

        client = self.cloud()
        query = None
        if need_images:
            query = validation.ImageQuery(
                args.images, args.all_images, owner=args.owner,
                visibility=args.visibility, tags=args.tags,
                name_prefix=args.name_prefix)
        return validation.fetch(
            image_proxy=(client.image if need_catalog or need_images
                         else None),
            compute_proxy=client.compute if need_flavors else None,
            catalog=need_catalog, images=query,
            flavor_refs=() if args.all_flavors else args.flavors)

    def _save_catalog(self, path, schema, namespaces):
        from osc_imagetools.validation import catalog_dir
        count = catalog_dir.write_catalog_dir(path, schema, namespaces)
        self.app.stderr.write(
            'Saved the image schema and %s to %s\n'
            % (_plural(count, 'metadef namespace', 'metadef namespaces'),
               path))

    def _check_args(self, args):
        if args.all_images is False and (args.owner or args.visibility
                                         or args.tags or args.name_prefix):
            raise base.UsageError('--owner, --visibility, --tag and '
                                  '--name-prefix filter --all: add --all')
        if args.matrix and not (args.flavors or args.all_flavors
                                or args.flavor_file):
            raise base.UsageError('--matrix needs flavors: add --flavor, '
                                  '--all-flavors or --flavor-file')
        if args.catalog_dir and args.save_catalog:  # argparse prevents it
            raise base.UsageError('--catalog-dir and --save-catalog '
                                  'exclude each other')

    def _load(self, args, wants_images):
        """``(schema, namespaces, images, problems, flavors)`` from the
        catalog directory, the flavor file and/or the cloud (``flavors``:
        ``(flavors, problems)`` or None when no flavor is asked for)."""
        from osc_imagetools.validation import catalog_dir
        from osc_imagetools.validation import flavor
        catalog = (catalog_dir.read_catalog_dir(args.catalog_dir)
                   if args.catalog_dir else None)
        if args.save_catalog:
            catalog_dir.check_writable(args.save_catalog)
        flavors = self._read_flavor_file(args) if args.flavor_file else None
        cloud_flavors = flavors is None and bool(args.flavors
                                                 or args.all_flavors)
        got = {}
        if catalog is None or wants_images or cloud_flavors:
            got = self._fetch(args, catalog is None, wants_images,
                              cloud_flavors)
        if catalog is None:
            catalog = got['schema'], got['catalog']
            if args.save_catalog:
                self._save_catalog(args.save_catalog, *catalog)
        if cloud_flavors:
            found, missing, requests = got['flavors']
            LOG.debug('read %d flavors in %d compute requests',
                      len(found), requests)
            # a FlavorError here is the cloud's data: exit 1 (its class)
            flavors = flavor.normalize_flavors(found), missing
        images, problems = got.get('images', ([], []))
        return catalog[0], catalog[1], images, problems, flavors

    @staticmethod
    def _read_flavor_file(args):
        """``(flavors, problems)`` from --flavor-file (those --flavor
        names, or all)."""
        from osc_imagetools.cloud import flavors as cloud_flavors
        from osc_imagetools.validation import flavor
        return cloud_flavors.select(flavor.read_flavor_file(args.flavor_file),
                                    args.flavors)

    def _summarize(self, units, problems, noun, strict, quiet):
        """Count failed units (an image or a property set: a list of
        findings each), write the closing line, set the exit code."""
        failed = warnings = 0
        for found in units:
            severities = {f.severity for f in found}
            warnings += sum(1 for f in found if f.severity == 'warning')
            if 'error' in severities or (strict and severities):
                failed += 1
        self._report(failed, warnings, len(units), problems, noun, quiet)

    def _summarize_pairs(self, items, pairs, problems, strict):
        """:meth:`_summarize` for image/flavor pairs: a pair fails when the
        image's own findings or the pair's fail (counted without joining
        the lists: 50,000 pairs are common)."""
        failed = warnings = total = 0
        for (_label, _props, found), per_flavor in zip(items, pairs):
            image_warnings = sum(1 for f in found if f.severity == 'warning')
            image_fails = any(f.severity == 'error' or strict
                              for f in found)
            warnings += image_warnings  # once per image, not per pair
            for pair in per_flavor:
                total += 1
                warnings += sum(1 for f in pair if f.severity == 'warning')
                if image_fails or any(f.severity == 'error' or strict
                                      for f in pair):
                    failed += 1
        noun = 'image/flavor pair' + (
            '' if total + len(problems) == 1 else 's')
        self._report(failed, warnings, total, problems, noun, quiet=False)

    def _report(self, failed, warnings, count, problems, noun, quiet):
        failed += len(problems)
        for problem in problems:
            self.app.stderr.write('%s\n' % problem)
        total = count + len(problems)
        if failed:
            self.report_failures(failed, total, noun)
        elif not quiet:
            self.app.stderr.write('%d %s valid%s\n' % (
                total, noun, ', %s' % _plural(warnings, 'warning', 'warnings')
                if warnings else ''))

    def _validate(self, args, validator, pset, info, images):
        """``[(label, props, findings)]``: the property set, then each
        image."""
        items = []
        if pset is not None:
            props, virtual_size, label = pset
            found = []
            if info is not None:
                virtual_size = info.virtual_size
                found = validator.check_file(props, info.format,
                                             info.failures, label,
                                             args.disk_file)
            items.append((label, props, found + validator.validate(
                props, virtual_size, label)))
        items += [(i['id'], i, validator.validate(
            i, i.get('virtual_size'), i['id'], stored=True)) for i in images]
        return items

    # -- the command -------------------------------------------------------
    def take_action(self, parsed_args):
        from osc_imagetools.validation import engine

        args = parsed_args
        self._check_args(args)
        pset = self._property_set(args)
        info = None
        if args.disk_file:
            from osc_imagetools.imagefile import inspect
            info = inspect.inspect_file(args.disk_file)
        wants_images = bool(args.images or args.all_images)
        if pset is None and not wants_images and not args.save_catalog:
            raise base.UsageError(
                'nothing to validate: give --property, --properties-file, '
                '--disk-format, --file, <image> or --all')
        rule_list, ignore, flavor_ignore = _rules(args)
        schema, namespaces, images, problems, flavors = self._load(
            args, wants_images)
        validator = engine.Validator(schema, namespaces, rules=rule_list,
                                     ignore=ignore, quota=args.quota)
        items = self._validate(args, validator, pset, info, images)
        if flavors is None:
            self._summarize([found for _l, _p, found in items], problems,
                            _noun(len(images) + len(problems),
                                  int(bool(pset))),
                            args.strict, quiet=not items and not problems
                            and bool(args.save_catalog))
            return COLUMNS, _rows(items)
        flavor_list, missing = flavors
        pairs = _pairs(items, flavor_list, flavor_ignore)
        self._summarize_pairs(items, pairs, problems + missing, args.strict)
        if args.matrix:
            return _matrix(items, flavor_list, pairs)
        return FLAVOR_COLUMNS, _flavor_rows(items, flavor_list, pairs)


def _rules(args):
    """``(rule table, ignore for the validator, ignore for the flavor
    checks)``; an unknown --ignore id is an input error."""
    from osc_imagetools.validation import engine
    from osc_imagetools.validation import flavor
    from osc_imagetools.validation import rules
    rule_list = rules.load_rules(args.rule_files)
    engine.check_ignore(args.ignore, rule_list + [
        {'id': r} for r in flavor.RULES])
    return (rule_list,
            [r for r in args.ignore if r not in flavor.RULES],
            frozenset(r for r in args.ignore if r in flavor.RULES))


def _ok_row(label, message, flavor=None):
    row = (label, '', '', OK, '', message)
    return row if flavor is None else row[:1] + (flavor,) + row[1:]


def _rows(items):
    """One row per finding; one ``ok`` row for an item without any."""
    rows = []
    for label, _props, found in items:
        rows.extend(tuple(f) for f in found)
        if not found:
            rows.append(_ok_row(label, 'no problem found'))
    return rows


def _pairs(items, flavor_list, ignore):
    """For each item, for each flavor: the findings of booting it (image
    rows' shape: :class:`~osc_imagetools.validation.engine.Finding`)."""
    from osc_imagetools.validation import engine
    from osc_imagetools.validation import flavor as flavor_mod
    checker = flavor_mod.FlavorChecker(flavor_list)
    out = []
    for label, props, _found in items:
        out.append([[engine.Finding(label, f.property, f.value, f.severity,
                                    f.rule, f.message)
                     for f in pair if f.rule not in ignore]
                    for pair in checker.check(props)])
    return out


def _flavor_rows(items, flavor_list, pairs):
    rows = []
    for (label, _props, found), per_flavor in zip(items, pairs):
        rows.extend((f[0], '') + tuple(f[1:]) for f in found)
        for fl, pair in zip(flavor_list, per_flavor):
            rows.extend((f[0], fl['name']) + tuple(f[1:]) for f in pair)
        if not found and not any(per_flavor):
            rows.append(_ok_row(label, 'no problem found%s' % (
                '; boots on %s' % _plural(len(flavor_list), 'flavor',
                                          'flavors')
                if flavor_list else ''), ''))
    return rows


def _cell(found):
    errors = [f for f in found if f.severity == 'error']
    if errors:
        return '\u2717 %s: %s' % (errors[0].rule, errors[0].message)
    warnings = len(found)
    return OK + (' (%s)' % _plural(warnings, 'warning', 'warnings')
                 if warnings else '')


def _matrix(items, flavor_list, pairs):
    """Image x flavor: columns Image, Properties (the image's own checks),
    then one per flavor (its name, or its ID when names repeat)."""
    names = [fl['name'] for fl in flavor_list]
    if len(set(names)) != len(names):
        names = ['%s (%s)' % (fl['name'], fl['id']) for fl in flavor_list]
    rows = [(label, _cell(found)) + tuple(_cell(p) for p in per_flavor)
            for (label, _props, found), per_flavor in zip(items, pairs)]
    return ('Image', 'Properties') + tuple(names), rows
