"""The guest's boot configuration as the checks read it: GRUB's defaults
(``/etc/default/grub`` and ``grub.d/*.cfg``), the kernel command lines
GRUB boots (``linux`` lines of grub.cfg, BootLoaderSpec entries), and
the tests for a kernel, a boot loader and an init."""

import re

from osc_imagetools.guest.checks import keyvalue

DEFAULT_GRUB = '/etc/default/grub'
GRUB_D = '/etc/default/grub.d'
GRUB_CFGS = ('/boot/grub/grub.cfg', '/boot/grub2/grub.cfg')
BLS_DIR = '/boot/loader/entries'
GRUBENV = '/boot/grub2/grubenv'
CMDLINE_KEYS = ('GRUB_CMDLINE_LINUX', 'GRUB_CMDLINE_LINUX_DEFAULT')
LINUX_RE = re.compile(r'^\s*linux(?:16|efi)?\s+\S+\s*(.*)$')


def _expand(value, env):
    return re.sub(r'\$\{?(\w+)\}?', lambda m: env.get(m.group(1), ''), value)


def grub_defaults(root):
    """Effective GRUB_CMDLINE_LINUX[_DEFAULT] from /etc/default/grub and
    grub.d/*.cfg (sourced after it): ({name: value}, {name: (file, line
    index)} of the last assignment, [files read])."""
    env, where, files = {}, {}, []
    for path in [DEFAULT_GRUB] + sorted(root.glob(GRUB_D, '*.cfg')):
        text = root.read_text(path)
        if text is None:
            continue
        files.append(path)
        for n, key, value in keyvalue.KeyValueFile(text).assignments():
            if key in CMDLINE_KEYS:
                env[key] = _expand(value, env)
                where[key] = (path, n)
    return env, where, files


def boot_lines(root):
    """[(file, kernel arguments)] of grub.cfg ``linux`` lines and BLS
    ``options`` lines (``$kernelopts`` from grubenv)."""
    out = []
    for path in GRUB_CFGS:
        for line in (root.read_text(path) or '').splitlines():
            m = LINUX_RE.match(line)
            if m:
                out.append((path, m.group(1)))
    kernelopts = ''
    for line in (root.read_text(GRUBENV) or '').splitlines():
        if line.startswith('kernelopts='):
            kernelopts = line.split('=', 1)[1]
    for path in root.glob(BLS_DIR, '*.conf'):
        for line in (root.read_text(path) or '').splitlines():
            if line.startswith('options'):
                args = line[len('options'):].replace('$kernelopts',
                                                     kernelopts)
                out.append((path, args))
    return out


def kernel_cmdlines(root):
    """[(file, [tokens])]: every kernel command line the guest may boot
    with - the generated ones (grub.cfg, BLS entries) and the one
    /etc/default/grub asks for (update-grub would write it)."""
    out = [(path, args.split()) for path, args in boot_lines(root)]
    env, where, files = grub_defaults(root)
    if files:
        tokens = (env.get('GRUB_CMDLINE_LINUX', '') + ' '
                  + env.get('GRUB_CMDLINE_LINUX_DEFAULT', '')).split()
        path = where.get('GRUB_CMDLINE_LINUX',
                         where.get('GRUB_CMDLINE_LINUX_DEFAULT',
                                   (files[0], 0)))[0]
        out.append((path, tokens))
    return out
