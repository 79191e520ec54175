/**
 * `shipshape provenance generate` and `shipshape attest verify` end to end, through the CLI, against
 * the real registries (plain HTTP, and TLS with basic auth), in both storage formats: key files from
 * `shipshape key generate`, a GitHub Actions environment, the expectations a release gate sets, the
 * DSSE signature checked independently by openssl over the pre-authentication encoding, and an
 * attestation copied from another image refused. Keyless through the mock Sigstore services, with the
 * builder named by the token's reusable workflow.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { runCli } from '../main';
import type { CliIO } from '../context';
import { testEnv, fixturesDir } from '../../test-support/test-env';
import { makeTestImage, pushTestImage } from '../../test-support/images';
import { RegistryClient } from '../../oci/registry/client';
import { RegistryRepository } from '../../oci/registry/repository';
import { isIndex, type Descriptor } from '../../oci/manifest';
import { attachBundle, readBundles } from '../../attest/bundle-referrer';
import { preAuthEncoding } from '../../attest/dsse';
import { appendSignatureLayer, readSignatureImage } from '../../signing/legacy/signature-image';
import { githubClaims, makeJwt } from '../../ci/test-support/jwt';
import { startMockSigstore, type MockSigstore } from '../../signing/keyless/test-support/mock-sigstore';

const exec = promisify(execFile);
const env = testEnv();
const PASSWORD = `pw-${randomBytes(6).toString('hex')}`;
const SHA = '3f786850e387550fdab836ed7e6dc881de23001b';
const PROVENANCE = 'https://slsa.dev/provenance/v1';
const BUILDER = 'https://github.com/acme/shop/.github/workflows/release.yml@refs/tags/v1.4.0';

/** A tag release on a GitHub-hosted runner, without `id-token: write` (key-based signing). */
const GITHUB_ENV = {
  GITHUB_ACTIONS: 'true',
  GITHUB_SERVER_URL: 'https://github.com',
  GITHUB_REPOSITORY: 'acme/shop',
  GITHUB_REPOSITORY_ID: '123456789',
  GITHUB_REPOSITORY_OWNER_ID: '9919',
  GITHUB_EVENT_NAME: 'push',
  GITHUB_WORKFLOW_REF: 'acme/shop/.github/workflows/release.yml@refs/tags/v1.4.0',
  GITHUB_RUN_ID: '9876543210',
  GITHUB_RUN_ATTEMPT: '1',
  GITHUB_REF: 'refs/tags/v1.4.0',
  GITHUB_SHA: SHA,
  RUNNER_ENVIRONMENT: 'github-hosted',
};

let dir: string;
let tlsConfig: string;

async function shipshape(args: string[], extraEnv: NodeJS.ProcessEnv = {}) {
  let stdout = '';
  let stderr = '';
  const io: CliIO = {
    stdout: (t) => (stdout += t),
    stderr: (t) => (stderr += t),
    env: { PATH: process.env.PATH, HOME: dir, COSIGN_PASSWORD: PASSWORD, TEST_REGISTRY_PASSWORD: env.tlsPassword, ...extraEnv },
    cwd: dir,
  };
  const code = await runCli(args, io);
  return { code, stdout, stderr };
}

interface Registry {
  label: string;
  host: string;
  client: () => RegistryClient;
  /** Global flags this registry needs. */
  flags: () => string[];
}

const REGISTRIES: Registry[] = [
  { label: 'plain registry', host: env.registry, client: () => new RegistryClient({ env: {} }), flags: () => [] },
  {
    label: 'TLS registry with basic auth',
    host: env.tlsRegistry,
    client: () => new RegistryClient({ env: { HOME: '/nonexistent' }, hosts: { [env.tlsRegistry]: { caFile: env.tlsCaFile, username: env.tlsUsername, password: env.tlsPassword } } }),
    flags: () => ['--config', tlsConfig],
  },
];

async function pushImage(registry: Registry, client: RegistryClient, repository = `cli-prov/${randomBytes(4).toString('hex')}`, tag = 'v1') {
  const store = new RegistryRepository(client, registry.host, repository);
  const descriptor = await pushTestImage(store, makeTestImage(), tag);
  return { store, descriptor, repository, ref: `${registry.host}/${repository}:${tag}`, digest: descriptor.digest };
}

/** The DSSE envelopes stored for `digest`, read straight from the registry without the attest module. */
async function storedEnvelopes(store: RegistryRepository, digest: string, format: 'bundle' | 'legacy'): Promise<{ payloadType: string; payload: Buffer; sig: Buffer }[]> {
  const layers: Descriptor[] = [];
  if (format === 'bundle') {
    for (const referrer of await store.referrers(digest)) {
      if (referrer.artifactType !== 'application/vnd.dev.sigstore.bundle.v0.3+json') continue;
      const { manifest } = await store.getManifest(referrer.digest);
      if (!isIndex(manifest)) layers.push(...manifest.layers);
    }
  } else {
    const { manifest } = await store.getManifest(`${digest.replace(':', '-')}.att`);
    if (!isIndex(manifest)) layers.push(...manifest.layers);
  }
  const envelopes = [];
  for (const layer of layers) {
    const json = JSON.parse((await store.readBlob(layer)).toString('utf8')) as Record<string, unknown>;
    // A bundle holds the envelope in `dsseEnvelope`; a legacy `.att` layer is the envelope itself.
    const envelope = (format === 'bundle' ? json.dsseEnvelope : json) as { payloadType: string; payload: string; signatures: { sig: string }[] };
    envelopes.push({ payloadType: envelope.payloadType, payload: Buffer.from(envelope.payload, 'base64'), sig: Buffer.from(envelope.signatures[0]!.sig, 'base64') });
  }
  return envelopes;
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'shipshape-prov-'));
  for (const prefix of ['cosign', 'other']) expect((await shipshape(['key', 'generate', '--output-key-prefix', prefix])).code).toBe(0);
  tlsConfig = join(dir, 'tls.yaml');
  await writeFile(tlsConfig, `registries:\n  "${env.tlsRegistry}":\n    caFile: ${env.tlsCaFile}\n    username: ${env.tlsUsername}\n    password: env://TEST_REGISTRY_PASSWORD\n`);
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe.each(REGISTRIES.flatMap((registry) => (['bundle', 'legacy'] as const).map((format) => [registry.label, format, registry] as const)))(
  'provenance in the %s, %s format',
  (_label, format, registry) => {
    let client: RegistryClient;
    beforeAll(() => {
      client = registry.client();
    });
    afterAll(() => client.close());

    it('generate --attach, then attest verify passes with the expected source and builder, and fails for another', async () => {
      const image = await pushImage(registry, client);
      const sbom = join(fixturesDir(), 'sbom', 'centos7.trivy.cdx.json');
      const report = join(fixturesDir(), 'grype', 'no-vulns.grype.json');
      const generated = await shipshape(
        [...registry.flags(), 'provenance', 'generate', '--image', image.ref, '--attach', '--key', 'cosign.key', '--signature-format', format, '--output', 'provenance.json', '--sbom', sbom, '--scan-report', report],
        GITHUB_ENV,
      );
      expect(generated.stderr).not.toMatch(/error/);
      expect(generated.code).toBe(0);
      expect(generated.stdout).toContain(`attached (${format})`);
      expect(generated.stdout + generated.stderr).not.toContain(PASSWORD);
      expect(generated.stdout + generated.stderr).not.toContain(env.tlsPassword);

      const statement = JSON.parse(await readFile(join(dir, 'provenance.json'), 'utf8')) as {
        subject: unknown;
        predicateType: string;
        predicate: { runDetails: { builder: { id: string }; byproducts: { name: string }[] }; buildDefinition: { resolvedDependencies: unknown } };
      };
      expect(statement.subject).toEqual([{ name: `${registry.host}/${image.repository}`, digest: { sha256: image.digest.slice('sha256:'.length) } }]);
      expect(statement.predicateType).toBe(PROVENANCE);
      expect(statement.predicate.runDetails.builder.id).toBe(BUILDER);
      expect(statement.predicate.buildDefinition.resolvedDependencies).toEqual([{ uri: 'git+https://github.com/acme/shop@refs/tags/v1.4.0', digest: { gitCommit: SHA } }]);
      expect(statement.predicate.runDetails.byproducts.map((b) => b.name)).toEqual(['centos7.trivy.cdx.json', 'no-vulns.grype.json']);

      const expectations = ['--source-uri', 'github.com/acme/shop', '--source-ref', 'v1.4.0', '--builder-id', BUILDER];
      const ok = await shipshape([...registry.flags(), 'attest', 'verify', '--image', image.ref, '--type', 'slsaprovenance1', '--key', 'cosign.pub', ...expectations]);
      expect(ok.stderr).toBe('');
      expect(ok.code).toBe(0);
      expect(ok.stdout).toContain(`Verified 1 attestation(s) of ${PROVENANCE} for ${registry.host}/${image.repository}@${image.digest}`);
      expect(ok.stdout).toContain(`${format}: signed by key`);

      // --output json after the subcommand; the attached statement is the one written to the file.
      const json = await shipshape([...registry.flags(), 'attest', 'verify', '--image', image.ref, '--type', 'slsaprovenance1', '--key', 'cosign.pub', '--output', 'json']);
      expect(json.code).toBe(0);
      const result = JSON.parse(json.stdout) as { digest: string; verified: { format: string; statement: unknown }[] };
      expect(result.digest).toBe(image.digest);
      expect(result.verified.map((v) => v.format)).toEqual([format]);
      expect(result.verified[0]!.statement).toEqual(statement);

      const otherSource = await shipshape([...registry.flags(), 'attest', 'verify', '--image', image.ref, '--type', 'slsaprovenance1', '--key', 'cosign.pub', '--source-uri', 'github.com/evil/shop']);
      expect(otherSource.code).toBe(1);
      expect(otherSource.stderr).toContain('no resolved dependency is github.com/evil/shop (the provenance names git+https://github.com/acme/shop@refs/tags/v1.4.0)');

      const otherBuilder = await shipshape([...registry.flags(), 'attest', 'verify', '--image', image.ref, '--type', 'slsaprovenance1', '--key', 'cosign.pub', '--builder-id', 'https://github.com/evil/shop/.github/workflows/release.yml']);
      expect(otherBuilder.code).toBe(1);
      expect(otherBuilder.stderr).toContain(`the builder id is ${BUILDER}, not https://github.com/evil/shop/.github/workflows/release.yml`);

      const otherRef = await shipshape([...registry.flags(), 'attest', 'verify', '--image', image.ref, '--type', 'slsaprovenance1', '--key', 'cosign.pub', '--source-ref', 'main']);
      expect(otherRef.code).toBe(1);

      const otherKey = await shipshape([...registry.flags(), 'attest', 'verify', '--image', image.ref, '--type', 'slsaprovenance1', '--key', 'other.pub']);
      expect(otherKey.code).toBe(1);
      expect(otherKey.stderr).toMatch(/does not verify with the given key/);

      const otherType = await shipshape([...registry.flags(), 'attest', 'verify', '--image', image.ref, '--type', 'cyclonedx', '--key', 'cosign.pub']);
      expect(otherType.code).toBe(1);
      expect(otherType.stderr).toContain('(the image has no https://cyclonedx.org/bom attestations)');
    });

    it('stores a DSSE signature that openssl verifies over the pre-authentication encoding', async () => {
      const image = await pushImage(registry, client);
      const generated = await shipshape([...registry.flags(), 'provenance', 'generate', '--image', image.ref, '--attach', '--key', 'cosign.key', '--signature-format', format], GITHUB_ENV);
      expect(generated.code).toBe(0);

      const [envelope, ...more] = await storedEnvelopes(image.store, image.digest, format);
      expect(more).toEqual([]);
      expect(envelope!.payloadType).toBe('application/vnd.in-toto+json');
      const statement = JSON.parse(envelope!.payload.toString('utf8')) as { subject: { digest: { sha256: string } }[]; predicateType: string };
      expect(statement.subject[0]!.digest.sha256).toBe(image.digest.slice('sha256:'.length));
      expect(statement.predicateType).toBe(PROVENANCE);

      // PAE(type, body) = "DSSEv1" SP len(type) SP type SP len(body) SP body, spelled out here by hand.
      const type = envelope!.payloadType;
      const pae = Buffer.concat([Buffer.from(`DSSEv1 ${Buffer.byteLength(type)} ${type} ${envelope!.payload.length} `), envelope!.payload]);
      expect(pae.equals(preAuthEncoding(type, envelope!.payload))).toBe(true);
      await writeFile(join(dir, 'pae.bin'), pae);
      await writeFile(join(dir, 'sig.der'), envelope!.sig);
      const { stdout } = await exec('openssl', ['dgst', '-sha256', '-verify', join(dir, 'cosign.pub'), '-signature', join(dir, 'sig.der'), join(dir, 'pae.bin')]);
      expect(stdout.trim()).toBe('Verified OK');
      // ... and not with another key.
      await expect(exec('openssl', ['dgst', '-sha256', '-verify', join(dir, 'other.pub'), '-signature', join(dir, 'sig.der'), join(dir, 'pae.bin')])).rejects.toMatchObject({ stdout: expect.stringContaining('Verification failure') });
    });

    it('rejects a genuine attestation copied from another image (its subject is the other digest)', async () => {
      const repository = `cli-prov/${randomBytes(4).toString('hex')}`;
      const original = await pushImage(registry, client, repository, 'a');
      const target = await pushImage(registry, client, repository, 'b');
      expect((await shipshape([...registry.flags(), 'provenance', 'generate', '--image', original.ref, '--attach', '--key', 'cosign.key', '--signature-format', format], GITHUB_ENV)).code).toBe(0);

      // Copy what was attached to the original onto the target, as an attacker with push access could.
      if (format === 'bundle') {
        const { bundles } = await readBundles(original.store, original.digest, { predicateType: PROVENANCE });
        expect(bundles).toHaveLength(1);
        await attachBundle(target.store, target.descriptor, bundles[0]!.bundle, PROVENANCE);
      } else {
        const att = await readSignatureImage(original.store, original.digest, 'att');
        await appendSignatureLayer({ store: target.store, imageDigest: target.digest, kind: 'att', layer: att!.manifest.layers[0]! });
      }
      const copied = await shipshape([...registry.flags(), 'attest', 'verify', '--image', target.ref, '--type', 'slsaprovenance1', '--key', 'cosign.pub']);
      expect(copied.code).toBe(1);
      expect(copied.stderr).toContain(`the signed statement is for ${original.digest}, not this image (${target.digest})`);

      // The original still verifies.
      expect((await shipshape([...registry.flags(), 'attest', 'verify', '--image', original.ref, '--type', 'slsaprovenance1', '--key', 'cosign.pub'])).code).toBe(0);
    });
  },
);

describe('the commands’ edges', () => {
  let client: RegistryClient;
  beforeAll(() => {
    client = REGISTRIES[0]!.client();
  });
  afterAll(() => client.close());

  it('prints the statement when neither writing nor attaching, and puts nothing on the image', async () => {
    const image = await pushImage(REGISTRIES[0]!, client);
    const printed = await shipshape(['provenance', 'generate', '--image', image.ref], GITHUB_ENV);
    expect(printed.code).toBe(0);
    const statement = JSON.parse(printed.stdout) as { _type: string; predicate: { runDetails: { builder: { id: string } } } };
    expect(statement._type).toBe('https://in-toto.io/Statement/v1');
    expect(statement.predicate.runDetails.builder.id).toBe(BUILDER);
    expect(await image.store.referrers(image.digest)).toEqual([]);

    // The global --output before the subcommand, the file after it.
    const both = await shipshape(['--output', 'json', 'provenance', 'generate', '--image', image.ref, '--output', 'p.json'], GITHUB_ENV);
    expect(both.code).toBe(0);
    expect((JSON.parse(both.stdout) as { output: string }).output).toBe(join(dir, 'p.json'));
    expect(JSON.parse(await readFile(join(dir, 'p.json'), 'utf8'))).toEqual((JSON.parse(both.stdout) as { statement: unknown }).statement);
  });

  it('outside CI, names the local builder and says so', async () => {
    const image = await pushImage(REGISTRIES[0]!, client);
    const local = await shipshape(['provenance', 'generate', '--image', image.ref]);
    expect(local.code).toBe(0);
    expect((JSON.parse(local.stdout) as { predicate: { runDetails: { builder: { id: string } } } }).predicate.runDetails.builder.id).toMatch(/^https:\/\/shipshape\.dev\/local\//);
    expect(local.stderr).toMatch(/not running in CI/);
  });

  it.each([
    [['provenance', 'generate', '--image', 'IMAGE', '--key', 'cosign.key'], /add --attach/],
    [['attest', 'verify', '--image', 'IMAGE', '--type', 'bogus', '--key', 'cosign.pub'], /--type bogus is neither a predicate type name nor a URI/],
    [['attest', 'verify', '--image', 'IMAGE', '--type', 'cyclonedx', '--key', 'cosign.pub', '--builder-id', 'x'], /expectations of SLSA v1 provenance/],
    [['provenance', 'generate', '--image', 'IMAGE', '--sbom', 'missing.json'], /cannot read --sbom missing.json: ENOENT/],
    [['attest', 'verify', '--image', 'IMAGE', '--type', 'vuln'], /nothing to verify with/],
  ])('exits 2 with one clear line for %j', async (args, message) => {
    const image = await pushImage(REGISTRIES[0]!, client);
    const result = await shipshape(args.map((a) => (a === 'IMAGE' ? image.ref : a)), GITHUB_ENV);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(message);
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });

  it('refuses a docker-archive, which has no registry digest to name', async () => {
    const result = await shipshape(['provenance', 'generate', '--image', `docker-archive:${join(dir, 'app.tar')}`]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/has none \(a docker-archive holds only the config digest\)/);
  });
});

describe('keyless provenance (mock Fulcio and Rekor), builder from the token’s reusable workflow', () => {
  let mock: MockSigstore;
  let client: RegistryClient;
  const reusable = 'acme/workflows/.github/workflows/publish.yml@refs/heads/main';
  const claims = { ...githubClaims(), job_workflow_ref: reusable };
  const identity = `https://github.com/${reusable}`;
  const token = makeJwt({ ...claims, sub: identity });
  const issuer = 'https://token.actions.githubusercontent.com';

  beforeAll(async () => {
    mock = await startMockSigstore();
    client = REGISTRIES[0]!.client();
    await writeFile(join(dir, 'trusted_root.json'), JSON.stringify(mock.trustedRoot));
    await writeFile(join(dir, 'keyless.yaml'), `signing:\n  fulcioUrl: ${mock.fulcioUrl}\n  rekorUrl: ${mock.rekorUrl}\n  trustedRoot: trusted_root.json\n`);
  });
  afterAll(async () => {
    client.close();
    await mock.close();
  });

  it('attaches with the CI token and verifies by identity, issuer and builder id', async () => {
    const image = await pushImage(REGISTRIES[0]!, client);
    const runEnv = { ...GITHUB_ENV, GITHUB_REPOSITORY: 'acme/shop', SIGSTORE_ID_TOKEN: token };
    const generated = await shipshape(['--config', 'keyless.yaml', 'provenance', 'generate', '--image', image.ref, '--attach', '--keyless', '--signature-format', 'both'], runEnv);
    expect(generated.stdout + generated.stderr).not.toContain(token);
    expect(generated.code).toBe(0);
    expect(generated.stdout).toContain(`builder https://github.com/${reusable}`);

    const verified = await shipshape([
      '--config', 'keyless.yaml', 'attest', 'verify', '--image', image.ref, '--type', 'slsaprovenance1',
      '--certificate-identity', identity, '--certificate-oidc-issuer', issuer, '--builder-id', `https://github.com/${reusable}`, '--source-uri', 'https://github.com/acme/shop',
    ]);
    expect(verified.stderr).toBe('');
    expect(verified.code).toBe(0);
    expect(verified.stdout).toContain('Verified 2 attestation(s)');
    expect(verified.stdout).toContain(`signed by ${identity} (issuer ${issuer})`);

    const otherIdentity = await shipshape(['--config', 'keyless.yaml', 'attest', 'verify', '--image', image.ref, '--type', 'slsaprovenance1', '--certificate-identity', 'https://github.com/evil/x/.github/workflows/x.yml@refs/heads/main', '--certificate-oidc-issuer', issuer]);
    expect(otherIdentity.code).toBe(1);
    expect(otherIdentity.stderr).toMatch(/is not the expected/);
  });
});
