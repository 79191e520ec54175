import * as path from 'node:path';
import { ConfigValidationError, formatConfigError, type ConfigError } from './errors';
import { evaluateConfig, loadConfig, readConfigFile } from './load';
import { makeTempDir, type TempDir } from './test-support/temp-dir';

describe('loading the configuration', () => {
  let dir: TempDir;
  beforeEach(async () => {
    dir = await makeTempDir();
  });
  afterEach(async () => {
    await dir.remove();
  });

  /** The problems of one file, as `line:col: path: message` lines. */
  async function problems(text: string): Promise<string[]> {
    const file = await dir.write('security.yaml', text);
    const { errors } = await readConfigFile(file);
    return errors.map((e) => formatConfigError(e, dir.root).replace(/^security\.yaml:/, ''));
  }

  describe('a file', () => {
    it('may hold the block under `security:` beside other top-level keys, or be the block itself', async () => {
      const stack = await dir.write('stack/security.yaml', 'version: "3.9"\nservices:\n  api: { image: api }\nsecurity:\n  sbom:\n    enabled: true\n');
      const bare = await dir.write('bare/security.yaml', 'sbom:\n  enabled: true\n');
      const fromStack = await loadConfig({ files: [stack] });
      const fromBare = await loadConfig({ files: [bare] });
      expect(fromStack.config.sbom.enabled).toBe(true);
      expect(fromStack.config).toEqual(fromBare.config);
      expect(fromStack.sources['sbom.enabled']).toBe(`${stack}:6:14`);
    });

    it('that is empty, only comments, or a bare `security:` means the defaults', async () => {
      for (const text of ['', '# nothing yet\n', 'security:\n', 'name: x\nsecurity: # later\n']) {
        const file = await dir.write('security.yaml', text);
        const loaded = await loadConfig({ files: [file] });
        expect(loaded.config.signing.enabled).toBe(false);
        expect(Object.values(loaded.sources).every((s) => s === 'default')).toBe(true);
      }
    });

    it('makes relative paths absolute against its own directory', async () => {
      const file = await dir.write(
        'apps/api/security.yaml',
        [
          'signing:',
          '  key: keys/cosign.key',
          '  password: file://keys/pw',
          '  trustedRoot: ../trusted_root.json',
          '  verify: { key: awskms:///alias/release }',
          'registries:',
          '  "localhost:5000": { caFile: ca.pem, username: ci, password: env://REGISTRY_PASSWORD }',
        ].join('\n'),
      );
      const { config } = await loadConfig({ files: [file] });
      expect(config.signing.key).toBe(dir.path('apps/api/keys/cosign.key'));
      expect(config.signing.password).toBe(`file://${dir.path('apps/api/keys/pw')}`);
      expect(config.signing.trustedRoot).toBe(dir.path('apps/trusted_root.json'));
      expect(config.signing.verify.key).toBe('awskms:///alias/release');
      expect(config.registries['localhost:5000']).toEqual({
        insecure: false,
        caFile: dir.path('apps/api/ca.pem'),
        username: 'ci',
        password: 'env://REGISTRY_PASSWORD',
      });
    });
  });

  describe('inheritance', () => {
    it('merges defaults < workspace < project < Nx options < CLI flags, later wins, and records each source', async () => {
      await dir.write('nx.json', '{}');
      const workspace = await dir.write(
        'security.yaml',
        'security:\n  required: true\n  sbom:\n    enabled: true\n    format: spdx-json\n  scan:\n    enabled: true\n    tools: [{ name: grype }]\n',
      );
      const project = await dir.write('apps/api/security.yaml', 'sbom:\n  tool: syft\n  format: cyclonedx-json\n');
      const loaded = await loadConfig({
        cwd: dir.root,
        projectDir: 'apps/api',
        overrides: { sbom: { attach: true, tool: 'trivy' } },
        cli: { sbom: { tool: 'native', platform: undefined } },
      });
      expect(loaded.files).toEqual([workspace, project]);
      expect(loaded.workspaceRoot).toBe(dir.root);
      expect(loaded.config.required).toBe(true);
      expect(loaded.config.sbom).toEqual({ enabled: true, format: 'cyclonedx-json', tool: 'native', attach: true });
      expect(loaded.sources).toMatchObject({
        required: `${workspace}:2:13`,
        'sbom.enabled': `${workspace}:4:14`,
        'sbom.format': `${project}:3:11`,
        'sbom.attach': 'nx options',
        'sbom.tool': 'cli',
        'scan.tools[0].name': `${workspace}:8:21`,
        'provenance.enabled': 'default',
        'signing.format': 'default',
      });
    });

    it('replaces lists instead of appending to them', async () => {
      await dir.write('nx.json', '{}');
      const workspace = await dir.write(
        'security.yaml',
        'scan:\n  tools:\n    - { name: grype, failOn: high }\n    - { name: trivy }\n  ignore:\n    - { id: CVE-2020-1, reason: old }\n',
      );
      const project = await dir.write('svc/security.yaml', 'scan:\n  tools:\n    - name: trivy\n      failOn: Critical\n');
      const loaded = await loadConfig({ cwd: dir.path('svc') });
      expect(loaded.config.scan.tools).toEqual([{ name: 'trivy', failOn: 'critical' }]);
      expect(loaded.config.scan.ignore).toEqual([{ id: 'CVE-2020-1', reason: 'old' }]);
      expect(loaded.sources['scan.tools[0].name']).toBe(`${project}:3:13`);
      expect(loaded.sources['scan.tools[1].name']).toBeUndefined();
      expect(loaded.sources['scan.ignore[0].id']).toBe(`${workspace}:6:13`);
      const cleared = await loadConfig({ cwd: dir.path('svc'), cli: { scan: { ignore: [] } } });
      expect(cleared.config.scan.ignore).toEqual([]);
      expect(cleared.sources['scan.ignore']).toBe('cli');
    });

    it('deep-merges registries host by host', async () => {
      await dir.write('nx.json', '{}');
      await dir.write('security.yaml', 'registries:\n  "localhost:5000": { insecure: true }\n  ghcr.io: { username: bot, password: env://GHCR_TOKEN }\n');
      await dir.write('p/security.yaml', 'registries:\n  "localhost:5000": { caFile: /etc/ca.pem }\n');
      const { config } = await loadConfig({ cwd: dir.root, projectDir: 'p' });
      expect(config.registries).toEqual({
        'localhost:5000': { insecure: true, caFile: '/etc/ca.pem' },
        'ghcr.io': { insecure: false, username: 'bot', password: 'env://GHCR_TOKEN' },
      });
    });

    it('lets a project switch from the workspace keyless signing to a key without unsetting anything', async () => {
      await dir.write('nx.json', '{}');
      await dir.write(
        'security.yaml',
        'signing:\n  enabled: true\n  keyless: true\n  verify: { enabled: true, identityRegexp: "^https://github.com/acme/", oidcIssuer: "https://token.actions.githubusercontent.com" }\n',
      );
      await dir.write('legacy/security.yaml', 'signing:\n  key: cosign.key\n  verify: { key: cosign.pub }\n');
      const { config, sources } = await loadConfig({ cwd: dir.root, projectDir: 'legacy' });
      expect(config.signing.keyless).toBe(false);
      expect(config.signing.key).toBe(dir.path('legacy/cosign.key'));
      expect(config.signing.verify).toEqual({ enabled: true, key: dir.path('legacy/cosign.pub') });
      expect(sources['signing.keyless']).toBe('default');
      expect(sources['signing.verify.identityRegexp']).toBeUndefined();
    });

    it('resolves relative paths of Nx options against the workspace root and of CLI flags against the cwd', async () => {
      await dir.write('nx.json', '{}');
      const { config } = await loadConfig({
        cwd: dir.path('apps'),
        projectDir: 'api',
        overrides: { signing: { trustedRoot: 'config/root.json' } },
        cli: { signing: { key: 'my.key' } },
      });
      expect(config.signing.trustedRoot).toBe(dir.path('config/root.json'));
      expect(config.signing.key).toBe(dir.path('apps/my.key'));
    });
  });

  describe('discovery', () => {
    it('walks up to the nearest nx.json and reads the workspace and project files', async () => {
      await dir.write('nx.json', '{}');
      const workspace = await dir.write('security.yml', 'provenance: { enabled: true }\n');
      await dir.write('libs/deep/nested/README.md', '');
      const { files, config } = await loadConfig({ cwd: dir.path('libs/deep/nested') });
      expect(files).toEqual([workspace]);
      expect(config.provenance.enabled).toBe(true);
    });

    it('reads the root file once when the project is the workspace root', async () => {
      await dir.write('nx.json', '{}');
      const workspace = await dir.write('security.yaml', 'provenance: { enabled: true }\n');
      expect((await loadConfig({ cwd: dir.root })).files).toEqual([workspace]);
    });

    it('uses only the project file outside an Nx workspace, and the defaults when there is none', async () => {
      const project = await dir.write('svc/security.yaml', 'sbom: { enabled: true }\n');
      const loaded = await evaluateConfig({ cwd: dir.path('svc') });
      expect(loaded.workspaceRoot === undefined || !loaded.workspaceRoot.startsWith(dir.root)).toBe(true);
      expect(loaded.result?.files).toEqual([project]);
      await dir.write('empty/x', '');
      const none = await loadConfig({ cwd: dir.path('empty'), files: [] });
      expect(none.files).toEqual([]);
      expect(none.config.sbom.enabled).toBe(false);
    });

    it('refuses an ambiguous security.yaml beside a security.yml', async () => {
      await dir.write('nx.json', '{}');
      await dir.write('security.yaml', '{}');
      const yml = await dir.write('security.yml', '{}');
      const { errors } = await evaluateConfig({ cwd: dir.root });
      expect(errors).toEqual([{ file: yml, path: '', message: `both security.yaml and security.yml exist in ${dir.root}; keep one of them` }]);
    });

    it('uses an explicit file list instead of discovery', async () => {
      await dir.write('nx.json', '{}');
      await dir.write('security.yaml', 'sbom: { enabled: true }\n');
      const other = await dir.write('ci/strict.yaml', 'required: true\n');
      const loaded = await loadConfig({ cwd: dir.root, files: ['ci/strict.yaml'] });
      expect(loaded.files).toEqual([other]);
      expect(loaded.config.sbom.enabled).toBe(false);
      expect(loaded.config.required).toBe(true);
    });
  });

  describe('errors', () => {
    it('suggests the nearest key for a typo, at the key', async () => {
      expect(await problems('security:\n  scan:\n    tools:\n      - name: grype\n        failon: critical\n')).toEqual([
        '5:9: scan.tools[0].failon: unknown key `failon`; did you mean `failOn`?',
      ]);
    });

    it('lists the valid keys when nothing is close', async () => {
      expect(await problems('sbom:\n  colour: blue\n')).toEqual(['2:3: sbom.colour: unknown key `colour`; valid keys here: enabled, required, format, tool, attach, platform']);
    });

    it('points a stray top-level key of a bare file at the `security:` wrapper', async () => {
      const [message] = await problems('services:\n  api: {}\n');
      expect(message).toContain('1:1: services: unknown key `services`');
      expect(message).toContain('keeps the settings under `security:`');
    });

    it('says what was expected and what was found', async () => {
      expect(await problems('signing:\n  enabled: "yes"\n')).toEqual(['2:12: signing.enabled: expected true or false, found the string "yes"']);
      expect(await problems('scan:\n  tools: { name: grype }\n')).toEqual(['2:10: scan.tools: expected a list, found a mapping']);
      expect(await problems('scan:\n  tools:\n    - name: grpye\n')).toEqual([
        '3:13: scan.tools[0].name: expected one of `grype`, `trivy`, found the string "grpye"; did you mean `grype`?',
      ]);
      expect(await problems('scan:\n  ignore:\n    - id: CVE-2024-1\n      reason: x\n      expires: 2024-13-01\n')).toEqual([
        '5:16: scan.ignore[0].expires: expected a date written YYYY-MM-DD, e.g. 2026-06-30, found the string "2024-13-01"',
      ]);
      expect(await problems('scan:\n  tools:\n    - { name: grype, timeoutSeconds: 0 }\n')).toEqual([
        '3:38: scan.tools[0].timeoutSeconds: expected a number greater than 0, found the number 0',
      ]);
    });

    it('names a missing required key at its parent', async () => {
      expect(await problems('scan:\n  ignore:\n    - id: CVE-2024-1\n')).toEqual([
        '3:7: scan.ignore[0].reason: missing required key `reason` (a string)',
      ]);
    });

    it('reports an invalid registry name at the key', async () => {
      expect(await problems('registries:\n  https://r.example: { insecure: true }\n')).toEqual([
        '2:3: registries["https://r.example"]: invalid key `https://r.example`: expected a registry host with an optional port, e.g. registry.example.com or localhost:5000',
      ]);
    });

    it('never echoes a value written where a secret belongs', async () => {
      const found = await problems('signing:\n  password: hunter2-literal\nscan:\n  defectdojo:\n    apiKey: 1234567890\n');
      expect(found).toHaveLength(2);
      expect(found[0]).toMatch(/^2:13: signing\.password: a secret cannot be written into the configuration/);
      expect(found[1]).toBe('5:13: scan.defectdojo.apiKey: expected a string, found a number (not shown: it may be a secret)');
      expect(found.join('\n')).not.toMatch(/hunter2|1234567890/);
    });

    it('collects every problem of a file, not just the first', async () => {
      const found = await problems('signing:\n  enabled: 1\n  keyles: true\nsbom:\n  format: xml\n');
      expect(found.map((p) => p.split(': ')[0])).toEqual(['2:12', '3:3', '5:11']);
    });

    it('gives the YAML parser position (and the field it is in) for broken YAML', async () => {
      expect(await problems('security:\n  scan:\n    tools: [ { name: grype }\n')).toEqual([
        '4:1: scan.tools[0]: YAML syntax error: Flow sequence in block collection must be sufficiently indented and end with a ]',
      ]);
      expect(await problems('sbom:\n  enabled: true\n  enabled: false\n')).toEqual(['3:3: sbom: YAML syntax error: Map keys must be unique']);
    });

    it('survives hostile YAML: alias bombs and huge files', async () => {
      const bomb = ['a: &a ["x","x","x","x","x","x","x","x","x"]', 'b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]', 'c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]', 'd: [*c,*c,*c,*c,*c,*c,*c,*c,*c]'];
      const [bombProblem] = await problems(`${bomb.join('\n')}\n`);
      expect(bombProblem).toMatch(/^1:1: YAML error: .*alias/i);
      const [huge] = await problems(`# ${'x'.repeat(1024 * 1024)}\n`);
      expect(huge).toMatch(/holds at most 1 MiB/);
    });

    it('names a missing explicit file', async () => {
      const { errors } = await evaluateConfig({ cwd: dir.root, files: ['nope.yaml'] });
      expect(errors).toEqual([{ file: dir.path('nope.yaml'), path: '', message: 'file not found' }]);
    });

    it('labels problems of Nx options and CLI flags by their source', async () => {
      const { errors } = await evaluateConfig({ cwd: dir.root, files: [], overrides: { sbom: { format: 'xml' } }, cli: { signing: { keyles: true } } });
      expect(errors.map((e) => formatConfigError(e))).toEqual([
        'nx options: sbom.format: expected one of `cyclonedx-json`, `spdx-json`, found the string "xml"',
        'cli: signing.keyles: unknown key `keyles`; did you mean `keyless`?',
      ]);
    });

    it('places a problem of the merged configuration at the value that caused it', async () => {
      await dir.write('nx.json', '{}');
      const workspace = await dir.write('security.yaml', 'signing:\n  enabled: true\nscan:\n  enabled: true\n  defectdojo:\n    enabled: true\n    url: https://dojo.example\n');
      const project = await dir.write('api/security.yaml', 'scan:\n  tools: []\n');
      const { errors } = await evaluateConfig({ cwd: dir.path('api') });
      const lines = errors.map((e: ConfigError) => formatConfigError(e, dir.root));
      expect(lines).toEqual([
        'security.yaml:2:12: signing.enabled: signing is enabled but has no key: set `signing.key` (a file, env://VARIABLE or a KMS URI) or `signing.keyless: true`',
        'api/security.yaml:2:10: scan.tools: scanning is enabled but lists no tools: add e.g. `tools: [{ name: grype }]` (grype or trivy)',
        'security.yaml:6:14: scan.defectdojo.productName: the DefectDojo upload is enabled but `productName` is not set',
        'security.yaml:6:14: scan.defectdojo.engagementName: the DefectDojo upload is enabled but `engagementName` is not set',
      ]);
      expect(errors.map((e) => e.file)).toEqual([workspace, project, workspace, workspace]);
    });

    it('asks keyless verification for the expected issuer', async () => {
      const file = await dir.write('security.yaml', 'signing:\n  keyless: true\n  verify:\n    enabled: true\n    identity: release@example.com\n');
      const { errors } = await evaluateConfig({ files: [file] });
      expect(errors.map((e) => formatConfigError(e, dir.root))).toEqual([
        expect.stringMatching(/^security\.yaml:4:14: signing\.verify\.oidcIssuer: keyless verification needs the expected OIDC issuer/),
      ]);
    });

    it('throws one ShipshapeError of kind config listing every problem, one per line', async () => {
      const file = await dir.write('security.yaml', 'signing:\n  enabled: 1\nsbom:\n  format: xml\n');
      const error = (await loadConfig({ cwd: dir.root, files: [file] }).catch((e: unknown) => e)) as ConfigValidationError;
      expect(error).toBeInstanceOf(ConfigValidationError);
      expect(error.kind).toBe('config');
      expect(error.exitCode).toBe(2);
      expect(error.errors).toHaveLength(2);
      expect(error.message.split('\n')).toEqual([
        'the security configuration has 2 problems:',
        '  security.yaml:2:12: signing.enabled: expected true or false, found the number 1',
        '  security.yaml:4:11: sbom.format: expected one of `cyclonedx-json`, `spdx-json`, found the string "xml"',
      ]);
      expect(path.isAbsolute(error.errors[0].file)).toBe(true);
    });
  });
});
