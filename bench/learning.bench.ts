// Learning queries at scale: queryLearnings p50/p99 with 10k and 100k stored executions (20 agents, varied tool
// sequences, durations, errors, MCP usage and collaboration). Two cases:
//   cold: the agent has just recorded an execution (its cache is invalid), then it is queried — the orchestrator's
//         pattern, since every agent start follows earlier records;
//   warm: the same agent + taskType is queried again (cached).
// Baseline: a bare repository.recentExecutions(agent, 100) in the same run, i.e. the cost of just fetching the
// rows the query computes from. createLearningBench takes a repository factory, so the same bench runs against
// the sql.js SessionStore by passing a factory that opens one.
import { performance } from 'node:perf_hooks';
import { AgentLearningSystem } from '../src/core/learning/agentLearningSystem';
import { InMemoryLearningRepository } from '../src/core/learning/inMemoryLearningRepository';
import type { LearningRepository } from '../src/core/ports';
import type { LearningRecord } from '../src/core/protocol/learning';
import { percentile, type Bench, type BenchRow } from './harness';

/** A repository under test and how records reach it (in the product: a learning.recorded event the store applies). */
export interface LearningBenchTarget {
  repository: LearningRepository;
  persist(record: LearningRecord): void;
  /** Optional faster bulk load for the initial history; persist is used for each record otherwise. */
  load?(records: readonly LearningRecord[]): void | Promise<void>;
  close?(): void | Promise<void>;
}

export type LearningBenchTargetFactory = () => LearningBenchTarget | Promise<LearningBenchTarget>;

export interface LearningBenchOptions {
  /** Stored executions before measuring. Default [10_000, 100_000]. */
  sizes?: readonly number[];
  /** Default 20. */
  agents?: number;
  /** Measured cold queries per size (each after a fresh record). Default 10_000. */
  coldSamples?: number;
  /** Measured warm queries per size. Default 50_000. */
  warmSamples?: number;
  /** Label of the repository in row names. Default "in-memory". */
  label?: string;
}

const TASK_TYPES = ['security-fix', 'api-creation', 'refactor', 'documentation'] as const;
const TOOL_SEQUENCES: readonly (readonly string[])[] = [
  ['Read', 'Edit', 'Write'],
  ['Grep', 'Read', 'Edit'],
  ['Read', 'Edit'],
  ['Glob', 'Read', 'Grep', 'Edit', 'Write'],
  ['Read', 'Bash', 'Edit', 'Bash'],
  ['mcp:postgres.query', 'Read', 'Edit'],
  ['Read'],
  ['Grep', 'Grep', 'Read', 'Edit', 'Write', 'Bash'],
];
const ERRORS = [
  (i: number) => `Timeout after ${1000 + (i % 9000)}ms reading src/module${i % 50}/index.ts`,
  (i: number) => `Test failed: expected ${i % 7} to equal ${(i % 7) + 1}`,
  () => 'Prisma client not generated',
  (i: number) => `ENOENT: no such file apps/web/src/${i % 300}.tsx`,
  (i: number) => `Port ${3000 + (i % 5)} already in use`,
];
const MCP_SERVERS = ['PostgreSQL MCP', 'GitHub MCP', 'Playwright MCP'];
const WARMUP_QUERIES = 2000;
const EXECUTIONS_PER_AGENT = 100;

/** Deterministic PRNG (mulberry32) so every run measures the same history. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function agentNames(count: number): string[] {
  return Array.from({ length: count }, (_, i) => `agent-${String(i).padStart(2, '0')}`);
}

/** `count` executions spread over the agents, in time order, each a complete record as the store holds it. */
export function generateHistory(count: number, agents: readonly string[], seed = 42): LearningRecord[] {
  const next = random(seed);
  const records: LearningRecord[] = new Array<LearningRecord>(count);
  for (let i = 0; i < count; i++) {
    const agent = agents[i % agents.length] as string;
    const sequenceIndex = Math.floor(next() * TOOL_SEQUENCES.length);
    const success = next() < 0.8;
    const errors: string[] = [];
    if (!success) errors.push((ERRORS[Math.floor(next() * ERRORS.length)] as (i: number) => string)(i));
    if (next() < 0.1) errors.push((ERRORS[Math.floor(next() * ERRORS.length)] as (i: number) => string)(i + 1));
    const mcpUsage: Record<string, boolean> = {};
    for (const server of MCP_SERVERS) if (next() < 0.4) mcpUsage[server] = true;
    const collaborators = agents.filter(() => next() < 0.1);
    records[i] = {
      agent,
      timestamp: 1_700_000_000_000 + i,
      sessionId: `session_${Math.floor(i / agents.length)}`,
      taskType: TASK_TYPES[Math.floor(next() * TASK_TYPES.length)] as string,
      successPatterns: {
        toolSequence: [...(TOOL_SEQUENCES[sequenceIndex] as readonly string[])],
        parallelExecutions: collaborators.slice(0, 2),
        mcpUsage,
        // Sequence-dependent base plus noise, so tips have something real to find.
        duration: Math.round(2000 + sequenceIndex * 700 + next() * 4000),
        filesModified: [`src/file${i % 40}.ts`],
        efficientApproaches: [],
      },
      failures: { errors, bottlenecks: next() < 0.05 ? [`Waiting ${Math.floor(next() * 60)}s for a handoff`] : [], missedOptimizations: [], slowOperations: [] },
      discoveries: { newPatterns: [], codePatterns: [], securityIssues: [], optimizationOpportunities: [] },
      collaboration: {
        messagesReceived: Math.floor(next() * 4),
        messagesSent: Math.floor(next() * 4),
        assistanceRequests: 0,
        handoffs: collaborators.length > 0 ? [{ from: collaborators[0] as string, timestamp: 1_700_000_000_000 + i - 1 }] : [],
        collaborators,
      },
      outcomes: { success, qualityScore: success ? 70 + Math.floor(next() * 30) : null, userSatisfaction: null, requiresRework: false },
    };
  }
  return records;
}

function micros(start: number, end: number): number {
  return (end - start) * 1000;
}

function sorted(samples: number[]): number[] {
  return samples.sort((a, b) => a - b);
}

function rows(label: string, samples: readonly number[], baseline: readonly number[], baselineName: string, note?: string): BenchRow[] {
  return [50, 99].map((p) => ({
    name: `${label} p${p}`,
    value: Number(percentile(samples, p).toFixed(2)),
    unit: 'µs',
    baseline: { name: `${baselineName} p${p}`, value: Number(percentile(baseline, p).toFixed(2)) },
    ...(note === undefined ? {} : { note }),
  }));
}

/** The learning bench against repositories made by `factory` (a fresh one per size). */
export function createLearningBench(factory: LearningBenchTargetFactory, options: LearningBenchOptions = {}): Bench {
  const sizes = options.sizes ?? [10_000, 100_000];
  const agents = agentNames(options.agents ?? 20);
  const coldSamples = options.coldSamples ?? 10_000;
  const warmSamples = options.warmSamples ?? 50_000;
  const label = options.label ?? 'in-memory';

  return async () => {
    const result: BenchRow[] = [];
    for (const size of sizes) {
      const target = await factory();
      try {
        const history = generateHistory(size, agents);
        if (target.load !== undefined) await target.load(history);
        else for (const record of history) target.persist(record);
        const stored = target.repository.executionCount();
        if (stored < size) throw new Error(`repository holds ${stored} of ${size} executions`);

        const system = new AgentLearningSystem({
          repository: target.repository,
          persist: (record) => target.persist(record),
          maxExecutionsPerAgent: EXECUTIONS_PER_AGENT,
        });
        const next = random(7);
        const pick = (): string => agents[Math.floor(next() * agents.length)] as string;
        const taskType = (): string => TASK_TYPES[Math.floor(next() * TASK_TYPES.length)] as string;

        const baseline: number[] = [];
        for (let i = 0; i < WARMUP_QUERIES + coldSamples; i++) {
          const agent = pick();
          const start = performance.now();
          target.repository.recentExecutions(agent, EXECUTIONS_PER_AGENT);
          const end = performance.now();
          if (i >= WARMUP_QUERIES) baseline.push(micros(start, end));
        }
        sorted(baseline);

        const cold: number[] = [];
        const record: number[] = [];
        for (let i = 0; i < WARMUP_QUERIES + coldSamples; i++) {
          const agent = pick();
          const type = taskType();
          const index = Math.floor(next() * TOOL_SEQUENCES.length);
          const recordStart = performance.now();
          system.recordAgentExecution(agent, {
            sessionId: `bench_${size}_${i}`,
            taskType: type,
            duration: Math.round(2000 + index * 700 + next() * 4000),
            toolSequence: [...(TOOL_SEQUENCES[index] as readonly string[])],
            success: next() < 0.8,
            errors: next() < 0.2 ? [(ERRORS[i % ERRORS.length] as (i: number) => string)(i)] : [],
            collaborators: [pick()],
            messagesSent: 1,
          });
          const start = performance.now();
          system.queryLearnings(agent, { taskType: type });
          const end = performance.now();
          if (i >= WARMUP_QUERIES) {
            record.push(micros(recordStart, start));
            cold.push(micros(start, end));
          }
        }
        sorted(cold);
        sorted(record);

        const warm: number[] = [];
        const agent = pick();
        const type = taskType();
        system.queryLearnings(agent, { taskType: type });
        for (let i = 0; i < WARMUP_QUERIES + warmSamples; i++) {
          const start = performance.now();
          system.queryLearnings(agent, { taskType: type });
          const end = performance.now();
          if (i >= WARMUP_QUERIES) warm.push(micros(start, end));
        }
        sorted(warm);

        const at = `@${size / 1000}k ${label}`;
        const base = `repository.recentExecutions(100) ${at}`;
        result.push(...rows(`learning query cold (just recorded) ${at}`, cold, baseline, base, 'target p99 < 1000 µs'));
        result.push(...rows(`learning query warm (cached) ${at}`, warm, baseline, base));
        result.push(...rows(`learning record (validate + persist) ${at}`, record, baseline, base, 'not part of the query; for scale'));
      } finally {
        await target.close?.();
      }
    }
    return result;
  };
}

/** The bench over the in-memory repository. */
export const learningBench: Bench = createLearningBench(() => {
  const repository = new InMemoryLearningRepository();
  return {
    repository,
    persist: (record) => {
      repository.add(record);
    },
  };
});
