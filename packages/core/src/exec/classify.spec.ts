import { classifyOutcome, looksLikeNetworkError, ToolError } from './classify';

const never = () => false;

describe('failure classification', () => {
  it.each([
    'Error: GET https://index.docker.io/v2/: dial tcp 127.0.0.1:1: connect: connection refused',
    'FATAL\tinit error: DB error: failed to download vulnerability DB: Get "https://ghcr.io/v2/": dial tcp: lookup ghcr.io on 10.0.0.2:53: no such host',
    'error: Get "https://rekor.sigstore.dev/api/v1/log": net/http: TLS handshake timeout',
    'failed to load image: read tcp 10.1.2.3:51234->104.18.1.1:443: read: connection reset by peer',
    'Get "https://registry.example/v2/": dial tcp 10.0.0.9:443: i/o timeout',
    'GET https://registry.example/v2/app/manifests/1.0: unexpected status code 503 Service Unavailable',
    'GET https://ghcr.io/token: TOOMANYREQUESTS: retry-after: 1.2s, allowed: 44000/minute',
    'failed to fetch: unexpected status code 429 Too Many Requests',
    'received unexpected HTTP status: 502 Bad Gateway',
    'Error: getaddrinfo EAI_AGAIN registry.example',
  ])('recognises a network error: %s', (stderr) => {
    expect(looksLikeNetworkError(`some progress line\n${stderr}\n`)).toBe(true);
  });

  it.each([
    'Error: signing [registry.example/app@sha256:abc]: getting signer: reading key: decrypt: encrypted: decryption failed',
    'FATAL\timage scan error: scan error: unable to initialize a scanner: unable to find the specified image "app:1.0"',
    'discovered vulnerabilities at or above the severity threshold',
    'CVE-2021-0503: use after free',
  ])('does not mistake other failures for network errors: %s', (stderr) => {
    expect(looksLikeNetworkError(stderr)).toBe(false);
  });

  it('judges by the end of stderr, where the final error is', () => {
    const recovered = ['dial tcp 1.2.3.4:443: connection refused, retrying', ...Array.from({ length: 25 }, (_, i) => `step ${i}`), 'Error: no such image'];
    expect(looksLikeNetworkError(recovered.join('\n'))).toBe(false);
  });

  it('classifies outcomes', () => {
    const base = { timedOut: false, cancelled: false, stderr: '' };
    expect(classifyOutcome({ ...base, exitCode: 0 }, never)).toBeUndefined();
    expect(classifyOutcome({ ...base, exitCode: 3, stderr: 'boom' }, never)).toBe('exit-status');
    expect(classifyOutcome({ ...base, exitCode: 1, stderr: 'dial tcp: connection refused' }, never)).toBe('network');
    expect(classifyOutcome({ ...base, exitCode: 2 }, (code) => code === 2)).toBeUndefined();
    expect(classifyOutcome({ ...base, timedOut: true, signal: 'SIGTERM' }, never)).toBe('timed-out');
    expect(classifyOutcome({ ...base, cancelled: true, signal: 'SIGTERM' }, never)).toBe('cancelled');
    expect(classifyOutcome({ ...base, signal: 'SIGKILL' }, never)).toBe('killed');
    expect(classifyOutcome({ ...base, spawnErrorCode: 'ENOENT' }, never)).toBe('not-installed');
  });

  it('makes network failures kind "network" and the rest kind "tool", naming tool, class, status and stderr', () => {
    const network = new ToolError({ tool: 'grype', failure: 'network', exitCode: 1, attempts: 4, stderrTail: ['dial tcp: connection refused'] });
    expect(network.kind).toBe('network');
    expect(network.message).toBe('grype failed with a network error (exit status 1, after 4 attempts)\n  | dial tcp: connection refused');
    const failed = new ToolError({ tool: 'trivy', failure: 'exit-status', exitCode: 3, stderrTail: ['a', 'b'] });
    expect(failed.kind).toBe('tool');
    expect(failed.message).toBe('trivy failed (exit status 3)\n  | a\n  | b');
    expect(new ToolError({ tool: 'cosign', failure: 'timed-out', timeoutMs: 90_000 }).message).toBe('cosign timed out after 1.5m');
  });
});
