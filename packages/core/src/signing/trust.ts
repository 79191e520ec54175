/**
 * The Sigstore trusted root (trusted_root.json: Fulcio CAs, Rekor and CT log keys, TSAs) that keyless
 * verification and log-entry checks need: from a file (`--trusted-root`, config `signing.trustedRoot`),
 * or the public-good instance's, fetched and verified through Sigstore's TUF repository with
 * @sigstore/tuf — the client sigstore-js itself uses, with its cache directory. TUF needs the network;
 * offline, the message says to pass the root as a file.
 */
import { readFile, stat } from 'node:fs/promises';
import { TrustedRoot } from '@sigstore/protobuf-specs';
import { toTrustMaterial } from '@sigstore/verify';
import { z } from 'zod';
import { ShipshapeError } from '../errors';
import { loadSigstoreTuf } from './lazy-sigstore';

/** The public-good TUF repository sigstore clients start from (its root is shipped with @sigstore/tuf). */
export const PUBLIC_GOOD_TUF_URL = 'https://tuf-repo-cdn.sigstore.dev';
const MAX_TRUSTED_ROOT_BYTES = 4 * 1024 * 1024;
const HINT = 'pass a trusted_root.json with --trusted-root FILE (or set signing.trustedRoot in security.yaml)';

/** The trusted root as JSON (what VerificationPolicy.trustedRoot holds). */
export type TrustedRootJson = Record<string, unknown>;

export interface TufOptions {
  /** Mirror of the TUF repository (default: the public-good one). */
  mirrorURL?: string;
  /** Where TUF metadata is cached (default: sigstore-js's, e.g. ~/.local/share/sigstore-js). */
  cachePath?: string;
  /** A TUF root.json to start from, for a mirror @sigstore/tuf has no seed for. */
  rootPath?: string;
  /** Network retries and timeout (ms) for TUF requests. */
  retry?: number;
  timeout?: number;
}

export interface TrustedRootSource {
  /** A trusted_root.json file; wins over TUF. */
  file?: string;
  tuf?: TufOptions;
}

export interface LoadedTrustedRoot {
  trustedRoot: TrustedRootJson;
  /** "file /path/trusted_root.json" or "public-good TUF (https://…)": for output. */
  source: string;
}

/** Enough structure to say "this is not a trusted root" clearly; the full check is sigstore's own parse below. */
const trustedRootShape = z
  .object({
    mediaType: z.string().regex(/^application\/vnd\.dev\.sigstore\.trustedroot/, 'expected a Sigstore trusted root media type (application/vnd.dev.sigstore.trustedroot…)'),
    tlogs: z.array(z.object({ logId: z.object({ keyId: z.string() }).loose() }).loose()).optional(),
    certificateAuthorities: z.array(z.object({}).loose()).optional(),
    ctlogs: z.array(z.object({}).loose()).optional(),
    timestampAuthorities: z.array(z.object({}).loose()).optional(),
  })
  .loose();

export async function loadTrustedRoot(source: TrustedRootSource = {}): Promise<LoadedTrustedRoot> {
  if (source.file !== undefined) return { trustedRoot: await readTrustedRootFile(source.file), source: `file ${source.file}` };
  const mirror = source.tuf?.mirrorURL ?? PUBLIC_GOOD_TUF_URL;
  return { trustedRoot: await fetchTrustedRootWithTuf(source.tuf), source: `TUF ${mirror}` };
}

export async function readTrustedRootFile(file: string): Promise<TrustedRootJson> {
  let text: string;
  try {
    const info = await stat(file);
    if (!info.isFile()) throw new ShipshapeError('input', 'the trusted root path is not a regular file', { where: file, hint: HINT });
    if (info.size > MAX_TRUSTED_ROOT_BYTES) throw new ShipshapeError('input', `the trusted root file is ${info.size} bytes; a trusted_root.json is far smaller — is this the right file?`, { where: file });
    text = await readFile(file, 'utf8');
  } catch (error) {
    if (error instanceof ShipshapeError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    throw new ShipshapeError('input', code === 'ENOENT' ? 'the trusted root file does not exist' : `the trusted root file cannot be read (${code ?? 'error'})`, { where: file, hint: HINT });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new ShipshapeError('input', 'the trusted root is not valid JSON', { where: file, hint: HINT });
  }
  return parseTrustedRoot(json, file);
}

/** Validates trusted-root JSON: its shape, then sigstore's own parse into usable trust material. */
export function parseTrustedRoot(json: unknown, where: string): TrustedRootJson {
  const shape = trustedRootShape.safeParse(json);
  if (!shape.success) {
    const issue = shape.error.issues[0];
    const path = issue?.path.join('.') || '(root)';
    throw new ShipshapeError('input', `not a Sigstore trusted root: ${path}: ${issue?.message}`, { where, hint: HINT });
  }
  try {
    toTrustMaterial(TrustedRoot.fromJSON(json));
  } catch (error) {
    throw new ShipshapeError('input', `the Sigstore trusted root is not usable: ${(error as Error).message}`, { where, hint: HINT });
  }
  return json as TrustedRootJson;
}

/** The trusted root from a TUF repository (default: public-good), verified by TUF and cached. */
export async function fetchTrustedRootWithTuf(options: TufOptions = {}): Promise<TrustedRootJson> {
  const mirrorURL = options.mirrorURL ?? PUBLIC_GOOD_TUF_URL;
  const { getTrustedRoot } = await loadSigstoreTuf();
  let root: TrustedRoot;
  try {
    root = await getTrustedRoot({
      mirrorURL,
      cachePath: options.cachePath,
      rootPath: options.rootPath,
      retry: options.retry,
      timeout: options.timeout,
    });
  } catch (error) {
    throw new ShipshapeError('network', `cannot get the Sigstore trusted root from ${mirrorURL}: ${tufProblem(error)}`, {
      hint: `this needs network access to the Sigstore TUF repository; offline, ${HINT}`,
      cause: error,
    });
  }
  return parseTrustedRoot(TrustedRoot.toJSON(root), `TUF ${mirrorURL}`);
}

function tufProblem(error: unknown): string {
  // TUFError wraps the fetch failure in `cause`; name both so "offline" is recognisable.
  const e = error as { message?: string; cause?: { message?: string; code?: string } };
  const cause = e.cause?.message ?? e.cause?.code;
  return `${e.message ?? String(error)}${cause ? ` (${cause})` : ''}`;
}
