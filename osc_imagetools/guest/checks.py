"""The guest cloud-readiness checks, their safe fixes, and the runner.

Each check is a function ``facts -> Check`` registered with :func:`check`
for the OS kinds it applies to; a fixable one names a fixer
``(facts, check) -> [Change]`` that changes the guest through its root and
may raise :class:`NotFixable`. :func:`run_checks` runs every applicable
check; with ``fix=True`` it applies the fixer of each ``warn``/``fail``
check and runs the check again: ``fixed`` means the re-check passed.

What the checks look for, and why, is in doc/source/guest-checks.rst;
distro-specific names (packages, files, services) are in
``data/guest-checks.yaml``.
"""

import configparser
import dataclasses
import functools
import os
import posixpath
import re

import yaml

from osc_imagetools.guest import facts as facts_mod
from osc_imagetools.guest import roots

DATA_FILE = os.path.join(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))), 'data', 'guest-checks.yaml')

PASS, WARN, FAIL, FIXED, NA = 'pass', 'warn', 'fail', 'fixed', 'n-a'
STATUSES = (PASS, WARN, FAIL, FIXED, NA)
COLUMNS = ('Check', 'Status', 'Path', 'Detail', 'Fix')
TRUE_WORDS = ('yes', 'true', '1', 'on', 'y')


@functools.lru_cache(maxsize=4)
def load_data(path=DATA_FILE):
    """The data file (read once; treat it as read-only)."""
    with open(path) as f:
        return yaml.safe_load(f)


@dataclasses.dataclass
class Check:
    """One row: ``fix`` is the hint for a warn/fail, what was done for a
    ``fixed`` check, empty otherwise."""

    id: str
    status: str
    path: str = ''
    detail: str = ''
    fix: str = ''
    # a re-check after a fix may accept what is left (grub.cfg to regenerate)
    fixed_ok: bool = dataclasses.field(default=False, repr=False,
                                       compare=False)

    def row(self):
        return (self.id, self.status, self.path, self.detail, self.fix)

    def to_dict(self):
        return dict(zip(COLUMNS, self.row()))


@dataclasses.dataclass(frozen=True)
class Change:
    """One change made to the guest."""

    path: str
    action: str   # emptied, removed, edited, created
    detail: str = ''

    def __str__(self):
        text = '%s %s' % (self.action, self.path)
        return '%s (%s)' % (text, self.detail) if self.detail else text

    def to_dict(self):
        return dataclasses.asdict(self)


class NotFixable(Exception):
    """The fixer declines: ``str()`` says why (shown in the Fix column)."""


@dataclasses.dataclass
class GuestReport:
    """The result of :func:`run_checks`."""

    os: object
    checks: list = dataclasses.field(default_factory=list)
    properties: dict = dataclasses.field(default_factory=dict)
    changes: list = dataclasses.field(default_factory=list)

    columns = COLUMNS

    def rows(self):
        return [c.row() for c in self.checks]

    @property
    def failures(self):
        return [c for c in self.checks if c.status == FAIL]

    @property
    def failed(self):
        return bool(self.failures)

    def to_dict(self):
        return {'os': dataclasses.asdict(self.os),
                'checks': [c.to_dict() for c in self.checks],
                'properties': dict(self.properties),
                'changes': [c.to_dict() for c in self.changes]}


@dataclasses.dataclass(frozen=True)
class Spec:
    id: str
    kinds: tuple
    func: object
    fixer: object = None


SPECS = []


def check(check_id, kinds, fixer=None):
    def register(func):
        SPECS.append(Spec(check_id, tuple(kinds), func, fixer))
        return func
    return register


# -- helpers -------------------------------------------------------------------

def meaningful_lines(text):
    return [ln for ln in (text or '').splitlines()
            if ln.strip() and not ln.lstrip().startswith('#')]


def quote_list(items):
    return ', '.join(str(i) for i in items)


def truthy(value):
    return str(value).strip().lower() in TRUE_WORDS


def first_existing(root, paths):
    return next((p for p in paths if root.lstat(p) is not None), None)


# -- the OS itself -------------------------------------------------------------

@check('guest.os', ('linux', 'windows', 'freebsd', None))
def check_os(facts):
    osi = facts.os
    if not osi.kind:
        return Check('guest.os', FAIL, '', 'no operating system recognised '
                     '(no /etc/os-release, no Windows or FreeBSD files)',
                     'point at the root of the guest filesystem')
    props = osi.properties()
    detail = '%s: %s' % (osi.describe(), ' '.join(
        '%s=%s' % kv for kv in sorted(props.items())) or 'no properties')
    status, fix = PASS, ''
    if osi.kind == 'linux' and not osi.distro:
        status = WARN
        detail += ' (os_distro unknown for ID %r)' % osi.id
        fix = 'set os_distro yourself (libosinfo short id)'
    clashes = ['%s=%s (guest: %s)' % (k, facts.user_props[k], v)
               for k, v in sorted(props.items())
               if facts.user_props.get(k) not in (None, '', v)]
    if clashes:
        status = WARN
        detail += '; given properties disagree: ' + quote_list(clashes)
        fix = 'check the properties given against the guest'
    return Check('guest.os', status, osi.evidence, detail, fix)


# -- Linux ---------------------------------------------------------------------

@check('linux.cloud-init', ('linux',))
def check_cloud_init(facts):
    ok, evidence = facts.installed('cloud-init')
    if not ok:
        return Check('linux.cloud-init', FAIL, evidence,
                     'cloud-init is not installed: no SSH key, user data or '
                     'hostname from the cloud',
                     'install the cloud-init package')
    disabled = '/etc/cloud/cloud-init.disabled'
    if facts.root.lstat(disabled) is not None:
        return Check('linux.cloud-init', FAIL, disabled,
                     'cloud-init is installed but disabled by this file',
                     'remove %s' % disabled)
    return Check('linux.cloud-init', PASS, evidence, 'installed')


@check('linux.cloud-init-datasources', ('linux',))
def check_datasources(facts):
    cid = 'linux.cloud-init-datasources'
    if not facts.installed('cloud-init')[0]:
        return Check(cid, NA, '', 'cloud-init is not installed')
    wanted = facts.data['openstack_datasources']
    _, _, errors = facts.cloud_config()
    path, value = facts.last_setting('datasource_list')
    if errors:
        return Check(cid, WARN, errors[0][0],
                     'cannot parse ' + quote_list(e for _, e in errors),
                     'fix the YAML syntax')
    if value is None:
        return Check(cid, PASS, facts_mod.CLOUD_CFG,
                     'datasource_list not set: cloud-init tries all of its '
                     'datasources, %s included' % quote_list(wanted))
    if isinstance(value, str):
        value = [v.strip() for v in value.strip('[]').split(',')]
    listed = [str(v) for v in value or []]
    good = [d for d in wanted if d in listed]
    if good:
        return Check(cid, PASS, path,
                     'datasource_list: %s' % quote_list(listed))
    return Check(cid, FAIL, path,
                 'datasource_list [%s] has none of %s: instances get no '
                 'metadata' % (quote_list(listed), quote_list(wanted)),
                 'add OpenStack and ConfigDrive to datasource_list in %s '
                 '(Debian/Ubuntu: dpkg-reconfigure cloud-init)' % path)


@check('linux.growpart', ('linux',))
def check_growpart(facts):
    ok, evidence = facts.installed('growpart')
    if ok:
        return Check('linux.growpart', PASS, evidence, 'installed')
    names = {'debian': 'cloud-guest-utils or cloud-initramfs-growroot',
             'rhel': 'cloud-utils-growpart'}.get(facts.os.family,
                                                 'growpart (cloud-utils)')
    return Check('linux.growpart', WARN, evidence,
                 'no growpart/growroot: the root partition will not grow '
                 'to the flavor\'s disk size', 'install %s' % names)


def _rules_check(cid, path, what):
    def func(facts):
        text = facts.root.read_text(path)
        if text is None:
            return Check(cid, PASS, path, 'absent')
        lines = meaningful_lines(text)
        if not lines:
            return Check(cid, PASS, path, 'empty')
        return Check(cid, FAIL, path, '%d rule line(s) %s' % (len(lines), what),
                     'empty the file (keep it, empty)')
    return func


def fix_empty(facts, result):
    facts.root.write_bytes(result.path, b'')
    return [Change(result.path, 'emptied')]


PERSISTENT_NET = '/etc/udev/rules.d/70-persistent-net.rules'
check('linux.udev-persistent-net', ('linux',), fix_empty)(_rules_check(
    'linux.udev-persistent-net', PERSISTENT_NET,
    'pin interface names to MAC addresses of the build machine'))

NET_GENERATOR = '75-persistent-net-generator.rules'


@check('linux.udev-net-generator', ('linux',), fix_empty)
def check_net_generator(facts):
    cid = 'linux.udev-net-generator'
    root = facts.root
    override = '/etc/udev/rules.d/' + NET_GENERATOR
    if root.lstat(override) is not None and (
            root.readlink(override) == '/dev/null'
            or not meaningful_lines(root.read_text(override))):
        return Check(cid, PASS, override, 'masked by an empty override')
    path = first_existing(root, ['/lib/udev/rules.d/' + NET_GENERATOR,
                                 '/usr/lib/udev/rules.d/' + NET_GENERATOR])
    if not path:
        return Check(cid, PASS, '/lib/udev/rules.d/' + NET_GENERATOR,
                     'absent')
    return _rules_check(cid, path, 'write 70-persistent-net.rules at the '
                        'first boot')(facts)


IFCFG_DIR = '/etc/sysconfig/network-scripts'
HWADDR_RE = re.compile(r'^\s*HWADDR\s*=')


def _hwaddr_files(facts):
    out = []
    for path in facts.root.glob(IFCFG_DIR, 'ifcfg-*'):
        if path.endswith('/ifcfg-lo'):
            continue
        text = facts.root.read_text(path) or ''
        lines = [ln for ln in text.splitlines() if HWADDR_RE.match(ln)]
        if lines:
            out.append((path, text, lines))
    return out


def fix_hwaddr(facts, result):
    changes = []
    for path, text, lines in _hwaddr_files(facts):
        kept = [ln for ln in text.splitlines(True) if not HWADDR_RE.match(ln)]
        facts.root.write_bytes(path, ''.join(kept).encode())
        changes.append(Change(path, 'edited', 'removed ' + quote_list(
            ln.strip() for ln in lines)))
    return changes


@check('linux.ifcfg-hwaddr', ('linux',), fix_hwaddr)
def check_hwaddr(facts):
    cid = 'linux.ifcfg-hwaddr'
    if not facts.root.is_dir(IFCFG_DIR):
        return Check(cid, NA, IFCFG_DIR, 'no network-scripts directory')
    bad = _hwaddr_files(facts)
    if not bad:
        return Check(cid, PASS, IFCFG_DIR, 'no HWADDR= lines')
    return Check(cid, FAIL, quote_list(p for p, _, _ in bad),
                 'HWADDR= ties the interface to the build machine\'s MAC',
                 'remove the HWADDR= lines')


@check('linux.sshd', ('linux',))
def check_sshd(facts):
    ok, evidence = facts.installed('openssh-server')
    if not ok:
        return Check('linux.sshd', FAIL, evidence,
                     'openssh-server is not installed',
                     'install openssh-server')
    enabled, link = facts.service_enabled('openssh-server')
    if not enabled:
        return Check('linux.sshd', FAIL, evidence,
                     'installed but not enabled at boot',
                     'enable it: systemctl enable ssh (Debian/Ubuntu) or '
                     'sshd (RHEL, SUSE, Arch)')
    return Check('linux.sshd', PASS, link, 'installed and enabled')


UFW_CONF = '/etc/ufw/ufw.conf'
UFW_RE = re.compile(r'^\s*ENABLED\s*=\s*"?yes"?\s*$', re.I | re.M)


def _firewalls(facts):
    """[(name, [link paths])] of the firewalls that start at boot."""
    found = []
    for unit in facts.data['firewall_services']:
        links = facts.service_links([unit])
        if links:
            found.append((unit, links))
    text = facts.root.read_text(UFW_CONF)
    if text and UFW_RE.search(text):
        found.append(('ufw', [UFW_CONF]))
    return found


def fix_firewall(facts, result):
    changes = []
    root = facts.root
    for name, links in _firewalls(facts):
        if name == 'ufw':
            text = root.read_text(UFW_CONF)
            root.write_bytes(UFW_CONF, UFW_RE.sub('ENABLED=no', text).encode())
            changes.append(Change(UFW_CONF, 'edited', 'ENABLED=no'))
            continue
        for link in links:
            if root.lstat(link) is None:  # seen under another name
                continue
            root.remove(link)
            changes.append(Change(link, 'removed', 'disables ' + name))
        # what "systemctl disable" also removes: Alias= links to the unit
        for alias in root.listdir('/etc/systemd/system'):
            path = '/etc/systemd/system/' + alias
            target = root.readlink(path)
            if (alias != name and target
                    and posixpath.basename(target) == name):
                root.remove(path)
                changes.append(Change(path, 'removed', 'alias of ' + name))
    return changes


@check('linux.firewall', ('linux',), fix_firewall)
def check_firewall(facts):
    found = _firewalls(facts)
    if not found:
        return Check('linux.firewall', PASS, '',
                     'no firewall service enabled')
    return Check('linux.firewall', WARN, quote_list(links[0]
                                                    for _, links in found),
                 'enabled: %s; security groups already filter traffic and '
                 'a guest firewall makes network problems hard to find'
                 % quote_list(name for name, _ in found),
                 'disable it (systemctl disable; ufw: ENABLED=no)')


# kernel command line --------------------------------------------------------

DEFAULT_GRUB = '/etc/default/grub'
GRUB_D = '/etc/default/grub.d'
GRUB_CFGS = ('/boot/grub/grub.cfg', '/boot/grub2/grub.cfg')
BLS_DIR = '/boot/loader/entries'
GRUBENV = '/boot/grub2/grubenv'
ASSIGN_RE = re.compile(
    r'^(?P<head>\s*(?:export\s+)?(?P<name>GRUB_CMDLINE_LINUX(?:_DEFAULT)?)=)'
    r'(?P<q>["\']?)(?P<value>.*?)(?P=q)\s*(?:#.*)?$')
LINUX_RE = re.compile(r'^\s*linux(?:16|efi)?\s+\S+\s*(.*)$')


def _expand(value, env):
    return re.sub(r'\$\{?(\w+)\}?', lambda m: env.get(m.group(1), ''), value)


def _grub_defaults(root):
    """Effective GRUB_CMDLINE_LINUX[_DEFAULT] from /etc/default/grub and
    grub.d/*.cfg (sourced after it): ({name: value}, {name: (file, line
    number)} of the last assignment, [files read])."""
    env, where, files = {}, {}, []
    for path in [DEFAULT_GRUB] + sorted(root.glob(GRUB_D, '*.cfg')):
        text = root.read_text(path)
        if text is None:
            continue
        files.append(path)
        for n, line in enumerate(text.splitlines()):
            m = ASSIGN_RE.match(line)
            if m:
                env[m.group('name')] = _expand(m.group('value'), env)
                where[m.group('name')] = (path, n)
    return env, where, files


def _has_serial(tokens):
    return any(t.startswith('console=ttyS0') for t in tokens)


def _boot_lines(root):
    """[(file, kernel arguments)] of grub.cfg ``linux`` lines and BLS
    ``options`` lines (``$kernelopts`` from grubenv)."""
    out = []
    for path in GRUB_CFGS:
        for line in (root.read_text(path) or '').splitlines():
            m = LINUX_RE.match(line)
            if m:
                out.append((path, m.group(1)))
    kernelopts = ''
    for line in (root.read_text(GRUBENV) or '').splitlines():
        if line.startswith('kernelopts='):
            kernelopts = line.split('=', 1)[1]
    for path in root.glob(BLS_DIR, '*.conf'):
        for line in (root.read_text(path) or '').splitlines():
            if line.startswith('options'):
                args = line[len('options'):].replace('$kernelopts',
                                                     kernelopts)
                out.append((path, args))
    return out


def _edit_assignment(line, drop, add=()):
    """``line`` (a GRUB_CMDLINE_LINUX[_DEFAULT]= assignment) without the
    tokens ``drop`` selects and with ``add`` appended, quoting kept."""
    m = ASSIGN_RE.match(line)
    q = m.group('q') or '"'
    tokens = [t for t in m.group('value').split() if not drop(t)]
    return '%s%s%s%s' % (m.group('head'), q, ' '.join(tokens + list(add)), q)


def _drop_console(token):
    return token.startswith('console=')


def _drop_console_rhgb(token):
    # the seed: remove "rhgb quiet", which hide the boot log
    return _drop_console(token) or token in ('rhgb', 'quiet')


def fix_serial_console(facts, result):
    root = facts.root
    want = facts.data['console_args']
    _, where, files = _grub_defaults(root)
    if not files:
        raise NotFixable('no /etc/default/grub to edit: add %s to the boot '
                         'loader configuration by hand' % ' '.join(want))
    edits = {}  # file -> {line number (None: append): new line}
    if 'GRUB_CMDLINE_LINUX' in where:
        path, n = where['GRUB_CMDLINE_LINUX']
        line = root.read_text(path).splitlines()[n]
        edits.setdefault(path, {})[n] = _edit_assignment(
            line, _drop_console_rhgb, want)
    else:
        edits.setdefault(DEFAULT_GRUB, {})[None] = (
            'GRUB_CMDLINE_LINUX="%s"' % ' '.join(want))
    # a console= in GRUB_CMDLINE_LINUX_DEFAULT comes later on the command
    # line and would take /dev/console back from ttyS0
    if 'GRUB_CMDLINE_LINUX_DEFAULT' in where:
        path, n = where['GRUB_CMDLINE_LINUX_DEFAULT']
        line = root.read_text(path).splitlines()[n]
        if any(_drop_console(t)
               for t in ASSIGN_RE.match(line).group('value').split()):
            edits.setdefault(path, {})[n] = _edit_assignment(
                line, _drop_console)
    changes = []
    for path, new_lines in edits.items():
        lines = (root.read_text(path) or '').splitlines()
        for n, new in new_lines.items():
            if n is None:
                lines.append(new)
                changes.append(Change(path, 'edited', 'added ' + new))
            else:
                changes.append(Change(path, 'edited', '%s -> %s'
                                      % (lines[n].strip(), new.strip())))
                lines[n] = new
        root.write_bytes(path, ('\n'.join(lines) + '\n').encode())
    return changes


@check('linux.serial-console', ('linux',), fix_serial_console)
def check_serial_console(facts):
    cid = 'linux.serial-console'
    root = facts.root
    want = ' '.join(facts.data['console_args'])
    env, where, files = _grub_defaults(root)
    boot = _boot_lines(root)
    if not files and not boot:
        return Check(cid, NA, DEFAULT_GRUB, 'no GRUB configuration found')
    regen = ('regenerate grub.cfg in the guest: update-grub (Debian/Ubuntu) '
             'or grub2-mkconfig -o /boot/grub2/grub.cfg')
    stale = sorted({p for p, args in boot if not _has_serial(args.split())})
    if files:
        tokens = (env.get('GRUB_CMDLINE_LINUX', '') + ' '
                  + env.get('GRUB_CMDLINE_LINUX_DEFAULT', '')).split()
        if not _has_serial(tokens):
            path = where.get('GRUB_CMDLINE_LINUX', (DEFAULT_GRUB, 0))[0]
            return Check(cid, WARN, path,
                         'kernel command line lacks console=ttyS0: no boot '
                         'log in the console log',
                         'add %s to GRUB_CMDLINE_LINUX, then %s'
                         % (want, regen))
        if stale:
            result = Check(cid, WARN, quote_list(stale),
                           '/etc/default/grub has console=ttyS0 but %s does '
                           'not' % quote_list(stale), regen)
            result.fixed_ok = cid in facts.fixed
            return result
        return Check(cid, PASS, quote_list(files),
                     'console=ttyS0 on the kernel command line')
    if stale:
        return Check(cid, WARN, quote_list(stale),
                     'kernel command line lacks console=ttyS0 and there is '
                     'no /etc/default/grub to fix',
                     'add %s to the kernel command line' % want)
    return Check(cid, PASS, quote_list(sorted({p for p, _ in boot})),
                 'console=ttyS0 on the kernel command line')


SYSCONFIG_NETWORK = '/etc/sysconfig/network'
NOZEROCONF_RE = re.compile(r'^\s*NOZEROCONF\s*=\s*(.*?)\s*$', re.M)


def fix_nozeroconf(facts, result):
    text = facts.root.read_text(SYSCONFIG_NETWORK)
    if text is None:
        new, what = 'NOZEROCONF=yes\n', 'created'
    elif NOZEROCONF_RE.search(text):
        new, what = NOZEROCONF_RE.sub('NOZEROCONF=yes', text), 'edited'
    else:
        new = text + ('' if text.endswith('\n') or not text else '\n')
        new, what = new + 'NOZEROCONF=yes\n', 'edited'
    facts.root.write_bytes(SYSCONFIG_NETWORK, new.encode())
    return [Change(SYSCONFIG_NETWORK, what, 'NOZEROCONF=yes')]


@check('linux.nozeroconf', ('linux',), fix_nozeroconf)
def check_nozeroconf(facts):
    cid = 'linux.nozeroconf'
    if facts.os.family != 'rhel':
        return Check(cid, NA, SYSCONFIG_NETWORK, 'not a RHEL-family guest')
    text = facts.root.read_text(SYSCONFIG_NETWORK) or ''
    values = NOZEROCONF_RE.findall(text)
    if values and truthy(values[-1].strip('"\'')):
        return Check(cid, PASS, SYSCONFIG_NETWORK, 'NOZEROCONF=yes')
    return Check(cid, WARN, SYSCONFIG_NETWORK,
                 'NOZEROCONF=yes missing: the zeroconf route to '
                 '169.254.0.0/16 can hide the metadata service',
                 'add NOZEROCONF=yes')


LOGIND = ('/usr/lib/systemd/systemd-logind', '/lib/systemd/systemd-logind')


@check('linux.acpid', ('linux',))
def check_acpid(facts):
    ok, evidence = facts.installed('acpid')
    if ok:
        enabled, link = facts.service_enabled('acpid')
        if enabled:
            return Check('linux.acpid', PASS, link, 'installed and enabled')
        return Check('linux.acpid', WARN, evidence,
                     'installed but not enabled: ACPI shutdown/reboot '
                     'requests from the hypervisor may be ignored',
                     'systemctl enable acpid')
    logind = first_existing(facts.root, LOGIND)
    if logind:
        return Check('linux.acpid', PASS, logind,
                     'acpid not installed; systemd-logind handles the ACPI '
                     'power button')
    return Check('linux.acpid', WARN, evidence,
                 'acpid not installed: ACPI shutdown/reboot requests from '
                 'the hypervisor may be ignored', 'install and enable acpid')


def _guest_agent(cid, facts, ok, evidence, hint):
    user = facts.user_props.get('hw_qemu_guest_agent')
    if ok:
        if user is not None and not truthy(user):
            return Check(cid, PASS, evidence, 'installed (hw_qemu_guest_agent'
                         '=%s given: not proposing yes)' % user)
        facts.proposed['hw_qemu_guest_agent'] = 'yes'
        return Check(cid, PASS, evidence,
                     'installed: hw_qemu_guest_agent=yes')
    if user is not None and truthy(user):
        return Check(cid, FAIL, evidence,
                     'hw_qemu_guest_agent=%s is given but the guest agent is '
                     'not installed: Nova would wait for an agent that never '
                     'answers (quiesced snapshots fail)' % user,
                     '%s, or drop hw_qemu_guest_agent' % hint)
    return Check(cid, WARN, evidence,
                 'not installed: hw_qemu_guest_agent stays unset (no '
                 'quiesced snapshots, no set-password)', hint)


@check('linux.qemu-guest-agent', ('linux',))
def check_qga_linux(facts):
    ok, evidence = facts.installed('qemu-guest-agent')
    return _guest_agent('linux.qemu-guest-agent', facts, ok, evidence,
                        'install qemu-guest-agent')


def _ssh_host_keys(root):
    return root.glob('/etc/ssh', 'ssh_host_*')


def fix_ssh_host_keys(facts, result):
    regen = facts.installed('cloud-init')[0] or facts.installed(
        'sshd-keygen')[0]
    if not regen:
        raise NotFixable('kept: nothing in the guest would create new keys '
                         'at boot (no cloud-init, no sshd-keygen) and sshd '
                         'would not start')
    changes = []
    for path in _ssh_host_keys(facts.root):
        facts.root.remove(path)
        changes.append(Change(path, 'removed'))
    return changes


@check('linux.ssh-host-keys', ('linux',), fix_ssh_host_keys)
def check_ssh_host_keys(facts):
    keys = _ssh_host_keys(facts.root)
    if not keys:
        return Check('linux.ssh-host-keys', PASS, '/etc/ssh',
                     'no SSH host keys')
    return Check('linux.ssh-host-keys', WARN, '/etc/ssh',
                 '%d host key file(s): every instance would have the same '
                 'host keys' % len(keys),
                 'remove /etc/ssh/ssh_host_* (new ones are made at first '
                 'boot)')


MACHINE_ID = '/etc/machine-id'


@check('linux.machine-id', ('linux',), fix_empty)
def check_machine_id(facts):
    text = facts.root.read_text(MACHINE_ID)
    if text is None:
        return Check('linux.machine-id', PASS, MACHINE_ID, 'absent')
    value = text.strip()
    if not value or value == 'uninitialized':
        return Check('linux.machine-id', PASS, MACHINE_ID,
                     'empty: generated at first boot')
    return Check('linux.machine-id', WARN, MACHINE_ID,
                 'set (%s): every instance would share it (DHCP client id, '
                 'journal)' % value[:12],
                 'empty the file (do not delete it)')


def _sshd_option(root, option, path='/etc/ssh/sshd_config', seen=None):
    """(value, file) of the first ``option`` sshd would use (the first
    value wins; ``Include`` expands in place; ``Match`` ends the global
    section), or (None, None)."""
    seen = set() if seen is None else seen
    if path in seen:
        return None, None
    seen.add(path)
    for line in (root.read_text(path) or '').splitlines():
        words = line.split('#', 1)[0].split()
        if not words:
            continue
        key = words[0].lower()
        if key == 'match':
            return None, 'match'
        if key == 'include':
            for pattern in words[1:]:
                if not pattern.startswith('/'):
                    pattern = '/etc/ssh/' + pattern
                d, pat = posixpath.split(pattern)
                for inc in sorted(root.glob(d, pat)):
                    value, where = _sshd_option(root, option, inc, seen)
                    if where == 'match':
                        return None, 'match'
                    if value is not None:
                        return value, where
        elif key == option.lower() and len(words) > 1:
            return words[1].lower(), path
    return None, None


@check('linux.ssh-password-auth', ('linux',))
def check_ssh_password(facts):
    cid = 'linux.ssh-password-auth'
    conf = '/etc/ssh/sshd_config'
    if not facts.root.is_file(conf):
        return Check(cid, NA, conf, 'no sshd_config')
    value, where = _sshd_option(facts.root, 'PasswordAuthentication')
    if value == 'no':
        return Check(cid, PASS, where, 'PasswordAuthentication no')
    if value == 'yes':
        return Check(cid, WARN, where, 'PasswordAuthentication yes: '
                     'password guessing against every instance',
                     'set PasswordAuthentication no')
    pwauth = facts.cloud_config()[0].get('ssh_pwauth')
    if (facts.installed('cloud-init')[0] and pwauth is not None
            and not truthy(pwauth) and pwauth != 'unchanged'):
        return Check(cid, PASS, facts_mod.CLOUD_CFG,
                     'not set in sshd_config; cloud-init sets it to no at '
                     'boot (ssh_pwauth: false)')
    return Check(cid, WARN, conf, 'PasswordAuthentication not set: '
                 'OpenSSH\'s default is yes',
                 'set PasswordAuthentication no')


@check('linux.root-password', ('linux',))
def check_root_password(facts):
    cid = 'linux.root-password'
    shadow = facts.root.read_text('/etc/shadow')
    if shadow is None:
        return Check(cid, NA, '/etc/shadow', 'no /etc/shadow')
    for line in shadow.splitlines():
        fields = line.split(':')
        if fields[0] == 'root' and len(fields) > 1:
            pw = fields[1]
            if pw == '':
                return Check(cid, WARN, '/etc/shadow',
                             'root has an empty password',
                             'lock it: passwd -l root')
            if pw[:1] in ('!', '*') or pw == 'x':
                return Check(cid, PASS, '/etc/shadow', 'root is locked')
            return Check(cid, WARN, '/etc/shadow',
                         'root has a password: whoever knows it logs in on '
                         'every instance\'s console',
                         'lock it (passwd -l root); log in with SSH keys')
    return Check(cid, PASS, '/etc/shadow', 'no root entry')


def _login_users(cfg):
    default = ((cfg.get('system_info') or {}).get('default_user')
               or {}).get('name')
    users = cfg.get('users', ['default'])
    if isinstance(users, str):
        users = [u.strip() for u in users.split(',')]
    if isinstance(users, dict):
        users = list(users)
    names = []
    for user in users or []:
        if user == 'default':
            if default:
                names.append(default)
        elif isinstance(user, dict) and user.get('name'):
            names.append(str(user['name']))
        elif isinstance(user, str):
            names.append(user)
    return names, default


@check('linux.default-user', ('linux',))
def check_default_user(facts):
    cid = 'linux.default-user'
    if not facts.installed('cloud-init')[0]:
        return Check(cid, NA, facts_mod.CLOUD_CFG, 'cloud-init is not '
                     'installed')
    cfg, parts, _ = facts.cloud_config()
    names, default = _login_users(cfg)
    path = (facts.last_setting('users')[0]
            or facts.last_setting('system_info')[0] or facts_mod.CLOUD_CFG)
    if not names:
        return Check(cid, WARN, path,
                     'cloud-init creates no login user: the SSH key has '
                     'nowhere to go', 'set system_info.default_user.name in '
                     '/etc/cloud/cloud.cfg')
    detail = 'cloud-init login user: %s' % quote_list(names)
    usual = facts.data['default_users'].get(facts.os.distro)
    if usual and usual not in names:
        detail += " (this distro's cloud images use %r)" % usual
    return Check(cid, PASS, path, detail)


# -- Windows -------------------------------------------------------------------

def _cloudbase_dir(facts):
    for d in facts.data['windows']['cloudbase_init_dirs']:
        real = facts.root.find_nocase(d)
        if real:
            return real
    return None


@check('windows.cloudbase-init', ('windows',))
def check_cloudbase_init(facts):
    d = _cloudbase_dir(facts)
    if not d:
        return Check('windows.cloudbase-init', FAIL,
                     facts.data['windows']['cloudbase_init_dirs'][0],
                     'cloudbase-init is not installed: no password, SSH key '
                     'or user data from the cloud',
                     'install Cloudbase-Init (run Sysprep from its installer)')
    return Check('windows.cloudbase-init', PASS, d, 'installed')


@check('windows.cloudbase-init-config', ('windows',))
def check_cloudbase_config(facts):
    cid = 'windows.cloudbase-init-config'
    d = _cloudbase_dir(facts)
    if not d:
        return Check(cid, NA, '', 'cloudbase-init is not installed')
    want = posixpath.join(d, facts.data['windows']['cloudbase_init_conf'])
    path = facts.root.find_nocase(want)
    text = facts.root.read_text(path) if path else None
    if text is None:
        return Check(cid, FAIL, want, 'no cloudbase-init.conf',
                     'reinstall Cloudbase-Init or write its conf file')
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    try:
        parser.read_string(text.lstrip('\ufeff'))
    except configparser.Error as exc:
        return Check(cid, FAIL, path, 'cannot parse: %s'
                     % str(exc).splitlines()[0], 'fix the file')
    services = parser.defaults().get('metadata_services')
    if not services:
        return Check(cid, PASS, path, 'configured (default metadata '
                     'services)')
    listed = [s.strip() for s in services.split(',') if s.strip()]
    good = [s for s in listed if any(s.endswith(w) for w in
                                     facts.data['windows']['metadata_services'])]
    if good:
        return Check(cid, PASS, path, 'metadata_services: %s'
                     % quote_list(s.rsplit('.', 1)[-1] for s in good))
    return Check(cid, FAIL, path, 'metadata_services lists no OpenStack '
                 'service (%s)' % quote_list(listed),
                 'add cloudbaseinit.metadata.services.httpservice.HttpService '
                 'and ...configdrive.ConfigDriveService')


def _drivers(facts, names):
    store = facts.root.find_nocase(facts.data['windows']['driver_store'])
    if not store:
        return None, facts.data['windows']['driver_store']
    for entry in facts.root.listdir(store):
        low = entry.lower()
        if any(low.startswith(n + '.inf_') for n in names):
            return posixpath.join(store, entry), store
    return None, store


@check('windows.virtio-storage', ('windows',))
def check_virtio_storage(facts):
    names = facts.data['windows']['storage_drivers']
    hit, store = _drivers(facts, names)
    if hit:
        return Check('windows.virtio-storage', PASS, hit, 'in the driver '
                     'store')
    return Check('windows.virtio-storage', FAIL, store,
                 'no %s driver: the guest cannot boot from a virtio disk '
                 '(blue screen)' % ' or '.join(names),
                 'install the VirtIO storage driver (pnputil -i -a '
                 'viostor\\...\\*.inf), or set hw_disk_bus=ide (slow)')


@check('windows.virtio-network', ('windows',))
def check_virtio_network(facts):
    names = facts.data['windows']['network_drivers']
    hit, store = _drivers(facts, names)
    if hit:
        return Check('windows.virtio-network', PASS, hit, 'in the driver '
                     'store')
    return Check('windows.virtio-network', FAIL, store,
                 'no %s driver: no network on a virtio NIC'
                 % ' or '.join(names),
                 'install the VirtIO network driver (NetKVM), or set '
                 'hw_vif_model=e1000')


@check('windows.qemu-guest-agent', ('windows',))
def check_qga_windows(facts):
    paths = facts.data['windows']['guest_agent']
    hit = next((p for p in (facts.root.find_nocase(x) for x in paths) if p),
               None)
    return _guest_agent('windows.qemu-guest-agent', facts, bool(hit),
                        hit or paths[0],
                        'install the QEMU guest agent from virtio-win')


# -- FreeBSD -------------------------------------------------------------------

def _loader_conf(root, data):
    """({key: value}, {key: file that set it last}) from loader.conf and
    loader.conf.local (read after it)."""
    values, where = {}, {}
    base = data['freebsd']['loader_conf']
    for path in (base, base + '.local'):
        for line in (root.read_text(path) or '').splitlines():
            m = re.match(r'\s*([\w.-]+)\s*=\s*"?([^"#]*)"?', line)
            if m:
                values[m.group(1)] = m.group(2).strip()
                where[m.group(1)] = path
    return values, where


@check('freebsd.cloud-init', ('freebsd',))
def check_bsd_cloudinit(facts):
    for item in facts.data['freebsd']['cloud_init']:
        hit = first_existing(facts.root, item['files'])
        if hit:
            return Check('freebsd.cloud-init', PASS, hit,
                         '%s installed' % item['name'])
    rc_local = facts.root.read_text('/etc/rc.local') or ''
    if 'bsd-cloudinit' in rc_local:
        return Check('freebsd.cloud-init', PASS, '/etc/rc.local',
                     'bsd-cloudinit started from rc.local')
    return Check('freebsd.cloud-init', FAIL, '',
                 'no bsd-cloudinit, cloud-init or nuageinit: no SSH key or '
                 'user data from the cloud',
                 'install bsd-cloudinit (bsd-cloudinit-installer) or '
                 'net/cloud-init')


def _loader_fixer(key):
    """A fixer setting loader.conf's ``key`` to the value in the data file
    (in the file that sets it last, else loader.conf)."""
    def fixer(facts, result):
        root = facts.root
        value = facts.data['freebsd'][key]
        _, where = _loader_conf(root, facts.data)
        path = where.get(key, facts.data['freebsd']['loader_conf'])
        text = root.read_text(path) or ''
        line = '%s="%s"' % (key, value)
        pattern = re.compile(r'^\s*%s\s*=.*$' % re.escape(key), re.M)
        if pattern.search(text):
            new = pattern.sub(line, text)
        else:
            new = text + ('\n' if text and not text.endswith('\n') else '')
            new += line + '\n'
        root.write_bytes(path, new.encode())
        return [Change(path, 'edited', line)]
    return fixer


@check('freebsd.serial-console', ('freebsd',), _loader_fixer('console'))
def check_bsd_console(facts):
    values, where = _loader_conf(facts.root, facts.data)
    path = where.get('console', facts.data['freebsd']['loader_conf'])
    console = values.get('console', '')
    if 'comconsole' in console:
        return Check('freebsd.serial-console', PASS, path,
                     'console="%s"' % console)
    return Check('freebsd.serial-console', WARN, path,
                 'no comconsole: no boot log in the console log',
                 'set console="%s"' % facts.data['freebsd']['console'])


@check('freebsd.autoboot-delay', ('freebsd',),
       _loader_fixer('autoboot_delay'))
def check_bsd_autoboot(facts):
    values, where = _loader_conf(facts.root, facts.data)
    path = where.get('autoboot_delay', facts.data['freebsd']['loader_conf'])
    if 'autoboot_delay' in values:
        return Check('freebsd.autoboot-delay', PASS, path,
                     'autoboot_delay="%s"' % values['autoboot_delay'])
    return Check('freebsd.autoboot-delay', WARN, path,
                 'autoboot_delay not set: the loader menu waits 10 s at '
                 'every boot', 'set autoboot_delay="%s"'
                 % facts.data['freebsd']['autoboot_delay'])


@check('freebsd.sshd', ('freebsd',))
def check_bsd_sshd(facts):
    value, path = None, '/etc/rc.conf'
    for p in ('/etc/rc.conf', '/etc/rc.conf.local', '/etc/rc.conf.d/sshd'):
        for line in (facts.root.read_text(p) or '').splitlines():
            m = re.match(r'\s*sshd_enable\s*=\s*"?(\w+)"?', line)
            if m:
                value, path = m.group(1), p
    if value and truthy(value):
        return Check('freebsd.sshd', PASS, path, 'sshd_enable="%s"' % value)
    return Check('freebsd.sshd', FAIL, path, 'sshd is not enabled',
                 'sysrc sshd_enable=YES')


@check('freebsd.qemu-guest-agent', ('freebsd',))
def check_qga_freebsd(facts):
    ok, evidence = facts.installed('qemu-guest-agent')
    return _guest_agent('freebsd.qemu-guest-agent', facts, ok, evidence,
                        'pkg install qemu-guest-agent')


# -- the runner ----------------------------------------------------------------

def run_checks(root, fix=False, user_props=None, data=None):
    """Run every check that applies to the guest in ``root``; with ``fix``
    (a writable root) apply the safe fixes. Returns a :class:`GuestReport`.
    """
    if fix and not root.writable:
        raise roots.GuestError('%s is open read-only: cannot fix it'
                               % root.description)
    facts = facts_mod.Facts(root, data or load_data(), user_props)
    report = GuestReport(os=facts.os)
    for spec in SPECS:
        if facts.os.kind not in spec.kinds:
            continue
        result = spec.func(facts)
        if fix and spec.fixer and result.status in (WARN, FAIL):
            result = _fix(spec, facts, result, report)
        report.checks.append(result)
    report.properties = dict(facts.os.properties())
    report.properties.update(facts.proposed)
    return report


def _fix(spec, facts, result, report):
    try:
        changes = spec.fixer(facts, result)
    except NotFixable as exc:
        result.fix = str(exc)
        return result
    report.changes.extend(changes)
    facts.fixed.add(spec.id)
    facts.reset()
    after = spec.func(facts)
    done = '; '.join(str(c) for c in changes)
    if after.status == PASS or after.fixed_ok:
        extra = ('; ' + after.fix) if after.fixed_ok and after.fix else ''
        return Check(spec.id, FIXED, result.path, result.detail,
                     done + extra)
    after.fix = 'changed (%s) but still: %s' % (done, after.fix)
    return after
