/**
 * How an SBOM names the image it describes: by digest, with a `pkg:oci` package URL as the purl spec's
 * OCI type defines it (name = last path component, version = the manifest digest, `repository_url` for a
 * registry image, `arch` for the platform) — the form trivy and syft write for the document's subject.
 */
import { PackageURL } from 'packageurl-js';
import { parseReference, type ImageReference } from '../../oci/reference';
import type { CatalogResult } from '../types';

export interface ImageIdentity {
  /** What the document calls the image: `registry/repository`, or the layout directory / archive file. */
  name: string;
  /** The manifest digest (a docker-archive has none: its config digest). */
  digest: string;
  /** `pkg:oci/<name>@sha256:…?arch=…&repository_url=…`. */
  purl: string;
  /** The purl's name: the repository's last path component, lower case. */
  shortName: string;
  /** `registry/repository` for registry images. */
  repositoryUrl?: string;
}

export function imageIdentity(result: Pick<CatalogResult, 'imageDigest' | 'imageReference' | 'platform'>): ImageIdentity {
  const reference = tryParse(result.imageReference);
  let name: string;
  let repositoryUrl: string | undefined;
  switch (reference?.kind) {
    case 'registry':
      name = `${reference.registry}/${reference.repository}`;
      repositoryUrl = name;
      break;
    case 'oci':
      name = reference.dir;
      break;
    case 'docker-archive':
      name = reference.file;
      break;
    default:
      name = result.imageReference.replace(/@[a-z0-9]+:[a-f0-9]+$/, '');
  }
  const shortName = purlName(reference, name);
  const qualifiers: Record<string, string> = {};
  if (result.platform?.architecture) qualifiers.arch = result.platform.architecture;
  if (repositoryUrl) qualifiers.repository_url = repositoryUrl;
  const purl = new PackageURL('oci', undefined, shortName, result.imageDigest, qualifiers, undefined).toString();
  return { name, digest: result.imageDigest, purl, shortName, repositoryUrl };
}

function tryParse(text: string): ImageReference | undefined {
  try {
    return parseReference(text);
  } catch {
    return undefined;
  }
}

/** The last path component, without an archive extension; purl names of the oci type are lower case. */
function purlName(reference: ImageReference | undefined, name: string): string {
  const base = (reference?.kind === 'registry' ? reference.repository : name).replace(/\/+$/, '').split('/').pop() ?? '';
  const cleaned = (reference?.kind === 'docker-archive' ? base.replace(/\.(tar(\.gz)?|tgz)$/i, '') : base).toLowerCase();
  return cleaned || 'image';
}
