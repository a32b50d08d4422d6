"""Checks for every guest: the OS found and the properties it implies."""

from osc_imagetools.guest.checks import model
from osc_imagetools.guest.checks import registry
from osc_imagetools.guest.checks.util import quote_list

GROUP = registry.Group('All guests', registry.ALL_KINDS)


@registry.record(
    GROUP, 'guest.os', 'The operating system is recognised',
    """The OS found (``/etc/os-release``, ``/usr/lib/os-release``, then
    ``/etc/redhat-release`` or ``/etc/debian_version``; Windows and FreeBSD
    by their files) and the properties proposed from it. ``fail`` when
    nothing is recognised (no other check runs then); ``warn`` for a Linux
    distribution without a known libosinfo id, or when properties given by
    the user contradict the guest.""")
def check_os(facts):
    osi = facts.os
    if not osi.kind:
        return model.fail('', 'no operating system recognised (no '
                          '/etc/os-release, no Windows or FreeBSD files)',
                          'point at the root of the guest filesystem')
    props = osi.properties()
    detail = '%s: %s' % (osi.describe(), ' '.join(
        '%s=%s' % kv for kv in sorted(props.items())) or 'no properties')
    result = model.ok(osi.evidence, detail)
    if osi.kind == 'linux' and not osi.distro:
        result = model.warn(osi.evidence, detail + ' (os_distro unknown for '
                            'ID %r)' % osi.id,
                            'set os_distro yourself (libosinfo short id)')
    clashes = ['%s=%s (guest: %s)' % (k, facts.user_props[k], v)
               for k, v in sorted(props.items())
               if facts.user_props.get(k) not in (None, '', v)]
    if clashes:
        result = model.warn(osi.evidence, result.detail + '; given '
                            'properties disagree: ' + quote_list(clashes),
                            'check the properties given against the guest')
    return result
