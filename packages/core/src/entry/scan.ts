/** `@shipshape/core/scan`: vulnerability scans with grype/trivy, policy, reports, DefectDojo. */
export * from '../scan';
