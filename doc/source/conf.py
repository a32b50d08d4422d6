# Sphinx configuration for osc-imagetools.

import os
import sys

# doc/source/ext: the guest-checks directive (written from the records)
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                'ext'))

extensions = [
    'cliff.sphinxext',
    'openstackdocstheme',
    'guestchecks',
]

project = 'osc-imagetools'
copyright = '2026, osc-imagetools developers'
master_doc = 'index'
exclude_patterns = ['_build']
pygments_style = 'native'
html_theme = 'openstackdocs'

# openstackdocstheme
openstackdocs_repo_name = 'osc-imagetools/osc-imagetools'
openstackdocs_use_storyboard = False
openstackdocs_auto_name = False

# cliff: render the commands' own --help
autoprogram_cliff_application = 'openstack'
