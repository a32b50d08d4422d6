"""validation.flavor against Nova's own code (nova from PyPI, a test
requirement): generated image property x flavor extra spec pairs, fixed
seed. Nova rejects a pair <=> flavor.check reports an error for it.

The oracle is what Nova runs on a server create from an image:
``nova.compute.api.API._validate_flavor_image_nostatus`` (min_ram, min_disk,
size, packed ring, then ``_validate_flavor_image_numa_pci``: memory
encryption, PMU, serial ports, realtime mask, CPU topology, VIF multiqueue,
``numa_get_constraints``), plus the checks the libvirt driver makes on the
same pair (``get_pci_numa_policy_constraint``, ``get_secure_boot_constraint``,
``get_vtpm_constraint``). Its zero-disk check needs a policy decision: the
context here allows it (the rule is a warning on our side, tested below).

Generated values are ones Nova can read (valid enums, integers, booleans):
a value it cannot read at all is an image property error, reported by the
property checks of the engine rather than by the flavor checks.
"""

import collections
import random
import time
import warnings

import testtools

from osc_imagetools.validation import flavor as flavor_mod

SEED = 20261130
PAIRS = 15000
BUDGET_SECONDS = 50

GIB = 1024 ** 3

BOOL = ('true', 'false', 'yes', '0')
IMAGE_VALUES = {
    'hw_cpu_policy': flavor_mod.CPU_POLICIES,
    'hw_cpu_thread_policy': flavor_mod.THREAD_POLICIES,
    'hw_cpu_realtime_mask': ('^0', '0-1', '^0-3', '5', '1'),
    'hw_mem_page_size': ('small', 'large', 'any', '2048', '1GB', 'huge'),
    'hw_numa_nodes': ('1', '2', '3'),
    'hw_pmu': BOOL,
    'hw_mem_encryption': BOOL,
    'hw_mem_encryption_model': flavor_mod.MEM_ENCRYPTION_MODELS,
    'hw_firmware_type': ('bios', 'uefi'),
    'hw_firmware_stateless': BOOL,
    'hw_machine_type': ('q35', 'pc', 'pc-q35-8.2'),
    'hw_video_model': ('none', 'virtio'),
    'hw_vif_multiqueue_enabled': BOOL,
    'hw_locked_memory': BOOL,
    'hw_serial_port_count': ('1', '2', '4'),
    'hw_cpu_sockets': ('1', '2', '4'),
    'hw_cpu_cores': ('1', '2', '4'),
    'hw_cpu_threads': ('1', '2'),
    'hw_cpu_max_sockets': ('1', '2', '4'),
    'hw_cpu_max_cores': ('1', '2', '8'),
    'hw_cpu_max_threads': ('1', '2'),
    'hw_virtio_packed_ring': BOOL,
    'hw_pci_numa_affinity_policy': flavor_mod.PCI_NUMA_POLICIES,
    'os_secure_boot': flavor_mod.SECURE_BOOT,
    'hw_tpm_version': flavor_mod.TPM_VERSIONS,
    'hw_tpm_model': flavor_mod.TPM_MODELS,
    'trait:HW_CPU_HYPERTHREADING': ('required',),
}
FLAVOR_VALUES = {
    'hw:cpu_realtime': BOOL,
    'hw:emulator_threads_policy': flavor_mod.EMULATOR_POLICIES,
    'hw:cpu_dedicated_mask': ('^0', '0', '1-2', '0-7'),
    'resources:VCPU': ('1', '2', '4'),
    'resources:PCPU': ('1', '2', '4', '5'),
    'trait:HW_CPU_HYPERTHREADING': ('required', 'forbidden'),
    'hw:pmem': ('4GB', ''),
}
for _key, _values in IMAGE_VALUES.items():
    if _key.startswith('hw_') or _key.startswith('os_'):
        FLAVOR_VALUES.setdefault(_key.replace('_', ':', 1), _values)


def _numa_lists(rng, vcpus, ram, prefix, sep):
    """hw_numa_cpus.N / hw_numa_mem.N for 1-2 nodes, right or wrong."""
    nodes = rng.choice((1, 2))
    out = {}
    cpus = list(range(vcpus + rng.choice((0, 0, 1))))
    rng.shuffle(cpus)
    half = max(1, len(cpus) // nodes)
    mem = [ram // nodes] * nodes
    if rng.random() < 0.3:
        mem[0] += 256
    for node in range(nodes):
        part = cpus[node * half:] if node == nodes - 1 else \
            cpus[node * half:(node + 1) * half]
        if rng.random() < 0.8 or node == 0:
            out['%s%snuma_cpus.%d' % (prefix, sep, node)] = ','.join(
                str(c) for c in sorted(part)) or '0'
        if rng.random() < 0.8 or node == 0:
            out['%s%snuma_mem.%d' % (prefix, sep, node)] = str(mem[node])
    return out


def generate(rng):
    """One (image, flavor) pair: image as Glance's JSON, flavor in
    flavor.normalize_flavor's shape."""
    vcpus = rng.choice((1, 2, 4, 6))
    ram = rng.choice((512, 1024, 2048, 3072))
    disk = rng.choice((0, 1, 10, 20))
    image = {'min_ram': rng.choice((0, 0, 0, 0, 512, 1024, 4096)),
             'min_disk': rng.choice((0, 0, 0, 0, 1, 10, 40)),
             'size': rng.choice((None, None, 10 ** 8, 5 * GIB, 15 * GIB))}
    specs = {}
    shared = rng.sample(sorted(IMAGE_VALUES), rng.choice((0, 1, 2, 3)))
    for key in shared:  # the same key on both sides: conflicts
        image[key] = rng.choice(IMAGE_VALUES[key])
        fkey = key.replace('_', ':', 1)
        if fkey in FLAVOR_VALUES and rng.random() < 0.7:
            specs[fkey] = rng.choice(FLAVOR_VALUES[fkey])
    for key in rng.sample(sorted(IMAGE_VALUES), rng.choice((0, 1, 2))):
        image[key] = rng.choice(IMAGE_VALUES[key])
    for key in rng.sample(sorted(FLAVOR_VALUES), rng.choice((0, 1, 2, 3))):
        specs[key] = rng.choice(FLAVOR_VALUES[key])
    if rng.random() < 0.1:
        image.update(_numa_lists(rng, vcpus, ram, 'hw', '_'))
    if rng.random() < 0.1:
        specs.update(_numa_lists(rng, vcpus, ram, 'hw', ':'))
    flavor = {'id': 'f', 'name': 'f', 'vcpus': vcpus, 'ram': ram,
              'disk': disk, 'extra_specs': specs}
    return image, flavor


class NovaOracle:

    def __init__(self):
        with warnings.catch_warnings():
            warnings.simplefilter('ignore')
            from nova.compute import api
            from nova import exception
            from nova import objects
            from nova.virt import hardware
        objects.register_all()
        self.api, self.hardware = api, hardware
        self.objects, self.exception = objects, exception

    class Context:
        def can(self, *args, **kwargs):
            return True

    def rejects(self, image, flavor):
        """The exception Nova raises for the pair, or None."""
        props = {k: v for k, v in image.items()
                 if k not in ('min_ram', 'min_disk', 'size')}
        nova_image = {'id': 'c0ffee00-0000-4000-8000-000000000000',
                      'name': 'image', 'min_ram': image['min_ram'],
                      'min_disk': image['min_disk'], 'size': image['size'],
                      'properties': props}
        nova_flavor = self.objects.Flavor(
            name=flavor['name'], flavorid=flavor['id'],
            vcpus=flavor['vcpus'], memory_mb=flavor['ram'],
            root_gb=flavor['disk'], extra_specs=dict(flavor['extra_specs']))
        try:
            self.api.API._validate_flavor_image_nostatus(
                self.Context(), nova_image, nova_flavor, None)
            meta = self.objects.ImageMeta.from_dict(nova_image)
            self.hardware.get_pci_numa_policy_constraint(nova_flavor, meta)
            self.hardware.get_secure_boot_constraint(nova_flavor, meta)
            self.hardware.get_vtpm_constraint(nova_flavor, meta)
        except (self.exception.NovaException, ValueError) as exc:
            return exc
        return None


class TestFlavorAgainstNova(testtools.TestCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.nova = NovaOracle()

    def test_generated_pairs_agree(self):
        rng = random.Random(SEED)
        start = time.monotonic()
        disagree = []
        rejected = 0
        rules = collections.Counter()
        count = 0
        for count in range(1, PAIRS + 1):
            image, flavor = generate(rng)
            raised = self.nova.rejects(image, flavor)
            found = flavor_mod.check(image, flavor)
            # what the command runs: the same findings, cached per
            # property set
            fast = flavor_mod.FlavorChecker([flavor]).check(image)[0]
            self.assertEqual(sorted(found), sorted(fast))
            errors = [f for f in found if f.severity == 'error']
            rules.update(f.rule for f in errors)
            rejected += raised is not None
            if (raised is not None) != bool(errors):
                disagree.append((image, flavor, repr(raised), errors))
            if time.monotonic() - start > BUDGET_SECONDS:
                break
        self.assertEqual([], disagree[:5], '%d of %d pairs disagree'
                         % (len(disagree), count))
        # the generator must exercise both outcomes and most rules, or the
        # agreement above proves little
        self.assertGreater(rejected, count // 5)
        self.assertLess(rejected, count * 9 // 10)
        missing = set(flavor_mod.RULES) - set(rules) - {
            'flavor-zero-disk', 'flavor-extra-spec-invalid',
            'flavor-emulator-threads'}
        self.assertEqual(set(), missing)

    def test_zero_disk_is_a_warning_nova_leaves_to_policy(self):
        image = {'min_ram': 0, 'min_disk': 40, 'size': 50 * GIB}
        flavor = {'id': 'z', 'name': 'z', 'vcpus': 1, 'ram': 512,
                  'disk': 0, 'extra_specs': {}}
        self.assertIsNone(self.nova.rejects(image, flavor))
        found = flavor_mod.check(image, flavor)
        self.assertEqual([('flavor-zero-disk', 'warning')],
                         [(f.rule, f.severity) for f in found])

    def test_invalid_flavor_extra_specs_are_errors_as_in_nova(self):
        for specs in ({'hw:cpu_policy': 'pinned'},
                      {'hw:emulator_threads_policy': 'spread'},
                      {'hw:serial_port_count': 'two'},
                      {'hw:cpu_max_sockets': 'x'},
                      {'hw:mem_page_size': 'enormous'},
                      {'os:secure_boot': 'maybe'}):
            flavor = {'id': 'x', 'name': 'x', 'vcpus': 2, 'ram': 1024,
                      'disk': 10, 'extra_specs': specs}
            image = {'min_ram': 0, 'min_disk': 0, 'size': None}
            self.assertIsNotNone(self.nova.rejects(image, flavor), specs)
            self.assertTrue(
                [f for f in flavor_mod.check(image, flavor)
                 if f.severity == 'error'], specs)
