import { randomUUID } from 'node:crypto';
import type { AgentCommunicationBus } from '../bus/agentCommunicationBus';
import type { RunEventStream } from '../events/runEventStream';
import type { AgentLearningSystem } from '../learning/agentLearningSystem';
import type { RunState } from '../logging/runState';
import type { Clock, CommandRunner, WorkspaceFiles } from '../ports';
import { COMMAND_FINISHED } from '../protocol/events';
import type { Finding } from '../protocol/findings';
import type { LearningRecord, LearningsQueryResult } from '../protocol/learning';
import type { Message, MessageInput, MessagePayloads } from '../protocol/messages';
import type { ExecutionPlan } from '../protocol/plan';
import type { AgentContext } from './agentRuntime';
import type { AgentRecord } from './agentScheduler';
import type { OrchestratorDependencies } from './executionOrchestrator';
import type { OverlayWorkspace } from './overlayWorkspace';
import { unifiedDiff } from './unifiedDiff';
import { contentHash } from '../review/changeReview';
import { maskSecrets } from '../security/secretMasking';

/** What an agent's context needs from its run (the run owns the bus, the overlay, the inboxes and the records). */
export interface AgentContextHost {
  readonly stream: RunEventStream;
  readonly clock: Clock;
  readonly deps: OrchestratorDependencies;
  readonly plan: ExecutionPlan;
  readonly learning: AgentLearningSystem;
  readonly state: RunState;
  readonly apply: boolean;
  readonly allowCommands: boolean;
  readonly workspace: OverlayWorkspace;
  readonly bus: AgentCommunicationBus;
  readonly findings: Finding[];
  readonly inbox: ReadonlyMap<string, Message[]>;
  readonly waiters: Map<string, Set<(message: Message) => void>>;
  readonly records: ReadonlyMap<string, AgentRecord>;
  /** True once the run ended: nothing more is recorded. */
  readonly closed: boolean;
  /** Refuses every action of an agent once the run ended or the agent was stopped. */
  guard(agent: string, signal?: AbortSignal): void;
  /** A broadcast, or nothing when communication or broadcasts are switched off. */
  announce(from: string, message: MessageInput): Promise<Message | null>;
  recordTool<T>(agent: string, tool: string, params: Record<string, unknown>, fn: () => Promise<T>, summarize: ((result: T) => string) | undefined, signal?: AbortSignal): Promise<T>;
}

/** The run's workspace as one agent sees it: writes are refused once that agent was stopped. */
function workspaceFor(host: AgentContextHost, agent: string, signal: AbortSignal): WorkspaceFiles {
  const overlay = host.workspace;
  return {
    root: overlay.root,
    listFiles: (options) => overlay.listFiles(options),
    readFile: (file) => overlay.readFile(file),
    exists: (file) => overlay.exists(file),
    resolve: (file) => overlay.resolve(file),
    writeFile: async (file, content) => {
      host.guard(agent, signal);
      await overlay.writeFile(file, content);
    },
  };
}


/** What `agent` can use during its run; every action goes through the run so it becomes an event. */
export function createAgentContext(host: AgentContextHost, record: AgentRecord, signal: AbortSignal): AgentContext {
  const { stream, deps, plan, learning, state } = host;
  const agent = record.planned.name;
  const runner = host.allowCommands ? (deps.commandRunner ?? null) : null;
  let learnings: LearningsQueryResult | undefined;
  let history: readonly LearningRecord[] | undefined;
  // A command (a test suite) can run for minutes with no other event: the wait says what the agent is doing meanwhile.
  const commandRunner: CommandRunner | null = runner && {
    run: async (command, args, options) => {
      if (!host.closed) stream.emit('agent.waiting', { agent, waitingFor: 'command', detail: [command, ...args].join(' ') });
      try {
        return await runner.run(command, args, options);
      } finally {
        if (!host.closed) stream.emit('agent.waiting', { agent, waitingFor: null, detail: COMMAND_FINISHED });
      }
    },
  };
  return {
    agent,
    task: record.planned.task,
    request: plan.request,
    sessionId: stream.sessionId,
    taskType: plan.taskType,
    signal,
    workspace: workspaceFor(host, agent, signal),
    options: { apply: host.apply, allowCommands: host.allowCommands },
    handoffs: record.handoffsReceived,
    // Computed on first use: most agents never look, and a wide phase paid for every agent's learnings at its start.
    // Nothing is recorded for an agent while it runs, so the value is the one its start would have seen.
    get learnings() {
      learnings ??= learning.queryLearnings(agent, { taskType: plan.taskType });
      return learnings;
    },
    get history() {
      history ??= learning.recentExecutions(agent);
      return history;
    },
    commandRunner,
    artifactDir: deps.logDir,
    useTool: (tool, params, fn, summarize) => host.recordTool(agent, tool, params, fn, summarize, signal),
    reportFinding: async (finding) => {
      host.guard(agent, signal);
      const withAgent = { ...finding, agent };
      host.findings.push(withAgent);
      stream.emit('finding.reported', { agent, finding: withAgent });
      const priority = withAgent.severity === 'critical' ? 'critical' : withAgent.severity === 'high' ? 'high' : 'normal';
      await host.announce(agent, { type: 'finding_report', priority, payload: withAgent });
    },
    send: async (to, message) => {
      host.guard(agent, signal);
      if (to === 'all') return host.announce(agent, message);
      return deps.config.orchestration.enableCommunication ? host.bus.sendMessage(agent, to, message) : null;
    },
    broadcast: async (message: MessageInput) => {
      host.guard(agent, signal);
      return host.announce(agent, message);
    },
    requestValidation: async (validator, request) => {
      host.guard(agent, signal);
      const message = { type: 'validation_request' as const, priority: 'high' as const, payload: request };
      const requestId = randomUUID();
      stream.emit('validation.requested', { requestId, from: agent, to: validator, files: request.filesModified });
      // A validation re-scans and may type-check or run the workspace's tests: it gets as long as an agent (the
      // requester's own timeout still stops it first), not the few seconds an assistance answer gets.
      const timeoutMs = Math.max(deps.config.communication.assistanceTimeout, deps.config.orchestration.agentTimeout);
      const reply = await host.bus.request(agent, validator, { ...message, correlationId: requestId }, timeoutMs);
      if (reply.type !== 'validation_result') throw new Error(`${validator} answered a validation request with ${reply.type}`);
      const result: MessagePayloads['validation_result'] = reply.payload;
      stream.emit('validation.result', { requestId, from: validator, to: agent, approved: result.approved, reasons: result.reasons, ...(result.evidence ? { evidence: result.evidence } : {}) });
      return result;
    },
    requestAssistance: async (capability, context, urgency) => {
      host.guard(agent, signal);
      return host.bus.requestAssistance(agent, capability, context, urgency);
    },
    proposeChange: async (file, newContent, findingIds) => {
      host.guard(agent, signal);
      const existed = await host.workspace.exists(file);
      const before = existed ? await host.workspace.readFile(file) : '';
      // The file gets the real content; the diff is recorded and shown everywhere, so it is made from masked
      // text (masking keeps line numbers, so its hunks still point at the right lines).
      const diff = unifiedDiff(file, maskSecrets(before), maskSecrets(newContent));
      await host.workspace.writeFile(file, newContent);
      // The hashes let `apply` write a reviewed dry run later, and only over the very content it was made against.
      const hashes = { baseHash: existed ? contentHash(before) : null, proposedHash: contentHash(newContent) };
      stream.emit('change.proposed', { agent, file, diff, applied: host.apply, findingIds: [...findingIds], ...hashes });
      return { applied: host.apply, diff };
    },
    waitForMessage: (predicate, whileAgentActive) => {
      const existing = host.inbox.get(agent)?.find(predicate);
      if (existing) return Promise.resolve(existing);
      const other = whileAgentActive ? host.records.get(whileAgentActive) : undefined;
      if (whileAgentActive && (!other || other.status === 'completed' || other.status === 'failed')) return Promise.resolve(null);
      return new Promise<Message | null>((resolve) => {
        const waiters = host.waiters.get(agent) ?? new Set();
        host.waiters.set(agent, waiters);
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
        void other?.done.then(() => queueMicrotask(() => finish(host.inbox.get(agent)?.find(predicate) ?? null)));
      });
    },
    progress: async (percent, status) => {
      host.guard(agent, signal);
      await host.announce(agent, { type: 'progress_update', priority: 'low', payload: { progress: percent, status } });
    },
    runState: () => state,
    recordModelCall: (call) => {
      // A turn cut short by a stop still cost tokens: record it while the run lasts.
      if (!host.closed) stream.emit('model.called', { ...call, agent });
    },
    recordModelExchange: (turn, exchange) => {
      // Journaled even after a stop: the turn happened, and replay needs every turn that did.
      if (!host.closed) stream.emit('model.exchange', { agent, turn, exchange });
    },
    setWaiting: (waitingFor, detail = '') => {
      if (!host.closed) stream.emit('agent.waiting', { agent, waitingFor, detail });
    },
    sharePattern: async (discovery) => {
      host.guard(agent, signal);
      const pattern = await learning.shareDiscovery(agent, {
        pattern: { name: discovery.name, type: discovery.type },
        context: discovery.context,
        confidence: discovery.confidence,
        support: discovery.support,
        ...(discovery.solution ? { solution: discovery.solution } : {}),
      });
      // Below the configured threshold it is the agent's hunch, not something learned: it is neither kept nor shown.
      if (pattern.confidence < deps.config.learning.patternConfidenceThreshold) return pattern;
      stream.emit('pattern.discovered', { agent, pattern: { ...pattern, sessionId: stream.sessionId } });
      await host.announce(agent, {
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
