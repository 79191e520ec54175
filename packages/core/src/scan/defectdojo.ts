/**
 * Uploading a scanner's raw report to DefectDojo (API v2, dojo/api_v2/serializers.py): a multipart
 * POST to `/api/v2/import-scan/` (a new test each time) or `/api/v2/reimport-scan/` (the same test,
 * updated), with `scan_type` naming DefectDojo's parser ("Anchore Grype", "Trivy Scan", "CycloneDX
 * Scan"), product and engagement by name, and the build, commit and branch from the CI context.
 * Authenticated with `Authorization: Token <key>`; the key comes from a secret source and is
 * registered for redaction before any request. Network errors, 429 and 5xx are retried with
 * backoff; anything else is answered at once. Whether a failed upload fails the step is the caller's
 * decision (`scan.defectdojo.required`, fail-open by default).
 */
import { z } from 'zod';
import type { CiContext } from '../ci/context';
import type { DefectDojoConfig, ScanToolName } from '../config/schema';
import { ShipshapeError } from '../errors';
import type { Logger } from '../exec/logger';
import { formatDuration } from '../exec/classify';
import { abortableSleep, withRetry, type RetryPolicy } from '../exec/retry';
import type { ReportFormat } from './model';

export const DEFECTDOJO_SCAN_TYPES: Readonly<Record<ReportFormat, string>> = {
  'grype-json': 'Anchore Grype',
  'trivy-json': 'Trivy Scan',
  'cyclonedx-json': 'CycloneDX Scan',
};

export interface DefectDojoUpload {
  config: Pick<DefectDojoConfig, 'url' | 'productName' | 'engagementName' | 'autoCreateContext' | 'reimport' | 'minimumSeverity' | 'closeOldFindings'>;
  apiKey: string;
  tool: ScanToolName;
  format: ReportFormat;
  /** The scanner's report exactly as it wrote it: DefectDojo's parsers read the tool's own format. */
  report: string;
  ci?: Pick<CiContext, 'runId' | 'runUrl' | 'commit' | 'branch' | 'tag' | 'repositoryUrl'>;
  /** DefectDojo's `service`: scopes deduplication and closing of old findings (one per image repository). */
  service?: string;
  logger: Logger;
  retry?: Partial<RetryPolicy>;
  /** Per attempt (default 2 minutes: a big report takes DefectDojo a while to parse). */
  timeoutMs?: number;
  /** "Today", for `scan_date`. */
  now?: Date;
}

const severityStatsSchema = z.record(z.string(), z.number()).optional();
const bySeveritySchema = z.record(z.string(), severityStatsSchema).optional();
const responseSchema = z
  .object({
    test: z.number().nullish(),
    test_id: z.number().nullish(),
    engagement_id: z.number().nullish(),
    product_id: z.number().nullish(),
    statistics: z
      .object({
        before: bySeveritySchema,
        delta: z.record(z.string(), bySeveritySchema).optional(),
        after: bySeveritySchema,
      })
      .loose()
      .optional(),
  })
  .loose();
export type DefectDojoResponse = z.infer<typeof responseSchema>;

export interface DefectDojoResult {
  endpoint: 'import-scan' | 'reimport-scan';
  status: number;
  attempts: number;
  testId?: number;
  engagementId?: number;
  productId?: number;
  statistics?: DefectDojoResponse['statistics'];
  /** One line for the log: what DefectDojo did with the report. */
  summary: string;
}

/** Retry-After beyond this is not honoured: a release does not wait an hour for a reporting server. */
const MAX_RETRY_AFTER_MS = 60_000;
const MAX_ERROR_DETAIL = 500;

class RetryableUploadError extends Error {
  constructor(
    message: string,
    readonly retryAfterMs?: number,
  ) {
    super(message);
  }
}

export async function uploadToDefectDojo(upload: DefectDojoUpload): Promise<DefectDojoResult> {
  const { config } = upload;
  const missing = [!config.url && 'url', !config.productName && 'productName', !config.engagementName && 'engagementName'].filter(Boolean);
  if (missing.length) {
    throw new ShipshapeError('config', `DefectDojo upload needs scan.defectdojo.${missing.join(', scan.defectdojo.')}`, {
      hint: 'set them in security.yaml (autoCreateContext: true creates the engagement if it does not exist)',
    });
  }
  const endpoint = config.reimport ? 'reimport-scan' : 'import-scan';
  const base = config.url!.endsWith('/') ? config.url! : `${config.url}/`;
  const url = new URL(`api/v2/${endpoint}/`, base);
  const log = upload.logger.child('defectdojo');
  log.debug(`uploading the ${upload.tool} report (${upload.report.length} bytes) to ${url.href}`);

  let attempts = 0;
  // Retry-After of the last retryable answer: it wins over the computed backoff.
  let retryAfterMs: number | undefined;
  const policy = { retries: 3, baseMs: 1000, capMs: 15_000, sleep: abortableSleep, ...upload.retry };
  const response = await withRetry(
    async (attempt) => {
      attempts = attempt;
      retryAfterMs = undefined;
      try {
        return await send(url, multipartBody(upload), upload);
      } catch (error) {
        if (error instanceof RetryableUploadError) retryAfterMs = error.retryAfterMs;
        throw error;
      }
    },
    {
      shouldRetry: (error) => error instanceof RetryableUploadError,
      policy: { ...policy, sleep: (ms, signal) => policy.sleep(retryAfterMs ?? ms, signal) },
      onRetry: ({ attempt, delayMs, error }) =>
        log.warn(`DefectDojo upload attempt ${attempt} of ${policy.retries + 1} failed (${(error as Error).message}); retrying in ${formatDuration(retryAfterMs ?? delayMs)}`),
    },
  ).catch((error: unknown) => {
    if (error instanceof RetryableUploadError) {
      throw new ShipshapeError('network', `DefectDojo at ${url.origin} could not take the report after ${attempts} attempts: ${error.message}`, {
        hint: 'check that DefectDojo is up and scan.defectdojo.url is right',
      });
    }
    throw error;
  });

  const parsed = responseSchema.safeParse(response.body);
  const data = parsed.success ? parsed.data : {};
  const testId = data.test_id ?? data.test ?? undefined;
  const result: DefectDojoResult = {
    endpoint,
    status: response.status,
    attempts,
    ...(testId != null ? { testId } : {}),
    ...(data.engagement_id != null ? { engagementId: data.engagement_id } : {}),
    ...(data.product_id != null ? { productId: data.product_id } : {}),
    ...(data.statistics ? { statistics: data.statistics } : {}),
    summary: '',
  };
  result.summary = describeUpload(upload, result);
  return result;
}

async function send(url: URL, body: FormData, upload: DefectDojoUpload): Promise<{ status: number; body: unknown }> {
  let response: Response;
  try {
    response = await fetch(url, {
      method: 'POST',
      headers: { Authorization: `Token ${upload.apiKey}`, Accept: 'application/json' },
      body,
      signal: AbortSignal.timeout(upload.timeoutMs ?? 120_000),
      redirect: 'error',
    });
  } catch (error) {
    throw new RetryableUploadError(networkReason(error));
  }
  const text = await response.text().catch(() => '');
  if (response.status === 429 || response.status >= 500) {
    const why = detail(text, upload);
    throw new RetryableUploadError(`HTTP ${response.status}${why ? `: ${why}` : ''}`, retryAfter(response.headers.get('retry-after')));
  }
  if (response.status === 401 || response.status === 403) {
    throw new ShipshapeError('config', `DefectDojo refused the API key (HTTP ${response.status}) at ${url.origin}`, {
      hint: 'check the key scan.defectdojo.apiKey points to (default env://DEFECTDOJO_API_KEY) and that its user may import scans',
    });
  }
  if (response.status !== 200 && response.status !== 201) {
    const why = detail(text, upload);
    throw new ShipshapeError('config', `DefectDojo rejected the ${upload.tool} report (HTTP ${response.status})${why ? `: ${why}` : ''}`, {
      where: url.href,
      hint: 'check scan.defectdojo.productName / engagementName (or set autoCreateContext: true)',
    });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: response.status, body: json };
}

function multipartBody(upload: DefectDojoUpload): FormData {
  const { config, ci } = upload;
  const form = new FormData();
  form.set('scan_type', DEFECTDOJO_SCAN_TYPES[upload.format]);
  form.set('file', new Blob([upload.report], { type: 'application/json' }), `${upload.tool}-report.json`);
  form.set('product_name', config.productName!);
  form.set('engagement_name', config.engagementName!);
  form.set('auto_create_context', String(config.autoCreateContext));
  form.set('close_old_findings', String(config.closeOldFindings));
  form.set('minimum_severity', titleCase(config.minimumSeverity ?? 'info'));
  form.set('scan_date', (upload.now ?? new Date()).toISOString().slice(0, 10));
  const buildId = ci?.runId ?? ci?.runUrl;
  if (buildId) form.set('build_id', buildId);
  if (ci?.commit) form.set('commit_hash', ci.commit);
  const branchOrTag = ci?.branch ?? ci?.tag;
  if (branchOrTag) form.set('branch_tag', branchOrTag);
  if (ci?.repositoryUrl) form.set('source_code_management_uri', ci.repositoryUrl);
  if (upload.service) form.set('service', upload.service);
  return form;
}

function titleCase(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1).toLowerCase();
}

function retryAfter(value: string | null): number | undefined {
  if (!value) return undefined;
  const ms = /^\d+$/.test(value.trim()) ? Number(value.trim()) * 1000 : Date.parse(value) - Date.now();
  return Number.isFinite(ms) ? Math.min(Math.max(0, ms), MAX_RETRY_AFTER_MS) : undefined;
}

function networkReason(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } })?.cause;
  if ((error as Error)?.name === 'TimeoutError') return 'no answer in time';
  return cause?.code ?? cause?.message ?? (error instanceof Error ? error.message : String(error));
}

/** DefectDojo's error body (`{"engagement_name": ["…"]}` or `{"message": "…"}`), shortened and redacted. */
function detail(text: string, upload: DefectDojoUpload): string {
  let message = text.trim();
  try {
    const json = JSON.parse(text) as unknown;
    if (json && typeof json === 'object') {
      message = Object.entries(json as Record<string, unknown>)
        .map(([key, value]) => `${key}: ${Array.isArray(value) ? value.join(' ') : typeof value === 'string' ? value : JSON.stringify(value)}`)
        .join('; ');
    }
  } catch {
    // not JSON: an HTML error page; its text is still the best clue
    message = message.replace(/<[^>]*>/g, ' ').replace(/\s+/g, ' ').trim();
  }
  const redacted = upload.logger.secrets.redact(message);
  return redacted.length > MAX_ERROR_DETAIL ? `${redacted.slice(0, MAX_ERROR_DETAIL)}…` : redacted;
}

const SEVERITY_KEYS = ['critical', 'high', 'medium', 'low', 'info'] as const;

function describeUpload(upload: DefectDojoUpload, result: DefectDojoResult): string {
  const where = [result.testId !== undefined && `test ${result.testId}`, result.engagementId !== undefined && `engagement ${result.engagementId}`].filter(Boolean).join(', ');
  const head = `DefectDojo ${result.endpoint === 'reimport-scan' ? 're-imported' : 'imported'} the ${upload.tool} report${where ? ` into ${where}` : ''} (HTTP ${result.status})`;
  const stats = result.statistics;
  if (!stats) return `${head}; it returned no statistics`;
  const parts: string[] = [];
  for (const action of ['created', 'closed', 'reactivated', 'untouched']) {
    const bySeverity = stats.delta?.[action];
    if (!bySeverity) continue;
    const total = bySeverity.total?.total ?? SEVERITY_KEYS.reduce((sum, s) => sum + (bySeverity[s]?.total ?? 0), 0);
    const detailText = SEVERITY_KEYS.filter((s) => (bySeverity[s]?.total ?? 0) > 0)
      .map((s) => `${bySeverity[s]!.total} ${s}`)
      .join(', ');
    parts.push(`${action} ${total}${detailText ? ` (${detailText})` : ''}`);
  }
  const after = stats.after?.total;
  if (after) parts.push(`now ${after.active ?? 0} active of ${after.total ?? 0}`);
  return `${head}: ${parts.join(', ') || 'no changes reported'}`;
}
