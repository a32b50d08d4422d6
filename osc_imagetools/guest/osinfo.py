"""Which OS is in the guest, and what the image properties should say.

Linux: ``/etc/os-release`` (or ``/usr/lib/os-release``, its standard
fallback), then the older ``/etc/redhat-release`` / ``/etc/debian_version``.
Windows and FreeBSD: marker files (``Windows/System32/...``,
``/bin/freebsd-version``), compared case-insensitively for Windows. What
libguestfs' own inspection found (image files only) fills the gaps, e.g.
the Windows version, which lives in the registry.

The proposals: ``os_type`` (``linux`` or ``windows``, the two values Nova
acts on; none for FreeBSD), ``os_distro`` (libosinfo's vocabulary, from
``data/guest-checks.yaml``; none for an unknown distro rather than a guess)
and ``os_version`` (``VERSION_ID``: ``22.04``, ``12``, ``9.3``).
"""

import dataclasses
import re
import shlex


@dataclasses.dataclass
class OSInfo:
    kind: str = None      # 'linux', 'windows', 'freebsd' or None (unknown)
    id: str = None        # os-release ID ('ubuntu'), 'windows', 'freebsd'
    family: str = None    # 'debian', 'rhel', 'suse', 'arch', ... or None
    name: str = None      # human name ('Ubuntu 22.04.3 LTS')
    version: str = None   # os_version proposal
    distro: str = None    # os_distro proposal
    evidence: str = ''    # the file the detection rests on

    @property
    def os_type(self):
        return self.kind if self.kind in ('linux', 'windows') else None

    def properties(self):
        props = {'os_type': self.os_type, 'os_distro': self.distro,
                 'os_version': self.version}
        return {k: v for k, v in props.items() if v}

    def describe(self):
        if not self.kind:
            return 'unknown OS'
        return self.name or self.id or self.kind


def parse_os_release(text):
    """``KEY=value`` lines with shell quoting, as os-release(5) defines."""
    out = {}
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith('#') or '=' not in line:
            continue
        key, _, value = line.partition('=')
        try:
            words = shlex.split(value)
        except ValueError:
            words = [value.strip('"\'')]
        out[key.strip()] = ' '.join(words)
    return out


def family_of(ids, data):
    for word in ids:
        for family, members in data['families'].items():
            if word in members:
                return family
    return None


def _windows(root, data, info):
    marker = next((p for p in (root.find_nocase(m)
                               for m in data['windows']['markers']) if p),
                  None)
    if not marker and info.get('type') != 'windows':
        return None
    osi = OSInfo(kind='windows', id='windows', family='windows',
                 distro=data['os_distro'].get('windows'),
                 evidence=marker or '')
    osi.name = info.get('product') or 'Windows'
    if info.get('major'):
        osi.version = '%s.%s' % (info['major'], info.get('minor', '0'))
    return osi


def _freebsd(root, data, release):
    if release.get('ID') == 'freebsd':
        evidence = '/etc/os-release'
    else:
        evidence = next((m for m in data['freebsd']['markers']
                         if root.exists(m)), None)
        if not evidence:
            return None
    osi = OSInfo(kind='freebsd', id='freebsd', family='freebsd',
                 distro=data['os_distro'].get('freebsd'), evidence=evidence)
    # /bin/freebsd-version is a script: USERLAND_VERSION="13.2-RELEASE-p4"
    text = root.read_text('/bin/freebsd-version') or ''
    m = re.search(r'USERLAND_VERSION="?(\d+)\.(\d+)', text)
    version = release.get('VERSION_ID')
    if m:
        version = '%s.%s' % m.groups()
    osi.version = version
    osi.name = 'FreeBSD %s' % version if version else 'FreeBSD'
    return osi


def _linux_fallback(root):
    """(release dict, evidence) from pre-os-release files."""
    text = root.read_text('/etc/redhat-release')
    if text:
        m = re.match(r'\s*(.*?) (?:Linux )?release (\d+(?:\.\d+)?)', text)
        if m:
            name = m.group(1).lower()
            rid = ('centos' if 'centos' in name else
                   'fedora' if 'fedora' in name else
                   'rocky' if 'rocky' in name else
                   'almalinux' if 'alma' in name else 'rhel')
            return ({'ID': rid, 'VERSION_ID': m.group(2),
                     'PRETTY_NAME': text.strip()}, '/etc/redhat-release')
    text = root.read_text('/etc/debian_version')
    if text:
        version = text.strip()
        release = {'ID': 'debian', 'PRETTY_NAME': 'Debian ' + version}
        if re.match(r'\d+(\.\d+)?$', version):
            release['VERSION_ID'] = version.split('.')[0]
        return release, '/etc/debian_version'
    return None, None


def detect(root, data):
    """The :class:`OSInfo` of the guest in ``root``."""
    info = root.inspection()
    osi = _windows(root, data, info)
    if osi:
        return osi
    release, evidence = {}, None
    for path in ('/etc/os-release', '/usr/lib/os-release'):
        text = root.read_text(path)
        if text:
            release, evidence = parse_os_release(text), path
            break
    osi = _freebsd(root, data, release)
    if osi:
        return osi
    if not release:
        release, evidence = _linux_fallback(root)
    if not release:
        if root.is_file('/etc/passwd') and (root.is_dir('/usr/bin')
                                            or root.is_dir('/bin')):
            return OSInfo(kind='linux', name='unknown Linux',
                          evidence='/etc/passwd')
        return OSInfo()
    rid = release.get('ID', '').lower() or None
    like = release.get('ID_LIKE', '').lower().split()
    osi = OSInfo(kind='linux', id=rid, evidence=evidence)
    osi.family = family_of([rid] + like, data)
    osi.name = (release.get('PRETTY_NAME') or release.get('NAME') or rid)
    osi.distro = data['os_distro'].get(rid)
    osi.version = release.get('VERSION_ID') or None
    return osi
