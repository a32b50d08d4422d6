"""cloud.members over a fake image proxy: the requests it sends and how it
reads the answers (Glance's real behaviour is in the functional tests)."""

import collections
import json
import threading
from unittest import mock

import fixtures
from keystoneauth1 import access
from openstack import exceptions as sdk_exc
import requests
import testtools

from osc_imagetools import cloud
from osc_imagetools.cloud import members

ME = 'f819ae06bcb44cce947dcb852eebc17a'


def response(status, body=None, text=None):
    resp = requests.Response()
    resp.status_code = status
    resp._content = (json.dumps(body) if body is not None
                     else text or '').encode()
    return resp


class FakeProxy:
    """Answers like Glance's image endpoint from a dict of shares."""

    def __init__(self, images, fail_put=()):
        # images: {id: (name, member status or None if not a member)}
        self.images = images
        self.fail_put = set(fail_put)
        self.flaky = {}  # image id: how many PUTs answer 500 first
        self.calls = []
        self.lock = threading.Lock()

    def _img(self, image_id):
        return {'id': image_id, 'name': self.images[image_id][0],
                'owner': 'p1', 'visibility': 'shared'}

    def request(self, path, method, params=None, json=None, **kwargs):
        with self.lock:
            self.calls.append((method, path, dict(params or {}), json,
                               kwargs))
        if method == 'GET' and path == '/images':
            st = params['member_status']
            ids = sorted(i for i, (_, s) in self.images.items()
                         if s and (st == 'all' or s == st))
            return response(200, {'images': [self._img(i) for i in ids]})
        parts = path.strip('/').split('/')
        image_id = parts[1]
        if image_id not in self.images:
            return response(404, text='<html><body><h1>404 Not Found</h1>'
                            'No image found with ID %s</body></html>'
                            % image_id)
        if method == 'GET' and len(parts) == 2:
            return response(200, self._img(image_id))
        status = self.images[image_id][1]
        if status is None:
            return response(404, text='%s not found in the member list'
                            % parts[3])
        if method == 'GET':
            return response(200, {'image_id': image_id, 'member_id': parts[3],
                                  'status': status, 'created_at': 'c',
                                  'updated_at': 'u'})
        if self.flaky.get(image_id):
            self.flaky[image_id] -= 1
            return response(500, text='database is locked')
        if image_id in self.fail_put:
            return response(403, text='<html><head><title>403 Forbidden'
                            '</title></head><body>You are not authorized'
                            '</body></html>')
        self.images[image_id] = (self.images[image_id][0], json['status'])
        return response(200, {'status': json['status']})


IMAGES = {'id-1': ('one', 'pending'), 'id-2': ('two', 'accepted'),
          'id-3': ('three', 'rejected'), 'id-4': ('four', None)}


class TestListShares(testtools.TestCase):

    def test_one_listing_per_status_gives_every_status(self):
        proxy = FakeProxy(dict(IMAGES))
        shares = members.list_shares(proxy, ME, owner='p1')
        self.assertEqual({'id-1': 'pending', 'id-2': 'accepted',
                          'id-3': 'rejected'},
                         {s['id']: s['status'] for s in shares})
        gets = [c for c in proxy.calls if c[0] == 'GET']
        self.assertEqual(3, len(gets))
        self.assertEqual({'visibility': 'shared', 'owner': 'p1',
                          'limit': cloud.MAX_PAGE},
                         {k: v for k, v in gets[0][2].items()
                          if k != 'member_status'})

    def test_via_members_asks_each_image(self):
        proxy = FakeProxy(dict(IMAGES))
        shares = members.list_shares(proxy, ME, statuses=('pending',),
                                     via_members=True)
        self.assertEqual(['id-1'], [s['id'] for s in shares])
        self.assertEqual('u', shares[0]['updated_at'])
        member_gets = [c for c in proxy.calls if '/members/' in c[1]]
        self.assertEqual(3, len(member_gets))

    def test_add_timestamps(self):
        proxy = FakeProxy(dict(IMAGES))
        shares = members.add_timestamps(
            proxy, members.list_shares(proxy, ME), ME)
        self.assertEqual({'c'}, {s['created_at'] for s in shares})


class TestGetShares(testtools.TestCase):

    def test_found_or_glance_reason(self):
        proxy = FakeProxy(dict(IMAGES))
        got = members.get_shares(proxy, ['id-1', 'id-4', 'nope'], ME)
        self.assertEqual('pending', got['id-1']['status'])
        self.assertEqual('404 %s not found in the member list' % ME,
                         got['id-4'])
        self.assertEqual('404 No image found with ID nope', got['nope'])


class TestSetStatus(testtools.TestCase):

    def test_results_in_input_order_failures_one_line(self):
        ids = ['id-%d' % i for i in range(1, 4)]
        proxy = FakeProxy(dict(IMAGES), fail_put={'id-2'})
        out = members.set_status(proxy, ids, ME, 'accepted')
        self.assertEqual([None, '403 You are not authorized', None], out)
        puts = [c for c in proxy.calls if c[0] == 'PUT']
        self.assertEqual({'/images/%s/members/%s' % (i, ME) for i in ids},
                         {c[1] for c in puts})
        self.assertEqual([{'status': 'accepted'}] * 3, [c[3] for c in puts])

    def test_5xx_is_sent_again_4xx_is_not(self):
        self.useFixture(fixtures.MonkeyPatch(
            'osc_imagetools.cloud.members.RETRY_DELAY', 0))
        proxy = FakeProxy(dict(IMAGES), fail_put={'id-2'})
        proxy.flaky = {'id-1': 2, 'id-3': members.PUT_RETRIES + 1}
        out = members.set_status(proxy, ['id-1', 'id-2', 'id-3'], ME,
                                 'rejected')
        self.assertEqual(None, out[0])
        self.assertEqual('403 You are not authorized', out[1])
        self.assertTrue(out[2].startswith('500 database is locked'), out)
        puts = collections.Counter(c[1].split('/')[2] for c in proxy.calls
                                   if c[0] == 'PUT')
        self.assertEqual({'id-1': 3, 'id-2': 1,
                          'id-3': members.PUT_RETRIES + 1}, puts)

    def test_nothing_to_write_sends_nothing(self):
        proxy = FakeProxy(dict(IMAGES))
        self.assertEqual([], members.set_status(proxy, [], ME, 'accepted'))
        self.assertEqual([], proxy.calls)


class TestProjects(testtools.TestCase):

    def app(self, find=None):
        """An SDK connection whose Keystone lookup does ``find``."""
        conn = mock.Mock(spec=['identity'])
        conn.identity.find_project.side_effect = find
        return conn

    def ref(self, roles):
        return access.create(body={'token': {
            'methods': ['password'], 'expires_at': '2099-01-01T00:00:00Z',
            'project': {'id': ME, 'name': 'consumer',
                        'domain': {'id': 'default', 'name': 'Default'}},
            'roles': [{'id': r, 'name': r} for r in roles],
            'user': {'id': 'u', 'name': 'consumer',
                     'domain': {'id': 'default', 'name': 'Default'}}}})

    def test_caller_from_token(self):
        who = members.Caller.from_auth_ref(self.ref(['member', 'reader']))
        self.assertEqual((ME, 'consumer', False),
                         (who.project_id, who.project_name, who.is_admin))
        self.assertTrue(members.Caller.from_auth_ref(
            self.ref(['admin', 'member'])).is_admin)
        self.assertIsNone(members.Caller.from_auth_ref(None).project_id)

    def test_own_project_needs_no_lookup(self):
        app = self.app(find=AssertionError('no Keystone call'))
        caller = members.Caller(ME, 'consumer')
        self.assertEqual(ME, members.resolve_project(app, 'consumer', caller))

    def test_forbidden_lookup_takes_only_an_id(self):
        app = self.app(find=sdk_exc.ForbiddenException('403'))
        caller = members.Caller(ME, 'consumer')
        for pid in ('a90c92a24a264acfbf585de99ef77842',
                    '0f935014-3fd6-40a8-9130-ec041f40c8e7'):
            self.assertEqual(pid, members.resolve_project(app, pid, caller))
        # a member's ID-shaped value is not asked about (Keystone says 403)
        find = app.identity.find_project
        find.assert_not_called()
        for name in ('producer', 'a90c92a24a264acfbf585de99ef7784',
                     'a90c92a24a264acfbf585de99ef77842x', ''):
            exc = self.assertRaises(members.UnresolvedProject,
                                    members.resolve_project, app, name,
                                    caller)
            self.assertIn('give the project ID', str(exc))

    def test_bare_token_takes_only_an_id(self):
        app = self.app(find=AssertionError('no Keystone call'))
        caller = members.Caller(None)
        pid = 'a90c92a24a264acfbf585de99ef77842'
        self.assertEqual(pid, members.resolve_project(app, pid, caller))
        self.assertRaises(members.UnresolvedProject, members.resolve_project,
                          app, 'producer', caller)

    def test_admin_lookup_and_unknown_project(self):
        caller = members.Caller(ME, 'admin', is_admin=True)
        found = mock.Mock(id='a90c92a24a264acfbf585de99ef77842')
        self.assertEqual(found.id, members.resolve_project(
            self.app(find=[found]), 'producer', caller))
        exc = self.assertRaises(
            members.UnresolvedProject, members.resolve_project,
            self.app(find=sdk_exc.ResourceNotFound('nope')), 'nope', caller)
        self.assertEqual("no project 'nope' in Keystone", str(exc))


class ScriptedProxy:
    """Answers each request with the next status of a script."""

    def __init__(self, statuses):
        self.statuses = list(statuses)
        self.calls = []

    def request(self, path, method, **kwargs):
        self.calls.append((method, path, kwargs.get('json')))
        return response(self.statuses.pop(0), text='answer')


class TestMemberWrites(testtools.TestCase):

    def setUp(self):
        super().setUp()
        self.useFixture(fixtures.MonkeyPatch(
            'osc_imagetools.cloud.members.RETRY_DELAY', 0))

    def test_post_409_after_a_retried_500_is_done(self):
        proxy = ScriptedProxy([500, 409])
        self.assertEqual([None], members.add_members(proxy, [('i', 'p')]))
        self.assertEqual([('POST', '/images/i/members', {'member': 'p'})] * 2,
                         proxy.calls)

    def test_post_409_first_is_a_failure(self):
        proxy = ScriptedProxy([409])
        self.assertEqual(['409 answer'],
                         members.add_members(proxy, [('i', 'p')]))

    def test_retries_are_bounded(self):
        proxy = ScriptedProxy([503] * (members.PUT_RETRIES + 1))
        self.assertEqual(['503 answer'],
                         members.add_members(proxy, [('i', 'p')]))
        self.assertEqual(members.PUT_RETRIES + 1, len(proxy.calls))

    def test_delete_404_after_a_retried_500_is_done(self):
        self.assertEqual([None], members.remove_members(
            ScriptedProxy([500, 404]), [('i', 'p')]))
        self.assertEqual(['404 answer'], members.remove_members(
            ScriptedProxy([404]), [('i', 'p')]))

    def test_make_shared_is_a_json_patch(self):
        proxy = ScriptedProxy([500, 200])
        self.assertEqual([None], members.make_shared(proxy, ['i']))
        self.assertEqual(('PATCH', '/images/i', [
            {'op': 'replace', 'path': '/visibility', 'value': 'shared'}]),
            proxy.calls[-1])
