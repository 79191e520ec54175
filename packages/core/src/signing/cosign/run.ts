/**
 * The cosign backend (`signing.tool: cosign`), for keys the native signer cannot hold — KMS and
 * hardware keys. cosign is found on PATH and version-checked through the tool runner, which
 * streams its output through the redacting logger and classifies its failures.
 */
import { z } from 'zod';
import { ShipshapeError } from '../../errors';
import type { FoundTool } from '../../exec/find';
import { findCheckedTool, type ToolVersion } from '../../exec/version';
import type { Logger } from '../../exec/logger';
import { runTool, type ToolResult } from '../../exec/run';
import { assertUsableForFulcio, ciTokenProvider, type OidcTokenProvider } from '../keyless/token';
import type { SignatureFormat } from '../types';
import { cosignSignArgs, cosignVerifyArgs, type CosignCommand, type CosignFormat, type CosignSignRequest, type CosignVerifyRequest } from './args';

export interface RunCosignOptions {
  logger: Logger;
  /** Where cosign is looked up (PATH, SHIPSHAPE_COSIGN_PATH) and the CI token read; default process.env. Also added to cosign's environment. */
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  signal?: AbortSignal;
  /** Per cosign run (default: the tool runner's 10 minutes). */
  timeoutMs?: number;
}

export interface RunCosignSignOptions extends RunCosignOptions {
  request: Omit<CosignSignRequest, 'format'> & { format: SignatureFormat };
  /** The key's password, passed as COSIGN_PASSWORD. */
  password?: string;
  /** Keyless: where the OIDC token comes from; default the CI context (src/ci). */
  tokenProvider?: OidcTokenProvider;
}

export interface CosignRun {
  format: CosignFormat;
  args: string[];
  result: ToolResult;
}

export interface CosignSignResult {
  cosign: { path: string; version: ToolVersion };
  runs: CosignRun[];
}

/** Signs one image by digest; `format: both` runs cosign twice, bundle first. */
export async function runCosignSign(options: RunCosignSignOptions): Promise<CosignSignResult> {
  const { request, logger } = options;
  const tool = await findCosign(options);
  let identityToken: string | undefined;
  if (request.key === undefined) {
    const token = await (options.tokenProvider ?? ciTokenProvider({ env: options.env, logger, secrets: logger.secrets }))();
    assertUsableForFulcio(token);
    identityToken = token.token;
  }
  const formats: CosignFormat[] = request.format === 'both' ? ['bundle', 'legacy'] : [request.format];
  // Every command is built (and so checked against this cosign's flags) before the first one runs.
  const commands = formats.map((format) => ({
    format,
    command: cosignSignArgs({ ...request, format }, { password: options.password, identityToken }, tool.version.version),
  }));
  const runs: CosignRun[] = [];
  for (const { format, command } of commands) {
    logger.debug(`cosign: signing ${command.args.at(-1)} in the ${format} format`);
    runs.push({ format, args: command.args, result: await run(tool, command, options) });
  }
  return { cosign: { path: tool.path, version: tool.version }, runs };
}

/** One signature cosign accepted, from its JSON output (cosign's SimpleContainerImage). */
export interface CosignVerifiedSignature {
  dockerReference?: string;
  digest?: string;
  /** Keyless: the certificate's SAN and OIDC issuer. */
  subject?: string;
  issuer?: string;
  /** Everything in `optional`, as cosign printed it. */
  optional: Record<string, unknown>;
}

export interface CosignVerifyResult {
  cosign: { path: string; version: ToolVersion };
  args: string[];
  verified: CosignVerifiedSignature[];
}

/** cosign's exit codes for "verified nothing" (cmd/cosign/errors/exit_codes.go). */
const NO_SIGNATURES = 10;
const NO_MATCHING_SIGNATURE = 12;
const NO_CERTIFICATE = 13;

/** Verifies one image by digest; no signature matching the policy is a failed check (exit 1) with cosign's reason. */
export async function runCosignVerify(options: RunCosignOptions & { request: CosignVerifyRequest }): Promise<CosignVerifyResult> {
  const tool = await findCosign(options);
  const command = cosignVerifyArgs(options.request, tool.version.version);
  const result = await run(tool, command, options, [NO_SIGNATURES, NO_MATCHING_SIGNATURE, NO_CERTIFICATE]);
  const image = command.args.at(-1) as string;
  if (result.exitCode !== 0) {
    const what =
      result.exitCode === NO_SIGNATURES
        ? `cosign found no signatures on ${image}`
        : result.exitCode === NO_CERTIFICATE
          ? `cosign found no certificate on the signatures of ${image}`
          : `no signature on ${image} matches the policy`;
    throw new ShipshapeError('check', `${what}${reason(result.stderr)}`, { where: image });
  }
  return { cosign: { path: tool.path, version: tool.version }, args: command.args, verified: parseVerifyOutput(result.stdout) };
}

async function findCosign(options: RunCosignOptions): Promise<FoundTool & { version: ToolVersion }> {
  return findCheckedTool('cosign', { env: options.env, cwd: options.cwd, logger: options.logger });
}

function run(tool: FoundTool, command: CosignCommand, options: RunCosignOptions, acceptExitCodes?: number[]): Promise<ToolResult> {
  return runTool(tool, command.args, {
    logger: options.logger,
    env: options.env,
    secretEnv: command.secretEnv,
    cwd: options.cwd,
    signal: options.signal,
    timeoutMs: options.timeoutMs,
    acceptExitCodes,
  });
}

/** cosign's last `Error: ...` line, already redacted by the runner. */
function reason(stderr: string): string {
  const lines = stderr.split(/\r?\n/).filter((line) => line.trim());
  const error = [...lines].reverse().find((line) => /error/i.test(line)) ?? lines.at(-1);
  if (!error) return '';
  const text = error.replace(/^.*?error during command execution:\s*/i, '').replace(/^Error:\s*/, '').trim();
  return `: ${text.length > 500 ? `${text.slice(0, 500)}…` : text}`;
}

const simpleContainerImage = z.looseObject({
  critical: z
    .looseObject({
      identity: z.looseObject({ 'docker-reference': z.string().optional() }).optional(),
      image: z.looseObject({ 'docker-manifest-digest': z.string().optional() }).optional(),
    })
    .optional(),
  optional: z.record(z.string(), z.unknown()).nullish(),
});

/** The JSON array cosign prints on stdout; anything else there (a warning) is skipped. */
export function parseVerifyOutput(stdout: string): CosignVerifiedSignature[] {
  for (const line of stdout.split(/\r?\n/).reverse()) {
    if (!line.trim().startsWith('[')) continue;
    let json: unknown;
    try {
      json = JSON.parse(line);
    } catch {
      continue;
    }
    const parsed = z.array(simpleContainerImage).safeParse(json);
    if (!parsed.success) continue;
    return parsed.data.map((entry) => {
      const optional = entry.optional ?? {};
      const text = (key: string) => (typeof optional[key] === 'string' ? (optional[key] as string) : undefined);
      return {
        dockerReference: entry.critical?.identity?.['docker-reference'],
        digest: entry.critical?.image?.['docker-manifest-digest'],
        subject: text('Subject'),
        issuer: text('Issuer'),
        optional,
      };
    });
  }
  return [];
}
