/**
 * cosign matches `--certificate-identity-regexp` and `--certificate-oidc-issuer-regexp` with Go's
 * regexp package (RE2 syntax, `MatchString`: an unanchored search). Most patterns mean the same in
 * JavaScript; the Go-only syntax users write in policies is translated here, and what RE2 refuses
 * (lookaround, backreferences) is refused too, so a pattern passes or fails as it does in cosign.
 */

/** POSIX classes inside brackets (`[[:alpha:]]`), ASCII-only as in RE2. */
const POSIX_CLASSES: Readonly<Record<string, string>> = {
  alnum: 'A-Za-z0-9',
  alpha: 'A-Za-z',
  ascii: '\\x00-\\x7F',
  blank: '\\t ',
  cntrl: '\\x00-\\x1F\\x7F',
  digit: '0-9',
  graph: '!-~',
  lower: 'a-z',
  print: ' -~',
  punct: '!-\\/:-@\\[-`{-~',
  space: '\\t\\n\\v\\f\\r ',
  upper: 'A-Z',
  word: 'A-Za-z0-9_',
  xdigit: '0-9A-Fa-f',
};

const FLAG_MAP: Readonly<Record<string, string>> = { i: 'i', m: 'm', s: 's' };

export class GoRegExpError extends Error {}

/** A RegExp that matches what Go's regexp.MustCompile(pattern).MatchString would match. Throws GoRegExpError. */
export function goRegExp(pattern: string): RegExp {
  let rest = pattern;
  let flags = '';
  // Go allows flags anywhere; JavaScript (Node 20) has none inline, so only a leading group is translated.
  const leading = /^\(\?([a-zA-Z]+)\)/.exec(rest);
  if (leading) {
    for (const flag of leading[1]) {
      if (!FLAG_MAP[flag]) throw new GoRegExpError(`the flag "${flag}" in (?${leading[1]}) is not supported; use i, m or s`);
      if (!flags.includes(FLAG_MAP[flag])) flags += FLAG_MAP[flag];
    }
    rest = rest.slice(leading[0].length);
  }

  let out = '';
  let inClass = false;
  for (let i = 0; i < rest.length; i++) {
    const c = rest[i];
    if (c === '\\') {
      const next = rest[i + 1];
      if (next === undefined) throw new GoRegExpError('it ends with a lone backslash');
      if (next === 'Q') {
        // \Q...\E: everything between is literal.
        const end = rest.indexOf('\\E', i + 2);
        out += escapeLiteral(end < 0 ? rest.slice(i + 2) : rest.slice(i + 2, end));
        i = end < 0 ? rest.length : end + 1;
        continue;
      }
      if (/[1-9]/.test(next)) throw new GoRegExpError(`backreferences (\\${next}) are not part of Go's regular expression syntax`);
      if (!inClass && next === 'A') {
        out += '(?<![\\s\\S])';
      } else if (!inClass && next === 'z') {
        out += '(?![\\s\\S])';
      } else if (next === 'p' || next === 'P' || next === 'C' || (next === 'x' && rest[i + 2] === '{')) {
        throw new GoRegExpError(`\\${next}${next === 'x' ? '{…}' : ''} is not supported here; write the characters out`);
      } else {
        out += c + next;
      }
      i++;
      continue;
    }
    if (inClass) {
      if (c === '[' && rest[i + 1] === ':') {
        const end = rest.indexOf(':]', i + 2);
        const name = end < 0 ? '' : rest.slice(i + 2, end);
        const posix = POSIX_CLASSES[name];
        if (!posix) throw new GoRegExpError(`[:${name}:] is not a character class${name.startsWith('^') ? ' this check supports (negated classes are not)' : ''}`);
        out += posix;
        i = end + 1;
        continue;
      }
      if (c === ']') inClass = false;
      out += c === '[' ? '\\[' : c;
      continue;
    }
    if (c === '[') {
      inClass = true;
      out += c;
      if (rest[i + 1] === '^') {
        out += '^';
        i++;
      }
      // In RE2 a "]" right after "[" or "[^" is a literal; in JavaScript "[]" is an empty class.
      if (rest[i + 1] === ']') {
        out += '\\]';
        i++;
      }
      continue;
    }
    if (c === '(' && rest[i + 1] === '?') {
      const after = rest.slice(i + 2);
      if (after.startsWith('P<')) {
        out += '(?<';
        i += 3;
      } else if (after.startsWith(':')) {
        out += '(?:';
        i += 2;
      } else if (/^(<?[=!])/.test(after)) {
        throw new GoRegExpError("lookahead and lookbehind are not part of Go's regular expression syntax");
      } else if (after.startsWith('<')) {
        out += '(?<';
        i += 2;
      } else {
        throw new GoRegExpError('flags are supported only at the start of the pattern, as (?i)');
      }
      continue;
    }
    out += c;
  }
  if (inClass) throw new GoRegExpError('a "[" is not closed');
  try {
    return new RegExp(out, flags);
  } catch (error) {
    throw new GoRegExpError((error as Error).message.replace(/^Invalid regular expression: \/.*\/[a-z]*: /, ''));
  }
}

function escapeLiteral(text: string): string {
  return text.replace(/[\\^$.*+?()[\]{}|/-]/g, '\\$&');
}
