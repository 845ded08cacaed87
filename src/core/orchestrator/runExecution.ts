import { randomUUID } from 'node:crypto';
import { AgentCommunicationBus } from '../bus/agentCommunicationBus';
import type { RunEventStream } from '../events/runEventStream';
import { AgentHandoffSystem } from '../handoff/agentHandoffSystem';
import type { AgentLearningSystem } from '../learning/agentLearningSystem';
import type { AgentView, RunState } from '../logging/runState';
import type { Clock } from '../ports';
import type { RunStatus } from '../protocol/events';
import type { Finding } from '../protocol/findings';
import type { ExecutionEnding, ModelUsageRecord } from '../protocol/learning';
import type { Message, MessageInput } from '../protocol/messages';
import type { ExecutionPlan } from '../protocol/plan';
import { HandoffRequestSchema } from '../protocol/handoff';
import { parseOrThrow } from '../protocol/validation';
import { createAgentContext, type AgentContextHost } from './agentContext';
import type { AgentRuntime, ServiceEnvironment } from './agentRuntime';
import { newAgentRecord, scheduleAgents, type AgentFailureReason, type AgentRecord } from './agentScheduler';
import type { OrchestratorDependencies } from './executionOrchestrator';
import { OverlayWorkspace } from './overlayWorkspace';
import { abortPromise, AgentTimeoutError, RunCancelledError } from './runErrors';

/** The orchestrator's own name on the bus (warnings, shared patterns no single agent found). */
export const ORCHESTRATOR = 'orchestrator';

export interface RunExecutionOptions {
  stream: RunEventStream;
  state: RunState;
  plan: ExecutionPlan;
  deps: OrchestratorDependencies;
  clock: Clock;
  learning: AgentLearningSystem;
  apply: boolean;
  allowCommands: boolean;
  signal: AbortSignal | undefined;
  /** The run's time limit, counted from the start of the run (planning included). */
  timeout: { ms: number; deadline: number } | undefined;
}

/** One run's scheduling and agent contexts; lives only as long as the run. */
export class RunExecution {
  readonly bus: AgentCommunicationBus;
  readonly handoffs: AgentHandoffSystem;
  readonly #o: RunExecutionOptions;
  readonly #workspace: OverlayWorkspace;
  readonly #records = new Map<string, AgentRecord>();
  readonly #runtimes = new Map<string, AgentRuntime>();
  readonly #inbox = new Map<string, Message[]>();
  readonly #waiters = new Map<string, Set<(message: Message) => void>>();
  readonly #runController = new AbortController();
  /** The signals of the agents running now: one listener on the run's signal stops them all (not one per agent). */
  readonly #running = new Set<AbortController>();
  readonly #cancelRequested = new AbortController();
  readonly #findings: Finding[] = [];
  readonly #contextHost: AgentContextHost;
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
    const runSignal = this.#runController.signal;
    runSignal.addEventListener('abort', () => {
      for (const controller of this.#running) controller.abort(runSignal.reason);
    }, { once: true });
    this.bus.registerAgent(ORCHESTRATOR, []);
    for (const runtime of deps.runtimes) this.#runtimes.set(runtime.name, runtime);
    for (const planned of options.plan.agents) {
      this.#records.set(planned.name, newAgentRecord(planned));
      this.bus.registerAgent(planned.name, planned.capabilities);
      this.#inbox.set(planned.name, []);
      this.bus.subscribe(planned.name, (message) => this.#deliver(planned.name, message));
      this.#registerServices(planned.name);
    }
    const closed = (): boolean => this.#closed;
    this.#contextHost = {
      get closed() {
        return closed();
      },
      stream,
      clock: options.clock,
      deps,
      plan: options.plan,
      learning: options.learning,
      state: options.state,
      apply: options.apply,
      allowCommands: options.allowCommands,
      workspace: this.#workspace,
      bus: this.bus,
      findings: this.#findings,
      inbox: this.#inbox,
      waiters: this.#waiters,
      records: this.#records,
      guard: (agent, signal) => this.#guard(agent, signal),
      announce: (from, message) => this.#announce(from, message),
      recordTool: (agent, tool, params, fn, summarize, signal) => this.#recordTool(agent, tool, params, fn, summarize, options.clock, signal),
    };
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
      request: this.#o.plan.request,
      options: { apply: this.#o.apply, allowCommands: this.#o.allowCommands },
      commandRunner: this.#o.allowCommands ? (this.#o.deps.commandRunner ?? null) : null,
      runState: () => this.#o.state,
      recordModelCall: (call) => {
        if (!this.#closed) stream.emit('model.called', { ...call, agent });
      },
      recordModelExchange: (turn, exchange) => {
        if (!this.#closed) stream.emit('model.exchange', { agent, turn, exchange });
      },
      setWaiting: (waitingFor, detail = '') => {
        if (!this.#closed) stream.emit('agent.waiting', { agent, waitingFor, detail });
      },
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
    const stopReason = await scheduleAgents({
      records: this.#records,
      maxParallel: deps.config.orchestration.maxParallelAgents,
      runController: this.#runController,
      signal,
      cancelRequested: this.#cancelRequested.signal,
      timeout,
      runAgent: (record) => this.#runAgent(record),
      fail: (record, reason, error) => this.#fail(record, reason, error),
    });
    this.#closed = true;
    if (stopReason) return { status: stopReason.status, error: stopReason.message };
    const failed = [...this.#records.values()].filter((record) => record.status === 'failed');
    if (failed.length > 0) return { status: 'failed', error: `${failed.map((r) => r.planned.name).join(', ')} failed` };
    return { status: 'completed' };
  }


  #fail(record: AgentRecord, reason: AgentFailureReason, error: string, ending: ExecutionEnding = endingOf(reason)): void {
    record.status = 'failed';
    record.error = error;
    record.ending = ending;
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
    // Who runs alongside is the plan's phase, already in plan.created: not repeated per agent (see parallelWithOf).
    stream.emit('agent.started', {
      agent: name,
      task: record.planned.task,
      phase: record.planned.phase,
      mcpServers: [...(deps.mcpServers ?? [])],
    });
    if (!runtime) {
      this.#fail(record, 'error', `No runtime is available for ${name}`);
      return;
    }
    const controller = new AbortController();
    const timeoutMs = deps.config.orchestration.agentTimeout;
    const timer = setTimeout(() => controller.abort(new AgentTimeoutError(name, timeoutMs)), timeoutMs);
    const deadline = performance.now() + timeoutMs;
    if (this.#runController.signal.aborted) controller.abort(this.#runController.signal.reason);
    else this.#running.add(controller);
    try {
      for (const pkg of this.handoffs.pendingFor(name)) record.handoffsReceived.push(await this.handoffs.receiveHandoff(name, pkg));
      const context = createAgentContext(this.#contextHost, record, controller.signal);
      const running = runtime.run(context);
      // After a timeout the agent's promise may still reject (its next action is refused): that is expected, not a crash.
      running.catch(() => {});
      const outcome = await Promise.race([running, abortPromise(controller.signal)]);
      // An agent that held the event loop past its deadline (the timer could not fire meanwhile) has still timed out.
      if (!controller.signal.aborted && performance.now() >= deadline) controller.abort(new AgentTimeoutError(name, timeoutMs));
      const run = this.#o.timeout;
      if (!controller.signal.aborted && run && performance.now() >= run.deadline) {
        controller.abort(new RunCancelledError('timed_out', `The run exceeded its ${run.ms} ms timeout`));
      }
      if (controller.signal.aborted) throw controller.signal.reason;
      record.outcome = outcome;
      // A malformed handoff is the agent's own failure: catch it before the agent is reported complete.
      for (const handoff of outcome.handoffs ?? []) parseOrThrow(HandoffRequestSchema, handoff.request, `handoff from ${name} to ${handoff.to}`);
      if (outcome.failed) {
        this.#fail(record, 'error', outcome.failed);
        return;
      }
      record.status = 'completed';
      record.ending = 'completed';
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
        ...(outcome.scanCoverage ? { scanCoverage: outcome.scanCoverage } : {}),
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
      // The run's own time limit cuts the agent off like its agent timeout does: neither is how long the work takes.
      else if (error instanceof RunCancelledError) this.#fail(record, 'cancelled', error.message, error.status === 'timed_out' ? 'timed_out' : 'cancelled');
      else this.#fail(record, 'error', error instanceof Error ? error.message : String(error));
    } finally {
      clearTimeout(timer);
      this.#running.delete(controller);
    }
  }

  /** Refuses every action of an agent once the run ended or the agent timed out or was cancelled. */
  #guard(agent: string, signal?: AbortSignal): void {
    if (this.#closed) throw new Error(`The run has ended; ${agent} can no longer act`);
    if (signal?.aborted) throw signal.reason instanceof Error ? signal.reason : new Error(`${agent} was stopped and can no longer act`);
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
        ending: record.ending ?? (record.status === 'completed' ? 'completed' : 'failed'),
        qualityScore: record.outcome?.qualityScore ?? null,
        filesModified: record.outcome?.filesModified ?? [],
        errors: record.error ? [record.error] : [],
        collaborators: [...collaborators],
        messagesSent: view?.messagesSent ?? 0,
        messagesReceived: view?.messagesReceived ?? 0,
        handoffs: handoffTimes.get(record.planned.name) ?? [],
        // Who ran alongside is the plan's phase, stored once per phase (plan.created), not listed per agent.
        phase: record.planned.phase,
        securityIssues: record.outcome?.securityIssues ?? [],
        mcpUsage: mcpServersUsed(record.tools),
        modelUsage: modelUsageOf(view),
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

function endingOf(reason: AgentFailureReason): ExecutionEnding {
  return reason === 'timeout' ? 'timed_out' : reason === 'cancelled' ? 'cancelled' : 'failed';
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

/** The learning record's model part from the agent's view: null for an agent that never called a model. */
function modelUsageOf(view: AgentView | undefined): ModelUsageRecord | null {
  const usage = view?.usage;
  if (!view?.model || !usage || usage.modelCalls === 0) return null;
  return {
    model: view.model,
    turns: usage.modelCalls,
    inputTokens: usage.inputTokens,
    outputTokens: usage.outputTokens,
    cachedInputTokens: usage.cachedInputTokens,
    costUsd: usage.unpricedCalls > 0 ? null : usage.costUsd,
  };
}

/** The MCP servers whose tools an agent called (`mcp__<server>__<tool>`), as the learning record's mcpUsage. */
function mcpServersUsed(tools: readonly string[]): Record<string, boolean> {
  const used: Record<string, boolean> = {};
  for (const tool of tools) {
    const server = /^mcp__(.+?)__/.exec(tool)?.[1];
    if (server) used[server] = true;
  }
  return used;
}
