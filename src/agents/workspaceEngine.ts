import { promises as fs } from 'node:fs';
import path from 'node:path';
import { loadConfig, type LoadedConfig, type ModelOverrides } from '../core/config/loadConfig';
import { ExecutionOrchestrator } from '../core/orchestrator/executionOrchestrator';
import type { Clock, CommandRunner, ModelResolver } from '../core/ports';
import { retentionToMs, type ModelSettings } from '../core/protocol/config';
import { SessionStore, storeDirFor } from '../core/store/sessionStore';
import type { AgentDefinition } from './definitions/agentDefinition';
import { loadAgentFiles } from './definitions/agentFileLoader';
import { buildAgentRoster } from './definitions/agentRegistry';
import { builtinAgents } from './definitions/builtinAgents';
import { createOfflineAgents } from './offline/offlineAgents';
import { NodeCommandRunner } from './process/nodeCommandRunner';
import { NodeWorkspaceFiles } from './workspace/nodeWorkspaceFiles';

export interface WorkspaceEngineOptions {
  workspaceRoot: string;
  /** write: can run requests (takes the store's lock); read: inspects sessions and learnings only. */
  mode: 'write' | 'read';
  env?: NodeJS.ProcessEnv;
  configOverrides?: Parameters<typeof loadConfig>[0]['overrides'];
  /** Flags choosing the default model (--provider, --model, --base-url), over the config's `models.default`. */
  modelOverrides?: ModelOverrides;
  /**
   * Turns the final model settings into clients (src/models/createModelResolver, given by the host: this layer does
   * not import the adapters). Called in write mode only, so inspecting sessions never needs a key. Without it every
   * agent runs offline.
   */
  createModelResolver?: (settings: ModelSettings, env: NodeJS.ProcessEnv) => ModelResolver;
  /** Consent to run processes; without it no CommandRunner exists at all. */
  allowCommands?: boolean;
  wasmPath?: string;
  clock?: Clock;
  onWarning?: (message: string) => void;
}

/** Everything a host (CLI or VS Code) needs for one workspace, built in one place. */
export interface WorkspaceEngine {
  readonly workspaceRoot: string;
  readonly config: LoadedConfig;
  readonly store: SessionStore;
  readonly roster: AgentDefinition[];
  /** Problems with .claude/agents files and roster decisions the user should see. */
  readonly warnings: string[];
  readonly logDir: string;
  readonly orchestrator: ExecutionOrchestrator;
  /** Which model each agent uses (null = offline), its budgets and the cost of its turns. */
  readonly models: ModelResolver;
  close(): Promise<void>;
}

/** No model configured (or only inspecting): every agent runs offline. */
export const OFFLINE_MODELS: ModelResolver = {
  forAgent: () => null,
  describe: () => 'offline (no model configured)',
  estimateCostUsd: () => null,
  runLimits: {},
  limitsFor: () => ({}),
};

export async function openWorkspaceEngine(options: WorkspaceEngineOptions): Promise<WorkspaceEngine> {
  const workspaceRoot = path.resolve(options.workspaceRoot);
  const stat = await fs.stat(workspaceRoot).catch(() => null);
  if (!stat?.isDirectory()) throw new Error(`Workspace folder not found: ${workspaceRoot}`);
  const warnings: string[] = [];
  const warn = (message: string): void => {
    warnings.push(message);
    options.onWarning?.(message);
  };
  const config = loadConfig({ workspaceRoot, env: options.env, overrides: { ...options.configOverrides, models: options.modelOverrides ?? options.configOverrides?.models } });
  // Before the store opens: a missing key or model is reported without touching the workspace.
  const models = options.mode === 'write' && options.createModelResolver ? options.createModelResolver(config.config.models, options.env ?? process.env) : OFFLINE_MODELS;
  const agentFiles = await loadAgentFiles(path.join(workspaceRoot, '.claude', 'agents'));
  for (const problem of [...agentFiles.errors, ...agentFiles.warnings]) warn(problem.message);
  const roster = buildAgentRoster(builtinAgents(), agentFiles.agents);
  for (const message of roster.warnings) warn(message);

  const storeDir = storeDirFor(workspaceRoot);
  const store = await SessionStore.open({ dir: storeDir, mode: options.mode, wasmPath: options.wasmPath, clock: options.clock, onWarning: warn });
  try {
    const logDirSetting = config.config.orchestration.logDir;
    const logDir = logDirSetting ? path.resolve(workspaceRoot, logDirSetting) : path.join(storeDir, 'logs');

    if (options.mode === 'write') {
      const cutoff = (options.clock?.now() ?? Date.now()) - retentionToMs(config.config.orchestration.logRetention);
      store.pruneSessions(cutoff);
      await pruneLogFiles(logDir, cutoff);
    }

    const commandRunner: CommandRunner | null = options.allowCommands ? new NodeCommandRunner() : null;
    const orchestrator = new ExecutionOrchestrator({
      workspace: new NodeWorkspaceFiles(workspaceRoot),
      store,
      roster: roster.agents,
      runtimes: createOfflineAgents(),
      config: config.config,
      logDir,
      clock: options.clock,
      commandRunner,
      modelAvailable: false,
      onWarning: warn,
    });
    await orchestrator.initialize();
    return {
      workspaceRoot,
      config,
      store,
      roster: roster.agents,
      warnings,
      logDir,
      orchestrator,
      models,
      async close() {
        await orchestrator.shutdown();
        await store.close();
      },
    };
  } catch (error) {
    // Never keep the lock of a store nobody will close (a long-lived VS Code window would refuse every later run).
    await store.close();
    throw error;
  }
}

const ARTIFACT_NAME = /^session_\d{8}_\d{6}_[0-9a-f]{6}\.(log|dashboard|report|summary)\.(md|json|html)$/;

/** Deletes log artifacts older than the retention period; the store prunes the sessions themselves. */
async function pruneLogFiles(logDir: string, cutoff: number): Promise<void> {
  const entries = await fs.readdir(logDir).catch(() => [] as string[]);
  for (const entry of entries) {
    // Only the files a run writes, by their exact names: a shared folder may hold other people's files.
    if (!ARTIFACT_NAME.test(entry)) continue;
    const file = path.join(logDir, entry);
    const stat = await fs.stat(file).catch(() => null);
    if (stat && stat.mtimeMs < cutoff) await fs.rm(file, { force: true });
  }
}
