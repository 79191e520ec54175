/**
 * When two records are the same finding: the same vulnerability in the same package. grype reports a
 * GitHub-sourced match under its GHSA id with the CVE among its related vulnerabilities, trivy under
 * the CVE; grype names a Maven package by artifact id, trivy by group:artifact; both give a purl.
 * So a vulnerability is keyed by its CVE when it has exactly one, and a package by ecosystem,
 * (for language packages) namespace, name and installed version.
 */
import { PackageURL } from 'packageurl-js';
import type { PackageRef } from './model';

const CVE = /^CVE-\d{4}-\d{4,}$/i;

/** The id findings are merged under: the id itself if it is a CVE, else the one CVE among its aliases, else the id. */
export function canonicalVulnerabilityId(id: string, aliases: readonly string[]): string {
  if (CVE.test(id)) return id.toUpperCase();
  const cves = [...new Set(aliases.filter((a) => CVE.test(a)).map((a) => a.toUpperCase()))];
  return cves.length === 1 ? cves[0]! : id;
}

export interface ParsedPurl {
  type: string;
  namespace?: string;
  name: string;
  version?: string;
}

export function parsePurl(purl: string | undefined): ParsedPurl | undefined {
  if (!purl) return undefined;
  try {
    const parsed = PackageURL.fromString(purl);
    return { type: parsed.type, namespace: parsed.namespace ?? undefined, name: parsed.name, version: parsed.version ?? undefined };
  } catch {
    return undefined;
  }
}

/** Operating-system package types: their purl namespace is the distribution, which tools spell differently (rhel/redhat). */
const OS_PURL_TYPES = new Set(['deb', 'apk', 'rpm', 'alpm']);

/** Each tool's package type word → the purl type, for records without a purl. */
const TYPE_TO_PURL: Readonly<Record<string, string>> = {
  // grype artifact types
  deb: 'deb',
  apk: 'apk',
  rpm: 'rpm',
  python: 'pypi',
  npm: 'npm',
  gem: 'gem',
  'java-archive': 'maven',
  'jenkins-plugin': 'maven',
  'go-module': 'golang',
  'rust-crate': 'cargo',
  'php-composer': 'composer',
  'dotnet': 'nuget',
  binary: 'generic',
  // trivy result types
  debian: 'deb',
  ubuntu: 'deb',
  alpine: 'apk',
  wolfi: 'apk',
  chainguard: 'apk',
  redhat: 'rpm',
  centos: 'rpm',
  rocky: 'rpm',
  alma: 'rpm',
  fedora: 'rpm',
  amazon: 'rpm',
  oracle: 'rpm',
  'cbl-mariner': 'rpm',
  azurelinux: 'rpm',
  suse: 'rpm',
  'opensuse.leap': 'rpm',
  photon: 'rpm',
  'node-pkg': 'npm',
  yarn: 'npm',
  pnpm: 'npm',
  jar: 'maven',
  pom: 'maven',
  gradle: 'maven',
  gobinary: 'golang',
  gomod: 'golang',
  pip: 'pypi',
  pipenv: 'pypi',
  poetry: 'pypi',
  'python-pkg': 'pypi',
  gemspec: 'gem',
  bundler: 'gem',
  cargo: 'cargo',
  'rustbinary': 'cargo',
  composer: 'composer',
  nuget: 'nuget',
};

/** The ecosystem of a package: its purl type, else the tool's type word mapped to one. */
export function ecosystem(type: string | undefined, purl: string | undefined): string {
  const parsed = parsePurl(purl);
  if (parsed) return parsed.type;
  const word = (type ?? '').toLowerCase();
  return TYPE_TO_PURL[word] ?? (word || 'unknown');
}

/** The key two tools' records of one package agree on. */
export function packageKey(pkg: Pick<PackageRef, 'name' | 'version' | 'type' | 'purl'>): string {
  const parsed = parsePurl(pkg.purl);
  const type = parsed?.type ?? ecosystem(pkg.type, undefined);
  let name = pkg.name;
  if (parsed && !OS_PURL_TYPES.has(parsed.type)) name = parsed.namespace ? `${parsed.namespace}/${parsed.name}` : parsed.name;
  return `${type}/${name.toLowerCase()}@${pkg.version}`;
}

export function findingKey(canonicalId: string, pkg: Pick<PackageRef, 'name' | 'version' | 'type' | 'purl'>): string {
  return `${canonicalId}|${packageKey(pkg)}`;
}
