"""Will this image boot on this flavor? Nova's image/flavor checks, offline.

::

    flavor = normalize_flavor(<flavor JSON: SDK, `flavor show -f json`,
                               `flavor list --long -f json`>)
    findings = check(image, flavor)   # image: Glance's JSON of an image
                                      # (or a property set): strings for
                                      # custom properties

Nova refuses a server create (or a boot) when the image's ``min_disk``/
``min_ram`` exceed the flavor, or when image properties and flavor extra
specs contradict each other. Nova does it in the compute API
(``nova.compute.api.API._validate_flavor_image_nostatus`` and
``_validate_flavor_image_numa_pci``) and in ``nova/virt/hardware.py``. This
module is the project's own re-implementation of those checks (the runtime
must not import nova), each rule named after the Nova function it mirrors
in :data:`RULES`; ``tests/unit/validation/test_flavor_nova_oracle.py`` runs
generated image x flavor pairs through both and requires that they agree
(Nova version: :data:`NOVA_VERSION`).

Written by hand because no client library carries these checks; values are
read the way Nova reads them: flavor extra specs as text,
``strutils.bool_from_string`` for booleans (the same oslo.utils function
Nova's ``FlexibleBooleanField`` uses), ``int()`` for integers. An image
property Nova cannot read at all (a bad integer or enum value) is left to
the property checks of :mod:`.engine` and ignored here.

Every finding is an error except ``flavor-zero-disk`` (a warning: whether a
flavor with a 0 GB root disk may boot from an image is a policy decision of
the cloud).
"""

import collections
import functools
import re

from oslo_utils import strutils

from osc_imagetools import errors

from osc_imagetools.validation.nova import parse_cpu_spec

NOVA_VERSION = '34.0.0'

ERROR = 'error'
WARNING = 'warning'
GiB = 1024 ** 3

FlavorFinding = collections.namedtuple(
    'FlavorFinding', 'property value severity rule message')

# rule id -> (the Nova function it mirrors, what it checks)
RULES = collections.OrderedDict((
    ('flavor-min-ram', (
        'compute.api.API._validate_flavor_image_nostatus',
        "image min_ram (MiB) above the flavor's RAM")),
    ('flavor-min-disk', (
        'compute.api.API._validate_flavor_image_nostatus',
        "image min_disk (GiB) above the flavor's root disk (not checked "
        'when the root disk is 0: the volume-backed rule)')),
    ('flavor-disk-size', (
        'compute.api.API._validate_flavor_image_nostatus',
        "image size above the flavor's root disk (not checked when the "
        'root disk is 0)')),
    ('flavor-zero-disk', (
        'compute.api.API._validate_flavor_image_nostatus',
        'warning: a flavor with a 0 GB root disk boots this image only '
        'from a volume, unless the policy '
        'os_compute_api:servers:create:zero_disk_flavor allows the caller '
        '(admin only by default)')),
    ('flavor-packed-ring-conflict', (
        'virt.hardware.get_packed_virtqueue_constraint',
        'hw_virtio_packed_ring vs hw:virtio_packed_ring')),
    ('flavor-mem-encryption-conflict', (
        'virt.hardware.get_mem_encryption_constraint',
        'hw_mem_encryption(_model) vs hw:mem_encryption(_model); '
        'encryption needs hw_firmware_type=uefi, a q35 hw_machine_type if '
        'one is set, stateless firmware (SEV-SNP, TDX) and no video device '
        '(TDX)')),
    ('flavor-pmu-conflict', (
        'virt.hardware.get_pmu_constraint', 'hw_pmu vs hw:pmu')),
    ('flavor-serial-ports', (
        'virt.hardware.get_number_of_serial_ports',
        'hw_serial_port_count above hw:serial_port_count')),
    ('flavor-realtime-mask', (
        'virt.hardware.get_realtime_cpu_constraint',
        'with hw:cpu_realtime: the realtime mask (image or flavor) must '
        "leave a vCPU out (or emulator threads be set) and name only the "
        "flavor's vCPUs")),
    ('flavor-cpu-topology', (
        'virt.hardware.get_cpu_topology_constraints',
        'hw_cpu_max_* above hw:cpu_max_*, hw_cpu_sockets/cores/threads '
        'above the maximum')),
    ('flavor-vif-multiqueue-conflict', (
        'virt.hardware.get_vif_multiqueue_constraint',
        'hw_vif_multiqueue_enabled vs hw:vif_multiqueue_enabled (only '
        'with 2 or more vCPUs)')),
    ('flavor-cpu-policy-conflict', (
        'virt.hardware.get_cpu_policy_constraint',
        'hw_cpu_policy vs hw:cpu_policy (ImageCPUPinningForbidden)')),
    ('flavor-cpu-thread-policy-conflict', (
        'virt.hardware.get_cpu_thread_policy_constraint',
        'hw_cpu_thread_policy vs hw:cpu_thread_policy')),
    ('flavor-emulator-threads', (
        'virt.hardware.get_emulator_thread_policy_constraint',
        'hw:emulator_threads_policy value')),
    ('flavor-cpu-pinning', (
        'virt.hardware.numa_get_constraints',
        'the combined CPU policy: resources:VCPU/PCPU, the '
        'HW_CPU_HYPERTHREADING trait, thread policy, emulator threads, '
        'dedicated and realtime masks need a dedicated or mixed policy')),
    ('flavor-numa-conflict', (
        'virt.hardware._get_numa_node_count_constraint, '
        '_get_numa_cpu_constraint, _get_numa_mem_constraint',
        'hw_numa_nodes/hw_numa_cpus.N/hw_numa_mem.N when the flavor sets '
        'its own')),
    ('flavor-numa-topology', (
        'virt.hardware.numa_get_constraints',
        "the guest NUMA topology must split the flavor's vCPUs and RAM")),
    ('flavor-mem-page-size', (
        'virt.hardware._get_numa_pagesize_constraint',
        'hw_mem_page_size needs hw:mem_page_size any or large')),
    ('flavor-locked-memory', (
        'virt.hardware.get_locked_memory_constraint',
        'hw_locked_memory vs hw:locked_memory; locked memory needs a '
        'memory page size')),
    ('flavor-pci-numa-policy-conflict', (
        'virt.hardware.get_pci_numa_policy_constraint',
        'hw_pci_numa_affinity_policy vs hw:pci_numa_affinity_policy')),
    ('flavor-secure-boot-conflict', (
        'virt.hardware.get_secure_boot_constraint',
        'os_secure_boot vs os:secure_boot')),
    ('flavor-tpm-conflict', (
        'virt.hardware.get_vtpm_constraint',
        'hw_tpm_version/hw_tpm_model vs hw:tpm_version/hw:tpm_model')),
    ('flavor-extra-spec-invalid', (
        'virt.hardware (several)',
        'a flavor extra spec Nova cannot read (every image fails on it)')),
))

# the enums of nova.objects.fields (Nova 34)
CPU_POLICIES = ('dedicated', 'shared', 'mixed')
THREAD_POLICIES = ('prefer', 'isolate', 'require')
EMULATOR_POLICIES = ('share', 'isolate')
PCI_NUMA_POLICIES = ('required', 'legacy', 'preferred', 'socket')
SECURE_BOOT = ('required', 'disabled', 'optional')
TPM_VERSIONS = ('1.2', '2.0')
TPM_MODELS = ('tpm-tis', 'tpm-crb')
MEM_ENCRYPTION_MODELS = ('amd-sev', 'amd-sev-es', 'amd-sev-snp',
                         'intel-tdx')
# MemEncryptionConfig subclasses: model -> (needs stateless firmware,
# needs no video device)
_ENC_NEEDS = {'amd-sev': (False, False), 'amd-sev-es': (False, False),
              'amd-sev-snp': (True, False), 'intel-tdx': (True, True)}
NUMA_NODES_MAX = 128  # ImageMetaProps.NUMA_NODES_MAX

# image properties by the type Nova's ImageMetaProps gives them
_INT_PROPS = ('hw_cpu_cores', 'hw_cpu_sockets', 'hw_cpu_threads',
              'hw_cpu_max_cores', 'hw_cpu_max_sockets', 'hw_cpu_max_threads',
              'hw_numa_nodes', 'hw_serial_port_count')
_BOOL_PROPS = ('hw_pmu', 'hw_mem_encryption', 'hw_vif_multiqueue_enabled',
               'hw_locked_memory', 'hw_firmware_stateless')
_ENUM_PROPS = {
    'hw_cpu_policy': CPU_POLICIES,
    'hw_cpu_thread_policy': THREAD_POLICIES,
    'hw_pci_numa_affinity_policy': PCI_NUMA_POLICIES,
    'os_secure_boot': SECURE_BOOT,
    'hw_tpm_version': TPM_VERSIONS,
    'hw_tpm_model': TPM_MODELS,
    'hw_mem_encryption_model': MEM_ENCRYPTION_MODELS,
    'hw_firmware_type': ('bios', 'uefi'),
}
_STR_PROPS = ('hw_cpu_realtime_mask', 'hw_mem_page_size', 'hw_machine_type',
              'hw_video_model', 'hw_virtio_packed_ring')


class FlavorError(errors.OperationError, ValueError):
    """A flavor description that cannot be read (one line).

    An operation error (exit 1): flavors read from the cloud that make no
    sense. ``image validate`` reports the same error in a ``--flavor-file``
    as an input error (exit 2), prefixed with the file's name."""


# -- flavors -----------------------------------------------------------------
def _parse_properties_text(text):
    """OSC before it printed a dict: ``key='value', key2='value2'``."""
    out = {}
    for match in re.finditer(r"([^=,\s][^=]*?)='((?:[^'\\]|\\.)*)'", text):
        out[match.group(1).strip()] = match.group(2)
    if text.strip() and not out:
        raise FlavorError('cannot read the flavor properties %r' % text)
    return out


def normalize_flavor(data):
    """A flavor as ``{'id', 'name', 'vcpus', 'ram', 'disk', 'extra_specs'}``
    from any of the JSON shapes people have: openstacksdk's ``Flavor``
    (``extra_specs``), ``openstack flavor show -f json`` (``properties``)
    and ``openstack flavor list --long -f json`` (``ID``, ``Name``,
    ``RAM``, ``Disk``, ``VCPUs``, ``Properties``). Raises
    :class:`FlavorError`."""
    if not isinstance(data, dict):
        raise FlavorError('a flavor must be a JSON object, not %s'
                          % type(data).__name__)
    low = {str(k).lower(): v for k, v in data.items()}
    name = low.get('name') or low.get('original_name') or low.get('id')
    if not name:
        raise FlavorError('a flavor has neither a name nor an id')
    specs = low.get('extra_specs')
    if specs is None:
        specs = low.get('properties')
    if specs is None:
        specs = {}
    if isinstance(specs, str):
        specs = _parse_properties_text(specs)
    if not isinstance(specs, dict):
        raise FlavorError('flavor %s: its properties/extra_specs must be '
                          'an object' % name)
    out = {'id': str(low.get('id') or name), 'name': str(name),
           'extra_specs': {str(k): str(v) for k, v in specs.items()}}
    for key in ('vcpus', 'ram', 'disk'):
        value = low.get(key)
        try:
            out[key] = int(value)
        except (TypeError, ValueError):
            raise FlavorError('flavor %s: %s must be an integer, not %r'
                              % (name, key, value)) from None
    return out


def normalize_flavors(data):
    """A list of flavors from one flavor or a list (a flavor file)."""
    items = data if isinstance(data, list) else [data]
    return [normalize_flavor(item) for item in items]


class FlavorFileError(errors.InputError):
    """A ``--flavor-file`` that cannot be read, parsed or understood: bad
    input (exit 2), whereas the same :class:`FlavorError` in flavors the
    cloud returned is exit 1."""


def read_flavor_file(path):
    """The normalized flavors of a flavor file: JSON (or YAML) as
    ``openstack flavor show -f json`` or ``openstack flavor list --long -f
    json`` print them, one flavor or a list; :class:`FlavorFileError`
    otherwise, or when it holds none."""
    import json

    import yaml

    try:
        with open(path, encoding='utf-8') as fh:
            text = fh.read()
        try:
            data = json.loads(text)
        except ValueError:
            data = yaml.safe_load(text)
        found = normalize_flavors(data)
    except (OSError, UnicodeDecodeError) as exc:
        raise FlavorFileError('cannot read --flavor-file %s: %s'
                              % (path, exc.strerror or exc)) from None
    except yaml.YAMLError as exc:
        raise FlavorFileError('--flavor-file %s is neither JSON nor YAML: %s'
                              % (path, ' '.join(str(exc).split()))) from None
    except FlavorError as exc:
        raise FlavorFileError('--flavor-file %s: %s' % (path, exc)) from None
    if not found:
        raise FlavorFileError('--flavor-file %s holds no flavor' % path)
    return found


# -- reading values as Nova reads them ---------------------------------------
# (CPU specs: nova.parse_cpu_spec, shared with the property checks)
def image_properties(image):
    """The image properties Nova's flavor checks read, typed as
    ``ImageMetaProps`` types them; a value Nova could not read is left
    out (the property checks report it)."""
    out = {}
    for name in _INT_PROPS:
        if name in image:
            try:
                out[name] = int(image[name])
            except (TypeError, ValueError):
                pass
    for name in _BOOL_PROPS:
        if name in image and image[name] is not None:
            out[name] = strutils.bool_from_string(image[name])
    for name, allowed in _ENUM_PROPS.items():
        if image.get(name) in allowed:
            out[name] = image[name]
    for name in _STR_PROPS:
        if isinstance(image.get(name), str):
            out[name] = image[name]
    try:
        cpus = _numbered(image, 'hw_numa_cpus.%d', parse_cpu_spec)
        mems = _numbered(image, 'hw_numa_mem.%d', int)
    except (TypeError, ValueError):
        cpus = mems = None
    if cpus is not None:
        out['hw_numa_cpus'] = cpus
    if mems is not None:
        out['hw_numa_mem'] = mems
    traits = [k[6:] for k, v in image.items()
              if str(k).startswith('trait:') and str(v) == 'required']
    if traits:
        out['traits_required'] = traits
    return out


def _numbered(mapping, pattern, func):
    """``[func(mapping[pattern % 0]), ...]`` up to the first gap, or
    None (Nova's per-NUMA-node keys)."""
    out = []
    for cell in range(NUMA_NODES_MAX):
        key = pattern % cell
        if key not in mapping:
            break
        out.append(func(mapping[key]))
    return out or None


def _int(value):
    try:
        return int(value or 0)
    except (TypeError, ValueError):
        return 0


# -- the checks ---------------------------------------------------------------
class _Found(Exception):
    """Stops a Nova function's mirror at its first failure (as Nova's
    raise does)."""


class _Check:

    def __init__(self, image, flavor, props=None):
        self.image = image
        self.flavor = flavor
        self.specs = flavor.get('extra_specs') or {}
        self.props = image_properties(image) if props is None else props
        self.vcpus = int(flavor.get('vcpus') or 0)
        self.ram = int(flavor.get('ram') or 0)
        self.out = []

    def add(self, rule, prop, value, message, severity=ERROR):
        self.out.append(FlavorFinding(prop, '' if value is None else
                                      str(value), severity, rule, message))

    def fail(self, rule, prop, value, message):
        self.add(rule, prop, value, message)
        raise _Found()

    def mask_cpus(self, mask):
        """The vCPUs a realtime/dedicated mask selects: a mask of only
        exclusions (``^0``) applies to all the flavor's vCPUs, as Nova
        reads it; ValueError when it cannot be read."""
        if mask.strip().startswith('^'):
            return parse_cpu_spec('0-%d,%s' % (self.vcpus - 1, mask))
        return parse_cpu_spec(mask)

    def pair(self, key, prefix='hw'):
        return (self.specs.get('%s:%s' % (prefix, key)),
                self.props.get('%s_%s' % (prefix, key)))

    def run(self, sizes=True, specs=True):
        """The findings of the size checks (min_ram, min_disk, size) and/or
        of the property/extra spec checks."""
        steps = (self.min_ram, self.disk) if sizes else ()
        if specs:
            steps += (self.packed_ring, self.mem_encryption, self.pmu,
                      self.serial_ports, self.realtime, self.topology,
                      self.vif_multiqueue, self.numa, self.pci_numa_policy,
                      self.secure_boot, self.tpm)
        for step in steps:
            try:
                step()
            except _Found:
                pass
        return _unique(self.out)

    # _validate_flavor_image_nostatus
    def min_ram(self):
        min_ram = _int(self.image.get('min_ram'))
        if self.ram < min_ram:
            self.add('flavor-min-ram', 'min_ram', min_ram,
                     'image needs %d MiB of RAM; flavor %s has %d MiB'
                     % (min_ram, self.flavor['name'], self.ram))

    def disk(self):
        root = int(self.flavor.get('disk') or 0) * GiB
        min_disk = _int(self.image.get('min_disk'))
        size = _int(self.image.get('size'))
        if root == 0:
            self.add('flavor-zero-disk', 'min_disk', min_disk or '',
                     'flavor %s has a 0 GB root disk: boot from a volume '
                     '(of at least min_disk), or a policy must allow '
                     'zero-disk flavors' % self.flavor['name'], WARNING)
            return
        if size > root:
            self.add('flavor-disk-size', 'size', size,
                     'image is %d bytes; flavor %s has a %d GiB root disk'
                     % (size, self.flavor['name'], root // GiB))
        if min_disk * GiB > root:
            self.add('flavor-min-disk', 'min_disk', min_disk,
                     'image needs a %d GiB disk; flavor %s has a %d GiB '
                     'root disk' % (min_disk, self.flavor['name'],
                                    root // GiB))

    def _conflict(self, rule, key, flavor_value, image_value, prefix='hw'):
        self.fail(rule, '%s_%s' % (prefix, key), image_value,
                  'image sets %s_%s=%s but flavor %s sets %s:%s=%s'
                  % (prefix, key, _text(image_value), self.flavor['name'],
                     prefix, key, flavor_value))

    def _bool_pair(self, rule, key, image_bool=True):
        flavor_str, image_value = self.pair(key)
        if not image_bool and image_value is not None:
            image_value = strutils.bool_from_string(image_value)
        flavor_value = (None if flavor_str is None
                        else strutils.bool_from_string(flavor_str))
        if (image_value is not None and flavor_value is not None
                and image_value != flavor_value):
            self._conflict(rule, key, flavor_str, image_value)

    def packed_ring(self):
        self._bool_pair('flavor-packed-ring-conflict', 'virtio_packed_ring',
                        image_bool=False)

    def pmu(self):
        self._bool_pair('flavor-pmu-conflict', 'pmu')

    def vif_multiqueue(self):
        if self.vcpus < 2:
            return
        self._bool_pair('flavor-vif-multiqueue-conflict',
                        'vif_multiqueue_enabled')

    # get_mem_encryption_constraint
    def mem_encryption(self):
        rule = 'flavor-mem-encryption-conflict'
        flavor_str, image_enc = self.pair('mem_encryption')
        flavor_enc = (None if flavor_str is None
                      else strutils.bool_from_string(flavor_str))
        if not flavor_enc and not image_enc:
            return
        if (flavor_enc is not None and image_enc is not None
                and flavor_enc != image_enc):
            self._conflict(rule, 'mem_encryption', flavor_str, image_enc)
        flavor_model, image_model = self.pair('mem_encryption_model')
        if (flavor_model is not None and image_model is not None
                and flavor_model != image_model):
            self._conflict(rule, 'mem_encryption_model', flavor_model,
                           image_model)
        model = image_model or flavor_model or 'amd-sev'
        if model not in _ENC_NEEDS:
            self.fail('flavor-extra-spec-invalid', 'hw_mem_encryption_model',
                      model, 'flavor %s: %r is not a memory encryption model '
                      'Nova knows (%s)' % (self.flavor['name'], model,
                                           ', '.join(MEM_ENCRYPTION_MODELS)))
        who = ('flavor %s' % self.flavor['name'] if flavor_enc
               else 'the image')
        if self.props.get('hw_firmware_type') != 'uefi':
            self.fail(rule, 'hw_firmware_type',
                      self.props.get('hw_firmware_type'),
                      'memory encryption (requested by %s) needs '
                      'hw_firmware_type=uefi' % who)
        machine = self.props.get('hw_machine_type')
        if machine is not None and 'q35' not in machine:
            self.fail(rule, 'hw_machine_type', machine,
                      'memory encryption (requested by %s) needs a q35 '
                      'machine type' % who)
        stateless, no_video = _ENC_NEEDS[model]
        if stateless and not self.props.get('hw_firmware_stateless'):
            self.fail(rule, 'hw_firmware_stateless',
                      self.image.get('hw_firmware_stateless'),
                      'the %s memory encryption model needs '
                      'hw_firmware_stateless=true' % model)
        if no_video and self.props.get('hw_video_model') != 'none':
            self.fail(rule, 'hw_video_model', self.props.get(
                'hw_video_model'), 'the %s memory encryption model needs '
                'hw_video_model=none' % model)

    # get_number_of_serial_ports
    def serial_ports(self):
        flavor_n, image_n = self.pair('serial_port_count')
        if flavor_n:
            try:
                flavor_n = int(flavor_n)
            except ValueError:
                self.fail('flavor-extra-spec-invalid', 'hw_serial_port_count',
                          image_n, 'flavor %s: hw:serial_port_count=%s is '
                          'not an integer' % (self.flavor['name'], flavor_n))
        if flavor_n and image_n and image_n > flavor_n:
            self.fail('flavor-serial-ports', 'hw_serial_port_count', image_n,
                      'image asks for %d serial ports; flavor %s allows %d'
                      % (image_n, self.flavor['name'], flavor_n))

    # get_realtime_cpu_constraint
    def realtime_cpus(self):
        """The realtime vCPU set, or None (raises _Found on a failure)."""
        if not strutils.bool_from_string(self.specs.get('hw:cpu_realtime')):
            return None
        rule = 'flavor-realtime-mask'
        flavor_mask, image_mask = self.pair('cpu_realtime_mask')
        mask = image_mask or flavor_mask
        prop = 'hw_cpu_realtime_mask'
        allcpus = set(range(self.vcpus))
        if mask:
            try:
                rt = self.mask_cpus(mask)
            except ValueError:
                self.fail(rule, prop, mask, 'realtime mask %r cannot be read'
                          % mask)
        else:
            rt = set(allcpus)
        if not rt:
            self.fail(rule, prop, mask, 'realtime mask %r selects no vCPU '
                      '(flavor %s has hw:cpu_realtime)'
                      % (mask, self.flavor['name']))
        emu = self.emulator_policy()
        if rt == allcpus and not emu:
            self.fail(rule, prop, mask, 'flavor %s has hw:cpu_realtime: the '
                      'realtime mask must leave at least one of its %d vCPUs '
                      'out (or set hw:emulator_threads_policy)'
                      % (self.flavor['name'], self.vcpus))
        if not rt.issubset(allcpus):
            self.fail(rule, prop, mask, 'realtime mask %r names vCPUs flavor '
                      '%s does not have (%d vCPUs)'
                      % (mask, self.flavor['name'], self.vcpus))
        return rt

    def realtime(self):
        self.realtime_cpus()

    def emulator_policy(self):
        policy = self.specs.get('hw:emulator_threads_policy')
        if not policy:
            return None
        if policy not in EMULATOR_POLICIES:
            self.fail('flavor-emulator-threads', '', policy,
                      'flavor %s: hw:emulator_threads_policy=%s is not one '
                      'of %s' % (self.flavor['name'], policy,
                                 ', '.join(EMULATOR_POLICIES)))
        return policy

    # get_cpu_topology_constraints
    def topology(self):
        rule = 'flavor-cpu-topology'
        limits = {}
        for what in ('sockets', 'cores', 'threads'):
            flavor_max, image_max = self.pair('cpu_max_' + what)
            flavor_pref, image_pref = self.pair('cpu_' + what)
            try:
                flavor_max = int(flavor_max or 0)
                flavor_pref = int(flavor_pref or 0)
            except ValueError:
                self.fail('flavor-extra-spec-invalid', 'hw_cpu_max_' + what,
                          image_max, 'flavor %s: a hw:cpu_* topology extra '
                          'spec is not an integer' % self.flavor['name'])
            limits[what] = (flavor_max, image_max or 0, flavor_pref,
                            image_pref or 0)
        for what, (fmax, imax, _fp, _ip) in limits.items():
            if fmax and imax > fmax:
                self.fail(rule, 'hw_cpu_max_' + what, imax,
                          'image allows up to %d CPU %s; flavor %s allows '
                          'only %d' % (imax, what, self.flavor['name'], fmax))
        for what, (fmax, imax, _fp, ipref) in limits.items():
            top = imax or fmax or 65536
            if ipref > top:
                self.fail(rule, 'hw_cpu_' + what, ipref,
                          'image asks for %d CPU %s; the maximum (image or '
                          'flavor %s) is %d' % (ipref, what,
                                                self.flavor['name'], top))

    # numa_get_constraints and the functions it calls
    def cpu_policy(self):
        flavor_policy, image_policy = self.pair('cpu_policy')
        if flavor_policy and flavor_policy not in CPU_POLICIES:
            self.fail('flavor-extra-spec-invalid', 'hw_cpu_policy',
                      image_policy, 'flavor %s: hw:cpu_policy=%s is not one '
                      'of %s' % (self.flavor['name'], flavor_policy,
                                 ', '.join(CPU_POLICIES)))
        if flavor_policy == 'dedicated':
            return flavor_policy
        if flavor_policy in ('mixed', 'shared'):
            forbidden = (('dedicated',) if flavor_policy == 'mixed'
                         else ('mixed', 'dedicated'))
            if image_policy in forbidden:
                self._conflict('flavor-cpu-policy-conflict', 'cpu_policy',
                               flavor_policy, image_policy)
            return flavor_policy
        return image_policy

    def thread_policy(self):
        flavor_policy, image_policy = self.pair('cpu_thread_policy')
        if flavor_policy and flavor_policy not in THREAD_POLICIES:
            self.fail('flavor-extra-spec-invalid', 'hw_cpu_thread_policy',
                      image_policy, 'flavor %s: hw:cpu_thread_policy=%s is '
                      'not one of %s' % (self.flavor['name'], flavor_policy,
                                         ', '.join(THREAD_POLICIES)))
        if flavor_policy in (None, 'prefer'):
            return flavor_policy or image_policy
        if image_policy and image_policy != flavor_policy:
            self._conflict('flavor-cpu-thread-policy-conflict',
                           'cpu_thread_policy', flavor_policy, image_policy)
        return flavor_policy

    def dedicated_cpus(self):
        mask = self.specs.get('hw:cpu_dedicated_mask')
        if not mask:
            return None
        rule = 'flavor-cpu-pinning'
        try:
            pcpus = self.mask_cpus(mask)
        except ValueError:
            self.fail('flavor-extra-spec-invalid', '', mask,
                      'flavor %s: hw:cpu_dedicated_mask=%s cannot be read'
                      % (self.flavor['name'], mask))
        cpus = set(range(self.vcpus))
        if not pcpus or not cpus - pcpus or not pcpus.issubset(cpus):
            self.fail(rule, '', mask, 'flavor %s: hw:cpu_dedicated_mask=%s '
                      'must name some but not all of its %d vCPUs'
                      % (self.flavor['name'], mask, self.vcpus))
        return pcpus

    def _resources(self):
        vcpu = pcpu = 0
        for key, val in self.specs.items():
            for name in ('VCPU', 'PCPU'):
                if re.match('resources([1-9][0-9]*)?:%s' % name, key):
                    try:
                        n = int(val)
                    except ValueError:
                        continue
                    if name == 'VCPU':
                        vcpu += n
                    else:
                        pcpu += n
        return vcpu, pcpu

    def _hyperthreading_trait(self):
        for key, val in self.specs.items():
            if re.match('trait([1-9][0-9]*)?:HW_CPU_HYPERTHREADING', key):
                return val
        if 'HW_CPU_HYPERTHREADING' in self.props.get('traits_required', ()):
            return 'required'
        return None

    def numa(self):
        rule = 'flavor-cpu-pinning'
        name = self.flavor['name']
        cpu_policy = self.cpu_policy()
        thread_policy = self.thread_policy()
        realtime = self.realtime_cpus()
        dedicated = self.dedicated_cpus()
        emu = self.emulator_policy()
        want_vcpu, want_pcpu = self._resources()
        if cpu_policy and (want_vcpu or want_pcpu):
            self.fail(rule, 'hw_cpu_policy', self.props.get('hw_cpu_policy'),
                      'flavor %s requests resources:VCPU/PCPU, which '
                      'excludes a CPU policy (hw:cpu_policy or '
                      'hw_cpu_policy)' % name)
        if want_vcpu and want_pcpu:
            self.fail(rule, '', '', 'flavor %s requests both resources:VCPU '
                      'and resources:PCPU' % name)
        if want_pcpu:
            need = self.vcpus + (1 if emu == 'isolate' else 0)
            if want_pcpu != need:
                self.fail(rule, '', want_pcpu, 'flavor %s requests %d PCPUs; '
                          'it needs exactly %d' % (name, want_pcpu, need))
            cpu_policy = 'dedicated'
        if want_vcpu:
            cpu_policy = 'shared'
        trait = self._hyperthreading_trait()
        if thread_policy and trait:
            self.fail(rule, 'hw_cpu_thread_policy', self.props.get(
                'hw_cpu_thread_policy'), 'a CPU thread policy excludes the '
                'HW_CPU_HYPERTHREADING trait (flavor %s or image)' % name)
        if trait == 'forbidden':
            thread_policy = 'isolate'
        elif trait == 'required':
            thread_policy = 'require'
        if cpu_policy in ('shared', None):
            why = None
            if thread_policy:
                why = 'a CPU thread policy'
            elif emu == 'isolate':
                why = 'hw:emulator_threads_policy=isolate'
            elif dedicated:
                why = 'hw:cpu_dedicated_mask'
            elif realtime:
                why = 'hw:cpu_realtime'
            if why:
                self.fail(rule, 'hw_cpu_policy', self.props.get(
                    'hw_cpu_policy'), '%s needs a dedicated (or mixed) CPU '
                    'policy; with flavor %s the policy is %s'
                    % (why, name, cpu_policy or 'unset (shared)'))
        elif cpu_policy == 'dedicated':
            if dedicated:
                self.fail(rule, 'hw_cpu_policy', cpu_policy,
                          'hw:cpu_dedicated_mask (flavor %s) needs the mixed '
                          'CPU policy, not dedicated' % name)
        elif bool(realtime) == bool(dedicated):
            self.fail(rule, 'hw_cpu_policy', cpu_policy,
                      'the mixed CPU policy needs exactly one of '
                      'hw:cpu_realtime_mask and hw:cpu_dedicated_mask '
                      '(flavor %s)' % name)
        dedicated = dedicated or realtime
        nodes = self.numa_nodes()
        pagesize = self.page_size()
        self.locked_memory()
        if cpu_policy == 'dedicated':
            dedicated = set(range(self.vcpus))
        vpmems = [x for x in (self.specs.get('hw:pmem') or '').split(',')
                  if x.strip()]
        if nodes or pagesize or vpmems or cpu_policy in ('dedicated',
                                                         'mixed'):
            self.numa_topology(nodes or 1)

    def numa_nodes(self):
        flavor_nodes, image_nodes = self.pair('numa_nodes')
        if flavor_nodes and image_nodes:
            self._conflict('flavor-numa-conflict', 'numa_nodes',
                           flavor_nodes, image_nodes)
        nodes = flavor_nodes or image_nodes
        if nodes is not None and (not strutils.is_int_like(nodes)
                                  or int(nodes) < 1):
            self.fail('flavor-numa-topology', 'hw_numa_nodes', nodes,
                      '%r is not a number of NUMA nodes' % (nodes,))
        return int(nodes) if nodes else nodes

    def page_size(self):
        flavor_req, image_req = self.pair('mem_page_size')
        rule = 'flavor-mem-page-size'
        if not flavor_req and image_req:
            self.fail(rule, 'hw_mem_page_size', image_req,
                      'image asks for memory page size %s but flavor %s sets '
                      'no hw:mem_page_size (any or large would allow it)'
                      % (image_req, self.flavor['name']))
        if not flavor_req:
            return None
        size = self._page_size(flavor_req, None)
        if image_req and size in ('any', 'large'):
            return self._page_size(image_req, image_req)
        if image_req:
            self.fail(rule, 'hw_mem_page_size', image_req,
                      'image asks for memory page size %s but flavor %s sets '
                      'hw:mem_page_size=%s (only any or large let the image '
                      'choose)' % (image_req, self.flavor['name'], flavor_req))
        return size

    def _page_size(self, request, image_value):
        if request in ('any', 'large', 'small'):
            return request
        if request.isdigit():
            return int(request)
        try:
            return strutils.string_to_bytes(request, return_int=True)
        except ValueError:
            if image_value is None:
                self.fail('flavor-extra-spec-invalid', 'hw_mem_page_size',
                          None, 'flavor %s: hw:mem_page_size=%s is not a '
                          'page size' % (self.flavor['name'], request))
            self.fail('flavor-mem-page-size', 'hw_mem_page_size', request,
                      '%r is not a memory page size' % request)

    def locked_memory(self):
        rule = 'flavor-locked-memory'
        flavor_str, image_locked = self.pair('locked_memory')
        if flavor_str is not None:
            locked = strutils.bool_from_string(flavor_str)
            if image_locked is not None and locked != image_locked:
                self._conflict(rule, 'locked_memory', flavor_str,
                               image_locked)
        else:
            locked = image_locked
        flavor_page, image_page = self.pair('mem_page_size')
        if locked and not (flavor_page or image_page):
            self.fail(rule, 'hw_locked_memory', image_locked,
                      'locked memory (flavor %s or image) needs a memory '
                      'page size (hw:mem_page_size)' % self.flavor['name'])
        if not locked:
            self.mem_encryption()

    def numa_topology(self, nodes):
        rule = 'flavor-numa-topology'
        name = self.flavor['name']
        flavor_cpus = self._flavor_numbered('hw:numa_cpus.%d', parse_cpu_spec)
        image_cpus = self.props.get('hw_numa_cpus')
        if flavor_cpus is not None and image_cpus is not None:
            self.fail('flavor-numa-conflict', 'hw_numa_cpus.0', '',
                      'image sets hw_numa_cpus.N but flavor %s sets its own '
                      'hw:numa_cpus.N' % name)
        cpu_list = flavor_cpus if flavor_cpus is not None else image_cpus
        flavor_mem = self._flavor_numbered('hw:numa_mem.%d', int)
        image_mem = self.props.get('hw_numa_mem')
        if flavor_mem is not None and image_mem is not None:
            self.fail('flavor-numa-conflict', 'hw_numa_mem.0', '',
                      'image sets hw_numa_mem.N but flavor %s sets its own '
                      'hw:numa_mem.N' % name)
        mem_list = flavor_mem if flavor_mem is not None else image_mem
        if cpu_list is None and mem_list is None:
            if self.vcpus % nodes or self.ram % nodes:
                self.fail(rule, 'hw_numa_nodes', nodes,
                          '%d NUMA nodes do not divide flavor %s evenly '
                          '(%d vCPUs, %d MiB)' % (nodes, name, self.vcpus,
                                                  self.ram))
            return
        if (cpu_list is None or mem_list is None or len(cpu_list) != nodes
                or len(mem_list) != nodes):
            self.fail(rule, 'hw_numa_nodes', nodes,
                      'the NUMA topology is incomplete: %d nodes need '
                      'hw_numa_cpus.N and hw_numa_mem.N for each node (image '
                      'or flavor %s)' % (nodes, name))
        available = set(range(self.vcpus))
        for cpus in cpu_list:
            for cpu in cpus:
                if cpu > self.vcpus - 1:
                    self.fail(rule, 'hw_numa_cpus.0', '', 'NUMA CPU %d is '
                              'beyond flavor %s (%d vCPUs)'
                              % (cpu, name, self.vcpus))
                if cpu not in available:
                    self.fail(rule, 'hw_numa_cpus.0', '', 'NUMA CPU %d is in '
                              'two nodes' % cpu)
                available.discard(cpu)
        if available:
            self.fail(rule, 'hw_numa_cpus.0', '', 'vCPUs %s of flavor %s are '
                      'in no NUMA node' % (sorted(available), name))
        if sum(mem_list) != self.ram:
            self.fail(rule, 'hw_numa_mem.0', '', 'the NUMA nodes hold %d MiB; '
                      'flavor %s has %d MiB' % (sum(mem_list), name,
                                                self.ram))

    def _flavor_numbered(self, pattern, func):
        try:
            return _numbered(self.specs, pattern, func)
        except ValueError:
            self.fail('flavor-extra-spec-invalid', '', '',
                      'flavor %s: a %s extra spec cannot be read'
                      % (self.flavor['name'], pattern.replace('%d', 'N')))

    def pci_numa_policy(self):
        flavor_policy, image_policy = self.pair('pci_numa_affinity_policy')
        if flavor_policy and image_policy and flavor_policy != image_policy:
            self._conflict('flavor-pci-numa-policy-conflict',
                           'pci_numa_affinity_policy', flavor_policy,
                           image_policy)
        if flavor_policy and flavor_policy not in PCI_NUMA_POLICIES:
            self.fail('flavor-extra-spec-invalid',
                      'hw_pci_numa_affinity_policy', image_policy,
                      'flavor %s: hw:pci_numa_affinity_policy=%s is not one '
                      'of %s' % (self.flavor['name'], flavor_policy,
                                 ', '.join(PCI_NUMA_POLICIES)))

    def _unique(self, rule, key, prefix='hw'):
        flavor_value, image_value = self.pair(key, prefix)
        if image_value and flavor_value and image_value != flavor_value:
            self._conflict(rule, key, flavor_value, image_value, prefix)
        return flavor_value or image_value

    def secure_boot(self):
        policy = self._unique('flavor-secure-boot-conflict', 'secure_boot',
                              'os')
        if policy is not None and policy not in SECURE_BOOT:
            self.fail('flavor-extra-spec-invalid', 'os_secure_boot', None,
                      'flavor %s: os:secure_boot=%s is not one of %s'
                      % (self.flavor['name'], policy,
                         ', '.join(SECURE_BOOT)))

    def tpm(self):
        rule = 'flavor-tpm-conflict'
        version = self._unique(rule, 'tpm_version')
        if version is None:
            return
        if version not in TPM_VERSIONS:
            self.fail('flavor-extra-spec-invalid', 'hw_tpm_version', None,
                      'flavor %s: hw:tpm_version=%s is not one of %s'
                      % (self.flavor['name'], version,
                         ', '.join(TPM_VERSIONS)))
        model = self._unique(rule, 'tpm_model')
        if model is not None and model not in TPM_MODELS:
            self.fail('flavor-extra-spec-invalid', 'hw_tpm_model', None,
                      'flavor %s: hw:tpm_model=%s is not one of %s'
                      % (self.flavor['name'], model, ', '.join(TPM_MODELS)))
        if model == 'tpm-crb' and version != '2.0':
            self.fail(rule, 'hw_tpm_model', model, 'TPM model tpm-crb needs '
                      'TPM version 2.0, not %s' % version)


def _text(value):
    if isinstance(value, bool):
        return 'true' if value else 'false'
    return str(value)


def _unique(findings):
    seen, out = set(), []
    for finding in findings:  # a check reached twice reports once
        if finding not in seen:
            seen.add(finding)
            out.append(finding)
    return out


def check(image, flavor, props=None):
    """Findings (:class:`FlavorFinding`) for booting ``image`` (Glance's
    JSON of an image or a property set: ``min_disk``, ``min_ram``, ``size``
    and properties) on ``flavor`` (:func:`normalize_flavor`'s shape).
    ``props``: :func:`image_properties` of ``image``."""
    return _Check(image, flavor, props).run()


@functools.lru_cache(maxsize=4096)
def _relevant(name):
    """Whether Nova's flavor checks read image property ``name``."""
    return (name in _READ or name.startswith('trait:')
            or name.startswith('hw_numa_cpus.')
            or name.startswith('hw_numa_mem.'))


_READ = frozenset(_INT_PROPS + _BOOL_PROPS + tuple(_ENUM_PROPS)
                  + _STR_PROPS)


class FlavorChecker:
    """:func:`check` of many images against the same flavors, fast: the
    property/extra spec findings depend only on the few image properties
    Nova reads, which the images of a cloud mostly share, so they are
    computed once per distinct set of those properties and flavor; only
    the size checks run for every pair."""

    def __init__(self, flavors):
        self.flavors = list(flavors)
        self._specs = {}

    def check(self, image):
        """``[findings for each flavor]`` for ``image``."""
        key = tuple(sorted((k, str(v)) for k, v in image.items()
                           if _relevant(k)))
        per_flavor = self._specs.get(key)
        if per_flavor is None:
            props = image_properties(dict(key))
            per_flavor = [_Check(dict(key), f, props).run(sizes=False)
                          for f in self.flavors]
            self._specs[key] = per_flavor
        min_ram = _int(image.get('min_ram'))
        min_disk = _int(image.get('min_disk')) * GiB
        size = _int(image.get('size'))
        out = []
        for flavor, specs in zip(self.flavors, per_flavor):
            root = flavor['disk'] * GiB
            if (flavor['ram'] < min_ram or not root or size > root
                    or min_disk > root):  # the size checks have a finding
                specs = _Check(image, flavor, {}).run(specs=False) + specs
            out.append(specs)
        return out
