/**
 * Looks for secrets in what Nx caches: every file of a local cache directory and every artifact a
 * remote cache received (gzipped tars: searched after gunzip, where file contents are plain bytes).
 * A finding names where, never the secret.
 */
import { readdir, readFile } from 'node:fs/promises';
import * as path from 'node:path';
import { gunzipSync } from 'node:zlib';

export interface Secret {
  /** What it is, for the finding (`COSIGN_PASSWORD`); never the value. */
  name: string;
  value: string;
}

export interface Finding {
  secret: string;
  where: string;
}

/** Plain, and as base64 (a secret inside a JSON or PEM blob is often encoded). */
function needles(secret: Secret): Buffer[] {
  const plain = Buffer.from(secret.value, 'utf8');
  return [plain, Buffer.from(plain.toString('base64').replace(/=+$/, ''), 'utf8')];
}

export function findSecretsIn(data: Buffer, where: string, secrets: readonly Secret[]): Finding[] {
  const haystacks = [data];
  if (data[0] === 0x1f && data[1] === 0x8b) {
    try {
      haystacks.push(gunzipSync(data));
    } catch {
      // Not gzip after all: the raw bytes are still searched.
    }
  }
  const findings: Finding[] = [];
  for (const secret of secrets) {
    if (needles(secret).some((needle) => haystacks.some((h) => h.includes(needle)))) findings.push({ secret: secret.name, where });
  }
  return findings;
}

/** Every regular file below `dir`; returns the findings and how many files were read (so "nothing found" is not vacuous). */
export async function findSecretsInTree(dir: string, secrets: readonly Secret[]): Promise<{ findings: Finding[]; files: number }> {
  const findings: Finding[] = [];
  let files = 0;
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  for (const entry of entries) {
    if (!entry.isFile()) continue;
    const file = path.join(entry.parentPath, entry.name);
    files++;
    findings.push(...findSecretsIn(await readFile(file), file, secrets));
  }
  return { findings, files };
}
