/**
 * A remote cache server speaking Nx's self-hosted remote cache protocol (the "Nx custom remote cache
 * specification" 1.0.0, OpenAPI, Nx ≥ 20.8), on 127.0.0.1, for the cross-machine test:
 *   PUT /v1/cache/{hash}  body = the task's artifact (a gzipped tar), Content-Length required;
 *                         200 stored, 401 bad/missing token, 409 a record for that hash exists
 *   GET /v1/cache/{hash}  200 application/octet-stream, 404 not found, 401 bad/missing token
 * Bearer-token auth (NX_SELF_HOSTED_REMOTE_CACHE_ACCESS_TOKEN on the Nx side). Entries are kept in
 * memory so the test can look inside what was cached.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** Far above any Shipshape task's artifact; a runaway upload is refused instead of filling memory. */
const MAX_ARTIFACT_BYTES = 256 * 1024 * 1024;

export interface RemoteCacheStats {
  stored: number;
  hits: number;
  misses: number;
  refused: number;
}

export interface RemoteCache {
  /** `http://127.0.0.1:PORT`: the value of NX_SELF_HOSTED_REMOTE_CACHE_SERVER. */
  url: string;
  token: string;
  /** What Nx uploaded, by task hash. */
  entries: ReadonlyMap<string, Buffer>;
  stats: RemoteCacheStats;
  /** The variables that point Nx at this server. */
  env(): Record<string, string>;
  close(): Promise<void>;
}

const CACHE_PATH = /^\/v1\/cache\/([A-Za-z0-9._-]{1,256})$/;

export async function startRemoteCache(): Promise<RemoteCache> {
  const token = randomBytes(24).toString('hex');
  const entries = new Map<string, Buffer>();
  const stats: RemoteCacheStats = { stored: 0, hits: 0, misses: 0, refused: 0 };

  const server: Server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      if (!response.headersSent) response.writeHead(500, { 'content-type': 'text/plain' });
      response.end(error instanceof Error ? error.message : 'internal error');
    });
  });

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const match = CACHE_PATH.exec(request.url ?? '');
    if (!match) return void response.writeHead(404).end();
    if (request.headers.authorization !== `Bearer ${token}`) {
      stats.refused++;
      return void response.writeHead(401, { 'content-type': 'text/plain' }).end('missing or invalid token');
    }
    const hash = match[1];
    if (request.method === 'GET') {
      const entry = entries.get(hash);
      if (!entry) {
        stats.misses++;
        return void response.writeHead(404).end();
      }
      stats.hits++;
      return void response.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': entry.length }).end(entry);
    }
    if (request.method === 'PUT') {
      const declared = Number(request.headers['content-length']);
      if (!Number.isInteger(declared) || declared < 0) return void response.writeHead(411, { 'content-type': 'text/plain' }).end('Content-Length is required');
      if (declared > MAX_ARTIFACT_BYTES) return void response.writeHead(413).end();
      const body = await readBody(request, declared);
      if (entries.has(hash)) return void response.writeHead(409).end();
      entries.set(hash, body);
      stats.stored++;
      return void response.writeHead(200).end();
    }
    response.writeHead(405, { allow: 'GET, PUT' }).end();
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const url = `http://127.0.0.1:${port}`;
  return {
    url,
    token,
    entries,
    stats,
    env: () => ({ NX_SELF_HOSTED_REMOTE_CACHE_SERVER: url, NX_SELF_HOSTED_REMOTE_CACHE_ACCESS_TOKEN: token }),
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}

async function readBody(request: IncomingMessage, declared: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > declared) throw new Error(`body is longer than its Content-Length (${declared})`);
    chunks.push(chunk as Buffer);
  }
  if (size !== declared) throw new Error(`body has ${size} bytes, Content-Length said ${declared}`);
  return Buffer.concat(chunks);
}
