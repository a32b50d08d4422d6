"""Linux: the network comes up on whatever NIC Nova gives the instance,
reaches the metadata service, and lets SSH in."""

import configparser
import posixpath
import re

import yaml

from osc_imagetools.guest.checks import keyvalue
from osc_imagetools.guest.checks import model
from osc_imagetools.guest.checks import registry
from osc_imagetools.guest.checks.util import first_existing
from osc_imagetools.guest.checks.util import LINUX
from osc_imagetools.guest.checks.util import meaningful_lines
from osc_imagetools.guest.checks.util import quote_list
from osc_imagetools.guest.checks.util import truthy

GROUP = registry.Group('Linux: network', LINUX)

PERSISTENT_NET = '/etc/udev/rules.d/70-persistent-net.rules'
NET_GENERATOR = '75-persistent-net-generator.rules'
IFCFG_DIR = '/etc/sysconfig/network-scripts'
SYSCONFIG_NETWORK = '/etc/sysconfig/network'
UFW_CONF = '/etc/ufw/ufw.conf'


def _rules(path, text, what):
    if text is None:
        return model.ok(path, 'absent')
    lines = meaningful_lines(text)
    if not lines:
        return model.ok(path, 'empty')
    return model.fail(path, '%d rule line(s) %s' % (len(lines), what),
                      'empty the file (keep it, empty)')


def fix_empty(facts, result):
    facts.root.write_bytes(result.path, b'')
    return [model.Change(result.path, 'emptied')]


@registry.record(
    GROUP, 'linux.udev-persistent-net',
    'No udev rules name interfaces after the build machine\'s MACs',
    """``/etc/udev/rules.d/70-persistent-net.rules`` has rules: they name
    interfaces after the build machine's MAC addresses, so the instance's
    NIC is not ``eth0``. The file is emptied, not removed (udev warns about
    a missing one).""", severity=model.FAIL, fix=fix_empty,
    fix_doc='fixed by emptying the file')
def check_persistent_net(facts):
    return _rules(PERSISTENT_NET, facts.root.read_text(PERSISTENT_NET),
                  'pin interface names to MAC addresses of the build '
                  'machine')


@registry.record(
    GROUP, 'linux.udev-net-generator',
    'No udev rule writes those rules at first boot',
    """``/lib/udev/rules.d/75-persistent-net-generator.rules`` has rules (it
    writes the file above at first boot); an empty file or a ``/dev/null``
    link with the same name in ``/etc/udev/rules.d`` masks it.""",
    severity=model.FAIL, fix=fix_empty, fix_doc='fixed by emptying the file')
def check_net_generator(facts):
    root = facts.root
    override = '/etc/udev/rules.d/' + NET_GENERATOR
    if root.lstat(override) is not None and (
            root.readlink(override) == '/dev/null'
            or not meaningful_lines(root.read_text(override))):
        return model.ok(override, 'masked by an empty override')
    path = first_existing(root, ['/lib/udev/rules.d/' + NET_GENERATOR,
                                 '/usr/lib/udev/rules.d/' + NET_GENERATOR])
    if not path:
        return model.ok('/lib/udev/rules.d/' + NET_GENERATOR, 'absent')
    return _rules(path, root.read_text(path), 'write 70-persistent-net.rules '
                  'at the first boot')


def _hwaddr_files(facts):
    out = []
    for path in facts.root.glob(IFCFG_DIR, 'ifcfg-*'):
        if path.endswith('/ifcfg-lo'):
            continue
        kv = keyvalue.read(facts.root, path)
        if kv.index('HWADDR') is not None:
            out.append((path, kv))
    return out


def fix_hwaddr(facts, result):
    changes = []
    for path, kv in _hwaddr_files(facts):
        removed = kv.remove('HWADDR')
        facts.root.write_bytes(path, kv.text().encode())
        changes.append(model.Change(path, 'edited', 'removed ' + quote_list(
            ln.strip() for ln in removed)))
    return changes


@registry.record(
    GROUP, 'linux.ifcfg-hwaddr', 'No HWADDR= in ifcfg files',
    """``HWADDR=`` lines in ``/etc/sysconfig/network-scripts/ifcfg-*``
    (``ifcfg-lo`` aside).""", severity=model.FAIL, fix=fix_hwaddr,
    fix_doc='fixed by removing the lines')
def check_hwaddr(facts):
    if not facts.root.is_dir(IFCFG_DIR):
        return model.na(IFCFG_DIR, 'no network-scripts directory')
    bad = _hwaddr_files(facts)
    if not bad:
        return model.ok(IFCFG_DIR, 'no HWADDR= lines')
    return model.fail(quote_list(p for p, _ in bad),
                      'HWADDR= ties the interface to the build machine\'s '
                      'MAC', 'remove the HWADDR= lines')


# -- MAC addresses pinned by the other network stacks -----------------------

def _netplan(root):
    hits = []
    for d in ('/etc/netplan', '/run/netplan', '/lib/netplan',
              '/usr/lib/netplan'):
        for path in root.glob(d, '*.yaml'):
            try:
                doc = yaml.safe_load(root.read_text(path) or '') or {}
            except yaml.YAMLError:
                continue
            net = doc.get('network') if isinstance(doc, dict) else None
            for kind, ifaces in (net or {}).items():
                if not isinstance(ifaces, dict):
                    continue
                for name, conf in ifaces.items():
                    match = (conf or {}).get('match') \
                        if isinstance(conf, dict) else None
                    if isinstance(match, dict) and match.get('macaddress'):
                        hits.append((path, '%s.%s: match: macaddress: %s'
                                     % (kind, name, match['macaddress'])))
    return hits


IFUPDOWN_RE = re.compile(r'^\s*hwaddress\s+(?:ether\s+)?(\S+)', re.M)


def _ifupdown(root):
    hits = []
    files = ['/etc/network/interfaces'] + root.glob(
        '/etc/network/interfaces.d', '*')
    for path in files:
        for mac in IFUPDOWN_RE.findall(root.read_text(path) or ''):
            hits.append((path, 'hwaddress %s' % mac))
    return hits


def _ini(text):
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    parser.optionxform = str
    try:
        parser.read_string(text or '')
    except configparser.Error:
        return None
    return parser


def _networkd(root):
    hits = []
    for d in ('/etc/systemd/network', '/run/systemd/network'):
        for pattern in ('*.link', '*.network'):
            for path in root.glob(d, pattern):
                ini = _ini(root.read_text(path))
                if ini is None or not ini.has_section('Match'):
                    continue
                for key in ('MACAddress', 'PermanentMACAddress'):
                    value = ini.get('Match', key, fallback='').strip()
                    if value:
                        hits.append((path, '[Match] %s=%s' % (key, value)))
    return hits


def _networkmanager(root):
    hits = []
    for d in ('/etc/NetworkManager/system-connections',
              '/run/NetworkManager/system-connections'):
        for path in root.glob(d, '*'):
            ini = _ini(root.read_text(path))
            if ini is None:
                continue
            for section in ('ethernet', '802-3-ethernet'):
                value = ini.get(section, 'mac-address', fallback='').strip()
                if value:
                    hits.append((path, '[%s] mac-address=%s'
                                 % (section, value)))
    return hits


@registry.record(
    GROUP, 'linux.mac-pinning',
    'No network configuration bound to the build machine\'s MAC',
    """A MAC address the network configuration matches or sets, wherever
    the distribution's network stacks accept one: netplan (``match:
    macaddress:`` in ``/etc/netplan/*.yaml``), ifupdown (``hwaddress`` in
    ``/etc/network/interfaces`` and ``interfaces.d``), systemd-networkd
    (``[Match] MACAddress=``/``PermanentMACAddress=`` in ``.link`` and
    ``.network`` files), NetworkManager keyfiles (``mac-address=``). The
    instance's NIC has another MAC: the configuration does not apply and
    the instance gets no network (``HWADDR=`` of ifcfg files is
    ``linux.ifcfg-hwaddr``).""", severity=model.FAIL)
def check_mac_pinning(facts):
    root = facts.root
    hits = (_netplan(root) + _ifupdown(root) + _networkd(root)
            + _networkmanager(root))
    if not hits:
        return model.ok('', 'no MAC address in netplan, ifupdown, '
                        'systemd-networkd or NetworkManager configuration')
    return model.fail(quote_list(sorted({p for p, _ in hits})),
                      'bound to a MAC address: %s' % quote_list(
                          '%s %s' % hit for hit in hits),
                      'drop the MAC match (match by name, e.g. eth0/ens3, '
                      'or driver) or the hwaddress line')


# -- NOZEROCONF ---------------------------------------------------------------

def fix_nozeroconf(facts, result):
    text = facts.root.read_text(SYSCONFIG_NETWORK)
    kv = keyvalue.KeyValueFile(text)
    kv.set('NOZEROCONF', 'yes', quote='')
    facts.root.write_bytes(SYSCONFIG_NETWORK, kv.text().encode())
    return [model.Change(SYSCONFIG_NETWORK,
                         'created' if text is None else 'edited',
                         'NOZEROCONF=yes')]


@registry.record(
    GROUP, 'linux.nozeroconf', 'No zeroconf route (RHEL family)',
    """``NOZEROCONF=yes`` in ``/etc/sysconfig/network``, so that the
    zeroconf route does not hide the metadata service at
    169.254.169.254.""", severity=model.WARN, fix=fix_nozeroconf,
    fix_doc='fixed by adding the line')
def check_nozeroconf(facts):
    if facts.os.family != 'rhel':
        return model.na(SYSCONFIG_NETWORK, 'not a RHEL-family guest')
    value = keyvalue.read(facts.root, SYSCONFIG_NETWORK).get('NOZEROCONF')
    if value is not None and truthy(value):
        return model.ok(SYSCONFIG_NETWORK, 'NOZEROCONF=yes')
    return model.warn(SYSCONFIG_NETWORK,
                      'NOZEROCONF=yes missing: the zeroconf route to '
                      '169.254.0.0/16 can hide the metadata service',
                      'add NOZEROCONF=yes')


# -- firewall -------------------------------------------------------------------

def _ufw_enabled(root):
    value = keyvalue.read(root, UFW_CONF).get('ENABLED')
    return value is not None and value.lower() == 'yes'


def _firewalls(facts):
    """[(name, [link paths])] of the firewalls that start at boot."""
    found = []
    for unit in facts.data['firewall_services']:
        links = facts.service_links([unit])
        if links:
            found.append((unit, links))
    if _ufw_enabled(facts.root):
        found.append(('ufw', [UFW_CONF]))
    return found


SSH_PORT_RE = re.compile(r'--dports?\s+(?:\S*,)?(?:22|ssh)(?:[,:\s]|$)')


def _iptables_rules(text):
    """(drops all input, admits SSH) of an iptables-save file."""
    drops = admits = False
    table = None
    for line in (text or '').splitlines():
        line = line.strip()
        if line.startswith('*'):
            table = line[1:]
        if table != 'filter':
            continue
        if re.match(r':INPUT\s+(DROP|REJECT)\b', line):
            drops = True
        if re.match(r'-A\s+INPUT\s+-j\s+(DROP|REJECT)\b', line):
            drops = True
        if (line.startswith('-A') and SSH_PORT_RE.search(line)
                and re.search(r'-j\s+ACCEPT\b', line)):
            admits = True
    return drops, admits


def _nft_rules(text):
    text = text or ''
    drops = bool(re.search(r'hook\s+input\b[^}]*?policy\s+drop', text)
                 or re.search(r'hook\s+input\b[^}]*?^\s*(drop|reject)\s*$',
                              text, re.M))
    admits = bool(re.search(r'dport\s+(?:\{[^}]*\b(?:22|ssh)\b[^}]*\}|'
                            r'(?:22|ssh)\b)[^\n]*\baccept', text))
    return drops, admits


def _firewalld_rules(root):
    conf = keyvalue.read(root, '/etc/firewalld/firewalld.conf')
    zone = conf.get('DefaultZone') or 'public'
    path = first_existing(root, ['/etc/firewalld/zones/%s.xml' % zone,
                                 '/usr/lib/firewalld/zones/%s.xml' % zone])
    if not path:
        return None, None
    text = root.read_text(path) or ''
    if re.search(r'<zone[^>]*target="ACCEPT"', text):
        return False, True
    admits = bool(re.search(r'<service\s+name="ssh"', text)
                  or re.search(r'<port\s+[^>]*port="22"', text))
    return True, admits


def _ufw_rules(root):
    policy = keyvalue.read(root, '/etc/default/ufw').get(
        'DEFAULT_INPUT_POLICY', '')
    text = ''.join(root.read_text(p) or '' for p in (
        '/etc/ufw/user.rules', '/lib/ufw/user.rules'))
    admits = bool(re.search(r'--dport\s+22\b[^\n]*-j\s+ACCEPT', text))
    return policy.upper() in ('DROP', 'REJECT'), admits


IPTABLES_FILES = ('/etc/iptables/rules.v4', '/etc/sysconfig/iptables',
                  '/etc/iptables/iptables.rules')
NFT_FILES = ('/etc/nftables.conf', '/etc/sysconfig/nftables.conf')


def unreachable(facts, found):
    """(path, firewall) of an enabled firewall whose saved rules drop all
    input with no rule admitting SSH (port 22), else (None, None)."""
    root = facts.root
    for name, _ in found:
        base = name.split('.')[0]
        if base == 'ufw':
            drops, admits = _ufw_rules(root)
            files = ['/etc/default/ufw']
        elif base == 'firewalld':
            drops, admits = _firewalld_rules(root)
            files = ['/etc/firewalld/zones']
        else:
            files = [p for p in (NFT_FILES if base == 'nftables'
                                 else IPTABLES_FILES)
                     if root.read_text(p) is not None]
            if not files:
                continue
            parse = _nft_rules if base == 'nftables' else _iptables_rules
            drops, admits = parse(root.read_text(files[0]))
        if drops and not admits:
            return files[0], name
    return None, None


def fix_firewall(facts, result):
    changes = []
    root = facts.root
    for name, links in _firewalls(facts):
        if name == 'ufw':
            kv = keyvalue.read(root, UFW_CONF)
            kv.set('ENABLED', 'no', quote='')
            root.write_bytes(UFW_CONF, kv.text().encode())
            changes.append(model.Change(UFW_CONF, 'edited', 'ENABLED=no'))
            continue
        for link in links:
            if root.lstat(link) is None:  # seen under another name
                continue
            root.remove(link)
            changes.append(model.Change(link, 'removed', 'disables ' + name))
        # what "systemctl disable" also removes: Alias= links to the unit
        for alias in root.listdir('/etc/systemd/system'):
            path = '/etc/systemd/system/' + alias
            target = root.readlink(path)
            if (alias != name and target
                    and posixpath.basename(target) == name):
                root.remove(path)
                changes.append(model.Change(path, 'removed',
                                            'alias of ' + name))
    return changes


@registry.record(
    GROUP, 'linux.firewall', 'No guest firewall (security groups filter)',
    """An enabled firewall service (firewalld, iptables, ip6tables,
    nftables, netfilter-persistent, SuSEfirewall2, ferm, shorewall) or ufw
    with ``ENABLED=yes``: security groups already filter the traffic, and a
    guest firewall makes network problems hard to find (``warn``). A
    ``fail`` when its saved rules drop all input and no rule admits SSH
    (port 22: iptables-save files, ``nftables.conf``, firewalld's default
    zone, ufw's default policy and user rules): the instance is
    unreachable. The fix removes the enabling links (and ``Alias=`` links,
    as ``systemctl disable`` does) or sets ``ENABLED=no`` in
    ``/etc/ufw/ufw.conf``.""", fix=fix_firewall, fix_doc='fixed by disabling')
def check_firewall(facts):
    found = _firewalls(facts)
    if not found:
        return model.ok('', 'no firewall service enabled')
    names = quote_list(name for name, _ in found)
    path, name = unreachable(facts, found)
    if path:
        return model.fail(path, 'enabled: %s; its rules drop all input and '
                          'none admits SSH (port 22): instances are '
                          'unreachable' % names,
                          'disable it (systemctl disable; ufw: ENABLED=no) '
                          'or admit tcp port 22')
    return model.warn(quote_list(links[0] for _, links in found),
                      'enabled: %s; security groups already filter traffic '
                      'and a guest firewall makes network problems hard to '
                      'find' % names,
                      'disable it (systemctl disable; ufw: ENABLED=no)')
