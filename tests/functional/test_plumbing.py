"""The plugin is wired into the real OSC and reaches the real cloud."""

from tests.functional import base

COMMANDS = ('image prepare', 'image validate', 'image share-accept',
            'image share list', 'image metadef sync')


class TestPlumbing(base.FunctionalTestCase):

    def test_command_list_shows_the_commands(self):
        groups = self.openstack_json('command', 'list', '--group', 'image',
                                     cloud=None)
        ours = {g['Command Group']: g['Commands'] for g in groups}
        self.assertEqual(sorted(COMMANDS),
                         sorted(ours['openstack.imagetools.v1']))
        # OSC's own image commands are still OSC's
        self.assertIn('image create', ours['openstack.image.v2'])
        self.assertIn('image list', ours['openstack.image.v2'])

    def test_every_command_answers_help(self):
        for cmd in COMMANDS:
            res = self.openstack(*(cmd.split() + ['--help']), cloud=None)
            self.assertIn('usage: openstack %s' % cmd, res.stdout)

    def test_plugin_reaches_the_cloud_through_sdk_connection(self):
        # any command of ours that lists images proves the token + endpoint
        # path; `share list` needs no arguments and no admin role.
        name = self.unique('plumb')
        conn = self.sdk('producer')
        img = conn.image.create_image(name=name, disk_format='raw',
                                      container_format='bare',
                                      visibility='shared')
        self.addCleanup(conn.image.delete_image, img.id)
        conn.image.add_member(img.id,
                              member_id=self.cloud.project_id('consumer'))
        rows = self.openstack_json('image', 'share', 'list', '--status',
                                   'all', cloud='consumer')
        self.assertIn(img.id, [r['ID'] for r in rows])
