"""The outcome of a prepare run and how its columns print."""

import testtools

from osc_imagetools.prepare import report

GiB = 1024 ** 3


class TestReport(testtools.TestCase):

    def test_outcome_rows(self):
        out = report.Outcome('/d.raw')
        self.assertEqual(['inspect', 'safety', 'convert', 'properties',
                          'hash', 'upload', 'manifest'], out.names)
        self.assertIn('guest', report.Outcome('/d.raw', guest=True).names)
        out.check('format', 'ok', 'raw')
        out.role = 'output'
        out.check('safety', 'failed', 'x')
        out.check('validate', 'ok', file=None)
        self.assertEqual(['source', 'output', None],
                         [c['file'] for c in out.data()['checks']])
        names, values = out.columns()
        self.assertEqual(report.FIELDS, names)
        row = dict(zip(names, values))
        self.assertEqual('format [source]: ok (raw)\n'
                         'safety [output]: failed (x)\nvalidate: ok',
                         row['checks'].human_readable())
        self.assertEqual('/d.raw', row['file'])

    def test_human_size(self):
        self.assertEqual(['0 B', '1023 B', '1.0 KiB', '1.5 MiB', '2.0 GiB',
                          '2048.0 TiB'],
                         [report.human_size(n) for n in (
                             0, 1023, 1024, 3 * 512 * 1024, 2 * GiB,
                             2 * 1024 ** 5)])
