"""The fakes the ``image prepare`` command tests share.

A spec'd fake OSC app drives the command; uploads go to a spec'd fake of
openstacksdk's image proxy (:class:`FakeGlance`) so that what real Glance
never does on purpose - store data with another checksum, fail in the
middle of an upload, refuse a delete - can be exercised. What real Glance
does with a real upload is asserted in tests/functional/test_prepare.py.
"""

import hashlib
import json
import os
import re
from unittest import mock
import uuid

import fixtures
from openstack.image.v2 import _proxy
import requests
import testtools

from osc_imagetools.v1 import prepare
from osc_imagetools.validation import catalog_dir
from tests.unit import fakes
from tests.unit.imagefile import corpus as corpus_mod
from tests.unit import validation as data


def response(status, body=None):
    resp = requests.Response()
    resp.status_code = status
    if body is not None:
        resp._content = json.dumps(body).encode()
        resp.headers['Content-Type'] = 'application/json'
    else:
        resp._content = b''
    return resp


class FakeGlance:
    """Just enough of the Image API for uploads, behind a spec'd proxy."""

    def __init__(self):
        self.images = {}
        self.calls = []
        self.corrupt = False          # store another checksum
        self.fail_upload = None       # None, an HTTP status, or an exception
        self.delete_status = 204
        self.methods = ['glance-direct', 'web-download']
        self.stores = ['local', 'fast']
        self.proxy = mock.create_autospec(_proxy.Proxy, instance=True)
        self.proxy.request.side_effect = self.request

    def writes(self):
        return [(m, p) for m, p in self.calls if m != 'GET']

    def request(self, url, method, **kwargs):
        path = url.split('?')[0]
        self.calls.append((method, path))
        if (method, path) == ('GET', '/info/import'):
            return response(200, {'import-methods': {'value': self.methods}})
        if (method, path) == ('GET', '/info/stores'):
            return response(200, {'stores': [{'id': s}
                                             for s in self.stores]})
        if (method, path) == ('GET', '/images'):
            name = (kwargs.get('params') or {}).get('name')
            return response(200, {'images': [
                i for i in self.images.values()
                if name is None or i.get('name') == name]})
        if (method, path) == ('POST', '/images'):
            image = dict(kwargs['json'], id=str(uuid.uuid4()),
                         status='queued', checksum=None, os_hash_algo=None,
                         os_hash_value=None, size=None,
                         tags=kwargs['json'].get('tags', []))
            self.images[image['id']] = image
            return response(201, image)
        m = re.match(r'^/images/([^/]+)(?:/(file|stage|import|tags/(.+)))?$',
                     path)
        image = self.images.get(m.group(1)) if m else None
        if image is None:
            return response(404, {'message': 'not found'})
        what = m.group(2)
        if method == 'GET' and what is None:
            if image['status'] == 'importing':
                image['status'] = 'active'
            return response(200, image)
        if method == 'DELETE':
            if self.delete_status == 204:
                del self.images[image['id']]
            return response(self.delete_status,
                            None if self.delete_status == 204
                            else {'message': 'delete refused'})
        if method == 'PUT' and what in ('file', 'stage'):
            return self._receive(image, kwargs['data'], what)
        if method == 'POST' and what == 'import':
            image['status'] = 'importing'
            image['import_request'] = kwargs['json']
            return response(202)
        if method == 'PUT' and what.startswith('tags/'):
            image['tags'].append(m.group(3))
            return response(204)
        return response(400, {'message': 'unexpected %s %s' % (method, path)})

    def _receive(self, image, body, what):
        md5, sha = hashlib.md5(), hashlib.sha512()
        size = 0
        for chunk in body:
            if isinstance(self.fail_upload, BaseException):
                raise self.fail_upload
            md5.update(chunk)
            sha.update(chunk)
            size += len(chunk)
        if isinstance(self.fail_upload, int):
            image['status'] = 'queued'
            return response(self.fail_upload, {'message': 'store broke'})
        if self.corrupt:
            md5.update(b'!')
        image.update(checksum=md5.hexdigest(), os_hash_algo='sha512',
                     os_hash_value=sha.hexdigest(), size=size,
                     status='uploading' if what == 'stage' else 'active')
        return response(204)


class CommandTestCase(testtools.TestCase):

    def setUp(self):
        super().setUp()
        self.tmp = self.useFixture(fakes.UserConfig()).path
        self.useFixture(fixtures.FakeLogger())
        self.corpus = self.useFixture(corpus_mod.Corpus())
        self.glance = FakeGlance()
        self.app = fakes.FakeApp(fakes.fake_client(image=self.glance.proxy))
        self.cmd = prepare.PrepareImage(self.app, None,
                                        cmd_name='image prepare')

    def catalog(self):
        path = os.path.join(self.tmp, 'catalog')
        if not os.path.isdir(path):
            catalog_dir.write_catalog_dir(path, data.image_schema(),
                                          data.namespaces())
        return path

    def run_cmd(self, *argv):
        parser = self.cmd.get_parser('openstack image prepare')
        args = parser.parse_args([str(a) for a in argv] + ['-f', 'json'])
        return self.cmd.run(args)

    def row(self):
        return json.loads(self.app.stdout.getvalue())

    def stderr(self):
        return self.app.stderr.getvalue()

    def steps(self):
        return {s['name']: s['status'] for s in self.row()['steps']}

    def checks(self, status=None):
        return [c['name'] for c in self.row()['checks']
                if status is None or c['status'] == status]

    def assertUsage(self, expected, *argv):
        """Exit 2 with ``expected`` on stderr, no output, no request; then
        stderr is emptied for the next call."""
        rc = self.run_cmd(*argv)
        self.assertEqual(2, rc, self.stderr())
        self.assertIn(expected, self.stderr())
        self.assertEqual('', self.app.stdout.getvalue())
        self.assertEqual([], self.glance.calls)
        self.app.stderr.truncate(0)
        self.app.stderr.seek(0)
