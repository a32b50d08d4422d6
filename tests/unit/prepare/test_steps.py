"""The steps of the prepare pipeline, run on real images made with
qemu-img (tests.unit.imagefile.corpus), offline: no cloud."""

import io
import os

import testtools

from osc_imagetools import constants
from osc_imagetools import errors
from osc_imagetools import progress
from osc_imagetools.prepare import request
from osc_imagetools.prepare import steps
from tests.unit import fakes
from tests.unit.imagefile import corpus as corpus_mod

GiB = 1024 ** 3


class TestShape(testtools.TestCase):

    def test_pipeline_order(self):
        self.assertEqual(
            ['inspect', 'safety', 'convert', 'guest', 'properties',
             'validate', 'guest_verdict', 'hash', 'upload', 'manifest'],
            [f.__name__ for f in steps.PIPELINE])

    def test_failures_are_operation_errors(self):
        for exc in (steps.Refused('upload', 'x'), steps.Abort('y')):
            self.assertIsInstance(exc, errors.OperationError)
            self.assertEqual(errors.EXIT_FAILED, exc.exit_code)
        self.assertEqual('upload', steps.Refused('upload', 'x').step)

    def test_min_disk(self):
        for size, gib in ((0, 1), (1, 1), (GiB - 1, 1), (GiB, 1),
                          (GiB + 1, 2), (10 * GiB, 10),
                          (10 * GiB + 512, 11)):
            self.assertEqual(gib, steps.min_disk(size), size)
        self.assertEqual(GiB, constants.GiB)


class TestRun(testtools.TestCase):

    def setUp(self):
        super().setUp()
        self.tmp = self.useFixture(fakes.UserConfig()).path
        self.corpus = self.useFixture(corpus_mod.Corpus())
        self.said = []

    def run_steps(self, **fields):
        req = request.PrepareRequest(**fields)
        run = steps.Run(req, progress.Display.for_stream(io.StringIO()),
                        say=self.said.append)
        refused = steps.run_steps(run)
        return run, refused

    def statuses(self, run):
        return {s['name']: s['status'] for s in run.out.data()['steps']}

    def test_offline_run(self):
        path = self.corpus.path('qcow2')
        run, refused = self.run_steps(file=path, properties={'k': 'v'})
        self.assertIsNone(refused)
        self.assertEqual({'inspect': 'done', 'safety': 'done',
                          'convert': 'skipped', 'properties': 'done',
                          'hash': 'done', 'upload': 'skipped',
                          'manifest': 'skipped'}, self.statuses(run))
        self.assertEqual({'disk_format': 'qcow2', 'container_format': 'bare',
                          'min_disk': 1, 'k': 'v'}, run.body)
        self.assertEqual(run.hashes.md5, run.out.row['md5'])
        self.assertEqual([], self.said)

    def test_refusal_marks_its_step_and_stops(self):
        run, refused = self.run_steps(file=self.corpus.path('backing'))
        self.assertIsInstance(refused, steps.Refused)
        self.assertEqual('safety', refused.step)
        self.assertEqual('failed', self.statuses(run)['safety'])
        self.assertEqual('skipped', self.statuses(run)['hash'])
        self.assertIsNone(run.body)

    def test_convert_then_manifest(self):
        out = os.path.join(self.tmp, 'o.qcow2')
        manifest = os.path.join(self.tmp, 'm.json')
        run, refused = self.run_steps(file=self.corpus.path('vdi'),
                                      convert_to='qcow2', output=out,
                                      manifest=manifest, min_ram=64)
        self.assertIsNone(refused)
        self.assertEqual(out, run.info.path)
        self.assertEqual(out, run.out.row['file'])
        self.assertEqual('qcow2', run.body['disk_format'])
        self.assertTrue(os.path.exists(manifest))
        self.assertEqual(manifest, run.out.row['manifest'])

    def test_dry_run_describes_the_target_and_writes_nothing(self):
        out = os.path.join(self.tmp, 'o.vmdk')
        run, refused = self.run_steps(file=self.corpus.path('raw'),
                                      convert_to='vmdk', output=out,
                                      dry_run=True)
        self.assertIsNone(refused)
        self.assertEqual('vmdk', run.body['disk_format'])
        self.assertEqual('skipped', self.statuses(run)['convert'])
        self.assertEqual('skipped', self.statuses(run)['hash'])
        self.assertFalse(os.path.exists(out))

    def test_declared_format_mismatch(self):
        run, refused = self.run_steps(file=self.corpus.path('qcow2'),
                                      disk_format='raw')
        self.assertEqual('inspect', refused.step)
        self.assertIn({'name': 'format', 'status': 'failed',
                       'detail': str(refused), 'file': 'source'},
                      run.out.checks)

    def test_unreadable_file_is_an_input_error(self):
        self.assertRaises(errors.InputError, self.run_steps,
                          file=os.path.join(self.tmp, 'missing'))
