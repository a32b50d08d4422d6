"""The validator: a property set in, findings out.

::

    v = Validator(schema=<GET /v2/schemas/image>,
                  namespaces=<metadef namespaces, glance's JSON/file shape>,
                  rules=None,        # None: built-in table + user files
                  ignore=(),         # rule ids to skip
                  quota=128)
    findings = v.validate(props, virtual_size=None, label=None)

Checks, in order (the ``Rule`` of each finding in brackets):

1. the live image schema: core attribute types and enums, lengths,
   read-only and reserved keys, key length, custom values that are not
   strings, the property quota [:mod:`.schema`];
2. for every property Nova reads, what Nova does with its value
   (``nova-value``) [:mod:`.nova`], and the metadef catalog
   (``metadef-*``): type, enum, range, length, pattern, array items of
   every property a namespace associated with ``OS::Glance::Image``
   defines; required properties of a metadef object that is partly given
   (``metadef-object-required``);
3. names nobody defines (``unknown-property``, warning, with a "did you
   mean" suggestion); the os_distro vocabulary (``os-distro-value``);
4. cross-property rules (their own ids) [:mod:`.rules`];
5. a disk file's real format against the declared ``disk_format``
   (``file-format``, ``file-unsafe``), via :meth:`Validator.check_file`.

The severity model (doc/source/cli/validate.rst, "Severity"): Nova
decides for the properties it reads. An **error** when Nova refuses the
value or reads it as something else than written; a **warning** with the
catalog's rule when only the catalog is stricter than Nova, which reads the
value as meant (the message says both). Errors on a set Nova accepts come
only from :data:`ERRORS_ON_NOVA_ACCEPTED`'s reasons.

Everything here is pure: the caller fetches the schema and the catalog (or
reads them from a directory) and the disk file's inspection result.
"""

import collections
import json
import re

from osc_imagetools import errors
from osc_imagetools.validation import catalog as catalog_mod
from osc_imagetools.validation import nova as nova_mod
from osc_imagetools.validation import rules as rules_mod
from osc_imagetools.validation import schema as schema_mod
from osc_imagetools.validation import values

ERROR = 'error'
WARNING = 'warning'

RULE_UNKNOWN = 'unknown-property'
RULE_OBJECT_REQUIRED = 'metadef-object-required'
RULE_FILE_FORMAT = 'file-format'
RULE_FILE_UNSAFE = 'file-unsafe'

BUILTIN_RULES = (schema_mod.RULES + (
    values.RULE_TYPE, values.RULE_ENUM, values.RULE_RANGE,
    values.RULE_LENGTH, values.RULE_PATTERN, values.RULE_ITEMS,
    values.RULE_DEFINITION, RULE_OBJECT_REQUIRED, nova_mod.RULE,
    nova_mod.RULE_OS_DISTRO, RULE_UNKNOWN, RULE_FILE_FORMAT,
    RULE_FILE_UNSAFE))

CATALOG_RULES = (values.RULE_TYPE, values.RULE_ENUM, values.RULE_RANGE,
                 values.RULE_LENGTH, values.RULE_PATTERN, values.RULE_ITEMS,
                 values.RULE_DEFINITION)

# The documented reasons for an error on a property set Nova accepts and
# reads as written (doc/source/cli/validate.rst, "Severity"); the
# differential test against Nova holds the engine to this list.
ERRORS_ON_NOVA_ACCEPTED = {
    'glance-schema': 'Glance refuses the set: ' + ', '.join(schema_mod.RULES),
    'catalog-only': 'a property Nova does not read, against the metadef '
                    'catalog: ' + ', '.join(CATALOG_RULES),
    'cross-property': 'a cross-property rule of severity error '
                      '(data/validation-rules.yaml, --rules)',
    'disk-file': 'the disk file given with --file: %s, %s' % (
        RULE_FILE_FORMAT, RULE_FILE_UNSAFE),
}


def _content_agrees(detected, declared):
    # the one rule (imagefile.inspect), imported when a file is checked:
    # it loads oslo.utils' format_inspector
    from osc_imagetools.imagefile import inspect
    return inspect.content_agrees(detected, declared)


Finding = collections.namedtuple(
    'Finding', 'image property value severity rule message')
Finding.__doc__ = """One problem: the output row of ``image validate``."""


class UnknownRuleError(errors.InputError):
    """``ignore`` names a rule id that does not exist."""


def check_ignore(ignore, rules):
    """Raise :class:`UnknownRuleError` when ``ignore`` names a rule that
    is neither built in nor in ``rules`` (the loaded rule table)."""
    known = set(BUILTIN_RULES) | {r['id'] for r in rules}
    unknown = sorted(set(ignore) - known)
    if unknown:
        raise UnknownRuleError(
            'unknown rule id%s %s (known: %s)'
            % ('s' if len(unknown) > 1 else '', ', '.join(unknown),
               ', '.join(sorted(known))))


def display(value):
    """A property value as one line of text for the ``Value`` column."""
    if value is None:
        return ''
    if isinstance(value, str):
        return value
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return ','.join(value)
    return json.dumps(value, sort_keys=True)


def one_line(text):
    """``text`` with control characters escaped (a property name may hold
    a newline: found by fuzzing), so a message stays one line."""
    return re.sub(r'[\x00-\x1f\x7f]',
                  lambda m: repr(m.group())[1:-1], text)


class Validator:

    def __init__(self, schema, namespaces, rules=None, ignore=(),
                 quota=schema_mod.DEFAULT_QUOTA, nova=None):
        self.schema = (schema_mod.SchemaChecker(schema, quota)
                       if schema else None)
        self.catalog = catalog_mod.Catalog(namespaces)
        self.nova = nova if nova is not None else nova_mod.NovaTable()
        if rules is None:
            rules = rules_mod.load_rules()
        self.rules = rules_mod.RuleEngine(rules)
        check_ignore(ignore, rules)
        self.ignore = frozenset(ignore)
        self.checker = values.ValueChecker()
        self._known = None
        self._cache = {}
        self._unknown_messages = {}

    def rule_ids(self):
        return list(BUILTIN_RULES) + self.rules.ids()

    def known_names(self):
        if self._known is None:
            names = self.catalog.names() | self.nova.names()
            if self.schema:
                names |= set(self.schema.core)
            self._known = sorted(names)
        return self._known

    # -- checks ----------------------------------------------------------
    def validate(self, props, virtual_size=None, label=None, stored=False):
        """Findings for ``props`` (a mapping of names to values as Glance
        stores them: strings for custom properties).

        ``virtual_size`` (bytes) feeds the rules that need it;
        ``label`` fills the ``image`` field of the findings; ``stored``
        means ``props`` is Glance's JSON of an existing image, whose
        server-set attributes (status, checksum, ``os_glance_*``, ...) are
        expected rather than errors.
        """
        label = label or ''
        out = []

        def add(name, value, severity, rule, message):
            if rule not in self.ignore:
                message = one_line(message)
                out.append(Finding(label, name, display(value), severity,
                                   rule, message))

        if self.schema:
            for issue in self.schema.check(props, stored=stored):
                add(issue.property, issue.value, ERROR, issue.rule,
                    issue.message)
        in_context = self.nova.check_set(props)
        for name in sorted(props):
            for finding in self._property_findings(name, props[name],
                                                   in_context.get(name)):
                add(*finding)
        self._check_objects(props, add)
        for hit in self.rules.evaluate(props, virtual_size):
            add(hit.property, hit.value, hit.severity, hit.rule, hit.message)
        return out

    def _property_findings(self, name, value, reading=None):
        """``(name, value, severity, rule, message)`` tuples for one
        property; cached, as images of one cloud share most values.
        ``reading``: Nova's reading of it in its set (see
        :meth:`.nova.NovaTable.check_set`), when that differs from its
        reading alone."""
        if name.startswith(schema_mod.RESERVED_PREFIX) or (
                self.schema and self.schema.is_core(name)
                and name not in self.catalog):
            return ()  # nothing beyond the schema check
        if not isinstance(value, str) or reading is not None:
            key = None
        else:
            key = (name, value)
            if key in self._cache:
                return self._cache[key]
        out = []
        self._check_property(name, value, lambda *f: out.append(f), reading)
        if key is not None:
            self._cache[key] = out
        return out

    def _check_property(self, name, value, add, reading=None):
        if name.startswith(schema_mod.RESERVED_PREFIX):
            return  # Glance's own (reported by the schema check if given)
        is_core = bool(self.schema and self.schema.is_core(name))
        definitions = self.catalog.lookup(name)
        if not definitions and is_core:
            return
        if not isinstance(value, str):
            return  # reported by the schema check (not-a-string)
        problems = self._catalog_problems(value, definitions)
        if reading is None:
            reading = self.nova.read(name, value)
        if reading.outcome in (nova_mod.REFUSED, nova_mod.MISREAD):
            # Nova decides: one error, whatever the catalog says
            message = reading.message
            if definitions and not problems:
                message += ' (the catalog, %s, allows it)' % (
                    self._where(definitions[0]))
            add(name, value, ERROR, nova_mod.RULE, message)
        elif reading.outcome == nova_mod.READ:
            # only the catalog is stricter: say both
            for problem, d in problems:
                add(name, value, WARNING, problem.rule,
                    '%s (catalog: %s); %s reads it as %s'
                    % (problem.message, self._where(d), self.nova.who,
                       reading.shown))
            if reading.message:
                add(name, value, WARNING, nova_mod.RULE, reading.message)
        else:
            for problem, d in problems:
                add(name, value, ERROR, problem.rule,
                    '%s (catalog: %s)' % (problem.message, self._where(d)))
            remark = self.nova.near_miss(name)
            if remark:
                add(name, value, WARNING, nova_mod.RULE, remark)
        if name == 'os_distro':
            message = self.nova.check_os_distro(value)
            if message:
                add(name, value, WARNING, nova_mod.RULE_OS_DISTRO, message)
        if (not definitions and not is_core
                and not self.nova.is_known(name)):
            add(name, value, WARNING, RULE_UNKNOWN, self._unknown(name))

    @staticmethod
    def _where(definition):
        return definition.namespace + (' object %s' % definition.object
                                       if definition.object else '')

    def _catalog_problems(self, value, definitions):
        """``[(Problem, Definition)]``: none when one definition accepts
        ``value``, else the problems of the first one."""
        problems = None
        for d in definitions:
            found = self.checker.check(value, d.schema)
            if not found:
                return []
            if problems is None:
                problems = [(p, d) for p in found]
        return problems or []

    def _unknown(self, name):
        if name not in self._unknown_messages:
            self._unknown_messages[name] = self._unknown_message(name)
        return self._unknown_messages[name]

    def _unknown_message(self, name):
        msg = ("%s is not defined by the image schema, the metadef catalog "
               "or Nova's image properties" % name)
        hint = values.suggest(name, self.known_names(), cutoff=0.8)
        if hint is not None and hint != name:
            msg += '; did you mean %s?' % hint
        return msg

    def _check_objects(self, props, add):
        for obj in self.catalog.objects:
            if not obj.required:
                continue
            given = [p for p in obj.properties if p in props]
            missing = [p for p in obj.required if p not in props]
            if given and missing:
                add(missing[0], None, WARNING, RULE_OBJECT_REQUIRED,
                    'metadef object %s (%s) requires %s when %s is set'
                    % (obj.name, obj.namespace, ', '.join(missing),
                       ', '.join(given)))

    def check_file(self, props, detected, failures=(), label=None,
                   path=None):
        """Findings about a disk file whose content is ``detected`` (Glance's
        disk_format name for it) and whose safety check ``failures`` are
        given, against ``props['disk_format']``."""
        label = label or ''
        what = path or 'the file'
        out = []

        def add(severity, rule, message, value=None):
            if rule not in self.ignore:
                out.append(Finding(label, 'disk_format', display(value),
                                   severity, rule, message))

        declared = props.get('disk_format')
        if declared in (None, ''):
            add(WARNING, RULE_FILE_FORMAT,
                'no disk_format given; %s is %s' % (what, detected))
        elif not _content_agrees(detected, declared):
            add(ERROR, RULE_FILE_FORMAT,
                'disk_format is %s but %s is %s' % (declared, what, detected),
                declared)
        for failure in failures:
            add(ERROR, RULE_FILE_UNSAFE, '%s is unsafe: %s' % (what, failure),
                declared)
        return out
