import { promises as fs } from 'node:fs';
import path from 'node:path';
import { loadConfig, type LoadedConfig, type ModelOverrides } from '../core/config/loadConfig';
import { ExecutionOrchestrator } from '../core/orchestrator/executionOrchestrator';
import type { ApprovalGate, Clock, CommandRunner, ModelClient, ModelResolver, ModelUsage } from '../core/ports';
import { RunApprovals } from '../core/approvals/approvalPolicy';
import type { AgentRuntime } from '../core/orchestrator/agentRuntime';
import { ModelAgentRuntime, perRun, type ModelAgentLimits } from './model/modelAgentRuntime';
import { ensureDirWithin, escapeControl } from '../core/files/safeFiles';
import { removeSessionArtifacts } from '../core/logging/sessionArtifacts';
import { retentionToMs, type ModelSettings } from '../core/protocol/config';
import { PLANNER_AGENT } from '../core/protocol/plan';
import { SessionStore, storeDirFor } from '../core/store/sessionStore';
import type { AgentDefinition } from './definitions/agentDefinition';
import { loadAgentFiles } from './definitions/agentFileLoader';
import { buildAgentRoster } from './definitions/agentRegistry';
import { builtinAgents } from './definitions/builtinAgents';
import { loadMcpServerConfigs, type McpServerConfigs } from './mcp/mcpServerConfig';
import { combinedToolSource, McpToolHub, type McpToolSource } from './mcp/mcpToolHub';
import { startLearningMemory } from './memory/learningMemorySetup';
import type { MemoryServerLearnings } from './memory/memoryServerLearnings';
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
  /**
   * Language models for the agents, given directly (tests, replay); absent, they come from `createModelResolver`,
   * and with neither every agent runs offline as before (model-only agents are skipped).
   */
  models?: ModelAgentWiring;
  /** Who is asked when the permissions say "ask" (a TTY prompt, VS Code's approval UI); absent: nobody, so it is refused. */
  approvalGate?: ApprovalGate | null;
  /** Ask the gate before each edit and command even where the run's flags allow it (VS Code's "ask before each"). */
  askBeforeChanges?: boolean;
  /** Consent to start the MCP servers the workspace names (.mcp.json, .vscode/mcp.json, the config's mcpServers). */
  allowMcpServers?: boolean;
  /** Tools the host offers the model agents besides the MCP servers' (VS Code's vscode.lm.tools); write mode only. */
  hostTools?: McpToolSource | null;
}

/** The resolver's clients and budgets as the engine's wiring; null when it gives no agent a model. */
export function wiringFromResolver(models: ModelResolver, approvalGate: ApprovalGate | null, askBeforeChanges = false): ModelAgentWiring | undefined {
  if (models === OFFLINE_MODELS) return undefined;
  return {
    forAgent: (agentName, agentModel) => models.forAgent(agentName, agentModel ?? undefined),
    estimateCostUsd: (provider, modelId, usage) => models.estimateCostUsd(provider, modelId, usage),
    limitsFor: (agentName) => models.limitsFor(agentName),
    runLimits: models.runLimits,
    approvalGate,
    askBeforeChanges,
    // The default model plans runs; `models.agents.orchestrator` in the config can pick another or switch it off.
    planner: models.forAgent(PLANNER_AGENT),
  };
}

/** What the composition root (which owns src/models) gives the engine to run model agents. */
export interface ModelAgentWiring {
  /** The model for an agent, from its name and its file's `model:` (sonnet, opus, haiku, inherit, an id); null: none. */
  forAgent(agentName: string, agentModel?: string | null): ModelClient | null;
  estimateCostUsd?(provider: string, modelId: string, usage: ModelUsage): number | null;
  /** Per-agent limits (maxTurns, maxTokens, maxCostUsd). */
  limitsFor?(agentName: string): ModelAgentLimits | undefined;
  /** Whole-run token and cost limits, shared by every model agent of a run. */
  runLimits?: { maxTokens?: number; maxCostUsd?: number };
  /** Asked when the policy says "ask" or no flag covers a call; null: nobody can be asked (CLI without --ask). */
  approvalGate?: ApprovalGate | null;
  /** Every edit and command goes to the gate even when the run's flags would allow it (see RunApprovals). */
  askBeforeChanges?: boolean;
  /** Plans runs (the rule planner is the fallback); absent or null: the rule planner alone. */
  planner?: ModelClient | null;
}

/**
 * The runtime of each agent: a model agent with a model runs in the tool loop; a built-in agent runs its prompt
 * in the tool loop when a model is given for it, and offline otherwise.
 */
export function agentRuntimes(roster: readonly AgentDefinition[], offline: readonly AgentRuntime[], wiring: ModelAgentWiring | undefined, permissions: LoadedConfig['config']['permissions'], warn: (message: string) => void, mcpTools: McpToolSource | null = null): { runtimes: AgentRuntime[]; modelAvailable: boolean } {
  if (!wiring) return { runtimes: [...offline], modelAvailable: false };
  const approvals = perRun(() => new RunApprovals(permissions ?? { allow: [], ask: [], deny: [] }, wiring.approvalGate ?? null, { askBeforeChanges: wiring.askBeforeChanges === true }));
  const budget = perRun(() => ({ ...wiring.runLimits, tokens: 0, costUsd: 0 }));
  const runtimes: AgentRuntime[] = [];
  let modelAvailable = false;
  for (const definition of roster) {
    const model = wiring.forAgent(definition.name, definition.model);
    if (model) {
      modelAvailable = true;
      runtimes.push(new ModelAgentRuntime({
        name: definition.name, capabilities: definition.capabilities, prompt: definition.prompt, description: definition.description,
        tools: definition.tools, model, approvals, runBudget: budget, limits: wiring.limitsFor?.(definition.name), mcpTools,
        ...(wiring.estimateCostUsd ? { estimateCostUsd: (provider, modelId, usage) => wiring.estimateCostUsd!(provider, modelId, usage) } : {}),
      }));
      continue;
    }
    const builtin = offline.find((runtime) => runtime.name === definition.name);
    if (builtin) runtimes.push(builtin);
    else if (definition.runtime === 'model') warn(`${definition.name}: no model is configured for it (model: ${definition.model ?? 'inherit'}); it cannot run.`);
  }
  return { runtimes, modelAvailable };
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
  /** The MCP memory server that mirrors the learnings; null when they stay local only. */
  readonly learningMemory: MemoryServerLearnings | null;
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

/** Where a workspace's per-session log files go: the configured `logDir` (relative to the workspace), else the store's `logs`. */
export function sessionLogDir(workspaceRoot: string, logDirSetting: string | undefined): string {
  return logDirSetting ? path.resolve(workspaceRoot, logDirSetting) : path.join(storeDirFor(workspaceRoot), 'logs');
}

/** Removes the log files of sessions the user deleted (retention removes pruned sessions' files itself). */
export function removeDeletedSessionLogs(workspaceRoot: string, sessionIds: readonly string[], env: NodeJS.ProcessEnv = process.env): string[] {
  if (sessionIds.length === 0) return [];
  const config = loadConfig({ workspaceRoot, env });
  return removeSessionArtifacts(sessionLogDir(workspaceRoot, config.config.orchestration.logDir), sessionIds, workspaceRoot).problems;
}

export async function openWorkspaceEngine(options: WorkspaceEngineOptions): Promise<WorkspaceEngine> {
  const workspaceRoot = path.resolve(options.workspaceRoot);
  const stat = await fs.stat(workspaceRoot).catch(() => null);
  if (!stat) throw new Error(`Workspace folder not found: ${escapeControl(workspaceRoot)}`);
  if (!stat.isDirectory()) {
    throw new Error(`The workspace ${escapeControl(workspaceRoot)} is a file, not a folder: pass the folder that holds your project`);
  }
  const warnings: string[] = [];
  const warn = (message: string): void => {
    warnings.push(message);
    options.onWarning?.(message);
  };
  const config = loadConfig({ workspaceRoot, env: options.env, overrides: { ...options.configOverrides, models: options.modelOverrides ?? options.configOverrides?.models } });
  // Before the store opens: a missing key or model is reported without touching the workspace.
  const models = options.mode === 'write' && options.createModelResolver ? options.createModelResolver(config.config.models, options.env ?? process.env) : OFFLINE_MODELS;
  const agentFiles = await loadAgentFiles(path.join(workspaceRoot, '.claude', 'agents'));
  // Also recorded in each run's events, so the log, report, dashboard and VS Code show them, not only stderr.
  const setupWarnings: string[] = [];
  for (const problem of [...agentFiles.errors, ...agentFiles.warnings]) setupWarnings.push(problem.message);
  const roster = buildAgentRoster(builtinAgents(), agentFiles.agents);
  setupWarnings.push(...roster.warnings);
  for (const message of setupWarnings) warn(message);

  const storeDir = storeDirFor(workspaceRoot);
  const logDir = sessionLogDir(workspaceRoot, config.config.orchestration.logDir);
  const maxAgeMs = retentionToMs(config.config.orchestration.logRetention);
  const store = await SessionStore.open({
    dir: storeDir,
    root: workspaceRoot,
    mode: options.mode,
    wasmPath: options.wasmPath,
    clock: options.clock,
    onWarning: warn,
    maxExecutionsPerAgent: config.config.learning.maxExecutionsPerAgent,
    // Applied as the store opens and at the end of every run; a pruned session's log files go with it.
    retention: { maxSessions: config.config.orchestration.maxSessions, maxAgeMs },
    onSessionsPruned: (sessionIds) => {
      const { problems } = removeSessionArtifacts(logDir, sessionIds, workspaceRoot);
      for (const problem of problems.slice(0, 3)) warn(`Could not remove the log file of a pruned session: ${problem}`);
    },
  });
  let learningMemory: MemoryServerLearnings | null = null;
  let mcpTools: McpToolHub | null = null;
  try {
    if (options.mode === 'write') {
      // Checked (and created) now, not at the first run: a bad folder fails here, clearly, before any work.
      ensureDirWithin(logDir, workspaceRoot);
      // Log files whose session is gone from the store (a crash between the two, an older version's leftovers).
      await pruneLogFiles(logDir, (options.clock?.now() ?? Date.now()) - maxAgeMs);
    }

    const commandRunner: CommandRunner | null = options.allowCommands ? new NodeCommandRunner() : null;
    const wiring = options.models ?? wiringFromResolver(models, options.approvalGate ?? null, options.askBeforeChanges === true);
    // Read once: the agents' tools and the memory server come from the same files.
    const mcpConfigs = loadMcpServerConfigs(workspaceRoot, options.env ?? process.env, config.config.mcpServers ?? {});
    mcpTools = options.mode === 'write' && options.allowMcpServers === true ? mcpToolHubFor(mcpConfigs, warn) : null;
    const agentTools = combinedToolSource([mcpTools, options.mode === 'write' ? options.hostTools : null]);
    const { runtimes, modelAvailable } = agentRuntimes(roster.agents, createOfflineAgents(), wiring, config.config.permissions, warn, agentTools);
    const planner = wiring?.planner ?? null;
    learningMemory = startLearningMemory({
      workspaceRoot, configs: mcpConfigs, config: config.config, allowed: options.allowMcpServers === true, repository: store, warn,
    });
    const orchestrator = new ExecutionOrchestrator({
      workspace: new NodeWorkspaceFiles(workspaceRoot, { onWarning: warn }),
      store,
      roster: roster.agents,
      runtimes,
      config: config.config,
      logDir,
      clock: options.clock,
      commandRunner,
      modelAvailable,
      planModel: planner ? { client: planner, ...(wiring?.estimateCostUsd ? { estimateCostUsd: (provider: string, modelId: string, usage: ModelUsage) => wiring.estimateCostUsd!(provider, modelId, usage) } : {}) } : null,
      onWarning: warn,
      mcpServers: mcpTools?.serverNames ?? [],
      observers: [...(learningMemory ? [learningMemory.observe] : []), ...(mcpTools ? [mcpTools.observe] : [])],
      setupWarnings,
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
      learningMemory,
      async close() {
        await orchestrator.shutdown();
        await mcpTools?.closeAll();
        // Before the store closes: the server's backfill reads from it.
        await learningMemory?.close();
        await store.close();
      },
    };
  } catch (error) {
    // Never keep the lock of a store nobody will close (a long-lived VS Code window would refuse every later run).
    await learningMemory?.close(0);
    await mcpTools?.closeAll();
    await store.close();
    throw error;
  }
}

/** The MCP servers agents may use, with a warning per broken entry; null when the workspace names none. */
function mcpToolHubFor({ servers, problems }: McpServerConfigs, warn: (message: string) => void): McpToolHub | null {
  for (const problem of problems) warn(`${problem.message}; that server's tools are not available to agents`);
  return servers.size > 0 ? new McpToolHub({ servers }) : null;
}

const ARTIFACT_NAME = /^session_\d{8}_\d{6}_[0-9a-f]{6}\.(log|dashboard|report|summary)\.(md|json|html)$/;

/** Deletes log artifacts older than the retention period; the store prunes the sessions themselves. */
async function pruneLogFiles(logDir: string, cutoff: number): Promise<void> {
  const entries = await fs.readdir(logDir).catch(() => [] as string[]);
  for (const entry of entries) {
    // Only the files a run writes, by their exact names: a shared folder may hold other people's files.
    if (!ARTIFACT_NAME.test(entry)) continue;
    const file = path.join(logDir, entry);
    // lstat: a link named like an artifact is not ours, and its target's age says nothing.
    const stat = await fs.lstat(file).catch(() => null);
    if (stat?.isFile() && stat.mtimeMs < cutoff) await fs.rm(file, { force: true });
  }
}
