import type { StepOptions } from '../../lib/step';

export interface ImageSignExecutorOptions extends StepOptions {
  /** Private key reference (cosign.key, PEM, env://VAR, KMS URI with tool cosign); overrides signing.key. */
  key?: string;
  /** Sign keyless (Fulcio + Rekor with the CI's OIDC token); overrides signing.keyless. */
  keyless?: boolean;
  /** bundle | legacy | both; overrides signing.format. */
  signatureFormat?: 'bundle' | 'legacy' | 'both';
}
