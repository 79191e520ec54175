import type { StepOptions } from '../../lib/step';

export interface SbomExecutorOptions extends StepOptions {
  /** cyclonedx-json | spdx-json; overrides sbom.format. */
  format?: 'cyclonedx-json' | 'spdx-json';
  /** native | syft | trivy; overrides sbom.tool. */
  tool?: 'native' | 'syft' | 'trivy';
  /** linux/amd64, all, ...; overrides sbom.platform. */
  platform?: string;
  /** Attach as a signed attestation; overrides sbom.attach. */
  attach?: boolean;
}
