"""``openstack image validate`` agrees with Nova: the real CLI against the
real Glance's catalog, and Nova 34.0.0 itself (a test requirement, run in a
subprocess) as the judge of the image Glance stores."""

import functools
import json
import subprocess
import sys

from tests.functional import base

# Nova's Glance layer then ImageMeta.from_dict on custom properties
_NOVA = (
    'import json, sys, warnings\n'
    'warnings.simplefilter("ignore")\n'
    'import nova.objects\n'
    'nova.objects.register_all()\n'
    'from nova.image import glance\n'
    'from nova.objects import image_meta\n'
    'out = []\n'
    'for props in json.load(sys.stdin):\n'
    '    meta = glance._convert_from_string({"properties": props})\n'
    '    try:\n'
    '        p = image_meta.ImageMeta.from_dict(meta).properties\n'
    '    except Exception as exc:\n'
    '        out.append({"refused": str(exc)})\n'
    '    else:\n'
    '        out.append({"read": p.to_dict()})\n'
    'print(json.dumps(out, default=str))\n')
# every property set the tests ask Nova about: one Nova import for all
ASKED = [
    {'hw_scsi_model': 'virtio_scsi', 'hw_disk_bus': 'scsi',
     'os_type': 'windows', 'os_distro': 'windows'},
    {'hw_qemu_guest_agent': 'true', 'os_type': 'Windows',
     'hw_cpu_policy': 'mixed'},
    {'hypervisor_type': 'powervm'},
    {'hw_qemu_guest_agent': 'enabled'},
]


@functools.lru_cache(maxsize=None)
def _answers():
    out = subprocess.run([sys.executable, '-c', _NOVA], check=True,
                         capture_output=True, text=True,
                         input=json.dumps(ASKED))
    return json.loads(out.stdout)


def nova_reads(props):
    """What Nova does with ``props`` (one of ASKED)."""
    return _answers()[ASKED.index(props)]


class TestValidateAgreesWithNova(base.FunctionalTestCase):

    def test_near_miss_enum_is_an_error(self):
        # the guide's Windows set with one character changed: the catalog
        # leaves hw_scsi_model open, Nova refuses the image at boot
        props = {'hw_scsi_model': 'virtio_scsi', 'hw_disk_bus': 'scsi',
                 'os_type': 'windows', 'os_distro': 'windows'}
        self.assertIn('refused', nova_reads(props))
        res, rows = self.validate(*['--property=%s=%s' % kv
                                    for kv in props.items()], rc=1)
        self.assertEqual([('hw_scsi_model', 'error', 'nova-value')],
                         self.summary(rows))
        self.assertIn("did you mean 'virtio-scsi'?", rows[0]['Message'])
        self.assertIn('1 of 1 property set failed', res.stderr)

    def test_values_nova_reads_as_meant_are_warnings(self):
        # the catalog says yes/no and linux/windows; Nova reads both
        props = {'hw_qemu_guest_agent': 'true', 'os_type': 'Windows',
                 'hw_cpu_policy': 'mixed'}
        read = nova_reads(props)['read']
        self.assertEqual((True, 'windows', 'mixed'),
                         (read['hw_qemu_guest_agent'], read['os_type'],
                          read['hw_cpu_policy']))
        res, rows = self.validate(*['--property=%s=%s' % kv
                                    for kv in props.items()])
        self.assertEqual([('hw_cpu_policy', 'warning', 'metadef-enum'),
                          ('hw_qemu_guest_agent', 'warning', 'metadef-enum'),
                          ('os_type', 'warning', 'metadef-enum')],
                         self.summary(rows))
        by_name = {r['Property']: r['Message'] for r in rows}
        self.assertIn('reads it as true', by_name['hw_qemu_guest_agent'])
        self.assertIn("reads it as 'windows'", by_name['os_type'])
        self.assertIn('1 property set valid, 3 warnings', res.stderr)

    def test_stored_image_nova_refuses_or_misreads(self):
        conn = self.sdk('producer')
        props = {'hypervisor_type': 'powervm',
                 'hw_qemu_guest_agent': 'enabled'}
        body = dict(props, name=self.unique('val-nova'),
                    disk_format='qcow2', container_format='bare')
        image = self.send(conn, 'POST', '/images', (201,), json=body).json()
        self.addCleanup(conn.image.delete, '/images/%s' % image['id'])
        stored = conn.image.get('/images/%s' % image['id']).json()
        # what Glance stores, read by Nova: powervm is refused (the
        # catalog still lists it), 'enabled' alone would read as false
        self.assertIn('refused', nova_reads(
            {'hypervisor_type': stored['hypervisor_type']}))
        self.assertFalse(nova_reads(
            {'hw_qemu_guest_agent': stored['hw_qemu_guest_agent']})
            ['read']['hw_qemu_guest_agent'])
        res, rows = self.validate(image['id'], rc=1)
        self.assertEqual([('hw_qemu_guest_agent', 'error', 'nova-value'),
                          ('hypervisor_type', 'error', 'nova-value')],
                         self.summary(rows))
        by_name = {r['Property']: r['Message'] for r in rows}
        self.assertIn('allows it', by_name['hypervisor_type'])
        self.assertIn('reads it as false', by_name['hw_qemu_guest_agent'])
