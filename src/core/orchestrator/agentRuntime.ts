import type { CommandRunner, WorkspaceFiles } from '../ports';
import type { AgentWait, EventPayloadInput } from '../protocol/events';
import type { RecordedModelExchange } from '../protocol/modelExchange';
import type { Finding, ScanCoverage } from '../protocol/findings';
import type { HandoffRequest } from '../protocol/handoff';
import type { LearnedPattern, LearningRecord, LearningsQueryResult } from '../protocol/learning';
import type { Message, MessageInput, MessagePayloads, Urgency } from '../protocol/messages';
import type { RunState } from '../logging/runState';
import type { ReceivedHandoff } from '../handoff/agentHandoffSystem';

/** What an agent's run can use. Every action goes through here so it becomes an event of the run. */
export interface AgentContext {
  readonly agent: string;
  readonly task: string;
  readonly request: string;
  readonly sessionId: string;
  readonly taskType: string;
  /** Aborted on cancellation or when the agent's timeout expires. */
  readonly signal: AbortSignal;
  /** The run's view of the workspace: reads see changes proposed earlier in this run, even when not applied. */
  readonly workspace: WorkspaceFiles;
  readonly options: { readonly apply: boolean; readonly allowCommands: boolean };
  /** Handoffs addressed to this agent, received when it started. */
  readonly handoffs: readonly ReceivedHandoff[];
  /** What past runs of this agent teach (computed from stored executions). */
  readonly learnings: LearningsQueryResult;
  /** This agent's recorded past executions, newest first (bounded by learning.maxExecutionsPerAgent). */
  readonly history: readonly LearningRecord[];
  /** Present only when the user allowed commands. */
  readonly commandRunner: CommandRunner | null;
  /** Where this run's artifacts (log, dashboard, report, summary) are written. */
  readonly artifactDir: string;

  /** Runs `fn` as a named tool call and records it (agent.tool_called) with its duration and status. */
  useTool<T>(tool: string, params: Record<string, unknown>, fn: () => Promise<T>, summarize?: (result: T) => string): Promise<T>;
  /** Records a finding and broadcasts it as a FINDING_REPORT. */
  reportFinding(finding: Finding): Promise<void>;
  /** Resolves with the sent message, or null when communication (or, for 'all', broadcasting) is switched off. */
  send(to: string, message: MessageInput): Promise<Message | null>;
  broadcast(message: MessageInput): Promise<Message | null>;
  /** Asks `validator` to review changes and waits for its VALIDATION_RESULT. */
  requestValidation(validator: string, request: MessagePayloads['validation_request']): Promise<MessagePayloads['validation_result']>;
  requestAssistance(capability: string, context: Record<string, unknown>, urgency?: Urgency): Promise<Message>;
  /** Records a change as a diff; writes it to disk only when the run applies changes. */
  proposeChange(file: string, newContent: string, findingIds: readonly string[]): Promise<{ applied: boolean; diff: string }>;
  /** Resolves with the first message to this agent matching `predicate`, or null once `whileAgentActive` has finished without sending one. */
  waitForMessage(predicate: (message: Message) => boolean, whileAgentActive?: string): Promise<Message | null>;
  progress(percent: number, status: string): Promise<void>;
  /**
   * Shares a pattern the agent discovered (a PATTERN_DISCOVERED broadcast, stored with the run). The confidence must
   * come from evidence, e.g. how often the agent saw it in its history.
   */
  sharePattern(discovery: { name: string; type: string; context: string; confidence: number; support: number; solution?: string; applicableTo?: string[] }): Promise<LearnedPattern>;
  /** The run so far, as the dashboard sees it. */
  runState(): RunState;
  /** Records one model turn of this agent (model.called): tokens, cost, duration, how it ended. */
  recordModelCall(call: Omit<EventPayloadInput<'model.called'>, 'agent'>): void;
  /** Journals one model turn's request and reply with the run (model.exchange), for replay. */
  recordModelExchange(turn: number, exchange: RecordedModelExchange): void;
  /** Shows what the agent is blocked on (agent.waiting); null when it resumes. */
  setWaiting(waitingFor: AgentWait | null, detail?: string): void;
}

/** What a service handler gets: who asked, the run's workspace view, and tool-call recording. */
export interface ServiceEnvironment {
  readonly from: string;
  readonly sessionId: string;
  readonly signal: AbortSignal;
  readonly workspace: WorkspaceFiles;
  useTool<T>(tool: string, params: Record<string, unknown>, fn: () => Promise<T>, summarize?: (result: T) => string): Promise<T>;
  /** The run's request and consent, for a validator that reasons about the change (a model validator). */
  readonly request: string;
  readonly options: { readonly apply: boolean; readonly allowCommands: boolean };
  /** Present only when the user allowed commands. */
  readonly commandRunner: CommandRunner | null;
  /** The run so far: the findings reported and the changes proposed (with their diffs). */
  runState(): RunState;
  /** Model turns of the serving agent, recorded as its own (model.called, model.exchange). */
  recordModelCall(call: Omit<EventPayloadInput<'model.called'>, 'agent'>): void;
  recordModelExchange(turn: number, exchange: RecordedModelExchange): void;
  setWaiting(waitingFor: AgentWait | null, detail?: string): void;
}

/** Requests other agents may send to this agent while the run lasts (even after its own task is done). */
export interface AgentServices {
  validate?(request: MessagePayloads['validation_request'], env: ServiceEnvironment): Promise<MessagePayloads['validation_result']>;
  assist?(context: Record<string, unknown>, env: ServiceEnvironment): Promise<MessagePayloads['assistance_response']>;
}

export interface AgentOutcome {
  summary: string;
  filesRead?: string[];
  filesModified?: string[];
  recommendations?: string[];
  /** 0-100, the agent's own judgement of its result (e.g. share of findings fixed). */
  qualityScore?: number | null;
  /** Context packages for the agents that continue the work. */
  handoffs?: { to: string; request: HandoffRequest }[];
  /** Rule ids / pattern names the agent found, recorded as discoveries for learning. */
  securityIssues?: string[];
  /** Set when the agent finished its run but its result means the overall request failed (e.g. tests fail). */
  failed?: string;
  /** For an agent that scans the workspace: what it read, left out (and why) and could not parse. */
  scanCoverage?: ScanCoverage;
}

/** An agent's behaviour: one run per execution, plus optional services for the others. */
export interface AgentRuntime {
  readonly name: string;
  readonly capabilities: readonly string[];
  readonly services?: AgentServices;
  run(context: AgentContext): Promise<AgentOutcome>;
}
