"""Guest root trees built by the tests: the files an Ubuntu, Rocky (RHEL
family), Debian, Windows or FreeBSD cloud image really has where the checks
look, laid out as those systems lay them out (merged /usr with relative
symlinks, absolute symlinks made by systemctl, the rpm sqlite database,
dpkg's status file, Windows' mixed-case paths).

Each builder makes a *clean* guest (every check passes); the tests break
one thing at a time with :class:`Tree`'s helpers.
"""

import os
import sqlite3


class Tree:
    """A directory standing for a guest's ``/``."""

    def __init__(self, top):
        self.top = top
        os.makedirs(top, exist_ok=True)

    def host(self, path):
        return os.path.join(self.top, path.lstrip('/'))

    def write(self, path, text='', mode=None):
        host = self.host(path)
        os.makedirs(os.path.dirname(host), exist_ok=True)
        if os.path.lexists(host) and os.path.islink(host):
            os.unlink(host)
        with open(host, 'w') as f:
            f.write(text)
        if mode is not None:
            os.chmod(host, mode)
        return host

    def append(self, path, text):
        with open(self.host(path), 'a') as f:
            f.write(text)

    def read(self, path):
        with open(self.host(path)) as f:
            return f.read()

    def link(self, path, target):
        host = self.host(path)
        os.makedirs(os.path.dirname(host), exist_ok=True)
        if os.path.lexists(host):
            os.unlink(host)
        os.symlink(target, host)

    def mkdir(self, path):
        os.makedirs(self.host(path), exist_ok=True)

    def remove(self, path):
        os.unlink(self.host(path))

    def exists(self, path):
        return os.path.lexists(self.host(path))

    def snapshot(self):
        """{guest path: content or '-> target'} of every file and link."""
        out = {}
        for dirpath, dirnames, filenames in os.walk(self.top):
            for name in dirnames + filenames:
                host = os.path.join(dirpath, name)
                rel = '/' + os.path.relpath(host, self.top)
                if os.path.islink(host):
                    out[rel] = '-> ' + os.readlink(host)
                elif os.path.isfile(host):
                    with open(host, 'rb') as f:
                        out[rel] = f.read()
        return out


def dpkg_status(installed, removed=()):
    stanzas = []
    for name in installed:
        stanzas.append('Package: %s\nStatus: install ok installed\n'
                       'Priority: optional\nVersion: 1.0\n' % name)
    for name in removed:
        stanzas.append('Package: %s\nStatus: deinstall ok config-files\n'
                       'Version: 1.0\n' % name)
    return '\n'.join(stanzas)


def rpmdb(path, names):
    """An rpm >= 4.16 sqlite database with the tables rpm creates (the
    ``Packages`` blobs are not read by the checks; ``Name`` is)."""
    if os.path.exists(path):
        os.unlink(path)
    con = sqlite3.connect(path)
    con.execute("PRAGMA journal_mode=WAL")
    con.execute("CREATE TABLE 'Packages' (hnum INTEGER PRIMARY KEY "
                "AUTOINCREMENT, blob BLOB NOT NULL)")
    con.execute("CREATE TABLE 'Name' (key '', hnum INTEGER, idx INTEGER, "
                "UNIQUE(key, hnum, idx))")
    for n, name in enumerate(names, 1):
        con.execute("INSERT INTO Packages (hnum, blob) VALUES (?, ?)",
                    (n, b'\x00'))
        con.execute("INSERT INTO Name VALUES (?, ?, 0)", (name, n))
    con.commit()
    con.close()


def _merged_usr(t):
    for d in ('bin', 'sbin', 'lib', 'lib64'):
        t.mkdir('/usr/' + d)
        t.link('/' + d, 'usr/' + d)


def _systemd_enable(t, unit, target='multi-user.target', unit_dir=None):
    unit_dir = unit_dir or '/lib/systemd/system'
    t.write('%s/%s' % (unit_dir, unit), '[Unit]\n[Install]\nWantedBy=%s\n'
            % target)
    # systemctl makes absolute links
    t.link('/etc/systemd/system/%s.wants/%s' % (target, unit),
           '%s/%s' % (unit_dir, unit))


def _bootable(t, kernel, systemd='/usr/lib/systemd/systemd'):
    """What boots: a kernel in /boot, systemd as /sbin/init (the link
    systemd-sysv makes)."""
    t.write('/boot/' + kernel, 'kernel')
    t.write(systemd, '#!systemd')
    t.link('/sbin/init', systemd)


UBUNTU_PACKAGES = ['bash', 'cloud-init', 'cloud-guest-utils',
                   'openssh-server', 'qemu-guest-agent', 'systemd', 'ufw',
                   'grub-pc']


def ubuntu(top):
    t = Tree(top)
    _merged_usr(t)
    t.write('/usr/lib/os-release', 'PRETTY_NAME="Ubuntu 22.04.3 LTS"\n'
            'NAME="Ubuntu"\nVERSION_ID="22.04"\nVERSION="22.04.3 LTS '
            '(Jammy Jellyfish)"\nID=ubuntu\nID_LIKE=debian\n')
    t.link('/etc/os-release', '../usr/lib/os-release')
    t.write('/var/lib/dpkg/status',
            dpkg_status(UBUNTU_PACKAGES, removed=['acpid']))
    t.write('/usr/bin/cloud-init', '#!/usr/bin/python3\n')
    t.write('/usr/sbin/sshd', '')
    t.write('/usr/lib/systemd/systemd-logind', '')
    t.write('/etc/cloud/cloud.cfg',
            'users:\n  - default\ndisable_root: true\n'
            'ssh_pwauth: false\nsystem_info:\n  distro: ubuntu\n'
            '  default_user:\n    name: ubuntu\n    lock_passwd: True\n')
    t.write('/etc/cloud/cloud.cfg.d/90_dpkg.cfg',
            '# to update this file, run dpkg-reconfigure cloud-init\n'
            'datasource_list: [ NoCloud, ConfigDrive, OpenStack, Ec2, '
            'None ]\n')
    t.write('/etc/ssh/sshd_config', 'Include /etc/ssh/sshd_config.d/*.conf'
            '\nKbdInteractiveAuthentication no\nUsePAM yes\n'
            'Subsystem sftp /usr/lib/openssh/sftp-server\n'
            'Match User anoncvs\n  PasswordAuthentication yes\n')
    t.write('/etc/ssh/sshd_config.d/60-cloudimg-settings.conf',
            'PasswordAuthentication no\n')
    _systemd_enable(t, 'ssh.service')
    t.write('/lib/systemd/system/ufw.service', '[Unit]\n')
    t.link('/etc/systemd/system/multi-user.target.wants/ufw.service',
           '/lib/systemd/system/ufw.service')
    t.write('/etc/ufw/ufw.conf', '# /etc/ufw/ufw.conf\n\nENABLED=no\n'
            'LOGLEVEL=low\n')
    t.write('/etc/default/grub', 'GRUB_DEFAULT=0\nGRUB_TIMEOUT=0\n'
            'GRUB_CMDLINE_LINUX_DEFAULT="quiet splash"\n'
            'GRUB_CMDLINE_LINUX=""\n')
    t.write('/etc/default/grub.d/50-cloudimg-settings.cfg',
            '# Cloud Image specific Grub settings\n'
            'GRUB_CMDLINE_LINUX_DEFAULT="console=tty1 console=ttyS0"\n')
    t.write('/boot/grub/grub.cfg',
            'menuentry \'Ubuntu\' {\n\tlinux\t/boot/vmlinuz-5.15.0-91-generic '
            'root=LABEL=cloudimg-rootfs ro  console=tty1 console=ttyS0\n'
            '\tinitrd\t/boot/initrd.img-5.15.0-91-generic\n}\n')
    t.mkdir('/etc/udev/rules.d')
    t.write('/etc/machine-id', '')
    t.write('/etc/shadow', 'root:*:19000:0:99999:7:::\n'
            'daemon:*:19000:0:99999:7:::\n')
    t.write('/etc/passwd', 'root:x:0:0:root:/root:/bin/bash\n')
    _bootable(t, 'vmlinuz-5.15.0-91-generic')
    return t


ROCKY_PACKAGES = ['bash', 'cloud-init', 'cloud-utils-growpart',
                  'openssh-server', 'qemu-guest-agent', 'acpid', 'firewalld',
                  'systemd']


def rocky(top):
    t = Tree(top)
    _merged_usr(t)
    t.write('/etc/os-release', 'NAME="Rocky Linux"\nVERSION="9.3 (Blue '
            'Onyx)"\nID="rocky"\nID_LIKE="rhel centos fedora"\n'
            'VERSION_ID="9.3"\nPRETTY_NAME="Rocky Linux 9.3 (Blue Onyx)"\n')
    t.write('/etc/redhat-release', 'Rocky Linux release 9.3 (Blue Onyx)\n')
    t.mkdir('/usr/lib/sysimage/rpm')
    rpmdb(t.host('/usr/lib/sysimage/rpm/rpmdb.sqlite'), ROCKY_PACKAGES)
    t.mkdir('/var/lib')
    t.link('/var/lib/rpm', '../../usr/lib/sysimage/rpm')
    t.write('/etc/cloud/cloud.cfg',
            'users:\n - default\ndisable_root: 1\nssh_pwauth:   0\n'
            'system_info:\n  default_user:\n    name: rocky\n'
            '  distro: rhel\n')
    t.write('/etc/sysconfig/network', '# Created by anaconda\n'
            'NOZEROCONF=yes\n')
    t.write('/etc/sysconfig/network-scripts/ifcfg-eth0',
            'DEVICE=eth0\nBOOTPROTO=dhcp\nONBOOT=yes\nTYPE=Ethernet\n')
    t.write('/etc/sysconfig/network-scripts/ifcfg-lo', 'DEVICE=lo\n'
            'HWADDR=00:00:00:00:00:00\n')
    t.write('/etc/ssh/sshd_config', 'Include /etc/ssh/sshd_config.d/*.conf'
            '\nPasswordAuthentication no\n')
    t.write('/etc/ssh/sshd_config.d/50-redhat.conf',
            'ChallengeResponseAuthentication no\n')
    t.write('/usr/lib/systemd/system/sshd-keygen@.service', '[Unit]\n')
    for unit in ('sshd.service', 'acpid.service'):
        _systemd_enable(t, unit, unit_dir='/usr/lib/systemd/system')
    t.write('/usr/lib/systemd/system/firewalld.service', '[Unit]\n')
    t.write('/etc/default/grub', 'GRUB_TIMEOUT=1\n'
            'GRUB_CMDLINE_LINUX="crashkernel=auto console=tty0 '
            'console=ttyS0,115200n8 no_timer_check net.ifnames=0"\n'
            'GRUB_ENABLE_BLSCFG=true\n')
    t.write('/boot/grub2/grubenv', '# GRUB Environment Block\n'
            'kernelopts=root=UUID=0b7a ro console=tty0 '
            'console=ttyS0,115200n8 no_timer_check\n')
    t.write('/boot/loader/entries/abc-5.14.0-362.el9.x86_64.conf',
            'title Rocky Linux\nversion 5.14.0-362.el9.x86_64\n'
            'linux /vmlinuz-5.14.0-362.el9.x86_64\noptions $kernelopts\n')
    t.write('/etc/machine-id', 'uninitialized\n')
    t.write('/etc/shadow', 'root:!!::0:99999:7:::\n')
    t.write('/etc/passwd', 'root:x:0:0:root:/root:/bin/bash\n')
    _bootable(t, 'vmlinuz-5.14.0-362.el9.x86_64')
    return t


def broken_rocky(top, hwaddr=False):
    """Rocky with fixable faults: udev rules pinning a MAC (a failure) and
    a machine-id (a warning); with ``hwaddr`` also an ifcfg-eth0 pinned to
    that MAC (a failure)."""
    t = rocky(top)
    t.write('/etc/udev/rules.d/70-persistent-net.rules',
            'SUBSYSTEM=="net", ATTR{address}=="52:54:00:12:34:56", '
            'NAME="eth0"\n')
    t.write('/etc/machine-id', '0123456789abcdef0123456789abcdef\n')
    if hwaddr:
        t.write('/etc/sysconfig/network-scripts/ifcfg-eth0',
                'DEVICE=eth0\nHWADDR=52:54:00:12:34:56\nBOOTPROTO=dhcp\n')
    return t


DEBIAN_PACKAGES = ['bash', 'cloud-init', 'cloud-initramfs-growroot',
                   'openssh-server', 'acpid', 'systemd']


def debian(top):
    """Debian 12 with a non-merged /lib (as upgraded systems have) and an
    acpid started by SysV links."""
    t = Tree(top)
    t.write('/etc/os-release', 'PRETTY_NAME="Debian GNU/Linux 12 '
            '(bookworm)"\nNAME="Debian GNU/Linux"\nVERSION_ID="12"\n'
            'VERSION="12 (bookworm)"\nID=debian\n')
    t.write('/etc/debian_version', '12.4\n')
    t.write('/var/lib/dpkg/status', dpkg_status(DEBIAN_PACKAGES))
    t.write('/etc/cloud/cloud.cfg', 'users:\n - default\n'
            'system_info:\n  default_user:\n    name: debian\n')
    t.write('/etc/cloud/cloud.cfg.d/01_debian_cloud.cfg',
            'apt:\n  generate_mirrortemplate: true\n')
    t.write('/etc/ssh/sshd_config', '#PasswordAuthentication yes\n'
            'PasswordAuthentication no\n')
    _systemd_enable(t, 'ssh.service')
    t.link('/etc/systemd/system/sshd.service', '/lib/systemd/system/'
           'ssh.service')
    t.write('/etc/init.d/acpid', '#!/bin/sh\n')
    t.link('/etc/rc2.d/S01acpid', '../init.d/acpid')
    t.write('/lib/udev/rules.d/75-persistent-net-generator.rules', '')
    t.write('/etc/default/grub', 'GRUB_DEFAULT=0\n'
            'GRUB_CMDLINE_LINUX_DEFAULT="quiet"\n'
            'GRUB_CMDLINE_LINUX="console=tty0 console=ttyS0,115200n8"\n')
    t.write('/etc/shadow', 'root:*:19000:0:99999:7:::\n')
    t.write('/etc/passwd', 'root:x:0:0:root:/root:/bin/bash\n')
    _bootable(t, 'vmlinuz-6.1.0-17-amd64', '/lib/systemd/systemd')
    t.write('/boot/grub/grub.cfg', 'menuentry "Debian GNU/Linux" {\n'
            '  linux /boot/vmlinuz-6.1.0-17-amd64 root=UUID=1 ro '
            'console=tty0 console=ttyS0,115200n8 quiet\n}\n')
    return t


def windows(top):
    """Windows Server with cloudbase-init and the virtio-win drivers;
    mixed-case names, as NTFS keeps them."""
    t = Tree(top)
    t.write('/Windows/System32/ntoskrnl.exe', 'MZ')
    t.write('/Windows/System32/config/SOFTWARE', 'regf')
    base = '/Program Files/Cloudbase Solutions/Cloudbase-Init'
    t.write(base + '/Python/Scripts/cloudbase-init.exe', 'MZ')
    t.write(base + '/conf/cloudbase-init.conf',
            '\ufeff[DEFAULT]\nusername=Admin\ngroups=Administrators\n'
            'metadata_services=cloudbaseinit.metadata.services.'
            'httpservice.HttpService,cloudbaseinit.metadata.services.'
            'configdrive.ConfigDriveService\n'
            'logdir=C:\\Program Files\\Cloudbase Solutions\\Cloudbase-Init'
            '\\log\\\n')
    store = '/Windows/System32/DriverStore/FileRepository'
    t.write(store + '/viostor.inf_amd64_2d7d0d5e2b4b5d0a/viostor.sys', 'MZ')
    t.write(store + '/netkvm.inf_amd64_8b9d3a3a2c1c0f2e/netkvm.sys', 'MZ')
    t.write(store + '/machine.inf_amd64_b14b3ad2a2c7d3b9/machine.inf', '')
    t.write('/Program Files/Qemu-ga/qemu-ga.exe', 'MZ')
    return t


def freebsd(top):
    t = Tree(top)
    t.write('/bin/freebsd-version', '#!/bin/sh\n'
            'USERLAND_VERSION="13.2-RELEASE-p4"\n')
    t.write('/boot/kernel/kernel', '')
    # generated at boot from /var/run: dangling in an image
    t.link('/etc/os-release', '../var/run/os-release')
    t.write('/boot/loader.conf', 'console="comconsole,vidconsole"\n'
            'autoboot_delay="1"\n')
    t.write('/root/bsd-cloudinit-master/run.py', '')
    t.write('/etc/rc.local', '/usr/local/bin/python2.7 '
            '/root/bsd-cloudinit-master/run.py\n')
    t.write('/etc/rc.conf', 'hostname="freebsd"\nifconfig_vtnet0="DHCP"\n'
            'sshd_enable="YES"\n')
    t.write('/usr/local/bin/qemu-ga', '')
    return t
