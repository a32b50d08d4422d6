"""FreeBSD: bsd-cloudinit, the loader's console and delay, sshd."""

from osc_imagetools.guest.checks import agents
from osc_imagetools.guest.checks import keyvalue
from osc_imagetools.guest.checks import model
from osc_imagetools.guest.checks import registry
from osc_imagetools.guest.checks.util import first_existing
from osc_imagetools.guest.checks.util import truthy

GROUP = registry.Group('FreeBSD', ('freebsd',))
RC_CONFS = ('/etc/rc.conf', '/etc/rc.conf.local', '/etc/rc.conf.d/sshd')


def _loader_conf(root, data):
    """({key: value}, {key: file that set it last}) from loader.conf and
    loader.conf.local (read after it)."""
    values, where = {}, {}
    base = data['freebsd']['loader_conf']
    for path in (base, base + '.local'):
        for key, value in keyvalue.read(root, path).as_dict().items():
            values[key] = value.strip()
            where[key] = path
    return values, where


@registry.record(
    GROUP, 'freebsd.cloud-init', 'bsd-cloudinit (or cloud-init) is installed',
    """bsd-cloudinit (as its installer leaves it, or started from
    ``/etc/rc.local``), the cloud-init port or nuageinit.""",
    severity=model.FAIL)
def check_bsd_cloudinit(facts):
    for item in facts.data['freebsd']['cloud_init']:
        hit = first_existing(facts.root, item['files'])
        if hit:
            return model.ok(hit, '%s installed' % item['name'])
    rc_local = facts.root.read_text('/etc/rc.local') or ''
    if 'bsd-cloudinit' in rc_local:
        return model.ok('/etc/rc.local', 'bsd-cloudinit started from '
                        'rc.local')
    return model.fail('', 'no bsd-cloudinit, cloud-init or nuageinit: no SSH '
                      'key or user data from the cloud',
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
        kv = keyvalue.read(root, path)
        kv.set(key, value)
        root.write_bytes(path, kv.text().encode())
        return [model.Change(path, 'edited', '%s="%s"' % (key, value))]
    return fixer


@registry.record(
    GROUP, 'freebsd.serial-console', 'The boot log goes to the serial console',
    """``console="comconsole,vidconsole"`` in ``/boot/loader.conf`` (or
    ``loader.conf.local``, read after it).""", severity=model.WARN,
    fix=_loader_fixer('console'), fix_doc='fixed')
def check_bsd_console(facts):
    values, where = _loader_conf(facts.root, facts.data)
    path = where.get('console', facts.data['freebsd']['loader_conf'])
    console = values.get('console', '')
    if 'comconsole' in console:
        return model.ok(path, 'console="%s"' % console)
    return model.warn(path, 'no comconsole: no boot log in the console log',
                      'set console="%s"' % facts.data['freebsd']['console'])


@registry.record(
    GROUP, 'freebsd.autoboot-delay', 'The loader does not wait at boot',
    """``autoboot_delay`` set (the fix sets ``"1"``), so that the loader menu
    does not wait ten seconds at every boot.""", severity=model.WARN,
    fix=_loader_fixer('autoboot_delay'), fix_doc='fixed')
def check_bsd_autoboot(facts):
    values, where = _loader_conf(facts.root, facts.data)
    path = where.get('autoboot_delay', facts.data['freebsd']['loader_conf'])
    if 'autoboot_delay' in values:
        return model.ok(path, 'autoboot_delay="%s"'
                        % values['autoboot_delay'])
    return model.warn(path, 'autoboot_delay not set: the loader menu waits '
                      '10 s at every boot', 'set autoboot_delay="%s"'
                      % facts.data['freebsd']['autoboot_delay'])


@registry.record(
    GROUP, 'freebsd.sshd', 'sshd is enabled',
    """``sshd_enable="YES"`` in ``/etc/rc.conf`` (``rc.conf.local``,
    ``rc.conf.d/sshd``).""", severity=model.FAIL)
def check_bsd_sshd(facts):
    value, path = None, RC_CONFS[0]
    for p in RC_CONFS:
        v = keyvalue.read(facts.root, p).get('sshd_enable')
        if v is not None:
            value, path = v, p
    if value and truthy(value):
        return model.ok(path, 'sshd_enable="%s"' % value)
    return model.fail(path, 'sshd is not enabled', 'sysrc sshd_enable=YES')


@registry.record(
    GROUP, 'freebsd.qemu-guest-agent', 'The QEMU guest agent is installed',
    """``qemu-ga`` installed, as for Linux.""", severity=model.WARN)
def check_qga_freebsd(facts):
    ok, evidence = facts.installed('qemu-guest-agent')
    return agents.guest_agent(facts, ok, evidence,
                              'pkg install qemu-guest-agent')
