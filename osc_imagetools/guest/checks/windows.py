"""Windows: cloudbase-init and the VirtIO drivers. Found by the presence
of files, compared case-insensitively."""

import configparser
import posixpath

from osc_imagetools.guest.checks import agents
from osc_imagetools.guest.checks import model
from osc_imagetools.guest.checks import registry
from osc_imagetools.guest.checks.util import quote_list

GROUP = registry.Group('Windows', ('windows',), """Found by the presence of
files, compared case-insensitively.""")


def _cloudbase_dir(facts):
    for d in facts.data['windows']['cloudbase_init_dirs']:
        real = facts.root.find_nocase(d)
        if real:
            return real
    return None


@registry.record(
    GROUP, 'windows.cloudbase-init', 'cloudbase-init is installed',
    """``Program Files\\Cloudbase Solutions\\Cloudbase-Init`` exists.""",
    severity=model.FAIL)
def check_cloudbase_init(facts):
    d = _cloudbase_dir(facts)
    if not d:
        return model.fail(facts.data['windows']['cloudbase_init_dirs'][0],
                          'cloudbase-init is not installed: no password, SSH '
                          'key or user data from the cloud',
                          'install Cloudbase-Init (run Sysprep from its '
                          'installer)')
    return model.ok(d, 'installed')


@registry.record(
    GROUP, 'windows.cloudbase-init-config',
    'cloudbase-init reads OpenStack\'s metadata',
    """``conf\\cloudbase-init.conf`` exists and, when it sets
    ``metadata_services``, lists an OpenStack one (``HttpService``,
    ``ConfigDriveService`` or ``EC2Service``).""", severity=model.FAIL)
def check_cloudbase_config(facts):
    d = _cloudbase_dir(facts)
    if not d:
        return model.na('', 'cloudbase-init is not installed')
    want = posixpath.join(d, facts.data['windows']['cloudbase_init_conf'])
    path = facts.root.find_nocase(want)
    text = facts.root.read_text(path) if path else None
    if text is None:
        return model.fail(want, 'no cloudbase-init.conf',
                          'reinstall Cloudbase-Init or write its conf file')
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    try:
        parser.read_string(text.lstrip('\ufeff'))
    except configparser.Error as exc:
        return model.fail(path, 'cannot parse: %s'
                          % str(exc).splitlines()[0], 'fix the file')
    services = parser.defaults().get('metadata_services')
    if not services:
        return model.ok(path, 'configured (default metadata services)')
    listed = [s.strip() for s in services.split(',') if s.strip()]
    good = [s for s in listed if any(s.endswith(w) for w in
                                     facts.data['windows']['metadata_services'])]
    if good:
        return model.ok(path, 'metadata_services: %s'
                        % quote_list(s.rsplit('.', 1)[-1] for s in good))
    return model.fail(path, 'metadata_services lists no OpenStack service '
                      '(%s)' % quote_list(listed),
                      'add cloudbaseinit.metadata.services.httpservice.'
                      'HttpService and ...configdrive.ConfigDriveService')


def _drivers(facts, names):
    store = facts.root.find_nocase(facts.data['windows']['driver_store'])
    if not store:
        return None, facts.data['windows']['driver_store']
    for entry in facts.root.listdir(store):
        low = entry.lower()
        if any(low.startswith(n + '.inf_') for n in names):
            return posixpath.join(store, entry), store
    return None, store


@registry.record(
    GROUP, 'windows.virtio-storage', 'The VirtIO storage driver is there',
    """A ``viostor`` or ``vioscsi`` driver in
    ``Windows\\System32\\DriverStore\\FileRepository``; without one the guest
    does not boot from a virtio disk (or set ``hw_disk_bus=ide``,
    slowly).""", severity=model.FAIL)
def check_virtio_storage(facts):
    names = facts.data['windows']['storage_drivers']
    hit, store = _drivers(facts, names)
    if hit:
        return model.ok(hit, 'in the driver store')
    return model.fail(store, 'no %s driver: the guest cannot boot from a '
                      'virtio disk (blue screen)' % ' or '.join(names),
                      'install the VirtIO storage driver (pnputil -i -a '
                      'viostor\\...\\*.inf), or set hw_disk_bus=ide (slow)')


@registry.record(
    GROUP, 'windows.virtio-network', 'The VirtIO network driver is there',
    """A ``netkvm`` driver in the driver store.""", severity=model.FAIL)
def check_virtio_network(facts):
    names = facts.data['windows']['network_drivers']
    hit, store = _drivers(facts, names)
    if hit:
        return model.ok(hit, 'in the driver store')
    return model.fail(store, 'no %s driver: no network on a virtio NIC'
                      % ' or '.join(names),
                      'install the VirtIO network driver (NetKVM), or set '
                      'hw_vif_model=e1000')


@registry.record(
    GROUP, 'windows.qemu-guest-agent', 'The QEMU guest agent is installed',
    """``Program Files\\Qemu-ga\\qemu-ga.exe``, as for Linux.""",
    severity=model.WARN)
def check_qga_windows(facts):
    paths = facts.data['windows']['guest_agent']
    hit = next((p for p in (facts.root.find_nocase(x) for x in paths) if p),
               None)
    return agents.guest_agent(facts, bool(hit), hit or paths[0],
                              'install the QEMU guest agent from virtio-win')
