"""Linux: booting - something to boot, the boot log on the serial
console, a fresh machine-id per instance."""

from osc_imagetools.guest.checks import bootcfg
from osc_imagetools.guest.checks import keyvalue
from osc_imagetools.guest.checks import model
from osc_imagetools.guest.checks import registry
from osc_imagetools.guest.checks.util import LINUX
from osc_imagetools.guest.checks.util import quote_list

GROUP = registry.Group('Linux: boot and console', LINUX)
MACHINE_ID = '/etc/machine-id'
# where the kernel looks for init (after init= on its command line): without
# one of them it falls back to /bin/sh, a systemd binary elsewhere is not
# enough
INITS = ('/sbin/init', '/etc/init', '/bin/init')
KERNEL_GLOBS = (('/boot', 'vmlinuz*'), ('/boot', 'vmlinux*'),
                ('/boot', 'kernel-*'), ('/', 'vmlinuz'),
                ('/boot/efi/EFI/Linux', '*.efi'), ('/efi/EFI/Linux', '*.efi'))
MODULES_DIRS = ('/usr/lib/modules', '/lib/modules')
LOADERS = ('/boot/grub/grub.cfg', '/boot/grub2/grub.cfg',
           '/boot/extlinux/extlinux.conf', '/boot/syslinux/syslinux.cfg',
           '/extlinux.conf', '/boot/efi/EFI/BOOT/BOOTX64.EFI',
           '/boot/efi/EFI/BOOT/BOOTAA64.EFI')
LOADER_DIRS = (('/boot/loader/entries', '*.conf'),
               ('/boot/efi/loader/entries', '*.conf'),
               ('/boot/efi/EFI', '*'))


def _kernels(root):
    found = []
    for d, pattern in KERNEL_GLOBS:
        found += [p for p in root.glob(d, pattern) if root.is_file(p)]
    for d in MODULES_DIRS:  # Fedora, Arch: the kernel beside its modules
        for version in root.listdir(d):
            path = '%s/%s/vmlinuz' % (d, version)
            if root.is_file(path):
                found.append(path)
    return found


def _loaders(root):
    found = [p for p in LOADERS if root.exists(p)]
    for d, pattern in LOADER_DIRS:
        found += root.glob(d, pattern)
    return found


@registry.record(
    GROUP, 'linux.bootable', 'There is something to boot',
    """An init where the kernel looks for one (``/sbin/init``,
    ``/etc/init``, ``/bin/init``: systemd-sysv's link), a kernel (``/boot/vmlinuz*``,
    ``/usr/lib/modules/*/vmlinuz``, a unified kernel image) and a boot
    loader configuration (``grub.cfg``, BootLoaderSpec entries, extlinux, an
    EFI boot loader). No init or no kernel is a ``fail``: the image does not
    boot (unless ``/boot`` is a filesystem of its own that the tree lacks:
    mount it inside the tree); a kernel without a boot loader a ``warn``
    (it boots only with the kernel given to Nova, ``kernel_id``).""")
def check_bootable(facts):
    root = facts.root
    init = next((p for p in INITS if root.exists(p)), None)
    kernels = _kernels(root)
    loaders = _loaders(root)
    missing = [what for what, ok in (('no init (%s)' % ', '.join(INITS),
                                      init), ('no kernel in /boot', kernels))
               if not ok]
    if missing:
        return model.fail(init or '/boot', 'not bootable: %s'
                          % quote_list(missing), 'install a kernel and an '
                          'init system (and a boot loader); if /boot is a '
                          'separate filesystem, mount it in the tree')
    if not loaders:
        return model.warn(kernels[0], 'a kernel but no boot loader '
                          'configuration: boots only with kernel_id',
                          'install a boot loader (grub) and generate its '
                          'configuration')
    return model.ok(loaders[0], 'init %s, kernel %s' % (init, kernels[0]))


# -- serial console -------------------------------------------------------------

def _has_serial(tokens):
    return any(t.startswith('console=ttyS0') for t in tokens)


def _edit_cmdline(kv, key, drop, add=()):
    """Set ``key`` in ``kv`` to its value without the tokens ``drop``
    selects, ``add`` appended; returns (old line, new line)."""
    n = kv.index(key)
    old = kv.lines[n]
    tokens = [t for t in kv.get(key).split() if not drop(t)]
    return old, kv.set(key, ' '.join(tokens + list(add)))


def _drop_console(token):
    return token.startswith('console=')


def _drop_console_rhgb(token):
    # the seed: remove "rhgb quiet", which hide the boot log
    return _drop_console(token) or token in ('rhgb', 'quiet')


REGEN = ('regenerate grub.cfg in the guest: update-grub (Debian/Ubuntu) or '
         'grub2-mkconfig -o /boot/grub2/grub.cfg')


def fix_serial_console(facts, result):
    root = facts.root
    want = facts.data['console_args']
    env, where, files = bootcfg.grub_defaults(root)
    if not files:
        raise model.NotFixable('no /etc/default/grub to edit: add %s to the '
                               'boot loader configuration by hand'
                               % ' '.join(want))
    tokens = (env.get('GRUB_CMDLINE_LINUX', '') + ' '
              + env.get('GRUB_CMDLINE_LINUX_DEFAULT', '')).split()
    if _has_serial(tokens):
        # only the generated grub.cfg is stale: editing
        # /etc/default/grub would change nothing
        raise model.NotFixable('/etc/default/grub already has '
                               'console=ttyS0; ' + REGEN)
    files_kv = {}
    changes = []
    path = where.get('GRUB_CMDLINE_LINUX', (bootcfg.DEFAULT_GRUB, None))[0]
    kv = files_kv.setdefault(path, keyvalue.read(root, path))
    if kv.index('GRUB_CMDLINE_LINUX') is None:
        new = kv.set('GRUB_CMDLINE_LINUX', ' '.join(want))
        changes.append(model.Change(path, 'edited', 'added ' + new))
    else:
        old, new = _edit_cmdline(kv, 'GRUB_CMDLINE_LINUX',
                                 _drop_console_rhgb, want)
        changes.append(model.Change(path, 'edited', '%s -> %s'
                                    % (old.strip(), new.strip())))
    # a console= in GRUB_CMDLINE_LINUX_DEFAULT comes later on the command
    # line and would take /dev/console back from ttyS0
    if 'GRUB_CMDLINE_LINUX_DEFAULT' in where:
        path = where['GRUB_CMDLINE_LINUX_DEFAULT'][0]
        kv = files_kv.setdefault(path, keyvalue.read(root, path))
        value = kv.get('GRUB_CMDLINE_LINUX_DEFAULT') or ''
        if any(_drop_console(t) for t in value.split()):
            old, new = _edit_cmdline(kv, 'GRUB_CMDLINE_LINUX_DEFAULT',
                                     _drop_console)
            changes.append(model.Change(path, 'edited', '%s -> %s'
                                        % (old.strip(), new.strip())))
    for path, kv in files_kv.items():
        root.write_bytes(path, kv.text().encode())
    return changes


@registry.record(
    GROUP, 'linux.serial-console', 'The boot log goes to the serial console',
    """The kernel command line has ``console=ttyS0``. Read from
    ``GRUB_CMDLINE_LINUX`` and ``GRUB_CMDLINE_LINUX_DEFAULT`` in
    ``/etc/default/grub`` and ``/etc/default/grub.d/*.cfg`` (sourced in that
    order), and from the ``linux`` lines of ``grub.cfg`` and the
    ``options`` of BootLoaderSpec entries (``$kernelopts`` from
    ``grubenv``). The fix replaces the ``console=`` arguments (and ``rhgb
    quiet``) of ``GRUB_CMDLINE_LINUX`` with ``console=tty0
    console=ttyS0,115200n8`` and drops ``console=`` from
    ``GRUB_CMDLINE_LINUX_DEFAULT`` (it would come last and take the console
    back); ``grub.cfg`` itself is generated, so the check then says it must
    be regenerated inside the guest (``update-grub``, ``grub2-mkconfig -o
    /boot/grub2/grub.cfg``, e.g. with ``virt-customize --run-command``).
    When only ``grub.cfg`` is stale (``/etc/default/grub`` already has
    ``console=ttyS0``) nothing is edited and the row stays ``warn``, saying
    that grub.cfg must be regenerated. Without ``/etc/default/grub`` nothing
    is changed.""", severity=model.WARN, fix=fix_serial_console,
    fix_doc='fixed in ``/etc/default/grub``')
def check_serial_console(facts):
    root = facts.root
    want = ' '.join(facts.data['console_args'])
    env, where, files = bootcfg.grub_defaults(root)
    boot = bootcfg.boot_lines(root)
    if not files and not boot:
        return model.na(bootcfg.DEFAULT_GRUB, 'no GRUB configuration found')
    stale = sorted({p for p, args in boot if not _has_serial(args.split())})
    if files:
        tokens = (env.get('GRUB_CMDLINE_LINUX', '') + ' '
                  + env.get('GRUB_CMDLINE_LINUX_DEFAULT', '')).split()
        if not _has_serial(tokens):
            path = where.get('GRUB_CMDLINE_LINUX',
                             (bootcfg.DEFAULT_GRUB, 0))[0]
            return model.warn(path, 'kernel command line lacks '
                              'console=ttyS0: no boot log in the console '
                              'log', 'add %s to GRUB_CMDLINE_LINUX, then %s'
                              % (want, REGEN))
        if stale:
            result = model.warn(quote_list(stale), '/etc/default/grub has '
                                'console=ttyS0 but %s does not'
                                % quote_list(stale), REGEN)
            # after a fix of /etc/default/grub, what is left is to
            # regenerate grub.cfg in the guest (the runner reads this only
            # after a fix)
            result.fixed_ok = True
            return result
        return model.ok(quote_list(files),
                        'console=ttyS0 on the kernel command line')
    if stale:
        return model.warn(quote_list(stale), 'kernel command line lacks '
                          'console=ttyS0 and there is no /etc/default/grub '
                          'to fix', 'add %s to the kernel command line'
                          % want)
    return model.ok(quote_list(sorted({p for p, _ in boot})),
                    'console=ttyS0 on the kernel command line')


def fix_machine_id(facts, result):
    facts.root.write_bytes(MACHINE_ID, b'')
    return [model.Change(MACHINE_ID, 'emptied')]


@registry.record(
    GROUP, 'linux.machine-id', 'No machine-id baked in',
    """A non-empty ``/etc/machine-id``: instances would share it (DHCP
    client id, journal). Emptied, not removed: an empty file is systemd's
    "first boot" signal.""", severity=model.WARN, fix=fix_machine_id,
    fix_doc='fixed by emptying it')
def check_machine_id(facts):
    text = facts.root.read_text(MACHINE_ID)
    if text is None:
        return model.ok(MACHINE_ID, 'absent')
    value = text.strip()
    if not value or value == 'uninitialized':
        return model.ok(MACHINE_ID, 'empty: generated at first boot')
    return model.warn(MACHINE_ID, 'set (%s): every instance would share it '
                      '(DHCP client id, journal)' % value[:12],
                      'empty the file (do not delete it)')
