/**
 * Fail-open by default (DESIGN principle 1): a failing step warns and the release continues, unless
 * the configuration makes it fail-closed. The most specific `required` that is set wins.
 */
import type { ScanToolConfig, SecurityConfig } from './schema';

export type Feature = 'signing' | 'verify' | 'sbom' | 'provenance' | 'scan' | 'defectdojo';

/**
 * Whether a failure of `feature` fails the release. `verify` inherits from `signing` (a signature
 * that does not verify is as bad as none); DefectDojo does not inherit from `scan`, so an outage of
 * the reporting server never blocks a release whose scan policy passed, unless asked to.
 */
export function isRequired(config: SecurityConfig, feature: Feature): boolean {
  switch (feature) {
    case 'verify':
      return config.signing.verify.required ?? config.signing.required ?? config.required;
    case 'defectdojo':
      return config.scan.defectdojo.required ?? config.required;
    default:
      return config[feature].required ?? config.required;
  }
}

/** Whether a scan tool that cannot run (missing, timed out, crashed) fails the release. */
export function isScanToolRequired(config: SecurityConfig, tool: Pick<ScanToolConfig, 'required'>): boolean {
  return tool.required ?? isRequired(config, 'scan');
}
