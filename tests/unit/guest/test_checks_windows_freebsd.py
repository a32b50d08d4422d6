"""Windows (file presence) and FreeBSD checks on trees laid out like those
systems, clean and broken, fixes verified by re-checking."""

import os

from tests.unit.guest import base
from tests.unit.guest import trees

CBI = '/Program Files/Cloudbase Solutions/Cloudbase-Init'
STORE = '/Windows/System32/DriverStore/FileRepository'


class TestWindows(base.GuestTestCase):

    def test_clean(self):
        report = self.run_checks(self.tree(trees.windows))
        self.assertEqual(
            [('guest.os', 'pass'), ('windows.cloudbase-init', 'pass'),
             ('windows.cloudbase-init-config', 'pass'),
             ('windows.virtio-storage', 'pass'),
             ('windows.virtio-network', 'pass'),
             ('windows.qemu-guest-agent', 'pass')],
            [(c.id, c.status) for c in report.checks])
        self.assertEqual({'os_type': 'windows', 'os_distro': 'windows',
                          'hw_qemu_guest_agent': 'yes'}, report.properties)

    def test_names_compared_without_case(self):
        t = self.tree(trees.windows)
        os.rename(t.host('/Program Files'), t.host('/PROGRAM FILES'))
        os.rename(t.host('/Windows/System32'), t.host('/Windows/system32'))
        row = self.check(t, 'windows.cloudbase-init', 'pass')
        self.assertEqual('/PROGRAM FILES/Cloudbase Solutions/Cloudbase-Init',
                         row.path)
        self.check(t, 'windows.virtio-storage', 'pass')

    def test_no_cloudbase_init(self):
        t = self.tree(trees.windows)
        t.remove(CBI + '/Python/Scripts/cloudbase-init.exe')
        t.remove(CBI + '/conf/cloudbase-init.conf')
        os.removedirs(t.host(CBI + '/Python/Scripts'))
        os.removedirs(t.host(CBI + '/conf'))
        self.check(t, 'windows.cloudbase-init', 'fail')
        self.check(t, 'windows.cloudbase-init-config', 'n-a')

    def test_cloudbase_init_without_conf(self):
        t = self.tree(trees.windows)
        t.remove(CBI + '/conf/cloudbase-init.conf')
        row = self.check(t, 'windows.cloudbase-init-config', 'fail')
        self.assertIn('no cloudbase-init.conf', row.detail)

    def test_metadata_services_without_openstack(self):
        t = self.tree(trees.windows)
        t.write(CBI + '/conf/cloudbase-init.conf', '[DEFAULT]\n'
                'metadata_services=cloudbaseinit.metadata.services.'
                'maasservice.MaaSHttpService\n')
        row = self.check(t, 'windows.cloudbase-init-config', 'fail')
        self.assertIn('MaaSHttpService', row.detail)
        t.write(CBI + '/conf/cloudbase-init.conf', '[DEFAULT]\n'
                'username=Admin\n')
        self.check(t, 'windows.cloudbase-init-config', 'pass')

    def test_unparsable_conf(self):
        t = self.tree(trees.windows)
        t.write(CBI + '/conf/cloudbase-init.conf', 'no section header\n')
        self.check(t, 'windows.cloudbase-init-config', 'fail')

    def test_virtio_drivers_missing(self):
        t = self.tree(trees.windows)
        t.remove(STORE + '/viostor.inf_amd64_2d7d0d5e2b4b5d0a/viostor.sys')
        os.rmdir(t.host(STORE + '/viostor.inf_amd64_2d7d0d5e2b4b5d0a'))
        row = self.check(t, 'windows.virtio-storage', 'fail')
        self.assertIn('hw_disk_bus=ide', row.fix)
        t.write(STORE + '/VIOSCSI.INF_amd64_1a2b/vioscsi.sys', 'MZ')
        self.check(t, 'windows.virtio-storage', 'pass')
        t.remove(STORE + '/netkvm.inf_amd64_8b9d3a3a2c1c0f2e/netkvm.sys')
        os.rmdir(t.host(STORE + '/netkvm.inf_amd64_8b9d3a3a2c1c0f2e'))
        self.check(t, 'windows.virtio-network', 'fail')

    def test_guest_agent(self):
        t = self.tree(trees.windows)
        t.remove('/Program Files/Qemu-ga/qemu-ga.exe')
        report = self.run_checks(t)
        self.assertNotIn('hw_qemu_guest_agent', report.properties)
        self.check(t, 'windows.qemu-guest-agent', 'warn')
        self.check(t, 'windows.qemu-guest-agent', 'fail',
                   user_props={'hw_qemu_guest_agent': 'yes'})


class TestFreeBSD(base.GuestTestCase):

    def test_clean(self):
        report = self.run_checks(self.tree(trees.freebsd))
        self.assertEqual(
            [('guest.os', 'pass'), ('freebsd.cloud-init', 'pass'),
             ('freebsd.serial-console', 'pass'),
             ('freebsd.autoboot-delay', 'pass'), ('freebsd.sshd', 'pass'),
             ('freebsd.qemu-guest-agent', 'pass')],
            [(c.id, c.status) for c in report.checks])
        self.assertEqual({'os_distro': 'freebsd', 'os_version': '13.2',
                          'hw_qemu_guest_agent': 'yes'}, report.properties)

    def test_cloud_init_variants(self):
        t = self.tree(trees.freebsd)
        t.remove('/root/bsd-cloudinit-master/run.py')
        row = self.check(t, 'freebsd.cloud-init', 'pass')
        self.assertEqual('/etc/rc.local', row.path)
        t.remove('/etc/rc.local')
        row = self.check(t, 'freebsd.cloud-init', 'fail')
        self.assertIn('bsd-cloudinit', row.fix)
        t.write('/usr/local/bin/cloud-init', '')
        row = self.check(t, 'freebsd.cloud-init', 'pass')
        self.assertEqual('cloud-init installed', row.detail)

    def test_empty_loader_conf_fixed(self):
        t = self.tree(trees.freebsd)
        t.write('/boot/loader.conf', 'kern.geom.label.disk_ident.enable="0"')
        self.check(t, 'freebsd.serial-console', 'warn')
        self.check(t, 'freebsd.autoboot-delay', 'warn')
        report = self.run_checks(t, fix=True)
        self.assertEqual(['fixed', 'fixed'], [
            c.status for c in report.checks
            if c.id in ('freebsd.serial-console', 'freebsd.autoboot-delay')])
        self.assertEqual('kern.geom.label.disk_ident.enable="0"\n'
                         'console="comconsole,vidconsole"\n'
                         'autoboot_delay="1"\n', t.read('/boot/loader.conf'))
        self.check(t, 'freebsd.serial-console', 'pass')
        self.check(t, 'freebsd.autoboot-delay', 'pass')

    def test_video_console_replaced(self):
        t = self.tree(trees.freebsd)
        t.write('/boot/loader.conf', 'console="vidconsole"  # VGA only\n'
                'autoboot_delay="-1"\n')
        self.check(t, 'freebsd.serial-console', 'warn')
        self.fix_and_recheck(t, 'freebsd.serial-console')
        self.assertEqual('console="comconsole,vidconsole"\n'
                         'autoboot_delay="-1"\n', t.read('/boot/loader.conf'))

    def test_loader_conf_local_wins(self):
        t = self.tree(trees.freebsd)
        t.write('/boot/loader.conf.local', 'console="vidconsole"\n')
        row = self.check(t, 'freebsd.serial-console', 'warn')
        self.assertEqual('/boot/loader.conf.local', row.path)
        self.fix_and_recheck(t, 'freebsd.serial-console')
        self.assertEqual('console="comconsole,vidconsole"\n',
                         t.read('/boot/loader.conf.local'))

    def test_sshd(self):
        t = self.tree(trees.freebsd)
        t.write('/etc/rc.conf', 'hostname="freebsd"\n')
        self.check(t, 'freebsd.sshd', 'fail')
        t.write('/etc/rc.conf.local', 'sshd_enable="NO"\n')
        self.check(t, 'freebsd.sshd', 'fail')
        t.write('/etc/rc.conf.d/sshd', 'sshd_enable=YES\n')
        self.check(t, 'freebsd.sshd', 'pass')

    def test_guest_agent(self):
        t = self.tree(trees.freebsd)
        t.remove('/usr/local/bin/qemu-ga')
        self.check(t, 'freebsd.qemu-guest-agent', 'warn')
        self.check(t, 'freebsd.qemu-guest-agent', 'fail',
                   user_props={'hw_qemu_guest_agent': 'true'})
