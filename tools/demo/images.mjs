/* global Buffer */
// Small, real container images for the demo and the release benchmark, written as OCI image layouts
// by Shipshape's own OCI code (no Docker, no umoci): a Debian-like base layer (os-release and a dpkg
// database) and an application layer (/app with node_modules/*/package.json), so the SBOM has real
// content. Reproducible: fixed timestamps, owners and order, so the same service gets the same
// digest on every run and machine.
import { createRequire } from 'node:module';
import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';

const EPOCH = 1700000000; // SOURCE_DATE_EPOCH of the repository's fixtures
const CREATED = new Date(EPOCH * 1000).toISOString().replace('.000Z', 'Z');
const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
const OCI_CONFIG = 'application/vnd.oci.image.config.v1+json';
const OCI_LAYER_GZIP = 'application/vnd.oci.image.layer.v1.tar+gzip';

const OS_RELEASE = `PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"
NAME="Debian GNU/Linux"
VERSION_ID="12"
VERSION="12 (bookworm)"
VERSION_CODENAME=bookworm
ID=debian
HOME_URL="https://www.debian.org/"
SUPPORT_URL="https://www.debian.org/support"
BUG_REPORT_URL="https://bugs.debian.org/"
`;

/** Debian 12 packages as they appear in /var/lib/dpkg/status (name, version, source, section, description). */
const DEBIAN_PACKAGES = [
  ['base-files', '12.4+deb12u5', '', 'admin', 'Debian base system miscellaneous files'],
  ['bash', '5.2.15-2+b2', '', 'shells', 'GNU Bourne Again SHell'],
  ['ca-certificates', '20230311', '', 'misc', 'Common CA certificates'],
  ['coreutils', '9.1-1', '', 'utils', 'GNU core utilities'],
  ['libc6', '2.36-9+deb12u4', 'glibc', 'libs', 'GNU C Library: Shared libraries'],
  ['libssl3', '3.0.11-1~deb12u2', 'openssl', 'libs', 'Secure Sockets Layer toolkit - shared libraries'],
  ['tzdata', '2024a-0+deb12u1', '', 'localization', 'time zone and daylight-saving time data'],
  ['zlib1g', '1:1.2.13.dfsg-1', 'zlib', 'libs', 'compression library - runtime'],
];

function dpkgStatus() {
  return DEBIAN_PACKAGES.map(([name, version, source, section, description]) =>
    [
      `Package: ${name}`,
      'Status: install ok installed',
      'Priority: required',
      `Section: ${section}`,
      'Installed-Size: 1024',
      'Maintainer: Debian Developers <debian-devel@lists.debian.org>',
      'Architecture: amd64',
      ...(source ? [`Source: ${source}`] : []),
      `Version: ${version}`,
      `Description: ${description}`,
      '',
    ].join('\n'),
  ).join('\n');
}

/** npm packages (name, version, licence) the services' images install. */
const NPM_PACKAGES = {
  api: [['express', '4.18.2', 'MIT'], ['body-parser', '1.20.2', 'MIT'], ['cookie', '0.5.0', 'MIT'], ['debug', '2.6.9', 'MIT'], ['ms', '2.0.0', 'MIT']],
  web: [['react', '18.2.0', 'MIT'], ['react-dom', '18.2.0', 'MIT'], ['scheduler', '0.23.0', 'MIT'], ['loose-envify', '1.4.0', 'MIT'], ['js-tokens', '4.0.0', 'MIT']],
  worker: [['ioredis', '5.3.2', 'MIT'], ['lodash', '4.17.21', 'MIT'], ['uuid', '9.0.1', 'MIT'], ['debug', '4.3.4', 'MIT'], ['ms', '2.1.2', 'MIT']],
};
const POOLS = Object.values(NPM_PACKAGES);

function appPackages(service, index) {
  return NPM_PACKAGES[service] ?? POOLS[index % POOLS.length];
}

/** A tar archive (GNU tar-like: directories first, fixed owners and mtimes) of `files` (path → text). */
async function tarOf(tarStream, files) {
  const pack = tarStream.pack();
  const chunks = [];
  pack.on('data', (chunk) => chunks.push(chunk));
  const done = new Promise((resolve, reject) => {
    pack.on('end', resolve);
    pack.on('error', reject);
  });
  const common = { uid: 0, gid: 0, uname: 'root', gname: 'root', mtime: new Date(EPOCH * 1000) };
  const dirs = new Set();
  for (const file of Object.keys(files)) {
    const parts = file.split('/');
    for (let i = 1; i < parts.length; i++) dirs.add(`${parts.slice(0, i).join('/')}/`);
  }
  for (const dir of [...dirs].sort()) pack.entry({ ...common, name: dir, type: 'directory', mode: 0o755 });
  for (const [name, text] of Object.entries(files).sort(([a], [b]) => a.localeCompare(b))) {
    pack.entry({ ...common, name, type: 'file', mode: 0o644 }, Buffer.from(text, 'utf8'));
  }
  pack.finalize();
  await done;
  return Buffer.concat(chunks);
}

function sha256(data) {
  return `sha256:${createHash('sha256').update(data).digest('hex')}`;
}

function layerFiles(service, index) {
  const packages = appPackages(service, index);
  const files = {
    'app/package.json': `${JSON.stringify({ name: service, version: '1.0.0', private: true, dependencies: Object.fromEntries(packages.map(([n, v]) => [n, v])) }, null, 2)}\n`,
    'app/server.js': `require('http').createServer((_, res) => res.end('${service}\\n')).listen(8080);\n`,
  };
  for (const [name, version, license] of packages) {
    files[`app/node_modules/${name}/package.json`] = `${JSON.stringify({ name, version, license, description: `${name} (demo copy of its package.json)` }, null, 2)}\n`;
  }
  return files;
}

/**
 * Writes `services` (names) as OCI layouts `<imagesDir>/<service>` tagged `tag`, using the
 * @shipshape/core installed in `workspaceRoot`. Returns [{ service, layout, reference, digest }].
 */
export async function buildServiceImages({ workspaceRoot, imagesDir, services, tag = '1' }) {
  const requireFromWorkspace = createRequire(`${workspaceRoot}/package.json`);
  const corePackage = requireFromWorkspace.resolve('@shipshape/core/package.json');
  const core = requireFromWorkspace('@shipshape/core');
  // tar-stream is a dependency of @shipshape/core: take the copy it uses.
  const tarStream = createRequire(corePackage)('tar-stream');

  const baseTar = await tarOf(tarStream, { 'etc/os-release': OS_RELEASE, 'var/lib/dpkg/status': dpkgStatus() });
  const base = { tar: baseTar, gz: gzipSync(baseTar, { level: 9 }) };
  const built = [];
  for (const [index, service] of services.entries()) {
    const appTar = await tarOf(tarStream, layerFiles(service, index));
    const layers = [base, { tar: appTar, gz: gzipSync(appTar, { level: 9 }) }];
    const config = Buffer.from(
      JSON.stringify({
        created: CREATED,
        architecture: 'amd64',
        os: 'linux',
        config: {
          Env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', 'NODE_ENV=production'],
          Cmd: ['node', '/app/server.js'],
          WorkingDir: '/app',
          Labels: { 'org.opencontainers.image.title': service, 'org.opencontainers.image.version': '1.0.0' },
        },
        rootfs: { type: 'layers', diff_ids: layers.map((l) => sha256(l.tar)) },
        history: [
          { created: CREATED, created_by: 'demo: Debian 12 base (os-release, dpkg status)' },
          { created: CREATED, created_by: `demo: /app of ${service}` },
        ],
      }),
    );
    const layout = `${imagesDir}/${service}`;
    const { store } = core.openImage(`oci:${layout}`);
    const configDescriptor = await store.putBlob(config, OCI_CONFIG);
    const layerDescriptors = [];
    for (const layer of layers) layerDescriptors.push(await store.putBlob(layer.gz, OCI_LAYER_GZIP));
    const manifest = {
      schemaVersion: 2,
      mediaType: OCI_MANIFEST,
      config: { mediaType: OCI_CONFIG, digest: configDescriptor.digest, size: configDescriptor.size },
      layers: layerDescriptors.map((d) => ({ mediaType: OCI_LAYER_GZIP, digest: d.digest, size: d.size })),
    };
    const descriptor = await store.putManifest(Buffer.from(JSON.stringify(manifest)), OCI_MANIFEST, tag);
    built.push({ service, layout, reference: `oci:${layout}:${tag}`, digest: descriptor.digest });
  }
  return built;
}
