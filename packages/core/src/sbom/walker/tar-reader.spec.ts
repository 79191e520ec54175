/**
 * The tar reader on archives written by the real GNU tar in each format it writes (gnu, pax, ustar,
 * v7): long names and link names, hard links and symlinks, non-ASCII names, sparse files; the same
 * archive cut into chunks of every awkward size; and hostile headers (bad checksums and numbers,
 * oversized or malformed PAX headers, truncation), each a clear error, never a hang or a wrong member.
 */
import { execFileSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { NEED_INPUT, TarFormatError, TarReader, type TarHeader } from './tar-reader';

interface Member {
  header: TarHeader;
  body: string;
}

let root: string;

beforeAll(async () => {
  root = await fs.mkdtemp(path.join(os.tmpdir(), 'shipshape-tar-reader-'));
});

afterAll(async () => {
  await fs.rm(root, { recursive: true, force: true });
});

/** The archive as chunks of `size` bytes (the last one shorter). */
async function* chunked(archive: Buffer, size: number): AsyncGenerator<Buffer> {
  for (let at = 0; at < archive.length; at += size) yield archive.subarray(at, at + size);
}

/**
 * Every member with its body, reading the archive in chunks of `chunkSize` — as the walker does
 * (`tryNext()`, then `next()` when it needs input), or with `next()` alone.
 */
async function readAll(archive: Buffer, chunkSize = 64 * 1024, options: { maxMetaBytes?: number; nextOnly?: boolean; skipBodies?: boolean } = {}): Promise<Member[]> {
  const reader = new TarReader(chunked(archive, chunkSize), options);
  const members: Member[] = [];
  for (;;) {
    let header = options.nextOnly ? NEED_INPUT : reader.tryNext();
    if (header === NEED_INPUT) header = await reader.next();
    if (!header) break;
    const parts: Buffer[] = [];
    // Skipping leaves the body to the next tryNext()/next(), as the walker does with files nobody wants.
    if (!options.skipBodies) for (let chunk = await reader.readBodyChunk(); chunk; chunk = await reader.readBodyChunk()) parts.push(Buffer.from(chunk));
    members.push({ header, body: Buffer.concat(parts).toString('utf8') });
  }
  return members;
}

const LONG_DIR = `deep/${'directory-with-a-long-name/'.repeat(4)}`; // 113 characters
const LONG_NAME = `${LONG_DIR}${'file-name-longer-than-a-ustar-name-field-'.repeat(3)}end.txt`; // over 255: no ustar prefix split either
const LONG_TARGET = `../${'a-link-target-that-does-not-fit-in-100-bytes/'.repeat(3)}target`;

/** A directory tree with everything the formats handle differently; created once per test run. */
async function tree(): Promise<string> {
  const dir = path.join(root, 'tree');
  await fs.mkdir(path.join(dir, LONG_DIR), { recursive: true });
  await fs.mkdir(path.join(dir, 'etc'), { recursive: true });
  await fs.writeFile(path.join(dir, 'etc', 'os-release'), 'ID=debian\n');
  await fs.writeFile(path.join(dir, LONG_NAME), 'long\n');
  await fs.writeFile(path.join(dir, 'etc', 'größe-ü.txt'), 'utf-8 name\n');
  await fs.writeFile(path.join(dir, 'block-sized'), 'x'.repeat(1024));
  await fs.writeFile(path.join(dir, 'empty'), '');
  await fs.symlink(LONG_TARGET, path.join(dir, 'long-link'));
  await fs.symlink('etc/os-release', path.join(dir, 'short-link'));
  await fs.link(path.join(dir, 'etc', 'os-release'), path.join(dir, 'hard-link'));
  await fs.chmod(path.join(dir, 'block-sized'), 0o755);
  return dir;
}

let treeDir: Promise<string> | undefined;

/** `tar --format=FORMAT` of the tree, deterministic. */
async function gnuTar(format: 'gnu' | 'pax' | 'ustar' | 'v7', extra: string[] = [], members = ['.']): Promise<Buffer> {
  treeDir ??= tree();
  const dir = await treeDir;
  return execFileSync('tar', [`--format=${format}`, '--sort=name', '--owner=0', '--group=0', '--numeric-owner', '--mtime=@1700000000', ...extra, '-cf', '-', '-C', dir, ...members], {
    maxBuffer: 64 * 1024 * 1024,
  });
}

/** What `tar -t` lists, with the reader's view of the same members. */
function summary(members: Member[]): Record<string, [string, number, string, string]> {
  return Object.fromEntries(members.map((m) => [m.header.name, [m.header.type, m.header.size, m.header.linkname, m.body]]));
}

function listing(archive: Buffer): string[] {
  return execFileSync('tar', ['-tf', '-'], { input: archive, encoding: 'utf8' }).trim().split('\n');
}

describe('archives written by GNU tar', () => {
  for (const format of ['gnu', 'pax'] as const) {
    it(`reads the ${format} format: long names and link names, links, UTF-8 names, bodies`, async () => {
      const archive = await gnuTar(format);
      const members = await readAll(archive);
      // The same members, in the same order, as GNU tar itself lists them.
      expect(members.map((m) => m.header.name)).toEqual(listing(archive));
      const byName = summary(members);
      expect(byName[`./${LONG_NAME}`]).toEqual(['file', 5, '', 'long\n']);
      expect(byName['./long-link']).toEqual(['symlink', 0, LONG_TARGET, '']);
      expect(byName['./short-link']).toEqual(['symlink', 0, 'etc/os-release', '']);
      expect(byName['./etc/größe-ü.txt']).toEqual(['file', 11, '', 'utf-8 name\n']);
      expect(byName['./block-sized']).toEqual(['file', 1024, '', 'x'.repeat(1024)]);
      expect(byName['./empty']).toEqual(['file', 0, '', '']);
      expect(byName['./etc/']).toEqual(['directory', 0, '', '']);
      expect(byName[`./${LONG_DIR}`]).toEqual(['directory', 0, '', '']);
      // GNU tar stores the second name of a file as a hard link to the first it archived.
      const links = members.filter((m) => m.header.type === 'link');
      expect(links).toHaveLength(1);
      expect([links[0].header.name, links[0].header.linkname].sort()).toEqual(['./etc/os-release', './hard-link']);
      expect(members.find((m) => m.header.name === './block-sized')?.header.mode).toBe(0o755);
    });
  }

  it('reads the ustar format, whose long names are split into prefix and name', async () => {
    const name = `${LONG_DIR}short.txt`;
    await fs.writeFile(path.join(await (treeDir ??= tree()), name), 'prefixed\n');
    const archive = await gnuTar('ustar', [], [name]);
    expect(archive.subarray(345, 345 + 10).toString('latin1')).toBe(LONG_DIR.slice(0, 10)); // really split
    expect(summary(await readAll(archive))).toEqual({ [name]: ['file', 9, '', 'prefixed\n'] });
  });

  it('reads the v7 format (no magic, NUL type flags, directories marked by a trailing slash)', async () => {
    const archive = await gnuTar('v7', [], ['etc', 'short-link']);
    expect(archive.subarray(257, 263).toString('latin1')).not.toBe('ustar\0');
    const members = await readAll(archive);
    expect(members.map((m) => m.header.name)).toEqual(listing(archive));
    expect(members.map((m) => [m.header.name, m.header.type, m.header.typeflag, m.body])).toEqual([
      ['etc/', 'directory', '5', ''],
      ['etc/größe-ü.txt', 'file', '\0', 'utf-8 name\n'],
      ['etc/os-release', 'file', '\0', 'ID=debian\n'],
      ['short-link', 'symlink', '2', ''],
    ]);
  });

  it('reports sparse files as such (old GNU and PAX sparse headers) and reads on after them', async () => {
    const dir = path.join(root, 'sparse');
    await fs.mkdir(dir, { recursive: true });
    const handle = await fs.open(path.join(dir, 'holes'), 'w');
    await handle.write('middle', 3 * 1024 * 1024, 'utf8');
    await handle.write('end', 6 * 1024 * 1024, 'utf8');
    await handle.close();
    await fs.writeFile(path.join(dir, 'after'), 'after\n');
    for (const extra of [['--format=gnu'], ['--format=pax'], ['--format=pax', '--sparse-version=1.0']]) {
      const archive = execFileSync('tar', [...extra, '-S', '-cf', '-', '-C', dir, 'holes', 'after']);
      expect(archive.length).toBeLessThan(64 * 1024); // really stored sparse
      const members = await readAll(archive, 1000);
      expect(members.map((m) => [m.header.name, m.header.type])).toEqual([
        ['holes', 'sparse'],
        ['after', 'file'],
      ]);
      expect(members[1].body).toBe('after\n');
    }
  });

  it('reads the same archive the same way whatever the chunk boundaries, with or without tryNext', async () => {
    for (const format of ['gnu', 'pax'] as const) {
      const archive = await gnuTar(format);
      const whole = await readAll(archive, archive.length);
      expect(whole.length).toBe(listing(archive).length);
      for (const size of [1, 7, 511, 512, 513, 1000, 4096, 65_537]) {
        expect(await readAll(archive, size)).toEqual(whole);
        expect(await readAll(archive, size, { nextOnly: true })).toEqual(whole);
        const headers = whole.map((m) => ({ header: m.header, body: '' }));
        expect(await readAll(archive, size, { skipBodies: true })).toEqual(headers);
      }
    }
  });
});

/** A ustar header built by hand (for what GNU tar will not write), checksum computed unless `checksum` is given. */
function header(fields: { name: string; type?: string; size?: string | Buffer; linkname?: string; checksum?: string }): Buffer {
  const block = Buffer.alloc(512);
  block.write(fields.name, 0, 100, 'utf8');
  block.write('0000644\0', 100);
  block.write('0000000\0', 108);
  block.write('0000000\0', 116);
  if (Buffer.isBuffer(fields.size)) fields.size.copy(block, 124);
  else block.write(fields.size ?? '00000000000\0', 124);
  block.write('14525716400\0', 136);
  block.write(fields.type ?? '0', 156);
  if (fields.linkname) block.write(fields.linkname, 157, 100, 'utf8');
  block.write('ustar\0', 257);
  block.write('00', 263);
  block.write('        ', 148);
  let sum = 0;
  for (const byte of block) sum += byte;
  block.write(fields.checksum ?? `${sum.toString(8).padStart(6, '0')}\0 `, 148);
  return block;
}

const octal = (n: number) => `${n.toString(8).padStart(11, '0')}\0`;
const body = (text: string) => {
  const data = Buffer.from(text);
  return Buffer.concat([data, Buffer.alloc((512 - (data.length % 512)) % 512)]);
};
const END = Buffer.alloc(1024);

function paxRecord(key: string, value: string): string {
  const content = ` ${key}=${value}\n`;
  let length = content.length + 1;
  while (`${length}${content}`.length !== length) length++;
  return `${length}${content}`;
}

function paxHeader(records: string): Buffer {
  return Buffer.concat([header({ name: 'PaxHeaders/x', type: 'x', size: octal(Buffer.byteLength(records)) }), body(records)]);
}

describe('hand-made headers', () => {
  it('takes path, linkpath and size from a PAX header, and base-256 sizes', async () => {
    const base256 = Buffer.alloc(12);
    base256[0] = 0x80;
    base256.writeUInt32BE(5, 8);
    const archive = Buffer.concat([
      paxHeader(paxRecord('path', 'from/pax.txt') + paxRecord('size', '3') + paxRecord('mtime', '1700000000.5')),
      header({ name: 'ignored', size: octal(999) }),
      body('pax'),
      paxHeader(paxRecord('linkpath', 'target/from/pax')),
      header({ name: 'link', type: '2', linkname: 'ignored' }),
      header({ name: 'binary-size', size: base256 }),
      body('12345'),
      END,
    ]);
    expect(summary(await readAll(archive, 100))).toEqual({
      'from/pax.txt': ['file', 3, '', 'pax'],
      link: ['symlink', 0, 'target/from/pax', ''],
      'binary-size': ['file', 5, '', '12345'],
    });
  });

  it('gives header-only types no body whatever their size field says (as Go and containerd read them)', async () => {
    const archive = Buffer.concat([
      header({ name: 'dir/', type: '5', size: octal(4096) }),
      header({ name: 'link', type: '2', linkname: 'x', size: octal(512) }),
      // An old (v7-style) regular-file flag on a name with a trailing slash: a directory.
      header({ name: 'old-dir/', type: '\0', size: octal(100) }),
      header({ name: 'file' }),
      END,
    ]);
    expect((await readAll(archive)).map((m) => [m.header.name, m.header.type, m.header.size])).toEqual([
      ['dir/', 'directory', 0],
      ['link', 'symlink', 0],
      ['old-dir/', 'directory', 0],
      ['file', 'file', 0],
    ]);
  });

  it('stops at the end-of-archive marker and notes data after it', async () => {
    const reader = new TarReader(chunked(Buffer.concat([header({ name: 'a', size: octal(1) }), body('a'), END, header({ name: 'hidden' }), END]), 300));
    expect((await reader.next())?.name).toBe('a');
    expect(await reader.next()).toBeUndefined();
    expect(reader.trailingData).toBe(true);
    expect(await reader.next()).toBeUndefined();
  });

  it('accepts an archive without an end-of-archive marker', async () => {
    expect(summary(await readAll(Buffer.concat([header({ name: 'a', size: octal(1) }), body('a')])))).toEqual({ a: ['file', 1, '', 'a'] });
  });
});

describe('hostile headers', () => {
  const fails = async (archive: Buffer, message: RegExp, options: { maxMetaBytes?: number } = {}) => {
    const error = await readAll(archive, 512, options).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(TarFormatError);
    expect((error as Error).message).toMatch(message);
  };

  it('refuses a header whose checksum does not match (a corrupted or non-tar stream)', async () => {
    await fails(Buffer.concat([header({ name: 'a', checksum: '0000000\0' }), END]), /the header at byte 0 has a bad checksum/);
    await fails(Buffer.concat([Buffer.from('this is not a tar archive at all'.repeat(20)), END]), /bad checksum/);
  });

  it('refuses sizes that are not numbers, and negative base-256 ones', async () => {
    await fails(Buffer.concat([header({ name: 'a', size: '0000000z000\0' }), END]), /the header at byte 0 has an invalid size field/);
    await fails(Buffer.concat([header({ name: 'a', size: Buffer.alloc(12, 0xff) }), END]), /negative size/);
    await fails(Buffer.concat([paxHeader(paxRecord('size', '-5')), header({ name: 'a' }), END]), /invalid size "-5"/);
    await fails(Buffer.concat([paxHeader(paxRecord('size', '99999999999999999999')), header({ name: 'a' }), END]), /invalid size/);
  });

  it('refuses malformed PAX records', async () => {
    for (const records of ['5 a=b', '99 path=x\n', 'x path=y\n', '12 nokey-here\n', '7 =value\n']) {
      await fails(Buffer.concat([paxHeader(records), header({ name: 'a' }), END]), /the PAX extended header at byte 0 is malformed/);
    }
  });

  it('bounds extended headers: a huge PAX header or GNU long name is an error, not an allocation', async () => {
    const huge = Buffer.concat([header({ name: 'PaxHeaders/x', type: 'x', size: octal(2 * 1024 * 1024) }), Buffer.alloc(2 * 1024 * 1024, 0x41), header({ name: 'a' }), END]);
    await fails(huge, /a PAX extended header of 2097152 bytes, over the 1048576-byte limit/);
    const longName = Buffer.concat([header({ name: '././@LongLink', type: 'L', size: octal(5000) }), body('n'.repeat(5000)), header({ name: 'a' }), END]);
    await fails(longName, /a GNU long name of 5000 bytes, over the 4096-byte limit/, { maxMetaBytes: 4096 });
    expect((await readAll(longName))[0].header.name).toBe('n'.repeat(5000));
  });

  it('ends a truncated archive with "Unexpected end of data": in a header, in a body, after an extended header', async () => {
    const archive = Buffer.concat([header({ name: 'a', size: octal(2000) }), body('b'.repeat(2000)), END]);
    await fails(archive.subarray(0, 300), /^Unexpected end of data$/);
    await fails(archive.subarray(0, 1500), /^Unexpected end of data$/);
    await fails(paxHeader(paxRecord('path', 'announced')), /^Unexpected end of data$/);
  });

  it('claims no more memory than a chunk for a member that claims to be huge', async () => {
    // 8 GiB announced, 1 KiB there: the reader hands out what arrives and then says it is truncated.
    const archive = Buffer.concat([header({ name: 'huge', size: octal(8 * 1024 * 1024 * 1024 - 1) }), Buffer.alloc(1024, 1)]);
    const reader = new TarReader(chunked(archive, 256));
    expect((await reader.next())?.size).toBe(8 * 1024 * 1024 * 1024 - 1);
    let seen = 0;
    await expect(
      (async () => {
        for (let chunk = await reader.readBodyChunk(); chunk; chunk = await reader.readBodyChunk()) {
          expect(chunk.length).toBeLessThanOrEqual(256);
          seen += chunk.length;
        }
      })(),
    ).rejects.toThrow(/^Unexpected end of data$/);
    expect(seen).toBe(1024);
  });
});
