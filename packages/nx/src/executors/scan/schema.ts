import type { StepOptions } from '../../lib/step';

export interface ScanExecutorOptions extends StepOptions {
  /** Scan the SBOM the sbom target wrote instead of the image (one pass over the layers, not two). */
  fromSbom?: boolean;
}
