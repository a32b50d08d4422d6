"""The check records: each id once, every record documented, and the docs
page lists them through the directive that writes them from the
records."""

import os
import re

import testtools

from osc_imagetools.guest import checks

DOC = os.path.join(os.path.dirname(__file__), '..', '..', '..', 'doc',
                   'source', 'guest-checks.rst')


class TestRecords(testtools.TestCase):

    def test_ids_unique_and_complete(self):
        ids = [r.id for r in checks.RECORDS]
        self.assertEqual(len(ids), len(set(ids)))
        for rec in checks.RECORDS:
            self.assertRegex(rec.id, r'^(guest|linux|windows|freebsd)\.'
                             r'[a-z0-9-]+$')
            self.assertTrue(rec.title and rec.requires, rec.id)
            self.assertIn(rec.severity, ('', checks.FAIL, checks.WARN))
            self.assertEqual(bool(rec.fix), bool(rec.fix_doc), rec.id)
            family = rec.id.split('.')[0]
            if family != 'guest':
                self.assertEqual((family,), rec.kinds, rec.id)

    def test_registering_an_id_twice_fails(self):
        rec = checks.RECORDS[0]
        self.assertRaises(ValueError, checks.registry.record(
            rec.group, rec.id, 't', 'r'), lambda facts: None)

    def test_doc_lists_every_record_once(self):
        text = checks.doc_rst()
        listed = re.findall(r'^``([a-z.0-9-]+)``', text, re.M)
        self.assertEqual([r.id for r in checks.RECORDS], listed)
        for rec in checks.RECORDS:
            self.assertIn(rec.requires, text)

    def test_docs_page_uses_the_generated_list(self):
        with open(DOC) as f:
            page = f.read()
        self.assertIn('\n.. guest-checks::\n', page)
        # no hand-written entry left beside the generated one
        self.assertEqual([], re.findall(r'^``(?:linux|windows|freebsd|'
                                        r'guest)\.[a-z-]+``', page, re.M))
