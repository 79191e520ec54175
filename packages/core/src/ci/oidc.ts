/**
 * OIDC ID tokens for keyless signing (Fulcio exchanges one for a short-lived certificate).
 * Where a token comes from, first match wins:
 *   1. `SIGSTORE_ID_TOKEN`, set explicitly — on GitLab this is the `id_tokens:` entry we ask for;
 *   2. GitHub Actions: requested from the runner's token service with `audience=sigstore`;
 *   3. CircleCI: `CIRCLE_OIDC_TOKEN_V2`, then `CIRCLE_OIDC_TOKEN`.
 * Every token, and GitHub's request token, is registered as a secret before anything is logged or
 * any error is built, so neither can reach a log, a report or an error message.
 */
import { ShipshapeError } from '../errors';
import { createLogger, Logger } from '../exec/logger';
import { SecretRegistry, secrets as processSecrets } from '../exec/secrets';
import type { CiContext, Env } from './context';
import { decodeJwtClaims, isTokenExpired, OidcTokenClaims } from './jwt';
import { readVar } from './providers/env';

export type OidcTokenSource = 'SIGSTORE_ID_TOKEN' | 'github-actions' | 'gitlab-ci' | 'circleci';

export interface OidcToken {
  token: string;
  source: OidcTokenSource;
  /** The variable it was read from, when it came from one. */
  variable?: string;
  claims: OidcTokenClaims;
}

export interface AcquireOidcTokenOptions {
  env?: Env;
  /** The `aud` Fulcio expects; `sigstore` for the public instance. */
  audience?: string;
  /** For embedders with their own HTTP stack; defaults to the global fetch. */
  fetch?: typeof fetch;
  secrets?: SecretRegistry;
  logger?: Logger;
  /** Pauses between attempts of the GitHub request; one retry per entry. */
  retryDelaysMs?: readonly number[];
  /** Per-attempt timeout of the GitHub request. */
  timeoutMs?: number;
  /** The clock used to tell an expired token. */
  now?: () => Date;
}

const DEFAULT_RETRY_DELAYS_MS = [500, 1_000, 2_000];
const DEFAULT_TIMEOUT_MS = 10_000;
/** GitHub answers with a few hundred bytes; anything far larger is not a token response. */
const MAX_RESPONSE_CHARS = 64 * 1024;

const GITLAB_ID_TOKEN_HINT =
  'Declare the token in the job of .gitlab-ci.yml:\n' +
  '    id_tokens:\n' +
  '      SIGSTORE_ID_TOKEN:\n' +
  '        aud: sigstore';

export async function acquireOidcToken(
  context: Pick<CiContext, 'provider'>,
  options: AcquireOidcTokenOptions = {},
): Promise<OidcToken> {
  const env = options.env ?? process.env;
  const registry = options.secrets ?? processSecrets;
  // Before anything else: every known token variable in this environment becomes a secret.
  registry.addFromEnv(env);
  const logger = options.logger ?? createLogger({ secrets: registry });
  const audience = options.audience ?? 'sigstore';

  const accept = (token: string, source: OidcTokenSource, label: string, variable?: string): OidcToken => {
    registry.add(token);
    const claims = decodeJwtClaims(token, label);
    reportClaims(claims, label, audience, context.provider, logger, options.now?.() ?? new Date());
    return { token, source, variable, claims };
  };

  const explicit = readVar(env, 'SIGSTORE_ID_TOKEN');
  if (explicit) {
    const source = context.provider === 'gitlab-ci' ? 'gitlab-ci' : 'SIGSTORE_ID_TOKEN';
    return accept(explicit, source, 'SIGSTORE_ID_TOKEN', 'SIGSTORE_ID_TOKEN');
  }

  switch (context.provider) {
    case 'github-actions': {
      const token = await requestGitHubToken(env, audience, registry, logger, options);
      return accept(token, 'github-actions', 'the GitHub Actions OIDC token');
    }
    case 'gitlab-ci':
      throw new ShipshapeError('config', 'GitLab CI did not give this job an ID token for Sigstore (SIGSTORE_ID_TOKEN is not set)', {
        where: '.gitlab-ci.yml',
        hint: GITLAB_ID_TOKEN_HINT,
      });
    case 'circleci': {
      for (const variable of ['CIRCLE_OIDC_TOKEN_V2', 'CIRCLE_OIDC_TOKEN']) {
        const token = readVar(env, variable);
        if (token) return accept(token, 'circleci', variable, variable);
      }
      throw new ShipshapeError('config', 'CircleCI did not give this job an OIDC token (CIRCLE_OIDC_TOKEN_V2 and CIRCLE_OIDC_TOKEN are not set)', {
        where: 'CircleCI job',
        hint: `Mint one in a step with \`circleci run oidc get --claims '{"aud":"${audience}"}'\` and export it as SIGSTORE_ID_TOKEN, or sign with a key.`,
      });
    }
    default:
      throw new ShipshapeError('config', `no OIDC token for keyless signing: ${context.provider === 'local' ? 'not running in CI' : `${context.provider} provides none`} and SIGSTORE_ID_TOKEN is not set`, {
        hint: 'Set SIGSTORE_ID_TOKEN to an ID token whose audience is "sigstore", or sign with a key (--key).',
      });
  }
}

/** Says who the token names, and warns about what Fulcio would refuse: an expired token, another audience. */
function reportClaims(claims: OidcTokenClaims, label: string, audience: string, provider: string, logger: Logger, now: Date): void {
  logger.debug(`OIDC token from ${label}: issuer ${claims.iss}, subject ${claims.sub}`);
  if (isTokenExpired(claims, now)) {
    logger.warn(`${label} expired at ${new Date((claims.exp as number) * 1000).toISOString()}; Fulcio will refuse it — request a fresh token`);
  }
  if (!claims.aud.includes(audience)) {
    const fix =
      provider === 'circleci'
        ? ` — mint one with \`circleci run oidc get --claims '{"aud":"${audience}"}'\` and export it as SIGSTORE_ID_TOKEN`
        : '';
    logger.warn(`${label} is for audience ${claims.aud.map((a) => `"${a}"`).join(', ')}, not "${audience}"; Fulcio may refuse it${fix}`);
  }
}

/**
 * GET `${ACTIONS_ID_TOKEN_REQUEST_URL}&audience=<aud>` with `Authorization: bearer <request token>`;
 * the answer is `{"value": "<jwt>"}`. Network errors, 429 and 5xx are retried.
 */
async function requestGitHubToken(
  env: Env,
  audience: string,
  registry: SecretRegistry,
  logger: Logger,
  options: AcquireOidcTokenOptions,
): Promise<string> {
  const requestUrl = readVar(env, 'ACTIONS_ID_TOKEN_REQUEST_URL');
  const requestToken = readVar(env, 'ACTIONS_ID_TOKEN_REQUEST_TOKEN');
  registry.add(requestToken);
  if (!requestUrl || !requestToken) {
    throw new ShipshapeError(
      'config',
      'GitHub Actions did not give this job an OIDC token (ACTIONS_ID_TOKEN_REQUEST_URL and ACTIONS_ID_TOKEN_REQUEST_TOKEN are not set)',
      {
        where: 'GitHub Actions workflow permissions',
        hint: 'Add `permissions: id-token: write` to the workflow or the job (pull requests from forks never get one), or set SIGSTORE_ID_TOKEN.',
      },
    );
  }
  let url: URL;
  try {
    url = new URL(requestUrl);
  } catch {
    throw new ShipshapeError('config', 'ACTIONS_ID_TOKEN_REQUEST_URL is not a URL', { where: 'ACTIONS_ID_TOKEN_REQUEST_URL' });
  }
  url.searchParams.set('audience', audience);
  const where = `GitHub Actions OIDC token service (${url.host})`;
  const fetchImpl = options.fetch ?? globalThis.fetch;
  const delays = options.retryDelaysMs ?? DEFAULT_RETRY_DELAYS_MS;
  const attempts = delays.length + 1;

  for (let attempt = 1; ; attempt++) {
    let response: Response;
    try {
      response = await fetchImpl(url, {
        headers: { Authorization: `bearer ${requestToken}`, Accept: 'application/json; api-version=2.0' },
        signal: AbortSignal.timeout(options.timeoutMs ?? DEFAULT_TIMEOUT_MS),
      });
    } catch (error) {
      const reason = registry.redact(describeNetworkError(error));
      if (attempt < attempts) {
        await retryAfter(delays[attempt - 1], `${reason}`, attempt, attempts, logger);
        continue;
      }
      throw new ShipshapeError('network', `could not get an OIDC token from GitHub Actions after ${attempts} attempts: ${reason}`, {
        where,
        hint: 'The runner could not reach its token service; re-run the job.',
      });
    }

    if (response.status >= 500 || response.status === 429) {
      await response.body?.cancel().catch(() => undefined);
      if (attempt < attempts) {
        await retryAfter(delays[attempt - 1], `HTTP ${response.status}`, attempt, attempts, logger);
        continue;
      }
      throw new ShipshapeError('network', `GitHub Actions' OIDC token service kept failing: HTTP ${response.status} after ${attempts} attempts`, {
        where,
        hint: 'The token service is having trouble; re-run the job.',
      });
    }

    const body = await response.text();
    if (!response.ok) {
      const detail = serverMessage(body, registry);
      throw new ShipshapeError('config', `GitHub Actions refused the OIDC token request: HTTP ${response.status}${detail ? ` (${detail})` : ''}`, {
        where,
        hint:
          response.status === 401 || response.status === 403
            ? 'The job needs `permissions: id-token: write`, and its request token is valid only while the job runs.'
            : 'Check that ACTIONS_ID_TOKEN_REQUEST_URL is the one the runner set for this job.',
      });
    }
    return tokenFromBody(body, response.headers.get('content-type'), registry, where);
  }
}

/** The `value` of a 2xx answer, registered as a secret the moment it is read. */
function tokenFromBody(body: string, contentType: string | null, registry: SecretRegistry, where: string): string {
  let parsed: unknown;
  try {
    parsed = body.length <= MAX_RESPONSE_CHARS ? JSON.parse(body) : undefined;
  } catch {
    parsed = undefined;
  }
  const value = parsed && typeof parsed === 'object' ? (parsed as Record<string, unknown>).value : undefined;
  if (typeof value === 'string' && value.trim()) {
    registry.add(value.trim());
    return value.trim();
  }
  const what = parsed === undefined ? `something other than JSON (content-type ${contentType ?? 'not given'})` : 'JSON without a token in "value"';
  throw new ShipshapeError('input', `GitHub Actions' OIDC token service answered with ${what}`, {
    where,
    hint: 'A proxy between the runner and GitHub may be rewriting responses; check the runner network setup and re-run the job.',
  });
}

/** A short, redacted reason from an error body (`{"message": ...}`), or nothing. Never raw body text. */
function serverMessage(body: string, registry: SecretRegistry): string | undefined {
  let message: unknown;
  try {
    message = (JSON.parse(body) as Record<string, unknown>)?.message;
  } catch {
    return undefined;
  }
  if (typeof message !== 'string' || !message.trim()) return undefined;
  // A JWT-shaped string is masked even if nobody registered it.
  const masked = registry.redact(message).replace(/eyJ[\w-]*\.[\w-]+\.[\w-]*/g, '***');
  return masked.length > 200 ? `${masked.slice(0, 200)}…` : masked;
}

function describeNetworkError(error: unknown): string {
  // Duck-typed: fetch's errors may come from another realm (undici inside Node), where instanceof fails.
  if (!error || typeof error !== 'object') return String(error);
  const { name, message, cause } = error as { name?: unknown; message?: unknown; cause?: unknown };
  if (name === 'TimeoutError' || name === 'AbortError') return 'the request timed out';
  const text = typeof message === 'string' && message ? message : String(error);
  const code = cause && typeof cause === 'object' ? (cause as { code?: unknown }).code : undefined;
  return typeof code === 'string' ? `${text} (${code})` : text;
}

async function retryAfter(delayMs: number, reason: string, attempt: number, attempts: number, logger: Logger): Promise<void> {
  logger.warn(`GitHub Actions OIDC token request failed (${reason}); retrying, attempt ${attempt + 1} of ${attempts}`);
  await new Promise((resolve) => setTimeout(resolve, delayMs));
}
