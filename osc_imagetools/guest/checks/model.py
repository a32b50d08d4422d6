"""The result model of the guest checks: a :class:`Check` row per check,
the :class:`Change` list of what the fixes did, the :class:`GuestReport`
of a run. Check functions build their row with :func:`ok`, :func:`warn`,
:func:`fail` or :func:`na`; the runner stamps the record's id on it."""

import dataclasses

from osc_imagetools import constants

PASS, WARN, FAIL, FIXED, NA = 'pass', 'warn', 'fail', 'fixed', 'n-a'
STATUSES = (PASS, WARN, FAIL, FIXED, NA)
COLUMNS = constants.GUEST_COLUMNS


@dataclasses.dataclass
class Check:
    """One row: ``fix`` is the hint for a warn/fail, what was done for a
    ``fixed`` check, empty otherwise."""

    id: str
    status: str
    path: str = ''
    detail: str = ''
    fix: str = ''
    # a re-check after a fix may accept what is left (grub.cfg to
    # regenerate): read by the runner only right after a fix
    fixed_ok: bool = dataclasses.field(default=False, repr=False,
                                       compare=False)

    def row(self):
        return (self.id, self.status, self.path, self.detail, self.fix)

    def to_dict(self):
        return dict(zip(COLUMNS, self.row()))


def ok(path='', detail=''):
    return Check('', PASS, path, detail)


def warn(path, detail, fix=''):
    return Check('', WARN, path, detail, fix)


def fail(path, detail, fix=''):
    return Check('', FAIL, path, detail, fix)


def na(path, detail):
    return Check('', NA, path, detail)


@dataclasses.dataclass(frozen=True)
class Change:
    """One change made to the guest."""

    path: str
    action: str   # emptied, removed, edited, created
    detail: str = ''

    def __str__(self):
        text = '%s %s' % (self.action, self.path)
        return '%s (%s)' % (text, self.detail) if self.detail else text

    def to_dict(self):
        return dataclasses.asdict(self)


class NotFixable(Exception):
    """The fixer declines: ``str()`` says why (shown in the Fix column)."""


@dataclasses.dataclass
class GuestReport:
    """The result of :func:`~osc_imagetools.guest.checks.run_checks`."""

    os: object
    checks: list = dataclasses.field(default_factory=list)
    properties: dict = dataclasses.field(default_factory=dict)
    changes: list = dataclasses.field(default_factory=list)

    columns = COLUMNS

    def rows(self):
        return [c.row() for c in self.checks]

    @property
    def failures(self):
        return [c for c in self.checks if c.status == FAIL]

    @property
    def failed(self):
        return bool(self.failures)

    def to_dict(self):
        return {'os': dataclasses.asdict(self.os),
                'checks': [c.to_dict() for c in self.checks],
                'properties': dict(self.properties),
                'changes': [c.to_dict() for c in self.changes]}
