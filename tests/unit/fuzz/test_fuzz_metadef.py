"""Fuzzing the metadef engine: the file loader, the validator (any JSON
document: problems, never an exception) and the planner (any valid file
against any cloud state: a plan, never an exception)."""

import json
import os
import tempfile

from hypothesis import example
from hypothesis import given
from hypothesis import strategies as st
import testtools

from osc_imagetools.metadef import files
from osc_imagetools.metadef import plan
from osc_imagetools.metadef import validate
from tests.unit.metadef import base

JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False)
    | st.text(max_size=12),
    lambda kids: st.lists(kids, max_size=4)
    | st.dictionaries(st.text(max_size=10), kids, max_size=4),
    max_leaves=20)

NAME = st.text(alphabet='abcXY_:-0', min_size=1, max_size=12)
TYPES = st.sampled_from(['string', 'integer', 'number', 'boolean', 'array'])
PROPERTY = st.fixed_dictionaries(
    {'title': st.text(max_size=10), 'type': TYPES},
    optional={'description': st.text(max_size=10),
              'enum': st.lists(st.text(max_size=5), min_size=1, max_size=3,
                               unique=True),
              'default': st.text(max_size=5) | st.integers()
              | st.booleans(),
              'minimum': st.integers(0, 100),
              'maximum': st.integers(100, 1000),
              'readonly': st.booleans()})
PROPERTIES = st.dictionaries(NAME, PROPERTY, max_size=4)
NAMESPACE = st.fixed_dictionaries(
    {'namespace': NAME.map(lambda n: 'Fz::' + n)},
    optional={
        'display_name': st.text(max_size=10),
        'description': st.text(max_size=10),
        'visibility': st.sampled_from(['public', 'private']),
        'protected': st.booleans(),
        'resource_type_associations': st.lists(st.fixed_dictionaries(
            {'name': st.sampled_from(['OS::Glance::Image',
                                      'OS::Nova::Flavor'])},
            optional={'prefix': st.sampled_from(['hw_', 'os_', '']),
                      'properties_target': st.sampled_from(['image'])}),
            max_size=2, unique_by=lambda a: a['name']),
        'properties': PROPERTIES,
        'objects': st.lists(st.fixed_dictionaries(
            {'name': NAME},
            optional={'description': st.text(max_size=5),
                      'required': st.lists(NAME, max_size=2),
                      'properties': PROPERTIES}),
            max_size=3, unique_by=lambda o: o['name']),
        'tags': st.lists(st.fixed_dictionaries({'name': NAME}), max_size=3,
                         unique_by=lambda t: t['name']),
    })

CHECKER = None


def checker_check(docs):
    return validate.check(docs, base.live_schemas())


def _mutate(doc, data):
    """Replace one random node of ``doc`` by arbitrary JSON."""
    node, path = doc, []
    while isinstance(node, (dict, list)) and node:
        keys = list(node.keys()) if isinstance(node, dict) else list(
            range(len(node)))
        key = data.draw(st.sampled_from(keys))
        path.append(key)
        if data.draw(st.booleans()):
            break
        node = node[key]
    if not path:
        return data.draw(JSON)
    target = doc
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = data.draw(JSON)
    return doc


class TestLoader(testtools.TestCase):

    @given(st.binary(max_size=400))
    @example(b'[' * 50000)
    @example(b'\xff\xfe{}')
    def test_any_bytes(self, data):
        fd, path = tempfile.mkstemp(suffix='.json')
        self.addCleanup(os.unlink, path)
        with os.fdopen(fd, 'wb') as f:
            f.write(data)
        try:
            files.load_file(path)
        except files.FileError as exc:
            self.assertIn(path, str(exc))


class TestValidator(testtools.TestCase):

    @given(JSON)
    def test_any_json_document(self, doc):
        found, problems = checker_check([('f.json', doc)])
        if not isinstance(doc, dict):
            self.assertTrue(problems)

    @given(st.data())
    def test_mutated_shipped_namespaces(self, data):
        shipped = base.shipped()
        name = data.draw(st.sampled_from(sorted(shipped)))
        doc = _mutate(shipped[name], data)
        found, problems = checker_check([(name, doc)])
        for p in problems:
            self.assertIsInstance(str(p), str)


class TestPlanner(testtools.TestCase):

    @given(NAMESPACE, st.one_of(st.none(), NAMESPACE),
           st.sampled_from(plan.MODES), st.booleans(), st.booleans())
    def test_valid_file_against_any_cloud_state(self, doc, other, mode,
                                                prune, allow):
        found, problems = checker_check([('f.json', doc)])
        if problems:
            return  # the command stops before planning (exit 2)
        current = {}
        if other is not None:
            # the same namespace as Glance would hold it, with other content
            other = dict(other, namespace=doc['namespace'])
            current[doc['namespace']] = base.as_glance_returns(other)
        plans = plan.plan({doc['namespace']: doc}, current, mode=mode,
                          prune=prune, allow_protected=allow)
        rows = plan.rows(plans)
        self.assertTrue(rows)
        plan.summary(plans)
        # a namespace against itself never writes
        same = plan.plan({doc['namespace']: doc},
                         {doc['namespace']: base.as_glance_returns(doc)},
                         mode=mode)
        self.assertEqual([], [c for p in same for c in p.writes])
        json.dumps([list(map(str, r)) for r in rows])
