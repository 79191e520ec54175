import { compareSemver, formatSemver, parseSemver, satisfies, type SemVer } from './semver';

const v = (text: string): SemVer => {
  const parsed = parseSemver(text);
  if (!parsed) throw new Error(`not a version: ${text}`);
  return parsed;
};

describe('semver', () => {
  it('parses the forms tools print: v prefix, missing parts, pre-release, build metadata', () => {
    expect(formatSemver(v('v2.2.4'))).toBe('2.2.4');
    expect(formatSemver(v('0.50'))).toBe('0.50.0');
    expect(formatSemver(v('1.0.0-rc.1+abc123'))).toBe('1.0.0-rc.1');
    expect(parseSemver('[not provided]')).toBeUndefined();
    expect(parseSemver('dev')).toBeUndefined();
  });

  it('orders versions numerically, not as text', () => {
    expect(compareSemver(v('0.100.0'), v('0.74.7'))).toBeGreaterThan(0);
    expect(compareSemver(v('2.10.0'), v('2.9.9'))).toBeGreaterThan(0);
    expect(compareSemver(v('1.2.3'), v('v1.2.3'))).toBe(0);
  });

  it('orders pre-releases before their release, by semver precedence', () => {
    const ordered = ['1.0.0-alpha', '1.0.0-alpha.1', '1.0.0-alpha.beta', '1.0.0-beta', '1.0.0-beta.2', '1.0.0-beta.11', '1.0.0-rc.1', '1.0.0'];
    const shuffled = [...ordered].reverse().map(v);
    expect(shuffled.sort(compareSemver).map(formatSemver)).toEqual(ordered);
  });

  it('checks a version against a tested range', () => {
    expect(satisfies(v('0.50.0'), '>=0.50 <1')).toBe(true);
    expect(satisfies(v('0.49.9'), '>=0.50 <1')).toBe(false);
    expect(satisfies(v('1.0.0'), '>=0.50 <1')).toBe(false);
    expect(satisfies(v('3.0.6'), '>=2.2.0 <4.0.0')).toBe(true);
    expect(satisfies(v('1.2.3'), '=1.2.3')).toBe(true);
    expect(() => satisfies(v('1.0.0'), '>=banana')).toThrow('invalid version range');
  });
});
