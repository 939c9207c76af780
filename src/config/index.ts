export type { Environment } from './env.js';
export {
  type CompiledExpression,
  compileExpression,
  type ExpressionOptions,
  type ExpressionUse,
} from './expressions.js';
export { ConfigError, type ConfigIssue, formatIssue } from './issues.js';
export {
  type ConfiguredPipeline,
  type LoadOptions,
  loadConfig,
  parseConfig,
  type TributaryConfig,
} from './load.js';
export { ENV_OVERRIDES, type EnvOverride } from './overrides.js';
export { type ConfigFile, ConfigSchema } from './schema.js';
export type {
  ApiKey,
  CheckpointSettings,
  LogSettings,
  Scope,
  ServerSettings,
  SinkSettings,
  SourceSettings,
  StoreSettings,
} from './settings.js';
export { toBytes } from './units.js';
