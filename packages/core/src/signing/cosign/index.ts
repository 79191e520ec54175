/** The cosign CLI backend (`signing.tool: cosign`): command lines, version capabilities, runs. */
export { cosignSignArgs, cosignVerifyArgs, timestampEndpoint } from './args';
export type { CosignCommand, CosignFormat, CosignRegistryOptions, CosignSecrets, CosignSignRequest, CosignVerifyRequest } from './args';
export { cosignCapabilities, NEWEST_KNOWN_COSIGN } from './capabilities';
export type { CosignCapabilities } from './capabilities';
export { cosignSignRequestFromConfig, cosignVerifyRequestFromConfig } from './config';
export { parseVerifyOutput, runCosignSign, runCosignVerify } from './run';
export type { CosignRun, CosignSignResult, CosignVerifiedSignature, CosignVerifyResult, RunCosignOptions, RunCosignSignOptions } from './run';
