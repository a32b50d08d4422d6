"""Facts about a guest that several checks share, read once from a root:
installed packages, enabled services, cloud-init's configuration.

A package counts as installed when the guest's package database says so
(dpkg's ``status``, rpm's ``rpmdb.sqlite``, pacman's ``local`` directory,
apk's ``installed``); when no database can be read (rpm's older Berkeley DB
format, a stripped tree) the component's files decide. A service counts as
enabled when systemd would start it (a link in a ``*.wants``/``*.requires``
directory, not masked), or a SysV ``S`` link or an OpenRC runlevel link
exists.
"""

import posixpath
import re
import sqlite3
import tempfile

import yaml

from osc_imagetools.guest import osinfo

SYSTEMD_DIRS = ('/etc/systemd/system', '/usr/lib/systemd/system',
                '/lib/systemd/system')
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
        self.fixed = set()  # ids of the checks fixed in this run
        self.proposed = {}  # properties proposed by the checks
        self.reset()

    def reset(self):
        self._packages = None
        self._links = None
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
    def _service_links(self):
        """{unit or script name: [paths of the links that enable it]}."""
        links = {}
        root = self.root
        for base in SYSTEMD_DIRS:
            # merged /usr: /lib/systemd/system is /usr/lib/systemd/system
            if base == '/lib/systemd/system' and root.is_link('/lib'):
                continue
            for d in root.listdir(base):
                if d.endswith(('.wants', '.requires')):
                    for name in root.listdir(posixpath.join(base, d)):
                        links.setdefault(name, []).append(
                            posixpath.join(base, d, name))
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

    def masked(self, unit):
        return any(self.root.readlink(posixpath.join(d, unit)) == '/dev/null'
                   for d in ('/etc/systemd/system', '/run/systemd/system'))

    def service_links(self, names):
        """Paths of the links that enable any of ``names`` ([] = none)."""
        if self._links is None:
            self._links = self._service_links()
        found = []
        for name in names:
            if '.' in name and self.masked(name):
                continue
            found += self._links.get(name, [])
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
