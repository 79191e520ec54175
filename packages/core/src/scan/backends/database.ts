/**
 * Which vulnerability database a scanner has: recorded with every result (a database update changes
 * the result of the same image, so it is part of the Nx cache key too), and checked before trusting a
 * result at all. grype states it in its report (`descriptor.db`) and in `grype db status -o json`;
 * trivy only in `trivy version -f json` (`VulnerabilityDB`), read with the same cache directory.
 */
import { z } from 'zod';
import type { FoundTool } from '../../exec/find';
import type { Logger } from '../../exec/logger';
import { runTool } from '../../exec/run';
import { ToolError } from '../../exec/classify';
import type { DatabaseInfo } from '../model';
import { grypeDatabase } from '../parse';

const trivyVersionSchema = z
  .object({
    Version: z.string().optional(),
    VulnerabilityDB: z
      .object({ Version: z.number(), UpdatedAt: z.string().optional(), NextUpdate: z.string().optional(), DownloadedAt: z.string().optional() })
      .loose()
      .nullish(),
  })
  .loose();

/** The database in `trivy version -f json` output; undefined when trivy has none. */
export function trivyDatabaseFromVersion(output: string): DatabaseInfo | undefined {
  const start = output.indexOf('{');
  if (start < 0) return undefined;
  let json: unknown;
  try {
    json = JSON.parse(output.slice(start, output.lastIndexOf('}') + 1));
  } catch {
    return undefined;
  }
  const parsed = trivyVersionSchema.safeParse(json);
  const db = parsed.success ? parsed.data.VulnerabilityDB : undefined;
  if (!db) return undefined;
  const schemaVersion = `v${db.Version}`;
  return { version: [schemaVersion, db.UpdatedAt ? `updated ${db.UpdatedAt}` : undefined].filter(Boolean).join(' '), schemaVersion, built: db.UpdatedAt };
}

/** grype's database from `grype db status -o json` (v6: {schemaVersion, built, from}), or its text form. */
export function grypeDatabaseFromStatus(output: string): DatabaseInfo | undefined {
  const start = output.indexOf('{');
  if (start >= 0) {
    try {
      const json = JSON.parse(output.slice(start, output.lastIndexOf('}') + 1)) as Record<string, unknown>;
      if (json.error || json.valid === false) return undefined;
      return grypeDatabase({ status: json }) ?? grypeDatabase(json);
    } catch {
      // fall through to the text form
    }
  }
  if (/^Status:\s*invalid/m.test(output)) return undefined;
  const schema = /^Schema:\s*(\S+)/m.exec(output)?.[1];
  const built = /^Built:\s*(\S+)/m.exec(output)?.[1];
  const from = /^From:\s*(\S+)/m.exec(output)?.[1];
  if (!schema && !built) return undefined;
  return grypeDatabase({ status: { schemaVersion: schema, built, from } });
}

export interface DatabaseQueryOptions {
  logger: Logger;
  env?: Record<string, string>;
  trivyCacheDir?: string;
  cwd?: string;
  signal?: AbortSignal;
}

/**
 * The database the tool would scan with now, without scanning: for a cache key computed before the
 * scan. Undefined when the tool has none (or cannot say).
 */
export async function readDatabase(tool: FoundTool, options: DatabaseQueryOptions): Promise<DatabaseInfo | undefined> {
  const args =
    tool.name === 'trivy'
      ? ['version', '--format', 'json', ...(options.trivyCacheDir ? ['--cache-dir', options.trivyCacheDir] : [])]
      : ['db', 'status', '-o', 'json'];
  try {
    const result = await runTool(tool, args, { logger: options.logger, env: options.env, cwd: options.cwd, signal: options.signal, timeoutMs: 60_000, retry: { retries: 0 } });
    return tool.name === 'trivy' ? trivyDatabaseFromVersion(result.stdout) : grypeDatabaseFromStatus(result.stdout);
  } catch (error) {
    if (error instanceof ToolError && error.failure !== 'cancelled') {
      options.logger.debug(`could not read ${tool.name}'s database status: ${error.message}`);
      return undefined;
    }
    throw error;
  }
}
