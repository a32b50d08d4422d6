"""`openstack image share-accept` / `openstack image share list` against
the real Glance + Keystone: the producer shares images with the consumer
project, the consumer (or an admin for it) changes its member status, and
what Glance holds afterwards is read back through the API.

The consumer project is shared by every concurrent test: each test names
its images with a unique prefix and uses ``--name-prefix``/IDs with ``--all``.
"""

import uuid

from tests.functional.share_base import ShareTestCase

ACCEPT = ('image', 'share-accept')
LIST = ('image', 'share', 'list')


class TestShareList(ShareTestCase):

    def test_lists_every_status_with_membership_times(self):
        pending, accepted, rejected = (self.shared_image(s) for s in
                                       ('p', 'a', 'r'))
        self.set_status(accepted['id'], 'accepted')
        self.set_status(rejected['id'], 'rejected')
        rows = self.by_id(self.openstack_json(*LIST, cloud='consumer'))
        self.assertEqual(
            ['pending', 'accepted', 'rejected'],
            [rows[i['id']]['Status'] for i in (pending, accepted, rejected)])
        self.assertEqual({'ID', 'Name', 'Owner', 'Status'},
                         set(rows[pending['id']]))
        self.assertEqual(self.producer_id, rows[pending['id']]['Owner'])
        self.assertEqual(pending['name'], rows[pending['id']]['Name'])

        only = self.by_id(self.openstack_json(
            *LIST, '--status', 'pending', '--owner', self.producer_id,
            '--long', cloud='consumer'))
        self.assertIn(pending['id'], only)
        self.assertNotIn(accepted['id'], only)
        self.assertNotIn(rejected['id'], only)
        member = self.send(self.consumer, 'GET', '/images/%s/members/%s'
                           % (pending['id'], self.consumer_id), (200,)).json()
        self.assertEqual((member['created_at'], member['updated_at']),
                         (only[pending['id']]['Created At'],
                          only[pending['id']]['Updated At']))

    def test_other_owner_filters_everything_out(self):
        img = self.shared_image('x')
        rows = self.openstack_json(*LIST, '--owner', self.consumer_id,
                                   cloud='consumer')
        self.assertNotIn(img['id'], [r['ID'] for r in rows])

    def test_admin_lists_for_the_consumer_by_names(self):
        img = self.shared_image('adm')
        self.set_status(img['id'], 'rejected')
        rows = self.by_id(self.openstack_json(
            *LIST, '--project', 'consumer', '--owner', 'producer', '--status',
            'rejected', cloud='admin'))
        self.assertEqual('rejected', rows[img['id']]['Status'])
        for row in rows.values():
            self.assertEqual(self.producer_id, row['Owner'])
            self.assertEqual('rejected', row['Status'])

    def test_bad_status_is_a_usage_error(self):
        res = self.openstack(*LIST, '--status', 'bogus', cloud='consumer',
                             rc=2)
        self.assertIn('invalid choice', res.stderr)


class TestShareAccept(ShareTestCase):

    def test_by_id_and_by_name_of_a_pending_image(self):
        one, two, three = (self.shared_image(s) for s in ('1', '2', '3'))
        rows = self.openstack_json(*ACCEPT, one['id'], two['name'],
                                   cloud='consumer')
        self.assertEqual(
            [(one['id'], one['name'], self.producer_id, 'pending',
              'accepted', 'changed'),
             (two['id'], two['name'], self.producer_id, 'pending',
              'accepted', 'changed')],
            [(r['ID'], r['Name'], r['Owner'], r['Previous Status'],
              r['Status'], r['Result']) for r in rows])
        self.assertEqual(['accepted', 'accepted', 'pending'],
                         self.statuses([one, two, three]))
        # again: already there, not an error
        rows = self.openstack_json(*ACCEPT, one['id'], cloud='consumer')
        self.assertEqual('unchanged', rows[0]['Result'])

    def test_all_owner_reject_pending_round_trip(self):
        images = [self.shared_image(s) for s in ('a', 'b', 'c')]
        self.set_status(images[2]['id'], 'accepted')
        common = ('--all', '--owner', self.producer_id, '--name-prefix',
                  self.prefix)

        rows = self.openstack_json(*ACCEPT, *common, cloud='consumer')
        # the one already accepted is not part of --all
        self.assertEqual([images[0]['id'], images[1]['id']],
                         [r['ID'] for r in rows])
        self.assertEqual(['accepted'] * 3, self.statuses(images))

        rows = self.openstack_json(*ACCEPT, *common, '--reject',
                                   cloud='consumer')
        self.assertEqual(['changed'] * 3, [r['Result'] for r in rows])
        self.assertEqual(['rejected'] * 3, self.statuses(images))

        rows = self.openstack_json(*ACCEPT, *common, '--pending',
                                   cloud='consumer')
        self.assertEqual({'rejected'}, {r['Previous Status'] for r in rows})
        self.assertEqual(['pending'] * 3, self.statuses(images))

        # nothing left to do: empty output, exit 0
        self.assertEqual([], self.openstack_json(
            *ACCEPT, *common, '--pending', cloud='consumer'))

        # another owner: nothing of ours is selected
        rows = self.openstack_json(*ACCEPT, '--all', '--owner',
                                   self.consumer_id, '--name-prefix',
                                   self.prefix, cloud='consumer')
        self.assertEqual([], rows)

    def test_dry_run_writes_nothing(self):
        before = self.access_log_mark()
        images = [self.shared_image(s) for s in ('a', 'b')]
        self.set_status(images[1]['id'], 'rejected')
        # the fixture's writes must be in the log before the mark
        self.wait_logged(before, 'POST', '/images/%s/members' % images[0]['id'])
        self.wait_logged(before, 'PUT', '/images/%s/members' % images[1]['id'])
        mark = self.access_log_mark()
        rows = self.openstack_json(*ACCEPT, '--all', '--name-prefix',
                                   self.prefix, '--dry-run',
                                   cloud='consumer')
        self.assertEqual([(images[0]['id'], 'pending', 'accepted',
                           'would change'),
                          (images[1]['id'], 'rejected', 'accepted',
                           'would change')],
                         [(r['ID'], r['Previous Status'], r['Status'],
                           r['Result']) for r in rows])
        self.assertEqual(['pending', 'rejected'], self.statuses(images))
        ours = [r for r in self.requests_since(mark)
                if any(img['id'] in r[1] for img in images)]
        self.assertEqual([], [r for r in ours if r[0] != 'GET'])

    def test_producer_cannot_accept_for_the_consumer(self):
        img = self.shared_image('p')
        res = self.openstack(*ACCEPT, img['id'], '--project',
                             self.consumer_id, '-f', 'json',
                             cloud='producer', rc=1)
        [row] = res.json()
        self.assertEqual('pending', row['Previous Status'])
        self.assertEqual('pending', row['Status'])
        self.assertTrue(row['Result'].startswith('failed: 403'), row)
        self.assertIn('1 of 1 images failed', res.stderr)
        self.assertEqual('pending', self.status_of(img['id']))

    def test_producer_for_itself_is_not_a_member(self):
        img = self.shared_image('p')
        res = self.openstack(*ACCEPT, img['id'], '-f', 'json',
                             cloud='producer', rc=1)
        [row] = res.json()
        self.assertTrue(row['Result'].startswith('failed: 404'), row)
        self.assertIn('not found in the member list', row['Result'])

    def test_errors_are_rows_and_the_rest_goes_on(self):
        good = self.shared_image('good')
        twin1 = self.shared_image('twin')
        twin2 = self.shared_image('twin')
        not_member = self.shared_image('nm', member=False)
        community = self.shared_image('comm')
        self.send(self.producer, 'PATCH', '/images/%s' % community['id'],
                  (200,), json=[{'op': 'replace', 'path': '/visibility',
                                 'value': 'community'}],
                  headers={'Content-Type':
                           'application/openstack-images-v2.1-json-patch'})
        unknown = str(uuid.uuid4())
        res = self.openstack(*ACCEPT, unknown, twin1['name'], good['name'],
                             not_member['id'], community['id'],
                             '%s-nothing' % self.prefix, '-f', 'json',
                             cloud='consumer', rc=1)
        rows = res.json()
        results = [r['Result'] for r in rows]
        self.assertEqual(6, len(rows), res)
        self.assertTrue(results[0].startswith('failed: 404'), res)
        self.assertEqual(unknown, rows[0]['ID'])
        self.assertIn('ambiguous', results[1])
        self.assertIn(twin1['id'], results[1])
        self.assertIn(twin2['id'], results[1])
        self.assertEqual('changed', results[2])
        self.assertTrue(results[3].startswith('failed: 404'), res)
        # a member of an image that is no longer 'shared'
        self.assertTrue(results[4].startswith('failed: 404'), res)
        self.assertIn('Only shared images have members', results[4])
        self.assertIn('no image of that name', results[5])
        self.assertIn('5 of 6 images failed', res.stderr)
        self.assertEqual('accepted', self.status_of(good['id']))
        self.assertEqual(['pending', 'pending'],
                         self.statuses([twin1, twin2]))

    def test_owner_picks_between_same_names(self):
        img = self.shared_image('x')
        res = self.openstack(*ACCEPT, img['name'], '--owner',
                             self.consumer_id, '-f', 'json',
                             cloud='consumer', rc=1)
        self.assertIn('no image of that name', res.json()[0]['Result'])
        rows = self.openstack_json(*ACCEPT, img['name'], '--owner',
                                   self.producer_id, cloud='consumer')
        self.assertEqual('changed', rows[0]['Result'])

    def test_admin_acts_for_the_consumer(self):
        images = [self.shared_image(s) for s in ('a', 'b')]
        rows = self.openstack_json(*ACCEPT, images[0]['id'], '--project',
                                   'consumer', '--reject', cloud='admin')
        self.assertEqual('changed', rows[0]['Result'])
        rows = self.openstack_json(*ACCEPT, '--all', '--name-prefix',
                                   self.prefix, '--project', 'consumer',
                                   cloud='admin')
        self.assertEqual([('rejected', 'changed'), ('pending', 'changed')],
                         [(r['Previous Status'], r['Result']) for r in rows])
        self.assertEqual(['accepted', 'accepted'], self.statuses(images))

    def test_usage_errors_exit_2_and_send_nothing(self):
        img = self.shared_image('u')
        usage = ([], ['--all', img['id']],
                 ['--all', '--reject', '--pending'])
        for argv in usage:
            res = self.openstack(*ACCEPT, *argv, cloud='consumer', rc=2)
            self.assertTrue(res.stderr.strip(), res)
        self.assertEqual('pending', self.status_of(img['id']))

    def test_bad_token_is_one_line(self):
        env = self.env(OS_AUTH_TYPE='admin_token', OS_TOKEN='bogus',
                       OS_ENDPOINT=self.cloud.glance_url + '/v2')
        res = self.openstack(*ACCEPT, '--all', '--project', self.consumer_id,
                             cloud=None, env=env, rc=1)
        self.assertEqual(1, len(res.stderr.strip().splitlines()), res)
        self.assertIn('401', res.stderr)
        res = self.openstack(*LIST, cloud=None, env=env, rc=1)
        self.assertIn('--project', res.stderr)

    def test_consumer_image_list_shows_exactly_the_accepted(self):
        disk = self.qemu_img('raw', size='1M')
        images = [self.shared_image(s, data=disk) for s in ('a', 'r', 'p')]
        self.openstack_json(*ACCEPT, images[0]['id'], cloud='consumer')
        self.openstack_json(*ACCEPT, images[1]['id'], '--reject',
                            cloud='consumer')
        listed = self.openstack_json('image', 'list', cloud='consumer')
        ours = [r['ID'] for r in listed
                if r['Name'].startswith(self.prefix)]
        self.assertEqual([images[0]['id']], ours)
