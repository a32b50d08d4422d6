"""Small helpers shared by the check groups."""

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
