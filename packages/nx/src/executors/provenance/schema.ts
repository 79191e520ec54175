import type { StepOptions } from '../../lib/step';

export interface ProvenanceExecutorOptions extends StepOptions {
  /** Attach the signed provenance to the image; overrides provenance.attach. */
  attach?: boolean;
  /** Signing for the attestation (as image-sign): overrides signing.key / keyless / format. */
  key?: string;
  keyless?: boolean;
  signatureFormat?: 'bundle' | 'legacy' | 'both';
}
