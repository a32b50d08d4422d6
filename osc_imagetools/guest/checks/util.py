"""Small helpers shared by the check groups."""

# The words a guest's own config files take for "on" (cloud-init's
# is_true: true/1/on/yes; FreeBSD rc.subr's checkyesno: yes/true/on/1,
# any case), plus "y" as before. Not oslo.utils' bool_from_string, which
# also takes "t": for a guest file that would report enabled what the
# guest leaves off. Image properties are read with bool_from_string, as
# Nova reads them (checks/agents.py).
TRUE_WORDS = ('yes', 'true', '1', 'on', 'y')
LINUX = ('linux',)


def meaningful_lines(text):
    return [ln for ln in (text or '').splitlines()
            if ln.strip() and not ln.lstrip().startswith('#')]


def quote_list(items):
    return ', '.join(str(i) for i in items)


def truthy(value):
    return str(value).strip().lower() in TRUE_WORDS


def first_existing(root, paths):
    return next((p for p in paths if root.lstat(p) is not None), None)
