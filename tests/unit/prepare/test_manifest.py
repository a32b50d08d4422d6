"""The manifest: the row, and the create body's name, visibility, tags and
command line."""

import json
import os
import shlex

import fixtures
import testtools

from osc_imagetools.prepare import manifest
from osc_imagetools.prepare import report
from osc_imagetools.prepare import request


class TestManifest(testtools.TestCase):

    def test_build_and_write(self):
        tmp = self.useFixture(fixtures.TempDir()).path
        req = request.PrepareRequest(file='d.raw', name='n', tags=('t',),
                                     visibility='private')
        body = req.create_body('raw', 2, {'os_type': 'linux'})
        out = report.Outcome('d.raw')
        out.row.update(disk_format='raw', min_disk=2)
        data = manifest.build(req, out, body, '/data/d.raw')
        self.assertEqual(('n', 'private', ['t']),
                         (data['name'], data['visibility'], data['tags']))
        self.assertEqual(req.create_command(body, '/data/d.raw'),
                         data['openstack_command'])
        argv = shlex.split(data['openstack_command'])
        self.assertEqual(['--property', 'os_type=linux'],
                         argv[argv.index('--property'):][:2])
        path = os.path.join(tmp, 'm.json')
        manifest.write(path, data)
        with open(path) as f:
            text = f.read()
        self.assertEqual(data, json.loads(text))
        self.assertEqual(sorted(data), list(json.loads(text)))
        self.assertEqual([], [n for n in os.listdir(tmp) if n != 'm.json'])

    def test_without_upload(self):
        req = request.PrepareRequest(file='d.raw')
        data = manifest.build(req, report.Outcome('d.raw'),
                              req.create_body('raw', 1, {}), 'd.raw')
        self.assertEqual((None, None, []),
                         (data['name'], data['visibility'], data['tags']))
        self.assertTrue(data['openstack_command'].endswith(' d'))
