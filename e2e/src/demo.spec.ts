/**
 * The README's main command, `bash tools/demo.sh`, as a user runs it: it must succeed with no
 * registry and no external tool, release every service (signed, and SBOM / provenance attached where
 * those executors exist), and show its second run replaying every cached Shipshape target.
 * The demo workspace goes to a temporary directory outside the repository (so nothing resolves from
 * the repository's node_modules), and what it left behind is checked with the `shipshape` command.
 */
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { cleanEnv, run, type RunResult } from './support/exec';
import { parseNxTasks } from './support/nx-output';

jest.setTimeout(20 * 60_000);

const REPO_ROOT = path.resolve(__dirname, '..', '..');
const SERVICES = ['api', 'web', 'worker'];
/** The heading the demo prints before its second release. */
const SECOND_RUN = /^── 4\. .*$/m;

let demoDir: string;
let demo: RunResult;
let declared: Set<string>;

beforeAll(async () => {
  demoDir = path.join(await mkdtemp(path.join(process.env.SHIPSHAPE_E2E_DIR ?? os.tmpdir(), 'shipshape-demo-')), 'demo');
  // No registry and no external tool: the test environment's variables are not passed on.
  const env = Object.fromEntries(Object.entries(cleanEnv()).filter(([key]) => !key.startsWith('SHIPSHAPE_TEST_')));
  demo = await run('bash', [path.join(REPO_ROOT, 'tools', 'demo.sh')], { cwd: REPO_ROOT, env: { ...env, SHIPSHAPE_DEMO_DIR: demoDir }, allowFailure: true });
  const executors = JSON.parse(await readFile(path.join(demoDir, 'node_modules', '@shipshape', 'nx', 'executors.json'), 'utf8')) as { executors: Record<string, unknown> };
  declared = new Set(Object.keys(executors.executors));
});

afterAll(async () => {
  if (demoDir && !process.env.SHIPSHAPE_E2E_KEEP) await rm(path.dirname(demoDir), { recursive: true, force: true });
});

function shipshape(args: string[]): Promise<RunResult> {
  return run(path.join(demoDir, 'node_modules', '.bin', 'shipshape'), args, { cwd: demoDir, env: cleanEnv() });
}

describe('bash tools/demo.sh', () => {
  it('runs to the end', () => {
    if (demo.code !== 0) throw new Error(`tools/demo.sh exited with ${demo.code}:\n${demo.output.slice(-6000)}`);
    expect(demo.output).toMatch(SECOND_RUN);
  });

  it('releases every service: each image is signed and its signatures verify', async () => {
    for (const service of SERVICES) {
      const image = JSON.parse(await readFile(path.join(demoDir, 'dist/shipshape/services', service, 'image.json'), 'utf8')) as { image: string };
      expect(image.image).toMatch(new RegExp(`^oci:images/${service}@sha256:[0-9a-f]{64}$`));
      const verified = await shipshape(['image', 'verify', '--image', image.image, '--key', 'cosign.pub', '--output', 'json']);
      expect((JSON.parse(verified.stdout) as { verified: unknown[] }).verified.length).toBeGreaterThan(0);
    }
  });

  it('attaches a CycloneDX SBOM with the image\'s packages (when the sbom executor exists)', async () => {
    if (!declared.has('sbom')) return console.warn('@shipshape/nx declares no sbom executor: SBOM assertions not run');
    for (const service of SERVICES) {
      const dir = path.join(demoDir, 'dist/shipshape/services', service, 'sbom');
      const documents = await Promise.all((await readdir(dir)).filter((f) => f !== 'result.json').map(async (f) => JSON.parse(await readFile(path.join(dir, f), 'utf8')) as { bomFormat?: string; components?: { name: string }[] }));
      const bom = documents.find((d) => d.bomFormat === 'CycloneDX');
      // The demo image holds 8 dpkg packages and 5 npm packages per service.
      const names = new Set(bom?.components?.map((c) => c.name));
      expect(names.has('libc6') && names.has('base-files')).toBe(true);
      const attested = await shipshape(['attest', 'verify', '--image', `oci:images/${service}:1`, '--type', 'cyclonedx', '--key', 'cosign.pub', '--output', 'json']);
      expect((JSON.parse(attested.stdout) as { verified: unknown[] }).verified.length).toBeGreaterThan(0);
    }
  });

  it('attaches SLSA v1 provenance (when the provenance executor exists)', async () => {
    if (!declared.has('provenance')) return console.warn('@shipshape/nx declares no provenance executor: provenance assertions not run');
    for (const service of SERVICES) {
      const attested = await shipshape(['attest', 'verify', '--image', `oci:images/${service}:1`, '--type', 'slsaprovenance1', '--key', 'cosign.pub', '--output', 'json']);
      expect((JSON.parse(attested.stdout) as { verified: unknown[] }).verified.length).toBeGreaterThan(0);
    }
  });

  it('scans fail-open: with no scanner installed the scan warns and the release goes on (when the scan executor exists)', async () => {
    if (!declared.has('scan')) return console.warn('@shipshape/nx declares no scan executor: scan assertions not run');
    const firstRun = parseNxTasks(demo.output.split(SECOND_RUN)[0]);
    for (const service of SERVICES) {
      expect(firstRun.get(`${service}:scan`)?.outcome).toBe('ran');
      // Each scanner either scanned or says why not; either way the release went on (the demo succeeded).
      const result = JSON.parse(await readFile(path.join(demoDir, 'dist/shipshape/services', service, 'scan', 'result.json'), 'utf8')) as {
        tools?: { tool: string; status: string; failure?: { reason: string } }[];
      };
      expect(result.tools?.map((t) => t.tool).sort()).toEqual(['grype', 'trivy']);
      for (const tool of result.tools ?? []) expect(tool.status === 'ok' || (tool.status === 'failed' && Boolean(tool.failure?.reason))).toBe(true);
    }
    expect(demo.code).toBe(0);
  });

  it('its second run replays every cached Shipshape target from the cache', () => {
    const [first, second] = demo.output.split(SECOND_RUN).map(parseNxTasks);
    const cachedTargets = ['image-sign', 'sbom', 'scan', 'provenance'].filter((t) => declared.has(t));
    for (const service of SERVICES) {
      for (const target of cachedTargets) {
        expect([`${service}:${target}`, first.get(`${service}:${target}`)?.outcome]).toEqual([`${service}:${target}`, 'ran']);
        expect([`${service}:${target}`, second.get(`${service}:${target}`)?.outcome]).toEqual([`${service}:${target}`, 'local cache']);
      }
      expect(second.get(`${service}:image-digest`)?.outcome).toBe('ran');
    }
  });
});
