"""The producer/consumer base of the ``image share`` functional tests
(``test_share``, ``test_share_family``): a fixture module, not a test
module. The producer owns ``shared`` images named with a per-test prefix;
the consumer project is shared by every concurrent test."""

import uuid

from tests.functional import base


class ShareTestCase(base.FunctionalTestCase):

    def setUp(self):
        super().setUp()
        self.producer = self.sdk('producer')
        self.consumer = self.sdk('consumer')
        self.consumer_id = self.cloud.project_id('consumer')
        self.producer_id = self.cloud.project_id('producer')
        self.prefix = self.unique('share')

    def shared_image(self, suffix, member=True, data=None):
        """A ``shared`` image of the producer named ``<prefix>-<suffix>``,
        with the consumer project as a pending member."""
        body = {'name': '%s-%s' % (self.prefix, suffix), 'id': str(
            uuid.uuid4()), 'visibility': 'shared', 'disk_format': 'raw',
            'container_format': 'bare'}
        # the body names the image: its id is known even when a resent
        # POST is answered 409 (see base.send)
        self.send(self.producer, 'POST', '/images', (201,), json=body)
        img = body
        # 400 "transition from deleted to deleted": a first DELETE answered
        # 500 (SQLite locked) had in fact deleted the image before the retry
        self.addCleanup(self.send, self.producer, 'DELETE',
                        '/images/%s' % img['id'], (204, 400, 404))
        if data:
            with open(data, 'rb') as f:
                self.send(self.producer, 'PUT', '/images/%s/file' % img['id'],
                          (204,), data=f.read(), headers={
                              'Content-Type': 'application/octet-stream'})
        if member:
            self.send(self.producer, 'POST', '/images/%s/members' % img['id'],
                      (200,), json={'member': self.consumer_id})
        return img

    def set_status(self, image_id, status):
        self.send(self.consumer, 'PUT', '/images/%s/members/%s'
                  % (image_id, self.consumer_id), (200,),
                  json={'status': status})

    def status_of(self, image_id):
        """The consumer's member status as Glance holds it."""
        return self.send(self.consumer, 'GET', '/images/%s/members/%s'
                         % (image_id, self.consumer_id), (200,)
                         ).json()['status']

    def statuses(self, images):
        return [self.status_of(img['id']) for img in images]

    def by_id(self, rows):
        return {r['ID']: r for r in rows}
