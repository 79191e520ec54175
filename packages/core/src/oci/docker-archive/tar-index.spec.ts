/**
 * The tar scanner on archives GNU tar writes, and on headers changed the way a writer of huge files
 * (base-256 sizes) or an attacker (bad checksums, repeated names, endless members) would.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { normalizeMemberName, resolveLinkTarget, scanTar } from './tar-index';

let work: string;
beforeAll(() => {
  work = mkdtempSync(path.join(tmpdir(), 'shipshape-tar-'));
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** A tar made by GNU tar from files given as name → content. */
function gnuTar(name: string, files: Record<string, string>, format = 'gnu'): string {
  const dir = path.join(work, `${name}-src`);
  for (const [file, content] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    writeFileSync(path.join(dir, file), content);
  }
  const archive = path.join(work, `${name}.tar`);
  execFileSync('tar', [`--format=${format}`, '-cf', archive, '-C', dir, ...Object.keys(files)]);
  return archive;
}

function rewriteChecksum(header: Buffer): void {
  header.fill(0x20, 148, 156);
  let sum = 0;
  for (const byte of header.subarray(0, 512)) sum += byte;
  header.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'latin1');
}

describe('scanTar', () => {
  it('finds every member with the offset and size of its data', async () => {
    const archive = gnuTar('plain', { 'a.txt': 'alpha', 'dir/b.txt': 'bravo-bravo' }, 'ustar');
    const members = await scanTar(archive);
    const bytes = readFileSync(archive);
    for (const [name, content] of [['a.txt', 'alpha'], ['dir/b.txt', 'bravo-bravo']]) {
      const member = members.get(name);
      expect(member).toMatchObject({ type: 'file', size: content.length });
      if (!member) continue;
      expect(bytes.subarray(member.offset, member.offset + member.size).toString()).toBe(content);
    }
  });

  it('reads a size written in base-256, as tar writers do for members over 8 GiB', async () => {
    const archive = gnuTar('base256', { 'big.bin': 'twelve bytes' });
    const bytes = readFileSync(archive);
    bytes.fill(0, 124, 136);
    bytes[124] = 0x80;
    bytes[135] = 12;
    rewriteChecksum(bytes);
    writeFileSync(archive, bytes);
    expect((await scanTar(archive)).get('big.bin')).toMatchObject({ size: 12, offset: 512 });
  });

  it('refuses a header whose checksum does not match', async () => {
    const archive = gnuTar('checksum', { 'a.txt': 'alpha' });
    const bytes = readFileSync(archive);
    bytes[0] = 'b'.charCodeAt(0); // the name changes, the checksum does not
    writeFileSync(archive, bytes);
    await expect(scanTar(archive)).rejects.toThrow('the tar header at offset 0 has a bad checksum');
  });

  it('refuses a member that appears twice (a later copy could shadow what was checked)', async () => {
    const first = gnuTar('dup', { 'manifest.json': '[]' });
    execFileSync('tar', ['--append', '-f', first, '-C', path.join(work, 'dup-src'), 'manifest.json']);
    await expect(scanTar(first)).rejects.toThrow('the member "manifest.json" appears twice');
  });

  it('bounds the number of members it will index', async () => {
    const archive = gnuTar('many', { a: '1', b: '2', c: '3' });
    await expect(scanTar(archive, { maxMembers: 2 })).rejects.toThrow('more than 2 members');
  });
});

describe('member names', () => {
  it('normalizes harmless spellings', () => {
    expect(normalizeMemberName('./blobs//sha256/abc/', 'x.tar')).toBe('blobs/sha256/abc');
  });

  it.each(['/etc/passwd', '../x', 'a/../../x', 'a/..', 'C:\\windows', 'a\0b'])('refuses %j', (name) => {
    expect(() => normalizeMemberName(name, 'x.tar')).toThrow('which points outside the archive');
  });

  it('resolves symlinks against their directory and hardlinks against the root, never outside', () => {
    const link = { name: 'id/layer.tar', type: 'symlink' as const, offset: 0, size: 0, linkName: '../abc.tar' };
    expect(resolveLinkTarget(link, 'x.tar')).toBe('abc.tar');
    expect(resolveLinkTarget({ ...link, type: 'hardlink', linkName: 'abc.tar' }, 'x.tar')).toBe('abc.tar');
    expect(() => resolveLinkTarget({ ...link, linkName: '../../abc.tar' }, 'x.tar')).toThrow('points outside the archive');
  });
});
