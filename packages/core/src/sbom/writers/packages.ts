/**
 * The packages a document lists: duplicates (the same package reported twice) removed, each with a
 * stable id derived from what identifies it — so ids, order and therefore the whole document are the
 * same every time the same image is cataloged.
 */
import { createHash } from 'node:crypto';
import type { CatalogResult, Package } from '../types';

export interface IdentifiedPackage {
  /** 16 hex characters, stable for the same package at the same locations (syft's package-id length). */
  id: string;
  package: Package;
}

export function identifiedPackages(result: Pick<CatalogResult, 'packages'>): IdentifiedPackage[] {
  const byId = new Map<string, IdentifiedPackage>();
  for (const pkg of result.packages) {
    const id = packageId(pkg);
    const existing = byId.get(id);
    if (existing) {
      // The same package seen twice (e.g. two catalogers): keep one, with every licence either recorded.
      existing.package = { ...existing.package, licenses: [...new Set([...existing.package.licenses, ...pkg.licenses])] };
    } else {
      byId.set(id, { id, package: pkg });
    }
  }
  return [...byId.values()].sort((a, b) => compare(a.package.purl, b.package.purl) || compare(a.id, b.id));
}

export function packageId(pkg: Package): string {
  const locations = [...new Set(pkg.locations.map((l) => l.path))].sort();
  const identity = JSON.stringify([pkg.type, pkg.name, pkg.version, pkg.purl, pkg.architecture ?? '', locations]);
  return createHash('sha256').update(identity).digest('hex').slice(0, 16);
}

/** Code-unit order: unlike localeCompare, the same on every machine. */
function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Layer digest → its position and diff ID, for location properties. */
export function layerIndex(result: Pick<CatalogResult, 'layers'>): Map<string, { index: number; diffId?: string }> {
  const index = new Map<string, { index: number; diffId?: string }>();
  result.layers.forEach((layer, i) => {
    if (!index.has(layer.digest)) index.set(layer.digest, { index: i, diffId: layer.diffId });
  });
  return index;
}
