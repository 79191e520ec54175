/**
 * The module information a Go binary embeds (what `go version -m` prints), parsed like
 * runtime/debug.ParseBuildInfo: tab-separated `path`, `mod`, `dep`, `=>` (replacement of the line
 * before) and `build key=value` lines. Older binaries carry only path/mod/dep lines; GOPATH builds
 * only path and build lines.
 */

export interface GoModule {
  path: string;
  version: string;
  sum?: string;
  replace?: GoModule;
}

export interface GoBuildInfo {
  goVersion: string;
  /** The main package's import path (`github.com/containers/skopeo/cmd/skopeo`). */
  path: string;
  main?: GoModule;
  deps: GoModule[];
  settings: { key: string; value: string }[];
}

export function parseModInfo(goVersion: string, modinfo: string): GoBuildInfo {
  const info: GoBuildInfo = { goVersion, path: '', deps: [], settings: [] };
  let last: GoModule | undefined;
  for (const line of modinfo.split('\n')) {
    const tab = line.indexOf('\t');
    if (tab < 0) continue;
    const kind = line.slice(0, tab);
    const rest = line.slice(tab + 1);
    switch (kind) {
      case 'path':
        info.path = rest;
        last = undefined;
        break;
      case 'mod':
      case 'dep': {
        const mod = parseModule(rest);
        if (!mod) break;
        if (kind === 'mod') info.main = mod;
        else info.deps.push(mod);
        last = mod;
        break;
      }
      case '=>': {
        const replacement = parseModule(rest);
        if (replacement && last) last.replace = replacement;
        last = undefined;
        break;
      }
      case 'build': {
        const setting = parseBuildSetting(rest);
        if (setting) info.settings.push(setting);
        last = undefined;
        break;
      }
      default:
        break;
    }
  }
  return info;
}

function parseModule(text: string): GoModule | undefined {
  const [path, version, sum] = text.split('\t');
  if (!path) return undefined;
  const mod: GoModule = { path, version: version ?? '' };
  if (sum) mod.sum = sum;
  return mod;
}

/** `key=value`, either side possibly a Go-quoted string when it holds spaces, quotes or `=`. */
function parseBuildSetting(text: string): { key: string; value: string } | undefined {
  let key: string;
  let rest: string;
  if (text.startsWith('"')) {
    const quoted = takeQuoted(text);
    if (!quoted) return undefined;
    key = quoted.value;
    rest = text.slice(quoted.length);
    if (!rest.startsWith('=')) return undefined;
    rest = rest.slice(1);
  } else {
    const eq = text.indexOf('=');
    if (eq <= 0) return undefined;
    key = text.slice(0, eq);
    rest = text.slice(eq + 1);
  }
  const value = rest.startsWith('"') ? (takeQuoted(rest)?.value ?? rest) : rest;
  return { key, value };
}

/** A Go double-quoted string literal at the start of `text` (JSON covers the escapes strconv.Quote emits). */
function takeQuoted(text: string): { value: string; length: number } | undefined {
  for (let i = 1; i < text.length; i++) {
    if (text[i] === '\\') {
      i++;
      continue;
    }
    if (text[i] === '"') {
      const literal = text.slice(0, i + 1);
      try {
        return { value: JSON.parse(literal.replace(/\\x([0-9a-fA-F]{2})/g, '\\u00$1')) as string, length: i + 1 };
      } catch {
        return { value: literal.slice(1, -1), length: i + 1 };
      }
    }
  }
  return undefined;
}
