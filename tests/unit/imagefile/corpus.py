"""Disk images made by the real qemu-img, shared by the imagefile tests
(and the prepare command's): a fixture module, not a test module.

:class:`Corpus` makes each file on demand in a temporary directory.
``test_corpus`` checks the corpus itself against ``qemu-img info``, so the
other tests can trust that a file is what its name says.
"""

import json
import os
import shutil
import struct
import subprocess

import fixtures
import testtools

MiB = 1024 * 1024


def qemu_info(path, fmt=None):
    argv = ['qemu-img', 'info', '--output=json']
    if fmt:
        argv += ['-f', fmt]
    return json.loads(subprocess.check_output(argv + [path]))


def checks(info):
    """The names of the inspection failures of an ImageInfo."""
    return {f.check for f in info.failures}


class Corpus(fixtures.Fixture):
    """``corpus.path(name)`` -> a file made with qemu-img (see ``MAKERS``)."""

    def _setUp(self):
        if not shutil.which('qemu-img'):
            raise testtools.TestCase.skipException('qemu-img not installed')
        self.dir = self.useFixture(fixtures.TempDir()).path
        self._made = {}

    def join(self, name):
        return os.path.join(self.dir, name)

    def write(self, name, data):
        """A file of these bytes, by hand (a header no tool writes)."""
        path = self.join(name)
        with open(path, 'wb') as f:
            f.write(data)
        return path

    def create(self, name, fmt, size='16M', options=None):
        path = self.join(name)
        argv = ['qemu-img', 'create', '-q', '-f', fmt]
        if options:
            argv += ['-o', options]
        subprocess.check_call(argv + [path, size])
        return path

    def data(self, name='data.raw', size=4 * MiB):
        """A raw file of random data (so conversions carry real content)."""
        path = self.join(name)
        if not os.path.exists(path):
            with open(path, 'wb') as f:
                f.write(os.urandom(size))
        return path

    def convert(self, source, name, fmt, options=None):
        path = self.join(name)
        argv = ['qemu-img', 'convert', '-O', fmt]
        if options:
            argv += ['-o', options]
        subprocess.check_call(argv + [source, path])
        return path

    def path(self, name):
        if name not in self._made:
            self._made[name] = getattr(self, '_make_' + name.replace(
                '.', '_').replace('-', '_'))()
        return self._made[name]

    # -- the corpus (the list) ----------------------------------------
    def _make_qcow2(self):
        return self.convert(self.data(), 'disk.qcow2', 'qcow2')

    def _make_raw(self):
        return self.data('disk.raw')

    def _make_vmdk(self):  # monolithicSparse is qemu-img's default
        return self.convert(self.data(), 'disk.vmdk', 'vmdk')

    def _make_vmdk_stream(self):
        return self.convert(self.data(), 'stream.vmdk', 'vmdk',
                            'subformat=streamOptimized')

    def _make_vdi(self):
        return self.convert(self.data(), 'disk.vdi', 'vdi')

    def _make_vpc(self):
        return self.convert(self.data(), 'disk.vhd', 'vpc')

    def _make_vhdx(self):
        return self.convert(self.data(), 'disk.vhdx', 'vhdx')

    def _make_qed(self):
        return self.create('disk.qed', 'qed')

    def _make_backing(self):
        base = self.create('base.qcow2', 'qcow2')
        return self.create('backed.qcow2', 'qcow2',
                           options='backing_file=%s,backing_fmt=qcow2' % base)

    def _make_data_file(self):
        return self.create('external.qcow2', 'qcow2',
                           options='data_file=%s' % self.join('external.dat'))

    def _make_qcow2_as_raw(self):
        """A qcow2 file named like a raw one: what a user declares raw."""
        path = self.join('really-qcow2.img')
        shutil.copy(self.path('qcow2'), path)
        return path

    def _make_truncated(self):
        """A qcow2 cut short (an interrupted download): its header is
        intact, its data clusters are gone."""
        path = self.join('truncated.qcow2')
        shutil.copy(self.path('qcow2'), path)
        os.truncate(path, os.path.getsize(path) // 2)
        return path

    def _make_empty(self):
        path = self.join('empty.img')
        open(path, 'wb').close()
        return path

    def _make_gpt(self):
        """A raw disk with a partition table (the inspector's "gpt")."""
        if not shutil.which('sfdisk'):
            raise testtools.TestCase.skipException('sfdisk not installed')
        path = self.create('partitioned.raw', 'raw', '8M')
        subprocess.run(['sfdisk', '-q', path], input=b'label: gpt\n,,L\n',
                       check=True, stdout=subprocess.DEVNULL)
        return path

    def _make_iso(self):
        """A minimal ISO 9660 image: a primary volume descriptor at 32 KiB
        (no ISO tool is needed for the inspector's view of it)."""
        return self._iso('disk.iso', mbr=False)

    def _make_iso_gpt(self):
        """A bootable ("hybrid") ISO: an ISO with a partition table in its
        system area, as distributions ship them."""
        return self._iso('hybrid.iso', mbr=True)

    def _iso(self, name, mbr):
        blocks = 32
        data = bytearray(blocks * 2048)
        pvd = 16 * 2048
        data[pvd:pvd + 7] = b'\x01CD001\x01'
        data[pvd + 80:pvd + 88] = struct.pack('<I', blocks) + struct.pack(
            '>I', blocks)
        data[pvd + 128:pvd + 132] = struct.pack('<H', 2048) + struct.pack(
            '>H', 2048)
        if mbr:
            _write_mbr(data, ostype=0x17)
        path = self.join(name)
        with open(path, 'wb') as f:
            f.write(data)
        return path

    def _make_polyglot(self):
        """A qcow2 that also carries a valid MBR: two formats at once."""
        path = self.join('polyglot.qcow2')
        shutil.copy(self.path('qcow2'), path)
        with open(path, 'r+b') as f:
            head = bytearray(f.read(512))
            _write_mbr(head, ostype=0x83)
            f.seek(0)
            f.write(head)
        return path


def _write_mbr(buf, ostype):
    """One bootable-flag-free partition entry and the 0x55AA signature."""
    entry = struct.pack('<B3BB3BII', 0, 0, 2, 0, ostype, 0, 0, 0, 1, 16)
    buf[446:462] = entry
    buf[510:512] = b'\x55\xaa'
