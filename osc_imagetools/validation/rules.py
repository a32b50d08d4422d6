"""Cross-property rules as data.

The built-in table is ``osc_imagetools/data/validation-rules.yaml`` (its
header documents the format); users add rules, or replace a built-in one by
reusing its id, in ``$XDG_CONFIG_HOME/osc-imagetools/rules/*.yaml``
(``~/.config/...`` by default) and with ``--rules FILE``. A rule file is
checked against :data:`RULES_SCHEMA` (jsonschema) when it is loaded, so a
malformed rule is a one-line error naming the file and the rule, never a
surprise later.
"""

import collections
import glob
import math
import os
import re

from oslo_utils import strutils

from osc_imagetools import errors

DATA_FILE = 'validation-rules.yaml'
SEVERITIES = ('error', 'warning')
GIB = 1024 ** 3

_MATCHER_KEYS = ('in', 'not_in', 'present', 'bool', 'matches',
                 'lt', 'le', 'gt', 'ge', 'absent_or')
_SCALAR = {'type': ['string', 'number', 'boolean']}
_NUMBER_OR_REF = {'oneOf': [{'type': 'number'},
                            {'type': 'string', 'pattern': '^@.+'}]}
RULES_SCHEMA = {
    '$schema': 'http://json-schema.org/draft-04/schema#',
    'definitions': {
        'matcher': {
            'anyOf': [
                _SCALAR,
                {'type': 'array', 'items': _SCALAR, 'minItems': 1},
                {'type': 'object', 'minProperties': 1,
                 'additionalProperties': False,
                 'properties': {
                     'in': {'type': 'array', 'items': _SCALAR},
                     'not_in': {'type': 'array', 'items': _SCALAR},
                     'present': {'type': 'boolean'},
                     'bool': {'type': 'boolean'},
                     'matches': {'type': 'string'},
                     'lt': _NUMBER_OR_REF, 'le': _NUMBER_OR_REF,
                     'gt': _NUMBER_OR_REF, 'ge': _NUMBER_OR_REF,
                     'absent_or': {'$ref': '#/definitions/matcher'},
                 }},
            ]},
        'conditions': {
            'type': 'object', 'minProperties': 1,
            'additionalProperties': {'$ref': '#/definitions/matcher'}},
    },
    'type': 'object',
    'required': ['rules'],
    'additionalProperties': False,
    'properties': {
        'rules': {
            'type': 'array',
            'items': {
                'type': 'object',
                'required': ['id', 'severity', 'when', 'message'],
                'additionalProperties': False,
                'properties': {
                    'id': {'type': 'string',
                           'pattern': '^[A-Za-z0-9][A-Za-z0-9._:-]*$'},
                    'severity': {'enum': list(SEVERITIES)},
                    'when': {'$ref': '#/definitions/conditions'},
                    'expect': {'$ref': '#/definitions/conditions'},
                    'property': {'type': 'string'},
                    'message': {'type': 'string'},
                    'description': {'type': 'string'},
                },
            },
        },
    },
}

Hit = collections.namedtuple('Hit', 'rule property value severity message')


class RuleError(errors.InputError):
    """A rule file that cannot be used (one line)."""


# -- loading -------------------------------------------------------------

def _check(doc, source):
    import jsonschema
    validator = jsonschema.Draft4Validator(RULES_SCHEMA)
    err = jsonschema.exceptions.best_match(validator.iter_errors(doc))
    if err is not None:
        where = ''.join('[%d]' % p if isinstance(p, int) else '.%s' % p
                        for p in err.absolute_path).lstrip('.')
        raise RuleError('%s: %s%s' % (source, where + ': ' if where else '',
                                      ' '.join(err.message.split())[:300]))
    for i, rule in enumerate(doc['rules']):
        for part in ('when', 'expect'):
            for name, matcher in (rule.get(part) or {}).items():
                for regex in _regexes(matcher):
                    try:
                        re.compile(regex)
                    except re.error as exc:
                        raise RuleError('%s: rules[%d].%s.%s: bad regular '
                                        'expression %r: %s'
                                        % (source, i, part, name, regex, exc)
                                        ) from None
    return doc['rules']


def _regexes(matcher):
    if isinstance(matcher, dict):
        if 'matches' in matcher:
            yield matcher['matches']
        if 'absent_or' in matcher:
            yield from _regexes(matcher['absent_or'])


def parse_rules(text, source):
    """The rules in YAML ``text`` (``source`` names it in errors)."""
    import yaml
    try:
        doc = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise RuleError('%s: not valid YAML: %s'
                        % (source, ' '.join(str(exc).split()))) from None
    except RecursionError:
        # found by fuzzing the other file loaders: '[[[[...' thousands deep
        raise RuleError('%s: not valid YAML: nested too deeply'
                        % source) from None
    return _check(doc, source)


def load_rule_file(path):
    try:
        with open(path, encoding='utf-8') as f:
            text = f.read()
    except (OSError, UnicodeDecodeError) as exc:
        raise RuleError('cannot read rules file %s: %s'
                        % (path, getattr(exc, 'strerror', None) or exc)
                        ) from None
    return parse_rules(text, path)


def builtin_rules():
    import importlib.resources
    ref = importlib.resources.files('osc_imagetools').joinpath(
        'data', DATA_FILE)
    return parse_rules(ref.read_text(encoding='utf-8'), DATA_FILE)


def user_rule_files(environ=None):
    environ = os.environ if environ is None else environ
    base = environ.get('XDG_CONFIG_HOME') or os.path.join(
        os.path.expanduser('~'), '.config')
    return sorted(glob.glob(os.path.join(base, 'osc-imagetools', 'rules',
                                         '*.yaml')))


def merge(*rule_lists):
    """One list: a later rule replaces an earlier one with the same id."""
    by_id = {}
    for rules in rule_lists:
        for rule in rules:
            by_id.pop(rule['id'], None)
            by_id[rule['id']] = rule
    return list(by_id.values())


def load_rules(files=(), user_files=True):
    """Built-in rules + the user's rule directory + ``files``, in that
    order of precedence (later wins)."""
    lists = [builtin_rules()]
    if user_files:
        lists.extend(load_rule_file(p) for p in user_rule_files())
    lists.extend(load_rule_file(p) for p in files)
    return merge(*lists)


# -- evaluation ----------------------------------------------------------

def _absent(props, name):
    return props.get(name) in (None, '')


def _number(value):
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, (int, float)):
        return value
    try:
        number = float(str(value).strip())
    except ValueError:
        return None
    return number if math.isfinite(number) else None


def _same(value, expected):
    a, b = _number(value), _number(expected)
    if a is not None and b is not None:
        return a == b
    return str(value) == str(expected)


def _bool(value):
    if isinstance(value, bool):
        return value
    try:
        return strutils.bool_from_string(str(value), strict=True)
    except ValueError:
        return None


class Context:
    """What a rule may refer to: the properties and ``@`` references."""

    def __init__(self, props, virtual_size=None):
        self.props = props
        self.refs = {'virtual_size': virtual_size,
                     'virtual_size_gib': (None if virtual_size is None
                                          else -(-virtual_size // GIB))}

    def ref(self, token):
        if isinstance(token, str) and token.startswith('@'):
            name = token[1:]
            if name in self.refs:
                return self.refs[name]
            return _number(self.props.get(name))
        return _number(token)

    def show(self, token):
        if token.startswith('@'):
            value = self.ref(token)
        else:
            value = self.props.get(token)
        if value in (None, ''):
            return 'unset'
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        return str(value)


_COMPARE = {'lt': lambda a, b: a < b, 'le': lambda a, b: a <= b,
            'gt': lambda a, b: a > b, 'ge': lambda a, b: a >= b}


def matches(ctx, name, matcher):
    """True / False, or None when it cannot be decided (a comparison with
    an unknown number)."""
    props = ctx.props
    absent = _absent(props, name)
    value = props.get(name)
    if isinstance(matcher, bool):
        return not absent and _bool(value) is matcher
    if isinstance(matcher, (str, int, float)):
        return not absent and _same(value, matcher)
    if isinstance(matcher, list):
        return not absent and any(_same(value, m) for m in matcher)
    results = []
    for key, arg in matcher.items():
        if key == 'in':
            results.append(not absent and any(_same(value, m) for m in arg))
        elif key == 'not_in':
            results.append(absent or not any(_same(value, m) for m in arg))
        elif key == 'present':
            results.append(absent is not arg)
        elif key == 'bool':
            results.append(not absent and _bool(value) is arg)
        elif key == 'matches':
            results.append(not absent
                           and re.search(arg, str(value)) is not None)
        elif key in _COMPARE:
            left, right = _number(value), ctx.ref(arg)
            results.append(None if left is None or right is None
                           else _COMPARE[key](left, right))
        elif key == 'absent_or':
            results.append(True if absent else matches(ctx, name, arg))
    if False in results:
        return False
    if None in results:
        return None
    return True


def _all(ctx, conditions):
    results = [matches(ctx, n, m) for n, m in conditions.items()]
    if False in results:
        return False
    if None in results:
        return None
    return True


_PLACEHOLDER = re.compile(r'\{(@?[A-Za-z0-9_.:-]+)\}')


class RuleEngine:

    def __init__(self, rules):
        self.rules = list(rules)

    def ids(self):
        return [r['id'] for r in self.rules]

    def evaluate(self, props, virtual_size=None):
        ctx = Context(props, virtual_size)
        hits = []
        for rule in self.rules:
            if _all(ctx, rule['when']) is not True:
                continue
            expect = rule.get('expect')
            if expect and _all(ctx, expect) is not False:
                continue
            name = rule.get('property') or next(iter(expect or rule['when']))
            message = _PLACEHOLDER.sub(lambda m: ctx.show(m.group(1)),
                                       rule['message'])
            hits.append(Hit(rule['id'], name, props.get(name),
                            rule['severity'], ' '.join(message.split())))
        return hits
