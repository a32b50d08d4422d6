"""``--debug`` never shows a password or a token.

Every command runs with ``--debug``, successfully and failing, with the
credentials of clouds.yaml, with a password given on the command line, and
with a token the test obtained itself (``--os-auth-type v3token``), so the
exact secrets the CLI held are known. Asserted on stdout + stderr:

* no password of clouds.yaml, nor the command line's, nor the wrong one;
* not the token given, nor the token the SDK holds for the same user;
* no Fernet token at all (``gAAAAA...``: whatever the CLI was issued);
* every ``X-Auth-Token`` / ``X-Subject-Token`` header value is redacted
  (keystoneauth prints ``{SHA256}<hash>``).

Secrets on the command line are given both as ``--os-password=X`` and as
``--os-password X``: osc-lib itself masks only the first form in its
``START with options`` debug line; the plugin's logging filter
(``plugin.MaskSecretOptions``) masks the second.
"""

import concurrent.futures
import os
import re
import subprocess
import uuid

import yaml

from tests.functional import base

FERNET = re.compile(r'gAAAAA[A-Za-z0-9_=-]{40,}')
TOKEN_HEADER = re.compile(r'(X-Auth-Token|X-Subject-Token)["\']?\s*[:=]\s*'
                          r'["\']?([^"\'\s,]+)', re.I)
REDACTED = re.compile(r'^(\{SHA256\}[0-9a-f]{64}|\*+|<redacted>)$')


class TestSecrets(base.FunctionalTestCase):

    def setUp(self):
        super().setUp()
        with open(self.cloud.clouds_yaml) as f:
            self.clouds = yaml.safe_load(f)['clouds']
        self.passwords = {c['auth']['password']
                          for c in self.clouds.values()}
        self.wrong = 'wrong-%s' % uuid.uuid4().hex
        self.token = self.sdk('producer').session.get_token()
        self.tokens = {self.token}

    def token_args(self, project='producer', space=False):
        auth = self.clouds[project]['auth']
        token = (['--os-token', self.token] if space
                 else ['--os-token=' + self.token])
        return ['--os-auth-type', 'v3token'] + token + [
            '--os-auth-url', auth['auth_url'],
            '--os-project-name', auth['project_name'],
            '--os-project-domain-id', 'default',
            '--os-identity-api-version', '3',
            '--os-region-name', 'RegionOne']

    def password_args(self, password, space=False):
        auth = self.clouds['producer']['auth']
        pw = (['--os-password', password] if space
              else ['--os-password=' + password])
        return ['--os-auth-url', auth['auth_url'], '--os-username',
                auth['username']] + pw + [
            '--os-project-name', auth['project_name'],
            '--os-user-domain-id', 'default', '--os-project-domain-id',
            'default', '--os-identity-api-version', '3',
            '--os-region-name', 'RegionOne']

    def leaks(self, res, extra_secrets=()):
        out = res.stdout + res.stderr
        found = []
        for secret in self.passwords | self.tokens | set(extra_secrets):
            if secret in out:
                found.append('secret %s...' % secret[:6])
        found += ['fernet token %s...' % m[:12] for m in FERNET.findall(out)]
        for header, value in TOKEN_HEADER.findall(out):
            if not REDACTED.match(value):
                found.append('%s: %s' % (header, value[:12]))
        return found

    def test_debug_output_has_no_secret(self):
        disk = self.qemu_img('qcow2', size='1M')
        files = os.path.join(self.tmp, 'metadefs')
        os.mkdir(files)
        ns = self.unique('Secrets::')
        with open(os.path.join(files, 'ns.json'), 'w') as f:
            f.write('{"namespace": "%s", "visibility": "public"}' % ns)
        v = ('image', 'validate', '--property', 'hw_disk_bus=virtio')
        cases = [
            # (name, cloud, argv, rc)
            ('validate-ok', 'producer', v, 0),
            ('validate-token-unknown-image', None, self.token_args() + [
                'image', 'validate', self.unique('nope')], 1),
            ('validate-argv-password', None, self.password_args(
                self.clouds['producer']['auth']['password']) + list(v), 0),
            ('space-password', None, self.password_args(
                self.clouds['producer']['auth']['password'], space=True)
             + list(v), 0),
            ('space-token', None, self.token_args(space=True) + [
                'image', 'share', 'list'], 0),
            ('validate-wrong-password', None,
             self.password_args(self.wrong) + list(v), 1),
            ('metadef-dry-run', 'admin', ('image', 'metadef', 'sync',
                                          files, '--dry-run'), 0),
            ('metadef-member-403', 'producer', ('image', 'metadef', 'sync',
                                                files), 1),
            ('share-list-token', None, self.token_args() + [
                'image', 'share', 'list'], 0),
            ('share-accept-unknown', 'consumer', (
                'image', 'share-accept', str(uuid.uuid4())), 1),
            ('prepare-dry-run', 'producer', (
                'image', 'prepare', disk, '--no-progress', '--upload',
                self.unique('secrets'), '--dry-run'), 0),
            ('prepare-token-403', None, self.token_args() + [
                'image', 'prepare', disk, '--no-progress', '--upload',
                self.unique('secrets'), '--visibility', 'public'], 1),
        ]

        def one(case):
            # not self.openstack(): --debug prints the traceback of a failure
            # on purpose
            name, cloud, argv, rc = case
            cmd = [base.OPENSTACK] + (['--os-cloud', cloud] if cloud else [])
            cmd += ['--debug'] + [str(a) for a in argv]
            proc = subprocess.run(cmd, capture_output=True, text=True,
                                  env=self.env(), timeout=600,
                                  stdin=subprocess.DEVNULL)
            return name, rc, base.Result(cmd, proc)

        with concurrent.futures.ThreadPoolExecutor(4) as pool:
            results = list(pool.map(one, cases))
        problems = []
        for name, rc, res in results:
            if res.rc != rc:
                problems.append('%s: exit code %s, expected %s\n%r'
                                % (name, res.rc, rc, res))
            # --debug really logged the HTTP traffic (else nothing is proved)
            if 'REQ: curl' not in res.stderr:
                problems.append('%s: no request logged' % name)
            leaks = self.leaks(res, (self.wrong,))
            if leaks:
                problems.append('%s: %s' % (name, ', '.join(leaks)))
        self.assertEqual([], problems, '\n'.join(problems))
