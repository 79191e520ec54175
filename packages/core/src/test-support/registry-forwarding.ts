/**
 * Forwarding from a test proxy to the real registry behind it (plain HTTP), shared by the proxies in
 * this directory: requests go up with the client's headers, responses come back as the registry sent
 * them (bodies streamed both ways), except that upload `Location`s are rewritten to point back
 * through the proxy. Test-only (excluded from the build).
 */
import http from 'node:http';

/** Headers that describe one connection, not the message: never copied across the proxy. */
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'proxy-authenticate', 'proxy-authorization', 'te', 'trailer', 'transfer-encoding', 'upgrade']);

export class RegistryForwarding {
  /** The proxy's own origin, once it listens: where rewritten Locations point. */
  proxyOrigin = '';
  private readonly upstreamOrigin: string;
  private readonly agent = new http.Agent({ keepAlive: true, maxSockets: 64 });

  /** `upstream`: HOST:PORT of the registry behind the proxy. */
  constructor(private readonly upstream: string) {
    this.upstreamOrigin = `http://${upstream}`;
  }

  /**
   * Opens the request to the registry; the caller pipes the client's body into it and handles the
   * response. A registry that cannot be reached is answered 502 (or the connection dropped, when
   * the response had already begun).
   */
  open(req: http.IncomingMessage, res: http.ServerResponse): http.ClientRequest {
    const headers: http.OutgoingHttpHeaders = {};
    for (const [name, value] of Object.entries(req.headers)) {
      if (value !== undefined && !HOP_BY_HOP.has(name)) headers[name] = value;
    }
    // The registry is the origin server: it sees its own Host (and builds Locations from it, which
    // are rewritten on the way back), as behind any reverse proxy that does not preserve Host.
    headers.host = this.upstream;
    const upstreamRequest = http.request(`${this.upstreamOrigin}${req.url ?? '/'}`, { method: req.method, headers, agent: this.agent });
    upstreamRequest.on('error', () => {
      if (!res.headersSent) res.writeHead(502, { 'Content-Length': 0 }).end();
      else res.destroy();
    });
    return upstreamRequest;
  }

  /** The registry's response headers as the client gets them. */
  responseHeaders(upstream: http.IncomingMessage): http.OutgoingHttpHeaders {
    const headers: http.OutgoingHttpHeaders = {};
    for (const [name, value] of Object.entries(upstream.headers)) {
      if (value === undefined || HOP_BY_HOP.has(name)) continue;
      headers[name] = name === 'location' && typeof value === 'string' ? this.rewriteLocation(value) : value;
    }
    return headers;
  }

  /** Forwards the request untouched and streams the registry's answer back. */
  pass(req: http.IncomingMessage, res: http.ServerResponse): void {
    const upstreamRequest = this.open(req, res);
    upstreamRequest.on('response', (upstream) => {
      res.writeHead(upstream.statusCode ?? 502, this.responseHeaders(upstream));
      upstream.pipe(res);
    });
    req.pipe(upstreamRequest);
  }

  close(): void {
    this.agent.destroy();
  }

  /** Upload sessions live at the registry's origin; the client must keep talking to the proxy. */
  private rewriteLocation(location: string): string {
    return location.startsWith(this.upstreamOrigin) ? this.proxyOrigin + location.slice(this.upstreamOrigin.length) : location;
  }
}
