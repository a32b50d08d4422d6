"""osc-imagetools: an OpenStackClient plugin for Glance images.

Keep this package's import cheap: OpenStackClient imports the plugin module
on every ``openstack`` call.
"""
