import { execFileSync } from 'node:child_process';
import { readlinkSync } from 'node:fs';
import { fixtureImage } from '../../test-support/test-env';
import { detectDistro, osReleaseCataloger, parseOsRelease } from './os-release';
import { collectHostFiles, collectOciLayout, MemoryCollectedFiles } from './test-support/collect';

/** What a shell that sources the file sees: the reference reading of os-release(5). */
function sourced(file: string, keys: string[]): string[] {
  const script = `. "$1"; shift; for k in "$@"; do eval "printf '%s\\n' \\"\\\${$k}\\""; done`;
  return execFileSync('sh', ['-c', script, 'sh', file, ...keys], { encoding: 'utf8' }).split('\n').slice(0, keys.length);
}

describe('os-release', () => {
  it("reads this machine's os-release through the /etc/os-release symlink, with Debian's point release", async () => {
    const collected = await collectHostFiles(osReleaseCataloger, [
      { host: '/usr/lib/os-release', image: '/usr/lib/os-release' },
      { host: '/etc/debian_version', image: '/etc/debian_version' },
    ]);
    // Only the target was collected (the walker sees regular files); the symlink leads to it.
    const files = new MemoryCollectedFiles(collected.all(), new Map([['/etc/os-release', readlinkSync('/etc/os-release')]]));
    const distro = detectDistro(files);

    const [id, versionId, codename, name, prettyName] = sourced('/usr/lib/os-release', ['ID', 'VERSION_ID', 'VERSION_CODENAME', 'NAME', 'PRETTY_NAME']);
    expect(distro).toMatchObject({ id, versionCodename: codename, name, prettyName });
    // syft (1.41+) takes Debian's point release from /etc/debian_version.
    const pointRelease = execFileSync('cat', ['/etc/debian_version'], { encoding: 'utf8' }).trim();
    expect(distro?.versionId).toBe(/^\d+(\.\d+)?$/.test(pointRelease) ? pointRelease : versionId);
  });

  it('finds Debian 12 in the debian12 fixture image', async () => {
    const files = await collectOciLayout(osReleaseCataloger, fixtureImage('debian12').layout);
    expect(detectDistro(files)).toEqual({
      id: 'debian',
      versionId: '12',
      versionCodename: 'bookworm',
      name: 'Debian GNU/Linux',
      prettyName: 'Debian GNU/Linux 12 (bookworm)',
    });
  });

  it('parses quoting as the shell does and ignores comments and junk', () => {
    const values = parseOsRelease('# comment\nID="rhel"\nID_LIKE=\'fedora centos\'\nNAME="Red \\"Hat\\""\nnot a line\n=x\nVERSION_ID=9.3\n');
    expect(Object.fromEntries(values)).toEqual({ ID: 'rhel', ID_LIKE: 'fedora centos', NAME: 'Red "Hat"', VERSION_ID: '9.3' });
    expect(detectDistro(new MemoryCollectedFiles([]))).toBeUndefined();
  });
});
