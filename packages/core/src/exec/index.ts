/** Running external tools (cosign, syft, grype, trivy) and the one redacting logger. */
export { SecretRegistry, secrets, SECRET_ENV_VARS, REDACTED, isSecretEnvName } from './secrets';
export { createLogger, MemorySink, stderrSink, type Logger, type LogSink, type LogLevel, type LoggerOptions } from './logger';
export { TOOLS, TOOL_NAMES, isToolName, type ToolName, type ToolSpec, type VersionCommand } from './tools';
export { findTool, findExecutable, isExecutableFile, type FindOptions, type FoundTool, type ToolHandle } from './find';
export { toolVersion, findCheckedTool, clearToolVersionCache, type ToolVersion, type ToolVersionOptions } from './version';
export { parseSemver, compareSemver, satisfies, formatSemver, type SemVer } from './semver';
export { runTool, DEFAULT_TOOL_TIMEOUT_MS, type RunToolOptions, type ToolResult } from './run';
export { ToolError, classifyOutcome, looksLikeNetworkError, formatDuration, type ToolFailure, type ToolErrorDetails, type RunOutcome } from './classify';
export { withRetry, backoffDelay, abortableSleep, DEFAULT_RETRY_POLICY, type RetryPolicy, type RetryEvent } from './retry';
