/** Vulnerability scanning: grype and trivy, one findings model, policy, reports, attestation, DefectDojo. */
export * from './severity';
export type * from './model';
export { parseToolReport, type ParsedReport } from './parse';
export { mergeViews, sortFindings, highestScore, toolSeverity } from './merge';
export { canonicalVulnerabilityId, packageKey, findingKey } from './identity';
export { applyIgnoreRules, ruleMatches, isExpired, describeRule, type IgnoreOutcome } from './ignore';
export { evaluatePolicy } from './policy';
export { buildReport, type BuildReportInput } from './report';
export { grypeInvocation, trivyInvocation, scannerInvocation, type ScanSource, type ScanInvocation, type InvocationOptions } from './backends/invocation';
export { runScanner, mentionsMissingDatabase, type RunScannerOptions, type ScannerRun } from './backends/run';
export { readDatabase, trivyDatabaseFromVersion, grypeDatabaseFromStatus } from './backends/database';
export { planScanTools, runScan, reportFromFile, configuredFailOn, type ScanToolPlan, type ToolOverrides, type RunScanRequest, type ScanOutcome, type ReportFileRequest } from './scan';
export { imageScanSource, sbomScanSource } from './source';
export { renderReport, renderSarif, renderMarkdown, renderTable, appendStepSummary, REPORT_FORMATS, SARIF_SCHEMA, type ReportFormatName, type SarifLog } from './reports';
export { vulnPredicate, vulnStatement, attachVulnAttestation, VULN_PREDICATE_TYPE, type CosignVulnPredicate } from './attestation';
export { uploadToDefectDojo, DEFECTDOJO_SCAN_TYPES, type DefectDojoUpload, type DefectDojoResult } from './defectdojo';
export { uploadScanResults, attachScanResults, notePublishProblem, type UploadOptions, type AttachOptions } from './publish';
export { runScanStep, type ScanStepRequest, type ScanStepResult } from './step';
