/**
 * The registry client: the distribution API's transport concerns in one place — scheme discovery
 * (HTTPS, plain HTTP only for loopback or hosts marked insecure), authentication (anonymous, basic,
 * bearer tokens cached per scope), retries with backoff honouring Retry-After, and error messages a
 * user can act on. Repository operations (manifests, blobs, referrers) are in ./repository.ts.
 */
import { readFileSync } from 'node:fs';
import { ShipshapeError } from '../../errors';
import type { Logger } from '../../exec/logger';
import { secrets } from '../../exec/secrets';
import { parseChallenges, repositoryScope, type Challenge } from './challenge';
import { findCredentials, type Credentials } from './credentials';
import { discard, header, HttpTransport, isCertificateError, isTlsProtocolMismatch, readBody, type HttpRequest, type HttpResponse } from './http';
import { backoffDelay, DEFAULT_RETRY_POLICY, isRetryableError, isRetryableStatus, parseRetryAfter, sleep, type RetryPolicy } from './retry';

export interface RegistryHostSettings {
  /** Allow plain HTTP and unverified TLS (Docker's "insecure registry"). */
  insecure?: boolean;
  /** A PEM file with extra CA certificates for this host. */
  caFile?: string;
  username?: string;
  password?: string;
}

export interface RegistryClientOptions {
  /** host[:port] → settings (config `registries:` and `--insecure-registry`). */
  hosts?: Record<string, RegistryHostSettings>;
  env?: NodeJS.ProcessEnv;
  retry?: Partial<RetryPolicy>;
  timeoutMs?: number;
  logger?: Logger;
  /** Injected for deterministic tests of the retry schedule. */
  random?: () => number;
}

interface HostState {
  base: URL;
  challenge?: Challenge;
}

interface CachedToken {
  token: string;
  expiresAt: number;
}

export interface RegistryRequest {
  method: HttpRequest['method'];
  /** Path under the host, starting with /v2/, or an absolute URL (upload locations). */
  path: string;
  repository: string;
  actions: readonly ('pull' | 'push' | 'delete')[];
  headers?: Record<string, string>;
  body?: Buffer;
  /** Extra scopes to ask the token server for (cross-repository blob mounts). */
  extraScopes?: string[];
}

const TOKEN_MAX_BYTES = 1024 * 1024;
const ERROR_BODY_MAX_BYTES = 64 * 1024;
/** Token lifetime when the server does not say (the distribution token spec's default is 60 s). */
const DEFAULT_TOKEN_SECONDS = 60;

export class RegistryClient {
  readonly transport: HttpTransport;
  private readonly hosts = new Map<string, Promise<HostState>>();
  private readonly tokens = new Map<string, CachedToken>();
  /** Token requests under way, so concurrent requests for one scope share one answer. */
  private readonly pendingTokens = new Map<string, Promise<CachedToken>>();
  private readonly credentials = new Map<string, Promise<Credentials | undefined>>();
  private readonly retry: RetryPolicy;
  private readonly env: NodeJS.ProcessEnv;

  constructor(private readonly options: RegistryClientOptions = {}) {
    this.retry = { ...DEFAULT_RETRY_POLICY, ...options.retry };
    this.env = options.env ?? process.env;
    this.transport = new HttpTransport((host) => {
      const settings = this.settings(host);
      return { ca: settings.caFile ? readCaFile(settings.caFile, host) : undefined, skipVerify: settings.insecure };
    });
    for (const settings of Object.values(options.hosts ?? {})) secrets.add(settings.password);
  }

  settings(host: string): RegistryHostSettings {
    return this.options.hosts?.[host] ?? {};
  }

  /** Plain HTTP is allowed for loopback (as Docker does) and hosts the user marked insecure. */
  allowsPlainHttp(host: string): boolean {
    return isLoopback(host) || this.settings(host).insecure === true;
  }

  /** Sends a request with authentication and retries; the caller checks the status it expects. */
  async request(host: string, request: RegistryRequest): Promise<HttpResponse> {
    const state = await this.hostState(host);
    const url = request.path.startsWith('/') ? new URL(request.path, state.base) : new URL(request.path);
    const scopes = [repositoryScope(request.repository, request.actions), ...(request.extraScopes ?? [])];

    let authorization = await this.authorization(host, request.repository, state.challenge, scopes, false);
    for (let authAttempt = 0; ; authAttempt++) {
      const response = await this.sendWithRetry({
        method: request.method,
        url,
        headers: { ...request.headers, ...(authorization ? { Authorization: authorization } : {}) },
        body: request.body,
        timeoutMs: this.options.timeoutMs,
      });
      if (response.status !== 401 || authAttempt > 0) return response;
      // The server may ask for more than we guessed (another scope, or auth we did not know it needed).
      const challenge = parseChallenges(header(response, 'www-authenticate'))[0] ?? state.challenge;
      discard(response);
      if (!challenge) return response;
      state.challenge = challenge;
      const wanted = challenge.params.scope ? [...new Set([...scopes, ...challenge.params.scope.split(' ')])] : scopes;
      authorization = await this.authorization(host, request.repository, challenge, wanted, true);
      if (!authorization) throw await this.authError(host, request.repository, undefined);
    }
  }

  /**
   * For requests that are safe to repeat (GET): sends the request and reads a 2xx body whole, with
   * the body read inside the retry loop, so a connection lost in the middle of a manifest or tag
   * list is retried like one lost before the headers. Any other status comes back unread (for
   * `responseError`).
   */
  async requestWhole(host: string, request: RegistryRequest, maxBytes: number): Promise<{ response: HttpResponse; body?: Buffer }> {
    return this.sendReadingWhole(() => this.request(host, request), request.method, maxBytes);
  }

  /** Sends and reads the whole body (2xx only); a body cut short is retried like a failed request, by sending again. */
  private async sendReadingWhole(send: () => Promise<HttpResponse>, method: HttpRequest['method'], maxBytes: number): Promise<{ response: HttpResponse; body?: Buffer }> {
    for (let attempt = 0; ; attempt++) {
      const response = await send();
      if (response.status < 200 || response.status >= 300) return { response };
      try {
        return { response, body: await readBody(response, maxBytes) };
      } catch (error) {
        const sent = { method, url: response.url };
        if (!isRetryableError(error) || attempt + 1 >= this.retry.attempts) throw this.networkError(error, sent);
        const delay = backoffDelay(attempt, this.retry, this.options.random);
        this.options.logger?.debug(`${method} ${response.url.host}${response.url.pathname}: body cut short (${(error as Error).message}), retrying in ${delay} ms`);
        await sleep(delay);
      }
    }
  }

  /** Turns an unexpected response into a clear error (status, registry error code, what to do). */
  async responseError(response: HttpResponse, what: string, host: string, repository: string): Promise<ShipshapeError> {
    const body = response.status === 401 ? undefined : await readBody(response, ERROR_BODY_MAX_BYTES).catch(() => undefined);
    const detail = registryErrorDetail(body);
    const where = `${host}/${repository}`;
    switch (response.status) {
      case 401:
        discard(response);
        return (await this.insufficientScopeError(response, what, host, repository)) ?? this.authError(host, repository, detail);
      case 403:
        return new ShipshapeError('config', `${what}: access denied (403)${detail}`, { where, code: 'DENIED', hint: 'the credentials in use lack permission for this repository' });
      case 404:
        return new ShipshapeError('input', `${what}: not found (404)${detail}`, { where, code: 'NOT_FOUND' });
      default:
        return new ShipshapeError(response.status >= 500 || response.status === 429 ? 'network' : 'input', `${what}: the registry answered ${response.status}${detail}`, { where });
    }
  }

  close(): void {
    this.transport.close();
  }

  /**
   * A token registry's 401 `error="insufficient_scope"` to a client that logged in: the token server
   * accepted the login but did not grant what was asked (no permission, or no such repository), so
   * "the credentials were rejected" would send the user to fix the wrong thing.
   */
  private async insufficientScopeError(response: HttpResponse, what: string, host: string, repository: string): Promise<ShipshapeError | undefined> {
    const challenge = parseChallenges(header(response, 'www-authenticate'))[0];
    if (challenge?.scheme !== 'bearer' || challenge.params.error !== 'insufficient_scope') return undefined;
    const credentials = await this.credentialsFor(host);
    if (!credentials) return undefined;
    const wanted = challenge.params.scope ? ` ${challenge.params.scope}` : '';
    return new ShipshapeError('config', `${what}: access denied (401 insufficient_scope): the registry did not grant${wanted} to the credentials from ${credentials.source}`, {
      where: `${host}/${repository}`,
      code: 'DENIED',
      hint: 'the credentials in use lack permission for this repository (or it does not exist); ask for access, or log in as an account that has it',
    });
  }

  private async authError(host: string, repository: string, detail: string | undefined): Promise<ShipshapeError> {
    const credentials = await this.credentialsFor(host);
    const message = credentials
      ? `authentication failed (401): the registry rejected the credentials from ${credentials.source}${detail ?? ''}`
      : `authentication required (401): no credentials found for ${host}${detail ?? ''}`;
    return new ShipshapeError('config', message, {
      where: `${host}/${repository}`,
      code: 'UNAUTHORIZED',
      hint: `run \`docker login ${host}\`, configure a credential helper, or set registries."${host}".username/password in security.yaml`,
    });
  }

  private async sendWithRetry(request: HttpRequest): Promise<HttpResponse> {
    for (let attempt = 0; ; attempt++) {
      const last = attempt + 1 >= this.retry.attempts;
      try {
        const response = await this.transport.send(request);
        if (!isRetryableStatus(response.status) || last) return response;
        const retryAfter = parseRetryAfter(header(response, 'retry-after'));
        discard(response);
        const delay = retryAfter !== undefined ? Math.min(retryAfter, this.retry.maxRetryAfterMs) : backoffDelay(attempt, this.retry, this.options.random);
        this.options.logger?.debug(`${request.method} ${request.url.host}${request.url.pathname}: ${response.status}, retrying in ${delay} ms`);
        await sleep(delay);
      } catch (error) {
        if (!isRetryableError(error) || last) throw this.networkError(error, request);
        const delay = backoffDelay(attempt, this.retry, this.options.random);
        this.options.logger?.debug(`${request.method} ${request.url.host}${request.url.pathname}: ${(error as Error).message}, retrying in ${delay} ms`);
        await sleep(delay);
      }
    }
  }

  private networkError(error: unknown, request: Pick<HttpRequest, 'method' | 'url'>): ShipshapeError {
    if (error instanceof ShipshapeError) return error;
    const message = error instanceof Error ? error.message : String(error);
    if (isCertificateError(error)) {
      return new ShipshapeError('config', `TLS certificate of ${request.url.host} is not trusted: ${message}`, {
        where: request.url.host,
        hint: `set registries."${request.url.host}".caFile to the CA that signed it (or mark the host insecure, for tests only)`,
      });
    }
    return new ShipshapeError('network', `cannot reach ${request.url.host}: ${message}`, { where: `${request.method} ${request.url.origin}${request.url.pathname}`, cause: error });
  }

  /** Finds the scheme (HTTPS first) and the auth challenge, once per host: GET /v2/. */
  private hostState(host: string): Promise<HostState> {
    let state = this.hosts.get(host);
    if (!state) {
      state = this.ping(host);
      state.catch(() => this.hosts.delete(host));
      this.hosts.set(host, state);
    }
    return state;
  }

  private async ping(host: string): Promise<HostState> {
    const schemes = this.allowsPlainHttp(host) ? ['https', 'http'] : ['https'];
    let lastError: unknown;
    for (const scheme of schemes) {
      const base = new URL(`${scheme}://${host}/`);
      try {
        const response = await this.sendWithRetry({ method: 'GET', url: new URL('/v2/', base), timeoutMs: this.options.timeoutMs });
        discard(response);
        if (response.status === 200) return { base };
        if (response.status === 401) return { base, challenge: parseChallenges(header(response, 'www-authenticate'))[0] };
        // Some registries answer /v2/ with 404 behind proxies but serve repositories; proceed anonymously.
        if (response.status === 404) return { base };
        throw new ShipshapeError('network', `${host} does not answer like an OCI registry (GET /v2/ → ${response.status})`, { where: base.origin });
      } catch (error) {
        lastError = error;
        const cause = (error as { cause?: unknown }).cause ?? error;
        const tryPlain = scheme === 'https' && schemes.includes('http') && (isTlsProtocolMismatch(cause) || (cause as { code?: string }).code === 'ECONNREFUSED');
        if (!tryPlain) throw error;
      }
    }
    throw lastError;
  }

  private credentialsFor(host: string): Promise<Credentials | undefined> {
    let found = this.credentials.get(host);
    if (!found) {
      found = findCredentials(host, {
        env: this.env,
        explicit: (h) => {
          const settings = this.settings(h);
          return settings.password ? { username: settings.username, password: settings.password } : undefined;
        },
      });
      this.credentials.set(host, found);
    }
    return found;
  }

  private async authorization(host: string, repository: string, challenge: Challenge | undefined, scopes: string[], refresh: boolean): Promise<string | undefined> {
    if (!challenge) return undefined;
    const credentials = await this.credentialsFor(host);
    if (challenge.scheme === 'basic') {
      if (!credentials?.password) return undefined;
      return `Basic ${Buffer.from(`${credentials.username ?? ''}:${credentials.password}`).toString('base64')}`;
    }
    if (challenge.scheme !== 'bearer') {
      throw new ShipshapeError('network', `${host} asks for "${challenge.scheme}" authentication, which is not supported`, { hint: 'registries use Basic or Bearer token authentication' });
    }
    if (credentials?.registryToken) return `Bearer ${credentials.registryToken}`;
    const key = `${host} ${[...scopes].sort().join(' ')}`;
    const cached = this.tokens.get(key);
    if (cached && !refresh && cached.expiresAt > Date.now()) return `Bearer ${cached.token}`;
    let pending = this.pendingTokens.get(key);
    if (!pending) {
      pending = this.fetchToken(host, repository, challenge, scopes, credentials).finally(() => this.pendingTokens.delete(key));
      this.pendingTokens.set(key, pending);
    }
    const token = await pending;
    this.tokens.set(key, token);
    return `Bearer ${token.token}`;
  }

  /** The distribution token flow: GET realm?service&scope (basic auth if we have a login), or the OAuth2 refresh-token POST. */
  private async fetchToken(host: string, repository: string, challenge: Challenge, scopes: string[], credentials: Credentials | undefined): Promise<CachedToken> {
    const realm = challenge.params.realm;
    if (!realm) throw new ShipshapeError('network', `${host} sent a Bearer challenge without a realm`, { where: host });
    const url = new URL(realm);
    // A login (password or identity token) goes to the token server only encrypted, unless that host may speak plain HTTP.
    if (credentials && url.protocol === 'http:' && !this.allowsPlainHttp(url.host)) {
      throw new ShipshapeError('config', `${host} names a token server over plain HTTP (${url.origin}); the login from ${credentials.source} is not sent there unencrypted`, {
        where: `${host}/${repository}`,
        hint: `if that is really intended (a test registry), mark the token server's host insecure: registries."${url.host}".insecure: true`,
      });
    }
    const service = challenge.params.service;
    let send: () => Promise<HttpResponse>;
    if (credentials?.identityToken) {
      const form = new URLSearchParams({ grant_type: 'refresh_token', refresh_token: credentials.identityToken, client_id: 'shipshape' });
      if (service) form.set('service', service);
      form.set('scope', scopes.join(' '));
      send = () => this.sendWithRetry({ method: 'POST', url, headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: Buffer.from(form.toString()) });
    } else {
      if (service) url.searchParams.set('service', service);
      for (const scope of scopes) url.searchParams.append('scope', scope);
      const headers: Record<string, string> = credentials?.password
        ? { Authorization: `Basic ${Buffer.from(`${credentials.username ?? ''}:${credentials.password}`).toString('base64')}` }
        : {};
      send = () => this.sendWithRetry({ method: 'GET', url, headers });
    }
    // A token answer cut mid-body is asked for again, as any registry response is.
    const { response, body } = await this.sendReadingWhole(send, credentials?.identityToken ? 'POST' : 'GET', TOKEN_MAX_BYTES);
    if (response.status !== 200 || !body) {
      const refusal = await tokenRefusal(response, credentials?.identityToken !== undefined);
      if (refusal !== undefined) throw await this.authError(host, repository, ` (token server ${url.host} answered ${response.status}${refusal})`);
      throw new ShipshapeError('network', `the token server ${url.host} answered ${response.status}`, { where: url.origin });
    }
    let parsed: { token?: string; access_token?: string; expires_in?: number };
    try {
      parsed = JSON.parse(body.toString('utf8')) as typeof parsed;
    } catch {
      throw new ShipshapeError('network', `the token server ${url.host} did not answer with JSON`, { where: url.origin });
    }
    const token = parsed.token ?? parsed.access_token;
    if (!token) throw new ShipshapeError('network', `the token server ${url.host} answered without a token`, { where: url.origin });
    secrets.add(token);
    const seconds = typeof parsed.expires_in === 'number' && parsed.expires_in > 0 ? parsed.expires_in : DEFAULT_TOKEN_SECONDS;
    // Renew a little early so a token never expires between our check and the registry's.
    return { token, expiresAt: Date.now() + Math.max(1, seconds - 10) * 1000 };
  }
}

export function isLoopback(host: string): boolean {
  const name = host.replace(/:\d+$/, '').replace(/^\[|\]$/g, '');
  return name === 'localhost' || name === '::1' || /^127\.\d+\.\d+\.\d+$/.test(name);
}

/** OAuth2 errors (RFC 6749 §5.2) that mean "this refresh token or client is not accepted". */
const OAUTH_REFUSALS = new Set(['invalid_grant', 'invalid_client', 'unauthorized_client']);

/**
 * Whether a token server's error answer refuses the credentials: 401 or 403, or, for the OAuth2
 * refresh-token POST, a 400 whose `error` says the refresh token is invalid or expired (as RFC 6749
 * has token servers answer). Returns a detail for the message (the OAuth2 error code), or undefined.
 */
async function tokenRefusal(response: HttpResponse, oauth: boolean): Promise<string | undefined> {
  if (response.status === 401 || response.status === 403) {
    discard(response);
    return '';
  }
  if (!oauth || response.status !== 400) {
    discard(response);
    return undefined;
  }
  const body = await readBody(response, ERROR_BODY_MAX_BYTES).catch(() => undefined);
  let error: unknown;
  try {
    error = (JSON.parse(body?.toString('utf8') ?? '') as { error?: unknown }).error;
  } catch {
    return undefined;
  }
  return typeof error === 'string' && OAUTH_REFUSALS.has(error) ? `: ${error}` : undefined;
}

function readCaFile(path: string, host: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    throw new ShipshapeError('config', `cannot read the CA file for ${host}`, { where: path, hint: `fix registries."${host}".caFile` });
  }
}

function registryErrorDetail(body: Buffer | undefined): string {
  if (!body || body.length === 0) return '';
  try {
    const parsed = JSON.parse(body.toString('utf8')) as { errors?: { code?: string; message?: string }[] };
    const first = parsed.errors?.[0];
    if (first) return `: ${secrets.redact([first.code, first.message].filter(Boolean).join(' '))}`;
  } catch {
    // not the registry's JSON error format
  }
  return '';
}
