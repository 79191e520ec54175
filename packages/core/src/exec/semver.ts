/**
 * Just enough semver to check a tool's version against a tested range (`>=0.50 <1`). Written here
 * because the check is a dozen lines and a dependency for it would not earn its place.
 */

export interface SemVer {
  major: number;
  minor: number;
  patch: number;
  /** Pre-release identifiers (`1.0.0-rc.1` → ['rc', '1']); empty for a release. */
  prerelease: string[];
}

// `v` prefix, missing minor/patch (`0.50` → 0.50.0), pre-release and build metadata (ignored) are accepted,
// since tools print `v2.2.4`, `0.74.7` and `2.4.1-dev+abc` alike.
const VERSION = /^v?(\d+)(?:\.(\d+))?(?:\.(\d+))?(?:-([0-9A-Za-z.-]+))?(?:\+[0-9A-Za-z.-]+)?$/;

export function parseSemver(text: string): SemVer | undefined {
  const m = VERSION.exec(text.trim());
  if (!m) return undefined;
  return {
    major: Number(m[1]),
    minor: Number(m[2] ?? 0),
    patch: Number(m[3] ?? 0),
    prerelease: m[4] ? m[4].split('.') : [],
  };
}

export function formatSemver(v: SemVer): string {
  return `${v.major}.${v.minor}.${v.patch}${v.prerelease.length ? `-${v.prerelease.join('.')}` : ''}`;
}

/** Negative when a < b, zero when equal, positive when a > b (semver 2.0 precedence). */
export function compareSemver(a: SemVer, b: SemVer): number {
  for (const key of ['major', 'minor', 'patch'] as const) {
    if (a[key] !== b[key]) return a[key] - b[key];
  }
  // A pre-release sorts before its release: 1.0.0-rc.1 < 1.0.0.
  if (a.prerelease.length === 0 || b.prerelease.length === 0) {
    return b.prerelease.length - a.prerelease.length;
  }
  const length = Math.max(a.prerelease.length, b.prerelease.length);
  for (let i = 0; i < length; i++) {
    const x = a.prerelease[i];
    const y = b.prerelease[i];
    if (x === undefined) return -1;
    if (y === undefined) return 1;
    if (x === y) continue;
    const xNum = /^\d+$/.test(x);
    const yNum = /^\d+$/.test(y);
    if (xNum && yNum) return Number(x) - Number(y);
    if (xNum !== yNum) return xNum ? -1 : 1; // numeric identifiers sort before alphanumeric ones
    return x < y ? -1 : 1;
  }
  return 0;
}

const COMPARATOR = /^(>=|<=|>|<|=)?(.+)$/;

/**
 * Whether `version` satisfies a range of space-separated comparators, all of which must hold:
 * `>=2.2 <4`, `>=0.50.0 <1.0.0`, `=1.2.3`. Throws on a malformed range (a bug in our table, not user input).
 */
export function satisfies(version: SemVer, range: string): boolean {
  return range
    .trim()
    .split(/\s+/)
    .every((part) => {
      const m = COMPARATOR.exec(part);
      const bound = m ? parseSemver(m[2]) : undefined;
      if (!m || !bound) throw new Error(`invalid version range "${range}"`);
      const c = compareSemver(version, bound);
      switch (m[1]) {
        case '>=':
          return c >= 0;
        case '>':
          return c > 0;
        case '<=':
          return c <= 0;
        case '<':
          return c < 0;
        default:
          return c === 0;
      }
    });
}
