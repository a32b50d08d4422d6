"""The steps of ``image prepare``, in order, each a function over a
:class:`Run`.

=============  ==========================================================
connect        with --upload, before anything else: authenticate, check
               the import method and stores, resolve --project, look for
               images of the same name (:class:`Abort`: no table)
inspect        real format and sizes (oslo.utils format_inspector); a
               --disk-format that disagrees with the content is refused
safety         the inspector's safety checks, then ``qemu-img check``
convert        ``qemu-img convert`` (--convert-to), then inspect and check
               the result
guest          the guest cloud-readiness checks (--guest-root,
               --inspect-guest; fixes with --fix-guest): they propose
               os_type/os_distro/os_version/hw_qemu_guest_agent
properties     the create body: disk/container format, min_disk,
               profiles, --property (over the guest's proposals)
validate       the body against the cloud's schema and metadefs (or a
               catalog directory); then a failed guest check stops here
               unless --allow-guest-failures (guest_verdict)
hash           md5 + sha512 in one read (during the upload when uploading)
upload         create + stream once, then compare Glance's checksums
manifest       JSON record of all of the above (--manifest)
=============  ==========================================================

A step that refuses the image raises :class:`Refused`: the rows are still
printed, the step is marked failed, exit code 1. The engines live in
:mod:`osc_imagetools.imagefile`, :mod:`osc_imagetools.guest`,
:mod:`osc_imagetools.validation` and :mod:`osc_imagetools.cloud.upload`.
The pipeline reaches the cloud only through :func:`image_proxy` and
:func:`project_id`.
"""

import contextlib
import logging
import math
import os
import time

from osc_imagetools import constants
from osc_imagetools import errors
from osc_imagetools.prepare import manifest as manifest_mod
from osc_imagetools.prepare import report as report_mod

LOG = logging.getLogger(__name__)


class Refused(errors.OperationError):
    """A step refused the image: rows are still printed, exit code 1."""

    def __init__(self, step, message):
        super().__init__(message)
        self.step = step


class Abort(errors.OperationError):
    """Nothing was done yet (no credentials, an unreachable cloud, a name
    taken under --unique-name): one line on stderr, no table, exit 1."""


class Run:
    """One run of the pipeline: the request, what the steps found so far
    and what they need from the command.

    ``display``: a :class:`osc_imagetools.progress.Display`; ``say(text)``
    writes one line about the run on stderr; ``connect()``: authenticates
    and returns the project's cloud client
    (:class:`osc_imagetools.cloud.client.Client`, what
    ``client_manager.imagetools`` is; only :func:`image_proxy` calls it);
    ``has_cloud()``: whether OSC was given a cloud (else validation is
    offline)."""

    def __init__(self, request, display, say, connect=None,
                 has_cloud=lambda: False):
        self.request = request
        self.display = display
        self.say = say
        self.connect = connect
        self.has_cloud = has_cloud
        self.client = None     # the cloud client, once connected
        self.out = report_mod.Outcome(request.file, guest=request.guest)
        self.proxy = None
        self.owner = None      # --project as an ID
        self.info = None       # the current file (source, converted, fixed)
        self.report = None     # the guest checks' report
        self.proposed = ()     # properties that came from the guest only
        self.body = None       # the create body (properties step)
        self.hashes = None


# -- the cloud ---------------------------------------------------------------
def image_proxy(run):
    """The SDK image proxy, authenticating now if need be (offline use
    needs no cloud: see base.ExitCodeMixin.auth_required). The one place
    the pipeline gets its cloud."""
    from osc_imagetools import cloud

    if run.proxy is None:
        try:
            run.client = run.connect()
        except Exception as exc:
            raise cloud.CloudError('cannot authenticate: %s' % (
                errors.one_line(exc))) from None
        run.proxy = run.client.image
    return run.proxy


def project_id(run, name_or_id, domain):
    """--project (and --project-domain) as a project ID, through
    Keystone (after :func:`image_proxy` authenticated)."""
    from osc_imagetools.cloud import upload

    image_proxy(run)
    return upload.find_project_id(run.client.sdk_connection,
                                  name_or_id, domain)


def connect(run):
    """With --upload, before any local work or output (read-only
    requests): authenticate, check the import method and stores, resolve
    --project, and look for images of the same name (a warning; refused
    with --unique-name)."""
    from osc_imagetools import cloud
    from osc_imagetools.cloud import upload

    req = run.request
    if not req.upload:
        return
    try:
        proxy = image_proxy(run)
        problem = upload.check_targets(proxy, req.import_method,
                                       list(req.stores))
        if problem:
            raise Abort(problem)
        if req.project:
            run.owner = project_id(run, req.project, req.project_domain)
        same = upload.find_image_ids(proxy, req.name)
    except cloud.CloudError as exc:
        raise Abort(str(exc)) from None
    if not same:
        return
    ids = ', '.join(same[:3]) + (', ...' if len(same) > 3 else '')
    if req.unique_name:
        raise Abort('%d image(s) already named %s (%s): choose another '
                    'name, or drop --unique-name to add one more'
                    % (len(same), req.name, ids))
    run.say('warning: %d image(s) already named %s (%s); %s another '
            '(--unique-name refuses)' % (
                len(same), req.name, ids,
                'a real run would upload' if req.dry_run else 'uploading'))


# -- inspect, safety ---------------------------------------------------------
def inspect(run):
    from osc_imagetools.imagefile import inspect as inspect_mod

    req, out = run.request, run.out
    # an unreadable file is an InspectError: an errors.InputError (exit 2)
    with run.display.status('inspect', 'reading %s' % req.file):
        info = inspect_mod.inspect_file(req.file)
    run.info = info
    out.describe(info)
    out.step('inspect', 'done', '%s, virtual size %s' % (
        info.detected, report_mod.human_size(info.virtual_size)))
    for note in info.notes:
        out.check('format', 'warning', note)
    mismatch = inspect_mod.declared_mismatch(info, req.disk_format)
    if mismatch:
        out.check('format', 'failed', mismatch)
        raise Refused('inspect', mismatch)
    out.check('format', 'ok', info.format if not req.disk_format
              else '%s as given' % info.format)


def safety(run):
    check_safety(run, run.info, 'safety')


def check_safety(run, info, step):
    """The inspector's safety verdict, then ``qemu-img check``, on
    ``info``; failures refuse the image at ``step``."""
    from osc_imagetools.imagefile import convert as convert_mod

    out = run.out
    if info.failures:
        for failure in info.failures:
            out.check('safety', 'failed', str(failure))
        raise Refused(step, 'unsafe image %s: %s' % (
            info.path, '; '.join(str(f) for f in info.failures)))
    out.check('safety', 'ok', 'format_inspector checks passed')
    try:
        with run.display.status('check', 'qemu-img check %s' % info.path):
            problems = convert_mod.check(info)
    except convert_mod.ConvertError as exc:
        out.check('integrity', 'skipped', str(exc))
    else:
        if problems:
            for problem in problems:
                out.check('integrity', 'failed', problem)
            raise Refused(step, 'qemu-img check found problems in %s: %s'
                          % (info.path, '; '.join(problems)))
        checkable = info.format in convert_mod.CHECKABLE
        out.check('integrity', 'ok' if checkable else 'skipped',
                  'qemu-img check' if checkable
                  else 'no checker for %s' % info.format)
    out.step(step, 'done')


# -- convert -----------------------------------------------------------------
def convert(run):
    from osc_imagetools.imagefile import convert as convert_mod
    from osc_imagetools.imagefile import inspect as inspect_mod

    req, out, info = run.request, run.out, run.info
    if not req.convert_to:
        return
    if req.dry_run:
        # nothing written: the next steps see the source, and the
        # properties get the target format
        out.step('convert', 'skipped', 'dry run: would convert %s -> %s '
                 'and write %s' % (info.format, req.convert_to, req.output))
        return
    total = info.virtual_size
    display = run.display
    try:
        with display.bar('convert', total) as update:
            convert_mod.convert(info, req.convert_to, req.output,
                                progress=(lambda f: update(int(f * total)))
                                if display.enabled else None)
    except convert_mod.ConvertError as exc:
        raise Refused('convert', str(exc)) from None
    out.role = 'output'
    with display.status('inspect', 'reading %s' % req.output):
        converted = inspect_mod.inspect_file(req.output)
    if converted.format != req.convert_to:
        raise Refused('convert', 'qemu-img wrote %s, which is %s, not %s'
                      % (req.output, converted.format, req.convert_to))
    out.describe(converted)
    check_safety(run, converted, 'convert')
    out.step('convert', 'done', '%s -> %s, wrote %s (%s)' % (
        info.format, converted.format, req.output,
        report_mod.human_size(converted.actual_size)))
    run.info = converted


# -- guest -------------------------------------------------------------------
def check_guest(run, image):
    """Open the guest (the --guest-root tree or ``image``), run the
    checks (and fixes); ``(report, target, mode)``. A fixed copy that
    fails half-way is removed."""
    from osc_imagetools import guest as guest_mod

    req = run.request
    # a dry run fixes nothing: the checks say what a fix would do
    fix = req.fix_guest and not req.dry_run
    copy = None
    if req.guest_root:
        kwargs = {'path': req.guest_root, 'writable': fix}
        target = req.guest_root
        mode = 'tree, fixed in place' if fix else 'tree'
    elif not fix:
        kwargs, target, mode = {'image': image}, image, 'image, read-only'
        if req.fix_guest:
            mode += ' (dry run: would fix %s)' % (
                'it in place' if req.convert_to else
                'a copy at %s' % req.output)
    elif req.in_place or req.convert_to:
        kwargs = {'image': image, 'writable': True}
        target, mode = image, 'image, fixed in place'
    else:
        copy = target = req.output
        if req.force and os.path.lexists(copy):
            os.unlink(copy)   # the option checks allowed it with --force
        kwargs = {'image': image, 'writable': True, 'copy_to': copy}
        mode = 'image, fixed copy of %s' % image
    started = time.monotonic()
    try:
        with run.display.status('guest', 'checking the guest in %s'
                                % target), \
                guest_mod.open_root(**kwargs) as root:
            report = guest_mod.run_checks(root, fix=fix,
                                          user_props=req.properties)
        LOG.debug('guest checks (%s) on %s: %.2f s', mode, target,
                  time.monotonic() - started)
    except BaseException:
        if copy and os.path.lexists(copy):
            os.unlink(copy)
        raise
    return report, target, mode


def guest(run):
    """Every guest check into ``checks``, the summary (proposed
    properties, changes) into ``guest``. A fixed image file is inspected
    again and is what the next steps use."""
    from osc_imagetools import guest as guest_mod
    from osc_imagetools.imagefile import inspect as inspect_mod

    req, out = run.request, run.out
    if not req.guest:
        return
    try:
        report, target, mode = check_guest(run, run.info.path)
    except guest_mod.GuestError as exc:
        raise Refused('guest', str(exc)) from None
    run.report = report
    role = ('guest tree' if req.guest_root else 'output'
            if target != req.file else 'source')
    for c in report.checks:
        out.check(c.id, c.status, report_mod.guest_detail(c), file=role)
    summary = report.to_dict()
    del summary['checks']
    summary.update(source=target, mode=mode)
    out.row['guest'] = summary
    if req.inspect_guest and req.fix_guest and not req.dry_run:
        run.info = inspect_mod.inspect_file(target)
        out.describe(run.info)
        out.role = role
    counts = {}
    for c in report.checks:
        counts[c.status] = counts.get(c.status, 0) + 1
    out.step('guest', 'done', '%s: %s%s' % (
        report.os.describe(), ', '.join(
            '%d %s' % (counts[s], s) for s in guest_mod.STATUSES
            if s in counts) or 'no checks',
        ', %d change(s)' % len(report.changes) if report.changes
        else ''))


def guest_only(run):
    """--guest-only: the guest report alone (:class:`Refused` when the
    guest cannot be read)."""
    from osc_imagetools import guest as guest_mod

    try:
        return check_guest(run, run.request.file)[0]
    except guest_mod.GuestError as exc:
        raise Refused('guest', str(exc)) from None


def guest_verdict(run):
    """A failed guest check stops before hashing and uploading, unless
    --allow-guest-failures."""
    report, out = run.report, run.out
    if report is None or not report.failed:
        return
    failed = ', '.join(c.id for c in report.failures)
    if run.request.allow_guest_failures:
        detail = out.steps['guest']['detail']
        out.step('guest', 'done', '%s (allowed: %s)' % (detail, failed))
        return
    raise Refused('guest', 'guest check(s) failed: %s (see checks; '
                  '--allow-guest-failures goes on)' % failed)


# -- properties, validate ----------------------------------------------------
def min_disk(virtual_size):
    """The smallest whole number of GiB that holds ``virtual_size``
    bytes, at least 1 (Glance's min_disk is in GiB)."""
    return max(1, math.ceil(virtual_size / constants.GiB))


def properties(run):
    """The create body: the guest's proposals under everything the user
    gave, the formats and min_disk (a dry run with --convert-to describes
    the file it did not write)."""
    req, out, info = run.request, run.out, run.info
    props = dict(run.report.properties) if run.report else {}
    run.proposed = sorted(k for k in props if k not in req.properties)
    props.update(req.properties)
    disk_format = (req.convert_to if req.dry_run and req.convert_to
                   else info.format)
    size = req.min_disk if req.min_disk is not None \
        else min_disk(info.virtual_size)
    run.body = req.create_body(disk_format, size, props, owner=run.owner)
    out.row.update(disk_format=disk_format,
                   container_format=req.container_format,
                   min_disk=size, properties=dict(props))
    out.step('properties', 'done', '%d properties%s%s' % (
        len(props), ', profiles %s' % ', '.join(req.profiles)
        if req.profiles else '', ', from the guest: %s' % ', '.join(
            run.proposed) if run.proposed else ''))


def catalog(run):
    """``(schema, namespaces, where from)`` for the validator: a
    catalog directory, the cloud, or (offline, no catalog) nothing -
    then Nova's values and the cross-property rules still apply."""
    from osc_imagetools import cloud
    from osc_imagetools.cloud import validation as cloud_validation
    from osc_imagetools.validation import catalog_dir

    req = run.request
    if req.catalog_dir:
        # CatalogDirError is an errors.InputError (exit 2)
        schema, namespaces = catalog_dir.read_catalog_dir(req.catalog_dir)
        return schema, namespaces, 'catalog %s' % req.catalog_dir
    if run.proxy is None and not run.has_cloud():
        return None, [], ('offline: no cloud and no --catalog-dir, so no '
                          'schema or metadef checks')
    try:
        # what image validate reads: the schema and the image catalog
        got = cloud_validation.fetch(image_proxy=image_proxy(run),
                                     catalog=True)
    except cloud.CloudError as exc:
        raise Refused('properties', 'cannot read the image schema and '
                      'metadef catalog: %s' % exc) from None
    return got['schema'], got['catalog'], "the cloud's schema and metadefs"


def validate(run):
    """The validate engine (``image validate``) on the create body (less
    the owner, an ID we resolved); an error stops here (exit 1), warnings
    are listed."""
    from osc_imagetools.prepare import request as request_mod
    from osc_imagetools.validation import engine

    req, out, info = run.request, run.out, run.info
    schema, namespaces, source = catalog(run)
    # an unknown --ignore rule is an UnknownRuleError: an InputError
    validator = engine.Validator(schema, namespaces, ignore=list(req.ignore))
    candidate = {k: v for k, v in run.body.items() if k != 'owner'}
    props = request_mod.properties_of(candidate)
    findings = validator.validate(candidate, info.virtual_size,
                                  os.path.basename(info.path))
    if schema is None:
        # without the schema the core attributes look unknown
        findings = [f for f in findings if not (
            f.rule == engine.RULE_UNKNOWN and f.property in candidate
            and f.property not in props)]
    failed = [f for f in findings if f.severity == engine.ERROR]
    for f in findings:
        out.check('validate', 'failed' if f.severity == engine.ERROR
                  else 'warning', '%s: %s [%s]' % (f.property, f.message,
                                                   f.rule), file=None)
    if failed:
        raise Refused('properties', '%d validation error(s): %s' % (
            len(failed), '; '.join('%s: %s' % (f.property, f.message)
                                   for f in failed)))
    out.check('validate', 'ok', '%s%s' % (
        source, ', %d warning(s)' % len(findings) if findings else ''),
        file=None)


# -- hash, upload, manifest --------------------------------------------------
def hash(run):
    from osc_imagetools.imagefile import hashing

    req, out, info = run.request, run.out, run.info
    if req.upload and not req.dry_run:
        out.step('hash', 'pending', 'while uploading')
        return
    if req.dry_run and (req.convert_to or (req.inspect_guest
                                           and req.fix_guest)):
        # what a real run hashes (the converted file or the fixed copy at
        # --output) does not exist
        out.step('hash', 'skipped', 'dry run: %s was not written'
                 % req.output)
        return
    with run.display.bar('hash', os.path.getsize(info.path)) as update:
        run.hashes = hashing.hash_file(info.path, update)
    out.set_hashes(run.hashes)
    out.step('hash', 'done', 'md5 + sha512, one read')


def upload(run):
    """Create the image (the create body), send the data once (hashed
    on the way unless the hash step did), compare Glance's checksums."""
    from osc_imagetools import cloud
    from osc_imagetools.cloud import upload as upload_mod
    from osc_imagetools.imagefile import hashing

    req, out, info = run.request, run.out, run.info
    if not req.upload:
        return
    if req.dry_run:
        out.step('upload', 'skipped', 'dry run: would create %s' % req.name)
        return
    body = hashing.HashingBody(info.path, hash=run.hashes is None)
    proxy = image_proxy(run)
    with contextlib.ExitStack() as shown:
        body.progress = shown.enter_context(
            run.display.bar('upload', body.total))
        waiting = []

        def on_poll(image):
            # the data is staged: Glance's import task runs
            if not waiting:
                shown.close()
                waiting.append(shown.enter_context(
                    run.display.status('import', '')))
            waiting[0].update("waiting for Glance's import task "
                              '(image %s)' % image.get('status'))
        try:
            image = upload_mod.upload(
                proxy, run.body, body, req.import_method, list(req.stores),
                on_created=lambda img: out.row.update(image_id=img['id']),
                on_poll=on_poll)
        except upload_mod.UploadInterrupted as exc:
            shown.close()
            run.say(exc.note)
            raise
        except cloud.CloudError as exc:
            raise Refused('upload', str(exc)) from None
    if run.hashes is None:
        run.hashes = body.hashes
        out.set_hashes(run.hashes)
        out.step('hash', 'done', 'md5 + sha512, while uploading')
    out.row['image_id'] = image['id']
    diffs = upload_mod.compare(image, run.hashes)
    if diffs:
        for field, theirs, ours in diffs:
            out.check('checksum', 'failed', '%s: glance %s, local %s'
                      % (field, theirs, ours))
        try:
            done = upload_mod.handle_mismatch(proxy, image['id'],
                                              req.delete_on_mismatch)
        except cloud.CloudError as exc:
            done = 'could not mark image %s: %s' % (image['id'], exc)
        raise Refused('upload', 'the data Glance stored differs from '
                      '%s (%s); %s' % (info.path, ', '.join(
                          d[0] for d in diffs), done))
    out.check('checksum', 'ok', 'checksum (md5) and os_hash_value '
              '(%s) match' % image.get('os_hash_algo'))
    out.step('upload', 'done',
             'image %s is %s' % (image['id'], image.get('status')))


def manifest(run):
    req, out = run.request, run.out
    if not req.manifest:
        return
    if req.dry_run:
        out.step('manifest', 'skipped', 'dry run: would write %s'
                 % req.manifest)
        return
    data = manifest_mod.build(req, out, run.body, run.info.path)
    out.step('manifest', 'done', req.manifest)
    data['steps'] = [dict(out.steps[s]) for s in out.names]
    manifest_mod.write(req.manifest, data)
    out.row['manifest'] = req.manifest


# the steps after connect, in order
PIPELINE = (inspect, safety, convert, guest, properties, validate,
            guest_verdict, hash, upload, manifest)


def run_steps(run):
    """Run :data:`PIPELINE`; the :class:`Refused` that stopped it (its
    step marked failed in the outcome), or None."""
    try:
        for step in PIPELINE:
            step(run)
    except Refused as exc:
        run.out.step(exc.step, 'failed', str(exc))
        return exc
    return None
