"""openstack image metadef sync"""

import os

from osc_imagetools import errors
from osc_imagetools.v1 import base

COLUMNS = ('Namespace', 'Kind', 'Name', 'Action', 'Result', 'Detail')


class SyncMetadefs(base.Lister):
    """Make the cloud's metadef catalog match metadef JSON files.

    Reads namespaces in the format of the JSON files glance ships in
    etc/metadefs, checks every file against the cloud's live metadef
    schemas (any problem: nothing is written, exit 1), compares them with
    the cloud and prints one row per change. Writes need the admin role.
    """

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument(
            'paths', metavar='<path>', nargs='*',
            help='Metadef JSON file or directory of them (repeatable)')
        mode = parser.add_mutually_exclusive_group()
        mode.add_argument(
            '--prefer-new', dest='mode', action='store_const',
            const='prefer-new',
            help='Also update existing items to the files\' values '
                 '(default: merge - only create what is missing)')
        mode.add_argument(
            '--overwrite', dest='mode', action='store_const',
            const='overwrite',
            help='Make each namespace of the files exactly equal to its '
                 'file: create, update and delete its items')
        parser.add_argument(
            '--prune', action='store_true',
            help='Delete namespaces in scope that are in none of the files '
                 '(requires --namespace or --namespace-prefix)')
        parser.add_argument(
            '--namespace', metavar='<namespace>', action='append',
            default=[], help='Limit the run to this namespace (repeatable)')
        parser.add_argument(
            '--namespace-prefix', metavar='<prefix>', action='append',
            default=[],
            help='Limit the run to namespaces starting with <prefix> '
                 '(repeatable)')
        parser.add_argument(
            '--dry-run', action='store_true',
            help='Print the plan, with the fields each update changes '
                 '(Detail column); write nothing')
        parser.add_argument(
            '--allow-protected', action='store_true',
            help='Change protected namespaces: unprotect, change, protect '
                 'again (default: skip their changes, rows "skipped"; exit '
                 '1 unless --dry-run)')
        parser.add_argument(
            '--export', metavar='<directory>',
            help='The reverse: write the cloud\'s namespaces (in scope) to '
                 '<directory>, one glance-format JSON file each')
        parser.add_argument(
            '--quiet-unchanged', action='store_true',
            help='Leave out the rows of unchanged items')
        return parser

    def take_action(self, parsed_args):
        args = parsed_args
        if args.export and args.paths:
            raise base.UsageError('give either <path> arguments or --export')
        if not args.export and not args.paths:
            raise base.UsageError('give metadef files or directories to '
                                  'sync, or --export <directory>')
        if args.prune and not (args.namespace or args.namespace_prefix):
            raise base.UsageError('--prune needs a scope: --namespace or '
                                  '--namespace-prefix')
        if args.export and (args.prune or args.mode or args.allow_protected):
            raise base.UsageError('--export cannot be combined with '
                                  '--prune, --prefer-new, --overwrite or '
                                  '--allow-protected')
        if args.export:
            return COLUMNS, self._export(args)
        return COLUMNS, self._sync(args)

    # The steps below import the engines and the cloud module when they
    # run: OSC imports this module for every `openstack` call.

    def _scope(self, args):
        names, prefixes = set(args.namespace), tuple(args.namespace_prefix)
        if not names and not prefixes:
            return lambda ns: True
        return lambda ns: ns in names or ns.startswith(prefixes)

    def _sync(self, args):
        from osc_imagetools.cloud import metadefs
        from osc_imagetools.metadef import files
        from osc_imagetools.metadef import plan
        from osc_imagetools.metadef import validate

        in_scope = self._scope(args)
        docs, unreadable = files.load_paths(args.paths)
        if unreadable:
            for err in unreadable:
                self.app.stderr.write('%s\n' % err)
            raise base.UsageError('%d of the paths cannot be read; nothing '
                                  'was sent to the cloud' % len(unreadable))
        docs = [(path, doc) for path, doc in docs
                if not isinstance(doc, dict)
                or not isinstance(doc.get('namespace'), str)
                or in_scope(doc['namespace'])]
        names = {doc['namespace'] for _, doc in docs
                 if isinstance(doc, dict) and 'namespace' in doc}
        missing = sorted(set(args.namespace) - names)
        if missing and not args.prune:
            raise base.UsageError('namespace %s is in none of the files'
                                  % ', '.join(missing))

        proxy = self.image_proxy()
        schemas, listed, details = metadefs.fetch_for_sync(proxy, names,
                                                           in_scope)
        desired, problems = validate.check(docs, schemas)
        if problems:
            for problem in problems:
                self.app.stderr.write('%s\n' % problem)
            raise errors.OperationError(
                '%d problem(s) in the metadef files; nothing was written'
                % len(problems))
        current = dict(listed) if args.prune else {}
        current.update(details)
        plans = plan.plan({n: d for n, (_, d) in desired.items()}, current,
                          mode=args.mode or plan.MERGE, prune=args.prune,
                          allow_protected=args.allow_protected)
        if args.dry_run:
            for p in plans:
                for change in p.writes:
                    change.dry_run()
        else:
            metadefs.apply(proxy, plans)
        self._report(plans, args.dry_run)
        return plan.rows(plans, args.quiet_unchanged)

    def _report(self, plans, dry_run):
        """The closing line(s) on stderr; exit code 1 when a write
        failed or (not on a dry run) a protected namespace was skipped."""
        from osc_imagetools.metadef import plan
        failed, total = plan.summary(plans)
        skipped, kept = plan.skipped(plans), plan.kept(plans)
        out = self.app.stderr
        if not total and not skipped:
            if kept:
                out.write('nothing to do in merge mode: %d differing '
                          'item(s) kept (--prefer-new updates them)\n'
                          % kept)
            else:
                out.write('nothing to do: the %d namespace(s) already '
                          'match the files\n' % len(plans))
            return
        blocked = ''
        if skipped:
            blocked = ('%d skipped: protected namespace(s) %s (use '
                       '--allow-protected)' % (skipped, ', '.join(
                           p.namespace for p in plans if p.blocked)))
        if dry_run:
            out.write('dry run: %d change(s) to make%s; nothing was '
                      'written\n' % (total, blocked and ', ' + blocked))
            return
        if skipped:
            # the cloud still differs from the files: exit 1, although
            # nothing failed (no write was attempted for them)
            self.exit_code = base.EXIT_FAILED
        if failed:
            if skipped:
                out.write('%d change(s) made, %s\n' % (total - failed,
                                                       blocked))
            self.report_failures(failed, total, 'changes')
        else:
            out.write('%d change(s) made%s\n'
                      % (total, blocked and ', ' + blocked))

    def _export(self, args):
        from osc_imagetools.cloud import metadefs
        from osc_imagetools.metadef import files

        in_scope = self._scope(args)
        reason = files.unwritable_dir(args.export)
        if reason:
            raise base.UsageError('cannot write --export directory %s: %s'
                                  % (args.export, reason))
        proxy = self.image_proxy()
        names = sorted(s['namespace'] for s in metadefs.list_namespaces(proxy)
                       if in_scope(s['namespace']))
        rows, failed = [], 0
        for doc in metadefs.get_namespaces(proxy, names, missing_ok=True):
            ns = doc['namespace']
            if args.dry_run:
                path = os.path.join(args.export, files.file_name(ns))
                rows.append((ns, 'namespace', path, 'export', 'dry-run', ''))
                continue
            try:
                path = files.write_namespace_file(args.export, doc)
            except OSError as exc:
                failed += 1
                rows.append((ns, 'namespace', files.file_name(ns), 'export',
                             'failed: %s' % (exc.strerror or exc), ''))
                continue
            rows.append((ns, 'namespace', path, 'export', 'ok', ''))
        self.report_failures(failed, len(rows), 'exports')
        return rows
