/**
 * Paths inside an image, as a container runtime sees them: absolute, `/`-separated, no `.` or empty
 * components, and `..` never above the root. Tar member names are untrusted (`../../etc/passwd`,
 * `/abs`, `a//b/./c`); they are only ever keys in memory, never host paths.
 */

/** Linux's PATH_MAX: a longer name could not exist in a running container either. */
export const MAX_PATH_LENGTH = 4096;

export interface NormalizedPath {
  /** `/a/b`; `/` for the root itself. */
  path: string;
  /** A `..` tried to climb above the root and was clamped there (as containerd's extraction does). */
  clamped: boolean;
}

/** Names with none of `//`, `/.` (so no `.` or `..` component) and no leading `.` other than `./`. */
const PLAIN_NAME = /^(?:\.\/)?\/?[^./][^]*$/;

export function normalizeEntryPath(name: string): NormalizedPath {
  // Fast path for the usual member names (`./usr/bin/x`, `usr/lib/`, `/etc/passwd`): strip the
  // leading `./` or `/` and a trailing `/`, nothing else to resolve.
  if (PLAIN_NAME.test(name) && !name.includes('//') && !name.includes('/.')) {
    const start = name.startsWith('./') ? (name.charCodeAt(2) === 0x2f ? 3 : 2) : name.charCodeAt(0) === 0x2f ? 1 : 0;
    const end = name.endsWith('/') ? name.length - 1 : name.length;
    return { path: `/${name.slice(start, end)}`, clamped: false };
  }
  const parts: string[] = [];
  let clamped = false;
  for (const part of name.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') {
      if (parts.length === 0) clamped = true;
      else parts.pop();
      continue;
    }
    parts.push(part);
  }
  return { path: `/${parts.join('/')}`, clamped };
}

/** The directory holding `path` (`/a/b` → `/a`, `/a` → `/`); the root has none. */
export function parentOf(path: string): string | undefined {
  if (path === '/') return undefined;
  const slash = path.lastIndexOf('/');
  return slash <= 0 ? '/' : path.slice(0, slash);
}

export function baseName(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}

export function joinPath(dir: string, name: string): string {
  return dir === '/' ? `/${name}` : `${dir}/${name}`;
}

/** `/a/b/c` → `/a/b`, `/a`, `/` (nearest first). */
export function* ancestorsOf(path: string): Generator<string> {
  for (let dir = parentOf(path); dir !== undefined; dir = parentOf(dir)) yield dir;
}

/** Whether `path` lies strictly below `dir`. */
export function isBelow(path: string, dir: string): boolean {
  if (dir === '/') return path !== '/';
  return path.length > dir.length && path.startsWith(dir) && path[dir.length] === '/';
}

/** OCI image-spec whiteouts: what a tar member named `.wh.*` means. */
export type Whiteout = { kind: 'opaque'; dir: string } | { kind: 'delete'; path: string } | { kind: 'ignored' };

const WHITEOUT_PREFIX = '.wh.';
const OPAQUE_MARKER = '.wh..wh..opq';

/** Undefined for an ordinary member; otherwise what the whiteout removes from the layers below. */
export function parseWhiteout(path: string): Whiteout | undefined {
  // Checked in place first: this runs for every member, and almost none is a whiteout.
  if (!path.startsWith(WHITEOUT_PREFIX, path.lastIndexOf('/') + 1)) return undefined;
  const base = baseName(path);
  const dir = parentOf(path) ?? '/';
  if (base === OPAQUE_MARKER) return { kind: 'opaque', dir };
  // `.wh..wh.*` are AUFS bookkeeping entries (`.wh..wh.plnk`, `.wh..wh.aufs`): not whiteouts of a file.
  if (base.startsWith(`${WHITEOUT_PREFIX}${WHITEOUT_PREFIX}`)) return { kind: 'ignored' };
  const name = base.slice(WHITEOUT_PREFIX.length);
  if (name === '' || name === '.' || name === '..') return { kind: 'ignored' };
  return { kind: 'delete', path: joinPath(dir, name) };
}
