"""Properties against the live image schema (``GET /v2/schemas/image``).

The schema decides everything that varies between clouds - the core
attributes and their types, the disk/container format enums, lengths,
which attributes are read-only, the type of custom values
(``additionalProperties``) - and jsonschema applies it (Draft 4, as Glance
does). What the schema cannot say is Glance's own code, checked here with
the status Glance would answer:

* read-only attributes given by the user (403);
* reserved ``os_glance*`` keys (403);
* custom keys longer than 255 characters (400);
* more custom properties than the quota (``image_property_quota``, 413).

User input is text (``--property min_disk=10``), so a string given for a
core attribute of another type is read as that type first (``"10"`` ->
10, ``"true"`` -> True, ``"a,b"`` -> ``['a', 'b']`` for an array); a string
that cannot be read so is reported as a type error. Images read from the
cloud are Glance's JSON and are checked as they are.
"""

import collections
import json
import re

import jsonschema

from osc_imagetools.validation import values

Issue = collections.namedtuple('Issue', 'property value rule message')

RESERVED_PREFIX = 'os_glance'
MAX_KEY_LENGTH = 255
DEFAULT_QUOTA = 128

RULE_READ_ONLY = 'read-only'
RULE_RESERVED = 'reserved-key'
RULE_KEY_LENGTH = 'key-too-long'
RULE_NOT_STRING = 'not-a-string'
RULE_QUOTA = 'property-quota'
RULE_TYPE = 'schema-type'
RULE_ENUM = 'schema-enum'
RULE_LENGTH = 'schema-length'
RULE_PATTERN = 'schema-pattern'
RULE_OTHER = 'schema'

RULES = (RULE_READ_ONLY, RULE_RESERVED, RULE_KEY_LENGTH, RULE_NOT_STRING,
         RULE_QUOTA, RULE_TYPE, RULE_ENUM, RULE_LENGTH, RULE_PATTERN,
         RULE_OTHER)

_MEMBER_KEYWORDS = ('properties', 'patternProperties',
                    'additionalProperties')
_JSON_TYPES = {'NoneType': 'null', 'bool': 'a boolean', 'int': 'a number',
               'float': 'a number', 'list': 'a list', 'dict': 'a mapping'}
_RULE_OF = {'type': RULE_TYPE, 'enum': RULE_ENUM, 'maxLength': RULE_LENGTH,
            'minLength': RULE_LENGTH, 'pattern': RULE_PATTERN}


def _types(definition):
    t = definition.get('type', [])
    return [t] if isinstance(t, str) else list(t)


class SchemaChecker:
    """Checks property sets against one image schema."""

    def __init__(self, schema, quota=DEFAULT_QUOTA):
        self.schema = schema
        self.core = dict(schema.get('properties') or {})
        self.read_only = frozenset(
            k for k, v in self.core.items() if v.get('readOnly'))
        self.quota = quota
        # jsonschema applies "properties", "patternProperties" and
        # "additionalProperties" member by member; doing the same here lets
        # the result for a (name, value) pair be reused across images,
        # while any other top-level keyword still sees the whole object.
        self.patterns = [(re.compile(p), sub) for p, sub in
                         (schema.get('patternProperties') or {}).items()]
        self.additional = schema.get('additionalProperties', {})
        self.object_validator = jsonschema.Draft4Validator(
            {k: v for k, v in schema.items() if k not in _MEMBER_KEYWORDS})
        self._validators = {}
        self._cache = {}

    def is_core(self, name):
        return name in self.core

    def _coerce(self, name, value):
        """A user's string for core attribute ``name`` read as its type
        (unchanged when it cannot be: jsonschema then reports it)."""
        if not isinstance(value, str):
            return value
        types = _types(self.core[name])
        if 'string' in types:
            return value
        if value == '' and 'null' in types:
            return None
        for t in types:
            if t == 'array':
                return [v.strip() for v in value.split(',') if v.strip()]
            if t in ('integer', 'number', 'boolean'):
                try:
                    return values.to_type(value, t)
                except values.TypeMismatch:
                    continue
        return value

    def check(self, props, stored=False):
        """Issues of ``props``; ``stored`` means Glance's JSON of an
        existing image (server-set attributes and keys are expected)."""
        issues = []
        instance = {}
        extra = 0
        for name, value in props.items():
            if name in self.core:
                if name in self.read_only and not stored:
                    issues.append(Issue(
                        name, value, RULE_READ_ONLY,
                        '%s is read-only: Glance sets it and refuses it '
                        'from users (403)' % name))
                    continue
                instance[name] = value if stored else self._coerce(name,
                                                                   value)
                continue
            extra += 1
            if name.startswith(RESERVED_PREFIX):
                if not stored:
                    issues.append(Issue(
                        name, value, RULE_RESERVED,
                        "keys starting with '%s' are reserved for Glance "
                        '(403)' % RESERVED_PREFIX))
                continue
            if len(name) > MAX_KEY_LENGTH:
                issues.append(Issue(
                    name, value, RULE_KEY_LENGTH,
                    'the key is %d characters long; Glance accepts at most '
                    '%d (400)' % (len(name), MAX_KEY_LENGTH)))
                continue
            instance[name] = value
        for name, value in instance.items():
            issues.extend(self._member_issues(name, value))
        for err in self.object_validator.iter_errors(instance):
            issues.append(self._issue(err, instance))
        if self.quota is not None and 0 <= self.quota < extra:
            issues.append(Issue(
                '', extra, RULE_QUOTA,
                '%d custom properties: more than the quota of %d '
                '(Glance answers 413)' % (extra, self.quota)))
        return issues

    def _member_schemas(self, name):
        if name not in self._validators:
            subs = []
            if name in self.core:
                subs.append(self.core[name])
            subs += [sub for regex, sub in self.patterns if regex.search(name)]
            if not subs:
                subs.append(self.additional)
            self._validators[name] = [
                None if sub is False else jsonschema.Draft4Validator(
                    {} if sub is True else sub) for sub in subs]
        return self._validators[name]

    def _member_issues(self, name, value):
        if isinstance(value, str):
            key = (name, True, value)
        else:  # JSON text of another type: never equal to a string key
            try:
                key = (name, False, json.dumps(value, sort_keys=True))
            except (TypeError, ValueError):
                key = None
        if key is not None and key in self._cache:
            return self._cache[key]
        out = []
        for validator in self._member_schemas(name):
            if validator is None:
                out.append(Issue(name, value, RULE_OTHER,
                                 'this cloud allows no property %s' % name))
                continue
            for err in validator.iter_errors(value):
                err.path.appendleft(name)
                out.append(self._issue(err, {name: value}))
        if key is not None:
            self._cache[key] = out
        return out

    def _issue(self, err, instance):
        path = list(err.absolute_path)
        name = path[0] if path else ''
        value = instance.get(name, err.instance) if name else err.instance
        if name and name not in self.core:
            # additionalProperties: Glance stores custom values as strings
            if err.validator == 'type':
                return Issue(name, value, RULE_NOT_STRING,
                             'custom property values must be strings; got '
                             '%s (write it in quotes)'
                             % _JSON_TYPES.get(type(err.instance).__name__,
                                               type(err.instance).__name__))
            return Issue(name, value, _RULE_OF.get(err.validator, RULE_OTHER),
                         ' '.join(err.message.split()))
        rule = _RULE_OF.get(err.validator, RULE_OTHER)
        if err.validator == 'enum':
            allowed = [v for v in err.validator_value if v is not None]
            msg = '%r is not one of the values this cloud accepts: %s' % (
                err.instance, values.enum_text(allowed))
            hint = values.suggest(err.instance, allowed)
            if hint is not None:
                msg += "; did you mean '%s'?" % hint
            return Issue(name, value, rule, msg)
        if err.validator == 'type':
            want = ' or '.join(t for t in _types(err.schema) if t != 'null')
            return Issue(name, value, rule, '%r is not %s %s' % (
                err.instance, 'an' if want[:1] in 'aeiou' else 'a', want))
        if err.validator == 'maxLength':
            return Issue(name, value, rule, '%d characters: at most %d' % (
                len(err.instance), err.validator_value))
        return Issue(name, value, rule, ' '.join(err.message.split()))
