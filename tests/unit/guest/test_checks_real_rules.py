"""The guest OS's own rules (issue 11 section 4) on synthetic trees:
cloud-init's disable switches, MAC addresses pinned by every network
stack, a firewall that locks SSH out, a stale grub.cfg, bootability, and
the unit states systemd computes offline. The same rules are checked on
real Debian trees, against systemctl itself, in
tests/functional/test_guest_debian_tree.py."""

from tests.unit.guest import base
from tests.unit.guest import trees

CLOUD_UNITS = ('cloud-init-local.service', 'cloud-init.service',
               'cloud-config.service', 'cloud-final.service')


def with_cloud_units(t):
    for unit in CLOUD_UNITS:
        t.write('/lib/systemd/system/' + unit,
                '[Unit]\n[Install]\nWantedBy=cloud-init.target\n')
        t.link('/etc/systemd/system/cloud-init.target.wants/' + unit,
               '/lib/systemd/system/' + unit)
    return t


class TestCloudInitDisabled(base.GuestTestCase):

    def test_enabled_units_pass(self):
        t = with_cloud_units(self.tree(trees.debian))
        self.check(t, 'linux.cloud-init', 'pass')

    def test_disabled_or_masked_unit(self):
        t = with_cloud_units(self.tree(trees.debian))
        t.remove('/etc/systemd/system/cloud-init.target.wants/'
                 'cloud-final.service')
        row = self.check(t, 'linux.cloud-init', 'fail')
        self.assertIn('cloud-final.service is disabled', row.detail)
        t.link('/etc/systemd/system/cloud-final.service', '/dev/null')
        row = self.check(t, 'linux.cloud-init', 'fail')
        self.assertIn('masked', row.detail)
        self.assertEqual('/etc/systemd/system/cloud-final.service', row.path)

    def test_marker_file(self):
        t = self.tree(trees.debian)
        t.write('/etc/cloud/cloud-init.disabled', '')
        row = self.check(t, 'linux.cloud-init', 'fail')
        self.assertEqual('/etc/cloud/cloud-init.disabled', row.path)

    def test_kernel_command_line(self):
        t = self.tree(trees.debian)
        t.write('/boot/grub/grub.cfg', 'menuentry "Debian" {\n  linux '
                '/boot/vmlinuz root=/dev/vda1 console=ttyS0 '
                'cloud-init=disabled\n}\n')
        row = self.check(t, 'linux.cloud-init', 'fail')
        self.assertEqual('/boot/grub/grub.cfg', row.path)
        self.assertIn('cloud-init=disabled', row.detail)

    def test_default_grub_command_line(self):
        t = self.tree(trees.ubuntu)
        # grub.d/*.cfg come after /etc/default/grub
        t.write('/etc/default/grub.d/99-off.cfg',
                'GRUB_CMDLINE_LINUX_DEFAULT="$GRUB_CMDLINE_LINUX_DEFAULT '
                'cloud-init=disabled"\n')
        self.check(t, 'linux.cloud-init', 'fail')

    def test_enabled_on_the_command_line_beats_the_marker(self):
        t = self.tree(trees.debian)
        t.write('/etc/cloud/cloud-init.disabled', '')
        t.write('/boot/grub/grub.cfg', 'linux /boot/vmlinuz console=ttyS0 '
                'cloud-init=disabled cloud-init=enabled\n')
        self.check(t, 'linux.cloud-init', 'pass')


class TestMacPinning(base.GuestTestCase):

    def assertPinned(self, t, path, text):
        row = self.check(t, 'linux.mac-pinning', 'fail')
        self.assertEqual(path, row.path)
        self.assertIn(text, row.detail)

    def test_clean_trees(self):
        for builder in (trees.ubuntu, trees.rocky, trees.debian):
            self.check(self.tree(builder), 'linux.mac-pinning', 'pass')

    def test_netplan_match(self):
        t = self.tree(trees.ubuntu)
        t.write('/etc/netplan/50-cloud-init.yaml', 'network:\n  version: 2\n'
                '  ethernets:\n    ens3:\n      dhcp4: true\n')
        self.check(t, 'linux.mac-pinning', 'pass')
        t.write('/etc/netplan/50-cloud-init.yaml', 'network:\n  version: 2\n'
                '  ethernets:\n    ens3:\n      dhcp4: true\n      match:\n'
                '        macaddress: "52:54:00:12:34:56"\n'
                '      set-name: ens3\n')
        self.assertPinned(t, '/etc/netplan/50-cloud-init.yaml',
                          'macaddress: 52:54:00:12:34:56')

    def test_ifupdown_hwaddress(self):
        t = self.tree(trees.debian)
        t.write('/etc/network/interfaces', 'auto lo\niface lo inet loopback\n'
                'auto eth0\niface eth0 inet dhcp\n')
        self.check(t, 'linux.mac-pinning', 'pass')
        t.write('/etc/network/interfaces.d/eth0', 'iface eth0 inet dhcp\n'
                '    hwaddress ether 52:54:00:12:34:56\n')
        self.assertPinned(t, '/etc/network/interfaces.d/eth0',
                          'hwaddress 52:54:00:12:34:56')

    def test_networkd(self):
        t = self.tree(trees.debian)
        t.write('/etc/systemd/network/10-eth.network', '[Match]\nName=en*\n'
                '[Network]\nDHCP=yes\n')
        self.check(t, 'linux.mac-pinning', 'pass')
        t.write('/etc/systemd/network/10-lan.link', '[Match]\n'
                'MACAddress=52:54:00:12:34:56\n[Link]\nName=lan0\n')
        self.assertPinned(t, '/etc/systemd/network/10-lan.link',
                          '[Match] MACAddress=52:54:00:12:34:56')

    def test_networkmanager_keyfile(self):
        t = self.tree(trees.rocky)
        path = '/etc/NetworkManager/system-connections/eth0.nmconnection'
        t.write(path, '[connection]\nid=eth0\ntype=ethernet\n[ethernet]\n'
                'mac-address=52:54:00:12:34:56\n[ipv4]\nmethod=auto\n')
        self.assertPinned(t, path, 'mac-address=52:54:00:12:34:56')


class TestFirewallLocksSshOut(base.GuestTestCase):

    def enable(self, t, unit):
        t.write('/usr/lib/systemd/system/' + unit,
                '[Unit]\n[Install]\nWantedBy=multi-user.target\n')
        t.link('/etc/systemd/system/multi-user.target.wants/' + unit,
               '/usr/lib/systemd/system/' + unit)

    def test_iptables_drop_without_ssh(self):
        t = self.tree(trees.debian)
        self.enable(t, 'netfilter-persistent.service')
        rules = ('*filter\n:INPUT DROP [0:0]\n:FORWARD DROP [0:0]\n'
                 ':OUTPUT ACCEPT [0:0]\n-A INPUT -i lo -j ACCEPT\n'
                 '-A INPUT -m state --state ESTABLISHED,RELATED -j ACCEPT\n'
                 '%sCOMMIT\n')
        t.write('/etc/iptables/rules.v4', rules % '')
        row = self.check(t, 'linux.firewall', 'fail')
        self.assertIn('none admits SSH', row.detail)
        t.write('/etc/iptables/rules.v4', rules % (
            '-A INPUT -p tcp -m tcp --dport 22 -j ACCEPT\n'))
        self.check(t, 'linux.firewall', 'warn')

    def test_rhel_iptables_reject_last(self):
        t = self.tree(trees.rocky)
        self.enable(t, 'iptables.service')
        rules = ('*filter\n:INPUT ACCEPT [0:0]\n-A INPUT -i lo -j ACCEPT\n'
                 '%s-A INPUT -j REJECT --reject-with icmp-host-prohibited\n'
                 'COMMIT\n')
        t.write('/etc/sysconfig/iptables', rules % '')
        self.check(t, 'linux.firewall', 'fail')
        t.write('/etc/sysconfig/iptables', rules % (
            '-A INPUT -p tcp -m state --state NEW -m tcp --dport 22 '
            '-j ACCEPT\n'))
        self.check(t, 'linux.firewall', 'warn')

    def test_nftables(self):
        t = self.tree(trees.debian)
        self.enable(t, 'nftables.service')
        conf = ('table inet filter {\n  chain input {\n    type filter hook '
                'input priority 0; policy drop;\n    iif lo accept\n%s  }\n'
                '}\n')
        t.write('/etc/nftables.conf', conf % '')
        row = self.check(t, 'linux.firewall', 'fail')
        self.assertEqual('/etc/nftables.conf', row.path)
        t.write('/etc/nftables.conf', conf % '    tcp dport { 22, 443 } '
                'accept\n')
        self.check(t, 'linux.firewall', 'warn')
        # the fix disables it either way
        t.write('/etc/nftables.conf', conf % '')
        self.fix_and_recheck(t, 'linux.firewall')

    def test_firewalld_zone_without_ssh(self):
        t = self.tree(trees.rocky)
        self.enable(t, 'firewalld.service')
        t.write('/usr/lib/firewalld/zones/public.xml', '<zone>\n'
                '<service name="ssh"/>\n<service name="dhcpv6-client"/>\n'
                '</zone>\n')
        self.check(t, 'linux.firewall', 'warn')
        t.write('/etc/firewalld/zones/public.xml', '<zone>\n'
                '<service name="dhcpv6-client"/>\n</zone>\n')
        self.check(t, 'linux.firewall', 'fail')
        t.write('/etc/firewalld/firewalld.conf', 'DefaultZone=trusted\n')
        t.write('/usr/lib/firewalld/zones/trusted.xml',
                '<zone target="ACCEPT">\n</zone>\n')
        self.check(t, 'linux.firewall', 'warn')


class TestStaleGrubCfg(base.GuestTestCase):

    def test_fix_does_not_report_a_no_op_edit(self):
        t = self.tree(trees.debian)
        t.write('/boot/grub/grub.cfg', 'linux /boot/vmlinuz-6.1.0-17-amd64 '
                'root=UUID=1 ro quiet\n')
        before = t.snapshot()
        row = self.check(t, 'linux.serial-console', 'warn', fix=True)
        self.assertIn('regenerate grub.cfg', row.fix)
        self.assertIn('already has console=ttyS0', row.fix)
        self.assertEqual(before, t.snapshot())

    def test_real_edit_still_fixed(self):
        t = self.tree(trees.debian)
        t.write('/etc/default/grub', 'GRUB_CMDLINE_LINUX="quiet"\n')
        row = self.check(t, 'linux.serial-console', 'fixed', fix=True)
        self.assertIn('console=ttyS0', t.read('/etc/default/grub'))
        self.assertIn('edited /etc/default/grub', row.fix)


class TestBootable(base.GuestTestCase):

    def test_clean_trees_boot(self):
        for builder in (trees.ubuntu, trees.rocky, trees.debian):
            self.check(self.tree(builder), 'linux.bootable', 'pass')

    def test_no_kernel(self):
        t = self.tree(trees.debian)
        t.remove('/boot/vmlinuz-6.1.0-17-amd64')
        row = self.check(t, 'linux.bootable', 'fail')
        self.assertIn('no kernel', row.detail)

    def test_no_init(self):
        t = self.tree(trees.ubuntu)
        t.remove('/sbin/init')
        t.remove('/usr/lib/systemd/systemd')
        row = self.check(t, 'linux.bootable', 'fail')
        self.assertIn('no init', row.detail)

    def test_kernel_under_modules_and_no_loader(self):
        t = self.tree(trees.debian)
        t.remove('/boot/vmlinuz-6.1.0-17-amd64')
        t.remove('/boot/grub/grub.cfg')
        t.write('/usr/lib/modules/6.1.0-17-amd64/vmlinuz', 'k')
        row = self.check(t, 'linux.bootable', 'warn')
        self.assertIn('no boot loader', row.detail)

    def test_empty_tree_with_os_release(self):
        t = self.tree()
        t.write('/etc/os-release', 'ID=debian\nVERSION_ID=12\n')
        row = self.check(t, 'linux.bootable', 'fail')
        self.assertIn('no init', row.detail)
        self.assertIn('no kernel', row.detail)


class TestUnitStates(base.GuestTestCase):
    """The unit states of facts.Facts on hand-made layouts (the real
    systemctl compares on Debian trees in the functional tests)."""

    def states(self, t, *units):
        from osc_imagetools import guest
        from osc_imagetools.guest import checks
        from osc_imagetools.guest import facts
        with guest.open_root(path=t.top) as root:
            f = facts.Facts(root, checks.load_data())
            return [f.unit_state(u)[0] for u in units]

    def test_states(self):
        t = self.tree(trees.debian)
        t.write('/lib/systemd/system/static.service', '[Service]\n')
        t.write('/lib/systemd/system/empty.service', '')
        t.write('/lib/systemd/system/getty@.service',
                '[Install]\nWantedBy=getty.target\n')
        t.link('/etc/systemd/system/getty.target.wants/getty@tty1.service',
               '/lib/systemd/system/getty@.service')
        t.write('/lib/systemd/system/off.service',
                '[Install]\nWantedBy=multi-user.target\n')
        t.link('/etc/systemd/system/off.service', '/dev/null')
        self.assertEqual(
            ['enabled', 'alias', 'static', 'masked', 'enabled', 'masked',
             'not-found'],
            self.states(t, 'ssh.service', 'sshd.service', 'static.service',
                        'empty.service', 'getty@.service', 'off.service',
                        'nope.service'))
