"""Helpers shared by the guest engine's unit tests."""

import fixtures
import testtools

from osc_imagetools import guest
from tests.unit.guest import trees


class GuestTestCase(testtools.TestCase):

    def tree(self, builder=None):
        top = self.useFixture(fixtures.TempDir()).path + '/root'
        return (builder or trees.Tree)(top)

    def run_checks(self, tree, fix=False, user_props=None):
        with guest.open_root(path=tree.top, writable=fix) as root:
            return guest.run_checks(root, fix=fix, user_props=user_props)

    def check(self, tree, check_id, status=None, fix=False, user_props=None):
        """The row ``check_id`` of a run (asserting its status)."""
        report = self.run_checks(tree, fix=fix, user_props=user_props)
        found = [c for c in report.checks if c.id == check_id]
        self.assertEqual(1, len(found), [c.id for c in report.checks])
        if status is not None:
            self.assertEqual(status, found[0].status, found[0])
        return found[0]

    def fix_and_recheck(self, tree, check_id):
        """Fix ``check_id``, assert it reports ``fixed`` and that a fresh
        read-only run of the check passes; return the fixed row and the
        report's changes."""
        report = self.run_checks(tree, fix=True)
        row = next(c for c in report.checks if c.id == check_id)
        self.assertEqual('fixed', row.status, row)
        self.assertTrue(row.fix)
        self.check(tree, check_id, 'pass')
        return row, report.changes
