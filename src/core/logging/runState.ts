// The run's state as a fold over its events. The same fold feeds the live log, the dashboard (Markdown and
// webview), tree views and the replay of stored sessions, so the state is plain data (JSON-serializable: no
// Maps, no classes) and each event is applied in O(1) amortised time through a private index kept beside it.
import { countContextItems } from '../protocol/handoff';
import type { AgentWait, EventPayloads, OrchestratorEvent } from '../protocol/events';
import type { Finding, ScanCoverage } from '../protocol/findings';
import type { HandoffPackage } from '../protocol/handoff';
import type { LearnedPattern } from '../protocol/learning';
import type { Message, ValidationCheck } from '../protocol/messages';
import { alongside, describeUncovered, phaseMembers, PLANNER_AGENT, type ExecutionPlan } from '../protocol/plan';
import { severityRank } from '../protocol/findings';

export type AgentStatus = 'pending' | 'running' | 'completed' | 'failed' | 'skipped';
export type RunOptions = EventPayloads['run.started']['options'];
export type AgentFailureReason = EventPayloads['agent.failed']['reason'];

export interface AgentView {
  name: string;
  status: AgentStatus;
  task: string;
  /** 0-based phase of the plan. */
  phase: number;
  capabilities: string[];
  startedAt: number | null;
  completedAt: number | null;
  durationMs: number | null;
  toolCalls: number;
  /** Calls of MCP tools, by `server/tool`. */
  mcpCalls: Record<string, number>;
  /** Calls of the tools VS Code offers (`vscode__<tool>`), by VS Code's name of the tool. */
  vscodeToolCalls: Record<string, number>;
  messagesSent: number;
  messagesReceived: number;
  filesModified: string[];
  error: string | null;
  failureReason: AgentFailureReason | null;
  parallelWith: string[];
  estimatedDurationMs: number | null;
  /** MCP servers the agent was started with. */
  mcpServers: string[];
  /** Why the agent was skipped at run time, null otherwise. */
  skipReason: string | null;
  summary: string | null;
  nextAgents: string[];
  /** Recommendations the agent itself made on completion. */
  recommendations: string[];
  /** `provider/model` of a model agent, null for offline agents. */
  model: string | null;
  /** The tool it called last while running; null once it ended. */
  currentTool: string | null;
  /** What it is blocked on now, null when it is not waiting. */
  waitingFor: AgentWait | null;
  waitingDetail: string;
  usage: ModelUsageTotals;
  /** What a scanning agent read, left out and could not parse. */
  scanCoverage?: ScanCoverage;
}

/** Tokens and cost of model turns. Cost counts only turns with a known price; `unpricedCalls` says how many had none. */
export interface ModelUsageTotals {
  modelCalls: number;
  inputTokens: number;
  outputTokens: number;
  cachedInputTokens: number;
  costUsd: number;
  unpricedCalls: number;
  failedCalls: number;
}

export function emptyUsage(): ModelUsageTotals {
  return { modelCalls: 0, inputTokens: 0, outputTokens: 0, cachedInputTokens: 0, costUsd: 0, unpricedCalls: 0, failedCalls: 0 };
}

/** Whether any agent of the run talked to a model: views hide their model columns for offline runs. */
export function runUsesModels(state: RunState): boolean {
  return state.agents.some((agent) => agent.model !== null || (agent.usage?.modelCalls ?? 0) > 0);
}

/** Run-wide usage; a state stored before model events existed has none. */
export function runUsage(state: RunState): ModelUsageTotals {
  return state.usage ?? emptyUsage();
}

function addUsage(totals: ModelUsageTotals, call: EventPayloads['model.called']): void {
  totals.modelCalls++;
  totals.inputTokens += call.inputTokens;
  totals.outputTokens += call.outputTokens;
  totals.cachedInputTokens += call.cachedInputTokens;
  if (call.costUsd === null) totals.unpricedCalls++;
  else totals.costUsd += call.costUsd;
  if (call.errorKind) totals.failedCalls++;
}

export interface FlowEdge {
  from: string;
  /** An agent name, or 'all' for broadcasts. */
  to: string;
  count: number;
  types: string[];
}

export interface HandoffView {
  id: string;
  from: string;
  to: string;
  task: string;
  urgency: string;
  contextItems: number;
  initiatedAt: number;
  receivedAt: number | null;
  package: HandoffPackage;
}

export interface ChangeView {
  /** 1-based position among the session's changes, as text ("1", "2"): what `diff` and `apply --only` take. */
  id: string;
  agent: string;
  file: string;
  /** Written to disk, during the run (--apply) or later by the user's review. */
  applied: boolean;
  diff: string;
  findingIds: string[];
  /** See the change.proposed event: undefined in sessions recorded before hashes were kept. */
  baseHash?: string | null;
  proposedHash?: string;
  /** What the user's review after the run decided; null while the change waits for review (or was applied in the run). */
  review: 'applied' | 'discarded' | null;
}

export interface ValidationView {
  requestId: string;
  /** The agent whose changes are reviewed. */
  from: string;
  /** The reviewing agent. */
  to: string;
  files: string[];
  approved: boolean | null;
  reasons: string[];
  /** The validator's evidence item by item (parse, types, rescan, tests), when it listed it. */
  checks?: ValidationCheck[];
}

export interface ToolCallView {
  agent: string;
  tool: string;
  status: string;
  durationMs: number;
  ts: number;
}

export interface RunState {
  sessionId: string;
  request: string;
  workspace: string;
  options: RunOptions | null;
  startedAt: number | null;
  completedAt: number | null;
  /** As reported by run.completed; null while running. */
  durationMs: number | null;
  /** Timestamp of the newest applied event: "now" for a replayed or live run (running agents' elapsed time). */
  lastEventAt: number | null;
  status: 'running' | 'completed' | 'failed' | 'cancelled' | 'timed_out';
  success: boolean | null;
  error: string | null;
  /** Problems found while setting the run up (run.started's warnings), e.g. agent files that were not loaded. */
  warnings: string[];
  plan: ExecutionPlan | null;
  /** Plan order, then agents that appeared in events without being planned. */
  agents: AgentView[];
  /** Newest last; only the last `limits.maxMessages` are kept. */
  messages: Message[];
  messageCount: number;
  messageCountsByType: Record<string, number>;
  flow: FlowEdge[];
  handoffs: HandoffView[];
  findings: Finding[];
  changes: ChangeView[];
  validations: ValidationView[];
  patterns: LearnedPattern[];
  /** Newest last; only the last `limits.maxToolCalls` are kept. */
  toolCalls: ToolCallView[];
  toolCallCount: number;
  failedToolCallCount: number;
  mcpToolCallCount: number;
  totalToolDurationMs: number;
  /** Model turns of every agent in this run. */
  usage: ModelUsageTotals;
  lastSeq: number;
  limits: { maxMessages: number; maxToolCalls: number };
}

export interface RunProgress {
  done: number;
  total: number;
  percent: number;
}

export interface RunMetrics {
  /** Share of agent-time that overlapped another agent's run, 0-100. */
  parallelExecutionPercent: number;
  toolCalls: number;
  avgToolMs: number;
  totalDurationMs: number | null;
  /** Share of tool calls that went to MCP tools, 0-100. */
  mcpUtilizationPercent: number;
  messages: number;
  findingsBySeverity: Record<string, number>;
}

export interface Recommendation {
  type: string;
  priority: 'low' | 'medium' | 'high';
  message: string;
}

export const DEFAULT_MAX_MESSAGES = 500;
export const DEFAULT_MAX_TOOL_CALLS = 500;

/** Lookup tables over the state's arrays. Kept out of the state so it stays plain data; rebuilt on demand. */
interface StateIndex {
  agents: Map<string, AgentView>;
  flow: Map<string, FlowEdge>;
  handoffs: Map<string, HandoffView>;
  validations: Map<string, ValidationView>;
  findings: Map<string, number>;
  patterns: Map<string, number>;
}

const indexes = new WeakMap<RunState, StateIndex>();

function flowKey(from: string, to: string): string {
  return `${from}\u0000${to}`;
}

function buildIndex(state: RunState): StateIndex {
  return {
    agents: new Map(state.agents.map((agent) => [agent.name, agent])),
    flow: new Map(state.flow.map((edge) => [flowKey(edge.from, edge.to), edge])),
    handoffs: new Map(state.handoffs.map((handoff) => [handoff.id, handoff])),
    validations: new Map(state.validations.map((validation) => [validation.requestId, validation])),
    findings: new Map(state.findings.map((finding, position) => [finding.id, position])),
    patterns: new Map(state.patterns.map((pattern, position) => [pattern.id, position])),
  };
}

// A state that was serialized and parsed again (replay, webview) gets its index rebuilt on first use.
function indexOf(state: RunState): StateIndex {
  let index = indexes.get(state);
  if (!index) {
    index = buildIndex(state);
    indexes.set(state, index);
  }
  return index;
}

export function createRunState(sessionId: string, options: { maxMessages?: number; maxToolCalls?: number } = {}): RunState {
  return {
    sessionId,
    request: '',
    workspace: '',
    options: null,
    startedAt: null,
    completedAt: null,
    durationMs: null,
    lastEventAt: null,
    status: 'running',
    success: null,
    error: null,
    warnings: [],
    plan: null,
    agents: [],
    messages: [],
    messageCount: 0,
    messageCountsByType: {},
    flow: [],
    handoffs: [],
    findings: [],
    changes: [],
    validations: [],
    patterns: [],
    toolCalls: [],
    toolCallCount: 0,
    failedToolCallCount: 0,
    mcpToolCallCount: 0,
    totalToolDurationMs: 0,
    usage: emptyUsage(),
    lastSeq: 0,
    limits: {
      maxMessages: Math.max(0, options.maxMessages ?? DEFAULT_MAX_MESSAGES),
      maxToolCalls: Math.max(0, options.maxToolCalls ?? DEFAULT_MAX_TOOL_CALLS),
    },
  };
}

function newAgent(name: string): AgentView {
  return {
    name,
    status: 'pending',
    task: '',
    phase: 0,
    capabilities: [],
    startedAt: null,
    completedAt: null,
    durationMs: null,
    toolCalls: 0,
    mcpCalls: {},
    vscodeToolCalls: {},
    messagesSent: 0,
    messagesReceived: 0,
    filesModified: [],
    error: null,
    failureReason: null,
    parallelWith: [],
    estimatedDurationMs: null,
    mcpServers: [],
    skipReason: null,
    summary: null,
    nextAgents: [],
    recommendations: [],
    model: null,
    currentTool: null,
    waitingFor: null,
    waitingDetail: '',
    usage: emptyUsage(),
  };
}

function ensureAgent(state: RunState, index: StateIndex, name: string): AgentView {
  let agent = index.agents.get(name);
  if (!agent) {
    agent = newAgent(name);
    state.agents.push(agent);
    index.agents.set(name, agent);
  }
  return agent;
}

function addUnique(target: string[], values: readonly string[]): void {
  for (const value of values) if (!target.includes(value)) target.push(value);
}

/** MCP tools are namespaced by their server (`mcp__server__tool`, Claude Code's convention, or `mcp:server/tool`). */
export function isMcpTool(tool: string): boolean {
  return /^mcp(__|[:./])/i.test(tool);
}

/** Replaces the item with the same id, or appends it; `positions` maps ids to indexes in `list`. */
function upsertById<T extends { id: string }>(list: T[], positions: Map<string, number>, item: T): void {
  const position = positions.get(item.id);
  if (position !== undefined) list[position] = item;
  else {
    positions.set(item.id, list.length);
    list.push(item);
  }
}

function pushBounded<T>(list: T[], item: T, max: number): void {
  list.push(item);
  // Bounds are small (hundreds), so shifting one element costs less than the bookkeeping of a ring buffer.
  while (list.length > max) list.shift();
}

/**
 * Applies one event to `state` and returns it. Projections own their state: the object is mutated in place so a
 * live view pays O(1) per event. Events of another session, and events at or below `lastSeq` (a replay overlapping
 * what was already applied), are ignored, so applying a stream twice gives the same state as applying it once.
 */
export function applyEvent(state: RunState, event: OrchestratorEvent): RunState {
  if (event.sessionId !== state.sessionId || event.seq <= state.lastSeq) return state;
  state.lastSeq = event.seq;
  state.lastEventAt = event.ts;
  const index = indexOf(state);

  switch (event.type) {
    case 'run.started': {
      state.request = event.payload.request;
      state.workspace = event.payload.workspace;
      state.options = event.payload.options;
      state.warnings = [...(event.payload.warnings ?? [])];
      state.startedAt = event.ts;
      state.status = 'running';
      break;
    }
    case 'plan.created': {
      const plan = event.payload.plan;
      state.plan = plan;
      if (!state.request) state.request = plan.request;
      const planned: AgentView[] = [];
      for (const entry of plan.agents) {
        const agent = index.agents.get(entry.name) ?? newAgent(entry.name);
        index.agents.set(entry.name, agent);
        if (!agent.task) agent.task = entry.task;
        agent.phase = entry.phase;
        agent.capabilities = [...entry.capabilities];
        // An estimate without samples is no estimate (the planner uses samples 0 for "no history").
        agent.estimatedDurationMs = entry.estimatedDuration && entry.estimatedDuration.samples > 0 ? entry.estimatedDuration.estimated : null;
        planned.push(agent);
      }
      const plannedNames = new Set(plan.agents.map((entry) => entry.name));
      state.agents = [...planned, ...state.agents.filter((agent) => !plannedNames.has(agent.name))];
      break;
    }
    case 'agent.started': {
      const agent = ensureAgent(state, index, event.payload.agent);
      agent.status = 'running';
      agent.task = event.payload.task;
      agent.phase = event.payload.phase;
      agent.parallelWith = parallelWithOf(event.payload, state.plan);
      agent.mcpServers = [...event.payload.mcpServers];
      agent.startedAt = event.ts;
      agent.completedAt = null;
      agent.durationMs = null;
      agent.error = null;
      agent.failureReason = null;
      break;
    }
    case 'agent.tool_called': {
      const { agent: name, tool, status, durationMs } = event.payload;
      const caller = ensureAgent(state, index, name);
      caller.toolCalls++;
      if (caller.status === 'running') caller.currentTool = tool;
      state.toolCallCount++;
      state.totalToolDurationMs += durationMs;
      if (status === 'error') state.failedToolCallCount++;
      if (isMcpTool(tool)) {
        state.mcpToolCallCount++;
        const server = typeof event.payload.params.server === 'string' ? event.payload.params.server : null;
        const mcpTool = typeof event.payload.params.tool === 'string' ? event.payload.params.tool : null;
        const key = server && mcpTool ? `${server}/${mcpTool}` : server ? `${server} (not started)` : tool;
        caller.mcpCalls[key] = (caller.mcpCalls[key] ?? 0) + 1;
      } else if (tool.startsWith('vscode__')) {
        const vscodeTool = typeof event.payload.params.tool === 'string' ? event.payload.params.tool : tool.slice('vscode__'.length);
        caller.vscodeToolCalls[vscodeTool] = (caller.vscodeToolCalls[vscodeTool] ?? 0) + 1;
      }
      pushBounded(state.toolCalls, { agent: name, tool, status, durationMs, ts: event.ts }, state.limits.maxToolCalls);
      break;
    }
    case 'message.sent': {
      const message = event.payload.message;
      state.messageCount++;
      state.messageCountsByType[message.type] = (state.messageCountsByType[message.type] ?? 0) + 1;
      pushBounded(state.messages, message, state.limits.maxMessages);
      const sender = index.agents.get(message.from);
      if (sender) sender.messagesSent++;
      if (message.to === 'all') {
        // Skipped agents never joined the bus, so broadcasts do not reach them.
        for (const agent of state.agents) if (agent.name !== message.from && agent.status !== 'skipped') agent.messagesReceived++;
      } else {
        const receiver = index.agents.get(message.to);
        if (receiver) receiver.messagesReceived++;
      }
      const key = flowKey(message.from, message.to);
      let edge = index.flow.get(key);
      if (!edge) {
        edge = { from: message.from, to: message.to, count: 0, types: [] };
        state.flow.push(edge);
        index.flow.set(key, edge);
      }
      edge.count++;
      if (!edge.types.includes(message.type)) edge.types.push(message.type);
      break;
    }
    case 'handoff.initiated': {
      const pkg = event.payload.package;
      const existing = index.handoffs.get(pkg.id);
      const view: HandoffView = {
        id: pkg.id,
        from: pkg.from,
        to: pkg.to,
        task: pkg.executionContext.task,
        urgency: pkg.urgency,
        contextItems: countContextItems(pkg),
        initiatedAt: event.ts,
        receivedAt: existing?.receivedAt ?? null,
        package: pkg,
      };
      if (existing) Object.assign(existing, view);
      else {
        state.handoffs.push(view);
        index.handoffs.set(pkg.id, view);
      }
      break;
    }
    case 'handoff.received': {
      const { handoffId, from, to, contextItems } = event.payload;
      const handoff = index.handoffs.get(handoffId);
      if (handoff) {
        handoff.receivedAt = event.ts;
        // The receiver's count is what it actually took in; it wins over our estimate from the package.
        handoff.contextItems = contextItems;
      } else {
        // Without the package (e.g. a truncated replay) keep what the event says rather than losing the handoff.
        const stub: HandoffView = {
          id: handoffId,
          from,
          to,
          task: '',
          urgency: 'normal',
          contextItems,
          initiatedAt: event.ts,
          receivedAt: event.ts,
          package: {
            id: handoffId,
            timestamp: event.ts,
            from,
            to,
            executionContext: { task: '(unknown)', filesModified: [], filesRead: [], searchResults: [], decisions: [], warnings: [], discoveries: [], findings: [] },
            mcpData: {},
            recommendations: { nextActions: [], potentialIssues: [], optimizations: [], testingNeeded: false, securityReview: false },
            urgency: 'normal',
            requiresValidation: false,
            blockingIssues: [],
            dependencies: { completedTasks: [], requiredInputs: [], optionalInputs: [] },
          },
        };
        state.handoffs.push(stub);
        index.handoffs.set(handoffId, stub);
      }
      break;
    }
    case 'finding.reported': {
      const finding: Finding = { ...event.payload.finding, agent: event.payload.finding.agent ?? event.payload.agent };
      // The same finding reported again (re-scan, second agent) updates it instead of counting it twice.
      upsertById(state.findings, index.findings, finding);
      break;
    }
    case 'change.proposed': {
      const { agent: name, file, diff, applied, findingIds, baseHash, proposedHash } = event.payload;
      state.changes.push({
        id: String(state.changes.length + 1), agent: name, file, diff, applied, findingIds: [...findingIds], review: null,
        ...(baseHash !== undefined ? { baseHash } : {}), ...(proposedHash !== undefined ? { proposedHash } : {}),
      });
      if (applied) addUnique(ensureAgent(state, index, name).filesModified, [file]);
      break;
    }
    case 'change.applied':
    case 'change.discarded': {
      const change = state.changes.find((candidate) => candidate.id === event.payload.changeId);
      if (!change) break;
      change.review = event.type === 'change.applied' ? 'applied' : 'discarded';
      if (event.type === 'change.applied') change.applied = true;
      break;
    }
    case 'validation.requested': {
      const { requestId, from, to, files } = event.payload;
      const existing = index.validations.get(requestId);
      if (existing) Object.assign(existing, { from, to, files: [...files] });
      else {
        const view: ValidationView = { requestId, from, to, files: [...files], approved: null, reasons: [] };
        state.validations.push(view);
        index.validations.set(requestId, view);
      }
      break;
    }
    case 'validation.result': {
      const { requestId, from, to, approved, reasons } = event.payload;
      let view = index.validations.get(requestId);
      if (!view) {
        // The result's sender is the validator, so the requester is its recipient.
        view = { requestId, from: to, to: from, files: [], approved: null, reasons: [] };
        state.validations.push(view);
        index.validations.set(requestId, view);
      }
      view.approved = approved;
      view.reasons = [...reasons];
      const checks = event.payload.evidence?.checks;
      if (checks) view.checks = checks.map((check) => ({ ...check }));
      break;
    }
    case 'pattern.discovered': {
      const pattern: LearnedPattern = { ...event.payload.pattern, agent: event.payload.pattern.agent ?? event.payload.agent };
      upsertById(state.patterns, index.patterns, pattern);
      break;
    }
    case 'model.called': {
      // The planner's turns count in the run's totals; it is not an agent the dashboard should list as pending.
      if (event.payload.agent !== PLANNER_AGENT) {
        const agent = ensureAgent(state, index, event.payload.agent);
        agent.model = `${event.payload.provider}/${event.payload.model}`;
        addUsage(agent.usage, event.payload);
      }
      // Older states (stored before model events existed) have no run totals yet.
      state.usage ??= emptyUsage();
      addUsage(state.usage, event.payload);
      break;
    }
    case 'model.exchange':
      // The journal keeps it for replay; the views show model.called.
      break;
    case 'agent.waiting': {
      const agent = ensureAgent(state, index, event.payload.agent);
      agent.waitingFor = event.payload.waitingFor;
      agent.waitingDetail = event.payload.waitingFor ? event.payload.detail : '';
      break;
    }
    case 'learning.recorded':
      // The learning record repeats what the run's own events already show; the store keeps it.
      break;
    case 'agent.completed': {
      const payload = event.payload;
      const agent = ensureAgent(state, index, payload.agent);
      agent.status = 'completed';
      agent.completedAt = event.ts;
      agent.currentTool = null;
      agent.waitingFor = null;
      agent.durationMs = payload.durationMs;
      if (agent.startedAt === null) agent.startedAt = event.ts - payload.durationMs;
      addUnique(agent.filesModified, payload.filesModified);
      agent.summary = payload.summary;
      agent.nextAgents = [...payload.nextAgents];
      agent.recommendations = [...payload.recommendations];
      if (payload.scanCoverage) agent.scanCoverage = payload.scanCoverage;
      break;
    }
    case 'agent.failed': {
      const payload = event.payload;
      const agent = ensureAgent(state, index, payload.agent);
      agent.status = 'failed';
      agent.completedAt = event.ts;
      agent.currentTool = null;
      agent.waitingFor = null;
      agent.durationMs = payload.durationMs;
      if (agent.startedAt === null && payload.durationMs > 0) agent.startedAt = event.ts - payload.durationMs;
      agent.error = payload.error;
      agent.failureReason = payload.reason;
      break;
    }
    case 'agent.skipped': {
      const agent = ensureAgent(state, index, event.payload.agent);
      agent.status = 'skipped';
      agent.skipReason = event.payload.reason;
      agent.completedAt = event.ts;
      break;
    }
    case 'run.completed': {
      const payload = event.payload;
      state.status = payload.status;
      state.success = payload.success;
      state.error = payload.error ?? null;
      state.completedAt = event.ts;
      state.durationMs = payload.durationMs;
      break;
    }
    default: {
      // A new event type must be handled here before it can be emitted: this fails to compile until it is.
      const unhandled: never = event;
      return unhandled;
    }
  }
  return state;
}

export function foldEvents(sessionId: string, events: Iterable<OrchestratorEvent>, options?: { maxMessages?: number; maxToolCalls?: number }): RunState {
  const state = createRunState(sessionId, options);
  for (const event of events) applyEvent(state, event);
  return state;
}

export function isRunFinished(state: RunState): boolean {
  return state.status !== 'running';
}

const FINISHED: ReadonlySet<AgentStatus> = new Set<AgentStatus>(['completed', 'failed', 'skipped']);

/** Agents that reached an end state (completed, failed or skipped) out of all agents of the run. */
export function progressOf(state: RunState): RunProgress {
  const total = state.agents.length;
  const done = state.agents.filter((agent) => FINISHED.has(agent.status)).length;
  return { done, total, percent: total === 0 ? 0 : Math.round((done / total) * 100) };
}

/** [start, end] of every agent that ran; a running agent ends at the newest event (the projection's "now"). */
function agentIntervals(state: RunState): { name: string; start: number; end: number }[] {
  const intervals: { name: string; start: number; end: number }[] = [];
  for (const agent of state.agents) {
    if (agent.startedAt === null || agent.status === 'skipped') continue;
    const end = agent.completedAt ?? state.completedAt ?? state.lastEventAt ?? agent.startedAt;
    if (end > agent.startedAt) intervals.push({ name: agent.name, start: agent.startedAt, end });
  }
  return intervals;
}

/**
 * Share of agent-time spent while at least one other agent was also running, by a sweep over start and end
 * times: during a stretch with k >= 2 agents running, all k agents' time counts as parallel.
 */
export function parallelExecutionPercent(state: RunState): number {
  const points: { at: number; delta: number }[] = [];
  for (const interval of agentIntervals(state)) {
    points.push({ at: interval.start, delta: 1 }, { at: interval.end, delta: -1 });
  }
  // Ends before starts at the same instant: back-to-back agents did not overlap.
  points.sort((a, b) => a.at - b.at || a.delta - b.delta);
  let running = 0;
  let previous = 0;
  let total = 0;
  let overlapped = 0;
  for (const point of points) {
    const length = point.at - previous;
    if (running > 0 && length > 0) {
      total += running * length;
      if (running >= 2) overlapped += running * length;
    }
    running += point.delta;
    previous = point.at;
  }
  return total === 0 ? 0 : Math.round((overlapped / total) * 100);
}

export function metricsOf(state: RunState): RunMetrics {
  const findingsBySeverity: Record<string, number> = {};
  for (const finding of state.findings) findingsBySeverity[finding.severity] = (findingsBySeverity[finding.severity] ?? 0) + 1;
  const totalDurationMs =
    state.durationMs ?? (state.startedAt !== null && state.completedAt !== null ? state.completedAt - state.startedAt : null);
  return {
    parallelExecutionPercent: parallelExecutionPercent(state),
    toolCalls: state.toolCallCount,
    avgToolMs: state.toolCallCount === 0 ? 0 : Math.round(state.totalToolDurationMs / state.toolCallCount),
    totalDurationMs,
    mcpUtilizationPercent: state.toolCallCount === 0 ? 0 : Math.round((state.mcpToolCallCount / state.toolCallCount) * 100),
    messages: state.messageCount,
    findingsBySeverity,
  };
}

function overlaps(a: { start: number; end: number }, b: { start: number; end: number }): boolean {
  return a.start < b.end && b.start < a.end;
}

function location(finding: Finding): string {
  return `${finding.ruleId} at ${finding.file}:${finding.line}`;
}

function listSome(items: readonly string[], max = 3): string {
  return items.length <= max ? items.join(', ') : `${items.slice(0, max).join(', ')} and ${items.length - max} more`;
}

const PRIORITY_ORDER: Record<Recommendation['priority'], number> = { high: 0, medium: 1, low: 2 };

/** What the user could do next, each derived from something that happened in this run (never canned advice). */
export function recommendationsOf(state: RunState): Recommendation[] {
  const out: Recommendation[] = [];
  const options = state.options;

  for (const warning of state.warnings) {
    out.push({ type: 'setup', priority: 'medium', message: `${warning} Fix it and re-run: the run went ahead without it.` });
  }

  if (state.status === 'timed_out') {
    const limit = options?.timeout ? ` (limit ${options.timeout}ms)` : '';
    out.push({ type: 'timeout', priority: 'high', message: `The run timed out${limit}; raise the run timeout or narrow the request.` });
  } else if (state.status === 'cancelled') {
    const unfinished = state.agents.filter((agent) => agent.status === 'pending' || agent.status === 'running').map((agent) => agent.name);
    const suffix = unfinished.length > 0 ? `: ${listSome(unfinished)} did not finish` : '';
    out.push({ type: 'cancelled', priority: 'medium', message: `The run was cancelled${suffix}. Re-run to complete it.` });
  }

  for (const agent of state.agents) {
    if (agent.status !== 'failed') continue;
    if (agent.failureReason === 'timeout') {
      const limit = options ? ` (agentTimeout ${options.agentTimeout}ms)` : '';
      out.push({ type: 'timeout', priority: 'high', message: `${agent.name} timed out${limit}: raise agentTimeout or split its task. ${agent.error ?? ''}`.trim() });
    } else if (agent.failureReason === 'dependency_failed') {
      out.push({ type: 'failure', priority: 'medium', message: `${agent.name} did not run because an agent it depends on failed: ${agent.error ?? 'see the log'}` });
    } else if (agent.failureReason !== 'cancelled') {
      out.push({ type: 'failure', priority: 'high', message: `${agent.name} failed: ${agent.error ?? 'see the log'}. Fix the cause and re-run.` });
    }
  }

  for (const validation of state.validations) {
    if (validation.approved !== false) continue;
    const files = validation.files.length > 0 ? ` to ${listSome(validation.files)}` : '';
    const reasons = validation.reasons.length > 0 ? `: ${validation.reasons.join('; ')}` : '';
    out.push({ type: 'validation', priority: 'high', message: `${validation.to} rejected the changes by ${validation.from}${files}${reasons}` });
  }

  // A finding is fixed when an applied change claims it; an unfixable one needs a model or a person.
  const fixedIds = new Set<string>();
  for (const change of state.changes) if (change.applied) for (const id of change.findingIds) fixedIds.add(id);
  const needModel = state.findings.filter((finding) => !finding.fixable && !fixedIds.has(finding.id));
  if (needModel.length > 0) {
    const serious = needModel.some((finding) => severityRank[finding.severity] >= severityRank.high);
    out.push({
      type: 'model',
      priority: serious ? 'high' : 'medium',
      message: `${needModel.length} finding(s) have no automatic fix and are still open (${listSome(needModel.map(location))}): configure a language model so an agent can fix them, or fix them by hand.`,
    });
  }

  // What the request asked for and no agent of the plan does: the user must hear it was not done.
  for (const item of state.plan?.uncovered ?? []) out.push({ type: 'coverage', priority: 'high', message: `Not done: ${describeUncovered(item)}.` });

  // The last change to a file decides; a later change without finding ids is a revert of the earlier fix.
  const latestByFile = new Map(state.changes.filter((change) => change.review !== 'discarded').map((change) => [change.file, change] as const));
  // A fix nobody validated is the proposer's word only; it must not pass for a reviewed one.
  const approvedFiles = new Set(state.validations.filter((validation) => validation.approved === true).flatMap((validation) => validation.files));
  const unvalidated = [...latestByFile.values()].filter((change) => change.findingIds.length > 0 && !approvedFiles.has(change.file));
  if (unvalidated.length > 0 && state.status !== 'running') {
    const files = [...new Set(unvalidated.map((change) => change.file))];
    const validators = state.plan?.agents.filter((agent) => agent.capabilities.includes('validation')).map((agent) => agent.name) ?? [];
    const why = validators.length === 0 ? 'no agent in the plan validates changes' : `${listSome(validators)} did not approve them`;
    out.push({ type: 'validation', priority: 'high', message: `${unvalidated.length} change(s) to ${listSome(files)} are unvalidated (${why}): review the diffs yourself before applying or keeping them.` });
  }
  const notApplied = [...latestByFile.values()].filter((change) => !change.applied && change.findingIds.length > 0);
  if (notApplied.length > 0) {
    const files = [...new Set(notApplied.map((change) => change.file))];
    const cause = options && !options.apply ? 'this was a dry run' : 'they were not applied';
    out.push({
      type: 'apply',
      priority: 'medium',
      message: `${notApplied.length} change(s) to ${listSome(files)} were proposed but ${cause}: review them (agent-orchestrator diff ${state.sessionId}) and apply them (agent-orchestrator apply ${state.sessionId}, or Apply Changes in VS Code), or re-run with --apply.`,
    });
  }

  if (state.plan && options) {
    const intervals = new Map(agentIntervals(state).map((interval) => [interval.name, interval]));
    state.plan.phases.forEach((phase, phaseIndex) => {
      if (phase.length <= options.maxParallelAgents) return;
      const ran = phase.map((name) => intervals.get(name)).filter((interval) => interval !== undefined);
      const alone = ran.filter((interval) => !ran.some((other) => other !== interval && overlaps(interval, other)));
      if (alone.length === 0) return;
      out.push({
        type: 'parallelization',
        priority: 'medium',
        message: `Phase ${phaseIndex + 1} has ${phase.length} independent agents but maxParallelAgents is ${options.maxParallelAgents}, so ${listSome(alone.map((interval) => interval.name))} ran alone: raise maxParallelAgents to ${phase.length}.`,
      });
    });
  }

  if (options && !options.allowCommands && state.plan) {
    const testers = state.plan.agents.filter((agent) => agent.capabilities.includes('testing')).map((agent) => agent.name);
    if (testers.length > 0) {
      out.push({
        type: 'testing',
        priority: 'medium',
        message: `The workspace's tests were not run because commands were not allowed (${listSome(testers)}): re-run with --allow-commands to verify the changes.`,
      });
    }
  }

  if (state.failedToolCallCount > 0) {
    const failed = [...new Set(state.toolCalls.filter((call) => call.status === 'error').map((call) => `${call.agent} → ${call.tool}`))];
    const detail = failed.length > 0 ? ` (${listSome(failed)})` : '';
    out.push({ type: 'tools', priority: 'low', message: `${state.failedToolCallCount} tool call(s) failed${detail}; check the log for their errors.` });
  }

  // The orchestrator also emits agent.skipped for the plan's skipped agents; say it once per agent.
  const skippedAgents = new Set(state.agents.filter((agent) => agent.status === 'skipped').map((agent) => agent.name));
  for (const skipped of state.plan?.skipped ?? []) {
    if (!skippedAgents.has(skipped.name)) out.push({ type: 'coverage', priority: 'low', message: `${skipped.name} was not run: ${skipped.reason}.` });
  }
  for (const agent of state.agents) {
    if (agent.status === 'skipped') out.push({ type: 'coverage', priority: 'low', message: `${agent.name} was skipped: ${agent.skipReason ?? 'no reason given'}.` });
    for (const advice of agent.recommendations) out.push({ type: 'agent', priority: 'low', message: `${agent.name}: ${advice}` });
  }

  // Stable sort keeps the order of discovery within a priority.
  return out.sort((a, b) => PRIORITY_ORDER[a.priority] - PRIORITY_ORDER[b.priority]);
}

/**
 * The agents an agent.started event ran alongside: its own list in older sessions, else the rest of its phase (at
 * most MAX_PARALLEL_NAMED of them: see alongside()).
 */
export function parallelWithOf(payload: EventPayloads['agent.started'], plan: ExecutionPlan | null | undefined): string[] {
  if (payload.parallelWith) return [...payload.parallelWith];
  if (!plan) return [];
  return alongside(phaseMembers(plan, payload.phase), payload.agent);
}

/** How many agents ran alongside: the whole phase but the agent, even where parallelWithOf names only some. */
export function parallelCountOf(payload: EventPayloads['agent.started'], plan: ExecutionPlan | null | undefined): number {
  if (payload.parallelWith) return payload.parallelWith.length;
  if (!plan) return 0;
  return Math.max(0, phaseMembers(plan, payload.phase).length - 1);
}
