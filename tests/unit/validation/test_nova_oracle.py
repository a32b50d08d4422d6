"""``image validate`` against Nova itself (a test requirement).

* the generated table ``data/nova-values.yaml`` is what
  ``tools/gen_nova_table.py`` makes from the installed Nova;
* a differential test: a corpus of property sets generated with a fixed
  seed for every property Nova reads (tests/unit/validation/nova_oracle.py,
  run in a subprocess with Nova) is validated with glance's shipped
  catalog and schema, and the findings are held to Nova's verdicts:

  - whenever Nova refuses a set, validate reports an error on each
    property that makes Nova refuse it;
  - whenever Nova reads a property as something else than written, an
    error on it;
  - every other error on a set Nova accepts comes from the documented
    list (engine.ERRORS_ON_NOVA_ACCEPTED): Glance's schema, the catalog on
    a property Nova does not read, a cross-property rule of severity error.

Bigger corpora (not in CI), e.g.::

    .venv/bin/python -m tests.unit.validation.test_nova_oracle \\
        --seed 20261130 --size 30000
"""

import functools
import json
import os
import subprocess
import sys

import fixtures
import testtools

from osc_imagetools.validation import engine
from osc_imagetools.validation import rules as rules_mod
from osc_imagetools.validation import schema as schema_mod
from osc_imagetools.validation import values
from tests.unit import validation as data

HERE = os.path.dirname(os.path.abspath(__file__))
ORACLE = os.path.join(HERE, 'nova_oracle.py')
SEED = 1
SIZE = 3000
CATALOG_RULES = (values.RULE_TYPE, values.RULE_ENUM, values.RULE_RANGE,
                 values.RULE_LENGTH, values.RULE_PATTERN, values.RULE_ITEMS,
                 values.RULE_DEFINITION)
NOVA_RULE = 'nova-value'


def run_oracle(seed, size, table=True):
    args = [sys.executable, ORACLE, '--seed', str(seed), '--size', str(size)]
    if not table:
        args.append('--no-table')
    out = subprocess.run(args, check=True, capture_output=True, text=True,
                         env=dict(os.environ, PYTHONWARNINGS='ignore'))
    return json.loads(out.stdout)


@functools.lru_cache(maxsize=None)
def _oracle():
    return run_oracle(SEED, SIZE)


def error_rules_allowed(rule_table):
    """Rule ids that may raise an error on a set Nova accepts, whatever
    the property: Glance's schema and the cross-property rules."""
    return set(schema_mod.RULES) | {r['id'] for r in rule_table
                                    if r['severity'] == 'error'}


def compare(validator, sets, allowed):
    """Agreement figures and the disagreements, as a dict."""
    stats = {'sets': len(sets), 'refused': 0, 'refused_caught': 0,
             'misread_props': 0, 'misread_caught': 0, 'accepted': 0,
             'accepted_with_error': 0, 'accepted_bad_error': 0,
             'misses': [], 'bad_errors': []}
    for case in sets:
        props = case['props']
        findings = validator.validate(props)
        errors = {(f.property, f.rule) for f in findings
                  if f.severity == engine.ERROR}
        on = {p for p, _ in errors}
        if case['refused']:
            stats['refused'] += 1
            culprits = set(case['culprits'])
            if culprits and culprits <= on:
                stats['refused_caught'] += 1
            else:
                stats['misses'].append((props, sorted(culprits - on),
                                        case['error']))
            continue
        stats['accepted'] += 1
        misread = set(case['misread'])
        reads = set(case['reads'])
        stats['misread_props'] += len(misread)
        stats['misread_caught'] += len(misread & on)
        for p in sorted(misread - on):
            stats['misses'].append((props, [p], 'misread'))
        if errors:
            stats['accepted_with_error'] += 1
        bad = [(p, r) for p, r in sorted(errors)
               if not (r in allowed
                       or (r == NOVA_RULE and p in misread)
                       or (r in CATALOG_RULES and p not in reads))]
        if bad:
            stats['accepted_bad_error'] += 1
            stats['bad_errors'].append((props, bad))
    return stats


def summary(stats):
    def pct(a, b):
        return '%d/%d (%.2f%%)' % (a, b, 100.0 * a / b if b else 100.0)
    return ('%d sets; Nova refused %d: error on the offending property in '
            '%s; misread properties with an error: %s; accepted sets with '
            'an error outside the documented list: %s'
            % (stats['sets'], stats['refused'],
               pct(stats['refused_caught'], stats['refused']),
               pct(stats['misread_caught'], stats['misread_props']),
               pct(stats['accepted_bad_error'], stats['accepted'])))


def make_validator():
    return engine.Validator(data.image_schema(), data.namespaces(),
                            rules=rules_mod.load_rules(user_files=False))


class TestNovaTable(testtools.TestCase):

    def test_data_file_is_what_the_installed_nova_gives(self):
        diff = _oracle()['table_diff']
        self.assertEqual('', diff, 'osc_imagetools/data/nova-values.yaml '
                         'is out of date: run tools/gen-nova-table\n' + diff)

    def test_data_file_names_its_nova(self):
        from osc_imagetools.validation import nova
        self.assertEqual(_oracle()['nova_version'],
                         nova.load_table()['nova_version'])


class TestAgainstNova(testtools.TestCase):

    def setUp(self):
        super().setUp()
        self.useFixture(fixtures.EnvironmentVariable(
            'XDG_CONFIG_HOME', '/nonexistent'))

    def stats(self):
        rule_table = rules_mod.load_rules(user_files=False)
        return compare(make_validator(), _oracle()['sets'],
                       error_rules_allowed(rule_table))

    def test_corpus_exercises_nova(self):
        # the test can fail only if Nova refuses and misreads some sets
        sets = _oracle()['sets']
        self.assertEqual(SIZE, len(sets))
        self.assertGreater(sum(s['refused'] for s in sets), SIZE // 5)
        self.assertGreater(sum(bool(s['misread']) for s in sets), SIZE // 20)
        self.assertGreater(sum(not s['refused'] and not s['misread']
                               for s in sets), SIZE // 5)
        self.assertFalse([s for s in sets
                          if s['refused'] and not s['culprits']])

    def test_every_refusal_and_misreading_is_an_error(self):
        stats = self.stats()
        self.assertEqual([], stats['misses'][:10], summary(stats))

    def test_errors_on_accepted_sets_are_documented(self):
        stats = self.stats()
        self.assertEqual([], stats['bad_errors'][:10], summary(stats))

    def test_documented_reasons(self):
        # the list the docs state is the one the engine names
        self.assertEqual({'glance-schema', 'catalog-only', 'cross-property',
                          'disk-file'}, set(engine.ERRORS_ON_NOVA_ACCEPTED))


def main(argv=None):
    import argparse
    parser = argparse.ArgumentParser(description='agreement of image '
                                     'validate with Nova on a corpus')
    parser.add_argument('--seed', type=int, default=SEED)
    parser.add_argument('--size', type=int, default=SIZE)
    parser.add_argument('--show', type=int, default=5,
                        help='disagreements to print')
    args = parser.parse_args(argv)
    os.environ['XDG_CONFIG_HOME'] = '/nonexistent'
    result = run_oracle(args.seed, args.size, table=False)
    rule_table = rules_mod.load_rules(user_files=False)
    stats = compare(make_validator(), result['sets'],
                    error_rules_allowed(rule_table))
    print('nova %s, seed %d: %s' % (result['nova_version'], args.seed,
                                    summary(stats)))
    for item in stats['misses'][:args.show]:
        print('missed:', item)
    for item in stats['bad_errors'][:args.show]:
        print('undocumented error:', item)
    return 0


if __name__ == '__main__':
    sys.exit(main())
