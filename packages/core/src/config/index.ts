/** The `security:` configuration: schema, loading with inheritance, secret sources, fail-open rules. */
export * from './schema';
export { isRequired, isScanToolRequired, type Feature } from './required';
export {
  loadConfig,
  evaluateConfig,
  readConfigFile,
  DEFAULT_SOURCE,
  OVERRIDES_SOURCE,
  CLI_SOURCE,
  EFFECTIVE_SOURCE,
  type LoadConfigOptions,
  type LoadedConfig,
  type ConfigEvaluation,
  type ConfigFileResult,
} from './load';
export { discoverConfigFiles, findWorkspaceRoot, CONFIG_FILE_NAMES, type DiscoveredFiles } from './discover';
export { ConfigValidationError, formatConfigError, displayPath, type ConfigError } from './errors';
export {
  resolveSecret,
  parseSecretSource,
  secretSourceSchema,
  SECRET_SOURCE_HOWTO,
  type SecretSource,
  type ResolveSecretOptions,
} from './secret-source';
export { parseKeyReference, keyReferenceSchema, KMS_SCHEMES, type KeyReference, type KmsScheme } from './key-reference';
export { verifyMode, checkEffectiveConfig, type VerifyMode, type EffectiveIssue } from './effective';
export { parseConfigText, type ParsedConfigFile, type Position } from './yaml-source';
export { formatPath, type FieldPath } from './paths';
