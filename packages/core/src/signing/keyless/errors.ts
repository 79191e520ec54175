/**
 * sigstore-js reports a failing Fulcio, Rekor or TSA as an InternalError with a code and, inside,
 * an HTTP error or a fetch error. This turns them into one line that says which service failed, at
 * which URL, and what to do — redacted, and without the original error as `cause`, because one of
 * sigstore-js's messages quotes the whole identity token.
 */
import { ShipshapeError, type ErrorKind } from '../../errors';
import type { SecretRegistry } from '../../exec/secrets';

export type SigstoreService = 'Fulcio' | 'Rekor' | 'the timestamp authority';

interface ErrorShape {
  name?: unknown;
  type?: unknown;
  message?: unknown;
  code?: unknown;
  statusCode?: unknown;
  cause?: unknown;
}

const HINTS: Record<SigstoreService, { refused: string; unavailable: string }> = {
  Fulcio: {
    refused: 'Fulcio did not accept the OIDC token: check that its audience is "sigstore" (or what your Fulcio expects), that it has not expired, and that signing.fulcioUrl is right.',
    unavailable: 'Check signing.fulcioUrl and the network path to it, then retry; the public instance reports outages at https://status.sigstore.dev.',
  },
  Rekor: {
    refused: 'Rekor refused the entry: check that signing.rekorUrl points at a Rekor v1 API.',
    unavailable: 'Check signing.rekorUrl and the network path to it, then retry; the public instance reports outages at https://status.sigstore.dev.',
  },
  'the timestamp authority': {
    refused: 'The timestamp authority refused the request: check that signing.tsaUrl is the base URL of an RFC 3161 service with the /api/v1/timestamp endpoint.',
    unavailable: 'Check signing.tsaUrl and the network path to it, then retry.',
  },
};

/** A ShipshapeError for a failure while talking to `service` at `url`. */
export function sigstoreServiceError(error: unknown, service: SigstoreService, url: string, registry: SecretRegistry): ShipshapeError {
  if (error instanceof ShipshapeError) return error;
  const status = findStatus(error);
  const network = findNetworkCode(error);
  let kind: ErrorKind;
  let what: string;
  let hint: string;
  if (status !== undefined && status >= 400 && status < 500 && status !== 408 && status !== 429) {
    kind = 'input';
    what = `${service} refused the request (HTTP ${status}${serverText(error, status)})`;
    hint = HINTS[service].refused;
  } else if (status !== undefined) {
    kind = 'network';
    what = `${service} failed (HTTP ${status}${serverText(error, status)})`;
    hint = HINTS[service].unavailable;
  } else if (network) {
    kind = 'network';
    what = `${service} could not be reached (${network})`;
    hint = HINTS[service].unavailable;
  } else {
    kind = 'network';
    what = `${service} gave an unusable answer: ${innermostMessage(error)}`;
    hint = HINTS[service].unavailable;
  }
  return new ShipshapeError(kind, registry.redact(mask(what)), { where: registry.redact(url), hint });
}

/** The HTTP status anywhere in the cause chain (sigstore's HTTPError carries `statusCode`). */
function findStatus(error: unknown): number | undefined {
  for (const e of chain(error)) {
    if (typeof e.statusCode === 'number') return e.statusCode;
  }
  return undefined;
}

/** ECONNREFUSED, ENOTFOUND, a timeout: make-fetch-happen's FetchError (`type` 'system' or 'request-timeout'). */
function findNetworkCode(error: unknown): string | undefined {
  for (const e of chain(error)) {
    if (e.type === 'request-timeout') return 'the request timed out';
    if (e.type === 'system' || e.name === 'FetchError') {
      const message = typeof e.message === 'string' ? e.message : '';
      return /reason: (.*)$/.exec(message)?.[1] ?? (typeof e.code === 'string' ? e.code : message);
    }
  }
  return undefined;
}

/** sigstore's HTTPError message is `(status) server text`; keep the server text, shortened. */
function serverText(error: unknown, status: number): string {
  for (const e of chain(error)) {
    if (e.statusCode === status && typeof e.message === 'string') {
      const text = e.message.replace(/^\(\d+\)\s*/, '').trim();
      return text ? `: ${text.length > 200 ? `${text.slice(0, 200)}…` : text}` : '';
    }
  }
  return '';
}

function innermostMessage(error: unknown): string {
  const all = [...chain(error)];
  const message = all.reverse().find((e) => typeof e.message === 'string' && e.message)?.message;
  return typeof message === 'string' ? message : String(error);
}

function* chain(error: unknown): Generator<ErrorShape> {
  let current: unknown = error;
  for (let depth = 0; depth < 8 && current && typeof current === 'object'; depth++) {
    yield current as ErrorShape;
    current = (current as ErrorShape).cause;
  }
}

/** Anything JWT-shaped is masked even if nobody registered it (a server echoing a token back). */
function mask(text: string): string {
  return text.replace(/eyJ[\w-]*\.[\w-]+\.[\w-]*/g, '***');
}
