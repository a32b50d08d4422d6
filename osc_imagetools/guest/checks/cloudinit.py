"""Linux: cloud-init, the component that takes the SSH key, the user data
and the hostname from the cloud, and what it needs to do so."""

from osc_imagetools.guest import facts as facts_mod
from osc_imagetools.guest.checks import bootcfg
from osc_imagetools.guest.checks import model
from osc_imagetools.guest.checks import registry
from osc_imagetools.guest.checks.util import LINUX
from osc_imagetools.guest.checks.util import quote_list

GROUP = registry.Group('Linux: cloud-init', LINUX)
DISABLED_MARKER = '/etc/cloud/cloud-init.disabled'


def _cmdline_switch(root):
    """(file, 'enabled'/'disabled') of the last ``cloud-init=`` on a
    kernel command line the guest boots with, else (None, None); cloud-init's
    generator reads the last one."""
    hit = (None, None)
    for path, tokens in bootcfg.kernel_cmdlines(root):
        values = [t.split('=', 1)[1] for t in tokens
                  if t.startswith('cloud-init=')]
        if values and (hit[1] != 'disabled' or values[-1] == 'disabled'):
            hit = (path, values[-1])
    return hit


def disabled_by(facts):
    """(path, why) of what keeps an installed cloud-init from running, as
    its systemd generator decides (the kernel command line's
    ``cloud-init=`` first, then the marker file) and as systemd enables its
    units; (None, None) when nothing does."""
    root = facts.root
    path, switch = _cmdline_switch(root)
    if switch == 'disabled':
        return path, 'cloud-init=disabled on the kernel command line'
    if switch != 'enabled' and root.lstat(DISABLED_MARKER) is not None:
        return DISABLED_MARKER, 'disabled by this marker file'
    for unit in facts.data['cloud_init_units']:
        state, where = facts.unit_state(unit)
        if state in ('masked', 'disabled'):
            return where, '%s is %s: systemd does not start it' % (
                unit, state)
    return None, None


@registry.record(
    GROUP, 'linux.cloud-init', 'cloud-init is installed and runs at boot',
    """cloud-init installed (package database, else ``/usr/bin/cloud-init``)
    and not disabled: not by ``cloud-init=disabled`` on a kernel command
    line (``grub.cfg``, BootLoaderSpec entries, ``GRUB_CMDLINE_LINUX*``),
    not by the ``/etc/cloud/cloud-init.disabled`` marker (unless the
    command line says ``cloud-init=enabled``), not by masked or disabled
    systemd units (``cloud-init-local``, ``cloud-init``/``cloud-init-network``,
    ``cloud-config``, ``cloud-final``, where installed). Without
    it no SSH key, user data or hostname reaches the instance.""",
    severity=model.FAIL)
def check_cloud_init(facts):
    ok, evidence = facts.installed('cloud-init')
    if not ok:
        return model.fail(evidence, 'cloud-init is not installed: no SSH '
                          'key, user data or hostname from the cloud',
                          'install the cloud-init package')
    path, why = disabled_by(facts)
    if path:
        return model.fail(path, 'cloud-init is installed but %s' % why,
                          'enable it: remove %s, cloud-init=disabled from '
                          'the kernel command line, systemctl unmask/enable '
                          'its units' % DISABLED_MARKER)
    return model.ok(evidence, 'installed')


@registry.record(
    GROUP, 'linux.cloud-init-datasources',
    'cloud-init looks for OpenStack\'s metadata',
    """The effective ``datasource_list`` (``/etc/cloud/cloud.cfg``, then
    ``cloud.cfg.d/*.cfg`` in order, the last one wins) includes
    ``OpenStack``, ``ConfigDrive`` or ``Ec2``; not set means all datasources
    are probed. A file that is not valid YAML is a ``warn``.""",
    severity=model.FAIL)
def check_datasources(facts):
    if not facts.installed('cloud-init')[0]:
        return model.na('', 'cloud-init is not installed')
    wanted = facts.data['openstack_datasources']
    _, _, errors = facts.cloud_config()
    path, value = facts.last_setting('datasource_list')
    if errors:
        return model.warn(errors[0][0], 'cannot parse '
                          + quote_list(e for _, e in errors),
                          'fix the YAML syntax')
    if value is None:
        return model.ok(facts_mod.CLOUD_CFG,
                        'datasource_list not set: cloud-init tries all of '
                        'its datasources, %s included' % quote_list(wanted))
    if isinstance(value, str):
        value = [v.strip() for v in value.strip('[]').split(',')]
    listed = [str(v) for v in value or []]
    if any(d in listed for d in wanted):
        return model.ok(path, 'datasource_list: %s' % quote_list(listed))
    return model.fail(path, 'datasource_list [%s] has none of %s: instances '
                      'get no metadata' % (quote_list(listed),
                                           quote_list(wanted)),
                      'add OpenStack and ConfigDrive to datasource_list in '
                      '%s (Debian/Ubuntu: dpkg-reconfigure cloud-init)'
                      % path)


@registry.record(
    GROUP, 'linux.growpart', 'The root partition grows to the flavor\'s disk',
    """``cloud-utils-growpart`` (RHEL family), ``cloud-guest-utils`` or
    ``cloud-initramfs-growroot`` (Debian family) so that the root partition
    grows to the flavor's disk size.""", severity=model.WARN)
def check_growpart(facts):
    ok, evidence = facts.installed('growpart')
    if ok:
        return model.ok(evidence, 'installed')
    names = {'debian': 'cloud-guest-utils or cloud-initramfs-growroot',
             'rhel': 'cloud-utils-growpart'}.get(facts.os.family,
                                                 'growpart (cloud-utils)')
    return model.warn(evidence, 'no growpart/growroot: the root partition '
                      'will not grow to the flavor\'s disk size',
                      'install %s' % names)


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


@registry.record(
    GROUP, 'linux.default-user', 'cloud-init creates a login user',
    """The login user cloud-init will create (``system_info.default_user``,
    ``users``); ``warn`` when there is none. The distro's usual name
    (``ubuntu``, ``debian``, ``fedora``, ``centos``, ``cloud-user``,
    ``rocky``...) is mentioned when the image uses another one.""",
    severity=model.WARN)
def check_default_user(facts):
    if not facts.installed('cloud-init')[0]:
        return model.na(facts_mod.CLOUD_CFG, 'cloud-init is not installed')
    cfg, parts, _ = facts.cloud_config()
    names, default = _login_users(cfg)
    path = (facts.last_setting('users')[0]
            or facts.last_setting('system_info')[0] or facts_mod.CLOUD_CFG)
    if not names:
        return model.warn(path, 'cloud-init creates no login user: the SSH '
                          'key has nowhere to go', 'set system_info.'
                          'default_user.name in /etc/cloud/cloud.cfg')
    detail = 'cloud-init login user: %s' % quote_list(names)
    usual = facts.data['default_users'].get(facts.os.distro)
    if usual and usual not in names:
        detail += " (this distro's cloud images use %r)" % usual
    return model.ok(path, detail)
