/**
 * Reads the claims of an OIDC ID token without verifying it: Fulcio verifies the signature against
 * the issuer's keys. We read `iss`, `sub`, `aud`, `exp` to say early and plainly what identity a
 * signature will carry, and `job_workflow_ref` for provenance. Errors never include the token, nor
 * any part of it.
 */
import { z } from 'zod';
import { ShipshapeError } from '../errors';

/** Three base64url parts; a token without a signature cannot be an OIDC ID token. */
const JWT_SHAPE = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;

const headerSchema = z.looseObject({ alg: z.string().min(1) });

const claimsSchema = z.looseObject({
  iss: z.string().min(1),
  sub: z.string().min(1),
  aud: z.union([z.string().min(1), z.array(z.string()).min(1)]),
  exp: z.number().optional(),
  iat: z.number().optional(),
  nbf: z.number().optional(),
  email: z.string().optional(),
  /** GitHub: the workflow that defines the job, `owner/repo/.github/workflows/x.yml@ref` (reusable workflows included). */
  job_workflow_ref: z.string().optional(),
  /** GitHub and GitLab: `github-hosted` / `gitlab-hosted` / `self-hosted`. */
  runner_environment: z.string().optional(),
});

export interface OidcTokenClaims {
  iss: string;
  sub: string;
  aud: string[];
  /** Seconds since the epoch, as in the token. */
  exp?: number;
  iat?: number;
  nbf?: number;
  email?: string;
  job_workflow_ref?: string;
  runner_environment?: string;
  /** Every claim in the payload, for provider-specific ones (GitLab `ci_config_ref_uri`, ...). */
  all: Record<string, unknown>;
}

const HINT = 'Pass the raw ID token (three base64url parts separated by dots, starting with "eyJ"), not a file name, a quoted string or JSON.';

function decodeJsonPart(part: string): unknown {
  try {
    return JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
  } catch {
    return undefined;
  }
}

/**
 * Decodes the payload of a JWT. `source` names where the token came from (a variable name, "GitHub
 * Actions"), so the error says which token is broken without showing it.
 */
export function decodeJwtClaims(token: string, source = 'the OIDC token'): OidcTokenClaims {
  const invalid = (what: string) => new ShipshapeError('input', `${source} is not a usable JWT: ${what}`, { where: source, hint: HINT });
  const trimmed = token.trim();
  if (!JWT_SHAPE.test(trimmed)) throw invalid('expected three base64url parts separated by dots');
  const [headerPart, payloadPart] = trimmed.split('.');

  if (!headerSchema.safeParse(decodeJsonPart(headerPart)).success) {
    throw invalid('its header is not base64url-encoded JSON with an "alg"');
  }
  const payload = decodeJsonPart(payloadPart);
  if (!payload || typeof payload !== 'object' || Array.isArray(payload)) {
    throw invalid('its payload is not a base64url-encoded JSON object');
  }
  const parsed = claimsSchema.safeParse(payload);
  if (!parsed.success) {
    // Name the claims only: their values could be anything, including what a user pasted by mistake.
    const claims = [...new Set(parsed.error.issues.map((issue) => String(issue.path[0] ?? '(payload)')))];
    throw invalid(`claim${claims.length > 1 ? 's' : ''} ${claims.map((c) => `"${c}"`).join(', ')} missing or of the wrong type`);
  }
  const { iss, sub, aud, exp, iat, nbf, email, job_workflow_ref, runner_environment } = parsed.data;
  return {
    iss,
    sub,
    aud: Array.isArray(aud) ? aud : [aud],
    exp,
    iat,
    nbf,
    email,
    job_workflow_ref,
    runner_environment,
    all: payload as Record<string, unknown>,
  };
}

/** True when the token's `exp` is at or before `now`. A token without `exp` never expires here. */
export function isTokenExpired(claims: Pick<OidcTokenClaims, 'exp'>, now: Date = new Date()): boolean {
  return claims.exp !== undefined && claims.exp * 1000 <= now.getTime();
}
