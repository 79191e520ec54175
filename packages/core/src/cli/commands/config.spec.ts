import * as path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { loadConfig } from '../../config';
import { makeTempDir, type TempDir } from '../../config/test-support/temp-dir';
import type { CliIO } from '../context';
import { runCli } from '../main';

const REPO_ROOT = path.resolve(__dirname, '../../../../..');

async function run(argv: string[], cwd: string): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const io: CliIO = { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t), env: {}, cwd };
  const code = await runCli(argv, io);
  return { code, stdout, stderr };
}

describe('shipshape config validate', () => {
  let dir: TempDir;
  beforeEach(async () => {
    dir = await makeTempDir();
  });
  afterEach(async () => {
    await dir.remove();
  });

  it.each([
    ['a typo', 'security:\n  scan:\n    enabled: true\n    tools:\n      - name: grype\n        failon: critical\n', 'typo.yaml:6:9: scan.tools[0].failon: unknown key `failon`; did you mean `failOn`?'],
    ['a wrong type', 'signing:\n  enabled: true\n  keyless: "yes"\n', 'type.yaml:3:12: signing.keyless: expected true or false, found the string "yes"'],
    ['broken YAML', 'sbom:\n  enabled: true\n   format: spdx-json\n', 'yaml.yaml:2:12: sbom.enabled: YAML syntax error: Nested mappings are not allowed in compact mappings'],
  ])('prints one message with file:line:column and field path for %s, and exits 2', async (_case, text, expected) => {
    const name = expected.split(':')[0];
    await dir.write(name, text);
    const { code, stdout, stderr } = await run(['config', 'validate', name], dir.root);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr.split('\n')).toEqual([expected, 'error: the configuration is invalid (1 problem)', '']);
  });

  it('prints ok for a valid file and exits 0', async () => {
    await dir.write('good.yaml', 'security:\n  sbom: { enabled: true, attach: true }\n');
    const { code, stdout, stderr } = await run(['config', 'validate', 'good.yaml'], dir.root);
    expect({ code, stdout, stderr }).toEqual({ code: 0, stdout: 'ok  good.yaml\n', stderr: '' });
  });

  it('checks each file on its own and reports all problems of each', async () => {
    await dir.write('a.yaml', 'provenance: { enabled: true }\n');
    await dir.write('b.yaml', 'sbom:\n  format: xml\n  tool: grype\n');
    const { code, stdout, stderr } = await run(['config', 'validate', 'a.yaml', 'b.yaml', 'missing.yaml'], dir.root);
    expect(code).toBe(2);
    expect(stdout).toBe('ok  a.yaml\n');
    expect(stderr.split('\n')).toEqual([
      'b.yaml:2:11: sbom.format: expected one of `cyclonedx-json`, `spdx-json`, found the string "xml"',
      'b.yaml:3:9: sbom.tool: expected one of `native`, `syft`, `trivy`, found the string "grype"',
      'missing.yaml: file not found',
      'error: the configuration is invalid (3 problems in 2 of 3 files)',
      '',
    ]);
  });

  it('never prints a secret written into a file', async () => {
    await dir.write('leak.yaml', 'signing:\n  password: my-very-secret-pw\n');
    const { code, stdout, stderr } = await run(['config', 'validate', 'leak.yaml'], dir.root);
    expect(code).toBe(2);
    expect(stderr).toContain('leak.yaml:2:13: signing.password: a secret cannot be written into the configuration');
    expect(stdout + stderr).not.toContain('my-very-secret-pw');
  });

  it('without files, checks the discovered files and their merged result', async () => {
    await dir.write('nx.json', '{}');
    await dir.write('security.yaml', 'security:\n  signing:\n    enabled: true\n');
    await dir.write('apps/web/security.yaml', 'sbom: { enabled: true }\n');
    const invalid = await run(['config', 'validate'], dir.path('apps/web'));
    expect(invalid.code).toBe(2);
    expect(invalid.stdout).toBe(`ok  security.yaml\n`);
    expect(invalid.stderr).toContain(`${dir.path('security.yaml')}:3:14: signing.enabled: signing is enabled but has no key`);

    await dir.write('apps/web/security.yaml', 'sbom: { enabled: true }\nsigning: { keyless: true }\n');
    const valid = await run(['config', 'validate'], dir.path('apps/web'));
    expect(valid).toEqual({ code: 0, stdout: `ok  ${dir.path('security.yaml')}\nok  security.yaml\n`, stderr: '' });
  });

  it('says so when there is nothing to check', async () => {
    await dir.write('nx.json', '{}');
    const { code, stdout } = await run(['config', 'validate'], dir.root);
    expect(code).toBe(0);
    expect(stdout).toBe('no security.yaml found: the defaults apply (every feature is off)\n');
  });

  it('gives machine-readable results with --output json', async () => {
    await dir.write('bad.yaml', 'sbom:\n  enabeld: true\n');
    const { code, stdout, stderr } = await run(['--output', 'json', 'config', 'validate', 'bad.yaml'], dir.root);
    expect(code).toBe(2);
    expect(JSON.parse(stdout)).toEqual({
      valid: false,
      files: [
        {
          file: dir.path('bad.yaml'),
          valid: false,
          errors: [{ file: dir.path('bad.yaml'), line: 2, column: 3, path: 'sbom.enabeld', message: 'unknown key `enabeld`; did you mean `enabled`?' }],
        },
      ],
    });
    // stdout holds only the JSON; people reading a CI log still see the problem on stderr.
    expect(stderr).toBe(
      'bad.yaml:2:3: sbom.enabeld: unknown key `enabeld`; did you mean `enabled`?\nerror: the configuration is invalid (1 problem)\n',
    );
  });
});

describe('shipshape config show', () => {
  it('shows the example project merged over its workspace, with the source of every value', async () => {
    const { code, stdout, stderr } = await run(['config', 'show', '--project', 'examples/demo/services/api'], REPO_ROOT);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const lines = stdout.split('\n');
    expect(lines[0]).toBe('# Effective security configuration for examples/demo/services/api');
    expect(lines[1]).toBe('# Sources, later wins: default < examples/demo/security.yaml < examples/demo/services/api/security.yaml');
    const line = (prefix: string) => lines.find((l) => l.trimStart().startsWith(prefix))?.replace(/\s+#/, ' #');
    expect(line('required:')).toBe('required: true # examples/demo/services/api/security.yaml:4:11');
    expect(line('keyless:')).toBe('  keyless: true # examples/demo/security.yaml:7:14');
    expect(line('format: spdx-json')).toBe('  format: spdx-json # examples/demo/services/api/security.yaml:6:11');
    expect(line('format: bundle')).toBe('  format: bundle # default');
    expect(line('- name: trivy')).toBe('    - name: trivy # examples/demo/services/api/security.yaml:12:13');
    expect(lines.filter((l) => l.includes('- name:'))).toHaveLength(2);

    // The text is YAML that reads back as exactly the effective configuration.
    const { config } = await loadConfig({ cwd: REPO_ROOT, projectDir: 'examples/demo/services/api' });
    expect(parseYaml(stdout)).toEqual(JSON.parse(JSON.stringify(config)));
  });

  it('gives { config, sources } with --output json', async () => {
    const { code, stdout } = await run(['--output', 'json', 'config', 'show', '--project', 'examples/demo/services/api'], REPO_ROOT);
    expect(code).toBe(0);
    const result = JSON.parse(stdout) as { config: { scan: { tools: unknown[] } }; sources: Record<string, string> };
    expect(result.config.scan.tools).toEqual([
      { name: 'grype', required: true, failOn: 'critical' },
      { name: 'trivy', failOn: 'critical', timeoutSeconds: 600 },
    ]);
    expect(result.sources['sbom.enabled']).toBe(`${path.join(REPO_ROOT, 'examples/demo/security.yaml')}:13:14`);
    expect(result.sources['sbom.format']).toBe(`${path.join(REPO_ROOT, 'examples/demo/services/api/security.yaml')}:6:11`);
    expect(result.sources['signing.tool']).toBe('default');
  });

  it('uses the global --config file instead of discovery', async () => {
    const { code, stdout } = await run(['--config', 'examples/demo/services/api/security.yaml', 'config', 'show', '--project', 'examples/demo'], REPO_ROOT);
    expect(code).toBe(0);
    expect(stdout).toContain('# Sources, later wins: default < examples/demo/services/api/security.yaml\n');
    expect(stdout).toMatch(/\n {2}enabled: false +# default\n/);
  });

  it('refuses an invalid configuration with every problem, and a project that does not exist', async () => {
    const dir = await makeTempDir();
    try {
      await dir.write('security.yaml', 'sbom:\n  format: xml\nscan:\n  tools: [{ name: grype, failOn: severe }]\n');
      const invalid = await run(['config', 'show'], dir.root);
      expect(invalid.code).toBe(2);
      expect(invalid.stdout).toBe('');
      expect(invalid.stderr.split('\n').slice(0, 3)).toEqual([
        'error: the security configuration has 2 problems:',
        '  security.yaml:2:11: sbom.format: expected one of `cyclonedx-json`, `spdx-json`, found the string "xml"',
        '  security.yaml:4:34: scan.tools[0].failOn: expected one of `negligible`, `low`, `medium`, `high`, `critical`, found the string "severe"',
      ]);
      const missing = await run(['config', 'show', '--project', 'nope'], dir.root);
      expect(missing.code).toBe(2);
      expect(missing.stderr).toBe(`error: --project nope: ${dir.path('nope')} is not a directory\n`);
    } finally {
      await dir.remove();
    }
  });
});
