/**
 * The HTTP transport under the registry client: node:http/https with keep-alive agents (one per
 * host and TLS setting), per-request timeouts, redirects (blob downloads are often redirected to
 * object storage; credentials are never forwarded to another host) and bounded body reads.
 */
import http from 'node:http';
import https from 'node:https';
import tls from 'node:tls';
import type { Readable } from 'node:stream';
import { readAllBounded } from '../digest';

export interface TlsSettings {
  /** Extra trusted CA certificates (PEM), added to the system roots. */
  ca?: string;
  /** Accept any certificate: only for hosts the user marked insecure. */
  skipVerify?: boolean;
}

export interface HttpRequest {
  method: 'GET' | 'HEAD' | 'PUT' | 'POST' | 'PATCH' | 'DELETE';
  url: URL;
  headers?: Record<string, string>;
  body?: Buffer;
  /** Idle timeout: no bytes for this long fails the request (ms). */
  timeoutMs?: number;
}

export interface HttpResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Readable;
  /** The URL that answered (after redirects). */
  url: URL;
}

const MAX_REDIRECTS = 5;
const DEFAULT_TIMEOUT_MS = 60_000;

export class HttpTransport {
  private readonly agents = new Map<string, http.Agent>();

  constructor(private readonly tlsFor: (host: string) => TlsSettings = () => ({})) {}

  async send(request: HttpRequest): Promise<HttpResponse> {
    let current = request;
    for (let redirects = 0; ; redirects++) {
      const response = await this.sendOnce(current);
      const location = response.headers.location;
      const isRedirect = [301, 302, 303, 307, 308].includes(response.status) && location;
      if (!isRedirect || (current.method !== 'GET' && current.method !== 'HEAD') || redirects >= MAX_REDIRECTS) return response;
      response.body.resume();
      const next = new URL(location, current.url);
      const headers = { ...current.headers };
      // A registry's credentials are for the registry, never for the storage it redirects to.
      if (next.host !== current.url.host) delete headers.Authorization;
      current = { ...current, url: next, headers };
    }
  }

  private sendOnce(request: HttpRequest): Promise<HttpResponse> {
    const { url } = request;
    const isHttps = url.protocol === 'https:';
    const headers: Record<string, string> = { 'User-Agent': 'shipshape', ...request.headers };
    if (request.body) headers['Content-Length'] = String(request.body.length);
    else if (request.method === 'PUT' || request.method === 'POST' || request.method === 'PATCH') headers['Content-Length'] = '0';

    return new Promise<HttpResponse>((resolve, reject) => {
      const options: https.RequestOptions = {
        method: request.method,
        protocol: url.protocol,
        hostname: url.hostname.replace(/^\[|\]$/g, ''),
        port: url.port || undefined,
        path: `${url.pathname}${url.search}`,
        headers,
        agent: this.agentFor(url.host, isHttps),
      };
      const req = (isHttps ? https : http).request(options, (res) => {
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: res, url });
      });
      const timeoutMs = request.timeoutMs ?? DEFAULT_TIMEOUT_MS;
      req.setTimeout(timeoutMs, () => {
        const error = Object.assign(new Error(`no response from ${url.host} within ${timeoutMs / 1000}s`), { code: 'SHIPSHAPE_TIMEOUT' });
        req.destroy(error);
      });
      req.on('error', reject);
      req.end(request.body);
    });
  }

  private agentFor(host: string, isHttps: boolean): http.Agent {
    const key = `${isHttps ? 'https' : 'http'}://${host}`;
    let agent = this.agents.get(key);
    if (!agent) {
      const common = { keepAlive: true, maxSockets: 16 };
      if (isHttps) {
        const settings = this.tlsFor(host);
        agent = new https.Agent({
          ...common,
          // Setting `ca` replaces Node's roots, so the system roots are passed along with the extra CA.
          ca: settings.ca ? [...tls.rootCertificates, settings.ca] : undefined,
          rejectUnauthorized: !settings.skipVerify,
        });
      } else {
        agent = new http.Agent(common);
      }
      this.agents.set(key, agent);
    }
    return agent;
  }

  /** Closes idle keep-alive sockets so a CLI process can exit promptly. */
  close(): void {
    for (const agent of this.agents.values()) agent.destroy();
    this.agents.clear();
  }
}

export function readBody(response: HttpResponse, maxBytes: number): Promise<Buffer> {
  return readAllBounded(response.body, maxBytes, response.url.toString());
}

/** Drains an unread body so the keep-alive socket goes back to the pool. */
export function discard(response: HttpResponse): void {
  response.body.resume();
}

export function header(response: HttpResponse, name: string): string | undefined {
  const value = response.headers[name.toLowerCase()];
  return Array.isArray(value) ? value[0] : value;
}

/** TLS failures that mean "this server does not speak TLS" — the only case where plain HTTP may be tried. */
export function isTlsProtocolMismatch(error: unknown): boolean {
  const code = (error as { code?: string })?.code ?? '';
  const message = error instanceof Error ? error.message : '';
  return code === 'EPROTO' || code === 'ERR_SSL_WRONG_VERSION_NUMBER' || /wrong version number|packet length too long|http request/i.test(message);
}

/** TLS failures about the certificate: never silently downgraded. */
export function isCertificateError(error: unknown): boolean {
  const code = (error as { code?: string })?.code ?? '';
  return /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|ERR_TLS_CERT/i.test(code);
}
