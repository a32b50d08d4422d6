"""Bad input for every command: a table of cases run through the real CLI.

Each case is one ``openstack`` call and asserts:

* the exit code (0 / 1 / 2, see doc/source/cli/exit-codes.rst);
* the shape of stderr, once keystoneauth's own notices are set aside
  (:data:`NOTICES`: a retry announced before a retried request, and the
  identity discovery fallback; a bounded number of them, at most
  :data:`MAX_NOTICES`), one of
  ``ONE``   exactly one non-empty line (the error);
  ``USAGE`` argparse's usage synopsis (``usage:`` and its indented
            continuation lines) followed by exactly one ``... error: ...``
            line;
  ``BULK``  per-item lines, the last line being the summary
            ``N of M ... failed`` (a bulk command reports every item), or,
            for ``metadef sync``'s unreadable paths, ``... error: N of the
            paths cannot be read; nothing was sent to the cloud``;
* a substring of that message (what the operator needs to read);
* no ``Traceback`` on stdout or stderr (checked for every call by
  :meth:`base.FunctionalTestCase.openstack`).

Glance's faults come from two sources: real ones (a member's 403 on a
metadef write, a producer publishing an image, wrong credentials, a closed
port) and, for the statuses the local Glance cannot be made to answer on
demand (409, 413, 500, 503), :class:`fakeglance.FaultProxy`, a real HTTP
proxy in front of Glance that answers a chosen status to chosen requests.
Each case needing one gets its own proxy and its own clouds.yaml entry.

The cases of one command run concurrently (each call costs ~2 s of Python
start-up here).
"""

import collections
import concurrent.futures
import json
import os
import re
import socket
import uuid

import yaml

from tests.functional import base
from tests.functional import fakeglance

ONE, USAGE, BULK = 'one', 'usage', 'bulk'
SUMMARY = re.compile(r'^(\d+ of \d+ .* failed'
                     r'|openstack [\w -]+: error: \d+ of the paths cannot be '
                     r'read; nothing was sent to the cloud)$')
WORKERS = 4
# Lines keystoneauth logs at WARNING level on its way to an answer; they
# precede the command's own error line. Anything else counts as output.
NOTICES = re.compile(
    r'^(Retriable status code \d+\. Retrying in [\d.]+s\. \d+ retries left'
    r'|Failure: .*\. Retrying in [\d.]+s\.\s*\d+ retries left\.?'
    r'|Failed to discover available identity versions when contacting '
    r'\S+\. Attempting to parse version from URL\.)$')
MAX_NOTICES = 12

# A case: ``argv`` after ``openstack``; ``cloud`` a clouds.yaml entry (or
# None with credentials in argv); ``faults`` [(method, path regex, status)]
# routes the cloud's image endpoint through a FaultProxy.
Case = collections.namedtuple(
    'Case', 'name argv rc shape expect cloud faults env',
    defaults=('producer', (), None))


def closed_port():
    """A local TCP port nobody listens on (bound, then released)."""
    s = socket.socket()
    s.bind(('127.0.0.1', 0))
    port = s.getsockname()[1]
    s.close()
    return port


class BadInputTestCase(base.FunctionalTestCase):

    def setUp(self):
        super().setUp()
        with open(self.cloud.clouds_yaml) as f:
            self.clouds = yaml.safe_load(f)
        self.keystone = self.clouds['clouds']['producer']['auth']['auth_url']
        self.dead = 'http://127.0.0.1:%d' % closed_port()
        self.add_cloud('badpw', 'producer', password='wrong-%s' % uuid.uuid4())
        self.add_cloud('nokeystone', 'producer',
                       auth_url=self.dead + '/v3')
        self.add_cloud('noglance', 'producer',
                       image_endpoint_override=self.dead)
        self.token_args = [
            '--os-auth-type', 'v3token', '--os-token', uuid.uuid4().hex,
            '--os-auth-url', self.keystone, '--os-project-name', 'producer',
            '--os-project-domain-id', 'default',
            '--os-identity-api-version', '3', '--os-region-name',
            'RegionOne']
        self.proxies = {}

    # -- clouds -------------------------------------------------------------
    def add_cloud(self, name, base_cloud, password=None, auth_url=None,
                  **extra):
        entry = json.loads(json.dumps(self.clouds['clouds'][base_cloud]))
        if password:
            entry['auth']['password'] = password
        if auth_url:
            entry['auth']['auth_url'] = auth_url
        entry.update(extra)
        self.clouds['clouds'][name] = entry

    def write_clouds(self):
        path = os.path.join(self.tmp, 'clouds.yaml')
        with open(path, 'w') as f:
            yaml.safe_dump(self.clouds, f)
        return path

    def proxy_for(self, case):
        proxy = fakeglance.FaultProxy(
            self.cloud.glance_url,
            [fakeglance.Fault(m, p, s) for m, p, s in case.faults]).start()
        self.addCleanup(proxy.stop)
        self.proxies[case.name] = proxy
        name = 'fault-%s' % case.name
        self.add_cloud(name, case.cloud, image_endpoint_override=proxy.url)
        return name

    # -- the matrix -----------------------------------------------------------
    def run_matrix(self, cases):
        """Run ``cases`` concurrently; fail once, listing every mismatch."""
        self.assertEqual(len(cases), len({c.name for c in cases}))
        clouds = {c.name: self.proxy_for(c) if c.faults else c.cloud
                  for c in cases}
        env = self.env(OS_CLIENT_CONFIG_FILE=self.write_clouds())

        def one(case):
            case_env = dict(env, **(case.env or {}))
            try:
                res = self.openstack(*case.argv, cloud=clouds[case.name],
                                     rc=None, env=case_env)
            except Exception as exc:  # the Traceback check, a timeout
                return case, None, [str(exc)]
            return case, res, self.check(case, res)

        with concurrent.futures.ThreadPoolExecutor(WORKERS) as pool:
            results = list(pool.map(one, cases))
        problems = []
        for case, res, errors in results:
            if errors:
                problems.append('%s: %s\n%r' % (case.name, '; '.join(errors),
                                                res))
        self.assertEqual([], problems, '\n\n'.join(problems))
        return {case.name: res for case, res, _ in results}

    @staticmethod
    def stderr_lines(res):
        """``(lines, notices)``: stderr's non-empty lines, keystoneauth's
        notices apart."""
        lines, notices = [], []
        for line in res.stderr.splitlines():
            if line.strip():
                (notices if NOTICES.match(line) else lines).append(line)
        return lines, notices

    def check(self, case, res):
        errors = []
        if res.rc != case.rc:
            errors.append('exit code %s, expected %s' % (res.rc, case.rc))
        lines, notices = self.stderr_lines(res)
        if len(notices) > MAX_NOTICES:
            errors.append('%d retry notices' % len(notices))
        if case.shape == ONE:
            if len(lines) != 1:
                errors.append('%d lines on stderr, expected 1' % len(lines))
        elif case.shape == USAGE:
            rest = []
            in_usage = False
            for line in lines:
                if line.startswith('usage: '):
                    in_usage = True
                elif in_usage and line.startswith(' '):
                    pass
                else:
                    in_usage = False
                    rest.append(line)
            if len(rest) != 1 or ': error: ' not in rest[0]:
                errors.append('expected one "error:" line after the usage, '
                              'got %r' % rest)
        elif case.shape == BULK:
            if not lines or not SUMMARY.match(lines[-1]):
                errors.append('no "N of M ... failed" summary last')
        if case.expect and case.expect not in res.stderr:
            errors.append('%r not on stderr' % case.expect)
        return errors

    # -- cases every cloud command shares -------------------------------------
    def auth_cases(self, prefix, argv, expect_rc=1, shape=ONE):
        """Wrong password (401), bogus token (401), Keystone and Glance
        unreachable, for a command line that needs the cloud."""
        return [
            Case(prefix + '-401-password', argv, expect_rc, shape,
                 '401', cloud='badpw'),
            # Keystone answers 404 to the validation of a token it never
            # issued
            Case(prefix + '-401-token', self.token_args + list(argv),
                 expect_rc, shape, 'token', cloud=None),
            Case(prefix + '-keystone-unreachable', argv, expect_rc, shape,
                 'Unable to establish connection', cloud='nokeystone'),
            # an image endpoint that does not answer its version discovery
            Case(prefix + '-glance-unreachable', argv, expect_rc, shape,
                 'cannot reach the image service at %s' % self.dead,
                 cloud='noglance'),
        ]

    def files(self):
        """Bad input files shared by the cases."""
        d = self.tmp
        paths = {
            'missing': os.path.join(d, 'no-such-file.json'),
            'directory': os.path.join(d, 'a-directory'),
            'bad_json': os.path.join(d, 'bad.json'),
            'bad_yaml': os.path.join(d, 'bad.yaml'),
            'list_yaml': os.path.join(d, 'list.yaml'),
            'wrong_types': os.path.join(d, 'wrong-types.json'),
        }
        with open(paths['wrong_types'], 'w') as f:
            f.write('{"hw_disk_bus": 5, "min_disk": "ten"}')
        os.mkdir(paths['directory'])
        with open(paths['bad_json'], 'w') as f:
            f.write('{"hw_disk_bus": "virtio",')
        with open(paths['bad_yaml'], 'w') as f:
            f.write('hw_disk_bus: [virtio\n  : :\n')
        with open(paths['list_yaml'], 'w') as f:
            f.write('- hw_disk_bus\n- virtio\n')
        return paths


class TestValidateBadInput(BadInputTestCase):

    def test_matrix(self):
        f = self.files()
        v = ('image', 'validate')
        online = v + ('--property', 'hw_disk_bus=virtio')
        missing_image = self.unique('no-such-image')
        cases = [
            Case('unknown-arg', v + ('--bogus',), 2, USAGE, 'unrecognized'),
            Case('bad-quota-type', v + ('--quota', 'many'), 2, USAGE,
                 'invalid'),
            Case('property-without-equals', v + ('--property', 'hw_disk_bus'),
                 2, ONE, 'hw_disk_bus'),
            Case('missing-file', v + ('--properties-file', f['missing']), 2,
                 ONE, f['missing']),
            Case('unreadable-file', v + ('--properties-file',
                                         f['directory']), 2, ONE,
                 f['directory']),
            Case('malformed-json', v + ('--properties-file', f['bad_json']),
                 2, ONE, f['bad_json']),
            Case('malformed-yaml', v + ('--properties-file', f['bad_yaml']),
                 2, ONE, f['bad_yaml']),
            Case('not-a-mapping', v + ('--properties-file', f['list_yaml']),
                 2, ONE, f['list_yaml']),
            Case('wrong-types', v + ('--properties-file', f['wrong_types']),
                 1, BULK, '1 of 1'),
            Case('malformed-rules', online + ('--rules', f['bad_yaml']), 2,
                 ONE, f['bad_yaml']),
            Case('unknown-image', v + (missing_image,), 1, BULK,
                 missing_image),
            Case('schema-500', online, 1, ONE, '500',
                 faults=[('GET', r'^/v2/schemas/image', 500)]),
            Case('catalog-503', online, 1, ONE, '503',
                 faults=[('GET', r'^/v2/metadefs/', 503)]),
            Case('listing-404', v + (missing_image,), 1, ONE, '404',
                 faults=[('GET', r'^/v2/images', 404)]),
        ] + self.auth_cases('cloud', online)
        self.run_matrix(cases)


class TestMetadefSyncBadInput(BadInputTestCase):

    def namespace_file(self):
        ns = self.unique('BadInput::')
        path = os.path.join(self.tmp, 'ns')
        os.mkdir(path)
        with open(os.path.join(path, 'ns.json'), 'w') as f:
            json.dump({'namespace': ns, 'display_name': 'bad input test',
                       'visibility': 'public',
                       'properties': {'x': {'title': 'x',
                                            'type': 'string'}}}, f)
        self.addCleanup(self.remove, ns)
        return ns, path

    def remove(self, ns):
        # nothing should have been created; remove it if it was
        admin = self.sdk('admin').image
        for _ in range(10):
            resp = admin.request('/metadefs/namespaces/%s' % ns, 'DELETE')
            if resp.status_code in (204, 404):
                return
        self.fail('could not delete %s: %s' % (ns, resp.status_code))

    def test_matrix(self):
        f = self.files()
        ns, good = self.namespace_file()
        wrong = os.path.join(self.tmp, 'wrong-types.json')
        with open(wrong, 'w') as fh:
            json.dump({'namespace': 123, 'properties': []}, fh)
        s = ('image', 'metadef', 'sync')
        sync = s + (good,)
        post = ('POST', r'^/v2/metadefs/namespaces$')
        cases = [
            # usage errors and unreadable files need no cloud: Keystone is
            # out of reach in these cases and the answer is still exit 2
            Case('unknown-arg', s + ('--bogus', good), 2, USAGE,
                 'unrecognized', cloud='nokeystone'),
            Case('no-path', s, 2, ONE, None, cloud='nokeystone'),
            Case('missing-path', s + (f['missing'],), 2, BULK, f['missing'],
                 cloud='nokeystone'),
            Case('malformed-json', s + (f['bad_json'],), 2, BULK,
                 f['bad_json'], cloud='nokeystone'),
            Case('wrong-types', s + (wrong,), 1, None, wrong,
                 cloud='admin'),
            Case('prune-without-scope', sync + ('--prune',), 2, ONE, None,
                 cloud='nokeystone'),
            Case('unknown-namespace', sync + ('--namespace', ns + 'x',
                                              '--prune'),
                 0, None, None, cloud='admin'),
            Case('member-403', sync, 1, BULK, '1 of 1', cloud='producer'),
            Case('create-409', sync, 1, BULK, '1 of 1', cloud='admin',
                 faults=[post + (409,)]),
            Case('create-413', sync, 1, BULK, '1 of 1', cloud='admin',
                 faults=[post + (413,)]),
            Case('create-503', sync, 1, BULK, '1 of 1', cloud='admin',
                 faults=[post + (503,)]),
            Case('listing-500', sync, 1, ONE, '500', cloud='admin',
                 faults=[('GET', r'^/v2/metadefs/namespaces\?', 500)]),
            Case('schema-404', sync, 1, ONE, '404', cloud='admin',
                 faults=[('GET', r'^/v2/schemas/metadefs', 404)]),
        ] + self.auth_cases('cloud', sync)
        results = self.run_matrix(cases)
        # a usage error or a fault sent no write that reached Glance
        for case in cases:
            if case.faults:
                self.assertEqual(
                    [], [r for r in self.proxies[case.name].writes()
                         if r[2] < 300], case.name)
        rows = json.loads(self.openstack(
            *(sync + ('--dry-run', '-f', 'json')), cloud='admin').stdout)
        self.assertEqual(['create'], [r['Action'] for r in rows],
                         'a failed case created the namespace: %r' % results)


class TestShareBadInput(BadInputTestCase):

    def shared_image(self):
        producer = self.sdk('producer')
        name = self.unique('badinput-share')
        body = {'name': name, 'visibility': 'shared', 'disk_format': 'raw',
                'container_format': 'bare'}
        img = producer.image.request('/images', 'POST', json=body).json()
        self.addCleanup(producer.image.request, '/images/%s' % img['id'],
                        'DELETE')
        resp = producer.image.request('/images/%s/members' % img['id'],
                                      'POST', json={
                                          'member': self.cloud.project_id(
                                              'consumer')})
        self.assertEqual(200, resp.status_code, resp.text)
        return img

    def member_status(self, image_id):
        consumer = self.sdk('consumer').image
        return consumer.request('/images/%s/members/%s' % (
            image_id, self.cloud.project_id('consumer')), 'GET'
        ).json()['status']

    def test_share_accept_matrix(self):
        img = self.shared_image()
        a = ('image', 'share-accept')
        accept = a + (img['id'],)
        put = ('PUT', r'^/v2/images/%s/members/' % img['id'])
        missing_name = self.unique('no-such-share')
        cases = [
            # usage errors need no cloud: Keystone is out of reach here
            Case('unknown-arg', a + ('--bogus', img['id']), 2, USAGE,
                 'unrecognized', cloud='nokeystone'),
            Case('nothing-given', a, 2, ONE, None, cloud='nokeystone'),
            Case('both-given', a + ('--all', img['id']), 2, ONE, None,
                 cloud='nokeystone'),
            Case('conflicting-status', accept + ('--reject', '--pending'), 2,
                 USAGE, 'not allowed', cloud='nokeystone'),
            Case('unknown-image-name', a + (missing_name,), 1, BULK,
                 '1 of 1', cloud='consumer'),
            Case('unknown-image-id', a + (str(uuid.uuid4()),), 1, BULK,
                 '1 of 1', cloud='consumer'),
            # only the member changes its status: the owner gets Glance's 403
            Case('owner-403', accept + ('--project',
                                        self.cloud.project_id('consumer')),
                 1, BULK, '1 of 1', cloud='producer'),
            Case('put-404', accept, 1, BULK, '1 of 1', cloud='consumer',
                 faults=[put + (404,)]),
            Case('put-409', accept, 1, BULK, '1 of 1', cloud='consumer',
                 faults=[put + (409,)]),
            Case('put-413', accept, 1, BULK, '1 of 1', cloud='consumer',
                 faults=[put + (413,)]),
            Case('put-503', accept, 1, BULK, '1 of 1', cloud='consumer',
                 faults=[put + (503,)]),
            Case('listing-500', a + ('--all',), 1, ONE, '500',
                 cloud='consumer',
                 faults=[('GET', r'^/v2/images\?', 500)]),
        ] + self.auth_cases('cloud', accept)
        self.run_matrix(cases)
        # every failing case left the membership as it was
        self.assertEqual('pending', self.member_status(img['id']))
        # and the 503 was sent again, a bounded number of times: the
        # member-status PUT's own retries, keystoneauth's being off for it
        from osc_imagetools.cloud import members
        puts = [r for r in self.proxies['put-503'].requests
                if r[0] == 'PUT']
        self.assertEqual(1 + members.PUT_RETRIES, len(puts))

    def test_share_list_matrix(self):
        ls = ('image', 'share', 'list')
        listing = ('GET', r'^/v2/images\?')
        cases = [
            Case('unknown-arg', ls + ('--bogus',), 2, USAGE, 'unrecognized',
                 cloud='nokeystone'),
            Case('bad-status', ls + ('--status', 'maybe'), 2, USAGE,
                 'invalid choice', cloud='nokeystone'),
            # a member cannot look another project's name up: a name used
            # as an ID would silently match nothing, so it is bad input
            Case('other-project', ls + ('--project', 'admin'), 2, ONE,
                 'give the project ID', cloud='consumer'),
            Case('listing-404', ls, 1, ONE, '404', cloud='consumer',
                 faults=[listing + (404,)]),
            Case('listing-500', ls, 1, ONE, '500', cloud='consumer',
                 faults=[listing + (500,)]),
            Case('listing-503', ls, 1, ONE, '503', cloud='consumer',
                 faults=[listing + (503,)]),
        ] + self.auth_cases('cloud', ls)
        self.run_matrix(cases)


class TestPrepareBadInput(BadInputTestCase):

    def leftover(self, name):
        producer = self.sdk('producer').image
        return producer.request('/images?name=%s' % name, 'GET'
                                ).json()['images']

    def test_matrix(self):
        f = self.files()
        disk = self.qemu_img('qcow2', size='1M')
        p = ('image', 'prepare')
        profiles = os.path.join(self.tmp, 'config', 'osc-imagetools',
                                'profiles')
        os.makedirs(profiles)
        with open(os.path.join(profiles, 'broken.yaml'), 'w') as fh:
            fh.write('properties: [a\n  : :\n')
        names = {k: self.unique('badinput-prep-' + k)
                 for k in ('413', '409', '500', '503', '403')}
        for name in names.values():
            self.addCleanup(self.delete_named, name)

        def upload(key):
            return p + (disk, '--no-progress', '--upload', names[key])

        cases = [
            Case('no-file', p, 2, USAGE, 'required', cloud=None),
            Case('unknown-arg', p + (disk, '--bogus'), 2, USAGE,
                 'unrecognized', cloud=None),
            Case('missing-file', p + (f['missing'],), 2, ONE, f['missing'],
                 cloud=None),
            Case('unreadable-file', p + (f['directory'],), 2, ONE,
                 f['directory'], cloud=None),
            Case('bad-min-disk', p + (disk, '--min-disk', 'big'), 2, USAGE,
                 'whole number', cloud=None),
            Case('property-without-equals', p + (disk, '--property', 'x'), 2,
                 ONE, None, cloud=None),
            Case('unknown-profile', p + (disk, '--profile', 'no-such'), 2,
                 ONE, 'no-such', cloud=None),
            Case('malformed-profile', p + (disk, '--profile', 'broken'), 2,
                 ONE, 'broken', cloud=None,
                 env={'XDG_CONFIG_HOME': os.path.join(self.tmp, 'config')}),
            Case('publicize-403', upload('403') + ('--visibility', 'public'),
                 1, ONE, '403'),
            Case('create-500', upload('500'), 1, ONE, '500',
                 faults=[('POST', r'^/v2/images$', 500)]),
            Case('upload-413', upload('413'), 1, ONE, '413',
                 faults=[('PUT', r'^/v2/images/[^/]+/file$', 413)]),
            Case('upload-409', upload('409'), 1, ONE, '409',
                 faults=[('PUT', r'^/v2/images/[^/]+/file$', 409)]),
            Case('upload-503', upload('503'), 1, ONE, '503',
                 faults=[('PUT', r'^/v2/images/[^/]+/file$', 503)]),
        ] + self.auth_cases('cloud', p + (disk, '--no-progress', '--upload',
                                          self.unique('badinput-never')))
        self.run_matrix(cases)
        # no failed upload left an image behind
        for key, name in names.items():
            self.assertEqual([], self.leftover(name), key)

    def delete_named(self, name):
        producer = self.sdk('producer').image
        for img in self.leftover(name):
            producer.request('/images/%s' % img['id'], 'DELETE')
