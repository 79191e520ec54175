/**
 * Member names are normalized as the kernel would resolve them from the image root: checked against
 * Node's own POSIX path normalization on every name of up to five parts made of the pieces hostile
 * or unusual tar names are made of (so the fast path for plain names and the general one agree).
 */
import { posix } from 'node:path';
import { normalizeEntryPath } from './paths';

const PIECES = ['a', 'bc', '.', '..', '', '.wh.x', '...', '.hidden'];

function* names(parts: number): Generator<string> {
  if (parts === 0) {
    yield '';
    return;
  }
  for (const prefix of names(parts - 1)) for (const piece of PIECES) yield prefix === '' && parts === 1 ? piece : `${prefix}/${piece}`;
}

describe('normalizeEntryPath', () => {
  it('resolves every name as POSIX path normalization from the root does', () => {
    let checked = 0;
    const wrong: string[] = [];
    for (let parts = 1; parts <= 5; parts++) {
      for (const name of names(parts)) {
        for (const variant of [name, `./${name}`, `/${name}`, `${name}/`]) {
          const expected = posix.normalize(`/${variant}`).replace(/(.)\/+$/, '$1');
          const actual = normalizeEntryPath(variant).path;
          if (actual !== expected) wrong.push(`${JSON.stringify(variant)}: ${actual}, expected ${expected}`);
          checked++;
        }
      }
    }
    expect(wrong.slice(0, 10)).toEqual([]);
    expect(checked).toBeGreaterThan(100_000);
  });

  it('says when a name climbs above the root (and only then)', () => {
    expect(normalizeEntryPath('../../etc/passwd')).toEqual({ path: '/etc/passwd', clamped: true });
    expect(normalizeEntryPath('a/../../b')).toEqual({ path: '/b', clamped: true });
    expect(normalizeEntryPath('a/../b')).toEqual({ path: '/b', clamped: false });
    expect(normalizeEntryPath('./usr/bin/env')).toEqual({ path: '/usr/bin/env', clamped: false });
    expect(normalizeEntryPath('usr/lib/')).toEqual({ path: '/usr/lib', clamped: false });
    expect(normalizeEntryPath('./')).toEqual({ path: '/', clamped: false });
  });
});
