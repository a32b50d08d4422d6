"""Facts about a guest that several checks share, read once from a root:
installed packages, enabled services, cloud-init's configuration.

A package counts as installed when the guest's package database says so
(dpkg's ``status``, rpm's ``rpmdb.sqlite``, pacman's ``local`` directory,
apk's ``installed``); when no database can be read (rpm's older Berkeley DB
format, a stripped tree) the component's files decide. A service counts as
enabled when systemd would start it, as ``systemctl --root=DIR is-enabled``
computes it (masks, ``*.wants``/``*.requires`` links, aliases; a socket
unit counts for its service), or, where no systemd unit of that name
exists, when a SysV ``S`` link or an OpenRC runlevel link does.
"""

import posixpath
import re
import sqlite3
import tempfile

import yaml

from osc_imagetools.guest import osinfo

# systemd's unit search path (system manager, offline: no generators)
UNIT_PATH = ('/etc/systemd/system', '/run/systemd/system',
             '/usr/local/lib/systemd/system', '/usr/lib/systemd/system',
             '/lib/systemd/system')
CONFIG_UNIT_DIRS = ('/etc/systemd/system', '/run/systemd/system')
WANTS_SUFFIXES = ('.wants', '.requires', '.upholds')
SYSV_DIRS = ('/etc/rc2.d', '/etc/rc3.d', '/etc/rc5.d', '/etc/rc.d/rc3.d',
             '/etc/rc.d/rc5.d')
OPENRC_DIRS = ('/etc/runlevels/default', '/etc/runlevels/boot')
CLOUD_CFG = '/etc/cloud/cloud.cfg'
CLOUD_CFG_D = '/etc/cloud/cloud.cfg.d'


def _rpm_names(data):
    """Package names in an rpm sqlite database (rpm >= 4.16): its ``Name``
    index table has one row per installed package.

    sqlite3 needs a file; ``immutable=1`` reads it even in WAL mode without
    a ``-wal``/``-shm`` file beside it (``deserialize()`` cannot)."""
    with tempfile.NamedTemporaryFile(suffix='.sqlite') as f:
        f.write(data)
        f.flush()
        con = sqlite3.connect('file:%s?immutable=1' % f.name, uri=True)
        try:
            return {row[0] if isinstance(row[0], str)
                    else row[0].decode('utf-8', 'replace')
                    for row in con.execute('SELECT key FROM Name')}
        finally:
            con.close()


def _dpkg_names(text):
    names = set()
    for stanza in re.split(r'\n\s*\n', text):
        fields = dict(re.findall(r'^([A-Za-z-]+):[ \t]*(.*)$', stanza, re.M))
        status = fields.get('Status', '').split()
        if fields.get('Package') and status[-1:] == ['installed']:
            names.add(fields['Package'])
    return names


def deep_merge(base, over):
    """cloud-init's merge of its configuration files: dictionaries merge
    key by key, anything else is replaced by the later file."""
    out = dict(base)
    for key, value in over.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = deep_merge(out[key], value)
        else:
            out[key] = value
    return out


class Facts:
    """Everything the checks read, computed lazily and cached; :meth:`reset`
    after a fix changed the guest."""

    def __init__(self, root, data, user_props=None):
        self.root = root
        self.data = data
        self.user_props = dict(user_props or {})
        self.os = osinfo.detect(root, data)
        self.proposed = {}  # properties proposed by the checks
        self.reset()

    def reset(self):
        self._packages = None
        self._links = None
        self._sysv = None
        self._cloud = None

    # -- packages ----------------------------------------------------------
    def packages(self):
        """(set of installed package names, database path) or (None, None)."""
        if self._packages is None:
            self._packages = self._read_packages()
        return self._packages

    def _read_packages(self):
        root, dbs = self.root, self.data['package_databases']
        text = root.read_text(dbs['dpkg'])
        if text:
            return _dpkg_names(text), dbs['dpkg']
        for path in dbs['rpm']:
            data = root.read_bytes(path)
            if data:
                try:
                    return _rpm_names(data), path
                except sqlite3.Error:
                    continue
        names = root.listdir(dbs['pacman'])
        if names:
            # <name>-<version>-<release>
            return {n.rsplit('-', 2)[0] for n in names}, dbs['pacman']
        text = root.read_text(dbs['apk'])
        if text:
            return set(re.findall(r'^P:(\S+)', text, re.M)), dbs['apk']
        return None, None

    def installed(self, component):
        """(True/False, evidence path) for a component of the data file."""
        spec = self.data['components'][component]
        names, db = self.packages()
        wanted = list(spec.get('packages', {}).get('any', []))
        if self.os.family:
            wanted += spec.get('packages', {}).get(self.os.family, [])
        else:
            for more in spec.get('packages', {}).values():
                wanted += more
        if names is not None:
            hit = next((p for p in wanted if p in names), None)
            if hit:
                return True, '%s (%s)' % (db, hit)
        for path in spec.get('files', []):
            if self.root.exists(path):
                return True, path
        return False, db or ''

    # -- services ----------------------------------------------------------
    # What systemd itself computes offline (``systemctl --root=DIR
    # is-enabled``), written here because the runtime cannot run the
    # guest's systemctl (an image through libguestfs, a tree of another
    # distribution): the first file of a unit's name in the unit search
    # path is its fragment; a link to /dev/null (or an empty file) there is
    # a mask; a link to a unit of another name makes it an alias; the unit
    # is enabled when a *.wants/*.requires/*.upholds link names it (or an
    # alias of it). systemd-sysv-generator turns a SysV script into a unit
    # only where no native unit of that name exists, so SysV and OpenRC
    # links count only then.
    def _unit_dirs(self):
        root = self.root
        out = []
        for base in UNIT_PATH:
            # merged /usr: /lib/systemd/system is /usr/lib/systemd/system
            if base.startswith('/lib/') and root.is_link('/lib'):
                continue
            out.append(base)
        return out

    def unit_fragment(self, unit):
        """Guest path of the first file or link called ``unit`` in the
        unit search path, or None."""
        for base in self._unit_dirs():
            path = posixpath.join(base, unit)
            if self.root.lstat(path) is not None:
                return path
        return None

    def masked(self, unit):
        path = self.unit_fragment(unit)
        if path is None:
            return False
        if self.root.readlink(path) == '/dev/null':
            return True
        st = self.root.stat(path)
        return st is not None and st.kind == 'file' and st.size == 0

    def _wants_links(self):
        """{unit name: [paths of the *.wants/... links naming it]} and
        {link name: target basename} of the unit symlinks in /etc and
        /run."""
        links, aliases = {}, {}
        root = self.root
        for base in self._unit_dirs():
            for d in root.listdir(base):
                path = posixpath.join(base, d)
                if d.endswith(WANTS_SUFFIXES):
                    for name in root.listdir(path):
                        links.setdefault(name, []).append(
                            posixpath.join(path, name))
                elif base in CONFIG_UNIT_DIRS:
                    # Alias= links that "systemctl enable" made (read in
                    # /etc and /run only: one readlink per entry is one
                    # round trip through libguestfs)
                    target = root.readlink(path)
                    if target and target != '/dev/null':
                        aliases.setdefault(d, posixpath.basename(target))
        return links, aliases

    def _sysv_links(self):
        links = {}
        root = self.root
        for base in SYSV_DIRS:
            for name in root.listdir(base):
                m = re.match(r'S\d\d(.+)$', name)
                if m:
                    links.setdefault(m.group(1), []).append(
                        posixpath.join(base, name))
        for base in OPENRC_DIRS:
            for name in root.listdir(base):
                links.setdefault(name, []).append(posixpath.join(base, name))
        return links

    def _install_section(self, path):
        """Keys of the [Install] section of the unit file ``path``."""
        keys, inside = set(), False
        for line in (self.root.read_text(path) or '').splitlines():
            line = line.strip()
            if line.startswith('['):
                inside = line == '[Install]'
            elif inside and '=' in line and not line.startswith(('#', ';')):
                key, value = line.split('=', 1)
                if value.strip():
                    keys.add(key.strip())
        return keys

    def unit_state(self, unit):
        """(state, evidence path): the word ``systemctl --root
        is-enabled`` prints for the systemd unit ``unit`` (``enabled``,
        ``disabled``, ``static``, ``masked``, ``alias``, ``not-found``).
        Like systemctl, an alias link in /etc counts as ``enabled``, though
        it starts nothing: :meth:`unit_starts` says what does."""
        state, path, _ = self._unit_state(unit)
        return state, path

    def unit_starts(self, unit):
        """(True/False, evidence path): whether systemd starts ``unit`` at
        boot - a *.wants/*.requires link names it or an alias of it, in
        /etc or the vendor directories, and it is not masked (an alias
        counts as its unit)."""
        state, path, wanted = self._unit_state(unit)
        if state == 'alias':
            real = posixpath.basename(self.root.readlink(path))
            state, path, wanted = self._unit_state(real)
        if state == 'masked' or not wanted:
            return False, path
        return True, wanted

    def _unit_state(self, unit):
        """(systemctl's word, evidence path, first wants link or None)."""
        if self._links is None:
            self._links = self._wants_links()
        links, aliases = self._links
        path = self.unit_fragment(unit)
        if path is None:
            return 'not-found', '', None
        if self.masked(unit):
            return 'masked', path, None
        target = self.root.readlink(path)
        if target and posixpath.basename(target) != unit:
            real = posixpath.basename(target)
            if self.masked(real):  # an alias of a masked unit
                return 'masked', self.unit_fragment(real), None
            return 'alias', path, None
        names = {unit} | {a for a, t in aliases.items() if t == unit}
        if '@.' in unit:  # a template: its instances' links enable it
            prefix, suffix = unit.split('@', 1)
            names |= {n for n in links if n.startswith(prefix + '@')
                      and n.endswith(suffix)}
        wanted = [link for name in sorted(names)
                  for link in links.get(name, [])]
        config = [link for link in wanted
                  if link.startswith(CONFIG_UNIT_DIRS)]
        first = (config or wanted or [None])[0]
        if config:
            return 'enabled', config[0], first
        # an alias link in /etc: systemctl calls that enabled too
        for name in sorted(names - {unit}):
            alias = self.unit_fragment(name)
            if alias and alias.startswith(CONFIG_UNIT_DIRS):
                return 'enabled', alias, first
        keys = self._install_section(path)
        if keys & {'WantedBy', 'RequiredBy', 'UpheldBy', 'Alias', 'Also'}:
            return 'disabled', path, first
        return 'static', path, first

    def service_links(self, names):
        """Paths of what starts any of ``names`` at boot ([] = nothing):
        a unit name (``ssh.service``) as systemd computes it (an alias
        counts as its unit), a bare name (``ssh``) as a SysV or OpenRC
        script where no systemd unit of that name exists or masks it."""
        if self._links is None:
            self._links = self._wants_links()
        if self._sysv is None:
            self._sysv = self._sysv_links()
        found = []
        for name in names:
            if '.' in name:
                starts, path = self.unit_starts(name)
                if starts:
                    found.append(path)
            elif self.unit_fragment(name + '.service') is None:
                found += self._sysv.get(name, [])
        return found

    def service_enabled(self, component):
        spec = self.data['components'][component]
        links = self.service_links(spec.get('services', []))
        return bool(links), (links[0] if links else '')

    # -- cloud-init configuration -----------------------------------------
    def cloud_config(self):
        """(merged configuration, [(file, its own dict)], [(file, error)])
        of
        ``/etc/cloud/cloud.cfg`` and ``cloud.cfg.d/*.cfg`` in cloud-init's
        order (later files win)."""
        if self._cloud is None:
            files = [CLOUD_CFG] + sorted(self.root.glob(CLOUD_CFG_D, '*.cfg'))
            merged, parts, errors = {}, [], []
            for path in files:
                text = self.root.read_text(path)
                if text is None:
                    continue
                try:
                    cfg = yaml.safe_load(text) or {}
                except yaml.YAMLError as exc:
                    mark = getattr(exc, 'problem_mark', None)
                    where = ' line %d' % (mark.line + 1) if mark else ''
                    errors.append((path, '%s%s: %s' % (
                        path, where, getattr(exc, 'problem', None) or exc)))
                    continue
                if not isinstance(cfg, dict):
                    errors.append((path, '%s: not a mapping' % path))
                    continue
                parts.append((path, cfg))
                merged = deep_merge(merged, cfg)
            self._cloud = (merged, parts, errors)
        return self._cloud

    def last_setting(self, key):
        """(file, value) of the last cloud-init file that sets ``key``."""
        hit = (None, None)
        for path, cfg in self.cloud_config()[1]:
            if key in cfg:
                hit = (path, cfg[key])
        return hit
