"""cloud.images over a fake image proxy that answers listings as Glance
does (filters ``id=in:``, ``name=in:``/``eq:``, ``limit`` and ``next``
links): which requests a lookup sends and what it makes of the answers.
The real Glance's answers are in tests/functional/test_validate.py."""

import json
import re
import urllib.parse

import requests
import testtools

from osc_imagetools import cloud
from osc_imagetools.cloud import images

ID_A = '0f935014-3fd6-40a8-9130-ec041f40c8e7'
ID_B = 'b1da3d02-32a8-4437-a9de-c5207883827d'
ID_C = 'f75d8c53-64cd-42b9-bb91-6546a434a8b2'
ID_D = '528f5b02-9c9d-4384-9388-b915ec31fc72'


def response(status, body):
    resp = requests.Response()
    resp.status_code = status
    resp._content = json.dumps(body).encode()
    return resp


class GlanceListing:
    """Answers ``GET /images`` like Glance: filters, pages of ``limit``
    with a ``next`` link (absolute from the API root), everything else
    404. ``requests`` records each request's path and params."""

    def __init__(self, records):
        self.records = records
        self.requests = []

    def _matches(self, image, params):
        for key in ('owner', 'visibility'):
            if params.get(key) not in (None, 'all') and (
                    image.get(key) != params[key]):
                return False
        for tag in params.get('tag') or ():
            if tag not in image.get('tags', ()):
                return False
        for key in ('id', 'name'):
            expr = params.get(key)
            if expr is None:
                continue
            op, _, value = expr.partition(':')
            if op == 'in':
                # Glance splits on commas and strips the quotes
                values = [v.strip('"') for v in value.split(',')]
            else:
                values = [value]
            if image.get(key) not in values:
                return False
        return True

    def request(self, path, method, params=None, **kwargs):
        params = dict(params or {})
        self.requests.append((method, path, params))
        parsed = urllib.parse.urlparse(path)
        if parsed.query:
            params.update(urllib.parse.parse_qsl(parsed.query))
        if method != 'GET' or parsed.path != '/images':
            return response(404, {'message': 'not found'})
        found = [i for i in self.records if self._matches(i, params)]
        start = int(params.get('marker') or 0)
        limit = int(params['limit'])
        body = {'images': found[start:start + limit]}
        if start + limit < len(found):
            rest = {k: v for k, v in params.items() if k != 'marker'}
            rest['marker'] = start + limit
            body['next'] = '/v2/images?' + urllib.parse.urlencode(
                rest, doseq=True)
        return response(200, body)


def image(image_id, name, **extra):
    return dict({'id': image_id, 'name': name, 'owner': 'p1',
                 'visibility': 'private', 'hw_disk_bus': 'yes'}, **extra)


class TestListImages(testtools.TestCase):

    def test_filters_and_raw_json(self):
        proxy = GlanceListing([
            image(ID_A, 'a', tags=['x', 'y']), image(ID_B, 'b', tags=['x']),
            image(ID_C, 'c', owner='p2', tags=['x', 'y'])])
        got = images.list_images(proxy, owner='p1', visibility='all',
                                 tags=('x', 'y'))
        self.assertEqual([ID_A], [i['id'] for i in got])
        # the raw JSON: 'yes' stays a string (no SDK conversion)
        self.assertEqual('yes', got[0]['hw_disk_bus'])
        [(_, path, params)] = proxy.requests
        self.assertEqual(('/images', {'owner': 'p1', 'visibility': 'all',
                                      'tag': ['x', 'y'],
                                      'limit': cloud.MAX_PAGE}),
                         (path, params))

    def test_pages(self):
        proxy = GlanceListing([image('%036d' % i, 'n%d' % i)
                               for i in range(2 * cloud.MAX_PAGE + 1)])
        got = images.list_images(proxy)
        self.assertEqual(2 * cloud.MAX_PAGE + 1, len(got))
        self.assertEqual(3, len(proxy.requests))  # ceil(N / 1000)


class TestFindImages(testtools.TestCase):

    def setUp(self):
        super().setUp()
        self.proxy = GlanceListing([
            image(ID_A, 'web'), image(ID_B, 'db'), image(ID_C, 'db'),
            image(ID_D, ID_A),  # a name that is another image's ID
            image('6d0d1bd9-5a1e-4c5e-9d0c-1c1e1b0c9e8f', 'say "hi"')])

    def test_ids_names_and_problems(self):
        found, problems = images.find_images(
            self.proxy, ['web', ID_B.upper(), 'db', 'nope', ID_A])
        self.assertEqual({'web': ID_A, ID_B.upper(): ID_B, ID_A: ID_A},
                         {k: v['id'] for k, v in found.items()})
        self.assertEqual(
            {'db': "2 images are named 'db'; give the ID (%s)"
             % ', '.join(sorted((ID_B, ID_C))),
             'nope': "no image found for 'nope'"}, problems)

    def test_one_listing_for_ids_one_for_names(self):
        images.find_images(self.proxy, ['web', 'db', ID_B, ID_C, 'web'])
        self.assertEqual(
            [{'id': 'in:%s,%s' % (ID_B, ID_C)},
             {'name': 'in:"web","db","%s","%s"' % (ID_B, ID_C)}],
            [{k: v for k, v in p.items() if k in ('id', 'name')}
             for _, _, p in self.proxy.requests])
        for _, _, params in self.proxy.requests:
            # pending shares and community images are found too
            self.assertEqual(('all', 'all'), (params['visibility'],
                                              params['member_status']))

    def test_an_id_wins_over_a_name(self):
        # as in `openstack image show`: ID_A is the ID of 'web' and the
        # name of another image
        found, problems = images.find_images(self.proxy, [ID_A])
        self.assertEqual((ID_A, {}), (found[ID_A]['id'], problems))

    def test_odd_names_one_by_one(self):
        found, _ = images.find_images(self.proxy, ['say "hi"', 'web'])
        self.assertEqual('6d0d1bd9-5a1e-4c5e-9d0c-1c1e1b0c9e8f',
                         found['say "hi"']['id'])
        self.assertIn({'name': 'eq:say "hi"'},
                      [{k: v for k, v in p.items() if k == 'name'}
                       for _, _, p in self.proxy.requests])

    def test_batches_keep_the_request_line_short(self):
        names = ['image-%04d-%s' % (i, 'x' * 40) for i in range(200)]
        found, problems = images.find_images(self.proxy, names)
        self.assertEqual(({}, 200), (found, len(problems)))
        batches = [p['name'] for _, _, p in self.proxy.requests]
        self.assertGreater(len(batches), 1)
        for batch in batches:
            self.assertLessEqual(len(batch), images.BATCH_CHARS + 3)
        # every name asked for exactly once
        asked = re.findall(r'"([^"]*)"', ','.join(batches))
        self.assertEqual(sorted(names), sorted(asked))

    def test_undashed_id_falls_back_to_a_name(self):
        # the one ID rule (osc_imagetools.ids) takes it; Glance has no
        # such image ID (its schema wants dashes), so it is looked up as a
        # name too and reported not found
        undashed = ID_B.replace('-', '')
        found, problems = images.find_images(self.proxy, [undashed])
        self.assertEqual({}, found)
        self.assertEqual({undashed: "no image found for %r" % undashed},
                         problems)
        self.assertEqual(['in:' + undashed],
                         [p['id'] for _, _, p in self.proxy.requests
                          if 'id' in p])

    def test_nothing_asked_nothing_sent(self):
        self.assertEqual(({}, {}), images.find_images(self.proxy, []))
        self.assertEqual([], self.proxy.requests)
