"""Field-level differences for the ``Detail`` column of ``metadef sync``.

Compares two normalised values (:mod:`osc_imagetools.metadef.normalize`:
the cloud's and the file's) and says which fields differ, old -> new, in
one short line. Written by hand: a generic JSON diff library would report
list positions (``enum[3]``), while what an operator wants to read here is
which enum values or required names were added or removed.
"""

import json

# A value longer than this is cut (descriptions run to hundreds of
# characters; the full text is in the file and the export).
MAX_VALUE = 40
NONE = '(none)'


def _text(value):
    if value is None:
        return NONE
    text = json.dumps(value, sort_keys=True, ensure_ascii=False)
    if len(text) > MAX_VALUE:
        text = text[:MAX_VALUE - 3] + '...'
    return text


def _is_set_like(old, new):
    """Lists of scalars (enum values, required names, tags): compared as
    sets of added and removed values."""
    return all(isinstance(v, list) and all(
        not isinstance(x, (dict, list)) for x in v) for v in (old, new))


def _walk(old, new, path, out):
    if old == new:
        return
    if isinstance(old, dict) and isinstance(new, dict):
        for key in sorted(set(old) | set(new)):
            _walk(old.get(key), new.get(key), path + (str(key),), out)
        return
    where = '.'.join(path) or 'value'
    if _is_set_like(old, new):
        added = [v for v in new if v not in old]
        removed = [v for v in old if v not in new]
        parts = ['+%s' % _text(v) for v in added]
        parts += ['-%s' % _text(v) for v in removed]
        if not parts:  # same values, another order
            parts = ['order %s -> %s' % (_text(old), _text(new))]
        out.append('%s: %s' % (where, ' '.join(parts)))
        return
    if isinstance(old, dict) and new is None:
        out.append('%s: removed' % where)
    elif old is None and isinstance(new, dict):
        out.append('%s: added' % where)
    else:
        out.append('%s: %s -> %s' % (where, _text(old), _text(new)))


def describe(old, new):
    """``'field: old -> new; other: +"added" -"removed"'`` for what
    differs between ``old`` (the cloud) and ``new`` (the file)."""
    out = []
    _walk(old, new, (), out)
    return '; '.join(out)
