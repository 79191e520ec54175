/** The report formats' names, apart from their renderers: the CLI offers them without loading those. */
export const REPORT_FORMATS = ['json', 'sarif', 'markdown', 'table'] as const;
export type ReportFormatName = (typeof REPORT_FORMATS)[number];
