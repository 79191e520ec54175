/**
 * Go modules compiled into binaries, as syft's go-module-binary-cataloger reports them: the main
 * module, every dependency (replacements applied), and a `stdlib` package for the Go toolchain that
 * built the binary. Executables stream through `extract`, which keeps only their build-info blob.
 */
import { formatPurl } from '../purl';
import type { Cataloger, CollectedFile, CollectedFiles, Package } from '../types';
import { decodeInlineBlob, GoBuildInfoScanner, MAX_BUILDINFO_BLOB_BYTES } from './go-buildinfo';
import { type GoBuildInfo, type GoModule, parseModInfo } from './go-modinfo';

/** Smaller executables are scripts or tiny C programs: even a stripped Go "hello world" is ~1 MiB. */
const MIN_GO_BINARY_BYTES = 64 * 1024;
const DEVEL = '(devel)';

export const goBinaryCataloger: Cataloger = {
  name: 'go-binary',
  wants(_path, file) {
    return (file.mode & 0o111) !== 0 && file.size >= MIN_GO_BINARY_BYTES ? MAX_BUILDINFO_BLOB_BYTES : false;
  },
  async extract(stream: AsyncIterable<Buffer>) {
    const scanner = new GoBuildInfoScanner();
    // Stop reading as soon as the scanner needs no more (not ELF, or the build info was found): the
    // walker skips the rest of the file.
    for await (const chunk of stream) {
      if (!scanner.relevant) break;
      scanner.push(chunk);
    }
    return scanner.finish();
  },
  catalog(files) {
    return catalogGoBinaries(files);
  },
};

export function catalogGoBinaries(files: CollectedFiles): Package[] {
  const packages: Package[] = [];
  for (const file of files.all()) {
    const decoded = decodeInlineBlob(isElf(file.content) ? (scanWhole(file.content) ?? Buffer.alloc(0)) : file.content);
    if (!decoded) continue;
    packages.push(...packagesFromBuildInfo(parseModInfo(decoded.goVersion, decoded.modinfo), file));
  }
  return packages;
}

function isElf(content: Buffer): boolean {
  return content.length >= 4 && content.readUInt32BE(0) === 0x7f454c46;
}

/** The build-info blob of a whole executable, when a walker handed over the file rather than extract's blob. */
function scanWhole(content: Buffer): Buffer | undefined {
  const scanner = new GoBuildInfoScanner();
  scanner.push(content);
  return scanner.finish();
}

export function packagesFromBuildInfo(info: GoBuildInfo, file: Pick<CollectedFile, 'path' | 'layerDigest'>): Package[] {
  const location = { path: file.path, layerDigest: file.layerDigest };
  const goVersion = info.goVersion.split(' ')[0] ?? '';
  const arch = info.settings.find((s) => s.key === 'GOARCH')?.value;
  let main = info.main;
  let deps = info.deps;
  // GOPATH builds and `go build file.go` have no main module: syft takes the one (devel) dependency,
  // or makes one from the package path.
  if ((!main && info.path) || main?.path === 'command-line-arguments') {
    const develDeps = deps.filter((d) => d.version === DEVEL);
    if (develDeps.length === 1 && develDeps[0]) {
      main = develDeps[0];
      deps = deps.filter((d) => d !== main);
    } else {
      main = { path: info.path, version: DEVEL };
    }
  }

  const metadataFor = (mod: GoModule, mainPath: string | undefined): Record<string, string> => {
    const effective = mod.replace ?? mod;
    const metadata: Record<string, string> = { goCompiledVersion: goVersion };
    if (mainPath) metadata.mainModule = mainPath;
    if (arch) metadata.architecture = arch;
    if (effective.sum) metadata.h1Digest = effective.sum;
    return metadata;
  };

  const packages: Package[] = [];
  for (const dep of deps) {
    if (main && sameModule(dep, main)) continue;
    const pkg = modulePackage(dep, location, metadataFor(dep, main?.path));
    if (pkg) packages.push(pkg);
  }
  if (main) {
    const version = main.version === DEVEL ? mainModuleVersion(info, main.path) : main.version;
    const pkg = modulePackage({ ...main, version }, location, metadataFor(main, main.path));
    if (pkg) packages.unshift(pkg);
  }
  const stdlib = packages.length > 0 ? stdlibPackage(goVersion, location) : undefined;
  if (stdlib) packages.push(stdlib);
  return packages;
}

function sameModule(a: GoModule, b: GoModule): boolean {
  if (a.path !== b.path || a.version !== b.version || a.sum !== b.sum) return false;
  if (!a.replace || !b.replace) return a.replace === b.replace;
  return sameModule(a.replace, b.replace);
}

function modulePackage(mod: GoModule, location: Package['locations'][number], metadata: Record<string, string>): Package | undefined {
  // A replacement by a local directory keeps the original path; by another module, takes its path.
  let name = mod.path;
  let version = mod.version;
  if (mod.replace) {
    if (!mod.replace.path.startsWith('.') && !mod.replace.path.startsWith('/')) name = mod.replace.path;
    version = mod.replace.version;
  }
  if (version === DEVEL) version = '';
  if (!name) return undefined;
  return { name, version, type: 'go-module', purl: goPurl(name, version), licenses: [], locations: [location], metadata };
}

function stdlibPackage(goVersion: string, location: Package['locations'][number]): Package | undefined {
  const version = goVersion.replace(/^go/, '');
  // syft adds it only when the toolchain version is a version (it derives a CPE from it).
  if (!/^\d+(\.\d+)?(\.\d+)?/.test(version)) return undefined;
  return {
    name: 'stdlib',
    version: goVersion,
    type: 'go-module',
    purl: goPurl('stdlib', version),
    licenses: ['BSD-3-Clause'],
    locations: [location],
    metadata: { goCompiledVersion: goVersion },
    cpes: [stdlibCpe(version)],
  };
}

function stdlibCpe(version: string): string {
  const match = /^(\d+(?:\.\d+)?(?:\.\d+)?)(\w*)/.exec(version.split('+')[0] ?? '');
  const v = match?.[1] ?? version;
  const candidate = match?.[2] ?? '';
  return `cpe:2.3:a:golang:go:${v}:${candidate || '-'}:*:*:*:*:*:*`;
}

/**
 * A `(devel)` main module's version, as syft guesses it: a semver in `-ldflags -X` (main.version,
 * <module>/...Version), else a pseudo-version from the VCS revision and time; else unknown ('').
 */
export function mainModuleVersion(info: GoBuildInfo, mainPath: string): string {
  const setting = (key: string): string | undefined => info.settings.find((s) => s.key === key)?.value;
  const fromLdflags = versionFromLdflags(setting('-ldflags') ?? '', mainPath);
  if (fromLdflags) return fromLdflags;
  const revision = setting('vcs.revision');
  const time = setting('vcs.time');
  if (revision && time) {
    const parsed = new Date(time);
    const stamp = Number.isNaN(parsed.getTime()) ? '00010101000000' : parsed.toISOString().replace(/[-:T]/g, '').slice(0, 14);
    return `v0.0.0-${stamp}-${revision.slice(0, 12)}`;
  }
  return '';
}

const LDFLAGS_VERSION_PATTERNS = [
  String.raw`\.[a-zA-Z0-9]*([rR]elease)?([gG]it)?([bB]uild)?[vV]er(sion)?=(\S+/)*(?<version>v?\d+.\d+.\d+[-\w]*)`,
  String.raw`\.[a-zA-Z0-9]*([tT]ag)=(\S+/)*(?<version>v?\d+.\d+.\d+[-\w]*)`,
];

function versionFromLdflags(ldflags: string, mainPath: string): string | undefined {
  if (!ldflags) return undefined;
  for (const pattern of LDFLAGS_VERSION_PATTERNS) {
    let regex: RegExp;
    try {
      // As syft builds it: only the slashes of the module path are escaped.
      regex = new RegExp(`(main|${mainPath.replace(/\//g, '\\/')}\\/[^\\s]*)${pattern}`, 'm');
    } catch {
      continue;
    }
    const version = regex.exec(ldflags)?.groups?.version;
    if (version) return version.startsWith('v') ? version : `v${version}`;
  }
  return undefined;
}

/** syft's golang purl: the module path up to its last slash is the namespace (slashes kept). */
export function goPurl(modulePath: string, version: string): string {
  const lastSlash = modulePath.lastIndexOf('/');
  if (lastSlash > 0 && lastSlash < modulePath.length - 1) {
    return formatPurl({ type: 'golang', namespace: modulePath.slice(0, lastSlash), name: modulePath.slice(lastSlash + 1), version });
  }
  return formatPurl({ type: 'golang', name: modulePath, version });
}
