/**
 * Which image(s) of a reference an SBOM describes: the image itself, one platform of a multi-arch
 * index (`--platform linux/arm64`; unset = the host's, as `docker pull` picks), or every platform
 * (`all`). Each is addressed by its own manifest digest: that is what the SBOM describes and what an
 * SBOM attestation is attached to (as `cosign attest` on a per-platform digest).
 */
import { ShipshapeError } from '../errors';
import { formatPlatform, isIndex, parsePlatform, platformMatches, type Descriptor, type Platform } from '../oci/manifest';
import type { OpenedImage } from '../oci/open';
import { formatReference, pinDigest } from '../oci/reference';

export interface PlatformImage {
  /** The image manifest's descriptor (the attestation subject). */
  descriptor: Descriptor;
  /** `repo@sha256:…` of this manifest (or `docker-archive:FILE`). */
  reference: string;
  /** From the index entry; for a plain image manifest, undefined (its config says). */
  platform?: Platform;
  /** The index it was chosen from, when there was one. */
  index?: Descriptor;
}

const NODE_TO_OCI_ARCH: Record<string, string> = { x64: 'amd64', arm64: 'arm64', arm: 'arm', ia32: '386', ppc64: 'ppc64le', s390x: 's390x', riscv64: 'riscv64' };

/** linux/<this machine's architecture>: containers are Linux images wherever the tool runs. */
export function hostPlatform(): Platform {
  return { os: 'linux', architecture: NODE_TO_OCI_ARCH[process.arch] ?? process.arch };
}

export async function platformImages(opened: OpenedImage, platform: string | undefined): Promise<PlatformImage[]> {
  const { descriptor, manifest } = await opened.store.getManifest(opened.tagOrDigest);
  const pin = (digest: string) => (opened.reference.kind === 'docker-archive' ? formatReference(opened.reference) : formatReference(pinDigest(opened.reference, digest)));
  if (!isIndex(manifest)) {
    return [{ descriptor, reference: pin(descriptor.digest) }];
  }
  const entries = manifest.manifests.filter((m) => m.platform && m.platform.os !== 'unknown');
  const available = entries.map((m) => formatPlatform(m.platform!)).join(', ') || '(none listed)';
  if (platform === 'all') {
    if (entries.length === 0) throw new ShipshapeError('input', 'the image index lists no platform images', { where: opened.store.location });
    return entries.map((m) => ({ descriptor: m, reference: pin(m.digest), platform: m.platform, index: descriptor }));
  }
  const wanted = platform ? parsePlatform(platform) : hostPlatform();
  const match = entries.find((m) => platformMatches(m.platform, wanted));
  if (!match) {
    throw new ShipshapeError(platform ? 'input' : 'usage', `the image has no ${formatPlatform(wanted)} variant`, {
      where: opened.store.location,
      hint: `choose one with --platform (${available}) or --platform all`,
    });
  }
  return [{ descriptor: match, reference: pin(match.digest), platform: match.platform, index: descriptor }];
}
