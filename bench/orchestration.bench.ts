// Orchestration figures, against baselines measured (or, where said, stated) in the same run:
//   (a) overhead per agent: ExecutionOrchestrator.executeRequest with N trivial agents (runtimes that return at
//       once), over the in-memory MemoryStore and over the real sql.js SessionStore in a temp folder. The whole
//       run's wall time (plan, events, log/dashboard/report files, learning records and pattern mining) is divided
//       by N. Baseline: awaiting the same N run functions directly, without the orchestrator. A second row sets the
//       same figure against a nominal LLM call of 1000 ms — a stated constant, not a measurement — for scale.
//   (b) makespan vs critical path: a staged DAG of agents that sleep known durations; the measured makespan at
//       maxParallelAgents = 5 against the DAG's critical path, and at maxParallelAgents = 1 against the plain sum.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { ExecutionOrchestrator } from '../src/core/orchestrator/executionOrchestrator';
import type { AgentContext, AgentOutcome, AgentRuntime } from '../src/core/orchestrator/agentRuntime';
import type { AgentStage, PlannableAgent } from '../src/core/planning/planner';
import type { EventJournal, LearningRepository, WorkspaceFiles } from '../src/core/ports';
import { OrchestratorConfigSchema } from '../src/core/protocol/config';
import { SessionStore } from '../src/core/store/sessionStore';
import { MemoryStore } from '../test/helpers/memoryStore';
import { percentile, type Bench, type BenchRow } from './harness';

type Store = EventJournal & LearningRepository;

interface StoreKind {
  label: string;
  open(root: string): Promise<{ store: Store; close(): Promise<void> }>;
}

const STORES: readonly StoreKind[] = [
  {
    label: 'MemoryStore',
    open: async () => ({ store: new MemoryStore(), close: async () => {} }),
  },
  {
    label: 'sql.js SessionStore',
    open: async (root) => {
      // Default snapshot debounce, as the product runs it.
      const store = await SessionStore.open({ dir: path.join(root, '.agent-orchestrator'), mode: 'write' });
      return { store, close: () => store.close() };
    },
  },
];

const REQUEST = 'review the code';
const CAPABILITY = 'code_review';
const OVERHEAD_SIZES = [10, 50] as const;
const OVERHEAD_WARMUP_RUNS = 2;
const OVERHEAD_RUNS = 7;
const DIRECT_ROUNDS = 2000;
const NOMINAL_LLM_CALL_MS = 1000;
const MAKESPAN_RUNS = 3;

const workspace: WorkspaceFiles = {
  root: '/nonexistent-workspace',
  listFiles: async () => [],
  readFile: async (file) => {
    throw new Error(`no ${file}`);
  },
  writeFile: async () => {},
  exists: async () => false,
  resolve: (file) => `/nonexistent-workspace/${file}`,
};

function rosterEntry(name: string, stage: AgentStage): PlannableAgent {
  return { name, description: `${name} (bench)`, capabilities: [CAPABILITY], stage, runtime: 'offline', model: null };
}

function runtime(name: string, run: (context: AgentContext) => Promise<AgentOutcome>): AgentRuntime {
  return { name, capabilities: [CAPABILITY], run };
}

function median(values: readonly number[]): number {
  return percentile([...values].sort((a, b) => a - b), 50);
}

function round(value: number, digits: number): number {
  return Number(value.toFixed(digits));
}

function orchestrator(store: Store, roster: readonly PlannableAgent[], runtimes: readonly AgentRuntime[], logDir: string, maxParallelAgents: number): ExecutionOrchestrator {
  const config = OrchestratorConfigSchema.parse({ orchestration: { maxParallelAgents, agentTimeout: 60_000 } });
  return new ExecutionOrchestrator({ workspace, store, roster, runtimes, config, logDir });
}

/** Runs the request once; returns its wall time in ms and the number of events it produced. */
async function timedRun(target: ExecutionOrchestrator): Promise<{ ms: number; events: number }> {
  let events = 0;
  const start = performance.now();
  const result = await target.executeRequest(REQUEST, { onEvent: () => void events++ });
  const ms = performance.now() - start;
  if (!result.success) throw new Error(`bench run failed: ${result.error ?? result.status}`);
  return { ms, events };
}

// ---- (a) overhead per agent ------------------------------------------------------------------------------

const STAGES: readonly AgentStage[] = ['analysis', 'implementation', 'verification', 'documentation'];

function trivialAgents(count: number): { names: string[]; roster: PlannableAgent[]; runtimes: AgentRuntime[] } {
  const names = Array.from({ length: count }, (_, i) => `trivial-${String(i).padStart(2, '0')}`);
  return {
    names,
    // Spread over the stages, so the run has dependencies to schedule, not just one wide phase.
    roster: names.map((name, i) => rosterEntry(name, STAGES[i % STAGES.length] as AgentStage)),
    runtimes: names.map((name) => runtime(name, trivialRun)),
  };
}

/** What a trivial agent does: nothing but answer. It reads only the agent's name from its context. */
type TrivialRun = (context: Pick<AgentContext, 'agent'>) => Promise<AgentOutcome>;

const trivialRun: TrivialRun = async (context) => ({ summary: `${context.agent} done` });

/** ms per agent of awaiting the same run function once per agent, with no orchestrator around it. */
async function directCallMsPerAgent(names: readonly string[]): Promise<number> {
  const contexts = names.map((agent) => ({ agent }));
  const rounds: number[] = [];
  for (let round = 0; round < DIRECT_ROUNDS; round++) {
    const start = performance.now();
    for (const context of contexts) await trivialRun(context);
    rounds.push((performance.now() - start) / contexts.length);
  }
  return median(rounds.slice(DIRECT_ROUNDS / 10));
}

async function overheadRows(root: string): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  for (const kind of STORES) {
    const perSize = new Map<number, number>();
    for (const size of OVERHEAD_SIZES) {
      const dir = fs.mkdtempSync(path.join(root, 'overhead-'));
      const { store, close } = await kind.open(dir);
      try {
        const { names, roster, runtimes } = trivialAgents(size);
        const target = orchestrator(store, roster, runtimes, path.join(dir, 'logs'), 5);
        const plan = target.plan(REQUEST);
        if (plan.agents.length !== size) throw new Error(`planned ${plan.agents.length} of ${size} agents`);
        for (let i = 0; i < OVERHEAD_WARMUP_RUNS; i++) await timedRun(target);
        const times: number[] = [];
        let events = 0;
        for (let i = 0; i < OVERHEAD_RUNS; i++) {
          const run = await timedRun(target);
          times.push(run.ms);
          events = run.events;
        }
        await target.shutdown();
        const runMs = median(times);
        const perAgent = runMs / size;
        perSize.set(size, runMs);
        const direct = await directCallMsPerAgent(names);
        const label = `orchestration overhead per agent (N=${size}, ${kind.label})`;
        const where = `median of ${OVERHEAD_RUNS} runs after ${OVERHEAD_WARMUP_RUNS} warm-up; whole run ${round(runMs, 1)} ms, ${events} events, maxParallelAgents 5, 3 stages`;
        rows.push({
          name: label,
          value: round(perAgent, 3),
          unit: 'ms',
          baseline: { name: 'awaiting the same run function directly, per agent', value: round(direct, 5) },
          note: `${where}; run wall time / N`,
        });
        rows.push({
          name: `${label} vs LLM call`,
          value: round(perAgent, 3),
          unit: 'ms',
          baseline: { name: `nominal LLM call (a stated constant ${NOMINAL_LLM_CALL_MS} ms, not measured)`, value: NOMINAL_LLM_CALL_MS },
          note: 'for scale only: the baseline is not a measurement',
        });
      } finally {
        await close();
      }
    }
    const small = perSize.get(OVERHEAD_SIZES[0]);
    const large = perSize.get(OVERHEAD_SIZES[1]);
    if (small !== undefined && large !== undefined) {
      const marginal = (large - small) / (OVERHEAD_SIZES[1] - OVERHEAD_SIZES[0]);
      rows.push({
        name: `orchestration marginal cost per added agent (N=${OVERHEAD_SIZES[0]}->${OVERHEAD_SIZES[1]}, ${kind.label})`,
        value: round(marginal, 3),
        unit: 'ms',
        baseline: { name: `run wall time / N at N=${OVERHEAD_SIZES[0]}`, value: round(small / OVERHEAD_SIZES[0], 3) },
        note: 'slope between the two run sizes: the per-run fixed cost (plan, files, report) cancels out',
      });
    }
  }
  return rows;
}

// ---- (b) makespan vs critical path ------------------------------------------------------------------------

/** A staged DAG: every agent depends on all agents of the nearest earlier stage (the planner's rule). */
const DAG: readonly { name: string; stage: AgentStage; ms: number }[] = [
  { name: 'scan-a', stage: 'analysis', ms: 80 },
  { name: 'scan-b', stage: 'analysis', ms: 120 },
  { name: 'scan-c', stage: 'analysis', ms: 40 },
  { name: 'impl-a', stage: 'implementation', ms: 150 },
  { name: 'impl-b', stage: 'implementation', ms: 60 },
  { name: 'verify-a', stage: 'verification', ms: 100 },
  { name: 'verify-b', stage: 'verification', ms: 70 },
  { name: 'docs', stage: 'documentation', ms: 50 },
];

/** Verification and documentation share a level, as in the planner. */
const LEVEL: Record<AgentStage, number> = { analysis: 0, implementation: 1, verification: 2, documentation: 2 };

function criticalPathMs(): number {
  const longest = new Map<number, number>();
  for (const node of DAG) longest.set(LEVEL[node.stage], Math.max(longest.get(LEVEL[node.stage]) ?? 0, node.ms));
  return [...longest.values()].reduce((sum, ms) => sum + ms, 0);
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener(
      'abort',
      () => {
        clearTimeout(timer);
        reject(signal.reason);
      },
      { once: true },
    );
  });
}

async function makespanRows(root: string): Promise<BenchRow[]> {
  const roster = DAG.map((node) => rosterEntry(node.name, node.stage));
  const runtimes = DAG.map((node) =>
    runtime(node.name, async (context) => {
      await sleep(node.ms, context.signal);
      return { summary: `${node.name} slept ${node.ms} ms` };
    }),
  );
  const critical = criticalPathMs();
  const sum = DAG.reduce((total, node) => total + node.ms, 0);
  const rows: BenchRow[] = [];
  for (const kind of STORES) {
    const dir = fs.mkdtempSync(path.join(root, 'makespan-'));
    const { store, close } = await kind.open(dir);
    try {
      for (const [parallel, baselineName, baselineMs] of [
        [5, 'critical path of the DAG (sum of the longest agent per level)', critical],
        [1, 'sum of all agent durations (sequential)', sum],
      ] as const) {
        const target = orchestrator(store, roster, runtimes, path.join(dir, 'logs'), parallel);
        if (target.plan(REQUEST).agents.length !== DAG.length) throw new Error('the DAG was not planned in full');
        const times: number[] = [];
        for (let i = 0; i < MAKESPAN_RUNS; i++) times.push((await timedRun(target)).ms);
        await target.shutdown();
        const makespan = median(times);
        rows.push({
          name: `DAG makespan, maxParallelAgents=${parallel} (${DAG.length} agents, 3 levels, ${kind.label})`,
          value: round(makespan, 1),
          unit: 'ms',
          baseline: { name: baselineName, value: baselineMs },
          note: `median of ${MAKESPAN_RUNS} whole executeRequest calls; above the baseline: ${round(makespan - baselineMs, 1)} ms`,
        });
      }
    } finally {
      await close();
    }
  }
  return rows;
}

export const orchestrationBench: Bench = async () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'ao-orchestration-bench-'));
  try {
    return [...(await overheadRows(root)), ...(await makespanRows(root))];
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
};
