/** SLSA v1 provenance: the public API of `src/provenance`. */
export { BUILD_TYPES, SLSA_PROVENANCE_V1, slsaProvenanceV1Schema } from './types';
export type { BuildDefinition, RunDetails, SlsaProvenanceV1 } from './types';
export { buildProvenancePredicate, providerProvenance } from './predicate';
export type { BuiltProvenance, ProvenanceInput } from './predicate';
export { generateProvenance } from './generate';
export type { GeneratedProvenance, GenerateProvenanceOptions } from './generate';
export { readBuildClaims } from './claims';
export type { ReadClaimsOptions } from './claims';
export { fileByproduct, sniffMediaType } from './byproducts';
export { hasExpectations, parseSourceUri, provenanceMismatches, refMatches } from './expectations';
export type { ProvenanceExpectations, SourceUri } from './expectations';
