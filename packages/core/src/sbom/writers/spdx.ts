/**
 * SPDX 2.3 JSON from a catalog result, written by hand (the JSON form is plain data; no library earns its
 * place here) and validated against the official schema in tests.
 *
 * Shape, following syft's SPDX documents: the document DESCRIBES the image package (purpose CONTAINER,
 * version and checksum = the digest, a `pkg:oci` purl); the image CONTAINS the operating system and every
 * package (NTIA: the relationship). Packages carry their purl and CPEs as external references, the
 * declared licence as one SPDX expression (free text as `LicenseRef-…` with the text under
 * `hasExtractedLicensingInfos`), the supplier, and in `sourceInfo` the file and layer they were found in.
 * The namespace is a UUIDv5 of the image digest, platform and tool version (see ./uuid.ts).
 */
import type { CatalogResult, Distro, Package } from '../types';
import { imageIdentity, type ImageIdentity } from './image-identity';
import { spdxExpression } from './licenses';
import { documentTimestamp, TOOL, type SbomDocumentOptions } from './options';
import { identifiedPackages } from './packages';
import { parseParty } from './supplier';
import { uuidV5 } from './uuid';

export const SPDX_VERSION = 'SPDX-2.3';
const NOASSERTION = 'NOASSERTION';
const DOCUMENT_ID = 'SPDXRef-DOCUMENT';

export interface SpdxExternalRef {
  referenceCategory: 'SECURITY' | 'PACKAGE-MANAGER' | 'OTHER';
  referenceType: string;
  referenceLocator: string;
}

export interface SpdxPackage {
  name: string;
  SPDXID: string;
  versionInfo?: string;
  supplier?: string;
  downloadLocation: string;
  filesAnalyzed: boolean;
  checksums?: { algorithm: 'SHA256'; checksumValue: string }[];
  sourceInfo?: string;
  licenseConcluded: string;
  licenseDeclared: string;
  copyrightText: string;
  description?: string;
  comment?: string;
  externalRefs?: SpdxExternalRef[];
  primaryPackagePurpose?: 'CONTAINER' | 'OPERATING_SYSTEM' | 'LIBRARY' | 'APPLICATION';
}

export interface SpdxRelationship {
  spdxElementId: string;
  relatedSpdxElement: string;
  relationshipType: 'DESCRIBES' | 'CONTAINS';
}

export interface SpdxDocument {
  spdxVersion: typeof SPDX_VERSION;
  dataLicense: 'CC0-1.0';
  SPDXID: typeof DOCUMENT_ID;
  name: string;
  documentNamespace: string;
  creationInfo: { created: string; creators: string[]; comment?: string };
  packages: SpdxPackage[];
  relationships: SpdxRelationship[];
  hasExtractedLicensingInfos?: { licenseId: string; extractedText: string; name: string }[];
}

export function writeSpdxJson(result: CatalogResult, options: SbomDocumentOptions = {}): string {
  return `${JSON.stringify(buildSpdxDocument(result, options), null, 2)}\n`;
}

export function buildSpdxDocument(result: CatalogResult, options: SbomDocumentOptions = {}): SpdxDocument {
  const image = imageIdentity(result);
  const imagePackage = imagePackageFor(result, image);
  const packages: SpdxPackage[] = [imagePackage];
  const relationships: SpdxRelationship[] = [{ spdxElementId: DOCUMENT_ID, relatedSpdxElement: imagePackage.SPDXID, relationshipType: 'DESCRIBES' }];
  const contains = (p: SpdxPackage) => relationships.push({ spdxElementId: imagePackage.SPDXID, relatedSpdxElement: p.SPDXID, relationshipType: 'CONTAINS' });

  if (result.distro) {
    const os = osPackage(result.distro);
    packages.push(os);
    contains(os);
  }
  const licenseRefs = new Map<string, string>();
  for (const { id, package: pkg } of identifiedPackages(result)) {
    const spdxPackage = packageFor(pkg, id, licenseRefs);
    packages.push(spdxPackage);
    contains(spdxPackage);
  }

  const creators = [`Organization: ${options.author ?? TOOL.vendor}`, `Tool: ${TOOL.name}-${TOOL.version}`];
  const document: SpdxDocument = {
    spdxVersion: SPDX_VERSION,
    dataLicense: 'CC0-1.0',
    SPDXID: DOCUMENT_ID,
    name: image.name,
    documentNamespace: `https://shipshape.dev/spdx/image/${encodeURIComponent(image.shortName)}-${namespaceUuid(result, image)}`,
    creationInfo: {
      created: documentTimestamp(options).toISOString().replace(/\.\d{3}Z$/, 'Z'),
      creators,
      ...(result.warnings.length > 0 ? { comment: `warnings: ${result.warnings.join('; ')}` } : {}),
    },
    packages,
    relationships,
  };
  if (licenseRefs.size > 0) {
    document.hasExtractedLicensingInfos = [...licenseRefs.entries()]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([licenseId, text]) => ({ licenseId, extractedText: text, name: text }));
  }
  return document;
}

function namespaceUuid(result: CatalogResult, image: ImageIdentity): string {
  const platform = result.platform ? `${result.platform.os}/${result.platform.architecture}${result.platform.variant ? `/${result.platform.variant}` : ''}` : '';
  return uuidV5(`spdx:${image.digest}:${platform}:${TOOL.name}@${TOOL.version}`);
}

function imagePackageFor(result: CatalogResult, image: ImageIdentity): SpdxPackage {
  const [algorithm, hex] = image.digest.split(':');
  const layers = result.layers.map((l) => `${l.digest} (${l.mediaType}, ${l.size} bytes${l.diffId ? `, diff ID ${l.diffId}` : ''})`);
  return {
    name: image.name,
    SPDXID: `SPDXRef-DocumentRoot-Image-${idstring(image.shortName)}`,
    versionInfo: image.digest,
    supplier: NOASSERTION,
    downloadLocation: NOASSERTION,
    filesAnalyzed: false,
    ...(algorithm === 'sha256' && hex ? { checksums: [{ algorithm: 'SHA256' as const, checksumValue: hex }] } : {}),
    licenseConcluded: NOASSERTION,
    licenseDeclared: NOASSERTION,
    copyrightText: NOASSERTION,
    ...(layers.length > 0 ? { comment: `layers: ${layers.join('; ')}` } : {}),
    externalRefs: [{ referenceCategory: 'PACKAGE-MANAGER', referenceType: 'purl', referenceLocator: image.purl }],
    primaryPackagePurpose: 'CONTAINER',
  };
}

function osPackage(distro: Distro): SpdxPackage {
  return {
    name: distro.id,
    SPDXID: `SPDXRef-OperatingSystem-${idstring(distro.id)}-${idstring(distro.versionId ?? 'unknown')}`,
    ...(distro.versionId ? { versionInfo: distro.versionId } : {}),
    supplier: NOASSERTION,
    downloadLocation: NOASSERTION,
    filesAnalyzed: false,
    licenseConcluded: NOASSERTION,
    licenseDeclared: NOASSERTION,
    copyrightText: NOASSERTION,
    ...(distro.prettyName ? { description: distro.prettyName } : {}),
    primaryPackagePurpose: 'OPERATING_SYSTEM',
  };
}

function packageFor(pkg: Package, id: string, licenseRefs: Map<string, string>): SpdxPackage {
  const externalRefs: SpdxExternalRef[] = [
    ...(pkg.cpes ?? []).map((cpe): SpdxExternalRef => ({ referenceCategory: 'SECURITY', referenceType: cpe.startsWith('cpe:2.3:') ? 'cpe23Type' : 'cpe22Type', referenceLocator: cpe })),
    ...(pkg.purl ? [{ referenceCategory: 'PACKAGE-MANAGER' as const, referenceType: 'purl', referenceLocator: pkg.purl }] : []),
  ];
  return {
    name: pkg.name,
    SPDXID: `SPDXRef-Package-${idstring(pkg.type)}-${idstring(pkg.name)}-${id}`,
    versionInfo: pkg.version,
    supplier: spdxAgent(pkg.supplier),
    downloadLocation: NOASSERTION,
    filesAnalyzed: false,
    ...(pkg.locations.length > 0 ? { sourceInfo: `acquired package info from ${pkg.locations.map((l) => `${l.path} (layer ${l.layerDigest})`).join(', ')}` } : {}),
    licenseConcluded: NOASSERTION,
    licenseDeclared: spdxExpression(pkg.licenses, licenseRefs) ?? NOASSERTION,
    copyrightText: NOASSERTION,
    ...(externalRefs.length > 0 ? { externalRefs } : {}),
  };
}

/** SPDX's agent syntax: `Person: Name (email)`; syft writes maintainers as persons, and so do we. */
function spdxAgent(text: string | undefined): string {
  const party = parseParty(text);
  if (!party) return NOASSERTION;
  // Parentheses inside the name would be read as the e-mail part.
  const name = party.name.replace(/[()]/g, '');
  return party.email ? `Person: ${name} (${party.email})` : `Person: ${name}`;
}

/** SPDX ids allow letters, digits, "." and "-" only. */
function idstring(text: string): string {
  return text.replace(/[^A-Za-z0-9.-]+/g, '-').replace(/^-+|-+$/g, '') || 'x';
}
