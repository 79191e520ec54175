/** `@shipshape/core/sbom`: an image's SBOM (native, syft or trivy), attached as an attestation and downloaded. */
export { generateImageSboms, attachSbom, downloadSbom, type ImageSbom } from '../sbom';
