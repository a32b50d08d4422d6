"""The corpus of :mod:`tests.unit.imagefile.corpus` is what qemu-img says
it is."""

import testtools

from tests.unit.imagefile.corpus import Corpus
from tests.unit.imagefile.corpus import qemu_info


class TestCorpus(testtools.TestCase):
    """The corpus is what qemu-img says it is."""

    def setUp(self):
        super().setUp()
        self.corpus = self.useFixture(Corpus())

    def test_formats_according_to_qemu_img(self):
        expected = {'qcow2': 'qcow2', 'raw': 'raw', 'vmdk': 'vmdk',
                    'vmdk_stream': 'vmdk', 'vdi': 'vdi', 'vpc': 'vpc',
                    'vhdx': 'vhdx', 'qed': 'qed'}
        for name, fmt in expected.items():
            info = qemu_info(self.corpus.path(name), fmt)
            self.assertEqual(fmt, info['format'], name)

    def test_stream_optimized_subformat(self):
        info = qemu_info(self.corpus.path('vmdk_stream'), 'vmdk')
        self.assertEqual('streamOptimized',
                         info['format-specific']['data']['create-type'])

    def test_backing_and_data_file(self):
        self.assertIn('backing-filename',
                      qemu_info(self.corpus.path('backing'), 'qcow2'))
        info = qemu_info(self.corpus.path('data_file'), 'qcow2')
        self.assertIn('data-file', info['format-specific']['data'])
