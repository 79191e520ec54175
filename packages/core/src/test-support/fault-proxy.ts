/**
 * A fault-injecting HTTP proxy for registry tests: listens on 127.0.0.1 in front of a real registry,
 * answers a share of requests with 503, 429 or a dropped connection, and forwards the rest faithfully
 * (bodies streamed both ways, upload `Location`s rewritten to point back through the proxy).
 *
 * Faults are chosen by a seeded PRNG, so a failing run can be replayed with the same seed. Each kind
 * is counted, so a test can assert it was really exercised. Test-only (excluded from the build).
 *
 * The kinds, and what they model:
 * - `503`: an overloaded registry or load balancer (Retry-After sometimes absent, `0` or `1`);
 * - `429`: rate limiting, always with Retry-After;
 * - `reset-before`: the connection drops before the registry saw the request (nothing applied);
 * - `reset-after`: the registry applied the request but the response is lost: the connection
 *   drops after the status line and headers, or part of the body, or before anything was sent.
 */
import http from 'node:http';
import type { Socket } from 'node:net';
import { listenOnLoopback } from './loopback-server';
import { RegistryForwarding } from './registry-forwarding';

export type FaultKind = '503' | '429' | 'reset-before' | 'reset-after';
export const FAULT_KINDS: readonly FaultKind[] = ['503', '429', 'reset-before', 'reset-after'];

export interface FaultProxyOptions {
  /** HOST:PORT of the registry behind the proxy (plain HTTP). */
  upstream: string;
  /** Share of requests (0..1) that get a fault. */
  faultRate: number;
  /** Seed of the PRNG that picks faults; the same seed and request order give the same faults. */
  seed: number;
  /** Relative weights of the fault kinds (default: all equal). A kind with weight 0 never happens. */
  weights?: Partial<Record<FaultKind, number>>;
  /** Which requests may get a random fault (default: all). */
  eligible?: (request: { method: string; path: string }) => boolean;
  /**
   * A scripted fault for this request, consulted before the random choice: for tests of one
   * precise failure (e.g. the response to the second chunk of an upload is lost).
   */
  decide?: (request: { method: string; path: string; range?: string }) => FaultDecision | undefined;
}

export type ResetCut = 'before-headers' | 'after-headers' | 'mid-body';

export interface FaultDecision {
  kind: FaultKind;
  /** For `reset-after`: where to drop the connection (default: random among those that apply). */
  cut?: ResetCut;
  /** How to drop it: a TCP reset (which can lose bytes already sent) or a plain close (default: random). */
  drop?: 'reset' | 'close';
}

export interface InjectedFault {
  kind: FaultKind;
  method: string;
  path: string;
  /** For `reset-after`: where the connection was dropped. */
  cut?: ResetCut;
  /** The upstream status the client never (fully) received, for `reset-after`. */
  upstreamStatus?: number;
  /** As scripted: a TCP reset or a plain close. */
  drop?: 'reset' | 'close';
}

export interface FaultProxy {
  /** HOST:PORT to point clients at. */
  readonly host: string;
  /** Requests forwarded untouched. */
  readonly forwarded: number;
  /** Every fault injected, in order. */
  readonly faults: readonly InjectedFault[];
  /** Faults injected, per kind. */
  counts(): Record<FaultKind, number>;
  close(): Promise<void>;
}

/** mulberry32: a tiny, fast, well-distributed 32-bit PRNG — reproducible where Math.random is not. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export async function startFaultProxy(options: FaultProxyOptions): Promise<FaultProxy> {
  const random = seededRandom(options.seed);
  const weights = FAULT_KINDS.map((kind) => Math.max(0, options.weights?.[kind] ?? 1));
  const totalWeight = weights.reduce((a, b) => a + b, 0);
  const forwarding = new RegistryForwarding(options.upstream);
  const faults: InjectedFault[] = [];
  let forwarded = 0;

  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;

  function chooseFault(method: string, path: string): FaultKind | undefined {
    // Always draw, so the sequence of decisions does not depend on which requests are eligible.
    const roll = random();
    const which = random() * totalWeight;
    if (roll >= options.faultRate || totalWeight === 0) return undefined;
    if (options.eligible && !options.eligible({ method, path })) return undefined;
    let sum = 0;
    for (let i = 0; i < FAULT_KINDS.length; i++) {
      sum += weights[i]!;
      if (which < sum) return FAULT_KINDS[i];
    }
    return FAULT_KINDS[FAULT_KINDS.length - 1];
  }

  function dropConnection(socket: Socket, how?: 'reset' | 'close'): void {
    // Half the time a TCP RST (ECONNRESET at the client), half a plain close (socket hang up / aborted).
    const reset = how ? how === 'reset' : random() < 0.5;
    if (reset && typeof socket.resetAndDestroy === 'function') socket.resetAndDestroy();
    else socket.destroy();
  }

  function answerFault(kind: '503' | '429', res: http.ServerResponse): void {
    // Mostly "0" (retry at once); now and then "1", a real wait the client must honour.
    const retryAfter = kind === '429' ? pick(['0', '0', '0', '1']) : pick([undefined, undefined, '0', '0', '0', '1']);
    const body = JSON.stringify({ errors: [{ code: kind === '429' ? 'TOOMANYREQUESTS' : 'UNAVAILABLE', message: 'injected by the fault proxy' }] });
    res.writeHead(Number(kind), {
      'Content-Type': 'application/json',
      'Content-Length': Buffer.byteLength(body),
      ...(retryAfter !== undefined ? { 'Retry-After': retryAfter } : {}),
    });
    res.end(body);
  }

  /** Forwards the request, then drops the client connection once the registry has answered. */
  function forwardThenDrop(req: http.IncomingMessage, res: http.ServerResponse, fault: InjectedFault): void {
    const upstreamRequest = forwarding.open(req, res);
    upstreamRequest.on('response', (upstream) => {
      fault.upstreamStatus = upstream.statusCode;
      const length = Number(upstream.headers['content-length'] ?? 0);
      const possible: ResetCut[] = length > 1 && req.method !== 'HEAD' ? ['before-headers', 'after-headers', 'mid-body'] : ['before-headers', 'after-headers'];
      const cut = fault.cut && possible.includes(fault.cut) ? fault.cut : pick(possible);
      fault.cut = cut;
      if (cut === 'before-headers') {
        upstream.resume();
        dropConnection(res.socket ?? req.socket);
        return;
      }
      // Without a length the client would take a closed connection as the end of the body.
      const partialHeaders = forwarding.responseHeaders(upstream);
      if (cut === 'mid-body') partialHeaders['content-length'] = length;
      res.writeHead(upstream.statusCode ?? 502, partialHeaders);
      res.flushHeaders();
      if (cut === 'after-headers') {
        upstream.resume();
        setImmediate(() => dropConnection(req.socket));
        return;
      }
      let sent = 0;
      const limit = Math.floor(length / 2);
      upstream.on('data', (chunk: Buffer) => {
        if (sent >= limit) return;
        const part = chunk.subarray(0, limit - sent);
        sent += part.length;
        res.write(part);
        if (sent >= limit) setImmediate(() => dropConnection(req.socket, fault.drop));
      });
    });
    req.pipe(upstreamRequest);
  }

  const server = http.createServer((req, res) => {
    const method = req.method ?? 'GET';
    const path = req.url ?? '/';
    const scripted = options.decide?.({ method, path, range: req.headers.range });
    const kind = scripted?.kind ?? chooseFault(method, path);
    if (!kind) {
      forwarded++;
      forwarding.pass(req, res);
      return;
    }
    const fault: InjectedFault = { kind, method, path, ...(scripted?.cut ? { cut: scripted.cut } : {}), ...(scripted?.drop ? { drop: scripted.drop } : {}) };
    faults.push(fault);
    if (kind === '503' || kind === '429') answerFault(kind, res);
    else if (kind === 'reset-before') dropConnection(req.socket);
    else forwardThenDrop(req, res, fault);
  });
  // Unparseable input (e.g. a client probing for TLS) gets Node's default: 400 and close, as a
  // plain-HTTP registry answers it.
  const listening = await listenOnLoopback(server);
  const { port } = listening;
  const host = `127.0.0.1:${port}`;
  forwarding.proxyOrigin = `http://${host}`;

  return {
    host,
    get forwarded() {
      return forwarded;
    },
    faults,
    counts() {
      const counts = Object.fromEntries(FAULT_KINDS.map((k) => [k, 0])) as Record<FaultKind, number>;
      for (const fault of faults) counts[fault.kind]++;
      return counts;
    },
    async close() {
      await listening.close();
      forwarding.close();
    },
  };
}
