import { randomBytes, randomUUID } from 'node:crypto';
import { AgentCommunicationBus } from '../bus/agentCommunicationBus';
import { RunEventStream } from '../events/runEventStream';
import { AgentHandoffSystem, type ReceivedHandoff } from '../handoff/agentHandoffSystem';
import { AgentLearningSystem } from '../learning/agentLearningSystem';
import { type ExecutionReport } from '../logging/executionReport';
import { createRunState, applyEvent, type RunState } from '../logging/runState';
import { RuntimeLogger } from '../logging/runtimeLogger';
import { planRequest, type PlannableAgent } from '../planning/planner';
import { systemClock, type Clock, type CommandRunner, type EventJournal, type LearningRepository, type WorkspaceFiles } from '../ports';
import type { OrchestratorConfig } from '../protocol/config';
import type { OrchestratorEvent, RunStatus } from '../protocol/events';
import type { Finding } from '../protocol/findings';
import type { LearnedPattern } from '../protocol/learning';
import type { Message, MessageInput, MessagePayloads } from '../protocol/messages';
import type { ExecutionPlan, PlannedAgent } from '../protocol/plan';
import { HandoffRequestSchema } from '../protocol/handoff';
import { parseOrThrow } from '../protocol/validation';
import type { AgentContext, AgentOutcome, AgentRuntime, ServiceEnvironment } from './agentRuntime';
import { unifiedDiff } from './unifiedDiff';
import { maskSecrets } from '../security/secretMasking';
import { OverlayWorkspace } from './overlayWorkspace';

const ORCHESTRATOR = 'orchestrator';

export interface OrchestratorDependencies {
  /** The real workspace; the orchestrator wraps it so dry runs never touch disk. */
  workspace: WorkspaceFiles;
  /** Durable event sink and learning history (the SessionStore). */
  store: EventJournal & LearningRepository;
  roster: readonly PlannableAgent[];
  runtimes: readonly AgentRuntime[];
  config: OrchestratorConfig;
  /** Where logs, dashboards and reports are written. */
  logDir: string;
  clock?: Clock;
  /** Only given when the user allowed commands; agents that need it say so when it is absent. */
  commandRunner?: CommandRunner | null;
  modelAvailable?: boolean;
  mcpServers?: readonly string[];
  newSessionId?: () => string;
  /** Problems the user should see that do not stop a run (a view that failed to update). */
  onWarning?: (message: string) => void;
}

export interface ExecutionOptions {
  /** Whole-run limit in ms; the run ends as timed_out. */
  timeout?: number;
  signal?: AbortSignal;
  /** Write proposed changes to disk (otherwise they are diffs only). */
  apply?: boolean;
  /** Allow agents to run processes (tests). */
  allowCommands?: boolean;
  /** Restrict the plan to these agents. */
  agents?: readonly string[];
  /** Called with every event as soon as it is durable. */
  onEvent?: (event: OrchestratorEvent) => void;
}

export interface ExecutionResult {
  success: boolean;
  status: RunStatus;
  sessionId: string;
  plan: ExecutionPlan;
  logFile: string;
  dashboardFile: string;
  reportFile: string;
  /** The dashboard file (the seed calls the result's field `dashboard`). */
  dashboard: string;
  report: ExecutionReport;
  learnedPatterns: LearnedPattern[];
  recommendations: ExecutionReport['recommendations'];
  /** Problems that did not stop the run, e.g. a log file that could not be written. */
  warnings: string[];
  error?: string;
}

export interface OrchestratorStatistics {
  runs: number;
  activeRun: string | null;
  communication: ReturnType<AgentCommunicationBus['getStatistics']> | null;
  handoffs: ReturnType<AgentHandoffSystem['getStatistics']> | null;
  learning: ReturnType<AgentLearningSystem['getStatistics']>;
}

class AgentTimeoutError extends Error {
  constructor(agent: string, ms: number) {
    super(`${agent} did not finish within its ${ms} ms timeout`);
  }
}

class RunCancelledError extends Error {
  constructor(readonly status: 'cancelled' | 'timed_out', message: string) {
    super(message);
  }
}

/** A session id like the seed's: session_20250130_102345_ab12cd. */
export function newSessionId(now = new Date()): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace('T', '_').slice(0, 15);
  return `session_${stamp}_${randomBytes(3).toString('hex')}`;
}

/**
 * Runs requests end to end: plan, schedule agents (independent ones in parallel up to maxParallelAgents, each with
 * a timeout), carry their messages and handoffs, record what they learned, and write the log, dashboard and report.
 * One run at a time per orchestrator.
 */
export class ExecutionOrchestrator {
  readonly #deps: OrchestratorDependencies;
  readonly #clock: Clock;
  readonly #learning: AgentLearningSystem;
  #persistTarget: RunEventStream | null = null;
  #bus: AgentCommunicationBus | null = null;
  #handoffs: AgentHandoffSystem | null = null;
  #activeRun: string | null = null;
  #activeExecution: RunExecution | null = null;
  #runs = 0;
  #initialized = false;

  constructor(deps: OrchestratorDependencies) {
    this.#deps = deps;
    this.#clock = deps.clock ?? systemClock;
    this.#learning = new AgentLearningSystem({
      repository: deps.store,
      persist: (record) => {
        if (!this.#persistTarget) throw new Error('Learning records can only be persisted during a run');
        this.#persistTarget.emit('learning.recorded', { record });
      },
      clock: this.#clock,
      maxExecutionsPerAgent: deps.config.learning.maxExecutionsPerAgent,
      patternConfidenceThreshold: deps.config.learning.patternConfidenceThreshold,
    });
  }

  get learningSystem(): AgentLearningSystem {
    return this.#learning;
  }

  async initialize(): Promise<void> {
    const missing = this.#deps.roster.filter((agent) => agent.runtime === 'offline' && !this.#deps.runtimes.some((r) => r.name === agent.name));
    if (missing.length > 0) throw new Error(`No runtime for offline agent(s): ${missing.map((a) => a.name).join(', ')}`);
    this.#initialized = true;
  }

  /** Plans a request without running it (what the user sees before starting). */
  plan(request: string, agents?: readonly string[]): ExecutionPlan {
    return planRequest({
      request,
      roster: this.#deps.roster,
      modelAvailable: this.#deps.modelAvailable ?? false,
      estimate: (agent, taskType) => this.#learning.estimateDuration(agent, taskType),
      only: agents,
      mcpServers: this.#deps.mcpServers,
    });
  }

  getStatistics(): OrchestratorStatistics {
    return {
      runs: this.#runs,
      activeRun: this.#activeRun,
      communication: this.#bus?.getStatistics() ?? null,
      handoffs: this.#handoffs?.getStatistics() ?? null,
      learning: this.#learning.getStatistics(),
    };
  }

  /** Cancels a run in progress (it ends as cancelled) and releases the bus. */
  async shutdown(): Promise<void> {
    this.#activeExecution?.cancel();
    await this.#bus?.shutdown();
    this.#initialized = false;
  }

  async executeRequest(request: string, options: ExecutionOptions = {}): Promise<ExecutionResult> {
    if (!request.trim()) throw new Error('The request is empty: say what the agents should do.');
    if (!this.#initialized) await this.initialize();
    if (this.#activeRun) throw new Error(`A run is already in progress (${this.#activeRun}); wait for it or cancel it.`);
    const config = this.#deps.config;
    const sessionId = (this.#deps.newSessionId ?? (() => newSessionId(new Date(this.#clock.now()))))();
    const warnings: string[] = [];
    const stream = new RunEventStream(sessionId, this.#deps.store, this.#clock, (error, event) => {
      // A view (log file, dashboard, caller's listener) that fails must not stop the run, but must not be silent.
      const message = `Could not update a view for ${event.type}: ${error instanceof Error ? error.message : String(error)}`;
      if (!warnings.includes(message)) {
        warnings.push(message);
        this.#deps.onWarning?.(message);
      }
    });
    const state = createRunState(sessionId);
    stream.subscribe((event) => applyEvent(state, event));
    if (options.onEvent) stream.subscribe(options.onEvent);
    const logger = new RuntimeLogger(stream, { logDir: this.#deps.logDir, dashboardEnabled: config.orchestration.dashboardEnabled });
    this.#activeRun = sessionId;
    this.#persistTarget = stream;
    this.#runs += 1;
    const startedAt = this.#clock.now();
    const elapsed = (): number => Math.max(0, this.#clock.now() - startedAt);
    const apply = options.apply ?? false;
    const allowCommands = options.allowCommands ?? false;

    try {
      stream.emit('run.started', {
        request,
        workspace: this.#deps.workspace.root,
        options: {
          apply,
          allowCommands,
          maxParallelAgents: config.orchestration.maxParallelAgents,
          agentTimeout: config.orchestration.agentTimeout,
          timeout: options.timeout ?? null,
        },
      });

      let plan: ExecutionPlan;
      try {
        plan = this.plan(request, options.agents);
      } catch (error) {
        stream.emit('run.completed', { success: false, status: 'failed', durationMs: elapsed(), error: (error as Error).message });
        throw error;
      }
      stream.emit('plan.created', { plan });
      for (const skipped of plan.skipped) stream.emit('agent.skipped', { agent: skipped.name, reason: skipped.reason });

      let status: RunStatus = 'completed';
      let error: string | undefined;
      if (plan.agents.length === 0) {
        status = 'failed';
        error = plan.skipped.length > 0
          ? `No agent could run: ${plan.skipped.map((skipped) => `${skipped.name} ${skipped.reason}`).join('; ')}`
          : 'No agent can run this request';
      } else {
        const run = new RunExecution({
          stream,
          state,
          plan,
          deps: this.#deps,
          clock: this.#clock,
          learning: this.#learning,
          apply,
          allowCommands,
          signal: options.signal,
          timeout: options.timeout,
        });
        this.#bus = run.bus;
        this.#handoffs = run.handoffs;
        this.#activeExecution = run;
        try {
          const outcome = await run.execute();
          status = outcome.status;
          error = outcome.error;
          if (config.orchestration.enableLearning) await run.recordLearnings(status === 'completed');
        } catch (failure) {
          status = 'failed';
          error = (failure as Error).message;
        } finally {
          this.#activeExecution = null;
          await run.bus.shutdown();
        }
      }
      const success = status === 'completed';
      stream.emit('run.completed', { success, status, durationMs: elapsed(), ...(error ? { error } : {}) });
      logger.dispose();

      const report = logger.generateExecutionReport();
      return {
        success,
        status,
        sessionId,
        plan,
        logFile: logger.files.logFile,
        dashboardFile: logger.files.dashboardFile,
        dashboard: logger.files.dashboardFile,
        reportFile: logger.files.reportFile,
        report,
        learnedPatterns: state.patterns,
        recommendations: report.recommendations,
        warnings,
        ...(error ? { error } : {}),
      };
    } finally {
      // Whatever failed (a full disk under the journal, say), the orchestrator must accept the next run.
      logger.dispose();
      this.#activeRun = null;
      this.#persistTarget = null;
    }
  }
}

interface RunExecutionOptions {
  stream: RunEventStream;
  state: RunState;
  plan: ExecutionPlan;
  deps: OrchestratorDependencies;
  clock: Clock;
  learning: AgentLearningSystem;
  apply: boolean;
  allowCommands: boolean;
  signal: AbortSignal | undefined;
  timeout: number | undefined;
}

interface AgentRecord {
  planned: PlannedAgent;
  status: 'pending' | 'running' | 'completed' | 'failed';
  startedAt: number;
  completedAt: number;
  tools: string[];
  error: string | null;
  outcome: AgentOutcome | null;
  handoffsReceived: ReceivedHandoff[];
  done: Promise<void>;
  markDone: () => void;
}

/** One run's scheduling and agent contexts; lives only as long as the run. */
class RunExecution {
  readonly bus: AgentCommunicationBus;
  readonly handoffs: AgentHandoffSystem;
  readonly #o: RunExecutionOptions;
  readonly #workspace: OverlayWorkspace;
  readonly #records = new Map<string, AgentRecord>();
  readonly #runtimes = new Map<string, AgentRuntime>();
  readonly #inbox = new Map<string, Message[]>();
  readonly #waiters = new Map<string, Set<(message: Message) => void>>();
  readonly #runController = new AbortController();
  readonly #cancelRequested = new AbortController();
  readonly #findings: Finding[] = [];
  #closed = false;

  constructor(options: RunExecutionOptions) {
    this.#o = options;
    const { stream, deps } = options;
    this.#workspace = new OverlayWorkspace(deps.workspace, options.apply);
    const config = deps.config;
    this.bus = new AgentCommunicationBus({
      maxHistorySize: config.communication.maxHistorySize,
      assistanceTimeoutMs: config.communication.assistanceTimeout,
      broadcastEnabled: config.communication.broadcastEnabled,
      clock: options.clock,
      newId: () => randomUUID(),
      onMessage: (message) => stream.emit('message.sent', { message }),
    });
    this.handoffs = new AgentHandoffSystem(this.bus, {
      clock: options.clock,
      newId: () => `handoff_${randomUUID()}`,
      observer: {
        onInitiated: (pkg) => stream.emit('handoff.initiated', { package: pkg }),
        onReceived: (info) => stream.emit('handoff.received', info),
      },
    });
    this.bus.registerAgent(ORCHESTRATOR, []);
    for (const runtime of deps.runtimes) this.#runtimes.set(runtime.name, runtime);
    for (const planned of options.plan.agents) {
      let markDone = (): void => {};
      const done = new Promise<void>((resolve) => {
        markDone = resolve;
      });
      this.#records.set(planned.name, {
        planned, status: 'pending', startedAt: 0, completedAt: 0, tools: [], error: null, outcome: null, handoffsReceived: [], done, markDone,
      });
      this.bus.registerAgent(planned.name, planned.capabilities);
      this.#inbox.set(planned.name, []);
      this.bus.subscribe(planned.name, (message) => this.#deliver(planned.name, message));
      this.#registerServices(planned.name);
    }
  }

  #deliver(agent: string, message: Message): void {
    this.#inbox.get(agent)?.push(message);
    for (const waiter of [...(this.#waiters.get(agent) ?? [])]) waiter(message);
  }

  #registerServices(agent: string): void {
    const services = this.#runtimes.get(agent)?.services;
    if (!services) return;
    const validate = services.validate;
    if (validate) {
      this.bus.handleRequests(agent, 'validation_request', async (message) => {
        if (message.type !== 'validation_request') throw new Error(`${agent} expected a validation request`);
        const result = await validate(message.payload, this.#serviceEnvironment(agent, message.from));
        return { type: 'validation_result', priority: message.priority, payload: result };
      });
    }
    const assist = services.assist;
    if (assist) {
      this.bus.handleRequests(agent, 'assistance_request', async (message) => {
        if (message.type !== 'assistance_request') throw new Error(`${agent} expected an assistance request`);
        const answer = await assist(message.payload.context, this.#serviceEnvironment(agent, message.from));
        return { type: 'assistance_response', priority: message.priority, payload: answer };
      });
    }
  }

  #serviceEnvironment(agent: string, from: string): ServiceEnvironment {
    const { stream, clock } = this.#o;
    return {
      from,
      sessionId: stream.sessionId,
      signal: this.#runController.signal,
      workspace: this.#workspace,
      useTool: (tool, params, fn, summarize) => this.#recordTool(agent, tool, params, fn, summarize, clock),
    };
  }

  async #recordTool<T>(
    agent: string,
    tool: string,
    params: Record<string, unknown>,
    fn: () => Promise<T>,
    summarize: ((result: T) => string) | undefined,
    clock: Clock,
    signal?: AbortSignal,
  ): Promise<T> {
    this.#guard(agent, signal);
    const record = this.#records.get(agent);
    // Tool calls made while serving others after the agent finished are logged but are not its own sequence.
    if (record && record.status === 'running') record.tools.push(tool);
    const started = clock.now();
    try {
      const result = await fn();
      if (!this.#closed) {
        this.#o.stream.emit('agent.tool_called', { agent, tool, params, status: 'success', durationMs: Math.max(0, clock.now() - started), summary: summarize ? summarize(result) : '' });
      }
      return result;
    } catch (error) {
      if (!this.#closed) {
        this.#o.stream.emit('agent.tool_called', { agent, tool, params, status: 'error', durationMs: Math.max(0, clock.now() - started), summary: (error as Error).message });
      }
      throw error;
    }
  }

  /** Stops the run as if the user cancelled it. */
  cancel(): void {
    this.#cancelRequested.abort();
  }

  /** Runs the plan's DAG; resolves when every agent finished, failed or was cancelled. */
  async execute(): Promise<{ status: RunStatus; error?: string }> {
    const { signal, timeout, deps } = this.#o;
    let stopReason: RunCancelledError | null = null;
    const stop = (reason: RunCancelledError): void => {
      if (stopReason) return;
      stopReason = reason;
      this.#runController.abort(reason);
    };
    const onAbort = (): void => stop(new RunCancelledError('cancelled', 'The run was cancelled'));
    if (signal?.aborted || this.#cancelRequested.signal.aborted) onAbort();
    signal?.addEventListener('abort', onAbort, { once: true });
    this.#cancelRequested.signal.addEventListener('abort', onAbort, { once: true });
    const timer = timeout ? setTimeout(() => stop(new RunCancelledError('timed_out', `The run exceeded its ${timeout} ms timeout`)), timeout) : null;

    const maxParallel = deps.config.orchestration.maxParallelAgents;
    const running = new Map<string, Promise<void>>();
    const aborted = abortPromise(this.#runController.signal);
    try {
      for (;;) {
        const pending = [...this.#records.values()].filter((record) => record.status === 'pending');
        if (pending.length === 0 && running.size === 0) break;
        if (this.#runController.signal.aborted) {
          for (const record of pending) this.#fail(record, 'cancelled', (stopReason as RunCancelledError | null)?.message ?? 'The run was cancelled');
          if (running.size > 0) await Promise.all(running.values());
          break;
        }
        // A failed dependency fails its dependants without running them.
        for (const record of pending) {
          const failedDependency = record.planned.dependsOn.find((name) => this.#records.get(name)?.status === 'failed');
          if (failedDependency) this.#fail(record, 'dependency_failed', `Not run: it depends on ${failedDependency}, which failed`);
        }
        const ready = pending.filter(
          (record) => record.status === 'pending' && record.planned.dependsOn.every((name) => this.#records.get(name)?.status === 'completed'),
        );
        for (const record of ready) {
          if (running.size >= maxParallel) break;
          const task = this.#runAgent(record).finally(() => running.delete(record.planned.name));
          running.set(record.planned.name, task);
        }
        if (running.size === 0) {
          if ([...this.#records.values()].some((record) => record.status === 'pending')) continue;
          break;
        }
        // Wakes on the first agent to settle or on abort; the loop then decides what to do.
        await Promise.race([...running.values(), aborted]).catch(() => {});
      }
    } finally {
      if (timer) clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      this.#cancelRequested.signal.removeEventListener('abort', onAbort);
    }
    this.#closed = true;
    const finalStop = stopReason as RunCancelledError | null;
    if (finalStop) return { status: finalStop.status, error: finalStop.message };
    const failed = [...this.#records.values()].filter((record) => record.status === 'failed');
    if (failed.length > 0) return { status: 'failed', error: `${failed.map((r) => r.planned.name).join(', ')} failed` };
    return { status: 'completed' };
  }

  #fail(record: AgentRecord, reason: 'error' | 'timeout' | 'cancelled' | 'dependency_failed', error: string): void {
    record.status = 'failed';
    record.error = error;
    record.completedAt = this.#o.clock.now();
    const durationMs = record.startedAt ? Math.max(0, record.completedAt - record.startedAt) : 0;
    this.#o.stream.emit('agent.failed', { agent: record.planned.name, durationMs, reason, error });
    record.markDone();
  }

  async #runAgent(record: AgentRecord): Promise<void> {
    const { stream, clock, deps, plan } = this.#o;
    const name = record.planned.name;
    const runtime = this.#runtimes.get(name);
    record.status = 'running';
    record.startedAt = clock.now();
    const parallelWith = plan.agents.filter((a) => a.phase === record.planned.phase && a.name !== name).map((a) => a.name);
    stream.emit('agent.started', {
      agent: name,
      task: record.planned.task,
      phase: record.planned.phase,
      parallelWith,
      mcpServers: [...(deps.mcpServers ?? [])],
    });
    if (!runtime) {
      this.#fail(record, 'error', `No runtime is available for ${name}`);
      return;
    }
    const controller = new AbortController();
    const timeoutMs = deps.config.orchestration.agentTimeout;
    const timer = setTimeout(() => controller.abort(new AgentTimeoutError(name, timeoutMs)), timeoutMs);
    const onRunAbort = (): void => controller.abort(this.#runController.signal.reason);
    if (this.#runController.signal.aborted) onRunAbort();
    this.#runController.signal.addEventListener('abort', onRunAbort, { once: true });
    try {
      for (const pkg of this.handoffs.pendingFor(name)) record.handoffsReceived.push(await this.handoffs.receiveHandoff(name, pkg));
      const context = this.#context(record, controller.signal);
      const running = runtime.run(context);
      // After a timeout the agent's promise may still reject (its next action is refused): that is expected, not a crash.
      running.catch(() => {});
      const outcome = await Promise.race([running, abortPromise(controller.signal)]);
      if (controller.signal.aborted) throw controller.signal.reason;
      record.outcome = outcome;
      // A malformed handoff is the agent's own failure: catch it before the agent is reported complete.
      for (const handoff of outcome.handoffs ?? []) parseOrThrow(HandoffRequestSchema, handoff.request, `handoff from ${name} to ${handoff.to}`);
      if (outcome.failed) {
        this.#fail(record, 'error', outcome.failed);
        return;
      }
      record.status = 'completed';
      record.completedAt = clock.now();
      const dependants = plan.agents.filter((a) => a.dependsOn.includes(name)).map((a) => a.name);
      const nextAgents = [...new Set([...(outcome.handoffs ?? []).map((h) => h.to), ...dependants])];
      stream.emit('agent.completed', {
        agent: name,
        durationMs: Math.max(0, record.completedAt - record.startedAt),
        summary: outcome.summary,
        filesRead: outcome.filesRead ?? [],
        filesModified: outcome.filesModified ?? [],
        nextAgents,
        recommendations: outcome.recommendations ?? [],
      });
      record.markDone();
      for (const handoff of outcome.handoffs ?? []) {
        const target = this.#records.get(handoff.to);
        if (!target || target.status !== 'pending') continue; // only hand work to agents still to run in this plan
        try {
          await this.handoffs.initiateHandoff(name, handoff.to, handoff.request);
        } catch (error) {
          // The agent's own work is done; the receiver starts without the package, and the log says why.
          const message = `Handoff from ${name} to ${handoff.to} failed: ${error instanceof Error ? error.message : String(error)}`;
          deps.onWarning?.(message);
          await this.#announce(ORCHESTRATOR, { type: 'warning', priority: 'high', payload: { message } }).catch(() => null);
        }
      }
    } catch (error) {
      if (error instanceof AgentTimeoutError) this.#fail(record, 'timeout', error.message);
      else if (error instanceof RunCancelledError) this.#fail(record, 'cancelled', error.message);
      else this.#fail(record, 'error', error instanceof Error ? error.message : String(error));
    } finally {
      clearTimeout(timer);
      this.#runController.signal.removeEventListener('abort', onRunAbort);
    }
  }

  /** Refuses every action of an agent once the run ended or the agent timed out or was cancelled. */
  #guard(agent: string, signal?: AbortSignal): void {
    if (this.#closed) throw new Error(`The run has ended; ${agent} can no longer act`);
    if (signal?.aborted) throw signal.reason instanceof Error ? signal.reason : new Error(`${agent} was stopped and can no longer act`);
  }

  /** The run's workspace as one agent sees it: writes are refused once that agent was stopped. */
  #workspaceFor(agent: string, signal: AbortSignal): WorkspaceFiles {
    const overlay = this.#workspace;
    return {
      root: overlay.root,
      listFiles: (options) => overlay.listFiles(options),
      readFile: (file) => overlay.readFile(file),
      exists: (file) => overlay.exists(file),
      resolve: (file) => overlay.resolve(file),
      writeFile: async (file, content) => {
        this.#guard(agent, signal);
        await overlay.writeFile(file, content);
      },
    };
  }

  /** Whether informational messages (finding reports, warnings, shares, progress, patterns) go out at all. */
  get #announcing(): boolean {
    const config = this.#o.deps.config;
    return config.orchestration.enableCommunication && config.communication.broadcastEnabled;
  }

  /** A broadcast, or nothing when communication or broadcasts are switched off (the run's events still record it). */
  async #announce(from: string, message: MessageInput): Promise<Message | null> {
    return this.#announcing ? this.bus.broadcastMessage(from, message) : null;
  }

  #context(record: AgentRecord, signal: AbortSignal): AgentContext {
    const { stream, clock, deps, plan, learning, state } = this.#o;
    const agent = record.planned.name;
    const commandRunner = this.#o.allowCommands ? (deps.commandRunner ?? null) : null;
    return {
      agent,
      task: record.planned.task,
      request: plan.request,
      sessionId: stream.sessionId,
      taskType: plan.taskType,
      signal,
      workspace: this.#workspaceFor(agent, signal),
      options: { apply: this.#o.apply, allowCommands: this.#o.allowCommands },
      handoffs: record.handoffsReceived,
      learnings: learning.queryLearnings(agent, { taskType: plan.taskType }),
      history: learning.recentExecutions(agent),
      commandRunner,
      artifactDir: deps.logDir,
      useTool: (tool, params, fn, summarize) => this.#recordTool(agent, tool, params, fn, summarize, clock, signal),
      reportFinding: async (finding) => {
        this.#guard(agent, signal);
        const withAgent = { ...finding, agent };
        this.#findings.push(withAgent);
        stream.emit('finding.reported', { agent, finding: withAgent });
        const priority = withAgent.severity === 'critical' ? 'critical' : withAgent.severity === 'high' ? 'high' : 'normal';
        await this.#announce(agent, { type: 'finding_report', priority, payload: withAgent });
      },
      send: async (to, message) => {
        this.#guard(agent, signal);
        if (to === 'all') return this.#announce(agent, message);
        return deps.config.orchestration.enableCommunication ? this.bus.sendMessage(agent, to, message) : null;
      },
      broadcast: async (message: MessageInput) => {
        this.#guard(agent, signal);
        return this.#announce(agent, message);
      },
      requestValidation: async (validator, request) => {
        this.#guard(agent, signal);
        const message = { type: 'validation_request' as const, priority: 'high' as const, payload: request };
        const requestId = randomUUID();
        stream.emit('validation.requested', { requestId, from: agent, to: validator, files: request.filesModified });
        const reply = await this.bus.request(agent, validator, { ...message, correlationId: requestId }, deps.config.communication.assistanceTimeout);
        if (reply.type !== 'validation_result') throw new Error(`${validator} answered a validation request with ${reply.type}`);
        const result: MessagePayloads['validation_result'] = reply.payload;
        stream.emit('validation.result', { requestId, from: validator, to: agent, approved: result.approved, reasons: result.reasons });
        return result;
      },
      requestAssistance: async (capability, context, urgency) => {
        this.#guard(agent, signal);
        return this.bus.requestAssistance(agent, capability, context, urgency);
      },
      proposeChange: async (file, newContent, findingIds) => {
        this.#guard(agent, signal);
        const before = (await this.#workspace.exists(file)) ? await this.#workspace.readFile(file) : '';
        // The file gets the real content; the diff is recorded and shown everywhere, so it is made from masked
        // text (masking keeps line numbers, so its hunks still point at the right lines).
        const diff = unifiedDiff(file, maskSecrets(before), maskSecrets(newContent));
        await this.#workspace.writeFile(file, newContent);
        stream.emit('change.proposed', { agent, file, diff, applied: this.#o.apply, findingIds: [...findingIds] });
        return { applied: this.#o.apply, diff };
      },
      waitForMessage: (predicate, whileAgentActive) => {
        const existing = this.#inbox.get(agent)?.find(predicate);
        if (existing) return Promise.resolve(existing);
        const other = whileAgentActive ? this.#records.get(whileAgentActive) : undefined;
        if (whileAgentActive && (!other || other.status === 'completed' || other.status === 'failed')) return Promise.resolve(null);
        return new Promise<Message | null>((resolve) => {
          const waiters = this.#waiters.get(agent) ?? new Set();
          this.#waiters.set(agent, waiters);
          const finish = (message: Message | null): void => {
            waiters.delete(onMessage);
            signal.removeEventListener('abort', onAbort);
            resolve(message);
          };
          const onMessage = (message: Message): void => {
            if (predicate(message)) finish(message);
          };
          const onAbort = (): void => finish(null);
          waiters.add(onMessage);
          signal.addEventListener('abort', onAbort, { once: true });
          // Messages are delivered before the sender completes, so "done without a message" means none is coming.
          void other?.done.then(() => queueMicrotask(() => finish(this.#inbox.get(agent)?.find(predicate) ?? null)));
        });
      },
      progress: async (percent, status) => {
        this.#guard(agent, signal);
        await this.#announce(agent, { type: 'progress_update', priority: 'low', payload: { progress: percent, status } });
      },
      runState: () => state,
      sharePattern: async (discovery) => {
        this.#guard(agent, signal);
        const pattern = await learning.shareDiscovery(agent, {
          pattern: { name: discovery.name, type: discovery.type },
          context: discovery.context,
          confidence: discovery.confidence,
          support: discovery.support,
          ...(discovery.solution ? { solution: discovery.solution } : {}),
        });
        stream.emit('pattern.discovered', { agent, pattern: { ...pattern, sessionId: stream.sessionId } });
        await this.#announce(agent, {
          type: 'pattern_discovered',
          priority: 'normal',
          payload: {
            pattern: pattern.name, type: pattern.type, context: pattern.context, confidence: pattern.confidence, support: pattern.support,
            ...(discovery.solution ? { solution: discovery.solution } : {}), applicableTo: discovery.applicableTo ?? [],
          },
        });
        return pattern;
      },
    };
  }

  /** Records one learning record per agent that ran, then mines and shares patterns from the stored history. */
  async recordLearnings(runSucceeded: boolean): Promise<void> {
    const { stream, learning, plan, state } = this.#o;
    const handoffTimes = new Map<string, { from: string; timestamp: number }[]>();
    for (const handoff of state.handoffs) {
      const list = handoffTimes.get(handoff.to) ?? [];
      list.push({ from: handoff.from, timestamp: handoff.initiatedAt });
      handoffTimes.set(handoff.to, list);
    }
    for (const record of this.#records.values()) {
      if (record.startedAt === 0) continue; // never ran: nothing to learn about its behaviour
      const view = state.agents.find((a) => a.name === record.planned.name);
      const collaborators = new Set<string>();
      for (const message of state.messages) {
        if (message.from === record.planned.name && message.to !== 'all') collaborators.add(message.to);
        if (message.to === record.planned.name) collaborators.add(message.from);
      }
      collaborators.delete(ORCHESTRATOR);
      learning.recordAgentExecution(record.planned.name, {
        sessionId: stream.sessionId,
        taskType: plan.taskType,
        duration: Math.max(0, (record.completedAt || this.#o.clock.now()) - record.startedAt),
        toolSequence: collapseRepeatedCycle(record.tools),
        success: record.status === 'completed',
        qualityScore: record.outcome?.qualityScore ?? null,
        filesModified: record.outcome?.filesModified ?? [],
        errors: record.error ? [record.error] : [],
        collaborators: [...collaborators],
        messagesSent: view?.messagesSent ?? 0,
        messagesReceived: view?.messagesReceived ?? 0,
        handoffs: handoffTimes.get(record.planned.name) ?? [],
        parallelExecutions: plan.agents.filter((a) => a.phase === record.planned.phase && a.name !== record.planned.name).map((a) => a.name),
        securityIssues: record.outcome?.securityIssues ?? [],
      });
    }
    const ran = new Set([...this.#records.values()].filter((r) => r.startedAt > 0).map((r) => r.planned.name));
    const agentOrder = [...this.#records.values()].filter((r) => r.startedAt > 0).sort((a, b) => a.startedAt - b.startedAt).map((r) => r.planned.name);
    const current = { sessionId: stream.sessionId, taskType: plan.taskType, agents: agentOrder, success: runSucceeded };
    for (const pattern of learning.minePatterns(current)) {
      // Share what concerns this run; a one-tool "sequence" teaches nothing.
      const relevant = pattern.type === 'agent_sequence'
        ? pattern.sequence.every((name) => ran.has(name)) && pattern.context === plan.taskType
        : pattern.agent !== undefined && ran.has(pattern.agent) && pattern.sequence.length >= 2;
      if (!relevant) continue;
      const from = pattern.agent && ran.has(pattern.agent) ? pattern.agent : ORCHESTRATOR;
      stream.emit('pattern.discovered', { agent: from, pattern });
      await this.#announce(from, {
        type: 'pattern_discovered',
        priority: 'normal',
        payload: { pattern: pattern.name, type: pattern.type, context: pattern.context, confidence: pattern.confidence, support: pattern.support, applicableTo: [] },
      });
    }
  }
}

/**
 * The shortest block that the sequence repeats (Read, Edit, Write once per file becomes Read, Edit, Write), so
 * runs over different numbers of files share one learned sequence; otherwise consecutive duplicates are merged.
 */
export function collapseRepeatedCycle(tools: readonly string[]): string[] {
  for (let period = 1; period <= tools.length / 2; period++) {
    if (tools.length % period !== 0) continue;
    if (tools.every((tool, index) => tool === tools[index % period])) return tools.slice(0, period);
  }
  return tools.filter((tool, index) => index === 0 || tool !== tools[index - 1]);
}

/** Rejects when `signal` aborts. Marked handled so a race that has already settled leaves no unhandled rejection. */
function abortPromise(signal: AbortSignal): Promise<never> {
  const promise = new Promise<never>((_, reject) => {
    if (signal.aborted) reject(signal.reason);
    else signal.addEventListener('abort', () => reject(signal.reason), { once: true });
  });
  promise.catch(() => {});
  return promise;
}
