"""Check metadef files before anything is written.

Every document is checked against the cloud's own JSON schemas
(``GET /v2/schemas/metadefs/namespace``, ``property``, ``object``,
``tag``: operators and releases change them) with jsonschema, and against
what Glance 33 can actually store - limits its schemas do not express but
its API model (glance.api.v2.model.metadef_property_type) imposes, found
by sending such values to a real Glance:

* ``enum`` values (also in ``items``) other than strings fail with 500;
* ``required`` on a property (not an object) fails with 500;
* a list or object ``default`` is stored as null;
* ``minimum``/``maximum`` are stored as integers (0.5 becomes 0);
* ``items`` keeps only ``type`` (mandatory) and ``enum``.

All problems of all documents are returned at once, one line each.
"""

import jsonschema

from osc_imagetools.metadef import normalize

MAX_MESSAGE = 200
CHILDREN = ('properties', 'objects', 'tags')


class Problem:
    """One problem in one file: ``<path>: <where>: <message>``."""

    def __init__(self, path, where, message):
        self.path = path
        self.where = where
        self.message = ' '.join(str(message).split())
        if len(self.message) > MAX_MESSAGE:
            self.message = self.message[:MAX_MESSAGE - 3] + '...'

    def __str__(self):
        if self.where:
            return '%s: %s: %s' % (self.path, self.where, self.message)
        return '%s: %s' % (self.path, self.message)

    def __repr__(self):
        return '<Problem %s>' % self


def _where(prefix, path):
    out = prefix
    for part in path:
        if isinstance(part, int):
            out += '[%d]' % part
        else:
            out += ('.' if out else '') + str(part)
    return out


class Checker:
    """Validators built once from the live schemas
    (``{'namespace': ..., 'property': ..., 'object': ..., 'tag': ...}``)."""

    def __init__(self, schemas):
        self.validators = {}
        for kind in ('namespace', 'property', 'object', 'tag'):
            schema = schemas[kind]
            cls = jsonschema.validators.validator_for(
                schema, default=jsonschema.Draft4Validator)
            self.validators[kind] = cls(
                schema, format_checker=cls.FORMAT_CHECKER)

    def _schema_problems(self, kind, instance, path, where):
        if not isinstance(instance, dict):
            # glance's item schemas do not say "type": "object" themselves
            return [Problem(path, where, "%r is not of type 'object'"
                            % (instance,))]
        errors = sorted(self.validators[kind].iter_errors(instance),
                        key=lambda e: (list(map(str, e.absolute_path)),
                                       e.message))
        return [Problem(path, _where(where, e.absolute_path), e.message)
                for e in errors]

    def document(self, path, doc):
        """Problems of one file's document."""
        if not isinstance(doc, dict) or 'namespace' not in doc:
            return [Problem(path, '', 'not a metadef namespace: expected a '
                            'JSON object with a "namespace" key')]
        # the namespace's own fields and associations; children are checked
        # one by one below against their own schemas
        shallow = dict(doc)
        for key, empty in (('properties', {}), ('objects', []),
                           ('tags', [])):
            if isinstance(doc.get(key), type(empty)):
                shallow[key] = empty
        problems = self._schema_problems('namespace', shallow, path, '')
        props = doc.get('properties')
        if isinstance(props, dict):
            problems += self._properties(path, props, 'properties')
        objects = doc.get('objects')
        if isinstance(objects, list):
            problems += self._objects(path, objects)
        tags = doc.get('tags')
        if isinstance(tags, list):
            for i, tag in enumerate(tags):
                problems += self._schema_problems('tag', tag, path,
                                                  'tags[%d]' % i)
            problems += _duplicates(path, 'tags', tags, 'tag')
        assocs = doc.get('resource_type_associations')
        if isinstance(assocs, list):
            # the namespace schema leaves the name optional; Glance's model
            # (and its resource_type schema) require it
            for i, assoc in enumerate(assocs):
                if isinstance(assoc, dict) and 'name' not in assoc:
                    problems.append(Problem(
                        path, 'resource_type_associations[%d]' % i,
                        "'name' is a required property"))
            problems += _duplicates(path, 'resource_type_associations',
                                    assocs, 'resource type association')
        return problems

    def _properties(self, path, props, where, kind='property'):
        problems = []
        for name in props:
            schema = props[name]
            w = '%s.%s' % (where, name)
            if kind == 'property':
                if isinstance(schema, dict):
                    # the property schema wants the name inside
                    schema = dict(schema, name=name)
                problems += self._schema_problems(kind, schema, path, w)
            if isinstance(schema, dict):
                problems += [Problem(path, _where(w, p), m)
                             for p, m in glance_limits(schema)]
        return problems

    def _objects(self, path, objects):
        problems = []
        for i, obj in enumerate(objects):
            w = 'objects[%d]' % i
            if isinstance(obj, dict) and isinstance(obj.get('name'), str):
                w = 'objects[%s]' % obj['name']
            problems += self._schema_problems('object', obj, path, w)
            if isinstance(obj, dict) and isinstance(obj.get('properties'),
                                                    dict):
                # shapes checked by the object schema above; what Glance
                # cannot store is checked here
                problems += self._properties(path, obj['properties'],
                                             w + '.properties',
                                             kind='object property')
        problems += _duplicates(path, 'objects', objects, 'object')
        return problems


def glance_limits(schema):
    """``[(path, message)]``: values of one property schema that the live
    JSON schema accepts but Glance cannot store as written."""
    out = []
    if 'required' in schema:
        out.append((['required'], 'Glance cannot store "required" on a '
                    'property (only objects have it)'))
    if isinstance(schema.get('enum'), list) and not all(
            isinstance(v, str) for v in schema['enum']):
        out.append((['enum'], 'enum values must be strings (Glance stores '
                    'them as text)'))
    default = schema.get('default')
    if default is not None and normalize.default_text(default) is None:
        out.append((['default'], 'default must be a string, number or '
                    'boolean (Glance drops other values)'))
    for key in ('minimum', 'maximum'):
        value = schema.get(key)
        if (isinstance(value, float) and not value.is_integer()):
            out.append(([key], '%s must be an integer: Glance would store '
                        '%r as %d' % (key, value, int(value))))
    items = schema.get('items')
    if isinstance(items, dict):
        if 'type' not in items:
            out.append((['items'], 'items needs a "type"'))
        lost = sorted(set(items) - set(normalize.ITEM_KEYS))
        if lost:
            out.append((['items'], 'Glance keeps only "type" and "enum" of '
                        'items; %s would be lost' % ', '.join(lost)))
        if isinstance(items.get('enum'), list) and not all(
                isinstance(v, str) for v in items['enum']):
            out.append((['items', 'enum'], 'enum values must be strings '
                        '(Glance stores them as text)'))
    return out


def _duplicates(path, where, items, what):
    seen, out = set(), []
    for item in items:
        name = item.get('name') if isinstance(item, dict) else None
        if not isinstance(name, str):
            continue
        if name in seen:
            out.append(Problem(path, where, 'duplicate %s "%s"'
                               % (what, name)))
        seen.add(name)
    return out


def check(docs, schemas):
    """Check ``[(path, document)]`` against ``schemas``.

    Returns ``({namespace: (path, document)}, [Problem])``; a namespace
    found in two files is a problem of the second one."""
    checker = Checker(schemas)
    found, problems = {}, []
    for path, doc in docs:
        doc_problems = checker.document(path, doc)
        problems += doc_problems
        if not isinstance(doc, dict) or not isinstance(doc.get('namespace'),
                                                       str):
            continue
        name = doc['namespace']
        if name in found:
            problems.append(Problem(path, '', 'namespace "%s" is also in %s'
                                    % (name, found[name][0])))
            continue
        found[name] = (path, doc)
    return found, problems
