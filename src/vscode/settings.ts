// Maps the `agentOrchestrator.*` settings to the engine's ConfigOverrides. Free of `vscode` so it is unit-tested:
// the VS Code side passes a reader built on `WorkspaceConfiguration.inspect()`. Only settings the user actually set
// (in user, workspace or folder settings) become overrides, so the workspace's .agent-orchestrator/config.json
// supplies every value the user left at its default.
import { OrchestratorConfigSchema } from '../core/protocol/config';
import type { ConfigOverrides } from '../shared/engineProtocol';

export const SETTINGS_SECTION = 'agentOrchestrator';

type ConfigSection = 'orchestration' | 'communication' | 'learning';

/** Each engine setting and the key of the seed's configuration it overrides. */
export const ENGINE_SETTINGS = {
  maxParallelAgents: { section: 'orchestration', key: 'maxParallelAgents' },
  agentTimeout: { section: 'orchestration', key: 'agentTimeout' },
  enableLearning: { section: 'orchestration', key: 'enableLearning' },
  enableCommunication: { section: 'orchestration', key: 'enableCommunication' },
  logRetention: { section: 'orchestration', key: 'logRetention' },
  maxSessions: { section: 'orchestration', key: 'maxSessions' },
  dashboardEnabled: { section: 'orchestration', key: 'dashboardEnabled' },
  maxHistorySize: { section: 'communication', key: 'maxHistorySize' },
  patternConfidenceThreshold: { section: 'learning', key: 'patternConfidenceThreshold' },
} as const satisfies Record<string, { section: ConfigSection; key: string }>;
export type EngineSettingName = keyof typeof ENGINE_SETTINGS;

/** The parts of `WorkspaceConfiguration.inspect()` that say whether and where the user set a value. */
export interface InspectedSetting {
  globalValue?: unknown;
  workspaceValue?: unknown;
  workspaceFolderValue?: unknown;
}

export type SettingsInspector = (name: EngineSettingName) => InspectedSetting | undefined;

export interface SettingError {
  /** Full setting id, e.g. `agentOrchestrator.maxParallelAgents`. */
  setting: string;
  message: string;
}

export type SettingsResult = { ok: true; overrides: ConfigOverrides; userSet: string[] } | { ok: false; errors: SettingError[] };

export function settingId(name: EngineSettingName): string {
  return `${SETTINGS_SECTION}.${name}`;
}

/** The value the user set, most specific scope first; undefined when the setting is at its default. */
export function userValueOf(inspected: InspectedSetting | undefined): unknown {
  if (!inspected) return undefined;
  return inspected.workspaceFolderValue ?? inspected.workspaceValue ?? inspected.globalValue;
}

/** Builds the overrides from the settings the user set and validates them with the engine's configuration schema. */
export function configOverridesFromSettings(inspect: SettingsInspector): SettingsResult {
  const overrides: Record<ConfigSection, Record<string, unknown>> = { orchestration: {}, communication: {}, learning: {} };
  const userSet: string[] = [];
  for (const name of Object.keys(ENGINE_SETTINGS) as EngineSettingName[]) {
    const value = userValueOf(inspect(name));
    if (value === undefined) continue;
    const { section, key } = ENGINE_SETTINGS[name];
    overrides[section][key] = value;
    userSet.push(settingId(name));
  }
  const parsed = OrchestratorConfigSchema.safeParse(overrides);
  if (!parsed.success) {
    const errors = parsed.error.issues.map((issue) => {
      const [section, key] = issue.path.map(String);
      const name = settingNameFor(`${section}.${key}`);
      return { setting: name ? settingId(name) : issue.path.join('.'), message: issue.message };
    });
    return { ok: false, errors };
  }
  const result: ConfigOverrides = {};
  for (const section of ['orchestration', 'communication', 'learning'] as const) {
    if (Object.keys(overrides[section]).length > 0) result[section] = overrides[section];
  }
  return { ok: true, overrides: result, userSet };
}

/** The setting that overrides a configuration key such as `orchestration.maxParallelAgents`, if there is one. */
export function settingNameFor(configPath: string): EngineSettingName | undefined {
  for (const name of Object.keys(ENGINE_SETTINGS) as EngineSettingName[]) {
    const { section, key } = ENGINE_SETTINGS[name];
    if (`${section}.${key}` === configPath) return name;
  }
  return undefined;
}

/** One sentence per bad setting, for an error notification. */
export function describeSettingErrors(errors: readonly SettingError[]): string {
  const parts = errors.map((error) => `${error.setting}: ${error.message}`);
  return `Invalid setting${errors.length === 1 ? '' : 's'}: ${parts.join('; ')}. Fix ${errors.length === 1 ? 'it' : 'them'} in Settings; no run starts with ${errors.length === 1 ? 'this value' : 'these values'}.`;
}

/**
 * Names the settings behind an engine configuration error. The engine's message names configuration keys
 * (`orchestration.agentTimeout`); when the user set the matching setting, that setting is the likely cause.
 */
export function settingsNamedIn(message: string, userSet: readonly string[]): string[] {
  const named: string[] = [];
  for (const name of Object.keys(ENGINE_SETTINGS) as EngineSettingName[]) {
    const { section, key } = ENGINE_SETTINGS[name];
    const id = settingId(name);
    if (message.includes(`${section}.${key}`) && userSet.includes(id)) named.push(id);
  }
  return named;
}
