/**
 * Verifying a signature when only the artifact's digest is known (`verify-bundle sha256:HEX`, the
 * sigstore-conformance protocol's digest input). A message-signature bundle signs the artifact with
 * ECDSA or RSA PKCS#1 v1.5, and both sign the digest, so the digest is enough — but Node's crypto
 * always hashes what it verifies and has no "prehashed" mode. So:
 *   - RSA PKCS#1 v1.5: the public-key operation (publicDecrypt, which checks the type-1 padding) yields
 *     the DigestInfo; it must equal exactly the DigestInfo of the expected digest.
 *   - ECDSA (P-256, P-384, P-521): the standard verification equation (SEC 1 v2 §4.1.4) over the digest,
 *     in BigInt. Only public values are involved, so constant time does not matter here.
 * Ed25519 signs the message itself, so it cannot be checked from a digest (sigstore-python refuses too).
 */
import { constants, publicDecrypt, type KeyObject } from 'node:crypto';

export type PrehashAlgorithm = 'sha256' | 'sha384' | 'sha512';

/** DER prefixes of DigestInfo for each hash (RFC 8017 §9.2 note 1). */
const DIGEST_INFO_PREFIX: Record<PrehashAlgorithm, string> = {
  sha256: '3031300d060960864801650304020105000420',
  sha384: '3041300d060960864801650304020205000430',
  sha512: '3051300d060960864801650304020305000440',
};

interface Curve {
  p: bigint;
  a: bigint;
  n: bigint;
  gx: bigint;
  gy: bigint;
}

// NIST curves (FIPS 186-4 D.1.2), a = p - 3.
const CURVES: Record<string, Curve> = {
  'P-256': {
    p: 0xffffffff00000001000000000000000000000000ffffffffffffffffffffffffn,
    a: 0xffffffff00000001000000000000000000000000fffffffffffffffffffffffcn,
    n: 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n,
    gx: 0x6b17d1f2e12c4247f8bce6e563a440f277037d812deb33a0f4a13945d898c296n,
    gy: 0x4fe342e2fe1a7f9b8ee7eb4a7c0f9e162bce33576b315ececbb6406837bf51f5n,
  },
  'P-384': {
    p: 0xfffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffeffffffff0000000000000000ffffffffn,
    a: 0xfffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffeffffffff0000000000000000fffffffcn,
    n: 0xffffffffffffffffffffffffffffffffffffffffffffffffc7634d81f4372ddf581a0db248b0a77aecec196accc52973n,
    gx: 0xaa87ca22be8b05378eb1c71ef320ad746e1d3b628ba79b9859f741e082542a385502f25dbf55296c3a545e3872760ab7n,
    gy: 0x3617de4a96262c6f5d9e98bf9292dc29f8f41dbd289a147ce9da3113b5f0b8c00a60b1ce1d7e819d7a431d7c90ea0e5fn,
  },
  'P-521': {
    p: (1n << 521n) - 1n,
    a: (1n << 521n) - 4n,
    n: 0x01fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffa51868783bf2f966b7fcc0148f709a5d03bb5c9b8899c47aebb6fb71e91386409n,
    gx: 0x00c6858e06b70404e9cd9e3ecb662395b4429c648139053fb521f828af606b4d3dbaa14b5e77efe75928fe1dc127a2ffa8de3348b3c1856a429bf97e7e31c2e5bd66n,
    gy: 0x011839296a789a3bc0045c8a5fb42c7d1bd998f54449579b446817afbd17273e662c97ee72995ef42640c550b9013fad0761353c7086a272c24088be94769fd16650n,
  },
};

/** Whether `signature` by `key` is valid for an artifact whose `algorithm` digest is `digest`. */
export function verifyPrehashed(key: KeyObject, digest: Buffer, signature: Buffer, algorithm: PrehashAlgorithm): boolean {
  switch (key.asymmetricKeyType) {
    case 'rsa':
      return verifyRsaPkcs1(key, digest, signature, algorithm);
    case 'ec':
      return verifyEcdsa(key, digest, signature);
    default:
      return false;
  }
}

/** Why a key cannot be checked against a digest, or undefined when it can. */
export function prehashUnsupportedReason(key: KeyObject): string | undefined {
  if (key.asymmetricKeyType === 'rsa') return undefined;
  if (key.asymmetricKeyType === 'ec') {
    const crv = key.export({ format: 'jwk' }).crv;
    return crv && CURVES[crv] ? undefined : `elliptic curve ${crv ?? '(unknown)'} is not supported`;
  }
  return `a ${key.asymmetricKeyType ?? 'unknown'} key signs the artifact itself, so it cannot be verified from a digest; pass the file instead`;
}

function verifyRsaPkcs1(key: KeyObject, digest: Buffer, signature: Buffer, algorithm: PrehashAlgorithm): boolean {
  let recovered: Buffer;
  try {
    recovered = publicDecrypt({ key, padding: constants.RSA_PKCS1_PADDING }, signature);
  } catch {
    return false;
  }
  const expected = Buffer.concat([Buffer.from(DIGEST_INFO_PREFIX[algorithm], 'hex'), digest]);
  return recovered.length === expected.length && recovered.equals(expected);
}

function verifyEcdsa(key: KeyObject, digest: Buffer, signature: Buffer): boolean {
  const jwk = key.export({ format: 'jwk' });
  const curve = jwk.crv ? CURVES[jwk.crv] : undefined;
  if (!curve || !jwk.x || !jwk.y) return false;
  const rs = parseDerSignature(signature);
  if (!rs) return false;
  const { r, s } = rs;
  const { n } = curve;
  if (r <= 0n || r >= n || s <= 0n || s >= n) return false;
  const e = digestToInteger(digest, n);
  const w = modInverse(s, n);
  const u1 = (e * w) % n;
  const u2 = (r * w) % n;
  const q = { x: toBigInt(Buffer.from(jwk.x, 'base64url')), y: toBigInt(Buffer.from(jwk.y, 'base64url')) };
  const point = toAffine(curve, linearCombination(curve, u1, { x: curve.gx, y: curve.gy }, u2, q));
  if (point === null) return false;
  return point.x % n === r;
}

/** The leftmost bitlen(n) bits of the digest, as ECDSA defines it. */
function digestToInteger(digest: Buffer, n: bigint): bigint {
  const nBits = n.toString(2).length;
  const e = toBigInt(digest);
  const excess = digest.length * 8 - nBits;
  return excess > 0 ? e >> BigInt(excess) : e;
}

/** ECDSA-Sig-Value ::= SEQUENCE { r INTEGER, s INTEGER }, strict DER; undefined when malformed. */
function parseDerSignature(der: Buffer): { r: bigint; s: bigint } | undefined {
  let offset = 0;
  const readLength = (): number | undefined => {
    if (offset >= der.length) return undefined;
    const first = der[offset++]!;
    if (first < 0x80) return first;
    const count = first & 0x7f;
    if (count === 0 || count > 2 || offset + count > der.length) return undefined;
    let length = 0;
    for (let i = 0; i < count; i++) length = (length << 8) | der[offset++]!;
    return length < 0x80 ? undefined : length;
  };
  const readInteger = (): bigint | undefined => {
    if (der[offset++] !== 0x02) return undefined;
    const length = readLength();
    if (length === undefined || length === 0 || offset + length > der.length) return undefined;
    const bytes = der.subarray(offset, offset + length);
    offset += length;
    if (bytes[0]! & 0x80) return undefined; // negative
    if (bytes.length > 1 && bytes[0] === 0 && !(bytes[1]! & 0x80)) return undefined; // non-minimal
    return toBigInt(bytes);
  };
  if (der[offset++] !== 0x30) return undefined;
  const total = readLength();
  if (total === undefined || offset + total !== der.length) return undefined;
  const r = readInteger();
  const s = readInteger();
  if (r === undefined || s === undefined || offset !== der.length) return undefined;
  return { r, s };
}

/** Jacobian coordinates (x = X/Z², y = Y/Z³): one inversion at the end instead of one per step. */
type Jacobian = { x: bigint; y: bigint; z: bigint } | null;

/** u1·P + u2·Q with one shared run of doublings (Shamir's trick). */
function linearCombination(curve: Curve, u1: bigint, p: { x: bigint; y: bigint }, u2: bigint, q: { x: bigint; y: bigint }): Jacobian {
  const P: Jacobian = { ...p, z: 1n };
  const Q: Jacobian = { ...q, z: 1n };
  const PQ = add(curve, P, Q);
  let result: Jacobian = null;
  const bits = Math.max(u1.toString(2).length, u2.toString(2).length);
  for (let i = bits - 1; i >= 0; i--) {
    result = double(curve, result);
    const b1 = (u1 >> BigInt(i)) & 1n;
    const b2 = (u2 >> BigInt(i)) & 1n;
    if (b1 && b2) result = add(curve, result, PQ);
    else if (b1) result = add(curve, result, P);
    else if (b2) result = add(curve, result, Q);
  }
  return result;
}

function double(curve: Curve, point: Jacobian): Jacobian {
  if (point === null || point.y === 0n) return null;
  const { p, a } = curve;
  const { x, y, z } = point;
  const y2 = mod(y * y, p);
  const s = mod(4n * x * y2, p);
  const z2 = mod(z * z, p);
  const m = mod(3n * x * x + a * z2 * z2, p);
  const x3 = mod(m * m - 2n * s, p);
  const y3 = mod(m * (s - x3) - 8n * y2 * y2, p);
  return { x: x3, y: y3, z: mod(2n * y * z, p) };
}

function add(curve: Curve, p1: Jacobian, p2: Jacobian): Jacobian {
  if (p1 === null) return p2;
  if (p2 === null) return p1;
  const { p } = curve;
  const z1z1 = mod(p1.z * p1.z, p);
  const z2z2 = mod(p2.z * p2.z, p);
  const u1 = mod(p1.x * z2z2, p);
  const u2 = mod(p2.x * z1z1, p);
  const s1 = mod(p1.y * z2z2 * p2.z, p);
  const s2 = mod(p2.y * z1z1 * p1.z, p);
  if (u1 === u2) return s1 === s2 ? double(curve, p1) : null;
  const h = mod(u2 - u1, p);
  const r = mod(s2 - s1, p);
  const h2 = mod(h * h, p);
  const h3 = mod(h2 * h, p);
  const u1h2 = mod(u1 * h2, p);
  const x3 = mod(r * r - h3 - 2n * u1h2, p);
  const y3 = mod(r * (u1h2 - x3) - s1 * h3, p);
  return { x: x3, y: y3, z: mod(h * p1.z * p2.z, p) };
}

function toAffine(curve: Curve, point: Jacobian): { x: bigint; y: bigint } | null {
  if (point === null || point.z === 0n) return null;
  const zInv = modInverse(point.z, curve.p);
  const zInv2 = mod(zInv * zInv, curve.p);
  return { x: mod(point.x * zInv2, curve.p), y: mod(point.y * zInv2 * zInv, curve.p) };
}

function mod(a: bigint, m: bigint): bigint {
  const r = a % m;
  return r < 0n ? r + m : r;
}

function modInverse(a: bigint, m: bigint): bigint {
  let [oldR, r] = [mod(a, m), m];
  let [oldS, s] = [1n, 0n];
  while (r !== 0n) {
    const q = oldR / r;
    [oldR, r] = [r, oldR - q * r];
    [oldS, s] = [s, oldS - q * s];
  }
  return mod(oldS, m);
}

function toBigInt(bytes: Buffer): bigint {
  return bytes.length === 0 ? 0n : BigInt(`0x${bytes.toString('hex')}`);
}
