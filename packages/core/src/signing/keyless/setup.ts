/**
 * Keyless signing with sigstore-js: an ephemeral key certified by Fulcio for the identity in the
 * CI's OIDC token, the signature witnessed by Rekor (and a timestamp authority when configured).
 * The result is a SigningSetup the bundle builders use like any other signer.
 */
import type { Signer, Witness } from '@sigstore/sign';
import type { CiEnv } from '../../ci';
import { PUBLIC_FULCIO_URL, PUBLIC_REKOR_URL } from '../../config/schema';
import { ShipshapeError } from '../../errors';
import type { Logger } from '../../exec/logger';
import { loadSigstoreSign } from '../lazy-sigstore';
import type { SigningSetup } from '../types';
import { sigstoreServiceError, type SigstoreService } from './errors';
import { assertUsableForFulcio, cachingTokenProvider, certificateIdentityForClaims, ciTokenProvider, describeSource, type OidcTokenProvider } from './token';

/** make-fetch-happen's retry settings (promise-retry's), as sigstore-js takes them; a number is the retry count. */
export type SigstoreRetry = number | { retries: number; factor?: number; minTimeout?: number; maxTimeout?: number; randomize?: boolean };

export interface KeylessSigningOptions {
  logger: Logger;
  /** Where the OIDC token comes from; default: the CI context of `env` (src/ci). */
  tokenProvider?: OidcTokenProvider;
  /** The environment the default token provider reads; default process.env. */
  env?: CiEnv;
  /** For the default provider's GitHub Actions token request. */
  fetch?: typeof fetch;
  fulcioUrl?: string;
  rekorUrl?: string;
  /** An RFC 3161 timestamp authority: its base URL, or the full URL of its timestamp endpoint. */
  tsaUrl?: string;
  /** Record the signature in Rekor (default true). Without Rekor, configure a TSA. */
  tlogUpload?: boolean;
  /** Per request (default 30 s). */
  timeoutMs?: number;
  /** Retries of 5xx, 408, 429 and network errors (default 2, backing off from 1 s). */
  retry?: SigstoreRetry;
}

const DEFAULT_TIMEOUT_MS = 30_000;
const DEFAULT_RETRY: SigstoreRetry = { retries: 2, factor: 2, minTimeout: 1_000, maxTimeout: 8_000 };

/**
 * Acquires the OIDC token first — a missing or unusable token fails here, before anything is
 * signed — and names its identity in `description`. The token itself is a registered secret.
 */
export async function keylessSigningSetup(options: KeylessSigningOptions): Promise<SigningSetup> {
  const { logger } = options;
  const fulcioUrl = serviceUrl(options.fulcioUrl ?? PUBLIC_FULCIO_URL, 'signing.fulcioUrl');
  const rekorUrl = serviceUrl(options.rekorUrl ?? PUBLIC_REKOR_URL, 'signing.rekorUrl');
  const tsaUrl = options.tsaUrl === undefined ? undefined : serviceUrl(options.tsaUrl, 'signing.tsaUrl');
  const tlogUpload = options.tlogUpload ?? true;
  if (!tlogUpload && !tsaUrl) {
    throw new ShipshapeError('config', 'keyless signing without Rekor needs a timestamp authority: nothing else could prove the short-lived certificate was valid when it signed', {
      where: 'signing.tsaUrl',
      hint: 'Set signing.tsaUrl, or keep the transparency log upload on.',
    });
  }

  const tokens = cachingTokenProvider(options.tokenProvider ?? ciTokenProvider({ env: options.env, logger, secrets: logger.secrets, fetch: options.fetch }));
  const token = await tokens();
  assertUsableForFulcio(token);
  const identity = certificateIdentityForClaims(token.claims);
  logger.debug(`keyless signing as ${identity} (issuer ${token.claims.iss}, token from ${describeSource(token)}): Fulcio ${fulcioUrl}, ${tlogUpload ? `Rekor ${rekorUrl}` : 'no transparency log'}${tsaUrl ? `, timestamp authority ${tsaUrl}` : ''}`);

  const { FulcioSigner, RekorWitness, TSAWitness } = await loadSigstoreSign();
  const fetchOptions = { timeout: options.timeoutMs ?? DEFAULT_TIMEOUT_MS, retry: options.retry ?? DEFAULT_RETRY };
  const fulcio = new FulcioSigner({
    fulcioBaseURL: fulcioUrl,
    identityProvider: {
      getToken: async () => {
        const current = await tokens();
        assertUsableForFulcio(current);
        return current.token;
      },
    },
    ...fetchOptions,
  });

  const witnesses: Witness[] = [];
  if (tlogUpload) {
    // `dsse` entries for DSSE envelopes (what cosign v3 and sigstore-go write), `hashedrekord` for message signatures.
    const rekor = new RekorWitness({ rekorBaseURL: rekorUrl, entryType: 'dsse', fetchOnConflict: true, ...fetchOptions });
    witnesses.push(translatedWitness(rekor, 'Rekor', rekorUrl, logger));
  }
  if (tsaUrl) witnesses.push(translatedWitness(new TSAWitness({ tsaBaseURL: tsaUrl, ...fetchOptions }), 'the timestamp authority', tsaUrl, logger));

  return {
    kind: 'keyless',
    signer: translatedSigner(fulcio, fulcioUrl, logger),
    witnesses,
    description: `keyless: ${identity} (${token.claims.iss})`,
  };
}

/** An http(s) URL without a trailing slash (sigstore-js appends `/api/...` to it). */
function serviceUrl(value: string, field: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ShipshapeError('config', `${field} is not a URL`, { where: field, hint: 'Write an http(s) URL, e.g. https://fulcio.sigstore.dev.' });
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new ShipshapeError('config', `${field} must be an http(s) URL, not ${url.protocol}`, { where: field });
  }
  if (url.username || url.password) {
    throw new ShipshapeError('config', `${field} must not contain credentials`, { where: field });
  }
  return url.toString().replace(/\/+$/, '');
}

function translatedSigner(inner: Signer, fulcioUrl: string, logger: Logger): Signer {
  return {
    sign: async (data) => {
      try {
        return await inner.sign(data);
      } catch (error) {
        throw signerError(error, fulcioUrl, logger);
      }
    },
  };
}

function signerError(error: unknown, fulcioUrl: string, logger: Logger): ShipshapeError {
  const { code, cause } = error as { code?: unknown; cause?: unknown };
  // The token provider's own errors (no token, GitHub refused) already say what to do.
  if (code === 'IDENTITY_TOKEN_READ_ERROR' && cause instanceof ShipshapeError) return cause;
  if (error instanceof ShipshapeError) return error;
  if (code === 'IDENTITY_TOKEN_PARSE_ERROR' || code === 'IDENTITY_TOKEN_READ_ERROR') {
    // sigstore-js quotes the token in this message: only our own words leave here.
    return new ShipshapeError('input', 'the OIDC token has no subject Fulcio can certify (no verified email and no `sub` claim)', {
      hint: 'Use an ID token with a `sub` claim whose audience is "sigstore".',
    });
  }
  return sigstoreServiceError(error, 'Fulcio', fulcioUrl, logger.secrets);
}

function translatedWitness(inner: Witness, service: SigstoreService, url: string, logger: Logger): Witness {
  return {
    testify: async (content, publicKey) => {
      try {
        return await inner.testify(content, publicKey);
      } catch (error) {
        throw sigstoreServiceError(error, service, url, logger.secrets);
      }
    },
  };
}
