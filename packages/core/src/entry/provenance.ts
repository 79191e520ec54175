/** `@shipshape/core/provenance`: SLSA v1 provenance from the CI context. */
export { generateProvenance, SLSA_PROVENANCE_V1, type GeneratedProvenance } from '../provenance';
