"""``openstack image share <word>`` as OSC's command manager resolves it.

cliff matches partial command names: before every verb of the family was
registered (and ``image share`` itself made a command that only refuses),
``image share reject X`` ran ``image share-accept`` on the images "reject"
and "X", accepting X. Here every ``image share <word>`` that is not a verb
of the family, for words generated with a fixed seed (typos of the verbs,
their abbreviations, OSC's own image verbs, random words), is resolved by a
real cliff CommandManager loaded with OSC's image commands and ours, then
run: it must be a usage error (exit 2) that authenticates nothing and
sends nothing.
"""

import io
import random
import string
from unittest import mock

from cliff import commandmanager
import testtools

from osc_imagetools.v1 import share
from tests.unit import fakes

SEED = 20261130


def words():
    """Typos and abbreviations of the verbs, OSC verbs, random words."""
    rnd = random.Random(SEED)
    out = set()
    for verb in share.VERBS + ('share-accept',):
        out.update(verb[:i] for i in range(1, len(verb)))  # abbreviations
        for i in range(len(verb)):
            out.add(verb[:i] + verb[i + 1:])  # a letter dropped
            out.add(verb[:i] + rnd.choice(string.ascii_lowercase)
                    + verb[i + 1:])  # a letter changed
            if i + 1 < len(verb):  # two letters swapped
                out.add(verb[:i] + verb[i + 1] + verb[i] + verb[i + 2:])
        out.add(verb + 's')
        out.add(verb.upper())
    out.update(('set', 'show', 'save', 'create', 'delete', 'unset', 'member',
                'accepted', 'rejected', 'add-project', 'members', 'ls'))
    for _ in range(40):
        out.add(''.join(rnd.choice(string.ascii_lowercase + '-')
                        for _ in range(rnd.randint(1, 12))))
    return sorted(w for w in out if w and w not in share.VERBS)


class TestUnknownVerbs(testtools.TestCase):

    def setUp(self):
        super().setUp()
        self.manager = commandmanager.CommandManager('openstack.cli')
        self.manager.add_command_group('openstack.image.v2')
        self.manager.add_command_group('openstack.imagetools.v1')
        # any request to the cloud would go through one of these
        self.sent = []
        for target in ('osc_imagetools.cloud.connect_image',
                       'osc_imagetools.cloud.request',
                       'osc_imagetools.cloud.client.Client.caller'):
            patcher = mock.patch(target, autospec=True,
                                 side_effect=self.sent.append)
            patcher.start()
            self.addCleanup(patcher.stop)

    def run_argv(self, argv):
        """``(command class, exit code, app)`` as cliff's App would run
        ``argv``: find the command, parse its arguments, run it."""
        factory, name, rest = self.manager.find_command(argv)
        app = fakes.FakeApp()  # its client manager fails the test if used
        cmd = factory(app, None, cmd_name=name)
        with mock.patch('sys.stderr', io.StringIO()):
            try:
                parsed = cmd.get_parser('openstack ' + name).parse_args(rest)
            except SystemExit as exc:
                return factory, exc.code, app
        return factory, cmd.run(parsed), app

    def test_generated_words_are_usage_errors_sending_nothing(self):
        checked = 0
        for word in words():
            for tail in (['X'], [], ['X', '--all'], ['--all'],
                         ['--project', 'consumer', 'X']):
                argv = ['image', 'share', word] + tail
                _, rc, app = self.run_argv(argv)
                self.assertEqual(2, rc, argv)
                app.prepare_to_run_command.assert_not_called()
                checked += 1
        self.assertEqual([], self.sent)
        self.assertGreater(checked, 500)

    def test_the_reported_case(self):
        factory, _, _ = self.manager.find_command(
            ['image', 'share', 'reject', 'X'])
        self.assertIs(share.RejectVerb, factory)
        factory, rc, app = self.run_argv(['image', 'share', 'rejct', 'X'])
        self.assertIs(share.ShareVerbs, factory)
        self.assertEqual(2, rc)
        self.assertIn('unknown command "image share rejct"',
                      app.stderr.getvalue())
        self.assertEqual([], self.sent)

    def test_every_verb_is_its_own_command(self):
        expected = {'accept': share.AcceptVerb, 'reject': share.RejectVerb,
                    'pending': share.PendingVerb, 'list': share.ListShares,
                    'add': share.AddMembers, 'remove': share.RemoveMembers}
        for verb, cls in expected.items():
            factory, name, rest = self.manager.find_command(
                ['image', 'share', verb, 'X'])
            self.assertEqual((cls, 'image share ' + verb, ['X']),
                             (factory, name, rest))
        factory, name, _ = self.manager.find_command(
            ['image', 'share-accept', 'X'])
        self.assertIs(share.AcceptShares, factory)

    def test_bare_family_name_and_help(self):
        _, rc, app = self.run_argv(['image', 'share'])
        self.assertEqual(2, rc)
        self.assertIn('give a verb', app.stderr.getvalue())
        factory, name, _ = self.manager.find_command(['image', 'share'])
        cmd = factory(mock.Mock(), None, cmd_name=name)
        text = cmd.get_parser('openstack image share').format_help()
        for verb in share.VERBS:
            self.assertIn(verb, text)
