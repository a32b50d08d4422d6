"""The share planner (osc_imagetools.sharing): pure code, real shapes.

The share dicts are built by ``cloud.members._share`` from image records in
the shape Glance 33 returns them (``GET /v2/images?visibility=shared``).
"""

import testtools

from osc_imagetools.cloud import members
from osc_imagetools import ids
from osc_imagetools.sharing import plan
from osc_imagetools.sharing import select

PRODUCER = 'a90c92a24a264acfbf585de99ef77842'
OTHER = '5b1c0e7f7d6e4c0f9a1f0d7e2c3b4a59'


def image(image_id, name, owner=PRODUCER):
    # one record of Glance 33's image listing, trimmed of nothing we use
    return {'name': name, 'disk_format': 'raw', 'container_format': 'bare',
            'visibility': 'shared', 'size': None, 'virtual_size': None,
            'status': 'queued', 'checksum': None, 'protected': False,
            'min_ram': 0, 'min_disk': 0, 'owner': owner, 'os_hidden': False,
            'os_hash_algo': None, 'os_hash_value': None, 'id': image_id,
            'created_at': '2026-11-26T02:22:16Z',
            'updated_at': '2026-11-26T02:22:16Z', 'tags': [],
            'self': '/v2/images/%s' % image_id, 'file': '/v2/images/%s/file'
            % image_id, 'schema': '/v2/schemas/image'}


ID_A = '0f935014-3fd6-40a8-9130-ec041f40c8e7'
ID_B = 'b1da3d02-32a8-4437-a9de-c5207883827d'
ID_C = '528f5b02-9c9d-4384-9388-b915ec31fc72'
ID_D = '07755cfd-203a-46fa-bd97-4d0deaf6fee6'
UNKNOWN = 'f75d8c53-64cd-42b9-bb91-6546a434a8b2'


def shares():
    return [
        members._share(image(ID_A, 'web-a'), 'pending'),
        members._share(image(ID_B, 'web-b'), 'accepted'),
        members._share(image(ID_C, 'db'), 'rejected'),
        members._share(image(ID_D, 'db', owner=OTHER), 'pending'),
    ]


class TestShareShape(testtools.TestCase):

    def test_share_from_listing_record(self):
        share = members._share(image(ID_A, 'web-a'), 'pending')
        self.assertEqual({'id': ID_A, 'name': 'web-a', 'owner': PRODUCER,
                          'visibility': 'shared', 'status': 'pending'}, share)

    def test_share_from_member_record_has_membership_times(self):
        member = {'member_id': OTHER, 'image_id': ID_A, 'status': 'accepted',
                  'created_at': '2026-11-26T02:22:16Z',
                  'updated_at': '2026-11-26T02:22:19Z',
                  'schema': '/v2/schemas/member'}
        share = members._share(image(ID_A, 'web-a'), 'accepted', member)
        self.assertEqual('2026-11-26T02:22:19Z', share['updated_at'])
        self.assertEqual('2026-11-26T02:22:16Z', share['created_at'])


class TestTargetStatus(testtools.TestCase):

    def test_targets(self):
        self.assertEqual('accepted', select.target_status())
        self.assertEqual('rejected', select.target_status(reject=True))
        self.assertEqual('pending', select.target_status(pending=True))
        self.assertRaises(ValueError, select.target_status, True, True)


class TestResolve(testtools.TestCase):

    def test_by_id_and_by_name_in_any_status(self):
        picks = select.resolve([ID_B, 'web-a'], shares())
        self.assertEqual([ID_B, ID_A], [p.share['id'] for p in picks])
        self.assertEqual(['accepted', 'pending'],
                         [p.share['status'] for p in picks])

    def test_ambiguous_name_fails_that_item_only(self):
        picks = select.resolve(['db', 'web-a'], shares())
        self.assertIsNone(picks[0].share)
        self.assertIn('ambiguous', picks[0].error)
        self.assertIn(ID_C, picks[0].error)
        self.assertIn(ID_D, picks[0].error)
        self.assertEqual(ID_A, picks[1].share['id'])

    def test_owner_disambiguates_a_name(self):
        [pick] = select.resolve(['db'], shares(), owner=OTHER)
        self.assertEqual(ID_D, pick.share['id'])

    def test_name_prefix_narrows_names(self):
        [pick] = select.resolve(['db'], shares(), name_prefix='web')
        self.assertIsNone(pick.share)
        self.assertIn("name starting with 'web'", pick.error)

    def test_id_is_taken_whatever_the_filters(self):
        [pick] = select.resolve([ID_D], shares(), owner=PRODUCER)
        self.assertEqual(ID_D, pick.share['id'])

    def test_unknown_name_fails_unknown_id_asks_for_a_lookup(self):
        name, uid = select.resolve(['nope', UNKNOWN], shares())
        self.assertIsNone(name.share)
        self.assertFalse(name.lookup)
        self.assertIn('no image of that name', name.error)
        self.assertTrue(uid.lookup)
        self.assertIsNone(uid.error)

    def test_complete_fills_lookups(self):
        found_share = dict(shares()[0], id=UNKNOWN)
        picks = select.resolve(['nope', UNKNOWN, ID_C, ID_A.upper()],
                               shares())
        picks = select.complete(picks, {
            UNKNOWN: found_share, ID_A.upper(): '404 No image found'})
        self.assertIsNotNone(picks[0].error)
        self.assertIs(found_share, picks[1].share)
        self.assertEqual(ID_C, picks[2].share['id'])
        self.assertEqual('404 No image found', picks[3].error)

    def test_looks_like_id(self):
        self.assertTrue(ids.looks_like_id(ID_A))
        self.assertFalse(ids.looks_like_id('db'))
        self.assertFalse(ids.looks_like_id(''))


class TestSelectAll(testtools.TestCase):

    def test_every_share_not_yet_in_target_sorted(self):
        picks = select.select_all(shares(), 'accepted')
        # by name, then ID: ID_D ('0775...') before ID_C ('528f...')
        self.assertEqual([ID_D, ID_C, ID_A], [p.share['id'] for p in picks])

    def test_filters(self):
        picks = select.select_all(shares(), 'rejected', owner=PRODUCER,
                                  name_prefix='web')
        self.assertEqual([ID_A, ID_B], [p.share['id'] for p in picks])
        self.assertEqual([], select.select_all(shares(), 'pending',
                                               owner=OTHER))


class TestPlan(testtools.TestCase):

    def rows(self, result):
        columns, rows = result.table()
        return [dict(zip(columns, r)) for r in rows]

    def test_unchanged_changed_failed(self):
        picks = select.resolve([ID_A, ID_B, 'db', ID_C], shares())
        result = plan.Plan(picks, 'accepted')
        self.assertEqual([ID_A, ID_C], result.write_ids)
        result.record([None, '403 You are not authorized'])
        rows = self.rows(result)
        self.assertEqual(plan.ACCEPT_COLUMNS, result.table()[0])
        self.assertEqual(('pending', 'accepted', 'changed'),
                         (rows[0]['Previous Status'], rows[0]['Status'],
                          rows[0]['Result']))
        self.assertEqual(('accepted', 'accepted', 'unchanged'),
                         (rows[1]['Previous Status'], rows[1]['Status'],
                          rows[1]['Result']))
        self.assertEqual(('', 'db'), (rows[2]['ID'], rows[2]['Name']))
        self.assertTrue(rows[2]['Result'].startswith('failed: name is '
                                                     'ambiguous'))
        self.assertEqual(('rejected', 'rejected',
                          'failed: 403 You are not authorized'),
                         (rows[3]['Previous Status'], rows[3]['Status'],
                          rows[3]['Result']))
        self.assertEqual(2, result.failed)

    def test_dry_run_writes_nothing(self):
        result = plan.Plan(select.select_all(shares(), 'rejected'),
                           'rejected', dry_run=True)
        self.assertEqual([], result.write_ids)
        rows = self.rows(result)
        self.assertEqual({'would change'}, {r['Result'] for r in rows})
        self.assertEqual({'rejected'}, {r['Status'] for r in rows})
        self.assertEqual(0, result.failed)

    def test_an_image_named_twice_is_handled_once(self):
        picks = select.resolve(['web-a', ID_B, ID_A], shares())
        result = plan.Plan(picks, 'accepted')
        self.assertEqual([ID_A, ID_B], [r['ID'] for r in self.rows(result)])
        self.assertEqual([ID_A], result.write_ids)

    def test_failed_lookup_row_keeps_the_id(self):
        picks = select.complete(select.resolve([UNKNOWN], shares()),
                                {UNKNOWN: '404 No image found with ID x'})
        [row] = self.rows(plan.Plan(picks, 'accepted'))
        self.assertEqual((UNKNOWN, '', 'failed: 404 No image found with '
                          'ID x'), (row['ID'], row['Name'], row['Result']))

    def test_failures_are_a_field_not_the_text(self):
        picks = select.resolve([ID_A, ID_B, 'db', ID_C], shares())
        result = plan.Plan(picks, 'accepted')
        result.record([None, 'failed: looks like a failure'])
        self.assertEqual([False, False, True, True],
                         [r['failed'] for r in result.rows])
        # a reason or a Result text that reads "failed: " counts nothing
        result.rows[0]['Result'] = 'failed: only words'
        self.assertEqual(2, result.failed)
        # the table has the columns only
        self.assertEqual(plan.ACCEPT_COLUMNS, result.table()[0])
        self.assertEqual(len(plan.ACCEPT_COLUMNS), len(result.table()[1][0]))

    def test_record_checks_alignment(self):
        result = plan.Plan(select.resolve([ID_A], shares()), 'accepted')
        self.assertRaises(ValueError, result.record, [])


class TestListTable(testtools.TestCase):

    def test_columns_and_order(self):
        columns, rows = plan.list_table(shares())
        self.assertEqual(('ID', 'Name', 'Owner', 'Status'), columns)
        self.assertEqual(['db', 'db', 'web-a', 'web-b'],
                         [r[1] for r in rows])

    def test_long_adds_membership_times(self):
        items = shares()[:1]
        items[0].update(created_at='2026-11-26T02:22:16Z',
                        updated_at='2026-11-26T02:22:19Z')
        columns, rows = plan.list_table(items, long=True)
        self.assertEqual(plan.LONG_COLUMNS, columns)
        self.assertEqual(('2026-11-26T02:22:16Z', '2026-11-26T02:22:19Z'),
                         rows[0][-2:])
