/**
 * The cosign backend through the real tool runner. cosign cannot be installed here, so a stand-in
 * executable takes its place on PATH: it answers `version` like cosign, records the arguments and
 * the secret variables it was started with, prints the password back (as a careless tool might),
 * and exits with cosign's codes. What is under test is our side: lookup, version check, command
 * line, environment, redaction and the meaning of each exit code.
 */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { makeJwt } from '../../ci/test-support/jwt';
import { isShipshapeError, ShipshapeError } from '../../errors';
import { ToolError } from '../../exec/classify';
import { createLogger, MemorySink, type Logger } from '../../exec/logger';
import { SecretRegistry } from '../../exec/secrets';
import { makeToolDir, type ToolDir } from '../../exec/test-support/fake-tools';
import { runCosignSign, runCosignVerify } from './run';

const DIGEST = `sha256:${'cd'.repeat(32)}`;
const IMAGE = `registry.example.com/acme/shop@${DIGEST}`;
const PASSWORD = 'hunter2-but-longer-and-secret';

interface Recorded {
  args: string[];
  password: string | null;
  token: string | null;
}

interface FakeCosign {
  dir: ToolDir;
  env: NodeJS.ProcessEnv;
  recorded(): Recorded[];
}

type VerifyOutcome = 'verified' | 'no-match' | 'no-signatures' | 'broken';

/** A cosign stand-in of the given version in a fresh directory (the runner caches versions per path). */
function fakeCosign(version: string, verify: VerifyOutcome = 'verified'): FakeCosign {
  const dir = makeToolDir('shipshape-cosign-');
  const log = dir.file('calls.jsonl');
  const verified = [
    {
      critical: { identity: { 'docker-reference': 'registry.example.com/acme/shop' }, image: { 'docker-manifest-digest': DIGEST }, type: 'cosign container image signature' },
      optional: { Issuer: 'https://token.actions.githubusercontent.com', Subject: 'https://github.com/acme/shop/.github/workflows/release.yml@refs/heads/main', githubWorkflowRepository: 'acme/shop' },
    },
  ];
  dir.script(
    'cosign',
    `const fs = require('fs');
const args = process.argv.slice(2);
if (args[0] === 'version') {
  process.stdout.write(JSON.stringify({ gitVersion: ${JSON.stringify(`v${version}`)}, platform: 'linux/amd64' }) + '\\n');
  process.exit(0);
}
fs.appendFileSync(${JSON.stringify(log)}, JSON.stringify({ args, password: process.env.COSIGN_PASSWORD ?? null, token: process.env.SIGSTORE_ID_TOKEN ?? null }) + '\\n');
if (process.env.COSIGN_PASSWORD) process.stderr.write('decrypting the key with password ' + process.env.COSIGN_PASSWORD + '\\n');
if (process.env.SIGSTORE_ID_TOKEN) process.stderr.write('using identity token ' + process.env.SIGSTORE_ID_TOKEN + '\\n');
if (args[0] === 'sign') {
  process.stderr.write('Pushing signature to: registry.example.com/acme/shop\\n');
  process.exit(0);
}
const outcome = ${JSON.stringify(verify)};
if (outcome === 'verified') {
  process.stderr.write('Verification for ' + args[args.length - 1] + ' --\\nThe following checks were performed on each of these signatures:\\n');
  process.stdout.write(JSON.stringify(${JSON.stringify(verified)}) + '\\n');
  process.exit(0);
}
if (outcome === 'no-match') {
  process.stderr.write('Error: no matching signatures: none of the expected identities matched what was in the certificate, got subjects [https://github.com/evil/fork/.github/workflows/x.yml@refs/heads/main] with issuer https://token.actions.githubusercontent.com\\n');
  process.stderr.write('main.go:74: error during command execution: no matching signatures: none of the expected identities matched what was in the certificate\\n');
  process.exit(12);
}
if (outcome === 'no-signatures') {
  process.stderr.write('Error: no signatures found\\n');
  process.exit(10);
}
process.stderr.write('Error: loading public key: open cosign.pub: no such file or directory\\n');
process.exit(1);`,
  );
  return {
    dir,
    // The stand-in is a Node script: node's directory stays on PATH for its #! line.
    env: { PATH: `${dir.dir}${path.delimiter}${path.dirname(process.execPath)}` },
    recorded: () =>
      readFileSync(log, 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line) as Recorded),
  };
}

function logging(): { logger: Logger; sink: MemorySink } {
  const sink = new MemorySink();
  return { sink, logger: createLogger({ sink, secrets: new SecretRegistry(), verbose: true }) };
}

async function rejection(promise: Promise<unknown>): Promise<ShipshapeError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!isShipshapeError(error)) throw new Error(`expected a ShipshapeError, got ${String(error)}`);
  return error;
}

const fakes: FakeCosign[] = [];
const make = (version: string, verify?: VerifyOutcome) => {
  const fake = fakeCosign(version, verify);
  fakes.push(fake);
  return fake;
};
afterAll(() => fakes.forEach((fake) => fake.dir.remove()));

describe('runCosignSign', () => {
  it('without cosign installed: one line that says how to install it', async () => {
    const empty = makeToolDir('shipshape-no-cosign-');
    try {
      const error = await rejection(runCosignSign({ logger: logging().logger, env: { PATH: empty.dir }, request: { image: IMAGE, format: 'bundle', key: 'cosign.key' } }));
      expect(error).toBeInstanceOf(ToolError);
      expect(error.message).toBe(
        'cosign is not installed (not found on PATH): install it with `brew install cosign` or see https://docs.sigstore.dev/cosign/system_config/installation/, or set SHIPSHAPE_COSIGN_PATH to its location',
      );
      expect(error.message).not.toContain('\n');
    } finally {
      empty.remove();
    }
  });

  it('signs with a key in both formats: two runs, the password only in the environment, never printed', async () => {
    const fake = make('3.0.2');
    const { logger, sink } = logging();
    const result = await runCosignSign({ logger, env: fake.env, password: PASSWORD, request: { image: IMAGE, format: 'both', key: 'cosign.key' } });
    expect(result.cosign.version.version).toBe('3.0.2');
    expect(result.runs.map((run) => run.format)).toEqual(['bundle', 'legacy']);
    expect(fake.recorded()).toEqual([
      { args: ['sign', '--yes', '--key=cosign.key', '--use-signing-config=false', '--tlog-upload=false', IMAGE], password: PASSWORD, token: null },
      {
        args: ['sign', '--yes', '--key=cosign.key', '--new-bundle-format=false', '--use-signing-config=false', '--tlog-upload=false', IMAGE],
        password: PASSWORD,
        token: null,
      },
    ]);
    expect(sink.text()).toContain('decrypting the key with password ***');
    expect(sink.text()).not.toContain(PASSWORD);
  });

  it('signs keyless with the token the CI module found in SIGSTORE_ID_TOKEN, passed on only in the environment', async () => {
    const fake = make('2.6.1');
    const { logger, sink } = logging();
    const now = Math.floor(Date.now() / 1000);
    const token = makeJwt({ iss: 'https://gitlab.example.com', sub: 'project_path:acme/shop:ref_type:branch:ref:main', aud: 'sigstore', exp: now + 300 });
    await runCosignSign({ logger, env: { ...fake.env, SIGSTORE_ID_TOKEN: token }, request: { image: IMAGE, format: 'legacy', rekorUrl: 'https://rekor.internal.example.com' } });
    const [call] = fake.recorded();
    expect(call).toEqual({ args: ['sign', '--yes', '--oidc-provider=envvar', '--rekor-url=https://rekor.internal.example.com', IMAGE], password: null, token });
    expect(call.args.join(' ')).not.toContain(token);
    expect(sink.text()).toContain('using identity token ***');
    expect(sink.text()).not.toContain(token);
  });

  it('keyless without a token fails before cosign signs anything', async () => {
    const fake = make('3.0.2');
    const error = await rejection(runCosignSign({ logger: logging().logger, env: fake.env, request: { image: IMAGE, format: 'bundle' } }));
    expect(error.kind).toBe('config');
    expect(error.message).toMatch(/SIGSTORE_ID_TOKEN is not set/);
    expect(() => fake.recorded()).toThrow(/ENOENT/);
  });

  it('an old cosign asked for bundles fails with the version and a way out, before signing in any format', async () => {
    const fake = make('2.2.4');
    const error = await rejection(runCosignSign({ logger: logging().logger, env: fake.env, request: { image: IMAGE, format: 'both', key: 'awskms:///alias/release' } }));
    expect(error.message).toBe('cosign 2.2.4 cannot write the bundle format; it needs cosign 2.6 or newer');
    expect(() => fake.recorded()).toThrow(/ENOENT/);
  });
});

describe('runCosignVerify', () => {
  it("reports who signed what, from cosign's JSON output", async () => {
    const fake = make('3.0.2', 'verified');
    const result = await runCosignVerify({
      logger: logging().logger,
      env: fake.env,
      request: { image: IMAGE, identityRegexp: '^https://github\\.com/acme/', issuer: 'https://token.actions.githubusercontent.com' },
    });
    expect(fake.recorded()[0].args).toEqual([
      'verify',
      '--output=json',
      '--certificate-identity-regexp=^https://github\\.com/acme/',
      '--certificate-oidc-issuer=https://token.actions.githubusercontent.com',
      IMAGE,
    ]);
    expect(result.verified).toEqual([
      {
        dockerReference: 'registry.example.com/acme/shop',
        digest: DIGEST,
        subject: 'https://github.com/acme/shop/.github/workflows/release.yml@refs/heads/main',
        issuer: 'https://token.actions.githubusercontent.com',
        optional: expect.objectContaining({ githubWorkflowRepository: 'acme/shop' }),
      },
    ]);
  });

  it("no matching signature is a failed check (exit 1) with cosign's reason", async () => {
    const fake = make('3.0.2', 'no-match');
    const error = await rejection(
      runCosignVerify({ logger: logging().logger, env: fake.env, request: { image: IMAGE, identity: 'https://github.com/acme/shop/.github/workflows/release.yml@refs/heads/main', issuer: 'https://token.actions.githubusercontent.com' } }),
    );
    expect(error.kind).toBe('check');
    expect(error.exitCode).toBe(1);
    expect(error.message).toBe(`no signature on ${IMAGE} matches the policy: no matching signatures: none of the expected identities matched what was in the certificate`);
  });

  it('an image without signatures is a failed check that says so', async () => {
    const fake = make('3.0.2', 'no-signatures');
    const error = await rejection(runCosignVerify({ logger: logging().logger, env: fake.env, request: { image: IMAGE, key: 'cosign.pub', ignoreTlog: true } }));
    expect(error.kind).toBe('check');
    expect(error.message).toBe(`cosign found no signatures on ${IMAGE}: no signatures found`);
  });

  it('any other cosign failure is a tool failure quoting its error', async () => {
    const fake = make('3.0.2', 'broken');
    const error = await rejection(runCosignVerify({ logger: logging().logger, env: fake.env, request: { image: IMAGE, key: 'cosign.pub' } }));
    expect(error).toBeInstanceOf(ToolError);
    expect(error.kind).toBe('tool');
    expect(error.message).toMatch(/^cosign failed \(exit status 1\)\n.*loading public key: open cosign\.pub: no such file or directory/);
  });
});
