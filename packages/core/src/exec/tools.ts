/**
 * The external tools Shipshape can drive, and what we know about each: its executable, how to read
 * its version, the versions we test against, and how a user installs it.
 */
import { parseSemver } from './semver';

export type ToolName = 'cosign' | 'syft' | 'grype' | 'trivy';

export const TOOL_NAMES: readonly ToolName[] = ['cosign', 'syft', 'grype', 'trivy'];

export interface VersionCommand {
  args: readonly string[];
  /** The version found in the command's output (`2.2.4`), or undefined when none is recognised. */
  parse: (output: string) => string | undefined;
}

export interface ToolSpec {
  name: ToolName;
  executable: string;
  /** Environment variable holding an explicit path to the executable, e.g. SHIPSHAPE_TRIVY_PATH. */
  pathEnv: string;
  /** Tried in order: the machine-readable form first, the text form for releases that lack it. */
  versionCommands: readonly VersionCommand[];
  /** Space-separated comparators (semver.ts `satisfies`); outside it we warn, we do not refuse. */
  testedRange: string;
  /** One line: how to install the tool. */
  install: string;
}

/** Reads the first of `keys` that holds a version from a JSON object somewhere in the output. */
function versionFromJson(output: string, keys: readonly string[]): string | undefined {
  const start = output.indexOf('{');
  const end = output.lastIndexOf('}');
  if (start < 0 || end <= start) return undefined;
  let data: unknown;
  try {
    data = JSON.parse(output.slice(start, end + 1));
  } catch {
    return undefined;
  }
  if (!data || typeof data !== 'object') return undefined;
  for (const key of keys) {
    const value = (data as Record<string, unknown>)[key];
    if (typeof value === 'string') {
      const version = cleanVersion(value);
      if (version) return version;
    }
  }
  return undefined;
}

/** Reads a version from the first line matching one of `patterns` (group 1 is the version). */
function versionFromText(output: string, patterns: readonly RegExp[]): string | undefined {
  for (const pattern of patterns) {
    const m = pattern.exec(output);
    const version = m?.[1] ? cleanVersion(m[1]) : undefined;
    if (version) return version;
  }
  return undefined;
}

/** `v2.2.4` → `2.2.4`; anything that is not a version (`[not provided]`, `dev`) → undefined. */
function cleanVersion(text: string): string | undefined {
  const trimmed = text.trim().replace(/^v/, '');
  return parseSemver(trimmed) ? trimmed : undefined;
}

function parser(jsonKeys: readonly string[], textPatterns: readonly RegExp[]): VersionCommand['parse'] {
  // Both parsers run on every output: a release may print text where we asked for JSON, or the reverse.
  return (output) => versionFromJson(output, jsonKeys) ?? versionFromText(output, textPatterns);
}

// `cosign version --json` → {"gitVersion":"v2.2.4",...} (sigs.k8s.io/release-utils);
// `cosign version` → an ASCII banner, then `GitVersion:    v2.2.4`.
const parseCosign = parser(['gitVersion'], [/^\s*GitVersion:\s*(\S+)/m]);
// `syft version -o json` / `grype version -o json` → {"application":"syft","version":"1.0.1","gitDescription":"v1.0.1",...};
// `syft --version` → `syft 1.0.1`; `grype version` → `Application: grype` / `Version:  0.74.7`.
const parseAnchore = (app: string) =>
  parser(['version', 'gitDescription'], [new RegExp(`^${app}\\s+(v?\\d\\S*)\\s*$`, 'm'), /^Version:\s*(\S+)/m]);
// `trivy version -f json` → {"Version":"0.50.1","VulnerabilityDB":{"Version":2,...}};
// `trivy --version` → `Version: 0.50.1` then indented database versions, which the anchored pattern skips.
const parseTrivy = parser(['Version'], [/^Version:\s*(\S+)/m]);

export const TOOLS: Readonly<Record<ToolName, ToolSpec>> = {
  cosign: {
    name: 'cosign',
    executable: 'cosign',
    pathEnv: 'SHIPSHAPE_COSIGN_PATH',
    versionCommands: [
      { args: ['version', '--json'], parse: parseCosign },
      { args: ['version'], parse: parseCosign },
    ],
    testedRange: '>=2.2.0 <4.0.0',
    install: 'install it with `brew install cosign` or see https://docs.sigstore.dev/cosign/system_config/installation/',
  },
  syft: {
    name: 'syft',
    executable: 'syft',
    pathEnv: 'SHIPSHAPE_SYFT_PATH',
    versionCommands: [
      { args: ['version', '-o', 'json'], parse: parseAnchore('syft') },
      { args: ['--version'], parse: parseAnchore('syft') },
    ],
    testedRange: '>=1.0.0 <2.0.0',
    install: 'install it with `brew install syft` or see https://github.com/anchore/syft#installation',
  },
  grype: {
    name: 'grype',
    executable: 'grype',
    pathEnv: 'SHIPSHAPE_GRYPE_PATH',
    versionCommands: [
      { args: ['version', '-o', 'json'], parse: parseAnchore('grype') },
      { args: ['version'], parse: parseAnchore('grype') },
    ],
    testedRange: '>=0.74.0 <1.0.0',
    install: 'install it with `brew install grype` or see https://github.com/anchore/grype#installation',
  },
  trivy: {
    name: 'trivy',
    executable: 'trivy',
    pathEnv: 'SHIPSHAPE_TRIVY_PATH',
    versionCommands: [
      { args: ['version', '-f', 'json'], parse: parseTrivy },
      { args: ['--version'], parse: parseTrivy },
    ],
    testedRange: '>=0.50.0 <1.0.0',
    install: 'install it with `brew install trivy` or see https://trivy.dev/latest/getting-started/installation/',
  },
};

export function isToolName(name: string): name is ToolName {
  return (TOOL_NAMES as readonly string[]).includes(name);
}
