/**
 * `shipshape verify-bundle` against the sigstore-conformance bundle-verify cases (real public-good
 * bundles; `_fail` cases must fail), driven through the CLI exactly as the conformance harness calls a
 * client, for the file and for its `sha256:` digest; and key-signed bundles made here with
 * @sigstore/sign, for the --key flow, including RSA, digest-only input, and a Rekor entry from
 * @sigstore/mock checked against the trusted root.
 * Fixtures: sigstore/sigstore-conformance test/assets/bundle-verify (Apache-2.0), via SHIPSHAPE_FIXTURES.
 */
import { createHash, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bundleToJSON } from '@sigstore/bundle';
import { DSSEBundleBuilder, MessageSignatureBundleBuilder, RekorWitness, type Signer } from '@sigstore/sign';
import { imageSubject, makeStatement } from '../../attest/statement';
import { startMockSigstore, type MockSigstore } from '../../signing/keyless/test-support/mock-sigstore';
import { fixturesDir } from '../../test-support/test-env';
import type { CliIO } from '../context';
import { runCli } from '../main';

const SIGSTORE = join(fixturesDir(), 'sigstore');
const CONFORMANCE = join(SIGSTORE, 'conformance');
const DEFAULT_IDENTITY = 'https://github.com/sigstore-conformance/extremely-dangerous-public-oidc-beacon/.github/workflows/extremely-dangerous-oidc-beacon.yml@refs/heads/main';
const DEFAULT_ISSUER = 'https://token.actions.githubusercontent.com';

async function shipshape(args: string[], cwd = process.cwd()) {
  let stdout = '';
  let stderr = '';
  const io: CliIO = { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t), env: { ...process.env }, cwd };
  const code = await runCli(args, io);
  return { code, stdout, stderr };
}

/** The arguments the conformance harness passes for one case (test/assets/bundle-verify/README.md). */
function conformanceArgs(dir: string, input: 'file' | 'digest'): string[] {
  const file = (name: string) => join(dir, name);
  const read = (name: string, fallback: string) => (existsSync(file(name)) ? readFileSync(file(name), 'utf8').trim() : fallback);
  const artifact = existsSync(file('artifact')) ? file('artifact') : join(CONFORMANCE, 'a.txt');
  const trustedRoot = existsSync(file('trusted_root.json')) ? file('trusted_root.json') : join(SIGSTORE, 'trusted_root_pgi.json');
  const who = existsSync(file('key.pub'))
    ? ['--key', file('key.pub')]
    : ['--certificate-identity', read('identity', DEFAULT_IDENTITY), '--certificate-oidc-issuer', read('issuer', DEFAULT_ISSUER)];
  const target = input === 'file' ? artifact : `sha256:${createHash('sha256').update(readFileSync(artifact)).digest('hex')}`;
  return ['verify-bundle', '--bundle', file('bundle.sigstore.json'), ...who, '--trusted-root', trustedRoot, target];
}

const cases = readdirSync(CONFORMANCE)
  .filter((name) => statSync(join(CONFORMANCE, name)).isDirectory())
  .sort()
  .map((name) => [name, name.endsWith('_fail')] as const);

describe('shipshape verify-bundle: sigstore-conformance cases', () => {
  it('has cases to run', () => {
    expect(cases.length).toBeGreaterThanOrEqual(5);
    expect(cases.some(([, fails]) => fails)).toBe(true);
    expect(cases.some(([, fails]) => !fails)).toBe(true);
  });

  describe.each(['file', 'digest'] as const)('artifact given as a %s', (input) => {
    it.each(cases)('%s', async (name, mustFail) => {
      const result = await shipshape(conformanceArgs(join(CONFORMANCE, name), input));
      if (mustFail) {
        expect(result.code).toBe(1);
        expect(result.stdout).toBe('');
        expect(result.stderr).toMatch(/^error: .*verification failed: /);
      } else {
        expect(result.stderr).toBe('');
        expect(result.code).toBe(0);
        expect(result.stdout).toContain(`signed by ${DEFAULT_IDENTITY} (issuer ${DEFAULT_ISSUER})`);
      }
    });
  });

  const happy = ['happy-path-v0.3', 'happy-path-intoto-in-dsse-v3'];

  it.each(happy)('%s: another identity or issuer fails', async (name) => {
    const args = conformanceArgs(join(CONFORMANCE, name), 'file');
    const otherIdentity = args.map((a) => (a === DEFAULT_IDENTITY ? `${DEFAULT_IDENTITY.replace('@refs/heads/main', '@refs/heads/evil')}` : a));
    const identity = await shipshape(otherIdentity);
    expect(identity.code).toBe(1);
    expect(identity.stderr).toContain('is not the expected');
    const otherIssuer = args.map((a) => (a === DEFAULT_ISSUER ? 'https://accounts.google.com' : a));
    const issuer = await shipshape(otherIssuer);
    expect(issuer.code).toBe(1);
    expect(issuer.stderr).toContain('OIDC issuer "https://token.actions.githubusercontent.com" is not the expected "https://accounts.google.com"');
  });

  it.each(happy)('%s: accepts regexps for identity and issuer, as cosign does', async (name) => {
    const args = conformanceArgs(join(CONFORMANCE, name), 'file').map((a) =>
      a === '--certificate-identity' ? '--certificate-identity-regexp' : a === '--certificate-oidc-issuer' ? '--certificate-oidc-issuer-regexp' : a,
    );
    const regexps = args.map((a) => (a === DEFAULT_IDENTITY ? '^https://github\\.com/sigstore-conformance/' : a === DEFAULT_ISSUER ? 'token\\.actions\\.githubusercontent\\.com$' : a));
    expect((await shipshape(regexps)).code).toBe(0);
  });

  it.each(happy)('%s: another artifact, or another digest, fails', async (name) => {
    const dir = await mkdtemp(join(tmpdir(), 'shipshape-vb-'));
    const other = join(dir, 'a.txt');
    await writeFile(other, `${readFileSync(join(CONFORMANCE, 'a.txt'), 'utf8')}.`);
    const args = conformanceArgs(join(CONFORMANCE, name), 'file');
    const byFile = await shipshape([...args.slice(0, -1), other]);
    expect(byFile.code).toBe(1);
    expect(byFile.stderr).toMatch(/digest does not match|is not a subject of the signed statement/);
    const byDigest = await shipshape([...args.slice(0, -1), `sha256:${'0'.repeat(64)}`]);
    expect(byDigest.code).toBe(1);
    expect(byDigest.stderr).toMatch(/is not the digest the bundle signs|is not a subject of the signed statement/);
  });

  it('prints the result as data with --output json', async () => {
    const result = await shipshape(['--output', 'json', ...conformanceArgs(join(CONFORMANCE, 'happy-path-intoto-in-dsse-v3'), 'file')]);
    expect(result.code).toBe(0);
    const json = JSON.parse(result.stdout) as Record<string, unknown>;
    expect(json).toMatchObject({
      verified: true,
      content: 'dsseEnvelope',
      predicateType: 'https://slsa.dev/provenance/v1',
      digest: 'sha256:a0cfc71271d6e278e57cd332ff957c3f7043fdda354c4cbb190a30d56efa01bf',
      signer: { kind: 'keyless', identity: DEFAULT_IDENTITY, issuer: DEFAULT_ISSUER, tlog: { logIndex: '155690850' } },
    });
  });
});

/** A key signer as cosign's sign-blob --key makes (no log entry). */
function keySigner(privateKey: KeyObject, publicKey: KeyObject): Signer {
  const pem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
  return { sign: async (data) => ({ signature: sign('sha256', data, privateKey), key: { $case: 'publicKey', publicKey: pem, hint: 'test-key' } }) };
}

describe('shipshape verify-bundle --key', () => {
  let dir: string;
  let artifact: string;
  let artifactDigest: string;
  const keys = {
    ecdsa: generateKeyPairSync('ec', { namedCurve: 'P-256' }),
    rsa: generateKeyPairSync('rsa', { modulusLength: 2048 }),
    other: generateKeyPairSync('ec', { namedCurve: 'P-256' }),
  };
  const pub: Record<string, string> = {};
  const bundles: Record<string, string> = {};

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'shipshape-vbk-'));
    artifact = join(dir, 'release.tar.gz');
    const data = Buffer.from('the release artifact\n');
    await writeFile(artifact, data);
    artifactDigest = `sha256:${createHash('sha256').update(data).digest('hex')}`;
    for (const [name, pair] of Object.entries(keys)) {
      pub[name] = join(dir, `${name}.pub`);
      await writeFile(pub[name]!, pair.publicKey.export({ type: 'spki', format: 'pem' }));
    }
    for (const name of ['ecdsa', 'rsa'] as const) {
      const signer = keySigner(keys[name].privateKey, keys[name].publicKey);
      const message = await new MessageSignatureBundleBuilder({ signer, witnesses: [] }).create({ data });
      bundles[`${name}-message`] = join(dir, `${name}-message.sigstore.json`);
      await writeFile(bundles[`${name}-message`]!, JSON.stringify(bundleToJSON(message)));
    }
    const statement = makeStatement([{ name: 'release.tar.gz', ...imageSubject(artifactDigest) }], 'https://slsa.dev/provenance/v1', { buildDefinition: {} });
    const dsse = await new DSSEBundleBuilder({ signer: keySigner(keys.ecdsa.privateKey, keys.ecdsa.publicKey), witnesses: [] }).create({
      data: Buffer.from(JSON.stringify(statement)),
      type: 'application/vnd.in-toto+json',
    });
    bundles['ecdsa-dsse'] = join(dir, 'ecdsa-dsse.sigstore.json');
    await writeFile(bundles['ecdsa-dsse']!, JSON.stringify(bundleToJSON(dsse)));
  });

  it.each([
    ['ecdsa-message', 'ecdsa'],
    ['rsa-message', 'rsa'],
    ['ecdsa-dsse', 'ecdsa'],
  ])('%s verifies with its key, for the file and for its digest; not with another key', async (bundle, key) => {
    for (const target of [artifact, artifactDigest]) {
      const ok = await shipshape(['verify-bundle', '--bundle', bundles[bundle]!, '--key', pub[key]!, target]);
      expect(ok.stderr).toBe('');
      expect(ok.code).toBe(0);
      expect(ok.stdout).toContain(`Verified OK: ${target} (${artifactDigest}) signed by key ${pub[key]}`);
      const wrong = await shipshape(['verify-bundle', '--bundle', bundles[bundle]!, '--key', pub.other!, target]);
      expect(wrong.code).toBe(1);
      expect(wrong.stderr).toContain('the signature does not verify with the given key');
    }
  });

  it('a bundle whose message digest was altered fails, even though nothing else vouches for it', async () => {
    const json = JSON.parse(readFileSync(bundles['ecdsa-message']!, 'utf8')) as { messageSignature: { messageDigest: { digest: string } } };
    json.messageSignature.messageDigest.digest = Buffer.alloc(32, 7).toString('base64');
    const altered = join(dir, 'altered.sigstore.json');
    await writeFile(altered, JSON.stringify(json));
    for (const target of [artifact, `sha256:${'07'.repeat(32)}`]) {
      const result = await shipshape(['verify-bundle', '--bundle', altered, '--key', pub.ecdsa!, target]);
      expect(result.code).toBe(1);
    }
  });

  it('a file literally named like a digest is read as a file, as the protocol says', async () => {
    const digestNamed = `sha256:${'1'.repeat(64)}`;
    await writeFile(join(dir, digestNamed), 'the release artifact\n');
    const result = await shipshape(['verify-bundle', '--bundle', bundles['ecdsa-message']!, '--key', pub.ecdsa!, digestNamed], dir);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
  });
});

describe('shipshape verify-bundle: bad input gets one clear message', () => {
  const happy = join(CONFORMANCE, 'happy-path-v0.3', 'bundle.sigstore.json');
  const root = join(SIGSTORE, 'trusted_root_pgi.json');
  const a = join(CONFORMANCE, 'a.txt');
  const keyless = ['--certificate-identity', DEFAULT_IDENTITY, '--certificate-oidc-issuer', DEFAULT_ISSUER, '--trusted-root', root];

  it.each([
    ['no signer to expect', ['verify-bundle', '--bundle', happy, a], 2, /no expected signer.*\n {2}hint: pass --key FILE, or --certificate-identity/],
    ['an identity without issuer', ['verify-bundle', '--bundle', happy, '--certificate-identity', DEFAULT_IDENTITY, a], 2, /no expected OIDC issuer/],
    ['--key and an identity', ['verify-bundle', '--bundle', happy, '--key', a, ...keyless, a], 2, /use one or the other/],
    ['a missing bundle', ['verify-bundle', '--bundle', '/nonexistent/b.json', ...keyless, a], 2, /^error: \/nonexistent\/b\.json: the bundle file does not exist/],
    ['a bundle that is not JSON', ['verify-bundle', '--bundle', a, ...keyless, a], 2, /the bundle file is not JSON/],
    ['a JSON file that is no bundle', ['verify-bundle', '--bundle', root, ...keyless, a], 1, /verification failed: not a valid Sigstore bundle/],
    ['a missing artifact', ['verify-bundle', '--bundle', happy, ...keyless, '/nonexistent/a.txt'], 2, /the artifact file does not exist\n {2}hint: pass the file that was signed, or its digest/],
    ['a bad identity regexp', ['verify-bundle', '--bundle', happy, '--certificate-identity-regexp', '(', '--certificate-oidc-issuer', DEFAULT_ISSUER, '--trusted-root', root, a], 2, /--certificate-identity-regexp is not a valid regular expression/],
  ])('%s', async (_name, args, code, message) => {
    const result = await shipshape(args as string[]);
    expect(result.code).toBe(code);
    expect(result.stderr).toMatch(message as RegExp);
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });
});

describe('shipshape verify-bundle --key, for a bundle with a Rekor entry (@sigstore/mock on 127.0.0.1)', () => {
  let mock: MockSigstore;
  beforeAll(async () => {
    mock = await startMockSigstore({ tsa: false });
  });
  afterAll(() => mock.close());

  it('checks the log entry against --trusted-root, for the file and for its digest', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'shipshape-vbr-'));
    const data = Buffer.from('logged artifact\n');
    const artifact = join(dir, 'artifact.bin');
    await writeFile(artifact, data);
    const keys = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const pub = join(dir, 'key.pub');
    await writeFile(pub, keys.publicKey.export({ type: 'spki', format: 'pem' }));
    const witnesses = [new RekorWitness({ rekorBaseURL: mock.rekorUrl, retry: 0 })];
    const bundle = await new MessageSignatureBundleBuilder({ signer: keySigner(keys.privateKey, keys.publicKey), witnesses }).create({ data });
    expect(bundle.verificationMaterial.tlogEntries).toHaveLength(1);
    const bundleFile = join(dir, 'artifact.sigstore.json');
    await writeFile(bundleFile, JSON.stringify(bundleToJSON(bundle)));
    const root = join(dir, 'trusted_root.json');
    await writeFile(root, JSON.stringify(mock.trustedRoot));

    for (const target of [artifact, `sha256:${createHash('sha256').update(data).digest('hex')}`]) {
      const result = await shipshape(['verify-bundle', '--bundle', bundleFile, '--key', pub, '--trusted-root', root, target]);
      expect(result.stderr).toBe('');
      expect(result.code).toBe(0);
      expect(result.stdout).toMatch(/\ntransparency log: entry \d+, integrated \d{4}-/);
    }
    // The public-good root does not know this log: the entry cannot be trusted.
    const wrongRoot = await shipshape(['verify-bundle', '--bundle', bundleFile, '--key', pub, '--trusted-root', join(SIGSTORE, 'trusted_root_pgi.json'), artifact]);
    expect(wrongRoot.code).toBe(1);
    expect(wrongRoot.stderr).toContain("verification failed: the bundle's transparency-log entry or timestamp does not verify against the trusted root");
  });
});
