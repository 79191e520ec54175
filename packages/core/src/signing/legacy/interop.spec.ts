/**
 * Signatures made by cosign itself (v1, 2021), as published in sigstore-rs's tests
 * (src/cosign/signature_layers.rs): a key-based one and a keyless one with its Rekor bundle annotation.
 * They pin our payload bytes to what cosign really signed, show that a cosign `.sig` layer verifies
 * through our reader and the shared verifier, and that our reading of cosign's RekorBundle annotation
 * keeps the entry exactly (its signed entry timestamp verifies with the public-good Rekor key).
 */
import { createHash, createPublicKey, verify, X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { json } from '@sigstore/core';
import { OciLayoutStore } from '../../oci/layout/store';
import { fixturesDir } from '../../test-support/test-env';
import { SIMPLE_SIGNING_MEDIA_TYPE } from '../types';
import { BUNDLE_ANNOTATION, CERTIFICATE_ANNOTATION, materialFromAnnotations, SIGNATURE_ANNOTATION } from './annotations';
import { simpleSigningPayload } from './payload';
import { appendSignatureLayer, signatureLayer } from './signature-image';
import { verifyLegacySignatures } from './verify';

const KEY_SIGNED = {
  repository: 'registry-testing.svc.lan/busybox',
  digest: 'sha256:f3cfc9d0dbf931d3db4685ec659b7ac68e2a578219da4aae65427886e649b06b',
  signature: 'MEUCIQD6q/COgzOyW0YH1Dk+CCYSt4uAhm3FDHUwvPI55zwnlwIgE0ZK58ZOWpZw8YVmBapJhBqCfdPekIknimuO0xH8Jh8=',
  publicKey: `-----BEGIN PUBLIC KEY-----
MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAENptdY/l3nB0yqkXLBWkZWQwo6+cu
OSWS1X9vPavpiQOoTTGC0xX57OojUadxF1cdQmrsiReWg2Wn4FneJfa8xw==
-----END PUBLIC KEY-----`,
};

const KEYLESS = {
  repository: 'registry-testing.svc.lan/kubewarden/disallow-service-nodeport',
  digest: 'sha256:5f481572d088dc4023afb35fced9530ced3d9b03bf7299c6f492163cb9f0452e',
  signature: 'MEUCIGqWScz7s9aP2sGXNFKeqivw3B6kPRs56AITIHnvd5igAiEA1kzbaV2Y5yPE81EN92NUFOl31LLJSvwsjFQ07m2XqaA=',
  certificate: `-----BEGIN CERTIFICATE-----
MIICdzCCAfygAwIBAgITA+PsaKjaEZqn7IY94b1e/jJnizAKBggqhkjOPQQDAzAq
MRUwEwYDVQQKEwxzaWdzdG9yZS5kZXYxETAPBgNVBAMTCHNpZ3N0b3JlMB4XDTIx
MTAyMDA3MjUxNloXDTIxMTAyMDA3NDUxNVowADBZMBMGByqGSM49AgEGCCqGSM49
AwEHA0IABINewQBS1f4AmNIENdL+U/HJotMSM7ZNnkTnYefxwV9TErpvnAZ0+DzL
yfAAVaeJtKjFvbOTb8F1yhJFU0XY+RijggEpMIIBJTAOBgNVHQ8BAf8EBAMCB4Aw
EwYDVR0lBAwwCgYIKwYBBQUHAwMwDAYDVR0TAQH/BAIwADAdBgNVHQ4EFgQUMf1R
MMsqNFBrWbx8mRNdxOkEEYswHwYDVR0jBBgwFoAUyMUdAEGaJCkyUSTrDa5K7UoG
0+wwgY0GCCsGAQUFBwEBBIGAMH4wfAYIKwYBBQUHMAKGcGh0dHA6Ly9wcml2YXRl
Y2EtY29udGVudC02MDNmZTdlNy0wMDAwLTIyMjctYmY3NS1mNGY1ZTgwZDI5NTQu
c3RvcmFnZS5nb29nbGVhcGlzLmNvbS9jYTM2YTFlOTYyNDJiOWZjYjE0Ni9jYS5j
cnQwIAYDVR0RAQH/BBYwFIESZmxhdmlvQGNhc3RlbGxpLm1lMAoGCCqGSM49BAMD
A2kAMGYCMQC3Y2ulPTsPmNS4czaKeje0BnOQHz5e6NBX0Bqx9Xca+t2kOi17sopc
/v/xH1xLuPoCMQDKND4WjHfKqXXOeUvZ9A96DqrEwGaqGMtnIuN4JzZYaULZrx9g
oXqqo/C9QnOHTto=
-----END CERTIFICATE-----
`,
  bundle: JSON.stringify({
    SignedEntryTimestamp: 'MEUCIDBGJijj2FqU25yRWzlEWHqE64XKwUvychBs1bSM1PaKAiEAwcR2u81c42TLBk3lWJqhtB7SnM7Lh0OYEl6Bfa7ZA4s=',
    Payload: {
      body:
        'eyJhcGlWZXJzaW9uIjoiMC4wLjEiLCJraW5kIjoicmVrb3JkIiwic3BlYyI6eyJkYXRhIjp7Imhhc2giOnsiYWxnb3JpdGhtIjoic2hhMjU2IiwidmFsdWUiOiJlNzgwMWRlOTM1NTEyZTIyYjIzN2M3YjU3ZTQyY2E0ZDIwZTIxMzRiZGYxYjk4Zjk3NmM4ZjU1ZDljZmU0MDY3In19LCJzaWduYXR1cmUiOnsiY29udGVudCI6Ik1FVUNJR3FXU2N6N3M5YVAyc0dYTkZLZXFpdnczQjZrUFJzNTZBSVRJSG52ZDVpZ0FpRUExa3piYVYyWTV5UEU4MUVOOTJOVUZPbDMxTExKU3Z3c2pGUTA3bTJYcWFBPSIsImZvcm1hdCI6Ing1MDkiLCJwdWJsaWNLZXkiOnsiY29udGVudCI6IkxTMHRMUzFDUlVkSlRpQkRSVkpVU1VaSlEwRlVSUzB0TFMwdENrMUpTVU5rZWtORFFXWjVaMEYzU1VKQlowbFVRU3RRYzJGTGFtRkZXbkZ1TjBsWk9UUmlNV1V2YWtwdWFYcEJTMEpuWjNGb2EycFBVRkZSUkVGNlFYRUtUVkpWZDBWM1dVUldVVkZMUlhkNGVtRlhaSHBrUnpsNVdsTTFhMXBZV1hoRlZFRlFRbWRPVmtKQlRWUkRTRTV3V2pOT01HSXpTbXhOUWpSWVJGUkplQXBOVkVGNVRVUkJNMDFxVlhoT2JHOVlSRlJKZUUxVVFYbE5SRUV6VGtSVmVFNVdiM2RCUkVKYVRVSk5SMEo1Y1VkVFRUUTVRV2RGUjBORGNVZFRUVFE1Q2tGM1JVaEJNRWxCUWtsT1pYZFJRbE14WmpSQmJVNUpSVTVrVEN0VkwwaEtiM1JOVTAwM1drNXVhMVJ1V1dWbWVIZFdPVlJGY25CMmJrRmFNQ3RFZWt3S2VXWkJRVlpoWlVwMFMycEdkbUpQVkdJNFJqRjVhRXBHVlRCWVdTdFNhV3BuWjBWd1RVbEpRa3BVUVU5Q1owNVdTRkU0UWtGbU9FVkNRVTFEUWpSQmR3cEZkMWxFVmxJd2JFSkJkM2REWjFsSlMzZFpRa0pSVlVoQmQwMTNSRUZaUkZaU01GUkJVVWd2UWtGSmQwRkVRV1JDWjA1V1NGRTBSVVpuVVZWTlpqRlNDazFOYzNGT1JrSnlWMko0T0cxU1RtUjRUMnRGUlZsemQwaDNXVVJXVWpCcVFrSm5kMFp2UVZWNVRWVmtRVVZIWVVwRGEzbFZVMVJ5UkdFMVN6ZFZiMGNLTUN0M2QyZFpNRWREUTNOSFFWRlZSa0ozUlVKQ1NVZEJUVWcwZDJaQldVbExkMWxDUWxGVlNFMUJTMGRqUjJnd1pFaEJOa3g1T1hkamJXd3lXVmhTYkFwWk1rVjBXVEk1ZFdSSFZuVmtRekF5VFVST2JWcFVaR3hPZVRCM1RVUkJkMHhVU1hsTmFtTjBXVzFaTTA1VE1XMU9SMWt4V2xSbmQxcEVTVFZPVkZGMUNtTXpVblpqYlVadVdsTTFibUl5T1c1aVIxWm9ZMGRzZWt4dFRuWmlVemxxV1ZSTk1sbFVSbXhQVkZsNVRrUkthVTlYV21wWmFrVXdUbWs1YWxsVE5Xb0tZMjVSZDBsQldVUldVakJTUVZGSUwwSkNXWGRHU1VWVFdtMTRhR1J0YkhaUlIwNW9Zek5TYkdKSGVIQk1iVEZzVFVGdlIwTkRjVWRUVFRRNVFrRk5SQXBCTW10QlRVZFpRMDFSUXpOWk1uVnNVRlJ6VUcxT1V6UmplbUZMWldwbE1FSnVUMUZJZWpWbE5rNUNXREJDY1hnNVdHTmhLM1F5YTA5cE1UZHpiM0JqQ2k5MkwzaElNWGhNZFZCdlEwMVJSRXRPUkRSWGFraG1TM0ZZV0U5bFZYWmFPVUU1TmtSeGNrVjNSMkZ4UjAxMGJrbDFUalJLZWxwWllWVk1Xbko0T1djS2IxaHhjVzh2UXpsUmJrOUlWSFJ2UFFvdExTMHRMVVZPUkNCRFJWSlVTVVpKUTBGVVJTMHRMUzB0Q2c9PSJ9fX19',
      integratedTime: 1634714717,
      logIndex: 783607,
      logID: 'c0d23d6ad406973f9559f3ba2d1ca01f84147d8ffc5b8445c224f98b9591801d',
    },
  }),
};

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

describe("cosign's own legacy signatures", () => {
  it('a key-based cosign signature verifies over the payload we write for the same image', () => {
    const payload = simpleSigningPayload(KEY_SIGNED.repository, KEY_SIGNED.digest);
    expect(verify('sha256', payload, KEY_SIGNED.publicKey, Buffer.from(KEY_SIGNED.signature, 'base64'))).toBe(true);
  });

  it('the payload hash in a keyless signature\'s Rekor entry is the hash of the payload we write', () => {
    const payload = simpleSigningPayload(KEYLESS.repository, KEYLESS.digest);
    const [entry] = materialFromAnnotations({ [BUNDLE_ANNOTATION]: KEYLESS.bundle }, 'cosign v1').tlogEntries;
    const body = JSON.parse(entry?.canonicalizedBody.toString() ?? '{}') as { spec: { data: { hash: { value: string } } } };
    expect(body.spec.data.hash.value).toBe(createHash('sha256').update(payload).digest('hex'));
    const certificateKey = new X509Certificate(KEYLESS.certificate).publicKey;
    expect(verify('sha256', payload, certificateKey, Buffer.from(KEYLESS.signature, 'base64'))).toBe(true);
  });

  it("reads cosign's RekorBundle annotation into a log entry whose signed entry timestamp verifies with the public-good Rekor key", () => {
    const material = materialFromAnnotations({ [SIGNATURE_ANNOTATION]: KEYLESS.signature, [CERTIFICATE_ANNOTATION]: KEYLESS.certificate, [BUNDLE_ANNOTATION]: KEYLESS.bundle }, 'cosign v1');
    const entry = material.tlogEntries[0];
    if (!entry?.inclusionPromise) throw new Error('no entry');
    expect(entry).toMatchObject({ logIndex: '783607', integratedTime: '1634714717', kindVersion: { kind: 'rekord', version: '0.0.1' } });
    expect(material.content).toEqual({ $case: 'x509CertificateChain', x509CertificateChain: { certificates: [{ rawBytes: new X509Certificate(KEYLESS.certificate).raw }] } });

    const root = JSON.parse(readFileSync(join(fixturesDir(), 'sigstore', 'trusted_root_pgi.json'), 'utf8')) as { tlogs: { logId: { keyId: string }; publicKey: { rawBytes: string } }[] };
    const rekor = root.tlogs.find((t) => Buffer.from(t.logId.keyId, 'base64').equals(entry.logId.keyId));
    if (!rekor) throw new Error('the public-good trusted root has no log with this ID');
    // What Rekor signed: the canonical JSON of the entry's body, time, index and log ID.
    const signed = json.canonicalize({ body: entry.canonicalizedBody.toString('base64'), integratedTime: Number(entry.integratedTime), logIndex: Number(entry.logIndex), logID: entry.logId.keyId.toString('hex') });
    const rekorKey = createPublicKey({ key: Buffer.from(rekor.publicKey.rawBytes, 'base64'), format: 'der', type: 'spki' });
    expect(verify('sha256', Buffer.from(signed), rekorKey, entry.inclusionPromise.signedEntryTimestamp)).toBe(true);
  });

  it('a `.sig` layer holding the key-based cosign signature verifies through our reader and the shared verifier', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'shipshape-cosign-interop-'));
    dirs.push(dir);
    const store = new OciLayoutStore(dir);
    const blob = await store.putBlob(simpleSigningPayload(KEY_SIGNED.repository, KEY_SIGNED.digest), SIMPLE_SIGNING_MEDIA_TYPE);
    await appendSignatureLayer({ store, imageDigest: KEY_SIGNED.digest, kind: 'sig', layer: signatureLayer(blob, { [SIGNATURE_ANNOTATION]: KEY_SIGNED.signature }) });

    const result = await verifyLegacySignatures(store, KEY_SIGNED.digest, { kind: 'key', publicKeys: [createPublicKey(KEY_SIGNED.publicKey)] });
    expect(result).toEqual({ verified: [expect.objectContaining({ digest: KEY_SIGNED.digest, signedReference: KEY_SIGNED.repository, signer: { kind: 'key' } })], rejected: [] });
  });
});
