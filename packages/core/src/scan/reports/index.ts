/** The report formats: JSON (the findings model), SARIF 2.1.0, Markdown, and the terminal table. */
import type { ScanReport } from '../model';
import { renderMarkdown } from './markdown';
import { renderSarif } from './sarif';
import type { ReportFormatName } from './formats';
import { renderTable } from './table';

export { REPORT_FORMATS, type ReportFormatName } from './formats';

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
