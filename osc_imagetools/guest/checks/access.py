"""Linux: getting in - sshd running, keys only, no shared secrets."""

import posixpath

from osc_imagetools.guest import facts as facts_mod
from osc_imagetools.guest.checks import model
from osc_imagetools.guest.checks import registry
from osc_imagetools.guest.checks.util import LINUX
from osc_imagetools.guest.checks.util import truthy

GROUP = registry.Group('Linux: access and sshd', LINUX)
SSHD_CONFIG = '/etc/ssh/sshd_config'


@registry.record(
    GROUP, 'linux.sshd', 'sshd is installed and starts at boot',
    """openssh-server installed and enabled at boot as systemd itself
    computes it offline (``systemctl --root=DIR is-enabled``): a
    ``*.wants``/``*.requires`` link to ``ssh``/``sshd`` (service, alias or
    socket) and no mask; a SysV ``S`` link or an OpenRC runlevel link counts
    only where no systemd unit of that name exists (systemd ignores the
    SysV script of a native unit).""", severity=model.FAIL)
def check_sshd(facts):
    ok, evidence = facts.installed('openssh-server')
    if not ok:
        return model.fail(evidence, 'openssh-server is not installed',
                          'install openssh-server')
    enabled, link = facts.service_enabled('openssh-server')
    if not enabled:
        masked = [u for u in ('ssh.service', 'sshd.service')
                  if facts.masked(u)]
        return model.fail(facts.unit_fragment(masked[0]) if masked
                          else evidence,
                          'installed but %s' % ('masked (%s)' % masked[0]
                                                if masked else
                                                'not enabled at boot'),
                          'enable it: systemctl unmask/enable ssh '
                          '(Debian/Ubuntu) or sshd (RHEL, SUSE, Arch)')
    return model.ok(link, 'installed and enabled')


def _sshd_option(root, option, path=SSHD_CONFIG, seen=None):
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


@registry.record(
    GROUP, 'linux.ssh-password-auth', 'sshd refuses passwords',
    """``PasswordAuthentication yes`` where sshd takes it (the first value,
    ``Include`` expanded in place, ``Match`` blocks ignored), or not set
    (OpenSSH's default is yes) unless cloud-init's ``ssh_pwauth`` is
    false.""", severity=model.WARN)
def check_ssh_password(facts):
    if not facts.root.is_file(SSHD_CONFIG):
        return model.na(SSHD_CONFIG, 'no sshd_config')
    value, where = _sshd_option(facts.root, 'PasswordAuthentication')
    if value == 'no':
        return model.ok(where, 'PasswordAuthentication no')
    if value == 'yes':
        return model.warn(where, 'PasswordAuthentication yes: password '
                          'guessing against every instance',
                          'set PasswordAuthentication no')
    pwauth = facts.cloud_config()[0].get('ssh_pwauth')
    if (facts.installed('cloud-init')[0] and pwauth is not None
            and not truthy(pwauth) and pwauth != 'unchanged'):
        return model.ok(facts_mod.CLOUD_CFG, 'not set in sshd_config; '
                        'cloud-init sets it to no at boot (ssh_pwauth: '
                        'false)')
    return model.warn(SSHD_CONFIG, 'PasswordAuthentication not set: '
                      'OpenSSH\'s default is yes',
                      'set PasswordAuthentication no')


@registry.record(
    GROUP, 'linux.root-password', 'root has no password',
    """root has a password (or an empty one) in ``/etc/shadow``.""",
    severity=model.WARN)
def check_root_password(facts):
    shadow = facts.root.read_text('/etc/shadow')
    if shadow is None:
        return model.na('/etc/shadow', 'no /etc/shadow')
    for line in shadow.splitlines():
        fields = line.split(':')
        if fields[0] == 'root' and len(fields) > 1:
            pw = fields[1]
            if pw == '':
                return model.warn('/etc/shadow', 'root has an empty '
                                  'password', 'lock it: passwd -l root')
            if pw[:1] in ('!', '*') or pw == 'x':
                return model.ok('/etc/shadow', 'root is locked')
            return model.warn('/etc/shadow', 'root has a password: whoever '
                              'knows it logs in on every instance\'s '
                              'console', 'lock it (passwd -l root); log in '
                              'with SSH keys')
    return model.ok('/etc/shadow', 'no root entry')


def _ssh_host_keys(root):
    return root.glob('/etc/ssh', 'ssh_host_*')


def fix_ssh_host_keys(facts, result):
    regen = facts.installed('cloud-init')[0] or facts.installed(
        'sshd-keygen')[0]
    if not regen:
        raise model.NotFixable('kept: nothing in the guest would create new '
                               'keys at boot (no cloud-init, no sshd-keygen) '
                               'and sshd would not start')
    changes = []
    for path in _ssh_host_keys(facts.root):
        facts.root.remove(path)
        changes.append(model.Change(path, 'removed'))
    return changes


@registry.record(
    GROUP, 'linux.ssh-host-keys', 'No SSH host keys baked in',
    """``/etc/ssh/ssh_host_*`` files: every instance would have the same
    host keys. They are removed only when something creates new ones at
    first boot (cloud-init, or sshd-keygen on the RHEL family); otherwise
    they are kept and the row says why (sshd would not start).""",
    severity=model.WARN, fix=fix_ssh_host_keys,
    fix_doc='fixed by removing them')
def check_ssh_host_keys(facts):
    keys = _ssh_host_keys(facts.root)
    if not keys:
        return model.ok('/etc/ssh', 'no SSH host keys')
    return model.warn('/etc/ssh', '%d host key file(s): every instance '
                      'would have the same host keys' % len(keys),
                      'remove /etc/ssh/ssh_host_* (new ones are made at '
                      'first boot)')
