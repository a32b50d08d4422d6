"""The Validator on glance's real schema and catalog."""

import os
import subprocess

import fixtures
import testtools

from osc_imagetools.imagefile import inspect
from osc_imagetools.validation import engine
from osc_imagetools.validation import nova
from osc_imagetools.validation import rules
from tests.unit import fakes
from tests.unit import validation as data

GIB = 1024 ** 3

# the seed guide's Windows image (openstack image create ... --property)
SEED_WINDOWS = {
    'disk_format': 'qcow2', 'container_format': 'bare',
    'hw_vif_multiqueue_enabled': 'true', 'hw_scsi_model': 'virtio-scsi',
    'hw_disk_bus': 'scsi', 'hw_qemu_guest_agent': 'yes',
    'hw_video_model': 'qxl', 'os_require_quiesce': 'yes',
    'os_distro': 'windows', 'os_type': 'windows'}


class Base(testtools.TestCase):

    def setUp(self):
        super().setUp()
        self.config = self.useFixture(fakes.UserConfig()).path
        self.validator = self.make()

    def make(self, **kwargs):
        return engine.Validator(data.image_schema(), data.namespaces(),
                                **kwargs)

    def found(self, props, **kwargs):
        return [(f.property, f.severity, f.rule)
                for f in self.validator.validate(props, **kwargs)]


class TestValidator(Base):

    def test_seed_windows_set_is_valid(self):
        self.assertEqual([], self.validator.validate(SEED_WINDOWS))

    def test_finding_fields(self):
        [f] = self.validator.validate({'sw_database_oracle_edition': 'x'},
                                      label='my-set')
        self.assertEqual(('my-set', 'sw_database_oracle_edition', 'x',
                          'error', 'metadef-enum'), tuple(f)[:5])
        self.assertIn('OS::Software::DBMS', f.message)
        # a property Nova reads: Nova decides, in one error
        [f] = self.validator.validate({'hw_disk_bus': 'bogus'},
                                      label='my-set')
        self.assertEqual(('my-set', 'hw_disk_bus', 'bogus', 'error',
                          'nova-value'), tuple(f)[:5])
        self.assertEqual(engine.Finding._fields, (
            'image', 'property', 'value', 'severity', 'rule', 'message'))

    def test_catalog_errors(self):
        # Nova refuses 'two'; it reads -8 as meant (only the catalog's
        # minimum is stricter: a warning); Nova does not read the last one
        self.assertEqual(
            [('hw_cpu_sockets', 'error', 'nova-value'),
             ('hw_video_ram', 'warning', 'metadef-range'),
             ('sw_database_mysql_listen_port', 'error', 'metadef-range')],
            self.found({'hw_cpu_sockets': 'two', 'hw_video_ram': '-8',
                        'sw_database_mysql_listen_port': '0'}))
        [f] = self.validator.validate({'hw_video_ram': '-8'})
        self.assertIn('minimum 0', f.message)
        self.assertIn('reads it as -8', f.message)

    def test_value_valid_for_one_of_two_definitions(self):
        # hw_vif_model: LibvirtImage allows virtio, VMware's enum does not
        self.assertEqual([], self.found({'hw_vif_model': 'virtio'}))
        self.assertEqual([('hw_vif_model', 'error', 'nova-value')],
                         self.found({'hw_vif_model': 'virtio-net'}))
        # in neither enum, but Nova reads it: a warning saying both
        [f] = self.validator.validate({'hw_vif_model': 'lan9118'})
        self.assertEqual(('warning', 'metadef-enum'), (f.severity, f.rule))
        self.assertIn("reads it as 'lan9118'", f.message)

    def test_unknown_property_with_suggestion(self):
        [f] = self.validator.validate({'hw_disk_buss': 'scsi'})
        self.assertEqual(('warning', 'unknown-property'),
                         (f.severity, f.rule))
        self.assertIn('did you mean hw_disk_bus?', f.message)
        [f] = self.validator.validate({'completely_custom': 'x'})
        self.assertEqual('unknown-property', f.rule)
        self.assertNotIn('did you mean', f.message)

    def test_known_names_are_not_unknown(self):
        self.assertEqual([], self.found({
            'owner_specified.openstack.md5': 'x', 'kernel_id': 'x',
            'os_version': '22.04', 'hw_numa_cpus.0': '0-1',
            'trait:HW_CPU_X86_AVX2': 'required', 'min_disk': '1'}))

    def test_nova_values_where_the_catalog_is_silent(self):
        # LibvirtImage defines hw_scsi_model as a string without enum
        [f] = self.validator.validate({'hw_scsi_model': 'virtio_scsi'})
        self.assertEqual(('error', 'nova-value'), (f.severity, f.rule))
        self.assertIn("did you mean 'virtio-scsi'?", f.message)
        self.assertIn('the catalog, OS::Compute::LibvirtImage, allows it',
                      f.message)
        self.assertEqual([], self.found({'hw_scsi_model': 'lsilogic'}))
        # the seed's architecture=arm: not a name Nova knows
        self.assertEqual([('architecture', 'error', 'nova-value')],
                         self.found({'architecture': 'arm'}))
        # Nova reads these as meant: amd64 -> x86_64, LSILogic -> lsilogic
        self.assertEqual([], self.found({'architecture': 'amd64',
                                         'hw_scsi_model': 'LSILogic'}))
        self.assertEqual([('os_distro', 'warning', 'os-distro-value')],
                         self.found({'os_distro': 'redhat'}))
        self.assertIn("write 'rhel'", self.validator.validate(
            {'os_distro': 'redhat'})[0].message)
        self.assertEqual([('hw_input_bus', 'error', 'nova-value')],
                         self.found({'hw_input_bus': 'ps2'}))
        self.assertEqual([('trait:FOO', 'error', 'nova-value')],
                         self.found({'trait:FOO': 'yes'}))

    def test_nova_decides_over_the_catalog_enum(self):
        # both refuse: one error, Nova's
        self.assertEqual([('hw_video_model', 'error', 'nova-value')],
                         self.found({'hw_video_model': 'vmware'}))
        # the catalog allows a value Nova no longer knows
        [f] = self.validator.validate({'hypervisor_type': 'powervm'})
        self.assertEqual(('error', 'nova-value'), (f.severity, f.rule))
        self.assertIn('the catalog, OS::Compute::Hypervisor, allows it',
                      f.message)
        # newer than the catalog, lower-cased by Nova, booleans Nova reads
        for props in ({'hw_cpu_policy': 'mixed'}, {'os_type': 'Windows'},
                      {'hw_qemu_guest_agent': 'true'},
                      {'hw_cpu_sockets': ' 2'}, {'hw_cpu_sockets': '1_0'}):
            self.assertEqual([(next(iter(props)), 'warning')], [
                (f.property, f.severity)
                for f in self.validator.validate(props)], props)

    def test_misread_is_an_error(self):
        [f] = self.validator.validate({'hw_qemu_guest_agent': 'enabled'})
        self.assertEqual(('error', 'nova-value'), (f.severity, f.rule))
        self.assertIn('reads it as false', f.message)
        self.assertEqual([('hw_numa_cpus.1', 'error', 'nova-value')],
                         self.found({'hw_numa_cpus.1': '0-1'}))
        self.assertEqual([], self.found({'hw_numa_cpus.0': '0-1',
                                         'hw_numa_cpus.1': '2,3',
                                         'hw_numa_mem.0': '512',
                                         'hw_numa_mem.1': '512'}))
        self.assertEqual([('architecture', 'error', 'nova-value')],
                         self.found({'architecture': 'aarch64',
                                     'hw_architecture': 'x86_64'}))
        self.assertEqual([], self.found({'architecture': 'AMD64',
                                         'hw_architecture': 'x86_64'}))

    def test_nova_parsers(self):
        for props in ({'hw_numa_nodes': 'abc'}, {'hw_numa_nodes': '1.5'},
                      {'hw_numa_nodes': '0x10'}, {'hw_numa_nodes': '1e3'},
                      {'hw_numa_cpus.0': '3-1'},
                      {'img_hv_requested_version': '2.6'},
                      {'hypervisor_version_requires': '>=abc'},
                      {'img_block_device_mapping': '[]'},
                      {'block_device_mapping': '{"a": "b"}'},
                      {'mappings': '[{"a": [1]}]'},
                      {'hw_ephemeral_encryption_format': 'luks2'},
                      {'vmware_adaptertype': 'IDE'}):
            self.assertEqual([(next(iter(props)), 'error', 'nova-value')],
                             self.found(props), props)
        self.assertEqual([], self.found({
            'img_hv_requested_version': '>=2.6,<3',
            'block_device_mapping': '[{"device_name": "vda", "size": 1}]',
            'hw_ephemeral_encryption_format': 'luksv2',
            'hw_numa_nodes': '+2'}))

    def test_traits_plural_is_not_read_by_nova(self):
        # glance's catalog defines traits:COMPUTE_SECURITY_TPM_2_0 for
        # images; Nova reads trait:NAME
        [f] = self.validator.validate(
            {'traits:COMPUTE_SECURITY_TPM_2_0': 'required'})
        self.assertEqual(('warning', 'nova-value'), (f.severity, f.rule))
        self.assertIn('trait:COMPUTE_SECURITY_TPM_2_0=required', f.message)

    def test_nova_table_without_catalog(self):
        v = engine.Validator(data.image_schema(), [], rules=[])
        self.assertEqual(
            [('hw_disk_bus', 'error', 'nova-value'),
             ('hw_qemu_guest_agent', 'error', 'nova-value')],
            [(f.property, f.severity, f.rule) for f in v.validate(
                {'hw_disk_bus': 'nvme', 'hw_qemu_guest_agent': 'enabled'})])
        [f] = v.validate({'hw_qemu_guest_agent': 'enabled'})
        self.assertIn('so Nova reads it as false', f.message)

    def test_object_required(self):
        ns = data.namespace('OS::Software::DBMS')
        ns['namespace'] = 'Test::DBMS'
        mysql = next(o for o in ns['objects'] if o['name'] == 'MySQL')
        mysql['required'] = ['sw_database_mysql_version']
        v = engine.Validator(data.image_schema(), [ns], rules=[])
        self.assertEqual(
            [('sw_database_mysql_version', 'warning',
              'metadef-object-required')],
            [(f.property, f.severity, f.rule) for f in v.validate(
                {'sw_database_mysql_listen_port': '3306'})])
        self.assertEqual([], v.validate({
            'sw_database_mysql_listen_port': '3306',
            'sw_database_mysql_version': '8.0'}))

    def test_schema_findings_are_errors(self):
        self.assertEqual(
            [('checksum', 'error', 'read-only'),
             ('hw_cpu_cores', 'error', 'not-a-string')],
            self.found({'checksum': 'x', 'hw_cpu_cores': 4}))

    def test_without_schema(self):
        # no schema, no schema checks: a core name is just a name
        v = engine.Validator(None, data.namespaces(), rules=[])
        self.assertEqual([('checksum', 'warning', 'unknown-property')],
                         [(f.property, f.severity, f.rule)
                          for f in v.validate({'checksum': 'x'})])
        self.assertEqual([], v.validate({'hw_cpu_cores': '4'}))

    def test_stored_image(self):
        image = {'id': '2b0d1a52-1ef4-4d0c-9b0b-4a1e8f1f0c11',
                 'status': 'active', 'checksum': 'abc',
                 'os_glance_failed_import': '', 'min_disk': 0,
                 'hw_disk_bus': 'bogus'}
        self.assertEqual([('hw_disk_bus', 'error', 'nova-value')],
                         self.found(image, stored=True))

    def test_ignore(self):
        v = self.make(ignore=['nova-value', 'windows-needs-os-type'])
        self.assertEqual([], v.validate({'hw_disk_bus': 'bogus',
                                         'os_distro': 'windows'}))
        exc = self.assertRaises(engine.UnknownRuleError, self.make,
                                ignore=['no-such-rule'])
        self.assertIn('no-such-rule', str(exc))
        self.assertIn('unknown-property', str(exc))

    def test_display(self):
        self.assertEqual('4', engine.display(4))
        self.assertEqual('true', engine.display(True))
        self.assertEqual('a,b', engine.display(['a', 'b']))
        self.assertEqual('', engine.display(None))


class TestBuiltinRules(Base):

    def rule_hits(self, props, virtual_size=None):
        return [(f.rule, f.property, f.severity)
                for f in self.validator.validate(props, virtual_size)
                if f.rule not in engine.BUILTIN_RULES]

    def test_scsi_model_needs_scsi_bus(self):
        self.assertEqual(
            [('scsi-model-needs-scsi-bus', 'hw_disk_bus', 'warning')],
            self.rule_hits({'hw_scsi_model': 'virtio-scsi',
                            'hw_disk_bus': 'virtio'}))
        self.assertEqual(
            [('scsi-model-needs-scsi-bus', 'hw_disk_bus', 'warning')],
            self.rule_hits({'hw_scsi_model': 'virtio-scsi'}))
        self.assertEqual([], self.rule_hits({'hw_scsi_model': 'virtio-scsi',
                                             'hw_disk_bus': 'scsi'}))

    def test_quiesce_needs_guest_agent(self):
        for agent in (None, 'no', 'maybe'):
            props = {'os_require_quiesce': 'yes'}
            if agent:
                props['hw_qemu_guest_agent'] = agent
            self.assertEqual(
                [('quiesce-needs-guest-agent', 'hw_qemu_guest_agent',
                  'error')], self.rule_hits(props), agent)
        self.assertEqual([], self.rule_hits({'os_require_quiesce': 'True',
                                             'hw_qemu_guest_agent': 'y'}))
        self.assertEqual([], self.rule_hits({'os_require_quiesce': 'no'}))

    def test_uefi_machine_type(self):
        self.assertEqual(
            [('uefi-machine-type', 'hw_machine_type', 'warning')],
            self.rule_hits({'hw_firmware_type': 'uefi',
                            'hw_machine_type': 'pc-i440fx-8.2'}))
        self.assertEqual(
            [('uefi-machine-type', 'hw_machine_type', 'warning')],
            self.rule_hits({'hw_firmware_type': 'uefi', 'hw_machine_type':
                            'pc', 'architecture': 'x86_64'}))
        for ok in ({'hw_firmware_type': 'uefi', 'hw_machine_type': 'q35'},
                   {'hw_firmware_type': 'uefi',
                    'hw_machine_type': 'pc-q35-8.2'},
                   {'hw_firmware_type': 'uefi'},  # the compute's default
                   {'hw_firmware_type': 'uefi', 'hw_machine_type': 'virt',
                    'architecture': 'aarch64'},
                   {'hw_firmware_type': 'bios', 'hw_machine_type': 'pc'}):
            self.assertEqual([], self.rule_hits(ok), ok)

    def test_ami_container_format(self):
        for fmt in ('ami', 'aki', 'ari'):
            self.assertEqual(
                [('ami-container-format', 'container_format', 'error')],
                self.rule_hits({'disk_format': fmt,
                                'container_format': 'bare'}))
            self.assertEqual([], self.rule_hits({'disk_format': fmt,
                                                 'container_format': fmt}))

    def test_min_disk_below_virtual_size(self):
        props = {'min_disk': '2'}
        self.assertEqual(
            [('min-disk-below-virtual-size', 'min_disk', 'error')],
            self.rule_hits(props, virtual_size=2 * GIB + 1))
        [f] = [f for f in self.validator.validate(props, 2 * GIB + 1)]
        self.assertIn('(3 GB rounded up)', f.message)
        self.assertEqual([], self.rule_hits(props, virtual_size=2 * GIB))
        self.assertEqual([], self.rule_hits(props))  # size unknown
        # min_disk 0 means "no minimum": nothing to compare
        self.assertEqual([], self.rule_hits({'min_disk': 0}, 5 * GIB))
        # stored JSON: an integer
        self.assertEqual(
            [('min-disk-below-virtual-size', 'min_disk', 'error')],
            self.rule_hits({'min_disk': 1}, 5 * GIB))

    def test_windows_needs_os_type(self):
        self.assertEqual(
            [('windows-needs-os-type', 'os_type', 'warning')],
            self.rule_hits({'os_distro': 'windows'}))
        self.assertEqual(
            [('windows-needs-os-type', 'os_type', 'warning')],
            self.rule_hits({'os_distro': 'windows', 'os_type': 'linux'}))
        self.assertEqual([], self.rule_hits({'os_distro': 'windows',
                                             'os_type': 'windows'}))


class TestUserRules(Base):

    def write(self, name, text, directory=None):
        directory = directory or self.config
        os.makedirs(directory, exist_ok=True)
        path = os.path.join(directory, name)
        with open(path, 'w') as f:
            f.write(text)
        return path

    def test_user_dir_and_file_rules(self):
        self.write('site.yaml', (
            'rules:\n'
            '  - id: site-needs-owner-tag\n'
            '    severity: warning\n'
            '    when: {os_distro: {present: true}}\n'
            '    expect: {site_owner: {present: true}}\n'
            '    message: set site_owner for {os_distro} images\n'),
            os.path.join(self.config, 'osc-imagetools', 'rules'))
        extra = self.write('extra.yaml', (
            'rules:\n'
            '  - id: scsi-model-needs-scsi-bus\n'  # replaces the built-in
            '    severity: error\n'
            '    when: {hw_scsi_model: virtio-scsi}\n'
            '    expect: {hw_disk_bus: [scsi, sata]}\n'
            '    message: no SCSI bus ({hw_disk_bus})\n'))
        v = self.make(rules=rules.load_rules([extra]),
                      nova=nova.NovaTable())
        found = {(f.rule, f.severity, f.message) for f in v.validate({
            'os_distro': 'ubuntu', 'hw_scsi_model': 'virtio-scsi',
            'hw_disk_bus': 'virtio'})}
        self.assertEqual({
            ('site-needs-owner-tag', 'warning',
             'set site_owner for ubuntu images'),
            ('scsi-model-needs-scsi-bus', 'error', 'no SCSI bus (virtio)')},
            {x for x in found if x[0] != 'unknown-property'})
        self.assertEqual([], [f for f in v.validate(
            {'hw_scsi_model': 'virtio-scsi', 'hw_disk_bus': 'sata'})
            if f.rule == 'scsi-model-needs-scsi-bus'])

    def test_matchers(self):
        engine_ = rules.RuleEngine(rules.parse_rules(
            'rules:\n'
            '  - id: r\n'
            '    severity: warning\n'
            '    when:\n'
            '      a: {not_in: [x, y]}\n'
            '      b: yes\n'
            '      c: {matches: "^v[0-9]+$", absent_or: {matches: "^v"}}\n'
            '      d: {ge: 2, lt: "@e"}\n'
            '    message: hit {a} {b} {@e} {zz}\n', 'test'))
        hits = engine_.evaluate({'b': 'on', 'c': 'v12', 'd': '2',
                                 'e': '3'})
        self.assertEqual(['hit unset on 3 unset'], [h.message for h in hits])
        self.assertEqual([], engine_.evaluate({'a': 'x', 'b': 'on',
                                               'd': '2', 'e': '3'}))
        self.assertEqual([], engine_.evaluate({'b': 'off', 'd': '2',
                                               'e': '3'}))
        # unknown numbers: the rule does not apply
        self.assertEqual([], engine_.evaluate({'b': 'on', 'd': '2'}))
        self.assertEqual([], engine_.evaluate({'b': 'on', 'd': 'two',
                                               'e': '3'}))

    def test_bad_rule_files(self):
        cases = {
            'not yaml': ('rules: [', 'not valid YAML'),
            'no rules key': ('- id: x\n', 'is not of type'),
            'bad severity': ('rules:\n- {id: x, severity: fatal, when: '
                             '{a: b}, message: m}\n', "rules[0].severity"),
            'missing when': ('rules:\n- {id: x, severity: error, '
                             'message: m}\n', "'when' is a required"),
            'bad matcher': ('rules:\n- {id: x, severity: error, when: '
                            '{a: {nope: 1}}, message: m}\n', 'rules[0]'),
            'bad regex': ('rules:\n- {id: x, severity: error, when: '
                          '{a: {matches: "("}}, message: m}\n',
                          'bad regular expression'),
        }
        for name, (text, expected) in cases.items():
            path = self.write('bad.yaml', text)
            exc = self.assertRaises(rules.RuleError, rules.load_rule_file,
                                    path)
            self.assertIn(expected, str(exc), name)
            self.assertIn(path, str(exc))
            self.assertNotIn('\n', str(exc))
        exc = self.assertRaises(rules.RuleError, rules.load_rule_file,
                                os.path.join(self.config, 'missing.yaml'))
        self.assertIn('cannot read rules file', str(exc))

    def test_builtin_table_is_packaged_and_valid(self):
        ids = [r['id'] for r in rules.builtin_rules()]
        self.assertEqual(
            ['scsi-model-needs-scsi-bus', 'quiesce-needs-guest-agent',
             'uefi-machine-type', 'ami-container-format',
             'min-disk-below-virtual-size', 'windows-needs-os-type'], ids)


class TestCheckFile(Base):
    """--file: the declared disk_format against the real content (files
    made by the real qemu-img)."""

    def qemu_img(self, fmt, name, *options):
        path = os.path.join(self.useFixture(fixtures.TempDir()).path, name)
        subprocess.check_call(['qemu-img', 'create', '-q', '-f', fmt]
                              + list(options) + [path, '16M'])
        return path

    def check(self, props, path):
        info = inspect.inspect_file(path)
        return [(f.severity, f.rule, f.value) for f in
                self.validator.check_file(props, info.format, info.failures,
                                          'set', path)]

    def test_matching_format(self):
        self.assertEqual([], self.check({'disk_format': 'qcow2'},
                                        self.qemu_img('qcow2', 'a.qcow2')))
        self.assertEqual([], self.check({'disk_format': 'vhd'},
                                        self.qemu_img('vpc', 'a.vhd')))

    def test_qcow2_declared_raw(self):
        path = self.qemu_img('qcow2', 'disk.raw')
        [f] = self.validator.check_file({'disk_format': 'raw'}, 'qcow2', (),
                                        'set', path)
        self.assertEqual(('error', 'file-format', 'raw'),
                         (f.severity, f.rule, f.value))
        self.assertEqual('disk_format is raw but %s is qcow2' % path,
                         f.message)
        self.assertEqual([('error', 'file-format', 'raw')],
                         self.check({'disk_format': 'raw'}, path))

    def test_raw_content_for_amazon_formats(self):
        path = self.qemu_img('raw', 'kernel')
        self.assertEqual([], self.check({'disk_format': 'aki'}, path))

    def test_no_disk_format(self):
        self.assertEqual([('warning', 'file-format', '')],
                         self.check({}, self.qemu_img('vmdk', 'a.vmdk')))

    def test_unsafe_file(self):
        base = self.qemu_img('qcow2', 'base.qcow2')
        path = self.qemu_img('qcow2', 'child.qcow2', '-b', base, '-F',
                             'qcow2')
        self.assertEqual([('error', 'file-unsafe', 'qcow2')],
                         self.check({'disk_format': 'qcow2'}, path))
