/**
 * What the installed cosign can do, by version, for the flags whose existence or default changed
 * across the releases we support (tools.ts: >=2.2 <4). Read from cosign's own flag definitions
 * (cmd/cosign/cli/options) at each release tag.
 */
import { compareSemver, parseSemver, type SemVer } from '../../exec/semver';

export interface CosignCapabilities {
  /** The version the table was chosen for (the newest known when the real one could not be read). */
  version: string;
  /** `sign --new-bundle-format`: 2.6+; the default from 3.0. */
  signBundle: 'unsupported' | 'opt-in' | 'default';
  /** `sign --use-signing-config` (service URLs from TUF): 2.6+; on by default from 3.0, when explicit URLs and `--tlog-upload=false` are refused. */
  signingConfig: 'unsupported' | 'opt-in' | 'default';
  /** `verify --new-bundle-format`: 2.4+; the default from 3.0 (which falls back to `.sig` signatures when an image has no bundle). */
  verifyBundle: 'unsupported' | 'opt-in' | 'default';
  /** `verify --trusted-root`: 2.4+. */
  verifyTrustedRoot: boolean;
  /** `sign --trusted-root`: 2.6+. */
  signTrustedRoot: boolean;
  /** `--registry-cacert`: 2.5+. */
  registryCaCert: boolean;
}

/** Assumed when the version cannot be read: the newest release line we test. */
export const NEWEST_KNOWN_COSIGN = '3.0.0';

const at = (v: SemVer, text: string) => compareSemver(v, parseSemver(text) as SemVer) >= 0;

export function cosignCapabilities(version: string | undefined): CosignCapabilities {
  const known = (version && parseSemver(version)) || (parseSemver(NEWEST_KNOWN_COSIGN) as SemVer);
  // A pre-release of 3.0 already has 3.0's flags.
  const parsed = { ...known, prerelease: [] };
  const v3 = at(parsed, '3.0.0');
  return {
    version: version && parseSemver(version) ? version : NEWEST_KNOWN_COSIGN,
    signBundle: v3 ? 'default' : at(parsed, '2.6.0') ? 'opt-in' : 'unsupported',
    signingConfig: v3 ? 'default' : at(parsed, '2.6.0') ? 'opt-in' : 'unsupported',
    verifyBundle: v3 ? 'default' : at(parsed, '2.4.0') ? 'opt-in' : 'unsupported',
    verifyTrustedRoot: at(parsed, '2.4.0'),
    signTrustedRoot: at(parsed, '2.6.0'),
    registryCaCert: at(parsed, '2.5.0'),
  };
}
