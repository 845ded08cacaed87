// What the MCP server offers, as plain methods over the engine: the MCP layer only maps them to tools and
// resources. Like the engine process, it holds the store's write lock only while a run is in progress, so the CLI
// and the VS Code window can use the same workspace whenever no MCP client is running a request.
import path from 'node:path';
import { openWorkspaceEngine, type WorkspaceEngine } from '../agents/workspaceEngine';
import { renderDashboardMarkdown } from '../core/logging/dashboardMarkdown';
import { buildExecutionReport, renderReportMarkdown, type ExecutionReport } from '../core/logging/executionReport';
import { renderMarkdownLog } from '../core/logging/markdownLog';
import { applyEvent, createRunState, foldEvents, type RunState } from '../core/logging/runState';
import type { ExecutionResult } from '../core/orchestrator/executionOrchestrator';
import type { OrchestratorEvent } from '../core/protocol/events';
import type { Finding } from '../core/protocol/findings';
import type { ExecutionPlan } from '../core/protocol/plan';
import { SessionStore, storeDirFor, type SessionSummary } from '../core/store/sessionStore';
import { mergeLearnings } from '../agents/memory/memoryServerLearnings';

/** What the user allowed on the command line; a client cannot widen it. */
export interface Consent {
  apply: boolean;
  allowCommands: boolean;
  /** Start the MCP servers the workspace names (--allow-mcp): agents' MCP tools, the memory server's learnings. */
  mcpServers?: boolean;
}

export interface OrchestratorServiceOptions {
  workspaceRoot: string;
  consent: Consent;
  wasmPath?: string;
  onWarning?: (message: string) => void;
}

/** A request the caller got wrong (unknown session, consent not given, a run already going): not a server fault. */
export class RequestRefusedError extends Error {}

export type SessionDocumentKind = 'log' | 'report' | 'dashboard';

export interface RunRequest {
  request: string;
  agents?: string[];
  apply: boolean;
  allowCommands: boolean;
  timeoutMs?: number;
}

export interface RunProgressUpdate {
  sessionId: string;
  /** Steps done: each agent counts two (started, finished); never decreases. */
  progress: number;
  total?: number;
  message: string;
}

export interface RunOutcome {
  sessionId: string;
  status: ExecutionResult['status'];
  success: boolean;
  summary: SessionOverview;
  findings: Finding[];
  changes: { agent: string; file: string; applied: boolean; diff: string }[];
  logFile: string;
  reportFile: string;
  dashboardFile: string;
  error?: string;
  warnings: string[];
}

export interface SessionOverview {
  request: string;
  status: ExecutionReport['status'];
  success: boolean | null;
  startedAt: string | null;
  completedAt: string | null;
  durationMs: number | null;
  agents: number;
  findings: number;
  findingsBySeverity: Record<string, number>;
  changes: number;
  handoffs: number;
  messages: number;
  recommendations: ExecutionReport['recommendations'];
}

const iso = (ts: number | null): string | null => (ts === null ? null : new Date(ts).toISOString());

function overviewOf(report: ExecutionReport): SessionOverview {
  return {
    request: report.request,
    status: report.status,
    success: report.success,
    startedAt: iso(report.startedAt),
    completedAt: iso(report.completedAt),
    durationMs: report.durationMs,
    agents: report.agents.length,
    findings: report.findings.length,
    findingsBySeverity: report.metrics.findingsBySeverity,
    changes: report.changes.length,
    handoffs: report.handoffs.length,
    messages: report.metrics.messages,
    recommendations: report.recommendations,
  };
}

function changesOf(report: ExecutionReport): RunOutcome['changes'] {
  return report.changes.map((change) => ({ agent: change.agent, file: change.file, applied: change.applied, diff: change.diff }));
}

/** Steps of a run for progress: an agent that started counts one, one that finished (or was skipped) two. */
function progressSteps(state: RunState): { progress: number; total: number } {
  let progress = 0;
  for (const agent of state.agents) progress += agent.status === 'running' ? 1 : agent.status === 'pending' ? 0 : 2;
  return { progress, total: state.agents.length * 2 };
}

function progressMessage(event: OrchestratorEvent): string | null {
  switch (event.type) {
    case 'run.started':
      return `Session ${event.sessionId} started`;
    case 'agent.started':
      return `${event.payload.agent} started`;
    case 'agent.completed':
      return `${event.payload.agent} completed`;
    case 'agent.failed':
      return `${event.payload.agent} failed`;
    case 'run.completed':
      return `Run ${event.payload.status}`;
    default:
      return null;
  }
}

interface ActiveRun {
  engine: WorkspaceEngine;
  abort: AbortController;
  /** Known from the run's first event. */
  sessionId: string | null;
  done: Promise<unknown>;
}

export class OrchestratorService {
  readonly workspaceRoot: string;
  readonly #options: OrchestratorServiceOptions;
  #activeRun: ActiveRun | null = null;
  #runStarting = false;
  /** Store openings take turns, so a read arriving while a run takes the write lock waits instead of failing. */
  #storeTurn: Promise<unknown> = Promise.resolve();

  constructor(options: OrchestratorServiceOptions) {
    this.#options = options;
    this.workspaceRoot = path.resolve(options.workspaceRoot);
  }

  get consent(): Consent {
    return this.#options.consent;
  }

  async plan(request: string, agents?: readonly string[]): Promise<{ plan: ExecutionPlan; roster: { name: string; description: string; runtime: string; capabilities: string[] }[]; warnings: string[] }> {
    return this.#withEngine((engine) => ({
      plan: engine.orchestrator.plan(request, agents),
      roster: engine.roster.map((agent) => ({ name: agent.name, description: agent.description, runtime: agent.runtime, capabilities: [...agent.capabilities] })),
      warnings: [...engine.warnings],
    }));
  }

  async orchestrate(run: RunRequest, hooks: { signal?: AbortSignal; onProgress?: (update: RunProgressUpdate) => void } = {}): Promise<RunOutcome> {
    if (run.apply && !this.consent.apply) {
      throw new RequestRefusedError('apply: refused, the server was started without --allow-apply (only the user starting the server can allow writing changes to disk).');
    }
    if (run.allowCommands && !this.consent.allowCommands) {
      throw new RequestRefusedError('allowCommands: refused, the server was started without --allow-commands (only the user starting the server can allow running processes).');
    }
    if (this.#activeRun || this.#runStarting) {
      throw new RequestRefusedError(`A run is already in progress (${this.#activeRun?.sessionId ?? 'starting'}); cancel it with cancel_run or wait for it.`);
    }
    this.#runStarting = true;
    const abort = new AbortController();
    const onClientAbort = (): void => abort.abort();
    hooks.signal?.addEventListener('abort', onClientAbort, { once: true });
    let started: { engine: WorkspaceEngine; execution: Promise<ExecutionResult> };
    try {
      started = await this.#inTurn(async () => {
        const engine = await this.#open('write', run.allowCommands);
        let state: RunState | null = null;
        let lastProgress = -1;
        const active: ActiveRun = { engine, abort, sessionId: null, done: Promise.resolve() };
        const execution = engine.orchestrator.executeRequest(run.request, {
          apply: run.apply,
          allowCommands: run.allowCommands,
          agents: run.agents,
          timeout: run.timeoutMs,
          signal: abort.signal,
          onEvent: (event) => {
            active.sessionId ??= event.sessionId;
            state = applyEvent(state ?? createRunState(event.sessionId), event);
            const message = progressMessage(event);
            if (!message || !hooks.onProgress) return;
            const steps = progressSteps(state);
            const progress = event.type === 'run.completed' ? Math.max(steps.total, lastProgress + 1) : steps.progress;
            // Progress must grow with every notification (MCP): an event that moves nothing is not reported.
            if (progress <= lastProgress) return;
            lastProgress = progress;
            // Before the plan is known there is no total yet.
            const total = Math.max(steps.total, progress);
            hooks.onProgress({ sessionId: event.sessionId, progress, ...(total > 0 ? { total } : {}), message });
          },
        });
        active.done = execution.catch(() => undefined);
        this.#activeRun = active;
        return { engine, execution };
      });
    } catch (error) {
      hooks.signal?.removeEventListener('abort', onClientAbort);
      throw error;
    } finally {
      this.#runStarting = false;
    }
    const { engine, execution } = started;
    try {
      const result = await execution;
      return {
        sessionId: result.sessionId,
        status: result.status,
        success: result.success,
        summary: overviewOf(result.report),
        findings: result.report.findings,
        changes: changesOf(result.report),
        logFile: result.logFile,
        reportFile: result.reportFile,
        dashboardFile: result.dashboardFile,
        ...(result.error ? { error: result.error } : {}),
        warnings: result.warnings,
      };
    } finally {
      hooks.signal?.removeEventListener('abort', onClientAbort);
      this.#activeRun = null;
      await engine.close();
    }
  }

  /** Cancels the running request of that session and waits until it has ended (its store closed, lock released). */
  async cancel(sessionId: string): Promise<{ sessionId: string; status: string }> {
    const run = this.#activeRun;
    if (!run || run.sessionId !== sessionId) {
      const session = await this.#withReader((store) => store.getSession(sessionId));
      if (!session) throw new RequestRefusedError(`No session ${sessionId} in ${this.workspaceRoot}.`);
      throw new RequestRefusedError(`Session ${sessionId} is not running here (its status is ${session.status}).`);
    }
    run.abort.abort();
    await run.done;
    const session = await this.#withReader((store) => store.getSession(sessionId));
    return { sessionId, status: session?.status ?? 'cancelled' };
  }

  listSessions(limit?: number): Promise<SessionSummary[]> {
    return this.#withReader((store) => store.listSessions().slice(0, limit ?? Number.MAX_SAFE_INTEGER));
  }

  async getSession(idOrLatest: string): Promise<{ session: SessionSummary; summary: SessionOverview; agents: ExecutionReport['agents']; findings: Finding[]; changes: RunOutcome['changes'] }> {
    const { session, report } = await this.#report(idOrLatest);
    return { session, summary: overviewOf(report), agents: report.agents, findings: report.findings, changes: changesOf(report) };
  }

  async getFindings(idOrLatest: string, severity?: readonly Finding['severity'][]): Promise<{ sessionId: string; findings: Finding[] }> {
    const { session, report } = await this.#report(idOrLatest);
    const findings = severity && severity.length > 0 ? report.findings.filter((finding) => severity.includes(finding.severity)) : report.findings;
    return { sessionId: session.sessionId, findings };
  }

  /**
   * What the agents learned. For one agent, merged with what the memory server knows when it is configured and the
   * server was started with --allow-mcp (as `agent-orchestrator learnings --allow-mcp`): each pitfall says its
   * source, and `memoryServer` lists what only the server holds (or why it could not be asked).
   */
  async queryLearnings(agent?: string, taskType?: string): Promise<unknown> {
    return this.#withEngine(async (engine) => {
      const learning = engine.orchestrator.learningSystem;
      if (agent) {
        if (!engine.roster.some((a) => a.name === agent) && !engine.store.agentsWithHistory().includes(agent)) {
          throw new RequestRefusedError(`agent: unknown agent "${agent}". Known: ${engine.roster.map((a) => a.name).join(', ')}`);
        }
        const local = learning.queryLearnings(agent, taskType ? { taskType } : {});
        const memory = engine.learningMemory;
        if (!memory) return { agent, ...local };
        const localSessions = new Set(engine.store.recentExecutions(agent, Number.MAX_SAFE_INTEGER).map((record) => record.sessionId));
        return { agent, ...mergeLearnings(local, await memory.knowledgeFor(agent), { name: memory.serverName, problem: memory.problem }, localSessions) };
      }
      return {
        agents: engine.store.agentsWithHistory().map((name) => ({ name, estimatedDuration: learning.estimateDuration(name, taskType) })),
        patterns: engine.store.patterns(),
      };
    });
  }

  async sessionDocument(idOrLatest: string, kind: SessionDocumentKind): Promise<{ sessionId: string; text: string }> {
    const { session, events } = await this.#events(idOrLatest);
    if (kind === 'log') return { sessionId: session.sessionId, text: renderMarkdownLog(events, session.sessionId) };
    const state = foldEvents(session.sessionId, events);
    return { sessionId: session.sessionId, text: kind === 'report' ? renderReportMarkdown(buildExecutionReport(state)) : renderDashboardMarkdown(state) };
  }

  /** Cancels a run in progress and waits until its store is closed (final snapshot written, lock released). */
  async close(): Promise<void> {
    const run = this.#activeRun;
    if (!run) return;
    run.abort.abort();
    await run.done;
    await run.engine.close();
  }

  async #report(idOrLatest: string): Promise<{ session: SessionSummary; report: ExecutionReport }> {
    const { session, events } = await this.#events(idOrLatest);
    return { session, report: buildExecutionReport(foldEvents(session.sessionId, events)) };
  }

  #events(idOrLatest: string): Promise<{ session: SessionSummary; events: OrchestratorEvent[] }> {
    return this.#withReader((store) => {
      const session = idOrLatest === 'latest' ? store.listSessions()[0] : store.getSession(idOrLatest);
      if (!session) {
        throw new RequestRefusedError(idOrLatest === 'latest' ? `No sessions yet in ${this.workspaceRoot}.` : `sessionId: no session ${idOrLatest} in ${this.workspaceRoot} (see list_sessions).`);
      }
      return { session, events: store.getEvents(session.sessionId) };
    });
  }

  #open(mode: 'read' | 'write', allowCommands: boolean): Promise<WorkspaceEngine> {
    return openWorkspaceEngine({
      workspaceRoot: this.workspaceRoot,
      mode,
      wasmPath: this.#options.wasmPath,
      allowCommands,
      allowMcpServers: this.consent.mcpServers === true,
      onWarning: this.#options.onWarning,
    });
  }

  /** Uses the running engine when there is one (its store is current), else a read-only engine for this call. */
  #withEngine<T>(use: (engine: WorkspaceEngine) => T | Promise<T>): Promise<T> {
    return this.#inTurn(async () => {
      if (this.#activeRun) return use(this.#activeRun.engine);
      const engine = await this.#open('read', false);
      try {
        return await use(engine);
      } finally {
        await engine.close();
      }
    });
  }

  #withReader<T>(read: (store: SessionStore) => T): Promise<T> {
    return this.#inTurn(async () => {
      if (this.#activeRun) return read(this.#activeRun.engine.store);
      const store = await SessionStore.open({ dir: storeDirFor(this.workspaceRoot), mode: 'read', wasmPath: this.#options.wasmPath });
      try {
        return read(store);
      } finally {
        await store.close();
      }
    });
  }

  #inTurn<T>(task: () => Promise<T>): Promise<T> {
    const result = this.#storeTurn.then(task, task);
    this.#storeTurn = result.catch(() => undefined);
    return result;
  }
}
