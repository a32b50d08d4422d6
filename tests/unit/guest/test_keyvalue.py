"""The one KEY=VALUE editor of the guest checks."""

import testtools

from osc_imagetools.guest.checks import keyvalue


class TestKeyValueFile(testtools.TestCase):

    def test_read_shell_rules(self):
        kv = keyvalue.KeyValueFile(
            '# c\nA=1\nexport B="two words" # note\nC=\'x#y\'\nA=3\n'
            'D = "spaced"\nbroken="unbalanced\n  \n')
        self.assertEqual({'A': '3', 'B': 'two words', 'C': 'x#y',
                          'D': 'spaced'}, kv.as_dict())
        self.assertEqual(4, kv.index('A'))
        self.assertIsNone(kv.get('broken'))
        self.assertEqual('d', kv.get('missing', 'd'))

    def test_set_keeps_the_rest_of_the_line_and_file(self):
        text = '# head\nexport GRUB="a b"\nX=1\nGRUB=\'c\'\n'
        kv = keyvalue.KeyValueFile(text)
        self.assertEqual("GRUB='new'", kv.set('GRUB', 'new'))
        self.assertEqual('# head\nexport GRUB="a b"\nX=1\nGRUB=\'new\'\n',
                         kv.text())
        self.assertEqual('Y="v"', kv.set('Y', 'v'))
        self.assertEqual('Z=w', kv.set('Z', 'w', quote=''))
        self.assertTrue(kv.text().endswith('Y="v"\nZ=w\n'))

    def test_remove_every_assignment(self):
        kv = keyvalue.KeyValueFile('HWADDR=1\nDEVICE=eth0\n HWADDR="2"\n')
        self.assertEqual(['HWADDR=1', ' HWADDR="2"'], kv.remove('HWADDR'))
        self.assertEqual('DEVICE=eth0\n', kv.text())
        self.assertEqual([], kv.remove('HWADDR'))

    def test_empty(self):
        kv = keyvalue.KeyValueFile(None)
        self.assertEqual('', kv.text())
        kv.set('NOZEROCONF', 'yes', quote='')
        self.assertEqual('NOZEROCONF=yes\n', kv.text())
