"""Linux checks on Ubuntu-, Rocky (RHEL family)- and Debian-like trees:
each check passing on the clean tree, failing on a broken one, and each
fix verified by running the check again."""

import json

from osc_imagetools import guest
from tests.unit.guest import base
from tests.unit.guest import trees

LINUX_IDS = [
    'guest.os', 'linux.bootable', 'linux.serial-console', 'linux.machine-id',
    'linux.cloud-init', 'linux.cloud-init-datasources', 'linux.growpart',
    'linux.default-user', 'linux.udev-persistent-net',
    'linux.udev-net-generator', 'linux.ifcfg-hwaddr', 'linux.mac-pinning',
    'linux.nozeroconf', 'linux.firewall', 'linux.sshd',
    'linux.ssh-password-auth', 'linux.root-password', 'linux.ssh-host-keys',
    'linux.acpid', 'linux.qemu-guest-agent']


def drop_package(tree, name):
    text = tree.read('/var/lib/dpkg/status')
    stanzas = [s for s in text.split('\n\n')
               if not s.startswith('Package: %s\n' % name)]
    tree.write('/var/lib/dpkg/status', '\n\n'.join(stanzas))


class TestCleanTrees(base.GuestTestCase):

    def test_every_linux_check_runs_and_nothing_fails(self):
        for builder in (trees.ubuntu, trees.rocky, trees.debian):
            report = self.run_checks(self.tree(builder))
            self.assertEqual(LINUX_IDS, [c.id for c in report.checks])
            self.assertFalse(report.failed, report.rows())
            for c in report.checks:
                self.assertIn(c.status, ('pass', 'n-a', 'warn'), c)
        # the only warning of the three: Debian has no guest agent
        report = self.run_checks(self.tree(trees.debian))
        self.assertEqual(['linux.qemu-guest-agent'],
                         [c.id for c in report.checks if c.status == 'warn'])

    def test_report_shape(self):
        report = self.run_checks(self.tree(trees.ubuntu))
        self.assertEqual(('Check', 'Status', 'Path', 'Detail', 'Fix'),
                         guest.COLUMNS)
        for row in report.rows():
            self.assertEqual(5, len(row))
            self.assertIn(row[1], guest.STATUSES)
        data = json.loads(json.dumps(report.to_dict()))
        self.assertEqual(['changes', 'checks', 'os', 'properties'],
                         sorted(data))
        self.assertEqual(sorted(guest.COLUMNS), sorted(data['checks'][0]))
        self.assertEqual('ubuntu', data['os']['distro'])

    def test_fix_on_a_clean_tree_changes_nothing(self):
        t = self.tree(trees.rocky)
        before = t.snapshot()
        report = self.run_checks(t, fix=True)
        self.assertEqual([], report.changes)
        self.assertEqual(before, t.snapshot())

    def test_fix_needs_a_writable_root(self):
        t = self.tree(trees.ubuntu)
        with guest.open_root(path=t.top) as root:
            e = self.assertRaises(guest.GuestError, guest.run_checks, root,
                                  fix=True)
        self.assertIn('read-only', str(e))


class TestBrokenUbuntu(base.GuestTestCase):
    """Many problems at once: every change is reported, nothing else
    changes, and the fixed tree passes what was fixed."""

    def broken(self):
        t = self.tree(trees.ubuntu)
        t.write('/etc/udev/rules.d/70-persistent-net.rules',
                'SUBSYSTEM=="net", ACTION=="add", ATTR{address}=="52:54:00:'
                '12:34:56", NAME="eth0"\n')
        t.write('/etc/machine-id', '4f1c2d3e4a5b6c7d8e9f0a1b2c3d4e5f\n')
        t.write('/etc/ssh/ssh_host_ed25519_key', 'PRIVATE')
        t.write('/etc/ssh/ssh_host_ed25519_key.pub', 'ssh-ed25519 AAAA')
        t.write('/etc/ufw/ufw.conf', 'ENABLED=yes\nLOGLEVEL=low\n')
        t.remove('/etc/default/grub.d/50-cloudimg-settings.cfg')
        return t

    def test_read_only_run_reports_and_changes_nothing(self):
        t = self.broken()
        before = t.snapshot()
        report = self.run_checks(t)
        status = {c.id: c.status for c in report.checks}
        self.assertEqual('fail', status['linux.udev-persistent-net'])
        for cid in ('linux.machine-id', 'linux.ssh-host-keys',
                    'linux.firewall', 'linux.serial-console'):
            self.assertEqual('warn', status[cid], cid)
        self.assertTrue(report.failed)
        self.assertEqual(before, t.snapshot())

    def test_fix_reports_every_change_and_only_those(self):
        t = self.broken()
        before = t.snapshot()
        report = self.run_checks(t, fix=True)
        fixed = sorted(c.id for c in report.checks if c.status == 'fixed')
        self.assertEqual(['linux.firewall', 'linux.machine-id',
                          'linux.serial-console', 'linux.ssh-host-keys',
                          'linux.udev-persistent-net'], fixed)
        self.assertFalse(report.failed)
        after = t.snapshot()
        changed = {p for p in set(before) | set(after)
                   if before.get(p) != after.get(p)}
        self.assertEqual(changed, {c.path for c in report.changes})
        again = self.run_checks(t)
        self.assertEqual([], [c.id for c in again.checks
                              if c.status not in ('pass', 'n-a')])


class TestCloudInit(base.GuestTestCase):

    def test_installed_by_package_database(self):
        row = self.check(self.tree(trees.rocky), 'linux.cloud-init', 'pass')
        self.assertEqual('/var/lib/rpm/rpmdb.sqlite (cloud-init)', row.path)

    def test_installed_by_files_when_no_database(self):
        t = self.tree(trees.ubuntu)
        t.remove('/var/lib/dpkg/status')
        row = self.check(t, 'linux.cloud-init', 'pass')
        self.assertEqual('/usr/bin/cloud-init', row.path)

    def test_missing(self):
        t = self.tree(trees.ubuntu)
        drop_package(t, 'cloud-init')
        t.remove('/usr/bin/cloud-init')
        row = self.check(t, 'linux.cloud-init', 'fail')
        self.assertIn('install', row.fix)
        for cid in ('linux.cloud-init-datasources', 'linux.default-user'):
            self.check(t, cid, 'n-a')

    def test_missing_rpm(self):
        t = self.tree(trees.rocky)
        trees.rpmdb(t.host('/usr/lib/sysimage/rpm/rpmdb.sqlite'),
                    [p for p in trees.ROCKY_PACKAGES if p != 'cloud-init'])
        self.check(t, 'linux.cloud-init', 'fail')

    def test_disabled(self):
        t = self.tree(trees.ubuntu)
        t.write('/etc/cloud/cloud-init.disabled', '')
        row = self.check(t, 'linux.cloud-init', 'fail')
        self.assertEqual('/etc/cloud/cloud-init.disabled', row.path)


class TestDatasources(base.GuestTestCase):

    def test_list_with_openstack(self):
        row = self.check(self.tree(trees.ubuntu),
                         'linux.cloud-init-datasources', 'pass')
        self.assertEqual('/etc/cloud/cloud.cfg.d/90_dpkg.cfg', row.path)

    def test_not_set(self):
        row = self.check(self.tree(trees.rocky),
                         'linux.cloud-init-datasources', 'pass')
        self.assertIn('not set', row.detail)

    def test_later_file_excludes_openstack(self):
        t = self.tree(trees.ubuntu)
        t.write('/etc/cloud/cloud.cfg.d/99-local.cfg',
                'datasource_list: [ NoCloud, None ]\n')
        row = self.check(t, 'linux.cloud-init-datasources', 'fail')
        self.assertEqual('/etc/cloud/cloud.cfg.d/99-local.cfg', row.path)
        self.assertIn('NoCloud, None', row.detail)

    def test_earlier_file_is_overridden(self):
        t = self.tree(trees.ubuntu)
        t.write('/etc/cloud/cloud.cfg.d/10-local.cfg',
                'datasource_list: [ NoCloud ]\n')
        self.check(t, 'linux.cloud-init-datasources', 'pass')

    def test_unparsable_yaml(self):
        t = self.tree(trees.ubuntu)
        t.write('/etc/cloud/cloud.cfg.d/50-bad.cfg', 'datasource_list: [\n')
        row = self.check(t, 'linux.cloud-init-datasources', 'warn')
        self.assertEqual('/etc/cloud/cloud.cfg.d/50-bad.cfg', row.path)


class TestGrowpart(base.GuestTestCase):

    def test_both_ways(self):
        t = self.tree(trees.debian)
        self.check(t, 'linux.growpart', 'pass')
        drop_package(t, 'cloud-initramfs-growroot')
        row = self.check(t, 'linux.growpart', 'warn')
        self.assertIn('cloud-guest-utils', row.fix)
        t = self.tree(trees.rocky)
        trees.rpmdb(t.host('/usr/lib/sysimage/rpm/rpmdb.sqlite'), ['bash'])
        row = self.check(t, 'linux.growpart', 'warn')
        self.assertIn('cloud-utils-growpart', row.fix)


class TestUdevRules(base.GuestTestCase):

    RULE = ('SUBSYSTEM=="net", ACTION=="add", DRIVERS=="?*", '
            'ATTR{address}=="fa:16:3e:00:00:01", NAME="eth0"\n')

    def test_persistent_net_rules(self):
        t = self.tree(trees.rocky)
        path = '/etc/udev/rules.d/70-persistent-net.rules'
        self.check(t, 'linux.udev-persistent-net', 'pass')
        t.write(path, '# This file was automatically generated\n\n')
        self.check(t, 'linux.udev-persistent-net', 'pass')
        t.append(path, self.RULE)
        row = self.check(t, 'linux.udev-persistent-net', 'fail')
        self.assertIn('1 rule line', row.detail)
        _, changes = self.fix_and_recheck(t, 'linux.udev-persistent-net')
        self.assertEqual('', t.read(path))  # emptied, not removed
        self.assertEqual(['emptied ' + path], [str(c) for c in changes])

    def test_net_generator(self):
        t = self.tree(trees.debian)
        path = '/lib/udev/rules.d/75-persistent-net-generator.rules'
        self.check(t, 'linux.udev-net-generator', 'pass')
        t.write(path, 'ACTION!="add", GOTO="persistent_net_generator_end"\n')
        row = self.check(t, 'linux.udev-net-generator', 'fail')
        self.assertEqual(path, row.path)
        self.fix_and_recheck(t, 'linux.udev-net-generator')
        self.assertEqual('', t.read(path))

    def test_net_generator_in_usr_lib(self):
        t = self.tree(trees.ubuntu)  # /lib -> usr/lib
        t.write('/usr/lib/udev/rules.d/75-persistent-net-generator.rules',
                'ACTION!="add", GOTO="end"\n')
        self.check(t, 'linux.udev-net-generator', 'fail')
        self.fix_and_recheck(t, 'linux.udev-net-generator')

    def test_net_generator_masked_in_etc(self):
        t = self.tree(trees.debian)
        t.write('/lib/udev/rules.d/75-persistent-net-generator.rules',
                'ACTION!="add", GOTO="end"\n')
        t.link('/etc/udev/rules.d/75-persistent-net-generator.rules',
               '/dev/null')
        row = self.check(t, 'linux.udev-net-generator', 'pass')
        self.assertIn('masked', row.detail)


class TestHwaddr(base.GuestTestCase):

    def test_both_ways_and_fix(self):
        t = self.tree(trees.rocky)
        path = '/etc/sysconfig/network-scripts/ifcfg-eth0'
        self.check(t, 'linux.ifcfg-hwaddr', 'pass')  # ifcfg-lo ignored
        t.write(path, 'DEVICE=eth0\nHWADDR=52:54:00:AB:CD:EF\n'
                'BOOTPROTO=dhcp\nONBOOT=yes\n')
        row = self.check(t, 'linux.ifcfg-hwaddr', 'fail')
        self.assertEqual(path, row.path)
        fixed, changes = self.fix_and_recheck(t, 'linux.ifcfg-hwaddr')
        self.assertEqual('DEVICE=eth0\nBOOTPROTO=dhcp\nONBOOT=yes\n',
                         t.read(path))
        self.assertIn('HWADDR=52:54:00:AB:CD:EF', fixed.fix)
        self.assertEqual('HWADDR=00:00:00:00:00:00\n', t.read(
            '/etc/sysconfig/network-scripts/ifcfg-lo').split('\n', 1)[1])

    def test_not_applicable_without_network_scripts(self):
        self.check(self.tree(trees.ubuntu), 'linux.ifcfg-hwaddr', 'n-a')


class TestSshd(base.GuestTestCase):

    def test_enabled_by_absolute_systemd_link(self):
        row = self.check(self.tree(trees.ubuntu), 'linux.sshd', 'pass')
        self.assertEqual(
            '/etc/systemd/system/multi-user.target.wants/ssh.service',
            row.path)

    def test_not_enabled(self):
        t = self.tree(trees.rocky)
        t.remove('/etc/systemd/system/multi-user.target.wants/sshd.service')
        row = self.check(t, 'linux.sshd', 'fail')
        self.assertIn('not enabled', row.detail)

    def test_masked(self):
        t = self.tree(trees.ubuntu)
        t.link('/etc/systemd/system/ssh.service', '/dev/null')
        self.check(t, 'linux.sshd', 'fail')

    def test_socket_activation(self):
        t = self.tree(trees.ubuntu)
        t.remove('/etc/systemd/system/multi-user.target.wants/ssh.service')
        self.check(t, 'linux.sshd', 'fail')
        t.write('/lib/systemd/system/ssh.socket', '[Socket]\nListenStream=22'
                '\n[Install]\nWantedBy=sockets.target\n')
        t.link('/etc/systemd/system/sockets.target.wants/ssh.socket',
               '/lib/systemd/system/ssh.socket')
        self.check(t, 'linux.sshd', 'pass')

    def test_sysv_link_ignored_beside_a_native_unit(self):
        # systemd-sysv-generator skips a script that has a native unit:
        # the S link of Debian's ssh does not start it (issue 11)
        t = self.tree(trees.debian)
        t.link('/etc/rc2.d/S01ssh', '../init.d/ssh')
        t.remove('/etc/systemd/system/multi-user.target.wants/ssh.service')
        self.check(t, 'linux.sshd', 'fail')
        t.link('/etc/systemd/system/multi-user.target.wants/ssh.service',
               '/lib/systemd/system/ssh.service')
        t.link('/etc/systemd/system/ssh.service', '/dev/null')
        row = self.check(t, 'linux.sshd', 'fail')
        self.assertIn('masked', row.detail)

    def test_sysv_and_openrc_without_native_units(self):
        t = self.tree(trees.debian)
        for path in ('/etc/systemd/system/multi-user.target.wants/'
                     'ssh.service', '/etc/systemd/system/sshd.service',
                     '/lib/systemd/system/ssh.service'):
            t.remove(path)
        self.check(t, 'linux.sshd', 'fail')
        t.link('/etc/rc2.d/S02ssh', '../init.d/ssh')
        self.check(t, 'linux.sshd', 'pass')
        t.remove('/etc/rc2.d/S02ssh')
        t.link('/etc/runlevels/default/sshd', '/etc/init.d/sshd')
        self.check(t, 'linux.sshd', 'pass')

    def test_enabled_through_an_alias_only(self):
        t = self.tree(trees.debian)
        t.remove('/etc/systemd/system/multi-user.target.wants/ssh.service')
        t.link('/etc/systemd/system/multi-user.target.wants/sshd.service',
               '/lib/systemd/system/ssh.service')
        self.check(t, 'linux.sshd', 'pass')

    def test_not_installed(self):
        t = self.tree(trees.ubuntu)
        drop_package(t, 'openssh-server')
        t.remove('/usr/sbin/sshd')
        row = self.check(t, 'linux.sshd', 'fail')
        self.assertIn('not installed', row.detail)


class TestFirewall(base.GuestTestCase):

    def test_ufw_service_enabled_but_ufw_off(self):
        self.check(self.tree(trees.ubuntu), 'linux.firewall', 'pass')

    def test_ufw_on(self):
        t = self.tree(trees.ubuntu)
        t.write('/etc/ufw/ufw.conf', '# comment\nENABLED=yes\nLOGLEVEL=low\n')
        t.write('/etc/default/ufw', 'DEFAULT_INPUT_POLICY="DROP"\n')
        t.write('/etc/ufw/user.rules', '*filter\n### tuple ### allow tcp 22 '
                '0.0.0.0/0 any 0.0.0.0/0 in\n-A ufw-user-input -p tcp '
                '--dport 22 -j ACCEPT\nCOMMIT\n')
        row = self.check(t, 'linux.firewall', 'warn')
        self.assertIn('ufw', row.detail)
        self.fix_and_recheck(t, 'linux.firewall')
        self.assertEqual('# comment\nENABLED=no\nLOGLEVEL=low\n',
                         t.read('/etc/ufw/ufw.conf'))

    def test_firewalld_with_alias(self):
        t = self.tree(trees.rocky)
        unit = '/usr/lib/systemd/system/firewalld.service'
        wants = '/etc/systemd/system/multi-user.target.wants/firewalld.service'
        alias = '/etc/systemd/system/dbus-org.fedoraproject.FirewallD1.service'
        t.link(wants, unit)
        t.link(alias, unit)
        row = self.check(t, 'linux.firewall', 'warn')
        self.assertEqual(wants, row.path)
        _, changes = self.fix_and_recheck(t, 'linux.firewall')
        self.assertEqual({wants, alias}, {c.path for c in changes})
        self.assertFalse(t.exists(wants))
        self.assertFalse(t.exists(alias))
        self.assertTrue(t.exists(unit))

    def test_vendor_link_on_merged_usr_counted_once(self):
        t = self.tree(trees.ubuntu)  # /lib -> usr/lib
        t.write('/usr/lib/systemd/system/nftables.service', '[Unit]\n')
        link = '/usr/lib/systemd/system/sysinit.target.wants/nftables.service'
        t.link(link, '../nftables.service')
        row = self.check(t, 'linux.firewall', 'warn')
        self.assertEqual(link, row.path)
        _, changes = self.fix_and_recheck(t, 'linux.firewall')
        self.assertEqual(['removed %s (disables nftables.service)' % link],
                         [str(c) for c in changes])

    def test_sysv_iptables(self):
        t = self.tree(trees.debian)
        t.link('/etc/rc3.d/S05iptables', '../init.d/iptables')
        self.check(t, 'linux.firewall', 'warn')
        self.fix_and_recheck(t, 'linux.firewall')


class TestSerialConsole(base.GuestTestCase):

    def test_clean(self):
        row = self.check(self.tree(trees.ubuntu), 'linux.serial-console',
                         'pass')
        self.assertIn('50-cloudimg-settings.cfg', row.path)
        self.check(self.tree(trees.rocky), 'linux.serial-console', 'pass')

    def test_rhel_fix_says_grub_cfg_must_be_regenerated(self):
        t = self.tree(trees.rocky)
        t.write('/etc/default/grub', 'GRUB_TIMEOUT=1\n'
                'GRUB_CMDLINE_LINUX="crashkernel=auto rhgb quiet"\n'
                'GRUB_ENABLE_BLSCFG=true\n')
        t.write('/boot/grub2/grubenv', 'kernelopts=root=UUID=0b7a ro '
                'crashkernel=auto rhgb quiet\n')
        row = self.check(t, 'linux.serial-console', 'warn')
        self.assertEqual('/etc/default/grub', row.path)
        report = self.run_checks(t, fix=True)
        row = next(c for c in report.checks if c.id == 'linux.serial-console')
        self.assertEqual('fixed', row.status)
        self.assertIn('grub2-mkconfig', row.fix)
        self.assertIn('GRUB_CMDLINE_LINUX="crashkernel=auto console=tty0 '
                      'console=ttyS0,115200n8"\n', t.read('/etc/default/grub'))
        # until grub.cfg/grubenv is regenerated the check keeps saying so
        row = self.check(t, 'linux.serial-console', 'warn')
        self.assertIn('/etc/default/grub has console=ttyS0', row.detail)
        t.write('/boot/grub2/grubenv', 'kernelopts=root=UUID=0b7a ro '
                'crashkernel=auto console=tty0 console=ttyS0,115200n8\n')
        self.check(t, 'linux.serial-console', 'pass')

    def test_ubuntu_without_cloudimg_settings(self):
        t = self.tree(trees.ubuntu)
        t.remove('/etc/default/grub.d/50-cloudimg-settings.cfg')
        self.check(t, 'linux.serial-console', 'warn')
        fixed, _ = self.fix_and_recheck(t, 'linux.serial-console')
        self.assertIn('GRUB_CMDLINE_LINUX="console=tty0 '
                      'console=ttyS0,115200n8"\n', t.read('/etc/default/grub'))
        self.assertIn('GRUB_CMDLINE_LINUX_DEFAULT="quiet splash"',
                      t.read('/etc/default/grub'))

    def test_console_in_default_is_dropped(self):
        t = self.tree(trees.ubuntu)
        t.write('/etc/default/grub.d/50-cloudimg-settings.cfg',
                'GRUB_CMDLINE_LINUX_DEFAULT="$GRUB_CMDLINE_LINUX_DEFAULT '
                'console=tty1"\n')
        self.check(t, 'linux.serial-console', 'warn')
        self.fix_and_recheck(t, 'linux.serial-console')
        self.assertEqual('GRUB_CMDLINE_LINUX_DEFAULT='
                         '"$GRUB_CMDLINE_LINUX_DEFAULT"\n',
                         t.read('/etc/default/grub.d/'
                                '50-cloudimg-settings.cfg'))

    def test_assignment_added_when_missing(self):
        t = self.tree(trees.debian)
        t.write('/etc/default/grub', "GRUB_DEFAULT=0\n"
                "GRUB_CMDLINE_LINUX_DEFAULT='quiet'\n")
        self.check(t, 'linux.serial-console', 'warn')
        self.fix_and_recheck(t, 'linux.serial-console')
        self.assertEqual("GRUB_DEFAULT=0\nGRUB_CMDLINE_LINUX_DEFAULT='quiet'\n"
                         'GRUB_CMDLINE_LINUX="console=tty0 '
                         'console=ttyS0,115200n8"\n',
                         t.read('/etc/default/grub'))

    def test_only_grub_cfg_cannot_be_fixed(self):
        t = self.tree(trees.ubuntu)
        t.remove('/etc/default/grub')
        t.remove('/etc/default/grub.d/50-cloudimg-settings.cfg')
        t.write('/boot/grub/grub.cfg', 'menuentry x {\n linux /vmlinuz '
                'root=/dev/vda1 ro quiet\n}\n')
        self.check(t, 'linux.serial-console', 'warn')
        before = t.snapshot()
        row = self.check(t, 'linux.serial-console', 'warn', fix=True)
        self.assertIn('by hand', row.fix)
        self.assertEqual(before, t.snapshot())

    def test_no_grub(self):
        t = self.tree(trees.debian)
        t.remove('/etc/default/grub')
        t.remove('/boot/grub/grub.cfg')
        self.check(t, 'linux.serial-console', 'n-a')


class TestNozeroconf(base.GuestTestCase):

    def test_present(self):
        self.check(self.tree(trees.rocky), 'linux.nozeroconf', 'pass')

    def test_missing_line_is_appended(self):
        t = self.tree(trees.rocky)
        t.write('/etc/sysconfig/network', '# Created by anaconda')
        self.check(t, 'linux.nozeroconf', 'warn')
        self.fix_and_recheck(t, 'linux.nozeroconf')
        self.assertEqual('# Created by anaconda\nNOZEROCONF=yes\n',
                         t.read('/etc/sysconfig/network'))

    def test_no_is_replaced(self):
        t = self.tree(trees.rocky)
        t.write('/etc/sysconfig/network', 'NOZEROCONF=no\nNETWORKING=yes\n')
        self.check(t, 'linux.nozeroconf', 'warn')
        self.fix_and_recheck(t, 'linux.nozeroconf')
        self.assertEqual('NOZEROCONF=yes\nNETWORKING=yes\n',
                         t.read('/etc/sysconfig/network'))

    def test_missing_file_is_created(self):
        t = self.tree(trees.rocky)
        t.remove('/etc/sysconfig/network')
        self.check(t, 'linux.nozeroconf', 'warn')
        _, changes = self.fix_and_recheck(t, 'linux.nozeroconf')
        self.assertEqual('created', changes[0].action)

    def test_not_rhel(self):
        self.check(self.tree(trees.ubuntu), 'linux.nozeroconf', 'n-a')


class TestAcpid(base.GuestTestCase):

    def test_systemd_and_sysv(self):
        self.check(self.tree(trees.rocky), 'linux.acpid', 'pass')
        row = self.check(self.tree(trees.debian), 'linux.acpid', 'pass')
        self.assertEqual('/etc/rc2.d/S01acpid', row.path)

    def test_not_enabled(self):
        t = self.tree(trees.rocky)
        t.remove('/etc/systemd/system/multi-user.target.wants/acpid.service')
        row = self.check(t, 'linux.acpid', 'warn')
        self.assertIn('enable', row.fix)

    def test_removed_package_and_logind(self):
        t = self.tree(trees.ubuntu)  # acpid: deinstall ok config-files
        row = self.check(t, 'linux.acpid', 'pass')
        self.assertIn('systemd-logind', row.detail)
        t.remove('/usr/lib/systemd/systemd-logind')
        self.check(t, 'linux.acpid', 'warn')


class TestGuestAgent(base.GuestTestCase):

    def test_installed_proposes_the_property(self):
        report = self.run_checks(self.tree(trees.ubuntu))
        self.assertEqual('yes', report.properties['hw_qemu_guest_agent'])

    def test_missing_proposes_nothing(self):
        t = self.tree(trees.debian)
        report = self.run_checks(t)
        self.assertNotIn('hw_qemu_guest_agent', report.properties)
        self.check(t, 'linux.qemu-guest-agent', 'warn')

    def test_given_yes_without_agent_is_a_contradiction(self):
        t = self.tree(trees.debian)
        row = self.check(t, 'linux.qemu-guest-agent', 'fail',
                         user_props={'hw_qemu_guest_agent': 'yes'})
        self.assertIn('not installed', row.detail)
        self.check(t, 'linux.qemu-guest-agent', 'warn',
                   user_props={'hw_qemu_guest_agent': 'no'})

    def test_given_no_with_agent_is_respected(self):
        t = self.tree(trees.rocky)
        report = self.run_checks(t, user_props={'hw_qemu_guest_agent': 'no'})
        self.assertNotIn('hw_qemu_guest_agent', report.properties)
        self.check(t, 'linux.qemu-guest-agent', 'pass',
                   user_props={'hw_qemu_guest_agent': 'no'})


class TestSshHostKeys(base.GuestTestCase):

    def add_keys(self, t):
        for name in ('ssh_host_rsa_key', 'ssh_host_rsa_key.pub',
                     'ssh_host_ecdsa_key', 'ssh_host_ecdsa_key.pub'):
            t.write('/etc/ssh/' + name, 'key')

    def test_removed_when_something_regenerates_them(self):
        t = self.tree(trees.rocky)
        self.check(t, 'linux.ssh-host-keys', 'pass')
        self.add_keys(t)
        row = self.check(t, 'linux.ssh-host-keys', 'warn')
        self.assertIn('4 host key', row.detail)
        _, changes = self.fix_and_recheck(t, 'linux.ssh-host-keys')
        self.assertEqual(4, len(changes))
        self.assertTrue(t.exists('/etc/ssh/sshd_config'))

    def test_kept_when_nothing_would_regenerate_them(self):
        t = self.tree(trees.debian)
        drop_package(t, 'cloud-init')
        self.add_keys(t)
        row = self.check(t, 'linux.ssh-host-keys', 'warn', fix=True)
        self.assertIn('kept', row.fix)
        self.assertTrue(t.exists('/etc/ssh/ssh_host_rsa_key'))


class TestMachineId(base.GuestTestCase):

    def test_both_ways_and_fix(self):
        t = self.tree(trees.ubuntu)
        self.check(t, 'linux.machine-id', 'pass')
        t.write('/etc/machine-id', 'b08dfa6083e7567a1921a715000001fb\n')
        row = self.check(t, 'linux.machine-id', 'warn')
        self.assertIn('b08dfa6083e7', row.detail)
        self.fix_and_recheck(t, 'linux.machine-id')
        self.assertTrue(t.exists('/etc/machine-id'))
        self.assertEqual('', t.read('/etc/machine-id'))

    def test_uninitialized_and_absent(self):
        self.check(self.tree(trees.rocky), 'linux.machine-id', 'pass')
        row = self.check(self.tree(trees.debian), 'linux.machine-id', 'pass')
        self.assertEqual('absent', row.detail)


class TestSshPasswordAuth(base.GuestTestCase):

    def test_no_via_include_and_match_ignored(self):
        row = self.check(self.tree(trees.ubuntu), 'linux.ssh-password-auth',
                         'pass')
        self.assertEqual('/etc/ssh/sshd_config.d/60-cloudimg-settings.conf',
                         row.path)

    def test_first_value_wins(self):
        t = self.tree(trees.ubuntu)
        t.write('/etc/ssh/sshd_config.d/10-local.conf',
                'PasswordAuthentication yes\n')
        row = self.check(t, 'linux.ssh-password-auth', 'warn')
        self.assertEqual('/etc/ssh/sshd_config.d/10-local.conf', row.path)

    def test_unset_and_cloud_init(self):
        t = self.tree(trees.rocky)
        t.write('/etc/ssh/sshd_config', 'UsePAM yes\n')
        row = self.check(t, 'linux.ssh-password-auth', 'pass')
        self.assertIn('ssh_pwauth', row.detail)
        t.write('/etc/cloud/cloud.cfg', 'system_info:\n  default_user:\n'
                '    name: rocky\n')
        row = self.check(t, 'linux.ssh-password-auth', 'warn')
        self.assertIn('default is yes', row.detail)

    def test_no_sshd_config(self):
        t = self.tree(trees.ubuntu)
        t.remove('/etc/ssh/sshd_config')
        self.check(t, 'linux.ssh-password-auth', 'n-a')


class TestRootPassword(base.GuestTestCase):

    def test_all_ways(self):
        t = self.tree(trees.ubuntu)
        self.check(t, 'linux.root-password', 'pass')
        t.write('/etc/shadow', 'root:$6$salt$hash:19000:0:99999:7:::\n')
        row = self.check(t, 'linux.root-password', 'warn')
        self.assertIn('has a password', row.detail)
        t.write('/etc/shadow', 'root::19000:0:99999:7:::\n')
        row = self.check(t, 'linux.root-password', 'warn')
        self.assertIn('empty password', row.detail)
        t.write('/etc/shadow', 'root:!$6$salt$hash:19000::::::\n')
        self.check(t, 'linux.root-password', 'pass')
        t.remove('/etc/shadow')
        self.check(t, 'linux.root-password', 'n-a')


class TestDefaultUser(base.GuestTestCase):

    def test_default_user(self):
        row = self.check(self.tree(trees.ubuntu), 'linux.default-user',
                         'pass')
        self.assertEqual('cloud-init login user: ubuntu', row.detail)

    def test_override_in_cloud_cfg_d(self):
        t = self.tree(trees.ubuntu)
        t.write('/etc/cloud/cloud.cfg.d/99-user.cfg',
                'system_info:\n  default_user:\n    name: admin\n')
        row = self.check(t, 'linux.default-user', 'pass')
        self.assertEqual("cloud-init login user: admin (this distro's cloud "
                         "images use 'ubuntu')", row.detail)

    def test_users_list_without_default(self):
        t = self.tree(trees.rocky)
        t.write('/etc/cloud/cloud.cfg.d/50-users.cfg',
                'users:\n  - name: admin\n    sudo: ALL=(ALL) NOPASSWD:ALL\n')
        row = self.check(t, 'linux.default-user', 'pass')
        self.assertIn('admin', row.detail)
        self.assertEqual('/etc/cloud/cloud.cfg.d/50-users.cfg', row.path)

    def test_no_user_at_all(self):
        t = self.tree(trees.rocky)
        t.write('/etc/cloud/cloud.cfg', 'users: []\n')
        self.check(t, 'linux.default-user', 'warn')
        t.write('/etc/cloud/cloud.cfg', 'ssh_pwauth: false\n')
        self.check(t, 'linux.default-user', 'warn')
