"""The ``openstack image share`` family against the real Glance + Keystone:
issue 12's defects through the real CLI, the owner's side (add, remove,
list --outgoing) and the guide's whole producer/consumer workflow.

Tests share the consumer project: each names its images with a unique
prefix and selects with IDs or ``--name-prefix``.
"""

from tests.functional import share_base

ADD = ('image', 'share', 'add')
REMOVE = ('image', 'share', 'remove')
LIST = ('image', 'share', 'list')


class FamilyTestCase(share_base.ShareTestCase):

    def writes_since(self, mark, images):
        """Non-GET requests Glance logged since ``mark`` on ``images``."""
        return [r for r in self.requests_since(mark) if r[0] != 'GET'
                and any(img['id'] in r[1] for img in images)]

    def members_of(self, image_id):
        """``{project: status}`` as Glance holds it (owner's view)."""
        body = self.send(self.producer, 'GET', '/images/%s/members'
                         % image_id, (200,)).json()
        return {m['member_id']: m['status'] for m in body['members']}

    def private_image(self, suffix):
        return self.shared_image(suffix, member=False)

    def set_visibility(self, image_id, visibility):
        self.send(self.producer, 'PATCH', '/images/%s' % image_id, (200,),
                  json=[{'op': 'replace', 'path': '/visibility',
                         'value': visibility}],
                  headers={'Content-Type':
                           'application/openstack-images-v2.1-json-patch'})


class TestDefects(FamilyTestCase):

    def test_typo_verb_is_a_usage_error_that_sends_nothing(self):
        img = self.shared_image('typo')
        self.wait_logged(0, 'POST', '/images/%s/members' % img['id'])
        mark = self.access_log_mark()
        for verb in ('rejct', 'rejected', 'acept', 'acc', 'a', 'set',
                     'accept-all'):
            res = self.openstack('image', 'share', verb, img['id'],
                                 cloud='consumer', rc=2)
            self.assertEqual(1, len(res.stderr.strip().splitlines()), res)
        res = self.openstack('image', 'share', cloud='consumer', rc=2)
        self.assertIn('give a verb', res.stderr)
        self.assertEqual([], self.writes_since(mark, [img]))
        self.assertEqual('pending', self.status_of(img['id']))
        # the real verb does what it says
        rows = self.openstack_json('image', 'share', 'reject', img['id'],
                                   cloud='consumer')
        self.assertEqual('rejected', rows[0]['Status'])
        self.assertEqual('rejected', self.status_of(img['id']))

    def test_own_images_are_not_incoming(self):
        images = [self.shared_image(s) for s in ('a', 'b')]
        listed = self.openstack_json(*LIST, cloud='producer')
        self.assertEqual([], [r for r in listed
                              if r['Name'].startswith(self.prefix)])
        # share-accept --all as the producer used to fail 404 on each
        rows = self.openstack_json('image', 'share-accept', '--all',
                                   '--name-prefix', self.prefix,
                                   cloud='producer')
        self.assertEqual([], rows)
        self.assertEqual(['pending', 'pending'], self.statuses(images))

    def test_filters_select_on_their_own(self):
        images = [self.shared_image(s) for s in ('a', 'b')]
        rows = self.openstack_json('image', 'share', 'accept',
                                   '--name-prefix', self.prefix,
                                   cloud='consumer')
        self.assertEqual(sorted(i['id'] for i in images),
                         sorted(r['ID'] for r in rows))
        self.assertEqual(['accepted'] * 2, self.statuses(images))
        rows = self.openstack_json('image', 'share-accept', '--reject',
                                   '--owner', self.producer_id,
                                   '--name-prefix', self.prefix,
                                   cloud='consumer')
        self.assertEqual(['changed'] * 2, [r['Result'] for r in rows])
        self.assertEqual(['rejected'] * 2, self.statuses(images))

    def test_member_cannot_use_project_names(self):
        img = self.shared_image('n')
        for argv in (('image', 'share', 'accept', '--owner', 'producer',
                      '--all'),
                     LIST + ('--owner', 'producer'),
                     LIST + ('--project', 'admin')):
            res = self.openstack(*argv, cloud='consumer', rc=2)
            self.assertIn('give the project ID', res.stderr)
        self.assertEqual('pending', self.status_of(img['id']))
        # an ID-shaped value is used as given
        rows = self.openstack_json(*LIST, '--owner', self.producer_id,
                                   cloud='consumer')
        self.assertIn(img['id'], [r['ID'] for r in rows])


class TestProducer(FamilyTestCase):

    def test_add_refuses_non_shared_unless_set_shared(self):
        img = self.private_image('priv')
        self.set_visibility(img['id'], 'private')
        res = self.openstack(*ADD, '--project', self.consumer_id, img['id'],
                             '-f', 'json', cloud='producer', rc=1)
        [row] = res.json()
        self.assertIn('visibility is private', row['Result'])
        self.assertIn('1 of 1 memberships failed', res.stderr)
        # dry run: says it would, writes nothing
        mark = self.access_log_mark()
        res = self.openstack(*ADD, '--project', self.consumer_id, img['id'],
                             '--set-shared', '--dry-run', '-f', 'json',
                             cloud='producer')
        self.assertEqual('would add', res.json()[0]['Result'])
        self.assertIn('would set', res.stderr)
        self.assertEqual([], self.writes_since(mark, [img]))
        res = self.openstack(*ADD, '--project', self.consumer_id, img['name'],
                             '--set-shared', '-f', 'json', cloud='producer')
        self.assertEqual('added', res.json()[0]['Result'])
        self.assertIn('visibility private -> shared', res.stderr)
        self.assertEqual({self.consumer_id: 'pending'},
                         self.members_of(img['id']))

    def test_many_images_many_projects_idempotent(self):
        images = [self.private_image(s) for s in ('1', '2', '3')]
        admin_id = self.cloud.project_id('admin')
        projects = ('--project', self.consumer_id, '--project', admin_id)
        ids = [i['id'] for i in images]
        rows = self.openstack_json(*ADD, *projects, *ids, cloud='producer')
        self.assertEqual(6, len(rows))
        self.assertEqual({'added'}, {r['Result'] for r in rows})
        self.assertEqual([(i, p) for i in ids
                          for p in (self.consumer_id, admin_id)],
                         [(r['ID'], r['Project']) for r in rows])
        rows = self.openstack_json(*ADD, *projects, *ids, ids[0],
                                   cloud='producer')
        self.assertEqual(['unchanged'] * 6, [r['Result'] for r in rows])
        for img in images:
            self.assertEqual({self.consumer_id: 'pending',
                              admin_id: 'pending'},
                             self.members_of(img['id']))
        # an admin may name the projects
        rows = self.openstack_json(*REMOVE, '--project', 'admin', *ids,
                                   cloud='admin')
        self.assertEqual(['removed'] * 3, [r['Result'] for r in rows])
        rows = self.openstack_json(*REMOVE, '--project', admin_id, *ids,
                                   cloud='producer')
        self.assertEqual(['unchanged'] * 3, [r['Result'] for r in rows])
        res = self.openstack(*ADD, '--project', 'consumer', ids[0],
                             cloud='producer', rc=2)
        self.assertIn('give the project ID', res.stderr)

    def test_unknown_image_is_a_row_the_rest_goes_on(self):
        img = self.private_image('ok')
        res = self.openstack(*ADD, '--project', self.consumer_id,
                             '%s-nothing' % self.prefix, img['id'], '-f',
                             'json', cloud='producer', rc=1)
        rows = res.json()
        self.assertIn('you own no image', rows[0]['Result'])
        self.assertEqual('added', rows[1]['Result'])
        self.assertIn('1 of 2 memberships failed', res.stderr)


class TestWorkflow(FamilyTestCase):
    """The guide's producer/consumer workflow, every step through the CLI,
    what Glance holds checked after each."""

    def test_producer_and_consumer(self):
        images = [self.private_image(s) for s in ('web', 'db', 'cache')]
        ids = [i['id'] for i in images]
        # 1. the producer shares the images with the consumer project
        rows = self.openstack_json(*ADD, '--project', self.consumer_id,
                                   '--set-shared', *ids, cloud='producer')
        self.assertEqual(['added'] * 3, [r['Result'] for r in rows])
        # 2. the consumer sees them pending (and its image list does not)
        listed = self.by_id(self.openstack_json(*LIST, '--status', 'pending',
                                                '--long', cloud='consumer'))
        self.assertEqual(['pending'] * 3, [listed[i]['Status'] for i in ids])
        self.assertEqual(self.producer_id, listed[ids[0]]['Owner'])
        # 3. accepts one by name, rejects one, leaves one pending
        self.openstack_json('image', 'share', 'accept', images[0]['name'],
                            cloud='consumer')
        self.openstack_json('image', 'share', 'reject', ids[1],
                            cloud='consumer')
        self.assertEqual(['accepted', 'rejected', 'pending'],
                         self.statuses(images))
        ours = [r['ID'] for r in self.openstack_json(
            'image', 'list', cloud='consumer')
            if r['Name'].startswith(self.prefix)]
        self.assertEqual([ids[0]], ours)
        # 4. the producer sees every member's status
        out = self.openstack_json(*LIST, '--outgoing', cloud='producer')
        mine = {r['ID']: r for r in out if r['ID'] in ids}
        self.assertEqual(
            [(self.consumer_id, 'accepted'), (self.consumer_id, 'rejected'),
             (self.consumer_id, 'pending')],
            [(mine[i]['Member'], mine[i]['Status']) for i in ids])
        rejected = self.openstack_json(*LIST, '--outgoing', '--status',
                                       'rejected', '--long',
                                       cloud='producer')
        rejected = [r for r in rejected if r['ID'] in ids]
        self.assertEqual([ids[1]], [r['ID'] for r in rejected])
        self.assertTrue(rejected[0]['Updated At'])
        # 5. the consumer returns everything to pending
        rows = self.openstack_json('image', 'share', 'pending',
                                   '--name-prefix', self.prefix,
                                   cloud='consumer')
        self.assertEqual(2, len(rows))
        self.assertEqual(['pending'] * 3, self.statuses(images))
        # 6. the producer stops sharing (first a dry run: nothing written)
        mark = self.access_log_mark()
        rows = self.openstack_json(*REMOVE, '--project', self.consumer_id,
                                   '--dry-run', *ids, cloud='producer')
        self.assertEqual(['would remove'] * 3, [r['Result'] for r in rows])
        self.assertEqual([], self.writes_since(mark, images))
        self.assertEqual(['pending'] * 3, self.statuses(images))
        rows = self.openstack_json(*REMOVE, '--project', self.consumer_id,
                                   *ids, cloud='producer')
        self.assertEqual(['removed'] * 3, [r['Result'] for r in rows])
        for i in ids:
            self.assertEqual({}, self.members_of(i))
        listed = self.openstack_json(*LIST, cloud='consumer')
        self.assertEqual([], [r for r in listed if r['ID'] in ids])
