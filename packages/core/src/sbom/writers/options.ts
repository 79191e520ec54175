/** What both writers take besides the catalog result. */
import { TOOL_NAME, VERSION } from '../../version';

export interface SbomDocumentOptions {
  /**
   * When the document was made (default: now). The only input that is not a function of the catalog
   * result; pass a fixed time (e.g. from SOURCE_DATE_EPOCH) for byte-identical documents.
   */
  timestamp?: Date;
  /** The author of the SBOM data (NTIA minimum elements); default: Shipshape, the tool that wrote it. */
  author?: string;
}

export const TOOL = { vendor: 'Shipshape', name: TOOL_NAME, version: VERSION } as const;

export function documentTimestamp(options: SbomDocumentOptions): Date {
  const time = options.timestamp ?? new Date();
  // Whole seconds: SPDX's format has none, and both documents then carry the same instant.
  return new Date(Math.floor(time.getTime() / 1000) * 1000);
}

/**
 * SOURCE_DATE_EPOCH (reproducible-builds.org), when set to whole seconds since the epoch, as a Date;
 * undefined otherwise. Callers use it as the document timestamp.
 */
export function sourceDateEpoch(env: NodeJS.ProcessEnv): Date | undefined {
  const value = env.SOURCE_DATE_EPOCH?.trim();
  if (!value || !/^\d{1,12}$/.test(value)) return undefined;
  return new Date(Number(value) * 1000);
}
