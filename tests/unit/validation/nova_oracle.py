"""Nova as the oracle of ``image validate``: a corpus of generated image
property sets and what Nova does with each.

Run in a subprocess (Nova is slow to import and must stay out of the test
process)::

    python tests/unit/validation/nova_oracle.py --seed 1 --size 3000

prints one JSON document: ``{"nova_version", "table_diff", "sets": [...]}``
where each set is ``{"props", "refused", "error", "culprits", "misread",
"reads"}``:

* ``refused``: Nova's Glance layer (``_convert_from_string``) then
  ``ImageMeta.from_dict`` raised; ``culprits``: the properties that make it
  raise on their own (with the lower NUMA node keys they need to be read);
* ``misread``: properties of the set that Nova reads as something else
  than written: booleans outside oslo's strict strings (read as false),
  ``trait:X`` keys missing from ``traits_required``, NUMA node keys beyond
  the ones read, field names Nova does not read from an image
  (``hw_numa_cpus``, ``traits_required``), an old name whose new name
  wins with another value;
* ``reads``: the properties Nova reads at all;
* ``table_diff``: the difference between the committed
  ``data/nova-values.yaml`` and what ``tools/gen_nova_table.py`` makes from
  the installed Nova (empty when they agree).

The values are generated for every property Nova reads, from Nova's own
field list: valid values, case, padding and dash/underscore variants,
typos, empty, non-integers, out of range, lists/dicts/JSON text, CPU sets,
version predicates, and combinations (NUMA node sequences with gaps, old
and new names together, traits).
"""

import argparse
import json
import os
import random
import string
import sys
import warnings

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, '..', '..', '..'))

INTEGERS = ['0', '1', '2', '4', '8', '128', '-1', '-0', '+3', ' 4', '4 ',
            '\t2\n', '1_000', '1__0', '_1', '00', '007', 'abc', '1.5', '2.0',
            '0x10', '1e3', '', ' ', '\u0663', '\uff11', '99999999999999999999',
            '1,2', 'four', 'None', 'true', '1 2', '--1', '+-1', '0o7']
BOOLEANS = ['true', 'false', 'True', 'FALSE', 'yes', 'no', 'Yes', 'NO', 'y',
            'n', 't', 'f', '1', '0', 'on', 'off', 'On', ' yes', 'true ',
            'enabled', 'disabled', 'enable', '2', '-1', '', ' ', 'oui',
            'tru', 'yes please', '1.0', 'none', 'null', 'required']
STRINGS = ['', ' ', 'x', 'q35', 'pc-i440fx-2.11', '2048', 'large', 'any',
           'ubuntu', 'Windows', '\u00e9t\u00e9', 'a' * 300, '{}', '[]']
UUIDS = ['5d7a3d3a-4b5a-4f6e-9a1b-2c3d4e5f6a7b',
         '5D7A3D3A-4B5A-4F6E-9A1B-2C3D4E5F6A7B',
         '5d7a3d3a4b5a4f6e9a1b2c3d4e5f6a7b', 'not-a-uuid', '', '1234',
         '{5d7a3d3a-4b5a-4f6e-9a1b-2c3d4e5f6a7b}',
         'urn:uuid:5d7a3d3a-4b5a-4f6e-9a1b-2c3d4e5f6a7b']
PREDICATES = ['>=2.6', '2.6', '>= 2.6', '>=2.6,<3.0', '>=2.6, <3.0', '==1',
              '!=1.2.3', '<4', '>1.0.0rc1', '=>2.6', '>=abc', '>=', '',
              ' >=2.6 ', '>=2.6,', '~=2.6', '>=2.6;<3', '>=1.0.post1',
              '>=v2', '>=2.6 3', '<=1.0,>=0.5,!=0.7']
JSON_LISTS = ['[]', '{}', '[{}]', '[{"a": "b"}]', '[{"a": 1}]',
              '[{"a": 1.5}]', '[{"a": null}]', '[{"a": true}]',
              '[{"a": [1]}]', '[{"a": {"b": 1}}]', '[1]', '["a"]',
              '[[]]', 'null', '"x"', '1', 'abc', '', '[{', '[{"a": "b"},]',
              '[{"device_name": "vda", "boot_index": 0}]',
              '[{"virtual": "root", "device": "/dev/sda"}]', ' [] ',
              "[{'a': 'b'}]", '[{"a": NaN}]']
CPU_SETS = ['0', '0-3', '0-3,^2', '0,1,2', '3-1', 'a', '0,,1', '^1', '1-',
            '-1', ' 0 - 2 ', '0-1,a', '1--2', '', ',', '0-3^2', '\u0663',
            '0-1,4-5', '^0-1', '0- 3', '1 2', '01', '+1']
JUNK = ['', ' ', 'x', 'none', 'None', 'null', '0', '1', 'true', 'virtio',
        'scsi', '[]', '{}', '-']


def _load_gen():
    sys.path.insert(0, os.path.join(ROOT, 'tools'))
    import gen_nova_table
    return gen_nova_table


class Corpus:
    """Generates property sets from Nova's own field list."""

    def __init__(self, nv, gen, rng):
        self.nv, self.gen, self.rng = nv, gen, rng
        self.props = nv.props
        self.kinds = {}
        for name, field in self.props.fields.items():
            self.kinds[name] = gen._field_entry(nv, name, field)
        self.legacy = dict(self.props._legacy_property_map)
        self.families = sorted(n for n, e in self.kinds.items()
                               if e['type'] == 'per-node')
        self.enum_values = sorted({v for e in self.kinds.values()
                                   for v in e.get('values', ())})
        self.plain = sorted(n for n, e in self.kinds.items()
                            if e['type'] not in ('per-node', 'traits'))
        self.keys = (self.plain + sorted(self.legacy)
                     + ['vmware_adaptertype'])

    def typo(self, text):
        rng = self.rng
        if not text:
            return rng.choice(string.ascii_lowercase)
        i = rng.randrange(len(text))
        op = rng.randrange(4)
        letter = rng.choice(string.ascii_lowercase + '-_ ')
        if op == 0:
            return text[:i] + text[i + 1:]
        if op == 1:
            return text[:i] + letter + text[i:]
        if op == 2:
            return text[:i] + letter + text[i + 1:]
        if len(text) > 1 and i < len(text) - 1:
            return text[:i] + text[i + 1] + text[i] + text[i + 2:]
        return text + letter

    def variant(self, text):
        rng = self.rng
        return rng.choice([
            text, text, text.upper(), text.title(), text.swapcase(),
            ' ' + text, text + ' ', text.replace('-', '_'),
            text.replace('_', '-'), text.replace('-', ''), self.typo(text),
            self.typo(self.typo(text)), text + ',' + text, '"%s"' % text,
            text[:1].upper() + text[1:]])

    def value(self, kind):
        rng = self.rng
        t = kind['type']
        if rng.random() < 0.07:
            return rng.choice(JUNK)
        if t == 'enum':
            pool = list(kind['values']) + list(kind.get('aliases') or ())
            pick = rng.random()
            if pick < 0.35:
                return rng.choice(pool)
            if pick < 0.85:
                return self.variant(rng.choice(pool))
            return rng.choice(self.enum_values)
        if t == 'integer':
            if rng.random() < 0.6:
                return rng.choice(INTEGERS)
            return str(rng.randint(-5, 5000))
        if t == 'boolean':
            return (rng.choice(BOOLEANS) if rng.random() < 0.8
                    else self.variant(rng.choice(BOOLEANS)))
        if t == 'uuid':
            return rng.choice(UUIDS)
        if t == 'version-predicate':
            return rng.choice(PREDICATES)
        if t == 'list-of-dicts':
            return rng.choice(JSON_LISTS)
        if t == 'per-node':
            return self.value({'type': kind['node_type']})
        if t == 'cpu-set':
            return rng.choice(CPU_SETS)
        return rng.choice(STRINGS)

    def key_kind(self, key):
        if key == 'vmware_adaptertype':
            kind = dict(self.kinds['hw_scsi_model'])
            kind['values'] = list(kind['values']) + ['ide', 'lsiLogic',
                                                     'busLogic', 'paraVirtual']
            return kind
        return self.kinds[self.legacy.get(key, key)]

    def one_set(self):
        rng = self.rng
        props = {}
        for _ in range(rng.choice([1, 1, 1, 2, 2, 3, 4, 5])):
            key = rng.choice(self.keys)
            props[key] = self.value(self.key_kind(key))
        roll = rng.random()
        if roll < 0.15:
            family = rng.choice(self.families)
            count = rng.randint(1, 4)
            for i in range(count):
                if rng.random() < 0.15:
                    continue  # a gap
                index = str(i) if rng.random() < 0.95 else '0' + str(i)
                props['%s.%s' % (family, index)] = self.value(
                    self.kinds[family])
            if rng.random() < 0.5:
                props['hw_numa_nodes'] = str(count)
        elif roll < 0.25:
            old = rng.choice(sorted(self.legacy))
            kind = self.key_kind(old)
            props[old] = self.value(kind)
            props[self.legacy[old]] = self.value(kind)
        elif roll < 0.32:
            name = rng.choice(['HW_CPU_X86_AVX2', 'CUSTOM_GPU', 'x'])
            props['trait:' + name] = rng.choice(
                ['required', 'required', 'Required', ' required', 'forbidden',
                 'yes', '', 'REQUIRED'])
        elif roll < 0.35:
            props[rng.choice(self.families + ['traits_required'])] = \
                rng.choice(['0-1', '512', 'HW_CPU_X86_AVX2'])
        return props


class Oracle:

    def __init__(self, nv, corpus):
        self.nv, self.corpus = nv, corpus
        self.props = nv.props

    def from_dict(self, props):
        meta = self.nv.glance._convert_from_string(
            {'properties': dict(props)})
        with warnings.catch_warnings():
            warnings.simplefilter('ignore')
            return self.nv.image_meta.ImageMeta.from_dict(meta).properties

    def refuses(self, props):
        try:
            self.from_dict(props)
        except Exception:
            return True
        return False

    def node(self, key):
        for family in self.corpus.families:
            if key.startswith(family + '.'):
                return family, key[len(family) + 1:]
        return None

    def context(self, key, props):
        node = self.node(key)
        if node is None:
            return {key: props[key]}
        family, index = node
        out = {key: props[key]}
        if index.isdigit() and index.isascii():
            for i in range(int(index)):
                k = '%s.%d' % (family, i)
                if k in props:
                    out[k] = props[k]
        return out

    def reads(self, key):
        return (key in self.props.fields or key in self.corpus.legacy
                or key == 'vmware_adaptertype' or key.startswith('trait:')
                or self.node(key) is not None)

    def verdict(self, props):
        from oslo_utils import strutils
        out = {'props': props, 'refused': False, 'error': None,
               'culprits': [], 'misread': [],
               'reads': sorted(k for k in props if self.reads(k))}
        try:
            result = self.from_dict(props)
        except Exception as exc:
            out['refused'] = True
            out['error'] = ('%s: %s' % (type(exc).__name__, exc))[:300]
            for key in sorted(props):
                ctx = self.context(key, props)
                rest = dict(ctx)
                del rest[key]
                if self.refuses(ctx) and not self.refuses(rest):
                    out['culprits'].append(key)
            return out
        misread = set()
        legacy = self.corpus.legacy
        for key, value in props.items():
            field = legacy.get(key, key)
            kind = self.corpus.kinds.get(field, {}).get('type')
            if key in legacy or key in self.corpus.plain:
                if kind == 'boolean':
                    try:
                        strutils.bool_from_string(value, strict=True)
                    except ValueError:
                        misread.add(key)
            if key in legacy and legacy[key] in props:
                alone = self.from_dict({key: value})
                if alone.get(field) != result.get(field):
                    misread.add(key)
            if key in self.corpus.families or key == 'traits_required':
                misread.add(key)
            if key.startswith('trait:') and key[6:] not in (
                    result.get('traits_required') or ()):
                misread.add(key)
            node = self.node(key)
            if node is not None:
                family, index = node
                read = len(result.get(family) or ())
                if not (index.isdigit() and index.isascii()
                        and str(int(index)) == index
                        and int(index) < read):
                    misread.add(key)
        out['misread'] = sorted(misread)
        return out


def table_diff(gen):
    import difflib
    text = gen.render(gen.build_table())
    with open(gen.DATA_FILE, encoding='utf-8') as f:
        old = f.read()
    return ''.join(difflib.unified_diff(
        old.splitlines(True), text.splitlines(True), 'committed',
        'from installed nova'))


def main(argv=None):
    parser = argparse.ArgumentParser()
    parser.add_argument('--seed', type=int, default=1)
    parser.add_argument('--size', type=int, default=3000)
    parser.add_argument('--no-table', action='store_true')
    args = parser.parse_args(argv)
    gen = _load_gen()
    nv = gen._load_nova()
    corpus = Corpus(nv, gen, random.Random(args.seed))
    oracle = Oracle(nv, corpus)
    sets = [oracle.verdict(corpus.one_set()) for _ in range(args.size)]
    json.dump({'nova_version': gen.nova_version(),
               'table_diff': None if args.no_table else table_diff(gen),
               'sets': sets}, sys.stdout)
    return 0


if __name__ == '__main__':
    sys.exit(main())
