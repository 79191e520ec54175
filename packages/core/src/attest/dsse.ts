/**
 * DSSE (https://github.com/secure-systems-lab/dsse/blob/master/protocol.md): a signature is over the
 * pre-authentication encoding of the payload type and payload, never the payload alone. Exported so an
 * independent verifier (openssl over the PAE bytes) can check what we wrote.
 */
import type { Bundle } from '@sigstore/bundle';
import { ShipshapeError } from '../errors';
import { IN_TOTO_PAYLOAD_TYPE } from '../signing/types';
import { parseStatement, type Statement } from './statement';

/** PAE(type, body) = "DSSEv1" SP LEN(type) SP type SP LEN(body) SP body, lengths as ASCII decimal byte counts. */
export function preAuthEncoding(payloadType: string, payload: Buffer): Buffer {
  const type = Buffer.from(payloadType, 'utf8');
  return Buffer.concat([Buffer.from(`DSSEv1 ${type.length} `, 'utf8'), type, Buffer.from(` ${payload.length} `, 'utf8'), payload]);
}

export interface DsseContent {
  payloadType: string;
  payload: Buffer;
  /** The signatures as stored (sigstore bundles hold exactly one). */
  signatures: { keyid: string; sig: Buffer }[];
}

/** The DSSE envelope inside a bundle; an 'input' error for a message-signature bundle. */
export function dsseContent(bundle: Bundle, where: string): DsseContent {
  if (bundle.content.$case !== 'dsseEnvelope') {
    throw new ShipshapeError('input', 'the bundle holds a message signature, not a DSSE envelope with an in-toto statement', { where });
  }
  const envelope = bundle.content.dsseEnvelope;
  return { payloadType: envelope.payloadType, payload: envelope.payload, signatures: envelope.signatures.map((s) => ({ keyid: s.keyid, sig: s.sig })) };
}

/** The in-toto statement a DSSE bundle carries (not yet verified: verify the bundle before trusting it). */
export function bundleStatement(bundle: Bundle, where: string): Statement {
  const { payloadType, payload } = dsseContent(bundle, where);
  if (payloadType !== IN_TOTO_PAYLOAD_TYPE) {
    throw new ShipshapeError('input', `the DSSE payload type is "${payloadType}", not ${IN_TOTO_PAYLOAD_TYPE}`, { where });
  }
  return parseStatement(payload, where);
}
