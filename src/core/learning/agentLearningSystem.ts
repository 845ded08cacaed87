/*
 * AgentLearningSystem: what past runs teach an agent. Everything it answers is computed from stored executions
 * (the repository, plus records this instance recorded that the repository may not show yet); nothing is
 * invented. With no history every list is empty, every confidence is 0 and the estimate has samples 0.
 *
 * Which executions a query looks at
 *   - the newest `maxExecutionsPerAgent` (default 100) of the agent, newest first;
 *   - with query.taskType, only those of that taskType, falling back to all of them when none match.
 *     complexity and technologiesUsed are accepted but not used: records do not store them.
 *   n = executions looked at, S = the successful ones among them.
 *
 * Computation rules
 *   - Which executions teach a duration: one that was cut off from outside (ending `timed_out` by --timeout or
 *     --agent-timeout, or `cancelled`) lasted as long as the limit, not as long as the work: it is left out of
 *     every estimate (and of pattern mining) but still counts as a pitfall and in sampleSize. Records stored
 *     before the ending was recorded get it from their error text (executionEnding()).
 *   - estimatedDuration: over the durations of S (of the executions that failed on their own when none
 *     succeeded; samples 0 when every execution was cut off).
 *     estimated = median (rounded to a whole ms): robust to one slow run, and within 25% of the next run's
 *     duration on the example workspace (bench `learning-accuracy`).
 *     min..max = a 90% prediction interval for the next run, computed on log(1 + duration): durations are
 *     positive and skewed (noise is a factor, not an offset), so logs are close to normal; the half-width is
 *     t(0.95, k-1) * sd * sqrt(1 + 1/k) (Student's t for the unknown spread, sqrt(1 + 1/k) for the unknown
 *     mean): wide with 2 samples, narrowing as runs accumulate. Observed min..max held the next run in 3 of 7
 *     runs; this holds it in >= 80% once 5 runs are recorded (the bench measures it). With one sample the
 *     interval is that sample. Bounds are rounded to whole units and always contain `estimated`.
 *     confidence = round(100 * k/(k+3) * (1 - min(0.5, cv/2))), capped at 95, where k = samples and
 *     cv = standard deviation / mean: it grows with the sample size and shrinks with the spread.
 *   - recommendedApproach: toolSequence = the most frequent non-empty tool sequence in S (ties: the most recent);
 *     support = how many runs of S used it; confidence = support/|S| * 100 scaled by |S|/(|S|+3), i.e.
 *     round(100 * support/(|S|+3)), capped at 95. mcpServers = servers with mcpUsage true in at least half of S.
 *     parallelOpportunities = agents it ran in parallel with in >= 2 runs of S.
 *   - commonPitfalls: failures.errors and failures.bottlenecks of all n, grouped by normalized text (numbers,
 *     paths and long hex ids replaced by placeholders, whitespace collapsed, case ignored); frequency = number of
 *     executions showing it; severity high when frequency >= 50% of n, medium >= 20%, else low; sorted by
 *     frequency, at most 10.
 *   - optimizationTips, only from evidence (never with fewer than 2 supporting runs on each side):
 *       tool_sequence: a sequence with support >= 2 in S whose median duration is >= 20% below the median of S;
 *       mcp_usage: runs of S using a server have a median >= 20% below the runs of S without it (>= 2 each).
 *     confidence = round(100 * k/(k+3)), capped at 95, with k the smaller supporting group; at most 5 tips,
 *     biggest saving first.
 *   - collaborationPatterns: frequentCollaborators = in how many of the n executions each collaborator appears;
 *     effectiveHandoffs = per handoff source, how many executions received a handoff from it and the percentage
 *     of those that succeeded; communicationEfficiency = percentage of executions with messages (sent or
 *     received) that succeeded, 0 when none had messages.
 *   - estimatedUsage: over the executions that used a model (the successful ones when any succeeded), like the
 *     duration: turns, tokens (input + output) and, over those with a known price only, cost in dollars; null
 *     when no execution used a model, costUsd null when none had a known price.
 *   - confidenceScore = round(100 * n/(n+3) * (0.5 + 0.5 * |S|/n)), capped at 95: sample size and success rate.
 *   - minePatterns(): a pattern is a rule "this sequence -> success", shown only when it carries information:
 *       agent_sequence: from repository.sessionAgentSequences; per taskType, the sessions with exactly that agent
 *       order (>= 2 agents);
 *       tool_sequence: per agent with history, its executions (cut-off ones left out) with exactly that sequence.
 *     support = the successful ones; confidence = support / all of them (P(success | sequence));
 *     lift = confidence / the success rate of every session of the taskType (every execution of the agent).
 *     A pattern is returned only when support >= MIN_PATTERN_SUPPORT (3: one run proves nothing), confidence >=
 *     patternConfidenceThreshold (default 70) and lift >= MIN_PATTERN_LIFT (1.1): a sequence every run uses, or
 *     one that succeeds no more often than the rest, has lift 1 and teaches nothing ("Wait -> Write (100%)" of
 *     an agent that always waits then writes). Ids are deterministic (`agent_sequence:<taskType>:<a>><b>`,
 *     `tool_sequence:<agent>:<t1>><t2>`) so re-mining upserts.
 *
 * Performance: the repository hands back at most maxExecutionsPerAgent records, the aggregates are built in a
 * single pass over them, and results are cached per agent + taskType until that agent records again (or
 * invalidate() is called because someone else wrote to the repository).
 */
import type { SessionAgentSequence } from './inMemoryLearningRepository';
import { z } from 'zod';
import { systemClock, type Clock, type LearningRepository } from '../ports';
import {
  type ExecutionEnding,
  ExecutionSummarySchema,
  LearnedPatternSchema,
  LearningRecordSchema,
  type Estimate,
  type ExecutionSummary,
  type LearnedPattern,
  type LearningRecord,
  type LearningsQuery,
  type LearningsQueryResult,
  type UsageEstimate,
} from '../protocol/learning';
import { AgentNameSchema, MessageInputSchema, type MessageInput } from '../protocol/messages';
import { parseOrThrow, ProtocolValidationError } from '../protocol/validation';

/** A full record as a caller may write it: the schema's defaults may be left out. */
export type LearningRecordInput = z.input<typeof LearningRecordSchema>;

export interface LearningSystemOptions {
  repository: LearningRepository;
  /** Persists a validated record (the orchestrator emits a learning.recorded event, which the store applies). */
  persist: (record: LearningRecord) => void;
  /** Optional broadcaster for shareDiscovery (the bus's broadcastMessage bound to it). */
  broadcast?: (from: string, message: MessageInput) => Promise<unknown>;
  clock?: Clock;
  /** Queries look at this many newest executions per agent. Default 100. */
  maxExecutionsPerAgent?: number;
  /** minePatterns returns only patterns at or above this confidence (0-100). Default 70. */
  patternConfidenceThreshold?: number;
  /** minePatterns looks at this many newest finished sessions for agent sequences. Default 1000. */
  maxSessionsForMining?: number;
}

export interface DiscoveryInput {
  pattern: { name: string; type: string };
  context: string;
  confidence: number;
  solution?: string;
  support?: number;
}

export interface LearningStatistics {
  totalExecutions: number;
  agents: number;
  patterns: number;
  cacheHits: number;
  cacheMisses: number;
}

const DiscoverySchema = z.object({
  pattern: z.object({ name: z.string().trim().min(1), type: z.string().trim().min(1) }),
  context: z.string(),
  confidence: z.number().min(0).max(100),
  solution: z.string().optional(),
  support: z.number().int().min(0).optional(),
});

const CONFIDENCE_CAP = 95;
const MINED_TYPES: ReadonlySet<string> = new Set(['agent_sequence', 'tool_sequence']);
/** A mined pattern needs this many successful runs behind it. */
export const MIN_PATTERN_SUPPORT = 3;
/** ...and must succeed this many times more often than runs in general (see minePatterns). */
export const MIN_PATTERN_LIFT = 1.1;
const MAX_PITFALLS = 10;
const MAX_TIPS = 5;
/** A tip needs the faster group to be at least this much faster than the comparison group. */
const MIN_SAVING = 0.2;
/** Distinct taskType queries cached per agent; a caller inventing task types must not grow memory forever. */
const MAX_CACHED_QUERIES_PER_AGENT = 32;
const SEQUENCE_SEPARATOR = '\u0000';
const ARROW = ' → ';

export class AgentLearningSystem {
  readonly #repository: LearningRepository;
  readonly #persist: (record: LearningRecord) => void;
  readonly #broadcast: ((from: string, message: MessageInput) => Promise<unknown>) | undefined;
  readonly #clock: Clock;
  readonly #maxExecutions: number;
  readonly #threshold: number;
  readonly #maxSessions: number;
  /** agent -> (taskType or '' for all) -> frozen result. */
  readonly #cache = new Map<string, Map<string, LearningsQueryResult>>();
  /**
   * Records recorded here that the repository may not show yet (the store applies events asynchronously),
   * newest first; dropped once the repository returns them or they fall out of the query window.
   */
  readonly #pending = new Map<string, LearningRecord[]>();
  /** Last timestamp given to a short-form record per agent, to keep two runs in the same ms distinct. */
  readonly #lastTimestamp = new Map<string, number>();
  /** Patterns this instance mined or was told about, by id, for statistics. */
  readonly #knownPatternIds = new Set<string>();
  #cacheHits = 0;
  #cacheMisses = 0;

  constructor(options: LearningSystemOptions) {
    this.#repository = options.repository;
    this.#persist = options.persist;
    this.#broadcast = options.broadcast;
    this.#clock = options.clock ?? systemClock;
    this.#maxExecutions = positiveInteger(options.maxExecutionsPerAgent ?? 100, 'maxExecutionsPerAgent');
    this.#maxSessions = positiveInteger(options.maxSessionsForMining ?? 1000, 'maxSessionsForMining');
    const threshold = options.patternConfidenceThreshold ?? 70;
    if (!(threshold >= 0 && threshold <= 100)) throw new RangeError('patternConfidenceThreshold must be between 0 and 100');
    this.#threshold = threshold;
  }

  /**
   * Validates an execution (the seed's short form or a full record), persists it and makes it visible to the
   * next query of that agent. Throws ProtocolValidationError naming the bad field.
   */
  recordAgentExecution(agent: string, execution: ExecutionSummary | LearningRecordInput): LearningRecord {
    const name = AgentNameSchema.safeParse(agent);
    if (!name.success) {
      throw new ProtocolValidationError('learning record', [{ path: 'agent', message: name.error.issues[0]?.message ?? 'invalid agent name' }]);
    }
    const record = isFullRecord(execution) ? this.#parseFullRecord(agent, execution) : this.#parseSummary(agent, execution);
    this.#persist(record);
    this.#lastTimestamp.set(agent, Math.max(this.#lastTimestamp.get(agent) ?? 0, record.timestamp));
    const pending = this.#pending.get(agent) ?? [];
    insertNewestFirst(pending, record);
    if (pending.length > this.#maxExecutions) pending.length = this.#maxExecutions;
    this.#pending.set(agent, pending);
    this.#cache.delete(agent);
    return record;
  }

  /** What the agent's past executions teach; see the rules at the top of this file. Results are frozen and shared. */
  queryLearnings(agent: string, query: LearningsQuery = {}): LearningsQueryResult {
    const key = query.taskType ?? '';
    let perAgent = this.#cache.get(agent);
    const cached = perAgent?.get(key);
    if (cached !== undefined) {
      this.#cacheHits++;
      return cached;
    }
    this.#cacheMisses++;
    const all = this.#executions(agent);
    let runs = all;
    if (query.taskType !== undefined) {
      const matching = all.filter((run) => run.taskType === query.taskType);
      if (matching.length > 0) runs = matching;
    }
    const result = deepFreeze(computeLearnings(runs, (run) => this.#alongside(run)));
    if (perAgent === undefined) {
      perAgent = new Map();
      this.#cache.set(agent, perAgent);
    }
    if (perAgent.size >= MAX_CACHED_QUERIES_PER_AGENT) {
      const oldest = perAgent.keys().next();
      if (oldest.done !== true) perAgent.delete(oldest.value);
    }
    perAgent.set(key, result);
    return result;
  }

  estimateDuration(agent: string, taskType?: string): Estimate {
    return this.queryLearnings(agent, taskType === undefined ? {} : { taskType }).estimatedDuration;
  }

  /** Validates a discovery, broadcasts it as PATTERN_DISCOVERED when a broadcaster is set, and returns it as a pattern. */
  async shareDiscovery(agent: string, discovery: DiscoveryInput): Promise<LearnedPattern> {
    const from = parseOrThrow(AgentNameSchema, agent, 'discovery agent');
    const input = parseOrThrow(DiscoverySchema, discovery, 'discovery');
    const pattern = parseOrThrow(
      LearnedPatternSchema,
      {
        // Same agent, type and name is the same discovery: sharing it again updates it.
        id: `discovery:${from}:${input.pattern.type}:${input.pattern.name}`,
        type: input.pattern.type,
        name: input.pattern.name,
        agent: from,
        sequence: [],
        context: input.context,
        // The sharing agent saw it at least once; it may say how often.
        support: input.support ?? 1,
        confidence: input.confidence,
        discoveredAt: this.#clock.now(),
        ...(input.solution === undefined ? {} : { solution: input.solution }),
      },
      'discovered pattern',
    );
    this.#knownPatternIds.add(pattern.id);
    if (this.#broadcast !== undefined) {
      const message = parseOrThrow(
        MessageInputSchema,
        {
          type: 'pattern_discovered',
          priority: 'normal',
          payload: {
            pattern: pattern.name,
            type: pattern.type,
            context: pattern.context,
            confidence: pattern.confidence,
            support: pattern.support,
            ...(pattern.solution === undefined ? {} : { solution: pattern.solution }),
            applicableTo: [],
          },
        },
        'pattern_discovered message',
      );
      await this.#broadcast(from, message);
    }
    return pattern;
  }

  /**
   * Agent-order and tool-sequence patterns mined from stored runs, at or above the confidence threshold.
   * `current` adds the run that is finishing now, which the store lists only once it has completed.
   */
  minePatterns(current?: SessionAgentSequence): LearnedPattern[] {
    const now = this.#clock.now();
    const found: LearnedPattern[] = [];

    const stored = this.#repository.sessionAgentSequences(this.#maxSessions);
    const sessions = current && !stored.some((session) => session.sessionId === current.sessionId) ? [current, ...stored] : stored;
    const taskTypes = new Map<string, SuccessCount>();
    const orders = new Map<string, { taskType: string; agents: string[]; count: SuccessCount }>();
    for (const session of sessions) {
      countRun(taskTypes, session.taskType, session.success);
      if (session.agents.length < 2) continue;
      const key = `${session.taskType}${SEQUENCE_SEPARATOR}${session.agents.join(SEQUENCE_SEPARATOR)}`;
      let entry = orders.get(key);
      if (entry === undefined) {
        entry = { taskType: session.taskType, agents: session.agents, count: { runs: 0, succeeded: 0 } };
        orders.set(key, entry);
      }
      entry.count.runs++;
      if (session.success) entry.count.succeeded++;
    }
    for (const { taskType, agents, count } of orders.values()) {
      const confidence = this.#informativeConfidence(count, taskTypes.get(taskType) as SuccessCount);
      if (confidence === null) continue;
      found.push({
        id: `agent_sequence:${taskType}:${agents.join('>')}`,
        type: 'agent_sequence',
        name: agents.join(ARROW),
        sequence: [...agents],
        context: taskType,
        support: count.succeeded,
        confidence,
        discoveredAt: now,
      });
    }

    for (const agent of this.#agents()) {
      const all: SuccessCount = { runs: 0, succeeded: 0 };
      const bySequence = new Map<string, { tools: string[]; count: SuccessCount }>();
      for (const run of this.#executions(agent)) {
        if (wasCutOff(run)) continue;
        const success = run.outcomes.success;
        all.runs++;
        if (success) all.succeeded++;
        const tools = run.successPatterns.toolSequence;
        if (tools.length === 0) continue;
        const key = tools.join(SEQUENCE_SEPARATOR);
        let entry = bySequence.get(key);
        if (entry === undefined) {
          entry = { tools, count: { runs: 0, succeeded: 0 } };
          bySequence.set(key, entry);
        }
        entry.count.runs++;
        if (success) entry.count.succeeded++;
      }
      for (const { tools, count } of bySequence.values()) {
        const confidence = this.#informativeConfidence(count, all);
        if (confidence === null) continue;
        found.push({
          id: `tool_sequence:${agent}:${tools.join('>')}`,
          type: 'tool_sequence',
          name: tools.join(ARROW),
          agent,
          sequence: [...tools],
          context: `Common tool usage pattern for ${agent}`,
          support: count.succeeded,
          confidence,
          discoveredAt: now,
        });
      }
    }

    for (const pattern of found) this.#knownPatternIds.add(pattern.id);
    return found.sort((a, b) => b.confidence - a.confidence || b.support - a.support || compareText(a.id, b.id));
  }

  /**
   * What is learned now, for views of the whole history (`learnings`): agent orders and tool sequences mined afresh
   * (a stored one may no longer hold, or was stored under older rules), and stored discoveries at or above the
   * confidence threshold.
   */
  learnedPatterns(): LearnedPattern[] {
    const discoveries = this.#repository.patterns().filter((pattern) => !MINED_TYPES.has(pattern.type) && pattern.confidence >= this.#threshold);
    return [...this.minePatterns(), ...discoveries.sort((a, b) => b.confidence - a.confidence || b.support - a.support || compareText(a.id, b.id))];
  }

  /**
   * The confidence (P(success | sequence), a percentage) of a sequence seen in `withSequence` of the `all` runs,
   * or null when it teaches nothing: too little support, below the threshold, or no better than runs in general.
   */
  #informativeConfidence(withSequence: SuccessCount, all: SuccessCount): number | null {
    if (withSequence.succeeded < MIN_PATTERN_SUPPORT || all.succeeded === 0) return null;
    const confidence = withSequence.succeeded / withSequence.runs;
    const lift = confidence / (all.succeeded / all.runs);
    const percent = percentage(withSequence.succeeded, withSequence.runs);
    return percent >= this.#threshold && lift >= MIN_PATTERN_LIFT ? percent : null;
  }

  getStatistics(): LearningStatistics {
    const agents = this.#agents();
    let unconfirmed = 0;
    for (const agent of agents) {
      // Reconciling drops records the repository now shows, so what remains is not counted by it yet.
      if (this.#pending.has(agent)) this.#executions(agent);
      unconfirmed += this.#pending.get(agent)?.length ?? 0;
    }
    const patternIds = new Set(this.#knownPatternIds);
    for (const pattern of this.#repository.patterns()) patternIds.add(pattern.id);
    return {
      totalExecutions: this.#repository.executionCount() + unconfirmed,
      agents: agents.length,
      patterns: patternIds.size,
      cacheHits: this.#cacheHits,
      cacheMisses: this.#cacheMisses,
    };
  }

  /** Forgets cached results (of one agent, or all): for when something else wrote to the repository. */
  invalidate(agent?: string): void {
    if (agent === undefined) this.#cache.clear();
    else this.#cache.delete(agent);
  }

  #parseFullRecord(agent: string, execution: LearningRecordInput): LearningRecord {
    const record = parseOrThrow(LearningRecordSchema, execution, 'learning record');
    if (record.agent !== agent) {
      throw new ProtocolValidationError('learning record', [
        { path: 'agent', message: `record is for "${record.agent}" but was recorded for "${agent}"` },
      ]);
    }
    return record;
  }

  #parseSummary(agent: string, execution: unknown): LearningRecord {
    const summary = parseOrThrow(ExecutionSummarySchema, execution, 'execution summary');
    const timestamp = Math.max(this.#clock.now(), (this.#lastTimestamp.get(agent) ?? -1) + 1);
    return parseOrThrow(
      LearningRecordSchema,
      {
        agent,
        timestamp,
        sessionId: summary.sessionId,
        taskType: summary.taskType ?? 'general',
        successPatterns: {
          toolSequence: summary.toolSequence,
          parallelExecutions: summary.parallelExecutions,
          ...(summary.phase === undefined ? {} : { phase: summary.phase }),
          mcpUsage: summary.mcpUsage,
          duration: summary.duration,
          filesModified: summary.filesModified,
          efficientApproaches: [],
        },
        failures: { errors: summary.errors, bottlenecks: [], missedOptimizations: [], slowOperations: [] },
        discoveries: {
          newPatterns: summary.newPatterns,
          codePatterns: [],
          securityIssues: summary.securityIssues,
          optimizationOpportunities: [],
        },
        collaboration: {
          messagesReceived: summary.messagesReceived,
          messagesSent: summary.messagesSent,
          assistanceRequests: summary.assistanceRequests,
          handoffs: summary.handoffs,
          collaborators: summary.collaborators,
        },
        outcomes: {
          success: summary.success,
          qualityScore: summary.qualityScore ?? null,
          userSatisfaction: null,
          requiresRework: false,
          ending: summary.ending ?? (summary.success ? 'completed' : 'failed'),
        },
        ...(summary.modelUsage ? { modelUsage: summary.modelUsage } : {}),
      },
      'learning record',
    );
  }

  #alongside(run: LearningRecord): { names: readonly string[]; unique: boolean } {
    const listed = run.successPatterns.parallelExecutions;
    const phase = run.successPatterns.phase;
    if (listed.length > 0 || phase === undefined || this.#repository.phaseAgents === undefined) return { names: listed, unique: false };
    return { names: this.#repository.phaseAgents(run.sessionId, phase), unique: true };
  }

  /** Agents known to the repository or recorded here. */
  #agents(): string[] {
    const agents = new Set(this.#repository.agentsWithHistory());
    for (const agent of this.#pending.keys()) agents.add(agent);
    return [...agents];
  }

  /** The newest maxExecutions executions of `agent`, newest first: the repository's, plus recorded ones it lacks. */
  /** The newest executions of `agent` (up to maxExecutionsPerAgent), newest first, including ones not yet stored. */
  recentExecutions(agent: string): readonly LearningRecord[] {
    return this.#executions(agent);
  }

  #executions(agent: string): readonly LearningRecord[] {
    const stored = this.#repository.recentExecutions(agent, this.#maxExecutions);
    const pending = this.#pending.get(agent);
    if (pending === undefined) return stored;
    const full = stored.length >= this.#maxExecutions;
    const oldestStored = stored.length > 0 ? (stored[stored.length - 1] as LearningRecord).timestamp : -Infinity;
    const missing = pending.filter((run) => !(full && run.timestamp < oldestStored) && !containsRecord(stored, run));
    if (missing.length === 0) {
      this.#pending.delete(agent);
      return stored;
    }
    this.#pending.set(agent, missing);
    const merged = [...stored];
    for (const run of missing) insertNewestFirst(merged, run);
    if (merged.length > this.#maxExecutions) merged.length = this.#maxExecutions;
    return merged;
  }
}

interface SuccessCount {
  runs: number;
  succeeded: number;
}

function countRun(counts: Map<string, SuccessCount>, key: string, success: boolean): void {
  let entry = counts.get(key);
  if (entry === undefined) {
    entry = { runs: 0, succeeded: 0 };
    counts.set(key, entry);
  }
  entry.runs++;
  if (success) entry.succeeded++;
}

interface SequenceStats {
  tools: string[];
  durations: number[];
}

/**
 * Who ran alongside `run`: its phase's agents as the repository stores them once per phase, or the list an older
 * record (or a caller) gave. `unique` says the list has no repeats, so counting needs no check for them.
 */
type Alongside = (run: LearningRecord) => { names: readonly string[]; unique: boolean };

/** Every figure of a query result, from `runs` (newest first) in one pass plus work on the small aggregates. */
function computeLearnings(runs: readonly LearningRecord[], alongsideOf: Alongside): LearningsQueryResult {
  const n = runs.length;
  const successDurations: number[] = [];
  const ownFailureDurations: number[] = [];
  const sequences = new Map<string, SequenceStats>();
  const mcpRuns = new Map<string, number>();
  const parallel = new Map<string, number>();
  const pitfalls = new Map<string, { issue: string; frequency: number }>();
  const collaborators = new Map<string, number>();
  const handoffs = new Map<string, { count: number; succeeded: number }>();
  let withMessages = 0;
  let withMessagesSucceeded = 0;

  for (const run of runs) {
    const success = run.outcomes.success;
    const duration = run.successPatterns.duration;
    if (!success && !wasCutOff(run)) ownFailureDurations.push(duration);

    const { errors, bottlenecks } = run.failures;
    if (errors.length + bottlenecks.length > 0) {
      const issuesInRun: string[] = [];
      for (const text of errors) addIssue(issuesInRun, pitfalls, text);
      for (const text of bottlenecks) addIssue(issuesInRun, pitfalls, text);
    }

    countOncePerRun(collaborators, run.collaboration.collaborators);
    const received = run.collaboration.handoffs;
    for (let i = 0; i < received.length; i++) {
      const from = (received[i] as { from: string }).from;
      let repeated = false;
      for (let j = 0; j < i && !repeated; j++) repeated = (received[j] as { from: string }).from === from;
      if (repeated) continue;
      const entry = handoffs.get(from);
      if (entry === undefined) handoffs.set(from, { count: 1, succeeded: success ? 1 : 0 });
      else {
        entry.count++;
        if (success) entry.succeeded++;
      }
    }
    if (run.collaboration.messagesSent + run.collaboration.messagesReceived > 0) {
      withMessages++;
      if (success) withMessagesSucceeded++;
    }

    if (!success) continue;
    successDurations.push(duration);
    const tools = run.successPatterns.toolSequence;
    if (tools.length > 0) {
      const key = tools.join(SEQUENCE_SEPARATOR);
      const entry = sequences.get(key);
      if (entry === undefined) sequences.set(key, { tools, durations: [duration] });
      else entry.durations.push(duration);
    }
    const mcpUsage = run.successPatterns.mcpUsage;
    for (const server in mcpUsage) {
      if (mcpUsage[server] === true) mcpRuns.set(server, (mcpRuns.get(server) ?? 0) + 1);
    }
    const alongside = alongsideOf(run);
    const names = alongside.names;
    for (let i = 0; i < names.length; i++) {
      const name = names[i] as string;
      if (name !== run.agent && (alongside.unique || firstOccurrence(names, name, i))) parallel.set(name, (parallel.get(name) ?? 0) + 1);
    }
  }

  const successes = successDurations.length;
  const estimateBase = successes > 0 ? successDurations : ownFailureDurations;
  const sortedSuccess = [...successDurations].sort(byNumber);
  const overallMedian = median(sortedSuccess);

  // Map iteration follows first sight, and runs are newest first, so strict > keeps the most recent on ties.
  let best: SequenceStats | undefined;
  for (const entry of sequences.values()) {
    if (best === undefined || entry.durations.length > best.durations.length) best = entry;
  }
  const support = best?.durations.length ?? 0;

  const tips: { saving: number; tip: { type: string; tip: string; confidence: number } }[] = [];
  if (successes > 0) {
    for (const entry of sequences.values()) {
      const k = entry.durations.length;
      if (k < 2) continue;
      const saving = 1 - median(entry.durations.sort(byNumber)) / overallMedian;
      if (saving < MIN_SAVING) continue;
      tips.push({
        saving,
        tip: {
          type: 'tool_sequence',
          tip: `Sequence ${entry.tools.join(ARROW)} is ~${Math.round(saving * 100)}% faster (n=${k})`,
          confidence: sizeConfidence(k),
        },
      });
    }
    for (const server of mcpRuns.keys()) {
      const withServer: number[] = [];
      const without: number[] = [];
      for (const run of runs) {
        if (!run.outcomes.success) continue;
        (run.successPatterns.mcpUsage[server] === true ? withServer : without).push(run.successPatterns.duration);
      }
      if (withServer.length < 2 || without.length < 2) continue;
      const saving = 1 - median(withServer.sort(byNumber)) / median(without.sort(byNumber));
      if (saving < MIN_SAVING) continue;
      tips.push({
        saving,
        tip: {
          type: 'mcp_usage',
          tip: `Runs using ${server} are ~${Math.round(saving * 100)}% faster (n=${withServer.length} with, ${without.length} without)`,
          confidence: sizeConfidence(Math.min(withServer.length, without.length)),
        },
      });
    }
  }
  tips.sort((a, b) => b.saving - a.saving);

  return {
    recommendedApproach: {
      toolSequence: best === undefined ? [] : [...best.tools],
      support,
      mcpServers: sortedByCount(mcpRuns, (count) => count * 2 >= successes),
      parallelOpportunities: sortedByCount(parallel, (count) => count >= 2),
      confidence: successes === 0 ? 0 : Math.min(CONFIDENCE_CAP, Math.round((100 * support) / (successes + 3))),
    },
    commonPitfalls: [...pitfalls.values()]
      .sort((a, b) => b.frequency - a.frequency || compareText(a.issue, b.issue))
      .slice(0, MAX_PITFALLS)
      .map(({ issue, frequency }) => ({
        issue,
        frequency,
        severity: frequency * 2 >= n ? 'high' : frequency * 5 >= n ? 'medium' : 'low',
      })),
    optimizationTips: tips.slice(0, MAX_TIPS).map(({ tip }) => tip),
    collaborationPatterns: {
      frequentCollaborators: Object.fromEntries(sortedByCount(collaborators, () => true).map((name) => [name, collaborators.get(name) ?? 0])),
      effectiveHandoffs: [...handoffs.entries()]
        .map(([from, { count, succeeded }]) => ({ from, count, successRate: percentage(succeeded, count) }))
        .sort((a, b) => b.count - a.count || compareText(a.from, b.from)),
      communicationEfficiency: percentage(withMessagesSucceeded, withMessages),
    },
    estimatedDuration: estimate(estimateBase),
    estimatedUsage: estimateUsage(runs),
    confidenceScore: n === 0 ? 0 : Math.min(CONFIDENCE_CAP, Math.round(100 * (n / (n + 3)) * (0.5 + (0.5 * successes) / n))),
    sampleSize: n,
  };
}

function estimateUsage(runs: readonly LearningRecord[]): UsageEstimate | null {
  // A cut-off model run stopped mid-conversation: its turns and tokens say nothing of a whole run's.
  const withModel = runs.filter((run) => run.modelUsage && !wasCutOff(run));
  if (withModel.length === 0) return null;
  const succeeded = withModel.filter((run) => run.outcomes.success);
  const base = (succeeded.length > 0 ? succeeded : withModel).map((run) => run.modelUsage as NonNullable<LearningRecord['modelUsage']>);
  const priced = base.flatMap((usage) => (usage.costUsd === null ? [] : [usage.costUsd]));
  return {
    turns: estimate(base.map((usage) => usage.turns)),
    tokens: estimate(base.map((usage) => usage.inputTokens + usage.outputTokens)),
    costUsd: priced.length === 0 ? null : estimateScaled(priced, MICRODOLLARS),
  };
}

const MICRODOLLARS = 1_000_000;

/** `estimate` rounds to whole units: dollars are estimated in millionths and scaled back. */
function estimateScaled(values: readonly number[], scale: number): Estimate {
  const scaled = estimate(values.map((value) => value * scale));
  return { ...scaled, estimated: scaled.estimated / scale, min: Math.round(scaled.min) / scale, max: Math.round(scaled.max) / scale };
}

function estimate(values: readonly number[]): Estimate {
  const k = values.length;
  if (k === 0) return { estimated: 0, min: 0, max: 0, confidence: 0, samples: 0 };
  const sorted = [...values].sort(byNumber);
  let sum = 0;
  for (const d of sorted) sum += d;
  const mean = sum / k;
  let squares = 0;
  for (const d of sorted) squares += (d - mean) ** 2;
  const cv = mean > 0 ? Math.sqrt(squares / k) / mean : 0;
  const estimated = Math.round(median(sorted));
  const { low, high } = predictionInterval(sorted);
  return {
    estimated,
    min: Math.max(0, Math.min(estimated, Math.round(low))),
    max: Math.max(estimated, Math.round(high)),
    confidence: Math.min(CONFIDENCE_CAP, Math.round(100 * (k / (k + 3)) * (1 - Math.min(0.5, cv / 2)))),
    samples: k,
  };
}

/**
 * A 90% prediction interval for the next value, on log(1 + value) (see the rules at the top of this file). With
 * one value there is no spread to go by: the interval is that value.
 */
export function predictionInterval(values: readonly number[]): { low: number; high: number } {
  const k = values.length;
  if (k === 0) return { low: 0, high: 0 };
  const logs = values.map((value) => Math.log1p(Math.max(0, value)));
  let sum = 0;
  for (const y of logs) sum += y;
  const mean = sum / k;
  if (k === 1) return { low: values[0] as number, high: values[0] as number };
  let squares = 0;
  for (const y of logs) squares += (y - mean) ** 2;
  const sd = Math.sqrt(squares / (k - 1));
  const half = studentT95(k - 1) * sd * Math.sqrt(1 + 1 / k);
  return { low: Math.max(0, Math.expm1(mean - half)), high: Math.expm1(mean + half) };
}

/** One-sided 95% quantiles of Student's t (two-sided 90%) for 1..30 degrees of freedom. */
const T95 = [6.314, 2.92, 2.353, 2.132, 2.015, 1.943, 1.895, 1.86, 1.833, 1.812, 1.796, 1.782, 1.771, 1.761, 1.753, 1.746, 1.74, 1.734, 1.729, 1.725, 1.721, 1.717, 1.714, 1.711, 1.708, 1.706, 1.703, 1.701, 1.699, 1.697];

function studentT95(degreesOfFreedom: number): number {
  if (degreesOfFreedom <= T95.length) return T95[degreesOfFreedom - 1] as number;
  // Past 30 the quantile creeps towards the normal's 1.645; the next tabulated value is never exceeded.
  return degreesOfFreedom <= 40 ? 1.697 : degreesOfFreedom <= 60 ? 1.684 : degreesOfFreedom <= 120 ? 1.671 : 1.658;
}

/** How `run` ended; records stored before the ending was kept get it from their error text. */
export function executionEnding(run: LearningRecord): ExecutionEnding {
  const recorded = run.outcomes.ending;
  if (recorded !== undefined) return recorded;
  if (run.outcomes.success) return 'completed';
  for (const error of run.failures.errors) {
    // The orchestrator's own wording for an agent's and a run's limit (runErrors.ts, agentScheduler.ts).
    if (/did not finish within its \d+ ms timeout|The run exceeded its \d+ ms timeout/.test(error)) return 'timed_out';
    if (/^The run was cancelled/.test(error)) return 'cancelled';
  }
  return 'failed';
}

/** Whether the execution was stopped from outside (a time limit or the user) rather than ending on its own. */
export function wasCutOff(run: LearningRecord): boolean {
  const ending = executionEnding(run);
  return ending === 'timed_out' || ending === 'cancelled';
}

/** Counts `text` once per execution under its normalized form; the first (newest) wording seen is shown. */
function addIssue(seenInRun: string[], pitfalls: Map<string, { issue: string; frequency: number }>, text: string): void {
  const issue = normalizeIssue(text);
  if (issue.length === 0) return;
  const key = issue.toLowerCase();
  // A run lists a handful of errors at most: a scan beats allocating a Set per run.
  if (seenInRun.includes(key)) return;
  seenInRun.push(key);
  const entry = pitfalls.get(key);
  if (entry === undefined) pitfalls.set(key, { issue, frequency: 1 });
  else entry.frequency++;
}

/** Error texts repeat a lot; remembering their normalized form keeps a cold query cheap. */
const normalizedIssues = new Map<string, string>();
const MAX_NORMALIZED_MEMO = 10_000;

/** The same mistake with another file, line or count is the same pitfall. */
export function normalizeIssue(text: string): string {
  const memo = normalizedIssues.get(text);
  if (memo !== undefined) return memo;
  const normalized = text
    .replace(/(?:[A-Za-z]:)?[\w.@~-]*(?:[\\/][\w.@~-]*)+/g, (token) => (looksLikePath(token) ? '<path>' : token))
    .replace(/\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b/gi, '<id>')
    .replace(/\b0x[0-9a-f]+\b|\b[0-9a-f]{8,}\b/gi, '<id>')
    .replace(/\d+(?:\.\d+)?/g, '<n>')
    .replace(/\s+/g, ' ')
    .trim();
  if (normalizedIssues.size >= MAX_NORMALIZED_MEMO) normalizedIssues.clear();
  normalizedIssues.set(text, normalized);
  return normalized;
}

/** "src/a.ts", "./x", "/tmp/y", "C:\\w\\z" are paths; "and/or" or "input/output" are words. */
function looksLikePath(token: string): boolean {
  if (/^(?:[A-Za-z]:|\.{0,2}[\\/]|~)/.test(token) || /\.[A-Za-z0-9]{1,6}$/.test(token)) return true;
  let separators = 0;
  for (const char of token) if (char === '/' || char === '\\') separators++;
  return separators >= 2;
}

function isFullRecord(value: unknown): value is LearningRecordInput {
  return typeof value === 'object' && value !== null && ('successPatterns' in value || 'outcomes' in value);
}

/**
 * Whether `list` holds `record` (same sessionId and timestamp). A linear scan comparing numbers first: pending is
 * usually one record, and building a key set of the whole window on every cold query cost more than the query.
 */
function containsRecord(list: readonly LearningRecord[], record: LearningRecord): boolean {
  for (const candidate of list) {
    if (candidate.timestamp === record.timestamp && candidate.sessionId === record.sessionId) return true;
  }
  return false;
}

/** Inserts into a newest-first list; records nearly always arrive newest, so this is usually an unshift. */
function insertNewestFirst(list: LearningRecord[], record: LearningRecord): void {
  let index = 0;
  while (index < list.length && (list[index] as LearningRecord).timestamp > record.timestamp) index++;
  list.splice(index, 0, record);
}

/** Whether values[index] is the first occurrence of `value`: counts a name once per run without a Set per run. */
function firstOccurrence(values: readonly string[], value: string, index: number): boolean {
  for (let i = 0; i < index; i++) if (values[i] === value) return false;
  return true;
}

/** A scan is quadratic: past this many names a Set is cheaper (records stored before lists were bounded hold 999). */
const SCAN_LIMIT = 16;

/** Adds one to the count of each distinct name of `names` (a name listed twice in one run counts once). */
function countOncePerRun(counts: Map<string, number>, names: readonly string[]): void {
  if (names.length <= SCAN_LIMIT) {
    for (let i = 0; i < names.length; i++) {
      const name = names[i] as string;
      if (firstOccurrence(names, name, i)) counts.set(name, (counts.get(name) ?? 0) + 1);
    }
    return;
  }
  for (const name of new Set(names)) counts.set(name, (counts.get(name) ?? 0) + 1);
}

function sortedByCount(counts: ReadonlyMap<string, number>, keep: (count: number) => boolean): string[] {
  return [...counts.entries()]
    .filter(([, count]) => keep(count))
    .sort((a, b) => b[1] - a[1] || compareText(a[0], b[0]))
    .map(([name]) => name);
}

function median(sorted: readonly number[]): number {
  const k = sorted.length;
  if (k === 0) return 0;
  const middle = Math.floor(k / 2);
  return k % 2 === 1 ? (sorted[middle] as number) : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}

function sizeConfidence(k: number): number {
  return Math.min(CONFIDENCE_CAP, Math.round((100 * k) / (k + 3)));
}

function percentage(part: number, whole: number): number {
  return whole === 0 ? 0 : Math.round((100 * part) / whole);
}

function byNumber(a: number, b: number): number {
  return a - b;
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function positiveInteger(value: number, name: string): number {
  if (!Number.isInteger(value) || value < 1) throw new RangeError(`${name} must be a positive integer`);
  return value;
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}
