import { parseSemver, satisfies } from './semver';
import { TOOL_NAMES, TOOLS } from './tools';

/** Version output in the formats the real tools print (text forms captured from their releases). */
const COSIGN_JSON = `{
  "gitVersion": "v2.2.4",
  "gitCommit": "fb651b4ddd8176bd81756fca2d988dd8611f514d",
  "gitTreeState": "clean",
  "buildDate": "2024-04-10T20:45:43Z",
  "goVersion": "go1.21.9",
  "compiler": "gc",
  "platform": "linux/amd64"
}`;
const COSIGN_TEXT = `  ______   ______        _______. __    _______ .__   __.
 /      | /  __  \\      /       ||  |  /  _____||  \\ |  |
cosign: A tool for Container Signing, Verification and Storage in an OCI registry.

GitVersion:    v3.0.2
GitCommit:     84449696f0658a5ef5f2abba87fdd3f8b17ca1be
GitTreeState:  clean
Platform:      linux/amd64`;
const SYFT_JSON = `{
 "application": "syft",
 "version": "1.0.1",
 "buildDate": "2024-03-01T20:06:36Z",
 "gitCommit": "a8b6cf8e6ff5bd57a4a29c1276aabb8f2e96ec4e",
 "gitDescription": "v1.0.1",
 "platform": "linux/amd64",
 "goVersion": "go1.21.7",
 "compiler": "gc",
 "schemaVersion": "16.0.4"
}`;
const GRYPE_JSON_DEV = `{
 "application": "grype",
 "buildDate": "[not provided]",
 "gitDescription": "v0.74.7",
 "version": "[not provided]",
 "syftVersion": "v0.105.1",
 "supportedDbSchema": 5
}`;
const GRYPE_TEXT = `Application:         grype
Version:             0.74.7
BuildDate:           2024-02-26T18:20:37Z
GitDescription:      v0.74.7
Syft Version:        v0.105.1
Supported DB Schema: 5`;
const TRIVY_JSON = `{"Version":"0.50.1","VulnerabilityDB":{"Version":2,"NextUpdate":"2024-03-21T12:11:48Z","UpdatedAt":"2024-03-20T12:11:48Z","DownloadedAt":"2024-03-20T16:18:50Z"}}`;
const TRIVY_TEXT = `Version: 0.50.1
Vulnerability DB:
  Version: 2
  UpdatedAt: 2024-03-20 12:11:48.071669389 +0000 UTC
  NextUpdate: 2024-03-21 12:11:48.071669139 +0000 UTC`;

describe('the tool table', () => {
  it('reads cosign versions from JSON and from the text banner', () => {
    const [json, text] = TOOLS.cosign.versionCommands;
    expect(json.args).toEqual(['version', '--json']);
    expect(json.parse(COSIGN_JSON)).toBe('2.2.4');
    expect(text.parse(COSIGN_TEXT)).toBe('3.0.2');
  });

  it('reads syft versions from JSON and from `syft --version`', () => {
    const [json, text] = TOOLS.syft.versionCommands;
    expect(json.parse(SYFT_JSON)).toBe('1.0.1');
    expect(text.args).toEqual(['--version']);
    expect(text.parse('syft 1.18.1\n')).toBe('1.18.1');
  });

  it('reads grype versions, falling back to gitDescription for builds without a version', () => {
    const [json, text] = TOOLS.grype.versionCommands;
    expect(json.parse(GRYPE_JSON_DEV)).toBe('0.74.7');
    expect(text.parse(GRYPE_TEXT)).toBe('0.74.7');
  });

  it('reads trivy versions and not the vulnerability database version', () => {
    const [json, text] = TOOLS.trivy.versionCommands;
    expect(json.parse(TRIVY_JSON)).toBe('0.50.1');
    expect(text.parse(TRIVY_TEXT)).toBe('0.50.1');
    expect(text.parse('2024-03-20T16:18:50Z\tINFO\tsomething\nVersion: 0.61.0\n')).toBe('0.61.0');
  });

  it('finds nothing in output that holds no version', () => {
    for (const name of TOOL_NAMES) {
      for (const command of TOOLS[name].versionCommands) {
        expect(command.parse('Error: unknown flag: --json\n')).toBeUndefined();
      }
    }
  });

  it('has a valid tested range, an override variable and a one-line install hint for every tool', () => {
    for (const name of TOOL_NAMES) {
      const spec = TOOLS[name];
      expect(() => satisfies(parseSemver('1.0.0')!, spec.testedRange)).not.toThrow();
      expect(spec.pathEnv).toBe(`SHIPSHAPE_${name.toUpperCase()}_PATH`);
      expect(spec.install).toMatch(/^install it with .* or see https:\/\/\S+$/);
      expect(spec.install).not.toContain('\n');
    }
  });
});
