"""cloud.validation: what ``image validate`` reads, concurrently, and the
one retry of a catalog read that met a namespace deleted meanwhile."""

from unittest import mock

import testtools

from osc_imagetools import cloud
from osc_imagetools.cloud import validation


class TestImageCatalog(testtools.TestCase):

    def test_a_404_reads_the_catalog_again_once(self):
        with mock.patch('osc_imagetools.cloud.metadefs.fetch_catalog',
                        autospec=True) as fetch:
            fetch.side_effect = [cloud.CloudError('gone', 404), ['ns']]
            self.assertEqual(['ns'], validation.fetch_image_catalog('p'))
            self.assertEqual(2, fetch.call_count)
            fetch.assert_called_with('p', resource_type='OS::Glance::Image')
            fetch.reset_mock()
            fetch.side_effect = [cloud.CloudError('gone', 404),
                                 cloud.CloudError('gone again', 404)]
            self.assertRaises(cloud.CloudError,
                              validation.fetch_image_catalog, 'p')
            self.assertEqual(2, fetch.call_count)

    def test_other_errors_are_not_retried(self):
        with mock.patch('osc_imagetools.cloud.metadefs.fetch_catalog',
                        autospec=True,
                        side_effect=cloud.CloudError('no', 403)) as fetch:
            self.assertRaises(cloud.CloudError,
                              validation.fetch_image_catalog, 'p')
            self.assertEqual(1, fetch.call_count)


class TestSelectImages(testtools.TestCase):

    def test_named_then_listed_each_once_prefix_filters(self):
        a = {'id': 'a', 'name': 'web-1'}
        b = {'id': 'b', 'name': 'db-1'}
        c = {'id': 'c', 'name': None}
        with mock.patch('osc_imagetools.cloud.images.find_images',
                        autospec=True,
                        return_value=({'web-1': a}, {'x': 'no image x'})), \
                mock.patch('osc_imagetools.cloud.images.list_images',
                           autospec=True, return_value=[b, a, c]) as lst:
            got, problems = validation.select_images('p', validation.ImageQuery(
                ['web-1', 'x'], all_images=True, owner='o', tags=['t'],
                name_prefix='web'))
        self.assertEqual(([a], ['no image x']), (got, problems))
        lst.assert_called_once_with('p', owner='o', visibility=None,
                                    tags=['t'])


class TestFetch(testtools.TestCase):

    def test_only_what_is_asked(self):
        with mock.patch('osc_imagetools.cloud.get_schema', autospec=True,
                        return_value={'s': 1}), \
                mock.patch('osc_imagetools.cloud.validation.'
                           'fetch_image_catalog', autospec=True,
                           return_value=['ns']), \
                mock.patch('osc_imagetools.cloud.flavors.fetch_flavors',
                           autospec=True,
                           return_value=([], [], 1)) as flavors:
            self.assertEqual({'schema': {'s': 1}, 'catalog': ['ns']},
                             validation.fetch('img', catalog=True))
            self.assertEqual({'flavors': ([], [], 1)},
                             validation.fetch(compute_proxy='cmp',
                                              flavor_refs=['m1']))
            flavors.assert_called_once_with('cmp', ['m1'])
            self.assertEqual({}, validation.fetch())

    def test_an_error_in_a_thread_reaches_the_caller(self):
        with mock.patch('osc_imagetools.cloud.get_schema', autospec=True,
                        side_effect=cloud.CloudError('down', 503)), \
                mock.patch('osc_imagetools.cloud.validation.'
                           'fetch_image_catalog', autospec=True):
            exc = self.assertRaises(cloud.CloudError, validation.fetch,
                                    'img', catalog=True)
        self.assertEqual('503 down', str(exc))
