// The seed's RuntimeLogger, rebuilt as a facade over the event stream: its log* methods only emit events, and
// the files it writes are projections of those events (live log, dashboard, report). Whatever else emits to the
// stream (orchestrator, bus, handoff system) shows up in the same files.
import * as path from 'node:path';
import { ensureDirWithin, writeFileAtomic, writeFileNoFollow } from '../files/safeFiles';
import { systemClock, type Clock } from '../ports';
import type { EventPayloadInput, EventPayloads, OrchestratorEvent, RunStatus } from '../protocol/events';
import type { Finding } from '../protocol/findings';
import type { HandoffPackage } from '../protocol/handoff';
import type { LearnedPattern } from '../protocol/learning';
import type { Message } from '../protocol/messages';
import type { ExecutionPlan } from '../protocol/plan';
import type { RunEventStream } from '../events/runEventStream';
import { applyEvent, createRunState, type RunState } from './runState';
import { MarkdownLogProjection } from './markdownLog';
import { sessionFileBase } from './sessionArtifacts';
import { renderDashboardMarkdown } from './dashboardMarkdown';
import { buildExecutionReport, renderReportMarkdown, type ExecutionReport } from './executionReport';

export interface RuntimeLoggerOptions {
  /** Folder for `<sessionId>.log.md`, `.dashboard.md`, `.report.json` and `.report.md`; created if missing. */
  logDir: string;
  /**
   * The workspace: a logDir inside it must be reached without a symbolic link (a cloned repository could point
   * one outside). A logDir elsewhere is the user's explicit choice and only the folders created are checked.
   */
  workspaceRoot?: string;
  /** Write the Markdown dashboard. @default true */
  dashboardEnabled?: boolean;
  /** Quiet time before the dashboard is rewritten, so a burst of events costs one write. @default 250 */
  dashboardDebounceMs?: number;
  /** Clock for durations the caller leaves out; pass the stream's clock so both agree. @default systemClock */
  clock?: Clock;
  /**
   * The caller's own fold of this stream (holding every event emitted so far, and subscribed before the logger), so
   * the logger reads it rather than keeping a second copy of the run's state. @default a fold of its own
   */
  state?: RunState;
}

export interface RuntimeLoggerFiles {
  logFile: string;
  /** Written only when the dashboard is enabled. */
  dashboardFile: string;
  reportFile: string;
  reportMarkdownFile: string;
}

export interface ExecutionStartOptions {
  workspace: string;
  apply?: boolean;
  allowCommands?: boolean;
  maxParallelAgents?: number;
  agentTimeout?: number;
  timeout?: number | null;
}

export interface AgentStartContext {
  phase?: number;
  parallelWith?: string[];
  mcpServers?: string[];
}

export interface AgentOutputs {
  /** Measured from the agent.started event when left out. */
  durationMs?: number;
  summary?: string;
  filesRead?: string[];
  filesModified?: string[];
  nextAgents?: string[];
}

export interface ToolCallResult {
  status: 'success' | 'error';
  durationMs: number;
  summary?: string;
}

// Readers (a Markdown preview, a tailing terminal) must never see half a dashboard or report. Not fsynced: both
// are rebuilt from the journal, which is.
function writeAtomically(file: string, content: string): void {
  writeFileAtomic(file, content, { durable: false });
}

export class RuntimeLogger {
  readonly files: RuntimeLoggerFiles;
  readonly #stream: RunEventStream;
  readonly #state: RunState;
  readonly #log: MarkdownLogProjection;
  readonly #dashboardEnabled: boolean;
  readonly #debounceMs: number;
  readonly #clock: Clock;
  readonly #unsubscribe: () => void;
  readonly #ownsState: boolean;
  #timer: NodeJS.Timeout | null = null;
  #dashboardDirty = false;
  #disposed = false;

  constructor(stream: RunEventStream, options: RuntimeLoggerOptions) {
    this.#stream = stream;
    this.#dashboardEnabled = options.dashboardEnabled ?? true;
    this.#debounceMs = options.dashboardDebounceMs ?? 250;
    this.#clock = options.clock ?? systemClock;
    this.#ownsState = options.state === undefined;
    this.#state = options.state ?? createRunState(stream.sessionId);
    this.#log = new MarkdownLogProjection(stream.sessionId);
    ensureDirWithin(options.logDir, options.workspaceRoot);
    const base = path.join(options.logDir, sessionFileBase(stream.sessionId));
    this.files = {
      logFile: `${base}.log.md`,
      dashboardFile: `${base}.dashboard.md`,
      reportFile: `${base}.report.json`,
      reportMarkdownFile: `${base}.report.md`,
    };

    // The log is a projection of the stream, so it is rebuilt from the events already emitted rather than
    // appended to whatever an earlier process left in the file.
    let catchUp = '';
    for (const event of stream.events) {
      if (this.#ownsState) applyEvent(this.#state, event);
      catchUp += this.#log.apply(event);
    }
    writeFileNoFollow(this.files.logFile, catchUp);
    if (stream.events.length > 0) this.#afterEvent(stream.events[stream.events.length - 1]);
    this.#unsubscribe = stream.subscribe((event) => this.#onEvent(event));
  }

  get sessionId(): string {
    return this.#stream.sessionId;
  }

  /** The live run state (the same fold the dashboard uses). Read it; do not change it. */
  get state(): Readonly<RunState> {
    return this.#state;
  }

  #onEvent(event: OrchestratorEvent): void {
    if (this.#ownsState) applyEvent(this.#state, event);
    const text = this.#log.apply(event);
    // One unsynced append per event: this is the human-readable view; the journal is the durable record.
    if (text) writeFileNoFollow(this.files.logFile, text, true);
    this.#afterEvent(event);
  }

  #afterEvent(event: OrchestratorEvent): void {
    if (event.type === 'run.completed') {
      this.#writeDashboard();
      this.#writeReports();
      return;
    }
    this.#scheduleDashboard();
  }

  #scheduleDashboard(): void {
    if (!this.#dashboardEnabled) return;
    this.#dashboardDirty = true;
    if (this.#timer) return;
    this.#timer = setTimeout(() => {
      this.#timer = null;
      this.#writeDashboard();
    }, this.#debounceMs);
    // A pending dashboard refresh must not keep a finished CLI process alive.
    this.#timer.unref();
  }

  #writeDashboard(): void {
    if (this.#timer) {
      clearTimeout(this.#timer);
      this.#timer = null;
    }
    this.#dashboardDirty = false;
    if (this.#dashboardEnabled) writeAtomically(this.files.dashboardFile, renderDashboardMarkdown(this.#state));
  }

  #writeReports(): void {
    const report = buildExecutionReport(this.#state);
    writeAtomically(this.files.reportFile, `${JSON.stringify(report, null, 2)}\n`);
    writeAtomically(this.files.reportMarkdownFile, renderReportMarkdown(report));
  }

  #emit<K extends keyof EventPayloads>(type: K, payload: EventPayloadInput<K>): void {
    if (this.#disposed) throw new Error(`RuntimeLogger for ${this.sessionId} is disposed; cannot log ${type}.`);
    this.#stream.emit(type, payload);
  }

  /** Emits run.started and, when given, plan.created; returns the session id the files are named after. */
  startExecution(request: string, plan: ExecutionPlan | null, options: ExecutionStartOptions): string {
    this.#emit('run.started', {
      request,
      workspace: options.workspace,
      options: {
        apply: options.apply ?? false,
        allowCommands: options.allowCommands ?? false,
        maxParallelAgents: options.maxParallelAgents ?? 5,
        agentTimeout: options.agentTimeout ?? 120_000,
        timeout: options.timeout ?? null,
      },
    });
    if (plan) this.#emit('plan.created', { plan });
    return this.sessionId;
  }

  logAgentStart(agent: string, task: string, context: AgentStartContext = {}): void {
    const planned = this.#state.plan?.agents.find((entry) => entry.name === agent);
    this.#emit('agent.started', {
      agent,
      task,
      phase: context.phase ?? planned?.phase ?? 0,
      parallelWith: context.parallelWith ?? [],
      mcpServers: context.mcpServers ?? this.#state.plan?.mcpServers ?? [],
    });
  }

  logToolCall(agent: string, tool: string, params: Record<string, unknown>, result: ToolCallResult): void {
    this.#emit('agent.tool_called', { agent, tool, params, status: result.status, durationMs: result.durationMs, summary: result.summary ?? '' });
  }

  logAgentComplete(agent: string, outputs: AgentOutputs = {}, recommendations: string[] = []): void {
    this.#emit('agent.completed', {
      agent,
      durationMs: outputs.durationMs ?? this.#elapsedFor(agent),
      summary: outputs.summary ?? '',
      filesRead: outputs.filesRead ?? [],
      filesModified: outputs.filesModified ?? [],
      nextAgents: outputs.nextAgents ?? [],
      recommendations,
    });
  }

  logAgentFailed(agent: string, error: string, reason: EventPayloads['agent.failed']['reason'] = 'error', durationMs?: number): void {
    this.#emit('agent.failed', { agent, error, reason, durationMs: durationMs ?? this.#elapsedFor(agent) });
  }

  logAgentSkipped(agent: string, reason: string): void {
    this.#emit('agent.skipped', { agent, reason });
  }

  /** A message as delivered by the bus (with id, from, to, timestamp). */
  logMessage(message: Message): void {
    this.#emit('message.sent', { message });
  }

  logHandoff(pkg: HandoffPackage): void {
    this.#emit('handoff.initiated', { package: pkg });
  }

  logHandoffReceived(handoffId: string, from: string, to: string, contextItems: number): void {
    this.#emit('handoff.received', { handoffId, from, to, contextItems });
  }

  logFinding(agent: string, finding: Finding): void {
    this.#emit('finding.reported', { agent, finding });
  }

  logValidationRequest(requestId: string, from: string, to: string, files: string[]): void {
    this.#emit('validation.requested', { requestId, from, to, files });
  }

  logValidationResult(requestId: string, from: string, to: string, approved: boolean, reasons: string[] = []): void {
    this.#emit('validation.result', { requestId, from, to, approved, reasons });
  }

  logChange(agent: string, file: string, diff: string, applied: boolean, findingIds: string[] = []): void {
    this.#emit('change.proposed', { agent, file, diff, applied, findingIds });
  }

  logPattern(pattern: LearnedPattern, agent?: string): void {
    this.#emit('pattern.discovered', agent === undefined ? { pattern } : { agent, pattern });
  }

  /** Emits run.completed, which writes the final dashboard and the reports. */
  completeExecution(result: { success: boolean; status?: RunStatus; error?: string; durationMs?: number }): void {
    const started = this.#state.startedAt;
    this.#emit('run.completed', {
      success: result.success,
      status: result.status ?? (result.success ? 'completed' : 'failed'),
      durationMs: result.durationMs ?? (started === null ? 0 : Math.max(0, this.#clock.now() - started)),
      ...(result.error === undefined ? {} : { error: result.error }),
    });
  }

  generateExecutionReport(): ExecutionReport {
    return buildExecutionReport(this.#state);
  }

  /** Stops following the stream and writes a dashboard refresh that was still waiting on the debounce. */
  dispose(): void {
    if (this.#disposed) return;
    this.#disposed = true;
    this.#unsubscribe();
    if (this.#dashboardDirty) this.#writeDashboard();
    else if (this.#timer) {
      clearTimeout(this.#timer);
      this.#timer = null;
    }
  }

  #elapsedFor(agent: string): number {
    const startedAt = this.#state.agents.find((view) => view.name === agent)?.startedAt ?? null;
    return startedAt === null ? 0 : Math.max(0, this.#clock.now() - startedAt);
  }
}
