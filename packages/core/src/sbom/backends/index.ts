/** SBOMs from external tools: syft and trivy. */
export { generateWithTool, toolInvocation, checkDocument, sbomDocumentKind, FORMAT_NAMES, type SbomToolName, type ToolSbomOptions, type ToolSbomResult } from './run';
export { registryAccessFor } from './registry-access';
export { syftInvocation, type SyftOptions } from './syft';
export { trivyInvocation, TRIVY_FORMATS, type TrivyOptions } from './trivy';
export type { RegistryAccess, ToolImageSource, ToolInvocation } from './source';
