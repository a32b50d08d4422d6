"""OS detection and the os_* property proposals."""

from osc_imagetools import guest
from osc_imagetools.guest import checks
from osc_imagetools.guest import osinfo
from osc_imagetools.guest import roots
from tests.unit.guest import base
from tests.unit.guest import trees


class InspectedRoot(roots.LocalRoot):
    """A tree plus what libguestfs' inspection would have said (the
    Windows version lives in the registry, which a tree test cannot
    parse)."""

    def __init__(self, top, info):
        super().__init__(top)
        self.info = info

    def inspection(self):
        return self.info


class TestDetect(base.GuestTestCase):

    def detect(self, tree):
        with guest.open_root(path=tree.top) as root:
            return osinfo.detect(root, checks.load_data())

    def test_known_layouts(self):
        expected = {
            trees.ubuntu: ('linux', 'debian', {
                'os_type': 'linux', 'os_distro': 'ubuntu',
                'os_version': '22.04'}),
            trees.rocky: ('linux', 'rhel', {
                'os_type': 'linux', 'os_distro': 'rocky',
                'os_version': '9.3'}),
            trees.debian: ('linux', 'debian', {
                'os_type': 'linux', 'os_distro': 'debian',
                'os_version': '12'}),
            trees.windows: ('windows', 'windows', {
                'os_type': 'windows', 'os_distro': 'windows'}),
            trees.freebsd: ('freebsd', 'freebsd', {
                'os_distro': 'freebsd', 'os_version': '13.2'}),
        }
        for builder, (kind, family, props) in expected.items():
            osi = self.detect(self.tree(builder))
            self.assertEqual((kind, family, props),
                             (osi.kind, osi.family, osi.properties()),
                             builder.__name__)

    def test_usr_lib_os_release_fallback(self):
        t = self.tree()
        t.write('/usr/lib/os-release', 'ID="opensuse-leap"\n'
                'ID_LIKE="suse opensuse"\nVERSION_ID="15.5"\n')
        osi = self.detect(t)
        self.assertEqual(('suse', 'opensuse', '15.5', '/usr/lib/os-release'),
                         (osi.family, osi.distro, osi.version, osi.evidence))

    def test_redhat_release_without_os_release(self):
        t = self.tree()
        t.write('/etc/redhat-release', 'CentOS release 6.10 (Final)\n')
        osi = self.detect(t)
        self.assertEqual(('linux', 'rhel', 'centos', '6.10'),
                         (osi.kind, osi.family, osi.distro, osi.version))
        t.write('/etc/redhat-release',
                'Red Hat Enterprise Linux Server release 7.9 (Maipo)\n')
        self.assertEqual(('rhel', '7.9'),
                         (self.detect(t).distro, self.detect(t).version))

    def test_debian_version_without_os_release(self):
        t = self.tree()
        t.write('/etc/debian_version', '9.13\n')
        osi = self.detect(t)
        self.assertEqual(('debian', 'debian', '9'),
                         (osi.family, osi.distro, osi.version))

    def test_unknown_distro_gets_no_os_distro(self):
        t = self.tree()
        t.write('/etc/os-release', 'ID=mystery\nVERSION_ID=1\n'
                'PRETTY_NAME="Mystery OS 1"\n')
        osi = self.detect(t)
        self.assertEqual(('linux', None, None),
                         (osi.kind, osi.family, osi.distro))
        self.assertEqual({'os_type': 'linux', 'os_version': '1'},
                         osi.properties())
        row = self.check(t, 'guest.os', 'warn')
        self.assertIn("unknown for ID 'mystery'", row.detail)

    def test_id_like_gives_the_family(self):
        t = self.tree()
        t.write('/etc/os-release', 'ID=linuxmint\nID_LIKE="ubuntu debian"\n'
                'VERSION_ID="21.2"\n')
        self.assertEqual('debian', self.detect(t).family)

    def test_rolling_release_has_no_version(self):
        t = self.tree()
        t.write('/etc/os-release', 'NAME="Arch Linux"\nID=arch\n'
                'BUILD_ID=rolling\n')
        self.assertEqual({'os_type': 'linux', 'os_distro': 'arch'},
                         self.detect(t).properties())

    def test_windows_version_from_inspection(self):
        t = self.tree(trees.windows)
        root = InspectedRoot(t.top, {'type': 'windows', 'major': '10',
                                     'minor': '0',
                                     'product': 'Windows Server 2019'})
        osi = osinfo.detect(root, checks.load_data())
        self.assertEqual(('Windows Server 2019', '10.0'),
                         (osi.name, osi.version))
        self.assertEqual('10.0',
                         guest.run_checks(root).properties['os_version'])

    def test_windows_markers_any_case(self):
        t = self.tree()
        t.write('/WINDOWS/system32/CONFIG/software', '')
        self.assertEqual('windows', self.detect(t).kind)

    def test_freebsd_from_os_release(self):
        t = self.tree()
        t.write('/etc/os-release', 'NAME=FreeBSD\nVERSION_ID=14.0\n'
                'ID=freebsd\n')
        osi = self.detect(t)
        self.assertEqual(('freebsd', '14.0'), (osi.kind, osi.version))

    def test_linux_without_release_files(self):
        t = self.tree()
        t.write('/etc/passwd', 'root:x:0:0::/root:/bin/sh\n')
        t.mkdir('/bin')
        osi = self.detect(t)
        self.assertEqual(('linux', None, {'os_type': 'linux'}),
                         (osi.kind, osi.distro, osi.properties()))

    def test_nothing_recognisable(self):
        t = self.tree()
        t.write('/data/file', 'x')
        report = self.run_checks(t)
        self.assertEqual(['guest.os'], [c.id for c in report.checks])
        self.assertEqual('fail', report.checks[0].status)
        self.assertTrue(report.failed)
        self.assertEqual({}, report.properties)

    def test_given_properties_that_disagree(self):
        t = self.tree(trees.ubuntu)
        self.check(t, 'guest.os', 'pass',
                   user_props={'os_distro': 'ubuntu', 'hw_disk_bus': 'scsi'})
        row = self.check(t, 'guest.os', 'warn',
                         user_props={'os_distro': 'debian',
                                     'os_version': '22.04'})
        self.assertTrue(row.detail.endswith(
            'given properties disagree: os_distro=debian (guest: ubuntu)'),
            row.detail)
