/**
 * Each executor's options in the shape of the `security:` block (they override security.yaml).
 * Kept apart from the executors, which load their engines: the signing-material hasher needs the
 * same mapping inside Nx's own process while it hashes tasks, and must stay light there.
 */
import type { ProvenanceExecutorOptions } from '../executors/provenance/schema';
import type { SbomExecutorOptions } from '../executors/sbom/schema';
import type { ImageSignExecutorOptions } from '../executors/image-sign/schema';
import type { VerifyExecutorOptions } from '../executors/verify/schema';
import type { ShipshapeExecutor } from './names';

type Overrides = Record<string, unknown>;

/** `key` / `keyless` / `signatureFormat`, shared by image-sign and provenance. */
function signingOverrides(o: Pick<ImageSignExecutorOptions, 'key' | 'keyless' | 'signatureFormat'>): Overrides {
  return { ...(o.key ? { key: o.key, keyless: false } : {}), ...(o.keyless ? { keyless: true } : {}), ...(o.signatureFormat ? { format: o.signatureFormat } : {}) };
}

function defined(values: Record<string, unknown>): Overrides {
  return Object.fromEntries(Object.entries(values).filter(([, v]) => v !== undefined));
}

export const CONFIG_OVERRIDES = {
  sbom: (o: SbomExecutorOptions): Overrides => ({ sbom: defined({ format: o.format, tool: o.tool, platform: o.platform, attach: o.attach }) }),
  scan: (): Overrides => ({}),
  'image-sign': (o: ImageSignExecutorOptions): Overrides => ({ signing: signingOverrides(o) }),
  provenance: (o: ProvenanceExecutorOptions): Overrides => ({
    provenance: o.attach === undefined ? {} : { attach: o.attach },
    signing: signingOverrides(o),
  }),
  verify: (o: VerifyExecutorOptions): Overrides => {
    const identity = { identity: o.certificateIdentity, identityRegexp: o.certificateIdentityRegexp, oidcIssuer: o.certificateOidcIssuer, oidcIssuerRegexp: o.certificateOidcIssuerRegexp };
    const verify = o.key ? { key: o.key } : defined(identity);
    return { signing: { verify, ...(o.trustedRoot ? { trustedRoot: o.trustedRoot } : {}) } };
  },
} satisfies Record<Exclude<ShipshapeExecutor, 'image-digest'>, (options: never) => Overrides>;
