/**
 * Name-based UUIDs (RFC 9562 version 5, SHA-1): the same name always gives the same UUID. The SBOM
 * serial number and SPDX namespace are derived from the image digest this way, so generating the SBOM of
 * an unchanged image twice gives the same document apart from its timestamp — what Nx's cache and
 * reproducible pipelines want. (CycloneDX asks for a UUID, not a random one.)
 */
import { createHash } from 'node:crypto';

/** A fixed namespace for Shipshape's documents: uuidv5(URL namespace, "https://shipshape.dev/sbom"). */
export const SHIPSHAPE_SBOM_NAMESPACE = 'db1ac29c-8204-5dbc-b209-9ca274789477';

export function uuidV5(name: string, namespace: string = SHIPSHAPE_SBOM_NAMESPACE): string {
  const ns = Buffer.from(namespace.replace(/-/g, ''), 'hex');
  if (ns.length !== 16) throw new Error(`"${namespace}" is not a UUID`);
  const hash = createHash('sha1').update(ns).update(name, 'utf8').digest();
  const bytes = hash.subarray(0, 16);
  bytes[6] = (bytes[6]! & 0x0f) | 0x50; // version 5
  bytes[8] = (bytes[8]! & 0x3f) | 0x80; // RFC 4122 variant
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
