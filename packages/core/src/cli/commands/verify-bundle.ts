/**
 * `shipshape verify-bundle`: verify a Sigstore bundle for a file or a `sha256:` digest, with the
 * argument convention of the sigstore-conformance client protocol (docs/cli_protocol.md):
 *   verify-bundle [--staging] --bundle FILE --certificate-identity ID --certificate-oidc-issuer URL [--trusted-root FILE] FILE_OR_DIGEST
 *   verify-bundle [--staging] --bundle FILE --key PATH_TO_KEY [--trusted-root FILE] FILE_OR_DIGEST
 * Exit 0 when it verifies, 1 when it does not, 2 for unusable input.
 */
import { readFile, stat } from 'node:fs/promises';
import * as path from 'node:path';
import { bundleFromJSON, type Bundle } from '@sigstore/bundle';
import type { Command } from 'commander';
import { ShipshapeError } from '../../errors';
import { parseArtifactDigest } from '../../signing/bundle/signed-entity';
import { verifyArtifactBundle, type ArtifactInput } from '../../signing/bundle/verify-artifact';
import { loadPublicKey } from '../../signing/keys';
import { loadTrustedRoot, type TrustedRootJson } from '../../signing/trust';
import type { VerificationPolicy } from '../../signing/types';
import type { CommandContext } from '../context';
import { loadCommandConfig } from '../engine';

interface VerifyBundleOptions {
  bundle: string;
  certificateIdentity?: string;
  certificateIdentityRegexp?: string;
  certificateOidcIssuer?: string;
  certificateOidcIssuerRegexp?: string;
  key?: string;
  trustedRoot?: string;
  staging?: boolean;
}

/** Bundles are a few KiB (a DSSE one carries its statement); this only stops a wrong path early. */
const MAX_BUNDLE_FILE_BYTES = 64 * 1024 * 1024;

export function registerVerifyBundleCommand(program: Command, context: () => CommandContext): void {
  program
    .command('verify-bundle')
    .description('verify a Sigstore bundle for a file or a sha256: digest (exit 0 verified, 1 not)')
    .argument('<file-or-digest>', 'the artifact, or its digest as sha256:<64 hex> (for an in-toto bundle: a subject of the statement)')
    .requiredOption('--bundle <file>', 'the Sigstore bundle (.sigstore.json)')
    .option('--certificate-identity <identity>', 'expected signer identity: the certificate SAN (exact)')
    .option('--certificate-identity-regexp <regexp>', 'expected signer identity, as a regular expression')
    .option('--certificate-oidc-issuer <url>', 'expected OIDC issuer of the certificate (exact)')
    .option('--certificate-oidc-issuer-regexp <regexp>', 'expected OIDC issuer, as a regular expression')
    .option('--key <file>', 'verify with this public key (PEM) instead of a certificate identity')
    .option('--trusted-root <file>', 'a Sigstore trusted_root.json (default: signing.trustedRoot, else the public-good root via TUF)')
    .option('--staging', 'the bundle is from Sigstore staging (needs --trusted-root)')
    .action(async (input: string, options: VerifyBundleOptions) => verifyBundleCommand(input, options, context()));
}

async function verifyBundleCommand(input: string, options: VerifyBundleOptions, context: CommandContext): Promise<void> {
  checkFlags(options);
  const { cwd, env } = context.io;
  const bundle = await readBundle(path.resolve(cwd, options.bundle), options.bundle);
  const artifact = await readArtifact(input, cwd);
  const needsRoot = options.key === undefined || bundle.verificationMaterial.tlogEntries.length > 0 || (bundle.verificationMaterial.timestampVerificationData?.rfc3161Timestamps.length ?? 0) > 0;
  const trustedRoot = needsRoot ? await trustedRootFor(options, context) : undefined;

  let policy: VerificationPolicy;
  if (options.key !== undefined) {
    const publicKey = await loadPublicKey(options.key, { env, cwd });
    policy = { kind: 'key', publicKeys: [publicKey], trustedRoot };
  } else {
    policy = {
      kind: 'keyless',
      identity: options.certificateIdentity,
      identityRegexp: options.certificateIdentityRegexp,
      issuer: options.certificateOidcIssuer,
      issuerRegexp: options.certificateOidcIssuerRegexp,
      trustedRoot,
    };
  }

  let result;
  try {
    result = verifyArtifactBundle(bundle, artifact, policy);
  } catch (error) {
    if (error instanceof ShipshapeError && error.kind === 'check') throw new ShipshapeError('check', `verification failed: ${error.message}`, { where: options.bundle });
    throw error;
  }
  const { signer } = result;
  const who = signer.kind === 'key' ? `key ${options.key}` : `${signer.identity} (issuer ${signer.issuer})`;
  const tlog = signer.tlog ? `\ntransparency log: entry ${signer.tlog.logIndex}, integrated ${new Date(Number(signer.tlog.integratedTime) * 1000).toISOString()}` : '';
  context.print({
    text: `Verified OK: ${artifact.name} (${result.digest}) signed by ${who}${tlog}`,
    json: {
      verified: true,
      artifact: artifact.name,
      digest: result.digest,
      bundle: options.bundle,
      content: result.content,
      ...(result.predicateType ? { predicateType: result.predicateType } : {}),
      signer,
    },
  });
}

function checkFlags(options: VerifyBundleOptions): void {
  const identityFlags = [options.certificateIdentity, options.certificateIdentityRegexp, options.certificateOidcIssuer, options.certificateOidcIssuerRegexp];
  const hint = 'pass --key FILE, or --certificate-identity ID and --certificate-oidc-issuer URL (or their -regexp forms)';
  if (options.key !== undefined) {
    if (identityFlags.some((f) => f !== undefined)) throw new ShipshapeError('usage', '--key verifies with a public key; --certificate-* flags verify a certificate: use one or the other', { hint });
    return;
  }
  if (options.certificateIdentity === undefined && options.certificateIdentityRegexp === undefined) {
    throw new ShipshapeError('usage', 'no expected signer: a keyless bundle is only trusted for a given identity', { hint });
  }
  if (options.certificateOidcIssuer === undefined && options.certificateOidcIssuerRegexp === undefined) {
    throw new ShipshapeError('usage', 'no expected OIDC issuer (--certificate-oidc-issuer): an identity means little without its issuer', { hint });
  }
  if (options.certificateIdentity !== undefined && options.certificateIdentityRegexp !== undefined) {
    throw new ShipshapeError('usage', '--certificate-identity and --certificate-identity-regexp both given; use one');
  }
  if (options.certificateOidcIssuer !== undefined && options.certificateOidcIssuerRegexp !== undefined) {
    throw new ShipshapeError('usage', '--certificate-oidc-issuer and --certificate-oidc-issuer-regexp both given; use one');
  }
}

async function readBundle(file: string, where: string): Promise<Bundle> {
  const text = await readInputFile(file, where, 'bundle', MAX_BUNDLE_FILE_BYTES);
  let json: unknown;
  try {
    json = JSON.parse(text.toString('utf8'));
  } catch {
    throw new ShipshapeError('input', 'the bundle file is not JSON', { where, hint: 'pass the .sigstore.json bundle the signer wrote' });
  }
  try {
    return bundleFromJSON(json);
  } catch (error) {
    // A bundle that is not well-formed cannot verify: a failed check, not a usage error.
    throw new ShipshapeError('check', `verification failed: not a valid Sigstore bundle: ${(error as Error).message}`, { where });
  }
}

/** The conformance protocol: `sha256:` + 64 hex is a digest unless a file by that name exists. */
async function readArtifact(input: string, cwd: string): Promise<ArtifactInput> {
  const file = path.resolve(cwd, input);
  const digest = parseArtifactDigest(input);
  if (digest && !(await exists(file))) return { kind: 'digest', name: input.toLowerCase(), digest };
  return { kind: 'file', name: input, data: await readInputFile(file, input, 'artifact') };
}

async function readInputFile(file: string, where: string, what: string, maxBytes?: number): Promise<Buffer> {
  try {
    const info = await stat(file);
    if (!info.isFile()) throw new ShipshapeError('input', `the ${what} path is not a regular file`, { where });
    if (maxBytes !== undefined && info.size > maxBytes) throw new ShipshapeError('input', `the ${what} file is ${info.size} bytes, over the ${maxBytes}-byte limit`, { where });
    return await readFile(file);
  } catch (error) {
    if (error instanceof ShipshapeError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    const hint = what === 'artifact' ? 'pass the file that was signed, or its digest as sha256:<64 hex>' : undefined;
    throw new ShipshapeError('input', code === 'ENOENT' ? `the ${what} file does not exist` : `the ${what} file cannot be read (${code ?? 'error'})`, { where, hint });
  }
}

async function exists(file: string): Promise<boolean> {
  return stat(file).then(
    () => true,
    () => false,
  );
}

async function trustedRootFor(options: VerifyBundleOptions, context: CommandContext): Promise<TrustedRootJson> {
  if (options.trustedRoot !== undefined) return (await loadTrustedRoot({ file: path.resolve(context.io.cwd, options.trustedRoot) })).trustedRoot;
  if (options.staging) {
    throw new ShipshapeError('usage', '--staging needs --trusted-root: the staging trusted root is not built in', { hint: 'pass the staging trusted_root.json with --trusted-root FILE' });
  }
  const loaded = await loadCommandConfig(context);
  const configured = loaded.config.signing.trustedRoot;
  const root = await loadTrustedRoot(configured !== undefined ? { file: configured } : {});
  context.logger.debug(`trusted root: ${root.source}`);
  return root.trustedRoot;
}
