"""cloud.flavors over a fake compute proxy that answers like nova-api's
flavor listing: the requests a lookup costs, with and without
microversion 2.61, and how names select flavors."""

import json

import testtools

from osc_imagetools.cloud import flavors as cloud_flavors


class FakeResponse:

    def __init__(self, body, status=200):
        self.status_code = status
        self.body = body
        self.text = json.dumps(body)
        self.reason = 'Not Acceptable'

    def json(self):
        return self.body


def _version(text):
    return tuple(int(x) for x in text.split('.'))


class FakeCompute:
    """Answers like nova-api's flavor listing: pages of ``page`` flavors,
    extra specs only at microversion 2.61."""

    def __init__(self, count, page=1000, max_version='2.104'):
        self.max_version = max_version
        self.flavors = [{'id': str(i), 'name': 'f%d' % i, 'vcpus': 1,
                         'ram': 512, 'disk': 1} for i in range(count)]
        self.page = page
        self.calls = []

    def request(self, path, method, params=None, microversion=None,
                **kwargs):
        self.calls.append((method, path, microversion))
        if microversion and _version(self.max_version) < _version(
                microversion):
            return FakeResponse({'computeFault': {
                'code': 406, 'message': 'Version %s is not supported by '
                'the API.' % microversion}}, 406)
        if path.endswith('/os-extra_specs'):
            return FakeResponse({'extra_specs': {'hw:pmu': 'true'}})
        start = 0
        if params.get('marker'):
            start = int(params['marker']) + 1
        page = self.flavors[start:start + min(self.page, params['limit'])]
        if microversion == '2.61':
            page = [dict(f, extra_specs={'hw:pmu': 'true'}) for f in page]
        body = {'flavors': page}
        if start + len(page) < len(self.flavors):
            body['flavors_links'] = [{'rel': 'next', 'href': 'x'}]
        return FakeResponse(body)


class TestFlavorLookup(testtools.TestCase):

    def fetch(self, compute, refs=()):
        return cloud_flavors.fetch_flavors(compute, refs)

    def test_with_2_61_the_listing_carries_the_specs(self):
        compute = FakeCompute(2500)
        found, problems, requests = self.fetch(compute)
        self.assertEqual(2500, len(found))
        self.assertEqual(3, requests)  # ceil(2500 / 1000)
        self.assertEqual({'2.61'}, {c[2] for c in compute.calls})
        self.assertEqual({'hw:pmu': 'true'}, found[-1]['extra_specs'])

    def test_without_2_61_one_request_per_selected_flavor(self):
        compute = FakeCompute(30, max_version='2.60')
        found, problems, requests = self.fetch(compute,
                                               ['f3', '7', 'nope', 'f3'])
        self.assertEqual(['f3', 'f7'], [f['name'] for f in found])
        self.assertEqual(['no flavor named or with ID nope'], problems)
        # the refused 2.61 listing, the listing, one GET per flavor
        self.assertEqual(1 + 1 + 2, requests)
        self.assertEqual({'hw:pmu': 'true'}, found[0]['extra_specs'])

    def test_a_name_twice_needs_the_id(self):
        flavors = [{'id': '1', 'name': 'a'}, {'id': '2', 'name': 'a'}]
        self.assertEqual(([], ['2 flavors are named a; give the ID']),
                         cloud_flavors.select(flavors, ['a']))
