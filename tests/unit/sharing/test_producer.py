"""The owner's-side planner (osc_imagetools.sharing.producer): pure code
over image and member records in the shape Glance 33 returns them."""

import testtools

from osc_imagetools import ids
from osc_imagetools import sharing
from osc_imagetools.sharing import producer

P1 = 'a90c92a24a264acfbf585de99ef77842'
P2 = '5b1c0e7f7d6e4c0f9a1f0d7e2c3b4a59'
ID_A = '0f935014-3fd6-40a8-9130-ec041f40c8e7'
ID_B = 'b1da3d02-32a8-4437-a9de-c5207883827d'


def image(image_id, name, visibility='shared'):
    return {'id': image_id, 'name': name, 'visibility': visibility,
            'owner': 'e6bd842f2fd64639b19d7162dca8e256'}


def member(project, status):
    # GET /v2/images/{id}/members, one item
    return {'member_id': project, 'status': status, 'image_id': ID_A,
            'created_at': '2026-11-30T20:20:24Z',
            'updated_at': '2026-11-30T20:21:00Z', 'schema':
            '/v2/schemas/member'}


class TestMemberPlan(testtools.TestCase):

    def targets(self):
        return [producer.Target(ID_A, image(ID_A, 'a'),
                                {P1: member(P1, 'rejected')}),
                producer.Target('a', image(ID_A, 'a'), {}),  # same image
                producer.Target('nope', error='you own no image named'),
                producer.Target(ID_B, image(ID_B, 'b'), {})]

    def rows(self, plan):
        return [(r[0], r[2], r[3], r[4], r[5]) for r in plan.table()[1]]

    def test_add_rows_and_writes(self):
        plan = producer.MemberPlan('add', self.targets(), [P1, P2, P1])
        self.assertEqual([(ID_A, P2), (ID_B, P1), (ID_B, P2)], plan.pairs)
        plan.record([None, '413 quota', None])
        self.assertEqual(
            [(ID_A, P1, 'rejected', 'rejected', 'unchanged'),
             (ID_A, P2, '', 'pending', 'added'),
             ('', P1, '', '', 'failed: you own no image named'),
             ('', P2, '', '', 'failed: you own no image named'),
             (ID_B, P1, '', '', 'failed: 413 quota'),
             (ID_B, P2, '', 'pending', 'added')], self.rows(plan))
        self.assertEqual(3, plan.failed)
        self.assertEqual(producer.COLUMNS, plan.table()[0])

    def test_remove_dry_run(self):
        plan = producer.MemberPlan('remove', self.targets(), [P1, P2],
                                   dry_run=True)
        self.assertEqual([], plan.pairs)
        plan.record([])
        self.assertEqual(
            [(ID_A, P1, 'rejected', '', 'would remove'),
             (ID_A, P2, '', '', 'unchanged')], self.rows(plan)[:2])
        self.assertRaises(ValueError, plan.record, [None])

    def test_not_shared(self):
        self.assertIsNone(producer.not_shared(image(ID_A, 'a')))
        self.assertIn('--set-shared', producer.not_shared(
            image(ID_A, 'a', 'private')))
        self.assertNotIn('--set-shared', producer.not_shared(
            image(ID_A, 'a', 'public'), 'remove'))


class TestOutgoing(testtools.TestCase):

    def test_rows(self):
        images = [image(ID_B, 'b'), image(ID_A, 'a')]
        held = {ID_A: {P2: member(P2, 'pending'), P1: member(P1, 'accepted')},
                ID_B: {}}
        cols, rows = producer.outgoing_table(images, held)
        self.assertEqual(('ID', 'Name', 'Member', 'Status'), cols)
        # by image name, then member ID
        self.assertEqual([(ID_A, 'a', P2, 'pending'),
                          (ID_A, 'a', P1, 'accepted'),
                          (ID_B, 'b', '', '')], rows)
        cols, rows = producer.outgoing_table(images, held, ('accepted',),
                                             long=True)
        self.assertEqual([(ID_A, 'a', P1, 'accepted', '2026-11-30T20:20:24Z',
                           '2026-11-30T20:21:00Z')], rows)
        cols, rows = producer.outgoing_table(images, {ID_A: '404 gone'})
        self.assertEqual('failed: 404 gone', rows[0][3])


class TestLooksLikeId(testtools.TestCase):

    def test_the_one_rule(self):
        for good in (ID_A, ID_A.upper(), P1, ID_A.replace('-', '')):
            self.assertTrue(ids.looks_like_id(good), good)
        for bad in ('producer', '', None, P1[:-1], P1 + '0', '{%s}' % ID_A,
                    'urn:uuid:' + ID_A, ID_A[:8] + ID_A[9:],
                    'g' * 32):
            self.assertFalse(ids.looks_like_id(bad), bad)

    def test_incoming_excludes_own(self):
        shares = [{'id': ID_A, 'owner': P1}, {'id': ID_B, 'owner': P2}]
        self.assertEqual([ID_B], [s['id'] for s in
                                  sharing.incoming(shares, P1)])
