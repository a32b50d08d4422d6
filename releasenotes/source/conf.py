# Sphinx configuration for the osc-imagetools release notes.
extensions = ['reno.sphinxext', 'openstackdocstheme']
project = 'osc-imagetools Release Notes'
copyright = '2026, osc-imagetools developers'
master_doc = 'index'
html_theme = 'openstackdocs'
openstackdocs_repo_name = 'osc-imagetools/osc-imagetools'
openstackdocs_use_storyboard = False
openstackdocs_auto_name = False
