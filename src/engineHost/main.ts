// Composition root of the engine process: the extension host forks it (dist/engineHost.js) and talks JSON-RPC over
// Node IPC (src/shared/engineProtocol.ts). Scanning, sql.js and snapshots run here, never on the extension host's
// event loop, and a crash here cannot take the editor down. The store's write lock is held only while a run or a
// deletion is in progress, so the CLI can use the same workspace whenever this window is idle.
import path from 'node:path';
import type { CancellationToken, MessageConnection } from 'vscode-jsonrpc/node';
import { createMessageConnection, ErrorCodes, IPCMessageReader, IPCMessageWriter, ResponseError } from 'vscode-jsonrpc/node';
import { openWorkspaceEngine, removeDeletedSessionLogs, type WorkspaceEngine } from '../agents/workspaceEngine';
import { createModelResolver } from '../models/modelResolver';
import { applyReviewedChanges, discardReviewedChanges, reviewChanges, ReviewUnavailableError } from '../agents/review/reviewedChanges';
import { UnknownChangeError } from '../core/review/changeReview';
import { ConfigError } from '../core/config/loadConfig';
import { buildExecutionReport, renderReportMarkdown } from '../core/logging/executionReport';
import { foldEvents } from '../core/logging/runState';
import type { ExecutionResult } from '../core/orchestrator/executionOrchestrator';
import { ProtocolValidationError, parseOrThrow } from '../core/protocol/validation';
import { SessionStore, StoreLockedError, storeDirFor } from '../core/store/sessionStore';
import { ModelError, type ApprovalGate, type ModelClient, type ModelResolver, type ModelStreamPart } from '../core/ports';
import type { ModelSettings } from '../core/protocol/config';
import { PLANNER_AGENT } from '../core/protocol/plan';
import type { PlanModel } from '../core/planning/modelPlanner';
import { EngineErrorCodes, EngineMethods, modelErrorData, type EngineMethod, type EngineResult, type ModelChoice } from '../shared/engineProtocol';
import { ForwardingApprovalGate } from './forwardingApprovalGate';
import { describeMcpServers } from './mcpServerSummary';
import { VscodeLmToolSource } from './vscodeLmTools';
import { createVscodeLmModelClient, VscodeLmBridgeClient } from './vscodeLmModelClient';
import type { z } from 'zod';

interface LaunchArguments {
  workspaceRoot: string;
  wasmPath: string;
}

function parseArguments(argv: readonly string[]): LaunchArguments {
  const valueOf = (flag: string): string => {
    const at = argv.indexOf(flag);
    const value = at >= 0 ? argv[at + 1] : undefined;
    if (!value) throw new Error(`engineHost: missing ${flag} <value>`);
    return value;
  };
  return { workspaceRoot: path.resolve(valueOf('--workspace')), wasmPath: path.resolve(valueOf('--wasm')) };
}

type Params<M extends EngineMethod> = z.output<(typeof EngineMethods)[M]['params']>;
type Handler<M extends EngineMethod> = (params: Params<M>, token: CancellationToken) => Promise<EngineResult<M>>;

/** Serves one workspace. At most one run at a time; reads and deletions use the run's store while it is open. */
export class EngineHost {
  readonly #launch: LaunchArguments;
  readonly #connection: MessageConnection;
  /** The window's VS Code language models (vscode.lm), reached back through the extension host. */
  readonly vscodeLm: VscodeLmBridgeClient;
  #activeRun: { engine: WorkspaceEngine; abort: AbortController; done: Promise<unknown> } | null = null;
  /** A run is opening its store (taking the write lock); a second run is refused meanwhile. */
  #runStarting = false;
  /**
   * Store openings take turns: a run opening its store, a read or a deletion. Without this, a deletion arriving
   * while a run takes the write lock would open a second writer and fail as "locked by another process".
   */
  #storeTurn: Promise<unknown> = Promise.resolve();

  constructor(launch: LaunchArguments, connection: MessageConnection) {
    this.#launch = launch;
    this.#connection = connection;
    this.vscodeLm = new VscodeLmBridgeClient(connection, (line) => process.stderr.write(`${line}\n`));
  }

  register(): void {
    this.#handle('plan', (params) => this.#plan(params));
    this.#handle('run', (params, token) => this.#run(params, token));
    this.#handle('listSessions', (params) =>
      this.#withReader((store) => store.listSessions().slice(0, params.limit ?? Number.MAX_SAFE_INTEGER)),
    );
    this.#handle('sessionEvents', (params) =>
      this.#withReader((store) => {
        const session = store.getSession(params.sessionId);
        if (!session) throw notFound(`No session ${params.sessionId} in this workspace.`);
        return { session, events: store.getEvents(params.sessionId) };
      }),
    );
    this.#handle('patterns', () => this.#withReader((store) => store.patterns()));
    this.#handle('deletePatterns', (params) =>
      this.#withWriter((store) => {
        const existing = new Set(store.patterns().map((pattern) => pattern.id));
        const ids = params.ids.filter((id) => existing.has(id));
        if (ids.length > 0) store.deletePatterns(ids);
        return { deleted: ids.length };
      }),
    );
    this.#handle('clearLearnings', () =>
      this.#withWriter((store) => {
        const result = { executionsRemoved: store.executionCount(), patternsRemoved: store.patterns().length };
        store.clearLearnings();
        return result;
      }),
    );
    this.#handle('deleteSession', async (params) => {
      const deleted = await this.#withWriter((store) => store.deleteSessions([params.sessionId]));
      // The session is gone from the store; its log files (findings, diffs) go with it. A file that cannot be
      // removed, or a config that cannot be read, is a warning: the deletion itself already happened.
      try {
        for (const problem of removeDeletedSessionLogs(this.#launch.workspaceRoot, deleted).slice(0, 3)) this.#warn(`Could not remove a log file of the deleted session: ${problem}`);
      } catch (error) {
        this.#warn(`The deleted session's log files were kept: ${(error as Error).message}`);
      }
      return { deleted: deleted.length > 0 };
    });
    this.#handle('exportReport', (params) =>
      this.#withReader((store) => {
        if (!store.getSession(params.sessionId)) throw notFound(`No session ${params.sessionId} in this workspace.`);
        const report = buildExecutionReport(foldEvents(params.sessionId, store.getEvents(params.sessionId)));
        return params.format === 'json'
          ? { content: `${JSON.stringify(report, null, 2)}\n`, fileName: `${params.sessionId}.report.json` }
          : { content: renderReportMarkdown(report), fileName: `${params.sessionId}.report.md` };
      }),
    );
    this.#handle('reviewChanges', (params) =>
      this.#withReader((store) => ({ changes: reviewChanges(this.#launch.workspaceRoot, store, params.sessionId) })).catch(reviewError),
    );
    this.#handle('applyChanges', (params) =>
      this.#withWriter((store) => {
        const report = applyReviewedChanges({ workspaceRoot: this.#launch.workspaceRoot, store, sessionId: params.sessionId, only: params.only, by: 'vscode' });
        return { results: report.results, allApplied: report.allApplied };
      }).catch(reviewError),
    );
    this.#handle('discardChanges', (params) =>
      this.#withWriter((store) => ({ results: discardReviewedChanges({ workspaceRoot: this.#launch.workspaceRoot, store, sessionId: params.sessionId, only: params.only, by: 'vscode' }) })).catch(reviewError),
    );
    this.#handle('modelTurn', (params, token) => this.#modelTurn(params, token));
    this.#handle('mcpServers', async () => describeMcpServers(this.#launch.workspaceRoot, process.env));
  }

  #handle<M extends EngineMethod>(method: M, handler: Handler<M>): void {
    this.#connection.onRequest(method, async (raw: unknown, token: CancellationToken) => {
      let params: Params<M>;
      try {
        params = parseOrThrow(EngineMethods[method].params, raw ?? {}, `${method} parameters`) as Params<M>;
      } catch (error) {
        throw new ResponseError(ErrorCodes.InvalidParams, (error as Error).message, { code: EngineErrorCodes.invalidParams });
      }
      try {
        return await handler(params, token);
      } catch (error) {
        throw toResponseError(error);
      }
    });
  }

  async #modelTurn(params: Params<'modelTurn'>, token: CancellationToken): Promise<EngineResult<'modelTurn'>> {
    const client = await createVscodeLmModelClient(this.vscodeLm, params.selector);
    if (!client) throw notFound(`VS Code offers no language model for ${describeSelector(params.selector)}.`);
    const abort = new AbortController();
    const cancellation = token.onCancellationRequested(() => abort.abort());
    try {
      const parts: ModelStreamPart[] = [];
      for await (const part of client.stream({ ...params, signal: abort.signal })) parts.push(part);
      return { provider: client.provider, modelId: client.modelId, parts };
    } finally {
      cancellation.dispose();
    }
  }

  async #plan(params: Params<'plan'>): Promise<EngineResult<'plan'>> {
    const engine = await this.#open('read', params.config, false);
    try {
      const model = await this.#describeModel(params.model, engine.config.config.models);
      // With a model, the plan the user sees is the model's (the run then runs exactly this plan, see #run).
      const planner = await this.#plannerFor(params.model, engine).catch(() => null);
      const plan = planner
        ? await engine.orchestrator.planRun(params.request, params.agents, { planModel: planner.planModel, modelAvailable: planner.modelAvailable })
        : engine.orchestrator.plan(params.request, params.agents);
      const roster = engine.roster.map((agent) => ({
        name: agent.name,
        description: agent.description,
        capabilities: agent.capabilities,
        tools: agent.tools,
        source: agent.source.kind === 'builtin' ? 'builtin' : path.relative(engine.workspaceRoot, agent.source.path).split(path.sep).join('/'),
        runtime: agent.runtime,
      }));
      return { plan, roster, warnings: [...engine.warnings], ...(model ? { model } : {}) };
    } finally {
      await engine.close();
    }
  }

  async #run(params: Params<'run'>, token: CancellationToken): Promise<EngineResult<'run'>> {
    if (this.#activeRun || this.#runStarting) throw new ResponseError(ErrorCodes.InvalidRequest, 'A run is already in progress in this window.');
    this.#runStarting = true;
    const abort = new AbortController();
    const cancellation = token.onCancellationRequested(() => abort.abort());
    let started: { engine: WorkspaceEngine; execution: Promise<ExecutionResult> };
    try {
      // The run becomes the active one within its turn, so reads and deletions queued behind it use its store.
      started = await this.#inTurn(async () => {
        const engine = await this.#open('write', params.config, params.allowCommands, {
          choice: params.model,
          askBeforeChanges: params.askBeforeChanges === true,
          gate: new ForwardingApprovalGate(this.#connection, (line) => process.stderr.write(`${line}\n`)),
          allowMcpServers: params.allowMcpServers === true,
          // A fresh source per run: the tools are listed once per run, as the window offers them then.
          hostTools: params.vscodeTools === true ? new VscodeLmToolSource(this.#connection) : null,
        });
        const execution = engine.orchestrator.executeRequest(params.request, {
          apply: params.apply,
          allowCommands: params.allowCommands,
          agents: params.agents,
          // The plan the user saw in the plan picker runs as it was shown, not re-planned.
          ...(params.plan ? { plan: params.plan } : {}),
          timeout: params.timeoutMs,
          signal: abort.signal,
          onEvent: (event) => void this.#connection.sendNotification('event', { event }),
        });
        this.#activeRun = { engine, abort, done: execution.catch(() => undefined) };
        return { engine, execution };
      });
    } catch (error) {
      cancellation.dispose();
      throw error;
    } finally {
      this.#runStarting = false;
    }
    const { engine, execution } = started;
    try {
      const result = await execution;
      return {
        success: result.success,
        status: result.status,
        sessionId: result.sessionId,
        logFile: result.logFile,
        dashboardFile: result.dashboardFile,
        reportFile: result.reportFile,
        ...(result.error ? { error: result.error } : {}),
        warnings: result.warnings,
      };
    } finally {
      cancellation.dispose();
      this.#activeRun = null;
      await engine.close();
    }
  }

  /**
   * Opens the workspace's engine. For a run, the agents' models follow the window's choice (`models.choice`);
   * with `askBeforeChanges`, every edit and command goes to the window first, so the run refuses to start when an
   * agent would run offline (offline agents write with --apply alone, without asking).
   */
  async #open(
    mode: 'read' | 'write',
    config: Params<'plan'>['config'],
    allowCommands: boolean,
    models?: { choice: ModelChoice | undefined; askBeforeChanges: boolean; gate: ApprovalGate; allowMcpServers?: boolean; hostTools?: VscodeLmToolSource | null },
  ): Promise<WorkspaceEngine> {
    const vscodeLm = mode === 'write' && models ? await this.#vscodeLmClientFor(models.choice) : null;
    const engine = await openWorkspaceEngine({
      workspaceRoot: this.#launch.workspaceRoot,
      mode,
      wasmPath: this.#launch.wasmPath,
      allowCommands,
      configOverrides: { ...config, models: httpOverrides(models?.choice) },
      createModelResolver: (settings, env) => resolverFor(models?.choice, vscodeLm, settings, env),
      ...(models ? { approvalGate: models.gate, askBeforeChanges: models.askBeforeChanges, allowMcpServers: models.allowMcpServers === true, hostTools: models.hostTools ?? null } : {}),
      onWarning: (message) => void this.#connection.sendNotification('warning', { message }),
    });
    if (models?.askBeforeChanges) {
      const offline = engine.roster.filter((agent) => !engine.models.forAgent(agent.name, agent.model ?? undefined));
      if (offline.length > 0) {
        await engine.close();
        throw new ResponseError(
          ErrorCodes.InvalidRequest,
          `"Ask before each edit or command" needs a language model for every agent, and ${offline.map((agent) => agent.name).join(', ')} would run offline (offline agents cannot ask). Choose a model with Select Model Provider, or start without applying.`,
          { code: EngineErrorCodes.config },
        );
      }
    }
    return engine;
  }

  /** The VS Code language model the choice names: null when it names none or `auto` finds none. */
  async #vscodeLmClientFor(choice: ModelChoice | undefined): Promise<ModelClient | null> {
    if (!choice || (choice.provider !== 'vscode-lm' && choice.provider !== 'auto')) return null;
    const client = await createVscodeLmModelClient(this.vscodeLm, choice.selector).catch((error: unknown) => {
      if (choice.provider === 'auto') return null;
      throw error;
    });
    if (!client && choice.provider === 'vscode-lm') {
      throw new ResponseError(ErrorCodes.InvalidRequest, `VS Code offers no language model for ${describeSelector(choice.selector)}: choose another with Select Model Provider.`, { code: EngineErrorCodes.notFound });
    }
    return client;
  }

  /**
   * The model that plans for the window's choice, and whether any agent would get a model; null when the choice
   * names none (the rule planner plans). Throws when the choice cannot be resolved (the plan's model line says why).
   */
  async #plannerFor(choice: ModelChoice | undefined, engine: WorkspaceEngine): Promise<{ planModel: PlanModel; modelAvailable: boolean } | null> {
    if (!choice) return null;
    const vscodeLm = await this.#vscodeLmClientFor(choice);
    const resolver = resolverFor(choice, vscodeLm, engine.config.config.models, process.env);
    const client = resolver.forAgent(PLANNER_AGENT);
    if (!client) return null;
    return {
      planModel: { client, estimateCostUsd: (provider, modelId, usage) => resolver.estimateCostUsd(provider, modelId, usage) },
      modelAvailable: engine.roster.some((agent) => resolver.forAgent(agent.name, agent.model ?? undefined) !== null),
    };
  }

  /** One line for the plan: which model the agents would use, or why none can be used. */
  async #describeModel(choice: ModelChoice | undefined, settings: ModelSettings): Promise<string | undefined> {
    if (!choice) return undefined;
    try {
      const vscodeLm = await this.#vscodeLmClientFor(choice);
      return resolverFor(choice, vscodeLm, settings, process.env).describe();
    } catch (error) {
      return `no usable model: ${error instanceof Error ? error.message : String(error)}`;
    }
  }

  /** Runs `task` after the store openings queued before it have finished, successfully or not. */
  #inTurn<T>(task: () => Promise<T>): Promise<T> {
    const result = this.#storeTurn.then(task, task);
    this.#storeTurn = result.catch(() => undefined);
    return result;
  }

  /** Reads through the running engine's store when a run is active (it is current), else a read-only snapshot. */
  #withReader<T>(read: (store: SessionStore) => T): Promise<T> {
    return this.#inTurn(async () => {
      if (this.#activeRun) return read(this.#activeRun.engine.store);
      const store = await SessionStore.open({ dir: storeDirFor(this.#launch.workspaceRoot), mode: 'read', wasmPath: this.#launch.wasmPath });
      try {
        return read(store);
      } finally {
        await store.close();
      }
    });
  }

  /** Takes the write lock only for the change itself, unless a run already holds it. */
  #warn(message: string): void {
    void this.#connection.sendNotification('warning', { message });
  }

  #withWriter<T>(write: (store: SessionStore) => T): Promise<T> {
    return this.#inTurn(async () => {
      if (this.#activeRun) return write(this.#activeRun.engine.store);
      const store = await SessionStore.open({
        dir: storeDirFor(this.#launch.workspaceRoot),
        mode: 'write',
        wasmPath: this.#launch.wasmPath,
        onWarning: (message) => void this.#connection.sendNotification('warning', { message }),
      });
      try {
        return write(store);
      } finally {
        await store.close();
      }
    });
  }

  /** Cancels a run in progress and waits until its store is closed (final snapshot, lock released). */
  async shutdown(): Promise<void> {
    const run = this.#activeRun;
    if (!run) return;
    run.abort.abort();
    await run.done;
    await run.engine.close();
  }
}

/** The config's model overrides for an HTTP provider chosen in VS Code (its key is in the engine's environment). */
function httpOverrides(choice: ModelChoice | undefined): { provider?: string; model?: string; baseUrl?: string } | undefined {
  if (!choice) return undefined;
  if (choice.provider === 'openai-compatible' || choice.provider === 'anthropic') return { provider: choice.provider, model: choice.model, baseUrl: choice.baseUrl };
  if (choice.provider === 'offline' || choice.provider === 'vscode-lm') return { provider: 'offline' };
  return undefined;
}

/**
 * The resolver for the window's choice: a VS Code model serves every agent (budgets and prices still from the
 * config); otherwise the config, with the HTTP choice already applied as overrides, decides.
 */
function resolverFor(choice: ModelChoice | undefined, vscodeLm: ModelClient | null, settings: ModelSettings, env: NodeJS.ProcessEnv): ModelResolver {
  if (!vscodeLm) {
    if (choice?.provider === 'offline' || choice?.provider === 'vscode-lm') return createModelResolver({ ...settings, default: { provider: 'offline' }, agents: {} }, env);
    return createModelResolver(settings, env);
  }
  const limits = createModelResolver({ ...settings, default: { provider: 'offline' }, agents: {} }, env);
  return {
    forAgent: () => vscodeLm,
    describe: () => `VS Code language model ${vscodeLm.modelId}`,
    estimateCostUsd: (provider, modelId, usage) => limits.estimateCostUsd(provider, modelId, usage),
    runLimits: limits.runLimits,
    limitsFor: (agentName) => limits.limitsFor(agentName),
  };
}

/** A session that cannot be reviewed, or a change id it does not have: the user's mistake, said as such. */
function reviewError(error: unknown): never {
  if (error instanceof ReviewUnavailableError || error instanceof UnknownChangeError) throw notFound(error.message);
  throw error;
}

function notFound(message: string): ResponseError<{ code: string }> {
  return new ResponseError(ErrorCodes.InvalidParams, message, { code: EngineErrorCodes.notFound });
}

function describeSelector(selector: Params<'modelTurn'>['selector']): string {
  const fields = Object.entries(selector).filter(([, value]) => value !== undefined);
  return fields.length === 0 ? 'any selector' : fields.map(([key, value]) => `${key} "${String(value)}"`).join(', ');
}

function toResponseError(error: unknown): ResponseError<{ code: string } | undefined> {
  if (error instanceof ResponseError) return error as ResponseError<{ code: string } | undefined>;
  if (error instanceof ModelError) return new ResponseError(ErrorCodes.InternalError, error.message, modelErrorData(error));
  if (error instanceof StoreLockedError) return new ResponseError(ErrorCodes.InternalError, error.message, { code: EngineErrorCodes.storeLocked });
  if (error instanceof ConfigError) return new ResponseError(ErrorCodes.InvalidParams, error.message, { code: EngineErrorCodes.config });
  if (error instanceof ProtocolValidationError) return new ResponseError(ErrorCodes.InvalidParams, error.message, { code: EngineErrorCodes.invalidParams });
  return new ResponseError(ErrorCodes.InternalError, error instanceof Error ? error.message : String(error), undefined);
}

function main(): void {
  if (!process.send) {
    process.stderr.write('engineHost runs as a child process of the Agent Orchestrator extension (Node IPC).\n');
    process.exit(2);
  }
  const launch = parseArguments(process.argv.slice(2));
  const connection = createMessageConnection(new IPCMessageReader(process), new IPCMessageWriter(process));
  const host = new EngineHost(launch, connection);
  host.register();
  let stopping = false;
  const stop = (): void => {
    if (stopping) return;
    stopping = true;
    void host.shutdown().finally(() => process.exit(0));
  };
  connection.onNotification('shutdown', stop);
  // The extension host went away (window closed, crash): finish cleanly rather than keep the lock.
  process.on('disconnect', stop);
  connection.listen();
}

if (require.main === module) main();
