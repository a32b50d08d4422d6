"""One property value against one metadef property definition.

Glance stores every custom property as a string, so a value is first read
as the definition's type (``"4"`` -> 4 for an integer, ``"yes"`` -> True
for a boolean, ``"a, b"`` -> ``['a', 'b']`` for an array), then the typed
value is checked by jsonschema against the definition itself (metadef
properties are JSON-schema fragments: enum, minimum, maximum, minLength,
maxLength, pattern, items, minItems, maxItems, uniqueItems).

Booleans follow oslo.utils' ``strutils.bool_from_string(strict=True)``:
``1 t true on y yes`` / ``0 f false off n no``, any case.
"""

import collections
import difflib
import math
import re

import jsonschema
from oslo_utils import strutils

Problem = collections.namedtuple('Problem', 'rule message')

RULE_TYPE = 'metadef-type'
RULE_ENUM = 'metadef-enum'
RULE_RANGE = 'metadef-range'
RULE_LENGTH = 'metadef-length'
RULE_PATTERN = 'metadef-pattern'
RULE_ITEMS = 'metadef-items'
RULE_DEFINITION = 'metadef-definition'

_RULE_OF = {
    'enum': RULE_ENUM, 'type': RULE_TYPE,
    'minimum': RULE_RANGE, 'maximum': RULE_RANGE,
    'exclusiveMinimum': RULE_RANGE, 'exclusiveMaximum': RULE_RANGE,
    'minLength': RULE_LENGTH, 'maxLength': RULE_LENGTH,
    'pattern': RULE_PATTERN,
    'minItems': RULE_ITEMS, 'maxItems': RULE_ITEMS, 'uniqueItems': RULE_ITEMS,
}
_INTEGER = re.compile(r'[+-]?[0-9]+\Z')
_NUMBER = re.compile(r'[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?\Z')
# Array values: items separated by commas and/or blanks; the matching
# operators of the catalog ("<or>", "<all-in>", "<in>") are not items.
_ITEM_SEPARATORS = re.compile(r'[\s,]+')
_OPERATOR = re.compile(r'<[a-z-]+>\Z')
ENUM_SHOWN = 10


class TypeMismatch(ValueError):
    pass


def split_items(value):
    """``'<all-in> a, b c'`` -> ``['a', 'b', 'c']``."""
    return [t for t in _ITEM_SEPARATORS.split(value.strip())
            if t and not _OPERATOR.match(t)]


def to_type(value, type_name):
    """``value`` (a string) read as JSON-schema type ``type_name``; raises
    :class:`TypeMismatch` with a one-line message."""
    if type_name == 'integer':
        if not _INTEGER.match(value):
            raise TypeMismatch('%r is not an integer' % value)
        return int(value)
    if type_name == 'number':
        if not _NUMBER.match(value):
            raise TypeMismatch('%r is not a number' % value)
        number = float(value)
        if not math.isfinite(number):
            raise TypeMismatch('%r is not a finite number' % value)
        return number
    if type_name == 'boolean':
        try:
            return strutils.bool_from_string(value, strict=True)
        except ValueError:
            raise TypeMismatch(
                '%r is not a boolean (use one of %s)'
                % (value, ', '.join(strutils.TRUE_STRINGS
                                    + strutils.FALSE_STRINGS))) from None
    return value


def typed(value, schema):
    """``value`` read as ``schema`` says (arrays item by item)."""
    type_name = schema.get('type')
    if isinstance(type_name, list):  # ["null", "string"] in some catalogs
        type_name = next((t for t in type_name if t != 'null'), 'string')
    if type_name == 'array':
        item_type = (schema.get('items') or {}).get('type', 'string')
        out = []
        for item in split_items(value):
            try:
                out.append(to_type(item, item_type))
            except TypeMismatch as exc:
                raise TypeMismatch('item %s' % exc) from None
        return out
    return to_type(value, type_name)


def enum_text(values):
    shown = ', '.join(str(v) for v in values[:ENUM_SHOWN])
    if len(values) > ENUM_SHOWN:
        shown += ', ... (%d values)' % len(values)
    return shown


def suggest(value, candidates, cutoff=0.75):
    """The candidate closest to ``value`` (case-insensitive), or None."""
    value = str(value)
    by_lower = {}
    for c in candidates:
        by_lower.setdefault(str(c).lower(), c)
    if value.lower() in by_lower:
        return by_lower[value.lower()]
    close = difflib.get_close_matches(value.lower(), list(by_lower), n=1,
                                      cutoff=cutoff)
    return by_lower[close[0]] if close else None


class ValueChecker:
    """Checks values against metadef definitions (validators are cached by
    definition, so a catalog is compiled once per run)."""

    def __init__(self):
        self._validators = {}

    def _validator(self, schema):
        key = id(schema)
        if key not in self._validators:
            self._validators[key] = (schema,
                                     jsonschema.Draft4Validator(schema))
        return self._validators[key][1]

    def check(self, value, schema):
        """Problems of string ``value`` under definition ``schema``
        (empty list when valid)."""
        try:
            data = typed(value, schema)
        except TypeMismatch as exc:
            return [Problem(RULE_TYPE, str(exc))]
        try:
            errors = list(self._validator(schema).iter_errors(data))
        except (re.error, jsonschema.exceptions.SchemaError) as exc:
            return [Problem(RULE_DEFINITION,
                            'the catalog definition cannot be applied: %s'
                            % ' '.join(str(exc).split()))]
        return [self._problem(err, schema) for err in errors]

    def _problem(self, err, schema):
        in_item = bool(err.absolute_path)
        rule = RULE_ITEMS if in_item else _RULE_OF.get(err.validator,
                                                       RULE_TYPE)
        where = 'item ' if in_item else ''
        if err.validator == 'enum':
            allowed = list(err.validator_value)
            msg = '%s%r is not one of: %s' % (where, err.instance,
                                              enum_text(allowed))
            hint = suggest(err.instance, allowed)
            if hint is not None:
                msg += "; did you mean '%s'?" % hint
            return Problem(rule, msg)
        if err.validator in ('minimum', 'maximum'):
            word = 'less' if err.validator == 'minimum' else 'greater'
            return Problem(rule, '%s%s is %s than the %s %s' % (
                where, err.instance, word, err.validator,
                err.validator_value))
        if err.validator in ('minLength', 'maxLength'):
            word = 'shorter' if err.validator == 'minLength' else 'longer'
            limit = err.validator_value
            return Problem(rule, '%s%r is %s than %s characters' % (
                where, err.instance, word, limit))
        if err.validator == 'pattern':
            return Problem(rule, '%s%r does not match the pattern %s' % (
                where, err.instance, err.validator_value))
        return Problem(rule, where + ' '.join(err.message.split()))
