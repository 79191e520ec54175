/**
 * Fulcio, Rekor and a timestamp authority from @sigstore/mock, each served over real HTTP on
 * 127.0.0.1 (the package ships request handlers; we mount them on node:http servers instead of
 * nock, so sigstore-js talks to them exactly as it talks to the real services). Also builds the
 * trusted_root.json that makes their certificates and signatures verifiable.
 */
import { createHash, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
// Deep imports: the package index also loads nock, which patches node:http for the whole process.
import { fulcioHandler, initializeCA, initializeCTLog } from '@sigstore/mock/dist/fulcio';
import { initializeTLog, rekorHandler } from '@sigstore/mock/dist/rekor';
import { initializeTSA, tsaHandler } from '@sigstore/mock/dist/timestamp';
import type { Handler } from '@sigstore/mock/dist/shared.types';

export type MockService = 'fulcio' | 'rekor' | 'tsa';

export interface RecordedRequest {
  service: MockService;
  method: string;
  path: string;
  body: string;
}

export interface MockSigstore {
  fulcioUrl: string;
  rekorUrl: string;
  /** Base URL of the timestamp authority (undefined when started without one). */
  tsaUrl?: string;
  /** A trusted_root.json (parsed) for the mock CA, CT log, Rekor key and TSA. */
  trustedRoot: Record<string, unknown>;
  requests: RecordedRequest[];
  /** The next `statuses.length` requests to `service` get these HTTP statuses instead of an answer. */
  failNext(service: MockService, ...statuses: number[]): void;
  close(): Promise<void>;
}

export interface MockSigstoreOptions {
  /** Start a timestamp authority too (default true). */
  tsa?: boolean;
  /** The token claim the mock Fulcio certifies as the SAN (default `sub`; the real Fulcio uses `email` for email issuers). */
  subjectClaim?: string;
}

interface KeyPair {
  publicKey: KeyObject;
  privateKey: KeyObject;
}

const newKeyPair = (): KeyPair => generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
const spki = (key: KeyObject) => key.export({ format: 'der', type: 'spki' });
const b64 = (data: Uint8Array) => Buffer.from(data).toString('base64');
const bytes = (view: ArrayBufferView) => new Uint8Array(view.buffer, view.byteOffset, view.byteLength);

/**
 * Real Rekor stores a `dsse` entry not as proposed (envelope + verifiers) but in canonical form:
 * hashes of the envelope and payload, and each signature with its verifier. The mock logs what it
 * is given, so it is given the canonical form, as Rekor's dsse type v0.0.1 (pkg/types/dsse) builds it.
 */
function canonicalDsseEntry(body: string): string {
  const entry = JSON.parse(body) as { kind?: string; apiVersion?: string; spec?: { proposedContent?: { envelope: string; verifiers: string[] } } };
  if (entry.kind !== 'dsse' || !entry.spec?.proposedContent) return body;
  const { envelope, verifiers } = entry.spec.proposedContent;
  const parsed = JSON.parse(envelope) as { payload: string; signatures: { sig: string }[] };
  const sha256 = (data: Buffer | string) => createHash('sha256').update(data).digest('hex');
  return JSON.stringify({
    kind: 'dsse',
    apiVersion: entry.apiVersion,
    spec: {
      envelopeHash: { algorithm: 'sha256', value: sha256(envelope) },
      payloadHash: { algorithm: 'sha256', value: sha256(Buffer.from(parsed.payload, 'base64')) },
      signatures: parsed.signatures.map((signature, index) => ({ signature: signature.sig, verifier: verifiers[index] ?? verifiers[0] })),
    },
  });
}

export async function startMockSigstore(options: MockSigstoreOptions = {}): Promise<MockSigstore> {
  const requests: RecordedRequest[] = [];
  const faults: Record<MockService, number[]> = { fulcio: [], rekor: [], tsa: [] };
  const servers: Server[] = [];
  // Certificates issued by the mocks start "now"; trust them from a minute before.
  const validFrom = new Date(Date.now() - 60_000).toISOString();

  const serve = async (service: MockService, handlerFor: (url: string) => Promise<Handler>, transform = (body: string) => body): Promise<string> => {
    // Set once the port is known (the mock Rekor writes its host into checkpoints).
    const route: { handler?: Handler } = {};
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        const path = (req.url ?? '/').split('?')[0];
        requests.push({ service, method: req.method ?? '', path, body });
        const fault = faults[service].shift();
        if (fault !== undefined) {
          res.writeHead(fault, { 'Content-Type': 'application/json' }).end(JSON.stringify({ code: fault, message: `mock ${service} failure` }));
          return;
        }
        const { handler } = route;
        if (!handler || req.method !== 'POST' || path !== handler.path) {
          res.writeHead(404, { 'Content-Type': 'text/plain' }).end('not found');
          return;
        }
        let request: string;
        try {
          request = transform(body);
        } catch (error) {
          res.writeHead(400, { 'Content-Type': 'text/plain' }).end(String(error));
          return;
        }
        handler.fn(request).then(
          ({ statusCode, response, contentType }) => {
            res.writeHead(statusCode, { 'Content-Type': contentType ?? 'text/plain' });
            res.end(typeof response === 'string' ? response : Buffer.from(response.buffer, response.byteOffset, response.byteLength));
          },
          (error: unknown) => res.writeHead(500).end(String(error)),
        );
      });
    });
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    route.handler = await handlerFor(url);
    return url;
  };

  const caKeys = newKeyPair();
  const ctKeys = newKeyPair();
  const rekorKeys = newKeyPair();
  const tsaKeys = newKeyPair();
  const ctLog = await initializeCTLog(ctKeys);
  const ca = await initializeCA(caKeys, ctLog);
  // The mock TSA writes genTime with RFC 3161's trimmed fraction (".5Z"), which @sigstore/core's
  // parser rejects; a clock on whole seconds keeps the fraction out. The Date is moved before each request.
  const tsaClock = new Date();
  const tsa = options.tsa === false ? undefined : await initializeTSA(tsaKeys, tsaClock);

  const fulcioUrl = await serve('fulcio', async () => fulcioHandler(ca, { strict: true, subjectClaim: options.subjectClaim }));
  const rekorUrl = await serve('rekor', async (url) => rekorHandler(await initializeTLog(url, rekorKeys), { strict: true }), canonicalDsseEntry);
  const tsaUrl = tsa
    ? await serve('tsa', async () => tsaHandler(tsa, { strict: true }), (body) => {
        tsaClock.setTime(Math.floor(Date.now() / 1000) * 1000);
        return body;
      })
    : undefined;

  const rekorKey = spki(rekorKeys.publicKey);
  const ctKey = spki(ctKeys.publicKey);
  const trustedRoot: Record<string, unknown> = {
    mediaType: 'application/vnd.dev.sigstore.trustedroot+json;version=0.1',
    tlogs: [
      {
        baseUrl: rekorUrl,
        hashAlgorithm: 'SHA2_256',
        publicKey: { rawBytes: b64(rekorKey), keyDetails: 'PKIX_ECDSA_P256_SHA_256', validFor: { start: validFrom } },
        logId: { keyId: b64(createHash('sha256').update(rekorKey).digest()) },
      },
    ],
    certificateAuthorities: [
      {
        subject: { organization: 'sigstore.mock', commonName: 'sigstore' },
        uri: fulcioUrl,
        certChain: { certificates: [{ rawBytes: b64(bytes(ca.rootCertificate)) }] },
        validFor: { start: validFrom },
      },
    ],
    ctlogs: [
      {
        baseUrl: fulcioUrl,
        hashAlgorithm: 'SHA2_256',
        publicKey: { rawBytes: b64(ctKey), keyDetails: 'PKIX_ECDSA_P256_SHA_256', validFor: { start: validFrom } },
        logId: { keyId: b64(bytes(ctLog.logID)) },
      },
    ],
    timestampAuthorities: tsa
      ? [
          {
            subject: { organization: 'sigstore.mock', commonName: 'tsa' },
            uri: tsaUrl,
            // Signing certificate first, root last.
            certChain: { certificates: [{ rawBytes: b64(bytes(tsa.intCertificate)) }, { rawBytes: b64(bytes(tsa.rootCertificate)) }] },
            validFor: { start: validFrom },
          },
        ]
      : [],
  };

  // The mock's CA certificates start "now" (X.509 times are whole seconds), while Rekor's integrated
  // time is the current second rounded down: anything signed in the mock's first second could predate
  // its own CA. Waiting into the next second keeps every signature inside the chain's validity.
  await new Promise((resolve) => setTimeout(resolve, 1100 - (Date.now() % 1000)));

  return {
    fulcioUrl,
    rekorUrl,
    tsaUrl,
    trustedRoot,
    requests,
    failNext: (service, ...statuses) => faults[service].push(...statuses),
    close: async () => {
      await Promise.all(
        servers.map(
          (server) =>
            new Promise<void>((resolve) => {
              server.closeAllConnections();
              server.close(() => resolve());
            }),
        ),
      );
    },
  };
}
