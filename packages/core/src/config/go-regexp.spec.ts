/**
 * Patterns as cosign users write them, matched as Go's regexp.MatchString matches them. Expected
 * results follow the RE2 syntax reference (github.com/google/re2/wiki/Syntax) and Go's regexp docs.
 */
import { goRegExp, GoRegExpError } from './go-regexp';

const matches = (pattern: string, text: string) => goRegExp(pattern).test(text);
const WORKFLOW = 'https://github.com/Acme/shop/.github/workflows/release.yml@refs/tags/v1.4.0';

describe('goRegExp', () => {
  it('searches unanchored, as MatchString does', () => {
    expect(matches('acme', 'https://github.com/acme/shop')).toBe(true);
    expect(matches('^acme', 'https://github.com/acme/shop')).toBe(false);
    expect(matches('shop$', 'https://github.com/acme/shop\n')).toBe(false);
  });

  it('takes leading flags: (?i) case-insensitive, (?s) dot matches newline, (?m) multi-line', () => {
    expect(matches('(?i)^https://github\\.com/acme/', WORKFLOW)).toBe(true);
    expect(matches('^https://github\\.com/acme/', WORKFLOW)).toBe(false);
    expect(matches('(?s)a.b', 'a\nb')).toBe(true);
    expect(matches('a.b', 'a\nb')).toBe(false);
    expect(matches('(?m)^b$', 'a\nb\nc')).toBe(true);
    expect(matches('(?im)^B$', 'a\nb')).toBe(true);
  });

  it('takes named groups in both Go spellings', () => {
    expect(matches('@refs/tags/(?P<version>v[0-9.]+)$', WORKFLOW)).toBe(true);
    expect(matches('@refs/tags/(?<version>v[0-9.]+)$', WORKFLOW)).toBe(true);
  });

  it('takes \\A and \\z as the text boundaries, also under (?m)', () => {
    expect(matches('\\Ahttps://', WORKFLOW)).toBe(true);
    expect(matches('(?m)\\Ab$', 'a\nb')).toBe(false);
    expect(matches('(?m)^b$', 'a\nb')).toBe(true);
    expect(matches('v1\\.4\\.0\\z', WORKFLOW)).toBe(true);
    expect(matches('(?m)a\\z', 'a\nb')).toBe(false);
  });

  it('takes POSIX classes and a leading "]" in a class', () => {
    expect(matches('^[[:alpha:]]+://', WORKFLOW)).toBe(true);
    expect(matches('v[[:digit:].]+$', WORKFLOW)).toBe(true);
    expect(matches('^[]a]+$', ']a]')).toBe(true);
    expect(matches('^[^]a]+$', 'bcd')).toBe(true);
    expect(matches('^[^]a]+$', 'b]d')).toBe(false);
  });

  it('takes \\Q...\\E as a literal', () => {
    expect(matches('\\Q.github/workflows/release.yml@\\E', WORKFLOW)).toBe(true);
    expect(matches('\\Qa.c\\E', 'abc')).toBe(false);
  });

  it("refuses what RE2 refuses, so a pattern cosign rejects is rejected here too", () => {
    expect(() => goRegExp('^(?=https)')).toThrow(new GoRegExpError("lookahead and lookbehind are not part of Go's regular expression syntax"));
    expect(() => goRegExp('(?<!x)y')).toThrow(GoRegExpError);
    expect(() => goRegExp('(a)\\1')).toThrow(/backreferences/);
    expect(() => goRegExp('a(?i)b')).toThrow(/only at the start/);
    expect(() => goRegExp('[[:^alpha:]]')).toThrow(/negated classes are not/);
    expect(() => goRegExp('(unclosed')).toThrow(GoRegExpError);
    expect(() => goRegExp('[abc')).toThrow(/not closed/);
  });
});
