/**
 * Why a tool run failed, in the few classes a caller acts on differently: only `network` is worth
 * retrying; the rest are reported at once with what the user needs to fix them.
 */
import { ShipshapeError } from '../errors';

export type ToolFailure =
  | 'not-installed' // not found, or found but cannot be started
  | 'timed-out' // ran longer than its timeout and was killed
  | 'cancelled' // the caller aborted it
  | 'killed' // ended by a signal nobody here sent (OOM killer, a CI runner stopping)
  | 'network' // exited non-zero with a network error in its output
  | 'exit-status'; // exited non-zero for any other reason

const DESCRIPTIONS: Record<ToolFailure, string> = {
  'not-installed': 'could not be started',
  'timed-out': 'timed out',
  cancelled: 'was cancelled',
  killed: 'was killed',
  network: 'failed with a network error',
  'exit-status': 'failed',
};

export interface ToolErrorDetails {
  tool: string;
  failure: ToolFailure;
  exitCode?: number;
  signal?: string;
  /** The last stderr lines, already redacted. */
  stderrTail?: readonly string[];
  /** How many times the tool was run (more than 1 after network retries). */
  attempts?: number;
  /** The timeout that was exceeded, for the timed-out class. */
  timeoutMs?: number;
  /** Replaces the generated first line, e.g. for "not installed" with its install hint. */
  summary?: string;
  hint?: string;
}

/** A failed tool run: kind 'network' for the network class, 'tool' for everything else. */
export class ToolError extends ShipshapeError {
  readonly tool: string;
  readonly failure: ToolFailure;
  /** The tool's exit status (`exitCode`, inherited, is the CLI's exit code for this error). */
  readonly toolExitCode?: number;
  readonly signal?: string;
  readonly stderrTail: readonly string[];
  readonly attempts: number;

  constructor(details: ToolErrorDetails) {
    super(details.failure === 'network' ? 'network' : 'tool', describeFailure(details), { hint: details.hint });
    this.name = 'ToolError';
    this.tool = details.tool;
    this.failure = details.failure;
    this.toolExitCode = details.exitCode;
    this.signal = details.signal;
    this.stderrTail = details.stderrTail ?? [];
    this.attempts = details.attempts ?? 1;
  }
}

function describeFailure(d: ToolErrorDetails): string {
  let line = d.summary ?? `${d.tool} ${DESCRIPTIONS[d.failure]}`;
  if (!d.summary && d.failure === 'timed-out' && d.timeoutMs !== undefined) line += ` after ${formatDuration(d.timeoutMs)}`;
  if (!d.summary) {
    const facts: string[] = [];
    if (d.exitCode !== undefined) facts.push(`exit status ${d.exitCode}`);
    if (d.signal) facts.push(`signal ${d.signal}`);
    if (d.attempts && d.attempts > 1) facts.push(`after ${d.attempts} attempts`);
    if (facts.length) line += ` (${facts.join(', ')})`;
  }
  const tail = d.stderrTail?.length ? `\n${d.stderrTail.map((l) => `  | ${l}`).join('\n')}` : '';
  return `${line}${tail}`;
}

/** 250ms, 1.5s, 10m: for messages, not for parsing. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)}ms`;
  if (ms < 60_000) return `${Number((ms / 1000).toFixed(1))}s`;
  return `${Number((ms / 60_000).toFixed(1))}m`;
}

/**
 * Messages that mean "the network, not the input, is the problem", as Go tools (cosign, syft, grype,
 * trivy via net/http and go-containerregistry) and Node print them. Matched on stderr only: stdout is
 * data (a report may well mention "connection refused" in a CVE description).
 */
const NETWORK_PATTERNS: readonly RegExp[] = [
  /connection refused/i,
  /connection reset/i,
  /no such host/i,
  /i\/o timeout/i,
  /TLS handshake timeout/i,
  /dial tcp/i,
  /network is unreachable/i,
  /temporary failure in name resolution/i,
  /server misbehaving/i,
  /Client\.Timeout exceeded/i,
  /timeout awaiting response headers/i,
  /\bE(?:CONNREFUSED|CONNRESET|TIMEDOUT|AI_AGAIN|HOSTUNREACH|NETUNREACH)\b/,
  /too ?many ?requests/i,
  /bad gateway|service unavailable|gateway time-?out/i,
  // A bare 502 could be anything; a status code in an HTTP context is not.
  /(?:status(?: code)?|HTTP\/\d(?:\.\d)?|response code)\s*:?\s*(?:429|502|503|504)\b/i,
];

/** Only the end of stderr decides: the final error, not a transient warning the tool recovered from. */
const CLASSIFY_TAIL_LINES = 20;

export function looksLikeNetworkError(stderr: string): boolean {
  const tail = stderr.split(/\r?\n/).slice(-CLASSIFY_TAIL_LINES).join('\n');
  return NETWORK_PATTERNS.some((p) => p.test(tail));
}

/** What execa reports about a finished run, reduced to what classification needs. */
export interface RunOutcome {
  exitCode?: number;
  signal?: string;
  timedOut: boolean;
  cancelled: boolean;
  /** Node's spawn error code (ENOENT, EACCES) when the process never started. */
  spawnErrorCode?: string;
  stderr: string;
}

/** The failure class of a run, or undefined when it succeeded (or its exit code is accepted as data). */
export function classifyOutcome(outcome: RunOutcome, acceptExitCode: (code: number) => boolean): ToolFailure | undefined {
  if (outcome.spawnErrorCode) return 'not-installed';
  if (outcome.timedOut) return 'timed-out';
  if (outcome.cancelled) return 'cancelled';
  if (outcome.exitCode === undefined) return outcome.signal ? 'killed' : 'exit-status';
  if (outcome.exitCode === 0 || acceptExitCode(outcome.exitCode)) return undefined;
  return looksLikeNetworkError(outcome.stderr) ? 'network' : 'exit-status';
}
