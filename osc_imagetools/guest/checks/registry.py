"""The check records, their registry and the runner.

A check is a :class:`Record` (in the spirit of virt-sysprep's operations):
its id, a title, what the image guide requires (reStructuredText, the text
of doc/source/guest-checks.rst), what a miss is (``fail``/``warn``), the
check ``facts -> Check`` and, when there is a safe one, the fix
``(facts, check) -> [Change]`` (which may raise :class:`NotFixable`) with
a word on what it does. The id is written once, in the record; the check
functions build their rows with :func:`.model.ok` and friends.

:func:`run_checks` runs every record that applies to the guest's OS kind,
in registration order (the group modules' order, then their own); with
``fix=True`` it applies the fix of each ``warn``/``fail`` and runs the
check again: ``fixed`` means the re-check passed.
"""

import dataclasses
import functools
import os

import yaml

from osc_imagetools.guest import facts as facts_mod
from osc_imagetools.guest import roots
from osc_imagetools.guest.checks import model

DATA_FILE = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__)))), 'data', 'guest-checks.yaml')

ALL_KINDS = ('linux', 'windows', 'freebsd', None)


@functools.lru_cache(maxsize=4)
def load_data(path=DATA_FILE):
    """The data file (read once; treat it as read-only)."""
    with open(path) as f:
        return yaml.safe_load(f)


@dataclasses.dataclass(frozen=True)
class Group:
    name: str      # section title in the docs
    kinds: tuple   # OS kinds its checks apply to
    intro: str = ''


@dataclasses.dataclass(frozen=True)
class Record:
    id: str
    title: str
    group: Group
    requires: str            # what the guide requires, reStructuredText
    check: object            # facts -> model.Check
    severity: str = ''       # what a miss is: fail or warn ('' varies)
    fix: object = None       # (facts, check) -> [model.Change]
    fix_doc: str = ''        # "fixed by emptying the file"

    @property
    def kinds(self):
        return self.group.kinds


RECORDS = []


def record(group, check_id, title, requires, severity='', fix=None,
           fix_doc=''):
    """Decorator registering the decorated check function as a record."""
    def register(func):
        if any(r.id == check_id for r in RECORDS):
            raise ValueError('check %s registered twice' % check_id)
        RECORDS.append(Record(check_id, title, group,
                              ' '.join(requires.split()), func, severity,
                              fix, fix_doc))
        return func
    return register


def by_id(check_id):
    return next(r for r in RECORDS if r.id == check_id)


def _run(rec, facts):
    result = rec.check(facts)
    result.id = rec.id
    return result


def run_checks(root, fix=False, user_props=None, data=None):
    """Run every check that applies to the guest in ``root``; with ``fix``
    (a writable root) apply the safe fixes. Returns a
    :class:`~.model.GuestReport`."""
    if fix and not root.writable:
        raise roots.GuestError('%s is open read-only: cannot fix it'
                               % root.description)
    facts = facts_mod.Facts(root, data or load_data(), user_props)
    report = model.GuestReport(os=facts.os)
    for rec in RECORDS:
        if facts.os.kind not in rec.kinds:
            continue
        result = _run(rec, facts)
        if fix and rec.fix and result.status in (model.WARN, model.FAIL):
            result = _fix(rec, facts, result, report)
        report.checks.append(result)
    report.properties = dict(facts.os.properties())
    report.properties.update(facts.proposed)
    return report


def _fix(rec, facts, result, report):
    try:
        changes = rec.fix(facts, result)
    except model.NotFixable as exc:
        result.fix = str(exc)
        return result
    report.changes.extend(changes)
    facts.reset()
    after = _run(rec, facts)
    done = '; '.join(str(c) for c in changes)
    if after.status == model.PASS or after.fixed_ok:
        extra = ('; ' + after.fix) if after.fixed_ok and after.fix else ''
        return model.Check(rec.id, model.FIXED, result.path, result.detail,
                           done + extra)
    after.fix = 'changed (%s) but still: %s' % (done, after.fix)
    return after


def doc_rst():
    """The reStructuredText list of every check, by group, written from the
    records (doc/source/guest-checks.rst includes it through the
    ``guest-checks`` directive of doc/source/ext/guestchecks.py)."""
    lines, group = [], None
    for rec in RECORDS:
        if rec.group is not group:
            group = rec.group
            lines += ['', group.name, '-' * len(group.name), '']
            if group.intro:
                lines += [' '.join(group.intro.split()), '']
        how = ', '.join(x for x in (rec.severity, rec.fix_doc) if x)
        lines.append('``%s``%s' % (rec.id, ' (%s)' % how if how else ''))
        lines.append('    **%s.** %s' % (rec.title.rstrip('.'),
                                         rec.requires))
    return '\n'.join(lines).lstrip('\n') + '\n'
