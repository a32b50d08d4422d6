"""Values Nova accepts for image properties the catalog leaves open.

The table is data (``osc_imagetools/data/nova-values.yaml``); see its
header for the format and sources. Findings are warnings (rule
``nova-value``): Nova may reject the value at boot time, or silently read
it otherwise (a boolean it does not recognise is false to Nova).
"""

import re

from osc_imagetools.validation import values

RULE = 'nova-value'
DATA_FILE = 'nova-values.yaml'


def load_table():
    """The built-in table (package data)."""
    import importlib.resources

    import yaml
    ref = importlib.resources.files('osc_imagetools').joinpath(
        'data', DATA_FILE)
    return yaml.safe_load(ref.read_text(encoding='utf-8'))


class NovaValues:

    def __init__(self, table=None):
        table = load_table() if table is None else table
        self.properties = dict(table.get('properties') or {})
        self.known = frozenset(table.get('known') or ())
        self.patterns = [(re.compile(p['pattern']), p)
                         for p in table.get('patterns') or ()]

    def names(self):
        """Every plain name Nova (or a neighbour) is known to read."""
        return set(self.properties) | self.known

    def definition(self, name):
        if name in self.properties:
            return self.properties[name]
        for regex, entry in self.patterns:
            if regex.fullmatch(name):
                return entry
        return None

    def is_known(self, name):
        return name in self.known or self.definition(name) is not None

    def check(self, name, value):
        """Messages (maybe none) about string ``value`` of ``name``."""
        entry = self.definition(name)
        if entry is None or not isinstance(value, str):
            return []
        enum = [str(v) for v in entry.get('enum') or ()]
        if enum:
            return self._check_enum(name, value, entry, enum)
        type_name = entry.get('type', 'string')
        try:
            values.to_type(value, type_name)
        except values.TypeMismatch as exc:
            then = {'boolean': 'Nova would read it as false',
                    'integer': 'Nova cannot read it'}.get(type_name, '')
            return ['Nova reads %s as %s %s: %s%s' % (
                name, 'an' if type_name[0] in 'aeiou' else 'a', type_name,
                exc, '; ' + then if then else '')]
        return []

    def _check_enum(self, name, value, entry, enum):
        if value in enum:
            return []
        key = value.lower() if entry.get('ignore_case') else value
        aliases = entry.get('aliases') or {}
        canonical = aliases.get(key) or (key if key in enum else None)
        if canonical is not None:
            return ["%r is not a name Nova uses for %s; write '%s'"
                    % (value, name, canonical)]
        msg = '%r is not one of the values Nova accepts for %s: %s' % (
            value, name, values.enum_text(enum))
        hint = values.suggest(value, enum)
        if hint is not None:
            msg += "; did you mean '%s'?" % hint
        return [msg]
