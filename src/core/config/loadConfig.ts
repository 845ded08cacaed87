import { closeSync, constants, fstatSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { escapeControl, openNoFollow, realPathInside, UnsafePathError } from '../files/safeFiles';
import { OrchestratorConfigSchema, type OrchestratorConfig } from '../protocol/config';
import { describeIssues } from '../protocol/validation';

/** Thrown for a bad configuration value; the message names the key (or variable), the source and what was expected. */
export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

export const CONFIG_DIR_NAME = '.agent-orchestrator';
export const CONFIG_FILE_NAME = 'config.json';
export const ENV_PREFIX = 'AGENT_ORCHESTRATOR_';

type ValueKind = 'integer' | 'number' | 'boolean' | 'string';

/** Environment variables (after the prefix) and the config keys they set. */
const ENV_KEYS: Record<string, { section: 'orchestration' | 'communication' | 'learning'; key: string; kind: ValueKind }> = {
  MAX_PARALLEL_AGENTS: { section: 'orchestration', key: 'maxParallelAgents', kind: 'integer' },
  AGENT_TIMEOUT: { section: 'orchestration', key: 'agentTimeout', kind: 'integer' },
  ENABLE_LEARNING: { section: 'orchestration', key: 'enableLearning', kind: 'boolean' },
  ENABLE_COMMUNICATION: { section: 'orchestration', key: 'enableCommunication', kind: 'boolean' },
  LOG_RETENTION: { section: 'orchestration', key: 'logRetention', kind: 'string' },
  MAX_SESSIONS: { section: 'orchestration', key: 'maxSessions', kind: 'integer' },
  DASHBOARD_ENABLED: { section: 'orchestration', key: 'dashboardEnabled', kind: 'boolean' },
  LOG_DIR: { section: 'orchestration', key: 'logDir', kind: 'string' },
  MAX_HISTORY_SIZE: { section: 'communication', key: 'maxHistorySize', kind: 'integer' },
  MESSAGE_RETENTION: { section: 'communication', key: 'messageRetention', kind: 'string' },
  BROADCAST_ENABLED: { section: 'communication', key: 'broadcastEnabled', kind: 'boolean' },
  ASSISTANCE_TIMEOUT: { section: 'communication', key: 'assistanceTimeout', kind: 'integer' },
  MAX_EXECUTIONS_PER_AGENT: { section: 'learning', key: 'maxExecutionsPerAgent', kind: 'integer' },
  PATTERN_CONFIDENCE_THRESHOLD: { section: 'learning', key: 'patternConfidenceThreshold', kind: 'number' },
  MCP_INTEGRATION: { section: 'learning', key: 'mcpIntegration', kind: 'boolean' },
  MEMORY_SERVER: { section: 'learning', key: 'memoryServer', kind: 'string' },
};

function parseEnvValue(variable: string, raw: string, kind: ValueKind): unknown {
  const text = raw.trim();
  switch (kind) {
    case 'integer':
      if (!/^-?\d+$/.test(text)) throw new ConfigError(`${variable}: expected an integer, got "${raw}"`);
      return Number(text);
    case 'number':
      // Decimal only: Number() would also take "0x10", "1e2", "Infinity" and " ".
      if (!/^-?\d+(\.\d+)?$/.test(text)) throw new ConfigError(`${variable}: expected a number, got "${raw}"`);
      return Number(text);
    case 'boolean':
      if (/^(true|1|yes|on)$/i.test(text)) return true;
      if (/^(false|0|no|off)$/i.test(text)) return false;
      throw new ConfigError(`${variable}: expected true or false, got "${raw}"`);
    case 'string':
      return text;
  }
}

type RawConfig = Record<string, Record<string, unknown>>;

/** Far more than any real config; a bigger file is not read at all. */
const MAX_CONFIG_BYTES = 1024 * 1024;

/**
 * Where JSON.parse stopped, as "line L, column C". Its message itself is never shown: it quotes the text, which
 * could be another file's content.
 */
function parsePosition(text: string, error: unknown): string {
  const match = /at position (\d+)/.exec(error instanceof Error ? error.message : '');
  if (!match) return 'near the start or end of the file';
  const offset = Math.min(Number(match[1]), text.length);
  const before = text.slice(0, offset);
  const line = before.split('\n').length;
  const column = offset - before.lastIndexOf('\n');
  return `at line ${line}, column ${column}`;
}

/** The config file's text, or null when there is none; a symbolic link is refused without being read. */
function readConfigText(workspaceRoot: string, file: string): string | null {
  let fd: number;
  try {
    realPathInside(workspaceRoot, file);
    fd = openNoFollow(file, constants.O_RDONLY);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    if (error instanceof UnsafePathError) throw new ConfigError(error.message);
    throw new ConfigError(`Cannot read ${escapeControl(file)}: ${escapeControl((error as Error).message)}`);
  }
  try {
    const size = fstatSync(fd).size;
    if (size > MAX_CONFIG_BYTES) {
      throw new ConfigError(`${escapeControl(file)} is ${size} bytes, more than a configuration file can be (${MAX_CONFIG_BYTES}); shorten it`);
    }
    return readFileSync(fd).toString('utf8');
  } finally {
    closeSync(fd);
  }
}

function readConfigFile(file: string, text: string): RawConfig {
  // Windows editors (Notepad among them) save UTF-8 with a byte order mark, which JSON.parse refuses.
  if (text.startsWith('\uFEFF')) text = text.slice(1);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new ConfigError(`${escapeControl(file)} is not valid JSON (${parsePosition(text, error)}); fix it or remove it to use the defaults`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new ConfigError(`${file}: expected a JSON object with "orchestration", "communication" and "learning" sections`);
  }
  return parsed as RawConfig;
}

/** Keys a models section must never hold: secrets stay in the environment. */
const SECRET_KEY = /^(api[-_]?key|key|secret|token|password|authorization|headers?)$/i;

/** Hosts a workspace's config may send a key to: the providers' own APIs (anything else needs a flag). */
const TRUSTED_MODEL_HOSTS = new Set(['api.openai.com', 'api.anthropic.com', 'openrouter.ai', 'api.mistral.ai', 'api.groq.com', 'api.deepseek.com', 'api.together.xyz']);

function isLoopbackHost(host: string): boolean {
  return host === 'localhost' || host === '[::1]' || /^127\.\d+\.\d+\.\d+$/.test(host);
}

export const MODEL_KEY_VARIABLES = 'AGENT_ORCHESTRATOR_API_KEY (or OPENAI_API_KEY / ANTHROPIC_API_KEY)';

/** Refuses keys in the workspace file and base URLs that would send the user's key to a host the workspace picked. */
function checkModelsFromFile(file: string, models: unknown): void {
  const visit = (value: unknown, at: string): void => {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return;
    for (const [key, inner] of Object.entries(value)) {
      const where = at ? `${at}.${key}` : key;
      if (SECRET_KEY.test(key)) {
        throw new ConfigError(`${file}: ${where}: API keys are never read from the workspace; set ${MODEL_KEY_VARIABLES} in the environment instead`);
      }
      if (key === 'baseUrl' && typeof inner === 'string') {
        let host: string;
        try {
          host = new URL(inner).host;
        } catch {
          continue; // the schema names the bad URL
        }
        if (!isLoopbackHost(new URL(inner).hostname) && !TRUSTED_MODEL_HOSTS.has(host)) {
          throw new ConfigError(`${file}: ${where}: a workspace's config cannot send your API key to ${host}; pass --base-url ${inner} (or choose it in VS Code) if you trust it`);
        }
      }
      visit(inner, where);
    }
  };
  visit(models, 'models');
}

/** Command-line flags (or VS Code settings) choosing the default model. */
export interface ModelOverrides {
  provider?: string;
  model?: string;
  baseUrl?: string;
}

function applyModelOverrides(models: Record<string, unknown>, override: ModelOverrides | undefined): void {
  if (!override || (override.provider === undefined && override.model === undefined && override.baseUrl === undefined)) return;
  const current = typeof models.default === 'object' && models.default !== null && !Array.isArray(models.default) ? (models.default as Record<string, unknown>) : {};
  // Another provider than the file's: the file's model and endpoint belong to that other provider.
  const switching = override.provider !== undefined && override.provider !== (current.provider ?? 'offline');
  const next: Record<string, unknown> = switching ? {} : { ...current };
  for (const [key, value] of Object.entries(override)) if (value !== undefined) next[key] = value;
  models.default = next;
}

export interface LoadedConfig {
  config: OrchestratorConfig;
  /** Where values came from, for `stats` and diagnostics. */
  sources: string[];
}

/**
 * Builds the configuration: defaults, then `<workspace>/.agent-orchestrator/config.json`, then AGENT_ORCHESTRATOR_*
 * environment variables, then explicit overrides (command-line flags, VS Code settings). Throws ConfigError naming
 * the bad key and the expected type.
 */
export function loadConfig(options: {
  workspaceRoot: string;
  env?: NodeJS.ProcessEnv;
  overrides?: { orchestration?: Record<string, unknown>; communication?: Record<string, unknown>; learning?: Record<string, unknown>; models?: ModelOverrides };
}): LoadedConfig {
  const sources: string[] = ['defaults'];
  const file = path.join(options.workspaceRoot, CONFIG_DIR_NAME, CONFIG_FILE_NAME);
  const text = readConfigText(options.workspaceRoot, file);
  const fileExists = text !== null;
  const raw: RawConfig = text !== null ? readConfigFile(file, text) : {};
  if (fileExists) sources.push(file);

  const merged: RawConfig = { ...raw };
  for (const section of ['orchestration', 'communication', 'learning'] as const) {
    const value = raw[section];
    // A non-object section is left as it is so the schema names it.
    if (value === undefined || (typeof value === 'object' && value !== null && !Array.isArray(value))) merged[section] = { ...(value ?? {}) };
  }
  if (raw.models !== undefined) checkModelsFromFile(file, raw.models);
  if (raw.models === undefined || (typeof raw.models === 'object' && raw.models !== null && !Array.isArray(raw.models))) {
    merged.models = { ...(raw.models ?? {}) };
    applyModelOverrides(merged.models, options.overrides?.models);
  }
  const env = options.env ?? process.env;
  /** The environment variable that set a key ("section.key"), when the final value came from one. */
  const setByEnv = new Map<string, string>();
  /** Keys ("section.key") whose final value came from an explicit override (flag, VS Code setting). */
  const overridden = new Set<string>();
  for (const [suffix, target] of Object.entries(ENV_KEYS)) {
    const variable = ENV_PREFIX + suffix;
    const value = env[variable];
    if (value === undefined || value === '') continue;
    (merged[target.section] as Record<string, unknown>)[target.key] = parseEnvValue(variable, value, target.kind);
    setByEnv.set(`${target.section}.${target.key}`, variable);
    sources.push(variable);
  }
  for (const section of ['orchestration', 'communication', 'learning'] as const) {
    const override = options.overrides?.[section];
    if (!override) continue;
    for (const [key, value] of Object.entries(override)) {
      if (value === undefined) continue;
      (merged[section] as Record<string, unknown>)[key] = value;
      overridden.add(`${section}.${key}`);
      // The override replaced the variable's value, so a bad value is the override's, not the variable's.
      setByEnv.delete(`${section}.${key}`);
    }
  }

  for (const [key, value] of Object.entries(options.overrides?.models ?? {})) if (value !== undefined) overridden.add(`models.default.${key}`);

  // Validated once, after every layer: a bad value in the file can be overridden by a variable or a flag.
  const result = OrchestratorConfigSchema.safeParse(merged);
  if (!result.success) {
    const problems = describeIssues(result.error).map((issue) => {
      const key = issue.path || '(root)';
      const variable = setByEnv.get(key);
      if (variable) return `${variable} (${key}): ${issue.message}`;
      if (overridden.has(key)) return `${key}: ${issue.message}`;
      return fileExists ? `${file}: ${key}: ${issue.message}` : `${key}: ${issue.message}`;
    });
    throw new ConfigError(`Invalid configuration: ${problems.join('; ')}`);
  }
  const logDir = result.data.orchestration.logDir;
  if (logDir !== undefined && !setByEnv.has('orchestration.logDir') && !overridden.has('orchestration.logDir')) {
    // A cloned repository must not make us write (or prune) files outside it.
    const resolved = path.resolve(options.workspaceRoot, logDir);
    const relative = path.relative(path.resolve(options.workspaceRoot), resolved);
    if (relative === '..' || relative.startsWith(`..${path.sep}`) || path.isAbsolute(relative)) {
      throw new ConfigError(`${file}: orchestration.logDir: "${escapeControl(logDir)}" is outside the workspace; use a folder inside it, or set AGENT_ORCHESTRATOR_LOG_DIR`);
    }
    // By the folders on disk, not only by the text: a link inside the workspace can lead out of it.
    try {
      realPathInside(options.workspaceRoot, resolved);
    } catch (error) {
      if (error instanceof UnsafePathError) {
        throw new ConfigError(`${file}: orchestration.logDir: "${escapeControl(logDir)}" leads through a symbolic link; use a real folder inside the workspace, or set AGENT_ORCHESTRATOR_LOG_DIR`);
      }
      throw error;
    }
  }
  return { config: result.data, sources };
}
