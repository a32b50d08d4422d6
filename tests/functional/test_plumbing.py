"""The plugin is wired into the real OSC and reaches the real cloud."""

from tests.functional import base

COMMANDS = ('image prepare', 'image validate', 'image share-accept',
            'image share', 'image share accept', 'image share reject',
            'image share pending', 'image share list', 'image share add',
            'image share remove', 'image metadef sync')


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

    def test_catalog_names_this_clouds_ports(self):
        # tools/local_cloud.py copies a pre-built Keystone database whose
        # endpoints name port 0 and sets this run's ports in the copy; the
        # clients find Glance through that catalog.
        conn = self.sdk('admin')
        keystone_url = 'http://127.0.0.1:%d/v3' % (
            self.cloud.info['keystone_port'])
        want = {'image': self.cloud.glance_url, 'identity': keystone_url}
        types = {s.id: s.type for s in conn.identity.services()}
        got = {}
        for ep in conn.identity.endpoints():
            got.setdefault(types[ep.service_id], set()).add(
                (ep.interface, ep.url))
        for stype, url in want.items():
            self.assertEqual({(i, url) for i in ('public', 'internal',
                                                 'admin')},
                             got.get(stype), stype)
        # a member's token gets the same catalog (the SDK appends /v2)
        endpoint = self.sdk('consumer').image.get_endpoint()
        self.assertTrue(endpoint.startswith(self.cloud.glance_url + '/'),
                        endpoint)

    def test_concurrent_writes_get_no_server_errors(self):
        # The local cloud runs Glance and Keystone on SQLite. Without
        # tools/sqlite_immediate.py about 9 in 10 of these writes were
        # answered 500 "database is locked" (read-then-write transactions
        # cannot wait for each other in WAL mode); every test that writes
        # while another one does depends on this holding.
        import threading

        consumer = self.cloud.project_id('consumer')
        prefix = self.unique('conc')
        failures = []

        def writer(n):
            conn = self.sdk('producer')
            for i in range(4):
                try:
                    img = conn.image.create_image(
                        name='%s-%d-%d' % (prefix, n, i), disk_format='raw',
                        container_format='bare', visibility='shared')
                    conn.image.update_image(img, os_distro='ubuntu')
                    conn.image.add_member(img, member_id=consumer)
                    conn.image.delete_image(img)
                except Exception as exc:  # every failure is the finding
                    failures.append('%s: %s' % (type(exc).__name__, exc))

        threads = [threading.Thread(target=writer, args=(n,))
                   for n in range(6)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        self.assertEqual([], failures)
