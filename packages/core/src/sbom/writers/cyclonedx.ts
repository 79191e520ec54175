/**
 * CycloneDX 1.6 JSON from a catalog result, built on @cyclonedx/cyclonedx-library's models and JSON
 * serializer (sorted lists, so the same input gives the same bytes).
 *
 * Shape, matching what scanners expect from syft and trivy documents:
 * - `metadata.component`: the image (type container, version and purl by digest, hash = the digest),
 *   its layers and platform as properties; it depends on every package (NTIA: the relationship).
 * - one `operating-system` component for the distro, with syft's `syft:distro:*` properties, from which
 *   grype and others read the distro of an SBOM.
 * - one `library` component per package: purl, CPE, licences, supplier, and properties. Where a syft
 *   property means exactly the same thing it is used (`syft:package:type`, `syft:location:N:path`,
 *   `syft:location:N:layerID` = the layer's diff ID, `syft:cpe23` for further CPEs), so tools that read
 *   syft's documents read ours; everything else is `shipshape:`, e.g. `shipshape:location:N:layerDigest`
 *   (the compressed layer digest of the manifest, as trivy's LayerDigest).
 * - `serialNumber` is a UUIDv5 of the image digest, platform and tool version (see ./uuid.ts).
 */
// Subpath imports: the package root also loads its schema validators (ajv and every schema), which a
// writer never needs and which cost more start-up time than the whole writer. Even these take ~40 ms
// to load, so they are loaded when a CycloneDX document is first written (an SPDX run, a download or
// a verification never loads them) — with require, not import(): Node's ESM loader would first scan
// every file the package re-exports for its export names, which costs more than the load itself.
import { createRequire } from 'node:module';
import type * as EnumsModule from '@cyclonedx/cyclonedx-library/Enums';
import type * as Models from '@cyclonedx/cyclonedx-library/Models';
import type * as ModelsModule from '@cyclonedx/cyclonedx-library/Models';
import type * as SerializeModule from '@cyclonedx/cyclonedx-library/Serialize';
import type * as SpecModule from '@cyclonedx/cyclonedx-library/Spec';
import type { CatalogResult, Distro, Package } from '../types';
import { imageIdentity, type ImageIdentity } from './image-identity';
import { classifyLicense, distinctLicenses } from './licenses';
import { documentTimestamp, TOOL, type SbomDocumentOptions } from './options';
import { identifiedPackages, layerIndex } from './packages';
import { parseParty } from './supplier';
import { uuidV5 } from './uuid';

export const CYCLONEDX_SPEC_VERSION = '1.6';

interface Library {
  Enums: typeof EnumsModule;
  Models: typeof ModelsModule;
  Serialize: typeof SerializeModule;
  Spec: typeof SpecModule;
}

let library: Library | undefined;

function loadLibrary(): Library {
  if (!library) {
    const load = createRequire(__filename);
    library = {
      Enums: load('@cyclonedx/cyclonedx-library/Enums') as typeof EnumsModule,
      Models: load('@cyclonedx/cyclonedx-library/Models') as typeof ModelsModule,
      Serialize: load('@cyclonedx/cyclonedx-library/Serialize') as typeof SerializeModule,
      Spec: load('@cyclonedx/cyclonedx-library/Spec') as typeof SpecModule,
    };
  }
  return library;
}

export function writeCycloneDxJson(result: CatalogResult, options: SbomDocumentOptions = {}): string {
  const lib = loadLibrary();
  const serializer = new lib.Serialize.JsonSerializer(new lib.Serialize.JSON.Normalize.Factory(lib.Spec.Spec1dot6));
  return `${serializer.serialize(bomOf(lib, result, options), { sortLists: false, space: 2 })}\n`;
}

export function buildBom(result: CatalogResult, options: SbomDocumentOptions = {}): Models.Bom {
  return bomOf(loadLibrary(), result, options);
}

function bomOf(lib: Library, result: CatalogResult, options: SbomDocumentOptions): Models.Bom {
  const { Enums, Models } = lib;
  const image = imageIdentity(result);
  const bom = new Models.Bom({ serialNumber: `urn:uuid:${serialUuid(result, image)}` });
  bom.metadata.timestamp = documentTimestamp(options);
  bom.metadata.tools.components.add(
    new Models.Component(Enums.ComponentType.Application, TOOL.name, { version: TOOL.version, publisher: TOOL.vendor }),
  );
  bom.metadata.authors.add(new Models.OrganizationalContact({ name: options.author ?? TOOL.vendor }));
  result.warnings.forEach((warning, i) => bom.metadata.properties.add(new Models.Property(`shipshape:warning:${i}`, warning)));

  const imageComponent = imageComponentFor(lib, result, image);
  bom.metadata.component = imageComponent;

  if (result.distro) {
    const os = osComponent(lib, result.distro);
    bom.components.add(os);
    imageComponent.dependencies.add(os.bomRef);
  }
  const layers = layerIndex(result);
  for (const { id, package: pkg } of identifiedPackages(result)) {
    const component = packageComponent(lib, pkg, id, layers);
    bom.components.add(component);
    imageComponent.dependencies.add(component.bomRef);
  }
  return bom;
}

/** Same image, platform and Shipshape version → same serial number; a new Shipshape release → a new one. */
function serialUuid(result: CatalogResult, image: ImageIdentity): string {
  const platform = result.platform ? `${result.platform.os}/${result.platform.architecture}${result.platform.variant ? `/${result.platform.variant}` : ''}` : '';
  return uuidV5(`cyclonedx:${image.digest}:${platform}:${TOOL.name}@${TOOL.version}`);
}

function imageComponentFor({ Enums, Models }: Library, result: CatalogResult, image: ImageIdentity): Models.Component {
  const component = new Models.Component(Enums.ComponentType.Container, image.name, {
    bomRef: image.purl,
    version: image.digest,
    purl: image.purl,
  });
  const [algorithm, hex] = image.digest.split(':');
  if (algorithm === 'sha256' && hex) component.hashes.set(Enums.HashAlgorithm['SHA-256'], hex);
  const props = component.properties;
  props.add(new Models.Property('shipshape:image:reference', result.imageReference));
  if (result.platform) {
    const { os, architecture, variant } = result.platform;
    props.add(new Models.Property('shipshape:image:platform', `${os}/${architecture}${variant ? `/${variant}` : ''}`));
  }
  result.layers.forEach((layer, i) => {
    props.add(new Models.Property(`shipshape:image:layer:${pad(i)}:digest`, layer.digest));
    props.add(new Models.Property(`shipshape:image:layer:${pad(i)}:mediaType`, layer.mediaType));
    props.add(new Models.Property(`shipshape:image:layer:${pad(i)}:size`, String(layer.size)));
    if (layer.diffId) props.add(new Models.Property(`shipshape:image:layer:${pad(i)}:diffID`, layer.diffId));
  });
  return component;
}

/** Layer numbers padded so that sorted properties stay in layer order. */
function pad(i: number): string {
  return String(i).padStart(3, '0');
}

function osComponent({ Enums, Models }: Library, distro: Distro): Models.Component {
  const component = new Models.Component(Enums.ComponentType.OperatingSystem, distro.id, {
    bomRef: `os:${distro.id}@${distro.versionId ?? 'unknown'}`,
    version: distro.versionId,
    description: distro.prettyName,
  });
  const props = component.properties;
  props.add(new Models.Property('syft:distro:id', distro.id));
  if (distro.versionId) props.add(new Models.Property('syft:distro:versionID', distro.versionId));
  if (distro.versionCodename) props.add(new Models.Property('syft:distro:versionCodename', distro.versionCodename));
  if (distro.prettyName) props.add(new Models.Property('syft:distro:prettyName', distro.prettyName));
  (distro.idLike ?? []).forEach((like, i) => props.add(new Models.Property(`syft:distro:idLike:${i}`, like)));
  return component;
}

function packageComponent(lib: Library, pkg: Package, id: string, layers: ReturnType<typeof layerIndex>): Models.Component {
  const { Enums, Models } = lib;
  const supplier = parseParty(pkg.supplier);
  const component = new Models.Component(Enums.ComponentType.Library, pkg.name, {
    bomRef: bomRef(pkg, id),
    version: pkg.version,
    purl: pkg.purl || undefined,
    supplier: supplier
      ? new Models.OrganizationalEntity({
          name: supplier.name,
          contact: supplier.email ? new Models.OrganizationalContactRepository([new Models.OrganizationalContact({ email: supplier.email })]) : undefined,
        })
      : undefined,
  });
  const [firstCpe, ...moreCpes] = pkg.cpes ?? [];
  if (firstCpe) component.cpe = firstCpe;
  for (const license of cycloneDxLicenses(lib, pkg.licenses)) component.licenses.add(license);

  const props = component.properties;
  props.add(new Models.Property('syft:package:type', pkg.type));
  for (const cpe of moreCpes) props.add(new Models.Property('syft:cpe23', cpe));
  if (pkg.sourceName) props.add(new Models.Property('shipshape:package:sourceName', pkg.sourceName));
  if (pkg.sourceVersion) props.add(new Models.Property('shipshape:package:sourceVersion', pkg.sourceVersion));
  pkg.locations.forEach((location, i) => {
    props.add(new Models.Property(`syft:location:${i}:path`, location.path));
    props.add(new Models.Property(`shipshape:location:${i}:layerDigest`, location.layerDigest));
    const diffId = layers.get(location.layerDigest)?.diffId;
    if (diffId) props.add(new Models.Property(`syft:location:${i}:layerID`, diffId));
  });
  for (const [key, value] of Object.entries(pkg.metadata ?? {})) {
    if (value !== '') props.add(new Models.Property(`shipshape:metadata:${key}`, value));
  }
  return component;
}

/** The purl with syft's `package-id` qualifier, unique even when one package sits in two places. */
function bomRef(pkg: Package, id: string): string {
  if (!pkg.purl) return `${pkg.type}:${pkg.name}@${pkg.version}?package-id=${id}`;
  const hash = pkg.purl.indexOf('#');
  const [base, subpath] = hash < 0 ? [pkg.purl, ''] : [pkg.purl.slice(0, hash), pkg.purl.slice(hash)];
  return `${base}${base.includes('?') ? '&' : '?'}package-id=${id}${subpath}`;
}

/**
 * CycloneDX holds either licences (SPDX ids or names) or exactly one expression, never both: ids and
 * names are listed; expressions are combined into one when nothing else would be lost, else kept as names.
 */
function cycloneDxLicenses({ Models }: Library, licenses: readonly string[]): Models.License[] {
  const classified = distinctLicenses(licenses).map(classifyLicense);
  const expressions = classified.filter((l) => l.kind === 'expression');
  const named = classified.filter((l) => l.kind === 'name');
  const ids = classified.filter((l) => l.kind === 'id');
  if (expressions.length > 0 && named.length === 0) {
    const parts = [...ids, ...expressions].map((l) => (classified.length > 1 && /\s/.test(l.value) ? `(${l.value})` : l.value));
    return [new Models.LicenseExpression(parts.join(' AND '))];
  }
  return classified.map((l) => (l.kind === 'id' ? new Models.SpdxLicense(l.value) : new Models.NamedLicense(l.value)));
}
