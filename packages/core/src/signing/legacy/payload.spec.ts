/**
 * The simple-signing payload must be byte for byte what cosign signs: the expected strings below are
 * the test vectors of cosign (pkg/cosign/obsolete_test.go) and sigstore (pkg/signature/payload/payload_test.go).
 */
import { goJson, goMap } from './go-json';
import { COSIGN_SIGNATURE_TYPE, parseSimpleSigningPayload, payloadMismatch, simpleSigningPayload } from './payload';

const D34DB33F = `sha256:${'d34db33f'.repeat(8)}`;

describe('simple-signing payload', () => {
  it('matches sigstore\'s "no claims" vector', () => {
    expect(simpleSigningPayload('example.com/test/image', D34DB33F).toString()).toBe(
      '{"critical":{"identity":{"docker-reference":"example.com/test/image"},"image":{"docker-manifest-digest":"sha256:d34db33fd34db33fd34db33fd34db33fd34db33fd34db33fd34db33fd34db33f"},"type":"cosign container image signature"},"optional":null}',
    );
  });

  it("names Docker Hub index.docker.io, as cosign's vector does", () => {
    const digest = 'sha256:4aa3054270f7a70b4528f2064ee90961788e1e1518703592ae4463de3b889dec';
    expect(simpleSigningPayload('docker.io/namespace/image', digest).toString()).toBe(
      '{"critical":{"identity":{"docker-reference":"index.docker.io/namespace/image"},"image":{"docker-manifest-digest":"sha256:4aa3054270f7a70b4528f2064ee90961788e1e1518703592ae4463de3b889dec"},"type":"cosign container image signature"},"optional":null}',
    );
  });

  it('writes annotations as a sorted map in `optional` (sigstore\'s "arbitrary claims" vector, via the same encoder)', () => {
    const optional = goMap({ creator: 'anyone', some_struct: goMap({ foo: 'bar', false: true, nothing: null }), 'CamelCase WithSpace': 8.314 });
    expect(goJson({ optional })).toBe('{"optional":{"CamelCase WithSpace":8.314,"creator":"anyone","some_struct":{"false":true,"foo":"bar","nothing":null}}}');
    const payload = simpleSigningPayload('example.com/atomic/test/image', D34DB33F, { timestamp: '1458239713', creator: 'atomic' }).toString();
    expect(payload.endsWith('"optional":{"creator":"atomic","timestamp":"1458239713"}}')).toBe(true);
  });

  it("escapes like Go's encoding/json (HTML-safe, \\u0008 and \\u000c)", () => {
    expect(goJson({ v: '<a href="x">&\b\f\n\u2028' })).toBe('{"v":"\\u003ca href=\\"x\\"\\u003e\\u0026\\u0008\\u000c\\n\\u2028"}');
  });

  it('reads back what it writes, and checks the claim against the image digest', () => {
    const parsed = parseSimpleSigningPayload(simpleSigningPayload('127.0.0.1:5000/team/app', D34DB33F, { env: 'prod' }), 'test');
    expect(parsed).toEqual({ dockerReference: '127.0.0.1:5000/team/app', digest: D34DB33F, type: COSIGN_SIGNATURE_TYPE, optional: { env: 'prod' } });
    expect(payloadMismatch(parsed, D34DB33F)).toBeUndefined();
    expect(payloadMismatch(parsed, `sha256:${'0'.repeat(64)}`)).toMatch(/covers sha256:d34db33f.*not this image/);
    expect(payloadMismatch({ ...parsed, type: 'atomic container signature' }, D34DB33F)).toMatch(/type "atomic container signature"/);
  });

  it('rejects a payload that is not a simple-signing document, saying which field is wrong', () => {
    expect(() => parseSimpleSigningPayload(Buffer.from('{"critical":{"identity":{}}}'), 'layer')).toThrow(/critical\.identity\.docker-reference/);
    expect(() => parseSimpleSigningPayload(Buffer.from('not json'), 'layer')).toThrow(/not JSON/);
  });
});
