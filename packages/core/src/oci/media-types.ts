/** Media types of the OCI image spec and Docker's distribution formats, and the Accept list for manifests. */
export const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
export const OCI_INDEX = 'application/vnd.oci.image.index.v1+json';
export const OCI_CONFIG = 'application/vnd.oci.image.config.v1+json';
export const OCI_EMPTY = 'application/vnd.oci.empty.v1+json';
export const OCI_LAYER_TAR = 'application/vnd.oci.image.layer.v1.tar';
export const OCI_LAYER_GZIP = 'application/vnd.oci.image.layer.v1.tar+gzip';
export const OCI_LAYER_ZSTD = 'application/vnd.oci.image.layer.v1.tar+zstd';
export const DOCKER_MANIFEST = 'application/vnd.docker.distribution.manifest.v2+json';
export const DOCKER_MANIFEST_LIST = 'application/vnd.docker.distribution.manifest.list.v2+json';
export const DOCKER_CONFIG = 'application/vnd.docker.container.image.v1+json';
export const DOCKER_LAYER_GZIP = 'application/vnd.docker.image.rootfs.diff.tar.gzip';
export const DOCKER_FOREIGN_LAYER_GZIP = 'application/vnd.docker.image.rootfs.foreign.diff.tar.gzip';

/** The empty JSON object `{}`: the config of artifacts that have none (OCI 1.1 guidance). */
export const EMPTY_JSON_DIGEST = 'sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a';

export const INDEX_MEDIA_TYPES: readonly string[] = [OCI_INDEX, DOCKER_MANIFEST_LIST];
export const IMAGE_MANIFEST_MEDIA_TYPES: readonly string[] = [OCI_MANIFEST, DOCKER_MANIFEST];
/** Sent on every manifest request, so registries answer with the digest the image really has. */
export const MANIFEST_ACCEPT: readonly string[] = [OCI_INDEX, OCI_MANIFEST, DOCKER_MANIFEST_LIST, DOCKER_MANIFEST];

export function isIndexMediaType(mediaType: string | undefined): boolean {
  return mediaType !== undefined && INDEX_MEDIA_TYPES.includes(mediaType);
}

export function isManifestMediaType(mediaType: string | undefined): boolean {
  return mediaType !== undefined && MANIFEST_ACCEPT.includes(mediaType);
}
