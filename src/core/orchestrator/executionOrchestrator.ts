import { randomBytes } from 'node:crypto';
import type { AgentCommunicationBus } from '../bus/agentCommunicationBus';
import { RunEventStream } from '../events/runEventStream';
import type { AgentHandoffSystem } from '../handoff/agentHandoffSystem';
import { AgentLearningSystem } from '../learning/agentLearningSystem';
import { type ExecutionReport } from '../logging/executionReport';
import { createRunState, applyEvent } from '../logging/runState';
import { RuntimeLogger } from '../logging/runtimeLogger';
import { planWithModel, type PlanModel } from '../planning/modelPlanner';
import { assertKnownAgents, planRequest, type PlannableAgent } from '../planning/planner';
import { systemClock, type Clock, type CommandRunner, type EventJournal, type LearningRepository, type WorkspaceFiles } from '../ports';
import type { OrchestratorConfig } from '../protocol/config';
import type { OrchestratorEvent, RunStatus } from '../protocol/events';
import type { LearnedPattern } from '../protocol/learning';
import { describeUncovered, PLANNER_AGENT, servesNothingAsked, type ExecutionPlan, type RequestedCapability } from '../protocol/plan';
import type { AgentRuntime } from './agentRuntime';
import { RunExecution } from './runExecution';
import { RunCancelledError } from './runErrors';

export { collapseRepeatedCycle } from './runExecution';

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
  /** When given, runs are planned by this model (the rule planner is the fallback); absent, by the rules. */
  planModel?: PlanModel | null;
  mcpServers?: readonly string[];
  newSessionId?: () => string;
  /** Problems the user should see that do not stop a run (a view that failed to update). */
  onWarning?: (message: string) => void;
  /** Projections the host keeps beyond the run's own (a memory server mirroring learnings); told every durable event. */
  observers?: readonly ((event: OrchestratorEvent) => void)[];
  /** Problems found while loading the workspace (agent files that could not be loaded): each run's views show them. */
  setupWarnings?: readonly string[];
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
  /** Runs this plan instead of planning (replay: the plan a recorded run made, whatever learnings say now). */
  plan?: ExecutionPlan;
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
  /** What the request asked for that no agent of the plan did (the plan's `uncovered`). */
  notDone: RequestedCapability[];
  /** True when the request named work and the plan covered none of it: whatever ran, the request was not served. */
  notServed: boolean;
  error?: string;
}

export interface OrchestratorStatistics {
  runs: number;
  activeRun: string | null;
  communication: ReturnType<AgentCommunicationBus['getStatistics']> | null;
  handoffs: ReturnType<AgentHandoffSystem['getStatistics']> | null;
  learning: ReturnType<AgentLearningSystem['getStatistics']>;
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
  /** Stops the active run, planning included. */
  #activeStop: AbortController | null = null;
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
      estimateUsage: (agent, taskType) => this.#learning.queryLearnings(agent, { taskType }).estimatedUsage,
      only: agents,
      mcpServers: this.#deps.mcpServers,
    });
  }

  /**
   * The plan a run would use: the planning model's when one is configured (its turns recorded through `record`),
   * else the rule planner's.
   */
  async planRun(
    request: string,
    agents?: readonly string[],
    options: { signal?: AbortSignal; record?: Parameters<typeof planWithModel>[0]['record']; planModel?: PlanModel | null; modelAvailable?: boolean } = {},
  ): Promise<ExecutionPlan> {
    // A host previewing the plan (VS Code's plan picker, from a read-only engine) may give the planner for this call.
    const model = options.planModel !== undefined ? options.planModel : this.#deps.planModel;
    if (!model) return this.plan(request, agents);
    return planWithModel({
      request,
      roster: this.#deps.roster,
      modelAvailable: options.modelAvailable ?? this.#deps.modelAvailable ?? false,
      estimate: (agent, taskType) => this.#learning.estimateDuration(agent, taskType),
      only: agents,
      mcpServers: this.#deps.mcpServers,
      model,
      ...(options.record ? { record: options.record } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
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
    if (this.#activeStop && !this.#activeStop.signal.aborted) this.#activeStop.abort(new RunCancelledError('cancelled', 'The run was cancelled'));
    this.#activeExecution?.cancel();
    await this.#bus?.shutdown();
    this.#initialized = false;
  }

  async executeRequest(request: string, options: ExecutionOptions = {}): Promise<ExecutionResult> {
    if (!request.trim()) throw new Error('The request is empty: say what the agents should do.');
    if (!this.#initialized) await this.initialize();
    if (this.#activeRun) throw new Error(`A run is already in progress (${this.#activeRun}); wait for it or cancel it.`);
    // A mistyped agent name is a bad call, not a failed run: refused before a session (and its log files) exists.
    if (options.agents) assertKnownAgents(this.#deps.roster, options.agents);
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
    for (const observer of this.#deps.observers ?? []) stream.subscribe(observer);
    // Subscribed after `state`, whose fold it shares: one copy of the run's state, not two.
    const logger = new RuntimeLogger(stream, { logDir: this.#deps.logDir, workspaceRoot: this.#deps.workspace.root, dashboardEnabled: config.orchestration.dashboardEnabled, state });
    this.#activeRun = sessionId;
    this.#persistTarget = stream;
    this.#runs += 1;
    const startedAt = this.#clock.now();
    const elapsed = (): number => Math.max(0, this.#clock.now() - startedAt);
    const apply = options.apply ?? false;
    const allowCommands = options.allowCommands ?? false;
    // The run's limit and the caller's cancellation cover planning too (a planning model can take seconds):
    // `stopped` carries why the run stopped to the planner and then to the scheduler.
    const timeout = options.timeout ? { ms: options.timeout, deadline: performance.now() + options.timeout } : undefined;
    const stopped = new AbortController();
    const onCancel = (): void => stopped.abort(new RunCancelledError('cancelled', 'The run was cancelled'));
    if (options.signal?.aborted) onCancel();
    options.signal?.addEventListener('abort', onCancel, { once: true });
    this.#activeStop = stopped;
    const limit = timeout ? setTimeout(() => stopped.abort(new RunCancelledError('timed_out', `The run exceeded its ${timeout.ms} ms timeout`)), timeout.ms) : null;

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
        warnings: [...(this.#deps.setupWarnings ?? [])],
      });

      let plan: ExecutionPlan;
      let stoppedWhilePlanning: RunCancelledError | null = null;
      try {
        stopped.signal.throwIfAborted();
        // A replay (or a plan the user already saw and edited) is run as given.
        plan = options.plan ?? await this.planRun(request, options.agents, {
          signal: stopped.signal,
          record: {
            exchange: (turn, exchange) => stream.emit('model.exchange', { agent: PLANNER_AGENT, turn, exchange }),
            called: (call) => stream.emit('model.called', { agent: PLANNER_AGENT, ...call }),
          },
        });
      } catch (error) {
        if (!(stopped.signal.reason instanceof RunCancelledError)) {
          stream.emit('run.completed', { success: false, status: 'failed', durationMs: elapsed(), error: (error as Error).message });
          await stream.settled();
          throw error;
        }
        // Stopped before any agent ran: the result carries the rule plan as what would have run.
        stoppedWhilePlanning = stopped.signal.reason;
        plan = this.plan(request, options.agents);
      }
      if (!stoppedWhilePlanning) {
        stream.emit('plan.created', { plan });
        for (const skipped of plan.skipped) stream.emit('agent.skipped', { agent: skipped.name, reason: skipped.reason });
      }

      let status: RunStatus = 'completed';
      let error: string | undefined;
      const notServed = !stoppedWhilePlanning && servesNothingAsked(plan);
      const notDoneText = (plan.uncovered ?? []).map(describeUncovered).join('; ');
      if (stoppedWhilePlanning) {
        status = stoppedWhilePlanning.status;
        error = `${stoppedWhilePlanning.message} (while planning)`;
      } else if (plan.agents.length === 0) {
        status = 'failed';
        error = notServed
          ? `Nothing the request asked for can be done: ${notDoneText}`
          : plan.skipped.length > 0
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
          signal: stopped.signal,
          timeout,
        });
        this.#bus = run.bus;
        this.#handoffs = run.handoffs;
        this.#activeExecution = run;
        try {
          const outcome = await run.execute();
          status = outcome.status;
          error = outcome.error;
          // The learning records read the run's state, which follows the events as they become durable.
          await stream.settled();
          if (config.orchestration.enableLearning) await run.recordLearnings(status === 'completed');
        } catch (failure) {
          status = 'failed';
          error = (failure as Error).message;
        } finally {
          this.#activeExecution = null;
          await run.bus.shutdown();
        }
      }
      if (notServed && status === 'completed') {
        // The agents the user named ran, but none of them does what was asked.
        status = 'failed';
        error = `The agents ran, but nothing the request asked for was done: ${notDoneText}`;
      }
      const success = status === 'completed';
      stream.emit('run.completed', { success, status, durationMs: elapsed(), ...(error ? { error } : {}) });
      // The run is over when its last event is on disk and every view has it.
      await stream.settled();
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
        notDone: plan.uncovered ?? [],
        notServed,
        ...(error ? { error } : {}),
      };
    } finally {
      if (limit) clearTimeout(limit);
      this.#activeStop = null;
      options.signal?.removeEventListener('abort', onCancel);
      // Whatever failed (a full disk under the journal, say), the orchestrator must accept the next run.
      logger.dispose();
      this.#activeRun = null;
      this.#persistTarget = null;
    }
  }
}
