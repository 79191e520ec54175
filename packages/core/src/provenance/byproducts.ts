/**
 * Byproducts: files the release made alongside the image — its SBOM, scan reports — named in the
 * provenance by digest, so whoever holds one can tell it belongs to this build. The media type is
 * read from the content (a file name says little), with the name's extension as the last resort.
 */
import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import * as path from 'node:path';
import type { ResourceDescriptor } from '../attest/statement';
import { ShipshapeError } from '../errors';

/** SBOMs and scan reports are megabytes; a gigabyte is not one. */
const MAX_BYPRODUCT_BYTES = 1024 * 1024 * 1024;

const BY_EXTENSION: Record<string, string> = {
  '.md': 'text/markdown',
  '.txt': 'text/plain',
  '.html': 'text/html',
  '.sarif': 'application/sarif+json',
  '.json': 'application/json',
  '.xml': 'application/xml',
};

/** `{name, digest: {sha256}, mediaType}` for a file; `flag` names where it was given, for errors. */
export async function fileByproduct(file: string, options: { cwd: string; flag: string }): Promise<ResourceDescriptor> {
  const full = path.resolve(options.cwd, file);
  let bytes: Buffer;
  try {
    const info = await stat(full);
    if (!info.isFile()) throw new ShipshapeError('input', `${options.flag} ${file} is not a file`, { where: full });
    if (info.size > MAX_BYPRODUCT_BYTES) throw new ShipshapeError('input', `${options.flag} ${file} is ${info.size} bytes, over the ${MAX_BYPRODUCT_BYTES}-byte limit`, { where: full });
    bytes = await readFile(full);
  } catch (error) {
    if (error instanceof ShipshapeError) throw error;
    throw new ShipshapeError('input', `cannot read ${options.flag} ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`, {
      where: full,
      hint: `pass the path of the file written by the earlier step (relative paths are resolved against ${options.cwd})`,
    });
  }
  return {
    name: path.basename(full),
    digest: { sha256: createHash('sha256').update(bytes).digest('hex') },
    mediaType: sniffMediaType(bytes, full),
  };
}

/** CycloneDX, SPDX, SARIF by their own markers; other JSON as JSON; the rest by extension. */
export function sniffMediaType(bytes: Buffer, file: string): string {
  const text = bytes.subarray(0, 4096).toString('utf8').trimStart();
  if (text.startsWith('{')) {
    let json: unknown;
    try {
      json = JSON.parse(bytes.toString('utf8'));
    } catch {
      json = undefined;
    }
    if (json && typeof json === 'object' && !Array.isArray(json)) {
      const doc = json as Record<string, unknown>;
      if (doc.bomFormat === 'CycloneDX') return 'application/vnd.cyclonedx+json';
      if (typeof doc.spdxVersion === 'string') return 'application/spdx+json';
      if (Array.isArray(doc.runs) && (typeof doc.$schema === 'string' ? doc.$schema.includes('sarif') : doc.version === '2.1.0')) return 'application/sarif+json';
      return 'application/json';
    }
  }
  if (text.startsWith('<') && /<bom\b[^>]*xmlns="http:\/\/cyclonedx\.org\//.test(text)) return 'application/vnd.cyclonedx+xml';
  return BY_EXTENSION[path.extname(file).toLowerCase()] ?? 'application/octet-stream';
}
