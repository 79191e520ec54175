/** The report formats: JSON (the findings model), SARIF 2.1.0, Markdown, and the terminal table. */
import type { ScanReport } from '../model';
import { renderMarkdown } from './markdown';
import { renderSarif } from './sarif';
import { renderTable } from './table';

export const REPORT_FORMATS = ['json', 'sarif', 'markdown', 'table'] as const;
export type ReportFormatName = (typeof REPORT_FORMATS)[number];

export function renderReport(report: ScanReport, format: ReportFormatName): string {
  switch (format) {
    case 'json':
      return `${JSON.stringify(report, null, 2)}\n`;
    case 'sarif':
      return `${JSON.stringify(renderSarif(report), null, 2)}\n`;
    case 'markdown':
      return renderMarkdown(report);
    case 'table':
      return `${renderTable(report)}\n`;
  }
}

export { renderMarkdown, appendStepSummary } from './markdown';
export { renderSarif, securitySeverity, SARIF_SCHEMA, type SarifLog } from './sarif';
export { renderTable } from './table';
export { describeTarget, describeToolRun, describeVerdict } from './text';
