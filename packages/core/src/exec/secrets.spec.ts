import { isSecretEnvName, REDACTED, SecretRegistry, SECRET_ENV_VARS } from './secrets';

describe('SecretRegistry', () => {
  it('masks a secret wherever it appears in a line', () => {
    const registry = new SecretRegistry();
    registry.add('hunter2-password');
    expect(registry.redact('login with hunter2-password now')).toBe(`login with ${REDACTED} now`);
  });

  it('masks a secret inside JSON string escaping, including Go-style \\u escapes', () => {
    const registry = new SecretRegistry();
    const secret = 'p"a\\ss<&>word';
    registry.add(secret);
    const nodeJson = JSON.stringify({ password: secret });
    // Go's encoding/json (cosign, trivy) escapes <, > and & by default.
    const goJson = nodeJson.replace(/</g, '\\u003c').replace(/>/g, '\\u003e').replace(/&/g, '\\u0026');
    expect(registry.redact(nodeJson)).toBe(`{"password":"${REDACTED}"}`);
    expect(registry.redact(goJson)).toBe(`{"password":"${REDACTED}"}`);
  });

  it('masks the base64 form, alone and inside a docker config auth value at any alignment', () => {
    const registry = new SecretRegistry();
    const password = 's3cr3t-registry-pass';
    registry.add(password);
    expect(registry.redact(Buffer.from(password).toString('base64'))).not.toContain(
      Buffer.from(password).toString('base64').slice(0, 8),
    );
    for (const user of ['u', 'us', 'usr']) {
      // `auth` in ~/.docker/config.json is base64("user:password"): the password starts at byte 2, 3 or 4.
      const auth = Buffer.from(`${user}:${password}`).toString('base64');
      const redacted = registry.redact(`{"auths":{"r.example":{"auth":"${auth}"}}}`);
      const left = /"auth":"([^"]*)"/.exec(redacted)?.[1] ?? '';
      expect(left).toContain(REDACTED);
      // Only the user part and the boundary characters shared with it survive, never the password's body.
      expect(left.replace(REDACTED, '').length).toBeLessThanOrEqual(Math.ceil(((user.length + 1) * 4) / 3) + 3);
    }
  });

  it('masks URL-encoded forms', () => {
    const registry = new SecretRegistry();
    registry.add('a b/c?d=e');
    expect(registry.redact('https://x/?token=a%20b%2Fc%3Fd%3De')).toBe(`https://x/?token=${REDACTED}`);
  });

  it('masks each line of a multi-line PEM key, but not its armour lines', () => {
    const registry = new SecretRegistry();
    const body = ['MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQg', 'b3RoZXJzZWNyZXRrZXltYXRlcmlhbGhlcmUxMjM0NTY3ODkw'];
    const pem = `-----BEGIN PRIVATE KEY-----\n${body.join('\n')}\n-----END PRIVATE KEY-----\n`;
    registry.add(pem);
    expect(registry.redact(`key file:\n${pem}`)).toBe(`key file:\n${REDACTED}`);
    // Printed one line at a time (as a logger streaming tool output sees it), each body line is masked.
    const lines = pem.trimEnd().split('\n').map((line) => registry.redact(`  ${line}`));
    expect(lines).toEqual([`  -----BEGIN PRIVATE KEY-----`, `  ${REDACTED}`, `  ${REDACTED}`, `  -----END PRIVATE KEY-----`]);
  });

  it('masks the longest match first, so a secret containing another is masked whole', () => {
    const registry = new SecretRegistry();
    registry.add('abc123');
    registry.add('abc123-and-more');
    expect(registry.redact('x abc123-and-more y abc123 z')).toBe(`x ${REDACTED} y ${REDACTED} z`);
  });

  it('treats regular-expression characters in a secret literally', () => {
    const registry = new SecretRegistry();
    registry.add('a.b*c');
    expect(registry.redact('a.b*c aXbbc')).toBe(`${REDACTED} aXbbc`);
  });

  it('ignores empty and very short values, which would mask ordinary text', () => {
    const registry = new SecretRegistry();
    registry.add('');
    registry.add(undefined);
    registry.add('ab');
    expect(registry.redact('ab abc')).toBe('ab abc');
  });

  it('registers the values of the known secret variables found in an env object, and only those', () => {
    const registry = new SecretRegistry();
    registry.addFromEnv({
      COSIGN_PASSWORD: 'cosign-pass-value',
      SIGSTORE_ID_TOKEN: 'eyJhbGciOiJSUzI1NiJ9.payload.sig',
      DEFECTDOJO_API_KEY: 'dd-api-key-value',
      HOME: '/home/builder',
    });
    const text = 'cosign-pass-value eyJhbGciOiJSUzI1NiJ9.payload.sig dd-api-key-value /home/builder';
    expect(registry.redact(text)).toBe(`${REDACTED} ${REDACTED} ${REDACTED} /home/builder`);
    expect(SECRET_ENV_VARS).toEqual(expect.arrayContaining(['COSIGN_PASSWORD', 'ACTIONS_ID_TOKEN_REQUEST_TOKEN', 'CIRCLE_OIDC_TOKEN_V2']));
  });

  it('deep-redacts JSON-like values', () => {
    const registry = new SecretRegistry();
    registry.add('topsecret');
    expect(registry.redactValue({ a: ['x topsecret', 1, null], b: { c: 'topsecret' } })).toEqual({
      a: [`x ${REDACTED}`, 1, null],
      b: { c: REDACTED },
    });
  });

  it('recognises secret-looking variable names, but not URLs or file paths to them', () => {
    expect(isSecretEnvName('COSIGN_PASSWORD')).toBe(true);
    expect(isSecretEnvName('TRIVY_REGISTRY_TOKEN')).toBe(true);
    expect(isSecretEnvName('AWS_SECRET_ACCESS_KEY')).toBe(true);
    expect(isSecretEnvName('ACTIONS_ID_TOKEN_REQUEST_URL')).toBe(false);
    expect(isSecretEnvName('HOME')).toBe(false);
  });
});
