"""Sphinx directive ``.. guest-checks::``: the list of guest checks,
written from the check records themselves
(:func:`osc_imagetools.guest.checks.doc_rst`), so that the docs cannot
drift from the code."""

from docutils import nodes
from docutils.parsers.rst import Directive
from docutils.statemachine import StringList
from sphinx.util.nodes import nested_parse_with_titles


class GuestChecks(Directive):
    has_content = False

    def run(self):
        from osc_imagetools.guest import checks

        lines = StringList(checks.doc_rst().splitlines(),
                           source='osc_imagetools.guest.checks')
        container = nodes.section()
        container.document = self.state.document
        nested_parse_with_titles(self.state, lines, container)
        return container.children


def setup(app):
    app.add_directive('guest-checks', GuestChecks)
    return {'parallel_read_safe': True, 'version': '1'}
