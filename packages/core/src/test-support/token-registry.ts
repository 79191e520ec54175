/**
 * A registry that authenticates the way Docker Hub, GHCR, Harbor and GitLab do — the distribution
 * token flow — for tests of the registry client's Bearer authentication:
 *
 * - a real Debian `docker-registry` (distribution 2.8) on 127.0.0.1 with `auth: token:`, which
 *   answers 401 `WWW-Authenticate: Bearer realm=…,service=…,scope=…` and accepts only JWTs signed
 *   by a key whose certificate chains to its `rootcertbundle`;
 * - the token server it names as realm, in this process: it authenticates Basic credentials (one
 *   test user), an OAuth2 refresh token (`grant_type=refresh_token`, as from a docker config.json
 *   `identitytoken`) or nobody, grants the requested scopes a small policy allows, and issues ES256
 *   JWTs with an `x5c` header. It records every request, and can be told to misbehave once.
 *
 * The policy: the user may pull and push `test/*` and `public/*`; anyone may pull `public/*`;
 * nobody gets anything else (a login without permission, as for someone else's repository).
 *
 * The credentials are deliberately NOT registered with the `secrets` registry: the client under
 * test must do that itself, and the tests check it did. Test-only (excluded from the build).
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { generateKeyPairSync, randomBytes, sign, X509Certificate, type KeyObject } from 'node:crypto';
import { closeSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { listenOnLoopback } from './loopback-server';

const execFileAsync = promisify(execFile);

export type Action = 'pull' | 'push' | 'delete';

export interface Access {
  type: string;
  name: string;
  actions: string[];
}

/** How a token request authenticated. */
export type TokenGrant = 'basic' | 'anonymous' | 'refresh_token';

/** What the token server can be told to do to the next token request (once). */
export type TokenFault =
  /** Answer 200 with a Content-Length, send half the body, drop the connection. */
  | 'cut-body'
  /** Answer 503 (an overloaded token service), Retry-After: 0. */
  | '503'
  /** Issue a token the registry refuses (expired long ago) while `expires_in` says it is fresh. */
  | 'expired-token';

export interface TokenRequestRecord {
  method: string;
  /** How the client authenticated; undefined when it was refused before that was clear. */
  grant?: TokenGrant;
  /** The user name for basic and refresh-token grants. */
  account?: string;
  /** Every scope asked for, in the order sent. */
  scopes: string[];
  /** For the refresh-token POST: the form's `grant_type` and `client_id`. */
  grantType?: string;
  clientId?: string;
  /** What the policy granted. */
  granted: Access[];
  status: number;
  /** The token issued (also for `cut-body`, where the client never received it whole). */
  token?: string;
  /** The misbehaviour applied to this request, if any. */
  fault?: TokenFault;
}

export interface DockerAuthEntry {
  auth?: string;
  identitytoken?: string;
  registrytoken?: string;
}

export interface TokenRegistry {
  /** HOST:PORT of the registry (plain HTTP on loopback). */
  readonly host: string;
  /** The token endpoint the registry names as realm. */
  readonly realm: string;
  readonly service: string;
  readonly username: string;
  /** Secrets: never print them. */
  readonly password: string;
  readonly refreshToken: string;
  /** Every token request, in order. */
  readonly requests: readonly TokenRequestRecord[];
  /** `expires_in` of the tokens issued from now on (seconds). */
  expiresIn: number;
  /** Every token issued so far (secrets: for asserting they never leak). */
  tokens(): string[];
  /** Makes the next token request suffer `fault` (queued: several calls affect several requests). */
  misbehaveOnce(fault: TokenFault): void;
  /** A DOCKER_CONFIG directory whose config.json has `auths[host] = entry`; removed by close(). */
  dockerConfigDir(entry: DockerAuthEntry): string;
  /** Stops the registry process and the token server and removes every file they used. */
  close(): Promise<void>;
}

export interface TokenRegistryOptions {
  /** `expires_in` of issued tokens, seconds (default 300). */
  expiresIn?: number;
  /** The realm the registry names instead of this token server's (to test what the client does with it). */
  realm?: string;
}

const SERVICE = 'shipshape-test-registry';
const ISSUER = 'shipshape-test-token-server';
const USERNAME = 'tokenuser';
/** How long the registry has to start (it usually answers within a few hundred ms). */
const START_TIMEOUT_MS = 20_000;

/** The policy: what `account` (undefined = anonymous) may do to `repository`. */
function allowedActions(account: string | undefined, repository: string): Action[] {
  if (repository.startsWith('public/')) return account ? ['pull', 'push'] : ['pull'];
  if (repository.startsWith('test/')) return account ? ['pull', 'push'] : [];
  return [];
}

export async function startTokenRegistry(options: TokenRegistryOptions = {}): Promise<TokenRegistry> {
  const dir = mkdtempSync(path.join(tmpdir(), 'shipshape-token-registry-'));
  let tokenServer: TokenServer | undefined;
  let registry: ChildProcess | undefined;
  try {
    const signer = await makeSigner(dir);
    tokenServer = await startTokenServer(signer, options.expiresIn ?? 300);
    const started = await startRegistry(dir, options.realm ?? tokenServer.realm);
    registry = started.child;
    return handle(dir, started.host, tokenServer, registry);
  } catch (error) {
    await stopProcess(registry);
    await tokenServer?.close();
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
}

function handle(dir: string, host: string, server: TokenServer, registry: ChildProcess): TokenRegistry {
  let configDirs = 0;
  return {
    host,
    realm: server.realm,
    service: SERVICE,
    username: USERNAME,
    password: server.password,
    refreshToken: server.refreshToken,
    requests: server.requests,
    get expiresIn() {
      return server.settings.expiresIn;
    },
    set expiresIn(seconds: number) {
      server.settings.expiresIn = seconds;
    },
    tokens: () => server.requests.flatMap((r) => (r.token ? [r.token] : [])),
    misbehaveOnce: (fault) => server.faults.push(fault),
    dockerConfigDir(entry) {
      const configDir = path.join(dir, `docker-config-${++configDirs}`);
      mkdirSync(configDir, { mode: 0o700 });
      writeFileSync(path.join(configDir, 'config.json'), JSON.stringify({ auths: { [host]: entry } }), { mode: 0o600 });
      return configDir;
    },
    async close() {
      await stopProcess(registry);
      await server.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

// --- signing key and certificates -------------------------------------------------------------

interface Signer {
  key: KeyObject;
  /** base64 DER of the signing certificate, for the JWT `x5c` header. */
  x5c: string[];
  /** The CA (PEM) the registry trusts. */
  caFile: string;
}

/** A CA and a signing certificate under it (ECDSA P-256): keys by node:crypto, certificates by openssl. */
async function makeSigner(dir: string): Promise<Signer> {
  const ca = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const leaf = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const file = (name: string) => path.join(dir, name);
  writeFileSync(file('ca.key'), ca.privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
  writeFileSync(file('signer.key'), leaf.privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
  writeFileSync(file('signer.ext'), 'basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\n');
  const openssl = async (args: string[]) => {
    try {
      await execFileAsync('openssl', args, { cwd: dir });
    } catch (error) {
      throw new Error(`openssl ${args[0]} failed making the token signing certificates: ${(error as { stderr?: string }).stderr ?? (error as Error).message}`);
    }
  };
  await openssl(['req', '-x509', '-new', '-key', 'ca.key', '-subj', '/CN=shipshape test token CA', '-days', '2', '-out', 'ca.pem',
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign']);
  await openssl(['req', '-new', '-key', 'signer.key', '-subj', '/CN=shipshape test token signer', '-out', 'signer.csr']);
  await openssl(['x509', '-req', '-in', 'signer.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-set_serial', `0x${randomBytes(8).toString('hex')}`,
    '-days', '2', '-extfile', 'signer.ext', '-out', 'signer.pem']);
  const certificate = new X509Certificate(readFileSync(file('signer.pem')));
  return { key: leaf.privateKey, x5c: [certificate.raw.toString('base64')], caFile: file('ca.pem') };
}

const base64url = (data: Buffer | string) => Buffer.from(data).toString('base64url');

/** A JWT as distribution's token access controller verifies it (registry/auth/token). */
function issueJwt(signer: Signer, account: string | undefined, access: Access[], lifetime: { notBefore: number; expires: number }): string {
  const now = Math.floor(Date.now() / 1000);
  const header = { typ: 'JWT', alg: 'ES256', x5c: signer.x5c };
  const claims = {
    iss: ISSUER,
    sub: account ?? '',
    aud: SERVICE,
    exp: lifetime.expires,
    nbf: lifetime.notBefore,
    iat: Math.min(now, lifetime.notBefore),
    jti: randomBytes(12).toString('hex'),
    access,
  };
  const signingInput = `${base64url(JSON.stringify(header))}.${base64url(JSON.stringify(claims))}`;
  // JWS ES256 signatures are r||s (IEEE P1363), not DER.
  const signature = sign('sha256', Buffer.from(signingInput), { key: signer.key, dsaEncoding: 'ieee-p1363' });
  return `${signingInput}.${base64url(signature)}`;
}

// --- the token server -------------------------------------------------------------------------

interface TokenServer {
  realm: string;
  password: string;
  refreshToken: string;
  requests: TokenRequestRecord[];
  faults: TokenFault[];
  settings: { expiresIn: number };
  close(): Promise<void>;
}

/** `repository:team/app:pull,push` → the parts, or undefined for a scope we do not understand. */
function parseScope(scope: string): { type: string; name: string; actions: string[] } | undefined {
  const first = scope.indexOf(':');
  const last = scope.lastIndexOf(':');
  if (first < 0 || last <= first) return undefined;
  return { type: scope.slice(0, first), name: scope.slice(first + 1, last), actions: scope.slice(last + 1).split(',').filter(Boolean) };
}

function grant(account: string | undefined, scopes: string[]): Access[] {
  const access: Access[] = [];
  for (const scope of scopes) {
    const parsed = parseScope(scope);
    if (!parsed || parsed.type !== 'repository') continue;
    const allowed = allowedActions(account, parsed.name);
    const actions = parsed.actions.filter((a) => (allowed as string[]).includes(a));
    if (actions.length > 0) access.push({ type: 'repository', name: parsed.name, actions });
  }
  return access;
}

function readRequestBody(req: http.IncomingMessage, limit = 64 * 1024): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) req.destroy(new Error('token request body too large'));
      else chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function sendJson(res: http.ServerResponse, status: number, body: unknown, headers: http.OutgoingHttpHeaders = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

async function startTokenServer(signer: Signer, expiresIn: number): Promise<TokenServer> {
  const password = randomBytes(18).toString('hex');
  const refreshToken = `refresh-${randomBytes(24).toString('hex')}`;
  const requests: TokenRequestRecord[] = [];
  const faults: TokenFault[] = [];
  const settings = { expiresIn };

  async function handleToken(req: http.IncomingMessage, res: http.ServerResponse, url: URL): Promise<void> {
    const record: TokenRequestRecord = { method: req.method ?? '', scopes: [], granted: [], status: 0 };
    requests.push(record);
    const answer = (status: number, body: unknown, headers?: http.OutgoingHttpHeaders) => {
      record.status = status;
      sendJson(res, status, body, headers);
    };
    let account: string | undefined;
    let service: string | null;
    let oauth = false;

    if (req.method === 'GET') {
      service = url.searchParams.get('service');
      record.scopes = url.searchParams.getAll('scope').flatMap((s) => s.split(' ')).filter(Boolean);
      const authorization = req.headers.authorization ?? '';
      if (authorization.startsWith('Basic ')) {
        const decoded = Buffer.from(authorization.slice('Basic '.length), 'base64').toString('utf8');
        const colon = decoded.indexOf(':');
        if (decoded.slice(0, colon) !== USERNAME || decoded.slice(colon + 1) !== password) {
          answer(401, { details: 'incorrect username or password' }, { 'WWW-Authenticate': `Basic realm="${SERVICE}"` });
          return;
        }
        account = USERNAME;
        record.grant = 'basic';
      } else {
        record.grant = 'anonymous';
      }
    } else if (req.method === 'POST') {
      // The OAuth2 form (distribution's docs/spec/auth/oauth.md); errors as RFC 6749 §5.2 has them.
      oauth = true;
      const form = new URLSearchParams(await readRequestBody(req));
      service = form.get('service');
      record.scopes = (form.get('scope') ?? '').split(' ').filter(Boolean);
      record.grantType = form.get('grant_type') ?? undefined;
      record.clientId = form.get('client_id') ?? undefined;
      if (!record.clientId) return answer(400, { error: 'invalid_request', error_description: 'client_id is required' });
      if (record.grantType !== 'refresh_token') return answer(400, { error: 'unsupported_grant_type' });
      if (form.get('refresh_token') !== refreshToken) return answer(400, { error: 'invalid_grant', error_description: 'the refresh token is invalid or expired' });
      account = USERNAME;
      record.grant = 'refresh_token';
    } else {
      return answer(405, { details: 'GET or POST' });
    }
    record.account = account;
    if (service !== SERVICE) return answer(400, { details: `unknown service ${String(service)}` });

    const fault = faults.shift();
    record.fault = fault;
    if (fault === '503') return answer(503, { details: 'token service overloaded' }, { 'Retry-After': '0' });

    record.granted = grant(account, record.scopes);
    const now = Math.floor(Date.now() / 1000);
    // Expired an hour ago: well past the registry's 60 s leeway.
    const lifetime = fault === 'expired-token' ? { notBefore: now - 7200, expires: now - 3600 } : { notBefore: now - 1, expires: now + settings.expiresIn };
    const token = issueJwt(signer, account, record.granted, lifetime);
    record.token = token;
    const issuedAt = new Date(now * 1000).toISOString();
    // Distribution's GET answer carries `token`; the OAuth2 answer `access_token`.
    const body = oauth
      ? { access_token: token, token_type: 'Bearer', scope: record.granted.map((a) => `${a.type}:${a.name}:${a.actions.join(',')}`).join(' '), expires_in: settings.expiresIn, issued_at: issuedAt }
      : { token, expires_in: settings.expiresIn, issued_at: issuedAt };

    if (fault === 'cut-body') {
      const text = Buffer.from(JSON.stringify(body));
      record.status = 200;
      res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': text.length });
      res.write(text.subarray(0, Math.floor(text.length / 2)));
      setImmediate(() => res.socket?.destroy());
      return;
    }
    answer(200, body);
  }

  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    if (url.pathname !== '/token') {
      sendJson(res, 404, { details: 'not found' });
      return;
    }
    handleToken(req, res, url).catch((error: unknown) => {
      if (!res.headersSent) sendJson(res, 500, { details: (error as Error).message });
      else res.destroy();
    });
  });
  const { port, close } = await listenOnLoopback(server);
  return {
    realm: `http://127.0.0.1:${port}/token`,
    password,
    refreshToken,
    requests,
    faults,
    settings,
    close,
  };
}

// --- the registry process ---------------------------------------------------------------------

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = http.createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}

/** Configured as tools/test-env/up.sh configures its registries, with token auth instead of htpasswd. */
function registryConfig(dir: string, port: number, realm: string, caFile: string): string {
  return `version: 0.1
log:
  level: info
  formatter: text
  fields:
    service: shipshape-test-token-registry
storage:
  filesystem:
    rootdirectory: ${path.join(dir, 'data')}
  delete:
    enabled: true
  cache:
    blobdescriptor: inmemory
  maintenance:
    uploadpurging:
      enabled: false
http:
  addr: 127.0.0.1:${port}
  secret: ${randomBytes(16).toString('hex')}
  headers:
    X-Content-Type-Options: [nosniff]
auth:
  token:
    realm: ${realm}
    service: ${SERVICE}
    issuer: ${ISSUER}
    rootcertbundle: ${caFile}
`;
}

/** GET /v2/ → its status and challenge, or undefined while nothing answers. */
function probe(host: string): Promise<{ status: number; challenge?: string } | undefined> {
  return new Promise((resolve) => {
    const req = http.get(`http://${host}/v2/`, { agent: false, timeout: 1000 }, (res) => {
      res.resume();
      resolve({ status: res.statusCode ?? 0, challenge: res.headers['www-authenticate'] });
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(undefined));
  });
}

const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function startRegistry(dir: string, realm: string): Promise<{ host: string; child: ChildProcess }> {
  const configFile = path.join(dir, 'config.yml');
  const logFile = path.join(dir, 'registry.log');
  const logTail = () => {
    try {
      return readFileSync(logFile, 'utf8').trim().split('\n').slice(-8).join('\n');
    } catch {
      return '(no log)';
    }
  };
  mkdirSync(path.join(dir, 'data'));
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    const host = `127.0.0.1:${port}`;
    writeFileSync(configFile, registryConfig(dir, port, realm, path.join(dir, 'ca.pem')), { mode: 0o600 });
    const log = openSync(logFile, 'a');
    const child = spawn('docker-registry', ['serve', configFile], { stdio: ['ignore', log, log] });
    closeSync(log);
    let exited: string | undefined;
    child.once('exit', (code, signal) => (exited = `exited (${signal ?? code})`));
    child.once('error', (error) => (exited = `could not start: ${error.message}`));

    const deadline = Date.now() + START_TIMEOUT_MS;
    while (!exited && Date.now() < deadline) {
      const answer = await probe(host);
      if (answer?.status === 401 && /^Bearer /i.test(answer.challenge ?? '')) return { host, child };
      if (answer) {
        await stopProcess(child);
        throw new Error(`docker-registry on ${host} answered GET /v2/ with ${answer.status} (${answer.challenge ?? 'no challenge'}), not a Bearer challenge`);
      }
      await delay(50);
    }
    await stopProcess(child);
    // Another process may have taken the port between picking and binding it: try a new one.
    if (attempt < 3 && /address already in use/.test(logTail())) continue;
    const hint = /ENOENT/.test(exited ?? '') ? ' (is docker-registry installed? tools/test-env/up.sh installs it)' : '';
    throw new Error(`docker-registry did not come up on ${host}: ${exited ?? 'no answer'}${hint}\n${logTail()}`);
  }
}

/** SIGTERM, then SIGKILL if it is still there after 5 s; resolves once it has exited. */
async function stopProcess(child: ChildProcess | undefined): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
  await exited;
  clearTimeout(timer);
}
