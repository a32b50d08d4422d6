"""Linux: the agents the hypervisor talks to (ACPI, the QEMU guest
agent); the guest agent rule is shared with Windows and FreeBSD."""

from oslo_utils import strutils

from osc_imagetools.guest.checks import model
from osc_imagetools.guest.checks import registry
from osc_imagetools.guest.checks.util import first_existing
from osc_imagetools.guest.checks.util import LINUX

GROUP = registry.Group('Linux: agents', LINUX)
LOGIND = ('/usr/lib/systemd/systemd-logind', '/lib/systemd/systemd-logind')
QGA_DOC = """qemu-guest-agent installed; then ``hw_qemu_guest_agent=yes`` is
    proposed. ``fail`` when the user gives ``hw_qemu_guest_agent=yes`` and
    the agent is missing: Nova would wait for an agent that never
    answers."""


@registry.record(
    GROUP, 'linux.acpid', 'ACPI shutdown and reboot requests are acted on',
    """acpid installed and enabled, so that the hypervisor's ACPI shutdown
    and reboot requests are acted on; without it, ``pass`` when
    systemd-logind is there to handle the power button.""",
    severity=model.WARN)
def check_acpid(facts):
    ok, evidence = facts.installed('acpid')
    if ok:
        enabled, link = facts.service_enabled('acpid')
        if enabled:
            return model.ok(link, 'installed and enabled')
        return model.warn(evidence, 'installed but not enabled: ACPI '
                          'shutdown/reboot requests from the hypervisor may '
                          'be ignored', 'systemctl enable acpid')
    logind = first_existing(facts.root, LOGIND)
    if logind:
        return model.ok(logind, 'acpid not installed; systemd-logind '
                        'handles the ACPI power button')
    return model.warn(evidence, 'acpid not installed: ACPI shutdown/reboot '
                      'requests from the hypervisor may be ignored',
                      'install and enable acpid')


def guest_agent(facts, ok, evidence, hint):
    """The QEMU guest agent rule for every OS: propose
    hw_qemu_guest_agent=yes when installed, fail when the user asks for it
    and it is missing."""
    user = facts.user_props.get('hw_qemu_guest_agent')
    # an image property: read as Nova reads it (its FlexibleBooleanField
    # is oslo's bool_from_string), not as a guest config file's word
    wanted = user is not None and strutils.bool_from_string(user)
    if ok:
        if user is not None and not wanted:
            return model.ok(evidence, 'installed (hw_qemu_guest_agent=%s '
                            'given: not proposing yes)' % user)
        facts.proposed['hw_qemu_guest_agent'] = 'yes'
        return model.ok(evidence, 'installed: hw_qemu_guest_agent=yes')
    if wanted:
        return model.fail(evidence, 'hw_qemu_guest_agent=%s is given but the '
                          'guest agent is not installed: Nova would wait for '
                          'an agent that never answers (quiesced snapshots '
                          'fail)' % user,
                          '%s, or drop hw_qemu_guest_agent' % hint)
    return model.warn(evidence, 'not installed: hw_qemu_guest_agent stays '
                      'unset (no quiesced snapshots, no set-password)', hint)


@registry.record(GROUP, 'linux.qemu-guest-agent',
                 'The QEMU guest agent is installed', QGA_DOC,
                 severity=model.WARN)
def check_qga_linux(facts):
    ok, evidence = facts.installed('qemu-guest-agent')
    return guest_agent(facts, ok, evidence, 'install qemu-guest-agent')
