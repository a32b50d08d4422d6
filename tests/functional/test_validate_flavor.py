"""``openstack image validate --flavor``: real images in the real Glance,
real flavors made with ``openstack flavor create --property`` in a real
nova-api (``tools/local-cloud start --with-nova``).

Skipped when the shared local cloud runs without nova-api (``tools/run-tests``
starts it with nova).
"""

import json
import os
import re

from tests.functional import base

CHECK = '\u2717'


class TestValidateFlavor(base.FunctionalTestCase):

    def setUp(self):
        super().setUp()
        with open(os.path.join(self.cloud.state, 'state.json')) as f:
            info = json.load(f)
        if not info.get('nova_port') or 'nova' not in info.get('pids', {}):
            self.skipTest('the local cloud runs without nova-api (start it '
                          'with tools/local-cloud start --with-nova)')
        self.nova_log = os.path.join(self.cloud.state, 'logs',
                                     'nova-access.log')
        self.conn = self.sdk('producer')

    # -- fixtures ----------------------------------------------------------
    def flavor(self, ram, disk, vcpus, **specs):
        """A public flavor made by the admin with the real CLI."""
        name = self.unique('flv')
        argv = ['flavor', 'create', '--ram', ram, '--disk', disk,
                '--vcpus', vcpus]
        for key, value in specs.items():
            argv += ['--property', '%s=%s' % (key.replace('__', ':'), value)]
        flavor = self.openstack_json(*(argv + [name]), cloud='admin')
        self.addCleanup(self.openstack, 'flavor', 'delete', flavor['id'],
                        cloud='admin', rc=None)
        return flavor

    def image(self, name, upload=False, **props):
        body = {'name': name, 'disk_format': 'qcow2',
                'container_format': 'bare'}
        body.update(props)
        image = self.send(self.conn, 'POST', '/images', (201,),
                          json=body).json()
        self.addCleanup(self.conn.image.delete, '/images/%s' % image['id'])
        if upload:
            path = self.qemu_img('qcow2', size='64M')
            with open(path, 'rb') as f:
                self.send(self.conn, 'PUT', '/images/%s/file' % image['id'],
                          (204,), data=f, headers={
                              'Content-Type': 'application/octet-stream'})
        return image

    def nova_mark(self):
        try:
            return os.path.getsize(self.nova_log)
        except FileNotFoundError:
            return 0

    def nova_requests(self, mark):
        with open(self.nova_log, 'rb') as f:
            f.seek(mark)
            data = f.read().decode('utf-8', 'replace')
        return re.findall(r'"(\w+) (\S+) HTTP', data)

    # -- tests -------------------------------------------------------------
    def test_conflicts_and_sizes_on_real_flavors(self):
        small = self.flavor(1024, 1, 2, hw__cpu_policy='shared',
                            hw__mem_page_size='small')
        big = self.flavor(4096, 20, 4, hw__cpu_policy='dedicated',
                          hw__mem_page_size='large')
        prefix = self.unique('vf')
        pinned = self.image(prefix + '-pinned', upload=True, min_disk=10,
                            min_ram=2048, hw_cpu_policy='dedicated',
                            hw_mem_page_size='2048', hw_pmu='false')
        plain = self.image(prefix + '-plain', hw_disk_bus='scsi')
        mark = self.nova_mark()
        res, rows = self.validate(pinned['id'], plain['id'],
                                  '--flavor', small['name'],
                                  '--flavor', big['id'], rc=1)
        got = sorted((r['Image'], r['Flavor'], r['Property'], r['Severity'],
                      r['Rule']) for r in rows)
        self.assertEqual(sorted([
            (pinned['id'], small['name'], 'min_disk', 'error',
             'flavor-min-disk'),
            (pinned['id'], small['name'], 'min_ram', 'error',
             'flavor-min-ram'),
            (pinned['id'], small['name'], 'hw_cpu_policy', 'error',
             'flavor-cpu-policy-conflict'),
            (plain['id'], '', '', 'ok', ''),
        ]), got)
        # on the big flavor, hw:mem_page_size=large lets the image pick
        # 2048 KiB pages, and the dedicated policies agree
        self.assertIn('1 of 4 image/flavor pairs failed', res.stderr)
        # the flavors with their extra specs came with one listing
        # (microversion 2.61): no request for either flavor by id and no
        # os-extra_specs request per flavor. The nova log is shared with the
        # other test worker (its flavor create/delete and --all-flavors
        # listings land here too), so only requests naming these two
        # flavors count, plus the listings.
        ours = (small['id'], big['id'])
        calls = self.nova_requests(mark)
        per_flavor = [p for m, p in calls if any(i in p for i in ours)]
        self.assertEqual([], per_flavor)
        self.assertTrue(any('/flavors/detail' in p for m, p in calls),
                        calls)

    def test_matrix_all_images_all_flavors(self):
        tiny = self.flavor(512, 1, 1)
        multi = self.flavor(2048, 10, 2, hw__vif_multiqueue_enabled='false',
                            hw__pmu='true')
        prefix = self.unique('vm')
        queues = self.image(prefix + '-mq', hw_vif_multiqueue_enabled='true',
                            min_ram=1024)
        ok = self.image(prefix + '-ok', hw_disk_bus='virtio')
        res, rows = self.validate('--all', '--name-prefix', prefix,
                                  '--all-flavors', '--matrix', rc=1)
        by_image = {r['Image']: r for r in rows}
        self.assertEqual({queues['id'], ok['id']}, set(by_image))
        self.assertEqual('ok', by_image[ok['id']][tiny['name']])
        self.assertEqual('ok', by_image[ok['id']][multi['name']])
        self.assertTrue(by_image[queues['id']][tiny['name']].startswith(
            CHECK + ' flavor-min-ram:'), by_image[queues['id']])
        self.assertTrue(by_image[queues['id']][multi['name']].startswith(
            CHECK + ' flavor-vif-multiqueue-conflict:'))
        self.assertEqual('ok', by_image[queues['id']]['Properties'])

    def test_flavor_file_from_the_real_cli_agrees_with_the_cloud(self):
        numa = self.flavor(2048, 10, 4, hw__numa_nodes='2',
                           hw__cpu_policy='dedicated')
        pmu = self.flavor(1024, 5, 2, hw__pmu='false')
        image = self.image(self.unique('vff'), hw_numa_nodes='1',
                           hw_pmu='true', hw_cpu_thread_policy='isolate')
        online_res, online = self.validate(
            image['id'], '--flavor', numa['name'], '--flavor', pmu['name'],
            rc=1)
        # OSC reads each flavor's extra specs after the listing: a flavor
        # another test deletes in between makes it fail (404); list again
        for _ in range(5):
            listing = self.openstack('flavor', 'list', '--long', '-f',
                                     'json', rc=None)
            if listing.rc == 0:
                break
        self.assertEqual(0, listing.rc, listing)
        path = os.path.join(self.tmp, 'flavors.json')
        with open(path, 'w') as f:
            f.write(listing.stdout)
        res, offline = self.validate(
            image['id'], '--flavor-file', path, '--flavor', numa['name'],
            '--flavor', pmu['name'], rc=1)
        self.assertEqual(online, offline)
        # a thread policy needs a dedicated CPU policy: the pmu flavor has
        # none (Nova's CPUThreadPolicyConfigurationInvalid)
        self.assertEqual(
            {(numa['name'], 'flavor-numa-conflict'),
             (pmu['name'], 'flavor-pmu-conflict'),
             (pmu['name'], 'flavor-cpu-pinning')},
            {(r['Flavor'], r['Rule']) for r in online})
        # one flavor as 'flavor show -f json' prints it
        show = self.openstack('flavor', 'show', pmu['id'], '-f', 'json')
        with open(path, 'w') as f:
            f.write(show.stdout)
        res, rows = self.validate(image['id'], '--flavor-file', path, rc=1)
        self.assertEqual({(pmu['name'], 'flavor-pmu-conflict'),
                          (pmu['name'], 'flavor-cpu-pinning')},
                         {(r['Flavor'], r['Rule']) for r in rows})
        self.assertIn('1 of 1 image/flavor pair failed', res.stderr)

    def test_unknown_flavor_is_reported_and_counted(self):
        flavor = self.flavor(1024, 10, 1)
        image = self.image(self.unique('vfu'), hw_disk_bus='scsi')
        missing = self.unique('nope')
        res, rows = self.validate(image['id'], '--flavor', flavor['name'],
                                  '--flavor', missing, rc=1)
        self.assertIn('no flavor named or with ID %s' % missing, res.stderr)
        self.assertIn('1 of 2 image/flavor pairs failed', res.stderr)
        self.assertEqual([(image['id'], 'ok')],
                         [(r['Image'], r['Severity']) for r in rows])


class TestValidateFlavorWithoutNova(base.FunctionalTestCase):

    def test_a_cloud_without_compute_is_one_line(self):
        # a cloud whose catalog has no compute service, as openstacksdk
        # sees it (the service type looked up is one nobody registers)
        with open(self.cloud.clouds_yaml) as f:
            text = f.read()
        path = os.path.join(self.tmp, 'clouds.yaml')
        with open(path, 'w') as f:
            f.write(text.replace('  producer:\n', '  producer:\n'
                                 '    compute_service_type: nocompute\n'))
        res = self.openstack('image', 'validate', '--property', 'a=b',
                             '--all-flavors', rc=1,
                             env=self.env(OS_CLIENT_CONFIG_FILE=path))
        self.assertEqual('', res.stdout)
        # one line, worded as every error of the commands (the command
        # base maps the cloud's errors too: exit-codes.rst)
        self.assertEqual('openstack image validate: error: the cloud has no '
                         'compute endpoint (Nova) in its catalog: give the '
                         'flavors with --flavor-file\n', res.stderr)

    def test_bad_flavor_file_is_a_usage_error(self):
        path = os.path.join(self.tmp, 'flavors.json')
        with open(path, 'w') as f:
            f.write('[{"Name": "x", "RAM": 512, "Disk": 1}]')
        res = self.openstack('image', 'validate', '--property', 'a=b',
                             '--flavor-file', path, rc=2, cloud=None)
        self.assertEqual('', res.stdout)
        self.assertEqual('openstack image validate: error: --flavor-file '
                         '%s: flavor x: vcpus must be an integer, not None\n'
                         % path, res.stderr)
