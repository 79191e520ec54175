/**
 * DefectDojo upload against a real HTTP server on 127.0.0.1 that answers like DefectDojo's API v2
 * (dojo/api_v2: 201 with import statistics, 400 with field errors): it parses the multipart body with
 * an independent parser (undici's FormData), checks the fields and the token, and can fail first to
 * prove the retry. The token never appears in anything Shipshape prints. The uploaded report is a
 * real grype report (DefectDojo unittests/scans/anchore_grype, BSD-3-Clause, via $SHIPSHAPE_FIXTURES).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFile, writeFile, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { defaultConfig, type SecurityConfig } from '../config/schema';
import { isShipshapeError, type ShipshapeError } from '../errors';
import { createLogger, MemorySink } from '../exec/logger';
import { SecretRegistry } from '../exec/secrets';
import { runCli } from '../cli/main';
import { fixturesDir } from '../test-support/test-env';
import { uploadToDefectDojo, type DefectDojoUpload } from './defectdojo';
import { uploadScanResults } from './publish';
import { reportFromFile } from './scan';

const API_KEY = 'dd-4f9c2a7e1b0d8c3f5a6e9b2d7c1f0a3e';
const REPORT_FILE = path.join(fixturesDir(), 'grype', 'debian10-check-all-fields.grype.json');
const CI = { runId: '9876543210', runUrl: 'https://github.com/acme/shop/actions/runs/9876543210', commit: 'a'.repeat(40), branch: 'main', repositoryUrl: 'https://github.com/acme/shop' };

interface Received {
  path: string;
  authorization?: string;
  fields: Record<string, string>;
  file?: { name: string; type: string; text: string };
}

/** DefectDojo's answer to a good import: per-severity statistics before, changed, after. */
function statistics() {
  const zero = { active: 0, verified: 0, duplicate: 0, false_p: 0, out_of_scope: 0, is_mitigated: 0, risk_accepted: 0, total: 0 };
  const bySeverity = (counts: Partial<Record<'info' | 'low' | 'medium' | 'high' | 'critical', number>>) => {
    const result: Record<string, typeof zero> = {};
    let sum = 0;
    for (const s of ['info', 'low', 'medium', 'high', 'critical'] as const) {
      const n = counts[s] ?? 0;
      sum += n;
      result[s] = { ...zero, active: n, total: n };
    }
    result.total = { ...zero, active: sum, total: sum };
    return result;
  };
  return {
    before: bySeverity({}),
    delta: { created: bySeverity({ critical: 2, high: 2, info: 1 }), closed: bySeverity({}), reactivated: bySeverity({}), untouched: bySeverity({}) },
    after: bySeverity({ critical: 2, high: 2, info: 1 }),
  };
}

class FakeDefectDojo {
  readonly received: Received[] = [];
  /** Answers to give, in order; the last one repeats. */
  answers: { status: number; body: unknown }[] = [{ status: 201, body: {} }];
  private server!: Server;
  url = '';

  async start(): Promise<void> {
    this.server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const form = await new Response(Buffer.concat(chunks), { headers: { 'content-type': req.headers['content-type'] ?? '' } }).formData();
    const fields: Record<string, string> = {};
    let file: Received['file'];
    for (const [name, value] of form.entries()) {
      if (typeof value === 'string') fields[name] = value;
      else file = { name: value.name, type: value.type, text: await value.text() };
    }
    this.received.push({ path: req.url ?? '', authorization: req.headers.authorization, fields, file });
    const answer = this.answers.length > 1 ? this.answers.shift()! : this.answers[0]!;
    // As DefectDojo: the token is checked before anything else.
    const status = req.headers.authorization === `Token ${API_KEY}` ? answer.status : 401;
    const body = status === 401 ? { detail: 'Invalid token.' } : answer.body;
    res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  }
}

const dojo = new FakeDefectDojo();
beforeAll(() => dojo.start());
afterAll(() => dojo.stop());
beforeEach(() => {
  dojo.received.length = 0;
});

function logger() {
  const sink = new MemorySink();
  const secrets = new SecretRegistry();
  secrets.add(API_KEY);
  return { sink, logger: createLogger({ sink, verbose: true, secrets }) };
}

async function upload(overrides: Partial<DefectDojoUpload> = {}, config: Partial<DefectDojoUpload['config']> = {}) {
  const { sink, logger: log } = logger();
  const report = await readFile(REPORT_FILE, 'utf8');
  const request: DefectDojoUpload = {
    config: { url: dojo.url, productName: 'shop', engagementName: 'releases', autoCreateContext: true, reimport: false, minimumSeverity: 'high', closeOldFindings: false, ...config },
    apiKey: API_KEY,
    tool: 'grype',
    format: 'grype-json',
    report,
    ci: CI,
    service: 'registry.example.com/acme/shop',
    logger: log,
    retry: { baseMs: 5, capMs: 20 },
    now: new Date('2026-03-01T10:00:00Z'),
    ...overrides,
  };
  try {
    return { result: await uploadToDefectDojo(request), sink, report };
  } catch (error) {
    if (isShipshapeError(error)) return { error, sink, report };
    throw error;
  }
}

describe('DefectDojo upload', () => {
  it('imports the raw report as multipart with the fields DefectDojo expects and the token, and reports the statistics', async () => {
    dojo.answers = [{ status: 201, body: { test: 42, test_id: 42, engagement_id: 7, product_id: 3, scan_type: 'Anchore Grype', statistics: statistics() } }];
    const { result, report, sink } = await upload();
    expect(dojo.received).toHaveLength(1);
    const [request] = dojo.received;
    expect(request!.path).toBe('/api/v2/import-scan/');
    expect(request!.authorization).toBe(`Token ${API_KEY}`);
    expect(request!.fields).toEqual({
      scan_type: 'Anchore Grype',
      product_name: 'shop',
      engagement_name: 'releases',
      auto_create_context: 'true',
      close_old_findings: 'false',
      minimum_severity: 'High',
      scan_date: '2026-03-01',
      build_id: '9876543210',
      commit_hash: 'a'.repeat(40),
      branch_tag: 'main',
      source_code_management_uri: 'https://github.com/acme/shop',
      service: 'registry.example.com/acme/shop',
    });
    expect(request!.file).toEqual({ name: 'grype-report.json', type: 'application/json', text: report });
    expect(result).toMatchObject({ endpoint: 'import-scan', status: 201, attempts: 1, testId: 42, engagementId: 7, productId: 3 });
    expect(result!.summary).toBe(
      'DefectDojo imported the grype report into test 42, engagement 7 (HTTP 201): created 5 (2 critical, 2 high, 1 info), closed 0, reactivated 0, untouched 0, now 5 active of 5',
    );
    expect(sink.text()).not.toContain(API_KEY);
  });

  it('re-imports into the same test with reimport: true', async () => {
    dojo.answers = [{ status: 201, body: { test: 42, statistics: statistics() } }];
    const { result } = await upload({}, { reimport: true, closeOldFindings: true });
    expect(dojo.received[0]!.path).toBe('/api/v2/reimport-scan/');
    expect(dojo.received[0]!.fields.close_old_findings).toBe('true');
    expect(result!.summary).toMatch(/^DefectDojo re-imported the grype report into test 42 \(HTTP 201\): created 5/);
  });

  it('a 400 is answered at once with DefectDojo\'s reason', async () => {
    dojo.answers = [{ status: 400, body: { engagement_name: ["Engagement 'releases' doesn't exist"], message: 'invalid' } }];
    const { error } = await upload({}, { autoCreateContext: false });
    expect(dojo.received).toHaveLength(1);
    expect((error as ShipshapeError).kind).toBe('config');
    expect((error as ShipshapeError).message).toBe("DefectDojo rejected the grype report (HTTP 400): engagement_name: Engagement 'releases' doesn't exist; message: invalid");
  });

  it('a 500 is retried with backoff, and the retry succeeds', async () => {
    dojo.answers = [
      { status: 500, body: { message: 'Internal Server Error' } },
      { status: 201, body: { test: 43, statistics: statistics() } },
    ];
    const { result, sink } = await upload();
    expect(dojo.received).toHaveLength(2);
    expect(dojo.received[1]!.fields).toEqual(dojo.received[0]!.fields);
    expect(dojo.received[1]!.file?.text).toBe(dojo.received[0]!.file?.text);
    expect(result).toMatchObject({ status: 201, attempts: 2, testId: 43 });
    expect(sink.text()).toMatch(/warning: \[defectdojo\] DefectDojo upload attempt 1 of 4 failed \(HTTP 500: message: Internal Server Error\); retrying in \d+ms/);
  });

  it('a wrong token is refused without retrying, and the token is not in the message', async () => {
    const { error, sink } = await upload({ apiKey: 'not-the-key-0123456789' });
    expect(dojo.received).toHaveLength(1);
    expect((error as ShipshapeError).message).toBe(`DefectDojo refused the API key (HTTP 401) at ${dojo.url}`);
    expect(`${(error as ShipshapeError).describe()}${sink.text()}`).not.toMatch(/not-the-key|dd-4f9c/);
  });

  it('an unreachable DefectDojo is a network error after the retries', async () => {
    const closed = new FakeDefectDojo();
    await closed.start();
    const url = closed.url;
    await closed.stop();
    const { error } = await upload({}, { url });
    expect((error as ShipshapeError).kind).toBe('network');
    expect((error as ShipshapeError).message).toBe(`DefectDojo at ${url} could not take the report after 4 attempts: ECONNREFUSED`);
  });
});

describe('uploading scan results: fail-open unless required', () => {
  const config = (url: string, required?: boolean): SecurityConfig => {
    const base = defaultConfig();
    return { ...base, scan: { ...base.scan, defectdojo: { ...base.scan.defectdojo, enabled: true, url, productName: 'shop', engagementName: 'releases', ...(required === undefined ? {} : { required }) } } };
  };

  it('an unreachable DefectDojo warns and the step passes; required, it fails the step', async () => {
    const closed = new FakeDefectDojo();
    await closed.start();
    const url = closed.url;
    await closed.stop();
    for (const required of [false, true]) {
      const outcome = await reportFromFile({ tool: 'grype', file: REPORT_FILE, ignore: [] });
      const { logger: log } = logger();
      const results = await uploadScanResults(outcome, config(url, required), { logger: log, env: { DEFECTDOJO_API_KEY: API_KEY }, retry: { baseMs: 1, capMs: 2 } });
      expect(results).toEqual([]);
      const line = `DefectDojo upload of the grype report failed: DefectDojo at ${url} could not take the report after 4 attempts: ECONNREFUSED\n  hint: check that DefectDojo is up and scan.defectdojo.url is right`;
      if (required) expect(outcome.report.policy).toMatchObject({ passed: false, failures: [line] });
      else expect(outcome.report.policy.warnings).toContain(`${line} — continuing (fail-open)`);
    }
  });

  it('a missing API key variable is reported, not thrown', async () => {
    const outcome = await reportFromFile({ tool: 'grype', file: REPORT_FILE, ignore: [] });
    const { logger: log } = logger();
    await uploadScanResults(outcome, config(dojo.url), { logger: log, env: {} });
    expect(dojo.received).toHaveLength(0);
    expect(outcome.report.policy.warnings.at(-1)).toBe('DefectDojo upload skipped: scan.defectdojo.apiKey: environment variable DEFECTDOJO_API_KEY is not set — continuing (fail-open)');
  });
});

it('shipshape scan report uploads to DefectDojo with the CI context and prints the statistics, never the token', async () => {
  dojo.answers = [{ status: 201, body: { test: 44, engagement_id: 7, statistics: statistics() } }];
  const dir = await mkdtemp(path.join(tmpdir(), 'shipshape-dojo-'));
  const configFile = path.join(dir, 'security.yaml');
  await writeFile(configFile, `scan:\n  defectdojo:\n    enabled: true\n    url: ${dojo.url}\n    productName: shop\n    engagementName: releases\n    autoCreateContext: true\n`);
  let stdout = '';
  let stderr = '';
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    DEFECTDOJO_API_KEY: API_KEY,
    GITHUB_ACTIONS: 'true',
    GITHUB_RUN_ID: '1234567',
    GITHUB_SHA: 'b'.repeat(40),
    GITHUB_REF: 'refs/heads/release',
    GITHUB_REF_NAME: 'release',
    GITHUB_REPOSITORY: 'acme/shop',
    GITHUB_SERVER_URL: 'https://github.com',
  };
  delete env.GITHUB_STEP_SUMMARY;
  const code = await runCli(['--config', configFile, 'scan', 'report', '--tool', 'grype', '--input', REPORT_FILE], {
    stdout: (t) => (stdout += t),
    stderr: (t) => (stderr += t),
    env,
    cwd: dir,
  });
  expect(code).toBe(0);
  expect(dojo.received).toHaveLength(1);
  expect(dojo.received[0]!.fields).toMatchObject({ build_id: '1234567', commit_hash: 'b'.repeat(40), branch_tag: 'release', scan_type: 'Anchore Grype' });
  expect(stderr).toContain('DefectDojo imported the grype report into test 44, engagement 7 (HTTP 201): created 5 (2 critical, 2 high, 1 info)');
  expect(stdout + stderr).not.toContain(API_KEY);
});
