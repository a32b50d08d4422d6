"""The services' own set-up steps, each service's in one process, for the
local cloud's template (see ``local_cloud.py``, which runs this once per
glance/keystone version; every new local cloud then copies the result):

    python tools/local_template.py keystone --config-file keystone.conf \
        --ids ids.json
    python tools/local_template.py glance --config-file glance.conf \
        [--metadefs DIR]

``keystone`` does what ``keystone-manage db_sync``, ``fernet_setup``,
``credential_setup`` and ``bootstrap`` do, by calling keystone-manage's own
entry point (``keystone.cmd.cli.main``) once per step in this process, then
adds what the tests need through keystone's own provider APIs (what the
REST API calls do): the image service, the ``glance`` service user, and the
``producer`` and ``consumer`` projects and users with the member role.
The endpoint URLs written name port 0: ``local_cloud.py`` sets the real
ports in its copy of the database. ``ids.json`` gets the project ids
(``admin_project_id``, ``producer_project_id``, ``consumer_project_id``).

``glance`` runs ``glance-manage db_sync`` and, with ``--metadefs``,
``glance-manage db_load_metadefs DIR`` (glance's own loader and catalog),
through glance-manage's entry point, in this process.

Separate processes paid each service's import (3-4 s) per step.
"""

import argparse
import json
import os
import sys
import uuid

# what local_cloud.py replaces per run (see its set_endpoint_urls)
IDENTITY_URL = 'http://127.0.0.1:0/v3'
IMAGE_URL = 'http://127.0.0.1:0'
REGION = 'RegionOne'
PASSWORDS = {'admin': 'adminpw', 'glance': 'glancepw',
             'producer': 'producerpw', 'consumer': 'consumerpw'}


def keystone_manage(conf, *argv):
    """One keystone-manage command, in this process."""
    from keystone.cmd import cli
    cli.CONF.clear()  # forget the previous command's arguments
    cli.main(['keystone-manage', '--config-file', conf] + list(argv))


def glance_manage(conf, *argv):
    """One glance-manage command, in this process (its entry point reads
    sys.argv)."""
    from glance.cmd import manage
    manage.CONF.clear()
    sys.argv = ['glance-manage', '--config-file', conf] + list(argv)
    rc = manage.main()
    if rc:
        raise SystemExit(rc)


def populate():
    """What the old REST population did, through the provider APIs
    keystone's API handlers call (backends are loaded by bootstrap)."""
    from keystone.common import provider_api
    api = provider_api.ProviderAPIs
    roles = {r['name']: r['id'] for r in api.role_api.list_roles()}
    service_id = uuid.uuid4().hex
    api.catalog_api.create_service(service_id, {
        'id': service_id, 'type': 'image', 'name': 'glance',
        'description': 'Image Service', 'enabled': True})
    for iface in ('public', 'internal', 'admin'):
        eid = uuid.uuid4().hex
        api.catalog_api.create_endpoint(eid, {
            'id': eid, 'interface': iface, 'url': IMAGE_URL,
            'service_id': service_id, 'region_id': REGION, 'enabled': True})

    def project(name):
        pid = uuid.uuid4().hex
        api.resource_api.create_project(pid, {
            'id': pid, 'name': name, 'domain_id': 'default',
            'enabled': True, 'description': ''})
        return pid

    def user(name, project_id=None):
        ref = {'name': name, 'domain_id': 'default', 'enabled': True,
               'password': PASSWORDS[name]}
        if project_id:
            ref['default_project_id'] = project_id
        return api.identity_api.create_user(ref)['id']

    service = project('service')
    glance = user('glance')
    for role in ('admin', 'service'):
        api.assignment_api.add_role_to_user_and_project(
            glance, service, roles[role])
    ids = {'admin_project_id':
           api.resource_api.get_project_by_name('admin', 'default')['id']}
    for who in ('producer', 'consumer'):
        pid = project(who)
        api.assignment_api.add_role_to_user_and_project(
            user(who, pid), pid, roles['member'])
        ids['%s_project_id' % who] = pid
    return ids


def keystone(conf, ids_file):
    import grp
    import pwd
    owner = ['--keystone-user', pwd.getpwuid(os.geteuid()).pw_name,
             '--keystone-group', grp.getgrgid(os.getegid()).gr_name]
    keystone_manage(conf, 'db_sync')
    keystone_manage(conf, 'fernet_setup', *owner)
    keystone_manage(conf, 'credential_setup', *owner)
    keystone_manage(conf, 'bootstrap',
                    '--bootstrap-password', PASSWORDS['admin'],
                    '--bootstrap-admin-url', IDENTITY_URL,
                    '--bootstrap-internal-url', IDENTITY_URL,
                    '--bootstrap-public-url', IDENTITY_URL,
                    '--bootstrap-region-id', REGION)
    ids = populate()
    with open(ids_file, 'w') as f:
        json.dump(ids, f, indent=1, sort_keys=True)


def glance(conf, metadefs):
    glance_manage(conf, 'db_sync')
    if metadefs:
        glance_manage(conf, 'db_load_metadefs', metadefs)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    sub = parser.add_subparsers(dest='service', required=True)
    ks = sub.add_parser('keystone')
    ks.add_argument('--config-file', required=True)
    ks.add_argument('--ids', required=True,
                    help='JSON file to write the project ids to')
    gl = sub.add_parser('glance')
    gl.add_argument('--config-file', required=True)
    gl.add_argument('--metadefs', help='metadef directory to load')
    args = parser.parse_args(argv)
    if args.service == 'keystone':
        keystone(args.config_file, args.ids)
    else:
        glance(args.config_file, args.metadefs)
    return 0


if __name__ == '__main__':
    sys.exit(main())
