"""Nothing under osc_imagetools/cloud/ knows about cliff or OSC: no import
of cliff, osc_lib or openstackclient, no use of a cliff ``app`` or OSC's
``client_manager``. The commands hand the cloud functions proxies from
``client_manager.imagetools`` (osc_imagetools.cloud.client.Client)."""

import ast
import os

import fixtures
import testtools

import osc_imagetools.cloud

CLOUD = os.path.dirname(osc_imagetools.cloud.__file__)
FORBIDDEN_MODULES = ('cliff', 'osc_lib', 'openstackclient')
FORBIDDEN_NAMES = ('app', 'client_manager')
# (file, function) pairs allowed to break the rule: none
ALLOWED = set()


def offences(path):
    """``[(line, what)]``: forbidden imports and names in ``path``,
    outside the ALLOWED functions."""
    with open(path, encoding='utf-8') as f:
        tree = ast.parse(f.read(), path)
    allowed = set()
    for node in ast.walk(tree):
        if (isinstance(node, ast.FunctionDef)
                and (os.path.basename(path), node.name) in ALLOWED):
            allowed.update(id(n) for n in ast.walk(node))
    out = []
    for node in ast.walk(tree):
        if id(node) in allowed:
            continue
        if isinstance(node, ast.Import):
            mods = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            mods = [node.module or '']
        else:
            mods = []
        for mod in mods:
            if mod.split('.')[0] in FORBIDDEN_MODULES:
                out.append((node.lineno, 'imports ' + mod))
        name = None
        if isinstance(node, ast.Name):
            name = node.id
        elif isinstance(node, ast.Attribute):
            name = node.attr
        elif isinstance(node, ast.arg):
            name = node.arg
        if name in FORBIDDEN_NAMES:
            out.append((node.lineno, 'uses ' + name))
    return out


class TestCloudKnowsNoCliff(testtools.TestCase):

    def test_no_cliff_no_app(self):
        found = []
        for name in sorted(os.listdir(CLOUD)):
            if name.endswith('.py'):
                found += ['%s:%d: %s' % (name, line, what)
                          for line, what in offences(
                              os.path.join(CLOUD, name))]
        self.assertEqual([], found)

    def test_the_check_can_fail(self):
        path = self.useFixture(fixtures.TempDir()).join('x.py')
        with open(path, 'w') as f:
            f.write('from osc_lib import utils\n'
                    'def f(app):\n'
                    '    return app.client_manager.sdk_connection\n')
        self.assertEqual(
            [(1, 'imports osc_lib'), (2, 'uses app'), (3, 'uses app'),
             (3, 'uses client_manager')], sorted(offences(path)))
