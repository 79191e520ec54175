import type { StepOptions } from '../../lib/step';

export interface VerifyExecutorOptions extends StepOptions {
  /** Public key reference; overrides signing.verify.key. */
  key?: string;
  certificateIdentity?: string;
  certificateIdentityRegexp?: string;
  certificateOidcIssuer?: string;
  certificateOidcIssuerRegexp?: string;
  /** A Sigstore trusted_root.json; overrides signing.trustedRoot. */
  trustedRoot?: string;
}
