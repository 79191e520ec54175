/**
 * Real archives: the jars Debian installs in /usr/share/java (Maven's own dependencies, on every
 * machine of this kind), read back with unzip as the reference; a war and a jar-in-jar built with the
 * JDK's `jar` tool; and hostile archives written with Python's zipfile.
 */
import { execFileSync } from 'node:child_process';
import { lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { javaArchiveCataloger } from './java';
import { parseArchiveFilename } from './java-manifest';
import { chunkedStream, collectHostFiles, collectHostTree, collectStream, HOST_LAYER, MemoryCollectedFiles, runCatalog } from './test-support/collect';

const JAVA_DIR = '/usr/share/java';

/** The pom.properties of an archive, as unzip reads them. */
function pomProperties(jar: string): { groupId: string; artifactId: string; version: string }[] {
  const entries = execFileSync('unzip', ['-Z1', jar], { encoding: 'utf8' }).split('\n').filter((e) => e.endsWith('pom.properties'));
  return entries.map((entry) => {
    const text = execFileSync('unzip', ['-p', jar, entry], { encoding: 'utf8' });
    const value = (key: string): string => new RegExp(`^${key}[=:](.*)$`, 'm').exec(text)?.[1]?.trim() ?? '';
    return { groupId: value('groupId'), artifactId: value('artifactId'), version: value('version') };
  });
}

const hasManifest = (jar: string): boolean => execFileSync('unzip', ['-Z1', jar], { encoding: 'utf8' }).split('\n').includes('META-INF/MANIFEST.MF');

describe('Java archive cataloger', () => {
  it("reports every Maven artifact of Debian's jars, named by their pom.properties", async () => {
    const jars = readdirSync(JAVA_DIR)
      .filter((f) => f.endsWith('.jar') && !lstatSync(path.join(JAVA_DIR, f)).isSymbolicLink())
      .map((f) => path.join(JAVA_DIR, f));
    expect(jars.length).toBeGreaterThan(5);
    const files = await collectHostFiles(javaArchiveCataloger, jars.map((j) => ({ host: j, image: j })));
    const { packages, warnings } = await runCatalog(javaArchiveCataloger, files);
    expect(warnings).toEqual([]);

    for (const jar of jars) {
      const inJar = packages.filter((p) => p.locations[0]?.path === jar);
      if (!hasManifest(jar)) continue;
      // One package for the archive itself, plus any other artifact bundled in it.
      expect(inJar.length).toBeGreaterThanOrEqual(1);
      for (const pom of pomProperties(jar)) {
        expect(inJar.map((p) => p.purl)).toContain(`pkg:maven/${pom.groupId}/${pom.artifactId}@${pom.version}`);
      }
    }
    expect(packages.find((p) => p.locations[0]?.path === `${JAVA_DIR}/commons-lang3.jar`)).toMatchObject({
      name: 'commons-lang3',
      version: '3.12.0',
      type: 'java-archive',
      purl: 'pkg:maven/org.apache.commons/commons-lang3@3.12.0',
      metadata: { groupId: 'org.apache.commons', virtualPath: `${JAVA_DIR}/commons-lang3.jar` },
    });
    // Guava declares its licence in the manifest.
    expect(packages.find((p) => p.name === 'guava')?.licenses).toEqual(['http://www.apache.org/licenses/LICENSE-2.0.txt']);
  });

  it('finds the jars nested in a war, and a jar nested in one of those', async () => {
    const work = mkdtempSync(path.join(tmpdir(), 'shipshape-war-'));
    try {
      const bundle = path.join(work, 'bundle');
      mkdirSync(path.join(bundle, 'lib'), { recursive: true });
      writeFileSync(path.join(bundle, 'lib', 'commons-io.jar'), readFileSync(`${JAVA_DIR}/commons-io.jar`));
      execFileSync('jar', ['--create', '--file', path.join(work, 'lib-bundle-1.1.jar'), '-C', bundle, '.']);

      const staging = path.join(work, 'war');
      mkdirSync(path.join(staging, 'WEB-INF', 'lib'), { recursive: true });
      writeFileSync(path.join(staging, 'WEB-INF', 'lib', 'commons-lang3.jar'), readFileSync(`${JAVA_DIR}/commons-lang3.jar`));
      writeFileSync(path.join(staging, 'WEB-INF', 'lib', 'lib-bundle-1.1.jar'), readFileSync(path.join(work, 'lib-bundle-1.1.jar')));
      writeFileSync(path.join(staging, 'index.html'), '<p>hello</p>\n');
      const war = path.join(work, 'out', 'shipshape-app-2.0.war');
      mkdirSync(path.dirname(war));
      execFileSync('jar', ['--create', '--file', war, '-C', staging, '.']);

      const files = await collectHostTree(javaArchiveCataloger, path.dirname(war), '/opt/app');
      const { packages, warnings } = await runCatalog(javaArchiveCataloger, files);
      expect(warnings).toEqual([]);
      const io = pomProperties(`${JAVA_DIR}/commons-io.jar`)[0];
      expect(packages.map((p) => [p.purl, p.metadata?.virtualPath])).toEqual([
        ['pkg:maven/shipshape-app/shipshape-app@2.0', '/opt/app/shipshape-app-2.0.war'],
        ['pkg:maven/org.apache.commons/commons-lang3@3.12.0', '/opt/app/shipshape-app-2.0.war:WEB-INF/lib/commons-lang3.jar'],
        ['pkg:maven/lib-bundle/lib-bundle@1.1', '/opt/app/shipshape-app-2.0.war:WEB-INF/lib/lib-bundle-1.1.jar'],
        [`pkg:maven/${io?.groupId}/${io?.artifactId}@${io?.version}`, '/opt/app/shipshape-app-2.0.war:WEB-INF/lib/lib-bundle-1.1.jar:lib/commons-io.jar'],
      ]);
      expect(packages.every((p) => p.locations[0]?.path === '/opt/app/shipshape-app-2.0.war')).toBe(true);
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  });

  it('turns a zip bomb, a lying size, a truncated archive and an oversized one into warnings', async () => {
    const work = mkdtempSync(path.join(tmpdir(), 'shipshape-bomb-'));
    try {
      // 200 MiB of zeros as the manifest (a few hundred KiB compressed), and a copy whose central
      // directory claims the entry inflates to 100 bytes.
      const script = `
import sys, zipfile, struct
with zipfile.ZipFile(sys.argv[1], 'w', zipfile.ZIP_DEFLATED) as z:
    with z.open('META-INF/MANIFEST.MF', 'w', force_zip64=False) as f:
        chunk = b'\\0' * (1 << 20)
        for _ in range(200): f.write(chunk)
data = bytearray(open(sys.argv[1], 'rb').read())
cd = data.rfind(b'PK\\x01\\x02')
struct.pack_into('<I', data, cd + 24, 100)
open(sys.argv[2], 'wb').write(bytes(data))
`;
      execFileSync('python3', ['-c', script, path.join(work, 'bomb.jar'), path.join(work, 'liar.jar')]);
      const truncated = readFileSync(`${JAVA_DIR}/commons-lang3.jar`);
      writeFileSync(path.join(work, 'cut.jar'), truncated.subarray(0, truncated.length / 2));

      const files = await collectHostTree(javaArchiveCataloger, work, '/opt');
      const { packages, warnings } = await runCatalog(javaArchiveCataloger, files);
      expect(packages).toEqual([]);
      expect(warnings).toEqual([
        expect.stringMatching(/^\/opt\/bomb\.jar: META-INF\/MANIFEST\.MF: 209715200 bytes, more than the \d+-byte limit; not read$/),
        expect.stringMatching(/^\/opt\/cut\.jar: not a readable zip archive \(.+\)$/),
        expect.stringMatching(/^\/opt\/liar\.jar: archive is corrupt \(.+\); the rest was not read$/),
      ]);

      const huge = await collectStream(javaArchiveCataloger, '/opt/huge.jar', chunkedStream(Buffer.alloc(65 * 1024 * 1024), 1 << 20), {
        size: 65 * 1024 * 1024,
        mode: 0o644,
        layerDigest: HOST_LAYER,
      });
      const result = await runCatalog(javaArchiveCataloger, new MemoryCollectedFiles(huge ? [huge] : []));
      expect(result.warnings).toEqual([expect.stringMatching(/^\/opt\/huge\.jar: 68157440 bytes, more than the \d+-byte limit for Java archives; not read$/)]);
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  });

  it('also reads an archive handed over whole instead of as the summary extract makes', async () => {
    const jar = readFileSync(`${JAVA_DIR}/commons-lang3.jar`);
    const files = new MemoryCollectedFiles([{ path: '/opt/lib/commons-lang3.jar', layerDigest: HOST_LAYER, size: jar.length, mode: 0o644, content: jar }]);
    const { packages } = await runCatalog(javaArchiveCataloger, files);
    expect(packages.map((p) => p.purl)).toEqual(['pkg:maven/org.apache.commons/commons-lang3@3.12.0']);
  });

  it('splits archive file names into name and version as syft does', () => {
    const split = (f: string): [string, string] => {
      const { name, version } = parseArchiveFilename(f);
      return [name, version];
    };
    // The cases syft's own tests pin down.
    const cases: [string, string, string][] = [
      ['pkg-maven-4.3.2.blerg', 'pkg-maven', '4.3.2'],
      ['pkg-maven.4.3.2.blerg', 'pkg-maven', '4.3.2'],
      ['pkg-maven_4.3.2.blerg', 'pkg-maven', '4.3.2'],
      ['pkg-extra-field-maven-4.3.2.war', 'pkg-extra-field-maven', '4.3.2'],
      ['liferay-package.lpkg', 'liferay-package', ''],
      ['/some/path-with-version-5.4.3/pkg-extra-field-maven-4.3.2-rc1.hpi', 'pkg-extra-field-maven', '4.3.2-rc1'],
      ['/some/path-with-version-5.4.3/wagon-webdav-1.0.2-beta-2.2.3a-hudson.jar', 'wagon-webdav', '1.0.2-beta-2.2.3a-hudson'],
      ['/some/path-with-version-5.4.3/wagon-http-lightweight-1.0.5-beta-2.jar', 'wagon-http-lightweight', '1.0.5-beta-2'],
      ['/hudson.war:WEB-INF/lib/commons-jelly-1.1-hudson-20100305.jar', 'commons-jelly', '1.1-hudson-20100305'],
      ['/hudson.war:WEB-INF/lib/jtidy-4aug2000r7-dev-hudson-1.jar', 'jtidy', '4aug2000r7-dev-hudson-1'],
      ['/hudson.war:WEB-INF/lib/trilead-ssh2-build212-hudson-5.jar', 'trilead-ssh2', 'build212-hudson-5'],
      ['/hudson.war:WEB-INF/lib/guava-r06.jar', 'guava', 'r06'],
      ['BOOT-INF/lib/spring-data-r2dbc-1.1.0.RELEASE.jar', 'spring-data-r2dbc', '1.1.0.RELEASE'],
      ['jboss-saaj-api_1.4_spec-1.0.2.Final.jar', 'jboss-saaj-api_1.4_spec', '1.0.2.Final'],
      ['/usr/share/java/gradle/lib/gradle-build-cache-8.1.1.jar', 'gradle-build-cache', '8.1.1'],
    ];
    for (const [file, name, version] of cases) expect([file, ...split(file)]).toEqual([file, name, version]);
    expect(split('commons-lang3.jar')).toEqual(['commons-lang3', '']);
    // Hostile names cost linear time.
    expect(split(`${'a-'.repeat(5000)}!.jar`)).toEqual(['', '']);
  });
});
