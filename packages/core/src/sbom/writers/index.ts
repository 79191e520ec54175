/** SBOM documents from a catalog result: CycloneDX 1.6 JSON or SPDX 2.3 JSON. */
import type { SbomFormat } from '../../config/schema';
import type { CatalogResult } from '../types';
import { writeCycloneDxJson } from './cyclonedx';
import type { SbomDocumentOptions } from './options';
import { writeSpdxJson } from './spdx';

export { writeCycloneDxJson, buildBom, CYCLONEDX_SPEC_VERSION } from './cyclonedx';
export { writeSpdxJson, buildSpdxDocument, SPDX_VERSION, type SpdxDocument, type SpdxPackage } from './spdx';
export { imageIdentity, type ImageIdentity } from './image-identity';
export { sourceDateEpoch, type SbomDocumentOptions } from './options';
export { uuidV5 } from './uuid';

/** The document for `format`, as the text written to a file or attached as a predicate. */
export function writeSbom(result: CatalogResult, format: SbomFormat, options: SbomDocumentOptions = {}): string {
  return format === 'spdx-json' ? writeSpdxJson(result, options) : writeCycloneDxJson(result, options);
}
