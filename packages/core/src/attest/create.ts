/**
 * Signing an in-toto statement into a Sigstore bundle (v0.3, DSSE) through @sigstore/sign: the same
 * path for a key and for keyless (Fulcio certificate, Rekor entry, TSA timestamp — whatever the
 * setup's signer and witnesses provide).
 */
import type { Bundle } from '@sigstore/bundle';
import { ShipshapeError } from '../errors';
import { loadSigstoreSign } from '../signing/lazy-sigstore';
import type { SigningSetup } from '../signing/types';
import { IN_TOTO_PAYLOAD_TYPE } from '../signing/types';
import type { Statement } from './statement';

/** The exact bytes signed: compact JSON, as cosign's protojson and sigstore-js write statements. */
export function statementPayload(statement: Statement): Buffer {
  return Buffer.from(JSON.stringify(statement), 'utf8');
}

export async function createAttestationBundle(setup: SigningSetup, statement: Statement): Promise<Bundle> {
  const { DSSEBundleBuilder } = await loadSigstoreSign();
  const builder = new DSSEBundleBuilder({ signer: setup.signer, witnesses: setup.witnesses });
  try {
    return await builder.create({ data: statementPayload(statement), type: IN_TOTO_PAYLOAD_TYPE });
  } catch (error) {
    if (error instanceof ShipshapeError) throw error;
    // sigstore-js errors carry a code and a message fit for users (e.g. Fulcio or Rekor unreachable).
    const e = error as { message?: string; code?: string; cause?: { message?: string } };
    const cause = e.cause?.message ? ` (${e.cause.message})` : '';
    throw new ShipshapeError('tool', `signing with ${setup.description} failed: ${e.message ?? String(error)}${cause}`, { cause: error });
  }
}
