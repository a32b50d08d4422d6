"""How Nova reads an image's properties, as data.

What an operator hits at boot is Nova's ``ImageMeta.from_dict()`` after
its Glance layer (``nova.image.glance._convert_from_string``): a value it
cannot read refuses the image ("Invalid image metadata"), and a boolean it
does not recognise silently reads as false. The table of what Nova reads
(``data/nova-values.yaml``) is generated from Nova itself by
``tools/gen-nova-table``; this module applies it without importing Nova
(Nova is a test requirement, never a runtime one).

:meth:`NovaTable.read` says, for one property, whether Nova reads it and
how: as written (``READ``, with what it reads), not at all (``REFUSED``:
the image does not boot), or as something else than written (``MISREAD``:
a boolean ``enabled`` is false, a ``trait:X=Required`` is ignored).
:meth:`NovaTable.check_set` adds what depends on the other properties
(``hw_numa_cpus.N`` is read only up to the first missing index; an old
name is overridden by its new name).

The readers below are written by hand because Nova's own cannot be
imported at runtime; each names the Nova code it mirrors, and the
differential test (tests/unit/validation/test_nova_oracle.py) compares
them with Nova on generated values.
"""

import collections
import json
import re
import uuid

from oslo_utils import strutils

from osc_imagetools.validation import values

RULE = 'nova-value'
RULE_OS_DISTRO = 'os-distro-value'
DATA_FILE = 'nova-values.yaml'
KNOWN_FILE = 'known-properties.yaml'

READ = 'read'
REFUSED = 'refused'
MISREAD = 'misread'

Reading = collections.namedtuple('Reading', 'outcome shown message')
Reading.__doc__ = """What Nova does with one property value.

``outcome``: READ, REFUSED, MISREAD, or None when Nova does not read the
property; ``shown``: what Nova reads (text, for READ and a MISREAD
boolean); ``message``: why
(REFUSED, MISREAD), or a remark about a value Nova reads (READ, maybe
None)."""

NOT_READ = Reading(None, None, None)
_BOOL_STRINGS = '/'.join(strutils.TRUE_STRINGS) + ' or ' + '/'.join(
    strutils.FALSE_STRINGS)
_JSON_SCALARS = (str, int, float, type(None))  # bool is an int


def _load(name):
    import importlib.resources

    import yaml
    ref = importlib.resources.files('osc_imagetools').joinpath('data', name)
    return yaml.safe_load(ref.read_text(encoding='utf-8'))


def load_table():
    """The built-in table (package data, generated from Nova)."""
    return _load(DATA_FILE)


def load_known():
    return _load(KNOWN_FILE)


def parse_cpu_spec(spec):
    """``"0-3,^2"`` -> ``{0, 1, 3}``; ValueError as Nova's
    ``nova.virt.hardware.parse_cpu_spec`` raises ``Invalid``."""
    include, exclude = set(), set()
    for rule in spec.split(','):
        rule = rule.strip()
        if not rule:
            continue
        parts = rule.split('-', 1)
        if len(parts) > 1:
            reject = parts[0][:1] == '^'
            if reject:
                parts[0] = parts[0][1:]
            try:
                start, end = [int(p.strip()) for p in parts]
            except ValueError:
                raise ValueError('invalid range %r' % rule) from None
            if start > end:
                raise ValueError('invalid range %r' % rule)
            (exclude if reject else include).update(range(start, end + 1))
        elif rule[0] == '^':
            try:
                exclude.add(int(rule[1:].strip()))
            except ValueError:
                raise ValueError('invalid exclusion %r' % rule) from None
        else:
            try:
                include.add(int(rule))
            except ValueError:
                raise ValueError('invalid CPU %r' % rule) from None
    return include - exclude


def _list_of_dicts(data):
    """Problem text, or None when oslo.versionedobjects'
    List(Dict(String(), nullable=True)) takes ``data`` (JSON-decoded)."""
    if not isinstance(data, list):
        return 'a list is required, not %s' % _json_type(data)
    for item in data:
        if not isinstance(item, dict):
            return 'each item must be an object, not %s' % _json_type(item)
        for key, val in item.items():
            if not isinstance(val, _JSON_SCALARS):
                return 'the value of %r must be a string or null, not %s' % (
                    key, _json_type(val))
    return None


def _json_type(data):
    return {dict: 'an object', list: 'a list', str: 'a string',
            type(None): 'null', bool: 'a boolean'}.get(
                type(data), 'a number')


class NovaTable:
    """The generated table plus the hand-written known names."""

    def __init__(self, table=None, known=None):
        table = load_table() if table is None else table
        known = load_known() if known is None else known
        self.version = table.get('nova_version', '?')
        self.who = 'Nova %s' % self.version
        self.fields = dict(table.get('properties') or {})
        self.legacy = dict(table.get('legacy_names') or {})
        self.json_names = frozenset(table.get('glance_json_properties') or ())
        self.max_nodes = int(table.get('max_nodes') or 0)
        self.trait_prefix = table.get('trait_prefix') or 'trait:'
        self.trait_value = table.get('trait_value') or 'required'
        self.adapter = table.get('vmware_adaptertype') or {}
        self.per_node = sorted(n for n, e in self.fields.items()
                               if e.get('type') == 'per-node')
        self._node_key = re.compile(r'(%s)\.(.*)\Z' % '|'.join(
            re.escape(n) for n in self.per_node)) if self.per_node else None
        self.known = frozenset((known or {}).get('known') or ())
        self.os_distro = (known or {}).get('os_distro') or {}

    # -- names -------------------------------------------------------------
    def names(self):
        """Every plain name Nova (or a neighbour) is known to read."""
        out = set(self.fields) | set(self.legacy) | self.known
        if self.adapter:
            out.add('vmware_adaptertype')
        return out

    def node_key(self, name):
        """``(family, index text)`` of ``hw_numa_cpus.3``, or None."""
        m = self._node_key.match(name) if self._node_key else None
        return (m.group(1), m.group(2)) if m else None

    def reads(self, name):
        """Nova reads ``name`` (maybe to ignore its value)."""
        return (name in self.fields or name in self.legacy
                or (name == 'vmware_adaptertype' and bool(self.adapter))
                or name.startswith(self.trait_prefix)
                or self.node_key(name) is not None)

    def is_known(self, name):
        return name in self.known or self.reads(name)

    def near_miss(self, name):
        """A remark on a name Nova does not read but looks meant for it
        (None otherwise)."""
        plural = self.trait_prefix.rstrip(':') + 's:'
        if name.startswith(plural):
            # glance's OS::Compute::VTPM namespace spells image traits so
            return ('%s does not read %s: it reads an image trait from '
                    '%s%s=%s' % (self.who, name, self.trait_prefix,
                                 name[len(plural):], self.trait_value))
        return None

    # -- one property --------------------------------------------------------
    def read(self, name, value):
        """The :class:`Reading` of string ``value`` of ``name`` alone."""
        if not isinstance(value, str):
            return NOT_READ
        if name in self.legacy:
            target = self.legacy[name]
            return self._read_entry(name, self.fields[target], value,
                                    json_ok=name in self.json_names,
                                    target=target)
        if name in self.fields:
            entry = self.fields[name]
            kind = entry.get('type')
            if kind == 'per-node':
                return Reading(MISREAD, None, (
                    '%s does not read %s: it reads %s.0, %s.1, ... (one per '
                    'NUMA node)' % (self.who, name, name, name)))
            if kind == 'traits':
                return Reading(MISREAD, None, (
                    '%s does not read %s from an image: give each trait as '
                    '%sNAME=%s' % (self.who, name, self.trait_prefix,
                                   self.trait_value)))
            return self._read_entry(name, entry, value,
                                    json_ok=name in self.json_names)
        if name == 'vmware_adaptertype' and self.adapter:
            return self._read_adapter(value)
        if name.startswith(self.trait_prefix):
            return self._read_trait(name, value)
        node = self.node_key(name)
        if node is not None:
            return self._read_node(name, node[0], value)
        return NOT_READ

    def _read_entry(self, name, entry, value, json_ok=False, target=None):
        kind = entry.get('type')
        what = name if target is None else '%s (read as %s)' % (name, target)
        if kind == 'enum':
            return self._read_enum(what, entry, value)
        if kind == 'integer':
            return self._read_int(what, value)
        if kind == 'boolean':
            return self._read_bool(what, value)
        if kind == 'uuid':
            try:
                uuid.UUID(value)
            except ValueError:
                return Reading(READ, repr(value), (
                    '%r is not a UUID: %s accepts it for %s with a '
                    'deprecation warning (oslo.versionedobjects will refuse '
                    'it)' % (value, self.who, what)))
            return Reading(READ, repr(value), None)
        if kind == 'version-predicate':
            from oslo_utils import versionutils
            try:
                versionutils.VersionPredicate(value)
            except ValueError as exc:
                return Reading(REFUSED, None, (
                    '%s refuses %r for %s: not a version predicate such as '
                    "'>=2.6' or '>=1.0,<2.0' (%s)"
                    % (self.who, value, what, exc)))
            return Reading(READ, repr(value), None)
        if kind == 'list-of-dicts':
            return self._read_list(what, value, json_ok)
        return Reading(READ, repr(value), None)  # string, or a kind unknown

    def _read_enum(self, what, entry, value):
        allowed = [str(v) for v in entry.get('values') or ()]
        key = value.lower() if entry.get('ignore_case') else value
        key = (entry.get('aliases') or {}).get(key, key)
        if key in allowed:
            return Reading(READ, repr(key), None)
        msg = '%s refuses %r for %s: it accepts %s' % (
            self.who, value, what, values.enum_text(allowed))
        hint = values.suggest(value.strip().replace('_', '-'), allowed) \
            or values.suggest(value.strip().replace('-', '_'), allowed) \
            or values.suggest(value, allowed)
        if hint is not None:
            msg += "; did you mean '%s'?" % hint
        return Reading(REFUSED, None, msg)

    def _read_int(self, what, value):
        try:
            number = int(value)  # Nova: oslo.versionedobjects Integer
        except ValueError:
            return Reading(REFUSED, None, (
                '%s refuses %r for %s: not an integer' % (
                    self.who, value, what)))
        return Reading(READ, str(number), None)

    def _read_bool(self, what, value):
        try:
            flag = strutils.bool_from_string(value, strict=True)
        except ValueError:
            return Reading(MISREAD, 'false', (
                '%s reads %s as a boolean: %r is none of %s, so Nova reads '
                'it as false' % (self.who, what, value, _BOOL_STRINGS)))
        return Reading(READ, 'true' if flag else 'false', None)

    def _read_list(self, what, value, json_ok):
        if not json_ok:
            return Reading(REFUSED, None, (
                '%s refuses every value of %s stored in Glance: it wants a '
                'list, and its Glance layer decodes JSON only for %s'
                % (self.who, what, ', '.join(sorted(self.json_names)))))
        try:
            data = json.loads(value)
        except ValueError:
            return Reading(REFUSED, None, (
                '%s refuses %s: its value is not JSON (it wants a JSON list '
                'of objects)' % (self.who, what)))
        problem = _list_of_dicts(data)
        if problem:
            return Reading(REFUSED, None, '%s refuses %s: %s' % (
                self.who, what, problem))
        return Reading(READ, value, None)

    def _read_adapter(self, value):
        if value == '':
            return Reading(READ, 'nothing', None)
        if value == 'ide':  # compared as written, before any lower()
            return Reading(READ, "%s='ide'" % self.adapter.get(
                'ide', 'hw_disk_bus'), None)
        model = self.adapter.get('other', 'hw_scsi_model')
        got = self._read_enum('vmware_adaptertype (read as %s)' % model,
                              self.fields[model], value)
        if got.outcome == READ:
            return Reading(READ, '%s=%s' % (model, got.shown), None)
        return got

    def _read_trait(self, name, value):
        if value == self.trait_value:
            return Reading(READ, 'a required trait', None)
        msg = ('%s ignores %s=%r: it reads an image trait only when the '
               'value is exactly %r' % (self.who, name, value,
                                        self.trait_value))
        return Reading(MISREAD, None, msg)

    def _read_node(self, name, family, value):
        entry = self.fields[family]
        if entry.get('node_type') == 'cpu-set':
            try:
                cpus = parse_cpu_spec(value)
            except ValueError as exc:
                return Reading(REFUSED, None, (
                    '%s refuses %s=%r: not a CPU set such as 0-3,^2 (%s)'
                    % (self.who, name, value, exc)))
            return Reading(READ, 'CPUs %s' % (sorted(cpus) or 'none'), None)
        return self._read_int(name, value)

    # -- the whole set -------------------------------------------------------
    def check_set(self, props):
        """``{name: Reading}`` for the properties whose reading depends on
        the others (they replace :meth:`read`'s)."""
        out = {}
        self._check_nodes(props, out)
        for old, new in self.legacy.items():
            if old in props and new in props:
                before = self.read(old, props[old])
                after = self.read(new, props[new])
                if before.outcome == READ and after.outcome != REFUSED \
                        and before.shown != after.shown:
                    out[old] = Reading(MISREAD, None, (
                        '%s ignores %s=%r: %s=%r, its newer name, is also '
                        'set and wins' % (self.who, old, props[old], new,
                                          props[new])))
        return out

    def _check_nodes(self, props, out):
        for family in self.per_node:
            read_up_to = 0
            while (read_up_to < self.max_nodes
                   and '%s.%d' % (family, read_up_to) in props):
                read_up_to += 1
            for name in props:
                node = self.node_key(name)
                if node is None or node[0] != family:
                    continue
                index = node[1]
                if index.isdigit() and index.isascii() and \
                        str(int(index)) == index and int(index) < read_up_to:
                    continue  # read: read() decides on its value
                if index.isdigit() and index.isascii() and \
                        str(int(index)) == index:
                    if int(index) >= self.max_nodes:
                        why = 'it reads at most %d nodes' % self.max_nodes
                    else:
                        why = ('it reads %s.0, %s.1, ... up to the first '
                               'missing index, and %s.%d is not set'
                               % (family, family, family, read_up_to))
                else:
                    why = ('node indexes are written 0, 1, 2, ... '
                           '(%s.%s is not one)' % (family, index))
                out[name] = Reading(MISREAD, None, '%s ignores %s: %s' % (
                    self.who, name, why))

    # -- os_distro vocabulary -------------------------------------------------
    def check_os_distro(self, value):
        """A message when ``value`` is outside os_distro's vocabulary."""
        allowed = self.os_distro.get('values') or ()
        if not allowed or not isinstance(value, str) or value in allowed:
            return None
        key = value.lower()
        canonical = (self.os_distro.get('aliases') or {}).get(key) or (
            key if key in allowed else None)
        if canonical is not None:
            return ("%r is not a name the os_distro vocabulary uses; write "
                    "'%s'" % (value, canonical))
        msg = ('%r is not in the os_distro vocabulary (%s); Nova reads any '
               'text, but tools matching on os_distro will not know it'
               % (value, values.enum_text(list(allowed))))
        hint = values.suggest(value, allowed)
        if hint is not None:
            msg += "; did you mean '%s'?" % hint
        return msg
