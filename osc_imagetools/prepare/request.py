"""What ``image prepare`` was asked to do, and the one image-create body.

A :class:`PrepareRequest` is built once from the parsed arguments
(:func:`osc_imagetools.v1.prepare.request_from_args`) and never changes.
It owns the Glance image-create body (:meth:`PrepareRequest.create_body`):
the properties step builds it once the disk format and sizes are known, and
the validation, the upload, the manifest and the printed ``openstack image
create`` line (:meth:`PrepareRequest.create_command`) all read that one
body.
"""

import dataclasses
import os
import shlex

from osc_imagetools import errors

# keys of the create body set by options rather than --property (the
# option to use instead, or None: not settable at all)
OPTION_KEYS = {'name': '--upload NAME', 'disk_format': '--disk-format',
               'container_format': '--container-format',
               'min_disk': '--min-disk', 'visibility': '--visibility',
               'tags': '--tag', 'min_ram': '--min-ram',
               'protected': '--protected', 'owner': '--project',
               'id': None, 'status': None}


@dataclasses.dataclass(frozen=True)
class PrepareRequest:
    """The arguments of one ``image prepare`` run, checked.

    ``output`` is the effective output path (the --convert-to default
    filled in); ``properties`` what the user asked for (profiles, then the
    property options, then --property); ``name`` the --upload name."""

    file: str
    disk_format: str = None
    container_format: str = 'bare'
    convert_to: str = None
    output: str = None
    force: bool = False
    profiles: tuple = ()
    properties: dict = dataclasses.field(default_factory=dict)
    min_disk: int = None
    min_ram: int = None
    catalog_dir: str = None
    ignore: tuple = ()
    guest_root: str = None
    inspect_guest: bool = False
    fix_guest: bool = False
    in_place: bool = False
    guest_only: bool = False
    allow_guest_failures: bool = False
    manifest: str = None
    name: str = None
    visibility: str = None
    protected: bool = None
    project: str = None
    project_domain: str = None
    tags: tuple = ()
    unique_name: bool = False
    import_method: str = None
    stores: tuple = ()
    delete_on_mismatch: bool = False
    dry_run: bool = False

    @property
    def upload(self):
        """Whether the image goes to Glance (--upload NAME)."""
        return bool(self.name)

    @property
    def guest(self):
        """Whether the guest step runs (--guest-root, --inspect-guest)."""
        return bool(self.guest_root or self.inspect_guest)

    def create_body(self, disk_format, min_disk, properties, owner=None):
        """The Glance image-create body: the format attributes, the
        properties, then what --upload and its options set (``owner``: the
        --project resolved to an ID)."""
        body = {'disk_format': disk_format,
                'container_format': self.container_format,
                'min_disk': min_disk}
        if self.min_ram is not None:
            body['min_ram'] = self.min_ram
        body.update(properties)
        if self.name:
            body['name'] = self.name
        if self.visibility:
            body['visibility'] = self.visibility
        if self.tags:
            body['tags'] = list(self.tags)
        if self.protected is not None:
            body['protected'] = self.protected
        if owner:
            body['owner'] = owner
        return body

    def create_command(self, body, file):
        """The ``openstack image create`` command line equivalent to
        ``body`` with the data of ``file``, quoted for a POSIX shell
        (the project as the user spelled it, not the resolved ID)."""
        argv = ['openstack', 'image', 'create',
                '--disk-format', body['disk_format'],
                '--container-format', body['container_format'],
                '--min-disk', str(body['min_disk']),
                '--file', file]
        if 'min_ram' in body:
            argv += ['--min-ram', str(body['min_ram'])]
        if body.get('visibility'):
            argv.append('--' + body['visibility'])
        if 'protected' in body:
            argv.append('--protected' if body['protected']
                        else '--unprotected')
        if self.project:
            argv += ['--project', self.project]
            if self.project_domain:
                argv += ['--project-domain', self.project_domain]
        for tag in body.get('tags', ()):
            argv += ['--tag', tag]
        for key, value in sorted(properties_of(body).items()):
            argv += ['--property', '%s=%s' % (key, value)]
        if self.import_method:
            # OSC's --import stages and imports (it has no --store option)
            argv.append('--import')
        argv.append(body.get('name') or os.path.splitext(
            os.path.basename(file))[0])
        return shlex.join(argv)


def properties_of(body):
    """The properties of a create body (what is not set by an option)."""
    return {k: v for k, v in body.items() if k not in OPTION_KEYS}


def user_properties(profile_names, options, property_args):
    """What the user asked for: the profiles (later ones win), then the
    property options (``{key: value}``, e.g. os_distro), then --property.
    A bad profile or property, or a key an option sets, is an
    :class:`~osc_imagetools.errors.InputError`."""
    from osc_imagetools import profiles
    from osc_imagetools import properties

    # ProfileError and PropertyError are errors.InputError (exit 2)
    props = profiles.merge(list(profile_names), profiles.load_profiles())
    props.update(options)
    props.update(properties.parse_properties(list(property_args)))
    for key in props:
        if key in OPTION_KEYS:
            hint = OPTION_KEYS[key]
            raise errors.InputError('%s is not a property here%s' % (
                key, ': use %s' % hint if hint else ''))
    return props
