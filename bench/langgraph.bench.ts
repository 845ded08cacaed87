// Side by side with LangGraph (@langchain/langgraph, a dev dependency so anyone can rerun it), in the same run:
//   (a) the same three DAGs (10 layers of 10 nodes where each node needs every node of the layer before, with
//       10 ms and 0 ms nodes, and a fan-out of 1,000 nodes) run by: Promise.all (the floor), LangGraph, LangGraph
//       with MemorySaver, our orchestrator over the MemoryStore, and over the durable SessionStore. Our planner is
//       bypassed by handing the same DAG to executeRequest as its plan; everything after planning is shipped code.
//       Per engine: makespan, overhead per node ((makespan - Promise.all's) / nodes), CPU per node, peak memory
//       above the heap before the run; each as a ratio against LangGraph with MemorySaver and against LangGraph.
//   (b) the store after 30 and 1,000 runs of the example (runs synthesised by copying one recorded run's events
//       and log files), its size on disk and the time of one more run at each; bytes per agent stored for a run of
//       100 and of 1,000 agents (a wide phase).
//   (c) CLI start: `--help` and `sessions` against `node -e 0`.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import * as v8 from 'node:v8';
import * as vm from 'node:vm';
import { Annotation, END, MemorySaver, START, StateGraph } from '@langchain/langgraph';
import { ExecutionOrchestrator } from '../src/core/orchestrator/executionOrchestrator';
import type { AgentRuntime } from '../src/core/orchestrator/agentRuntime';
import type { PlannableAgent } from '../src/core/planning/planner';
import type { EventJournal, LearningRepository, WorkspaceFiles } from '../src/core/ports';
import { OrchestratorConfigSchema } from '../src/core/protocol/config';
import type { OrchestratorEvent } from '../src/core/protocol/events';
import type { ExecutionPlan } from '../src/core/protocol/plan';
import { JOURNAL_FILE, SessionStore, storeDirFor } from '../src/core/store/sessionStore';
import { MemoryStore } from '../test/helpers/memoryStore';
import { percentile, type Bench, type BenchRow } from './harness';

v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as () => void;

const REPO = path.resolve(__dirname, '..');
// AO_BENCH_CLI: another build of the CLI (e.g. a copy of main's dist/, for before/after figures).
const CLI = process.env['AO_BENCH_CLI'] ?? path.join(REPO, 'dist', 'cli.js');
const EXAMPLE = path.join(REPO, 'examples', 'vulnerable-api');
const EXAMPLE_REQUEST = 'Fix security vulnerability in authentication endpoint';
const ROUNDS = Number(process.env['AO_LANGGRAPH_BENCH_ROUNDS'] ?? 5);
const CAPABILITY = 'bench';

interface Dag {
  label: string;
  /** Node names per layer; each node needs every node of the layer before. */
  layers: string[][];
  nodeMs: number;
}

function layered(width: number, depth: number, nodeMs: number, label: string): Dag {
  return { label, nodeMs, layers: Array.from({ length: depth }, (_, l) => Array.from({ length: width }, (_, i) => `n${l}_${i}`)) };
}

const DAGS: readonly Dag[] = [
  layered(10, 10, 10, '10x10 DAG, 10 ms per node'),
  layered(10, 10, 0, '10x10 DAG, 0 ms'),
  layered(1000, 1, 0, 'fan-out of 1,000, 0 ms'),
];

function nodeWork(ms: number): Promise<void> {
  return ms > 0 ? new Promise((resolve) => setTimeout(resolve, ms)) : Promise.resolve();
}

// ---- engines ------------------------------------------------------------------------------------------------

type Engine = { label: string; prepare(dag: Dag, dir: string): Promise<{ run(): Promise<void>; close(): Promise<void> }> };

const promiseAll: Engine = {
  label: 'Promise.all',
  prepare: async (dag) => ({
    run: async () => {
      for (const layer of dag.layers) await Promise.all(layer.map(() => nodeWork(dag.nodeMs)));
    },
    close: async () => {},
  }),
};

function langGraph(withSaver: boolean): Engine {
  return {
    label: withSaver ? 'LangGraph + MemorySaver' : 'LangGraph',
    prepare: async (dag) => {
      const State = Annotation.Root({ done: Annotation<number>({ reducer: (a, b) => a + b, default: () => 0 }) });
      // The builder's node names are typed from literals; a generated DAG goes through the untyped surface.
      const graph = new StateGraph(State) as unknown as {
        addNode(name: string, fn: () => Promise<{ done: number }>): void;
        addEdge(from: string | string[], to: string): void;
        compile(options?: { checkpointer?: MemorySaver }): { invoke(input: unknown, config: unknown): Promise<unknown> };
      };
      for (const layer of dag.layers) {
        for (const name of layer) {
          graph.addNode(name, async () => {
            await nodeWork(dag.nodeMs);
            return { done: 1 };
          });
        }
      }
      dag.layers.forEach((layer, index) => {
        for (const name of layer) {
          if (index === 0) graph.addEdge(START, name);
          else graph.addEdge(dag.layers[index - 1] as string[], name);
        }
      });
      for (const name of dag.layers.at(-1) as string[]) graph.addEdge(name, END);
      const app = graph.compile(withSaver ? { checkpointer: new MemorySaver() } : {});
      let thread = 0;
      return {
        run: async () => {
          await app.invoke({ done: 0 }, { recursionLimit: 100, configurable: { thread_id: `t${thread++}` } });
        },
        close: async () => {},
      };
    },
  };
}

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

function planOf(dag: Dag): ExecutionPlan {
  return {
    request: 'bench',
    taskType: 'general',
    agents: dag.layers.flatMap((layer, index) =>
      layer.map((name) => ({
        name,
        task: 'bench',
        phase: index,
        dependsOn: index === 0 ? [] : (dag.layers[index - 1] as string[]),
        capabilities: [CAPABILITY],
        runtime: 'offline' as const,
        estimatedDuration: null,
      })),
    ),
    phases: dag.layers,
    skipped: [],
    warnings: [],
    estimatedDuration: null,
    mcpServers: [],
  };
}

function ours(durable: boolean): Engine {
  return {
    label: durable ? 'ours, durable store' : 'ours, MemoryStore',
    prepare: async (dag, dir) => {
      const store: EventJournal & LearningRepository & { close?: () => Promise<void> } = durable
        ? await SessionStore.open({ dir: path.join(dir, '.agent-orchestrator'), mode: 'write' })
        : new MemoryStore();
      const names = dag.layers.flat();
      const roster: PlannableAgent[] = names.map((name) => ({ name, description: name, capabilities: [CAPABILITY], stage: 'analysis', runtime: 'offline', model: null }));
      const runtimes: AgentRuntime[] = names.map((name) => ({
        name,
        capabilities: [CAPABILITY],
        run: async () => {
          await nodeWork(dag.nodeMs);
          return { summary: 'done' };
        },
      }));
      const config = OrchestratorConfigSchema.parse({ orchestration: { maxParallelAgents: 64, agentTimeout: 60_000, dashboardEnabled: false } });
      // As wide as the widest layer, as LangGraph runs a superstep (the setting's own maximum is 64).
      config.orchestration.maxParallelAgents = Math.max(...dag.layers.map((layer) => layer.length));
      const orchestrator = new ExecutionOrchestrator({ workspace, store, roster, runtimes, config, logDir: path.join(dir, 'logs') });
      const plan = planOf(dag);
      return {
        run: async () => {
          const result = await orchestrator.executeRequest('bench', { plan });
          if (!result.success) throw new Error(`bench run failed: ${result.error ?? result.status}`);
        },
        close: async () => {
          await orchestrator.shutdown();
          await store.close?.();
        },
      };
    },
  };
}

const ENGINES: readonly Engine[] = [promiseAll, langGraph(false), langGraph(true), ours(false), ours(true)];

interface Sample {
  ms: number;
  cpuMs: number;
  peakBytes: number;
}

/** One timed run: wall time, CPU time of this process, and the peak of heap + external memory above the start. */
async function sample(run: () => Promise<void>): Promise<Sample> {
  gc();
  const base = process.memoryUsage();
  const baseBytes = base.heapUsed + base.external;
  let peak = baseBytes;
  const watch = setInterval(() => {
    const now = process.memoryUsage();
    peak = Math.max(peak, now.heapUsed + now.external);
  }, 2);
  const cpu = process.cpuUsage();
  const start = performance.now();
  await run();
  const ms = performance.now() - start;
  const used = process.cpuUsage(cpu);
  clearInterval(watch);
  const end = process.memoryUsage();
  peak = Math.max(peak, end.heapUsed + end.external);
  return { ms, cpuMs: (used.user + used.system) / 1000, peakBytes: peak - baseBytes };
}

function median(values: readonly number[]): number {
  return percentile([...values].sort((a, b) => a - b), 50);
}

function round(value: number, digits: number): number {
  return Number(value.toFixed(digits));
}

async function dagRows(root: string): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  for (const dag of DAGS) {
    const nodes = dag.layers.flat().length;
    const prepared = [];
    for (const engine of ENGINES) {
      const dir = fs.mkdtempSync(path.join(root, 'dag-'));
      prepared.push({ engine, instance: await engine.prepare(dag, dir), samples: [] as Sample[] });
    }
    // Warm-up, then rounds alternating between engines so drift on the shared machine hits them all alike.
    for (const entry of prepared) await entry.instance.run();
    for (let round = 0; round < ROUNDS; round++) {
      for (const entry of prepared) entry.samples.push(await sample(() => entry.instance.run()));
    }
    for (const entry of prepared) await entry.instance.close();
    const figures = new Map(prepared.map((entry) => [entry.engine.label, {
      ms: median(entry.samples.map((s) => s.ms)),
      cpuMs: median(entry.samples.map((s) => s.cpuMs)),
      peakBytes: median(entry.samples.map((s) => s.peakBytes)),
    }]));
    const floor = figures.get(promiseAll.label)?.ms ?? 0;
    const overhead = (label: string): number => ((figures.get(label)?.ms ?? 0) - floor) / nodes;
    const where = `${dag.label}: median of ${ROUNDS} alternating rounds after a warm-up`;
    for (const reference of ['LangGraph + MemorySaver', 'LangGraph']) {
      const ref = figures.get(reference);
      if (!ref) continue;
      for (const label of ['ours, MemoryStore', 'ours, durable store']) {
        const mine = figures.get(label);
        if (!mine) continue;
        rows.push({ name: `${dag.label}: makespan, ${label} vs ${reference}`, value: round(mine.ms, 1), unit: 'ms', baseline: { name: reference, value: round(ref.ms, 1) }, note: `${where}; Promise.all ${round(floor, 1)} ms` });
        rows.push({ name: `${dag.label}: overhead per node, ${label} vs ${reference}`, value: round(overhead(label), 3), unit: 'ms', baseline: { name: reference, value: round(overhead(reference), 3) }, note: '(makespan - Promise.all makespan) / nodes' });
        rows.push({ name: `${dag.label}: CPU per node, ${label} vs ${reference}`, value: round(mine.cpuMs / nodes, 3), unit: 'ms', baseline: { name: reference, value: round(ref.cpuMs / nodes, 3) } });
        rows.push({ name: `${dag.label}: peak memory, ${label} vs ${reference}`, value: Math.round(mine.peakBytes / 1024), unit: 'KiB', baseline: { name: reference, value: Math.round(ref.peakBytes / 1024) }, note: 'peak of heap used + external during the run, above the start (after a GC)' });
      }
    }
  }
  return rows;
}

// ---- (b) the store at scale ---------------------------------------------------------------------------------

function cli(args: readonly string[], cwd = REPO): { ms: number; stdout: string; stderr: string; status: number | null } {
  const start = performance.now();
  const result = spawnSync(process.execPath, [CLI, ...args], { cwd, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' }, maxBuffer: 64 * 1024 * 1024 });
  return { ms: performance.now() - start, stdout: result.stdout, stderr: result.stderr, status: result.status };
}

function dirBytes(dir: string): number {
  let total = 0;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const file = path.join(dir, entry.name);
    if (entry.isDirectory()) total += dirBytes(file);
    else if (entry.isFile()) total += fs.statSync(file).size;
  }
  return total;
}

function exampleRun(workspace: string): number {
  const result = cli(['run', EXAMPLE_REQUEST, '--workspace', workspace, '--json']);
  if (result.status !== 0 && result.status !== 1) throw new Error(`the example run failed (${result.status}): ${result.stderr.slice(-2000)}`);
  return result.ms;
}

/** Fills the store of `workspace` with `count` copies of its one recorded run (events through the journal, log files copied). */
async function synthesiseRuns(workspace: string, count: number, template: { events: OrchestratorEvent[]; logFiles: string[] }): Promise<void> {
  const storeDir = storeDirFor(workspace);
  const journal = path.join(storeDir, JOURNAL_FILE);
  const day = 24 * 3600 * 1000;
  const span = template.events.at(-1)!.ts - template.events[0]!.ts;
  let lines: string[] = [];
  const flush = async (): Promise<void> => {
    fs.appendFileSync(journal, lines.join(''));
    lines = [];
    // Replaying the journal on open folds it into the database, as the product does after a crash.
    const store = await SessionStore.open({ dir: storeDir, mode: 'write', snapshotDebounceMs: 3_600_000 });
    await store.close();
  };
  const now = Date.now();
  for (let i = 1; i < count; i++) {
    const sessionId = `${template.events[0]!.sessionId}_copy${i}`;
    // Spread over the last week, oldest first, all within the default retention.
    const shift = now - 7 * day + Math.floor((i / count) * 7 * day) - template.events[0]!.ts - span;
    for (const event of template.events) {
      const copy = JSON.parse(JSON.stringify(event)) as OrchestratorEvent & { payload: Record<string, unknown> };
      copy.sessionId = sessionId;
      copy.ts = event.ts + shift;
      const record = (copy.payload as { record?: { timestamp: number } }).record;
      if (record) record.timestamp += shift;
      lines.push(`${JSON.stringify(copy)}\n`);
    }
    for (const file of template.logFiles) {
      const base = path.basename(file).replace(template.events[0]!.sessionId, sessionId);
      fs.copyFileSync(file, path.join(path.dirname(file), base));
    }
    if (lines.length > 20_000) await flush();
  }
  await flush();
}

async function storeRows(root: string): Promise<BenchRow[]> {
  if (!fs.existsSync(CLI)) throw new Error(`${CLI} is missing: build first (npm run bench does)`);
  const rows: BenchRow[] = [];
  const figures = new Map<number, { bytes: number; storeBytes: number; ms: number }>();
  for (const runs of [30, 1000]) {
    const workspace = path.join(root, `store-${runs}`);
    fs.cpSync(EXAMPLE, workspace, { recursive: true, filter: (source) => !source.includes(`${path.sep}node_modules`) });
    exampleRun(workspace);
    const reader = await SessionStore.open({ dir: storeDirFor(workspace), mode: 'read' });
    const session = reader.listSessions()[0]!;
    const events = reader.getEvents(session.sessionId);
    await reader.close();
    const logFiles = findFiles(workspace, session.sessionId);
    await synthesiseRuns(workspace, runs, { events, logFiles });
    // One more real run at this size, timed (median of 3).
    const times: number[] = [];
    for (let i = 0; i < 3; i++) times.push(exampleRun(workspace));
    const storeDir = storeDirFor(workspace);
    figures.set(runs, { bytes: dirBytes(storeDir), storeBytes: dirBytes(storeDir) - logBytes(workspace), ms: median(times) });
  }
  const small = figures.get(30)!;
  const large = figures.get(1000)!;
  rows.push({ name: 'store folder after 1,000 runs of the example', value: large.bytes, unit: 'B', baseline: { name: 'after 30 runs', value: small.bytes }, note: `database + journal alone: ${large.storeBytes} B after 1,000, ${small.storeBytes} B after 30; goal under 10 MB (10,485,760 B)` });
  rows.push({ name: 'a run of the example at 1,000 stored runs', value: round(large.ms, 1), unit: 'ms', baseline: { name: 'at 30 stored runs', value: round(small.ms, 1) }, note: 'whole CLI run (dist/cli.js run --json), median of 3; goal within 1.05x' });
  return rows;
}

function findFiles(dir: string, containing: string): string[] {
  const found: string[] = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile() && entry.name.includes(containing)) found.push(path.join(entry.parentPath, entry.name));
  }
  return found;
}

function logBytes(workspace: string): number {
  let total = 0;
  for (const entry of fs.readdirSync(storeDirFor(workspace), { withFileTypes: true, recursive: true })) {
    if (entry.isFile() && entry.name.startsWith('session_')) total += fs.statSync(path.join(entry.parentPath, entry.name)).size;
  }
  return total;
}

async function bytesPerAgentRows(root: string): Promise<BenchRow[]> {
  const perAgent = new Map<number, number>();
  for (const width of [100, 1000]) {
    const dir = fs.mkdtempSync(path.join(root, `width-${width}-`));
    const storeDir = path.join(dir, '.agent-orchestrator');
    const engine = await ours(true).prepare(layered(width, 1, 0, `${width} agents`), dir);
    await engine.run();
    await engine.close();
    perAgent.set(width, dirBytes(storeDir) / width);
  }
  return [{
    name: 'store bytes per agent, a run of 1,000 agents in one phase',
    value: Math.round(perAgent.get(1000)!),
    unit: 'B',
    baseline: { name: 'a run of 100 agents', value: Math.round(perAgent.get(100)!) },
    note: 'store folder (database, journal, logs) / agents after one run; must not grow with the width',
  }];
}

// ---- (c) CLI start ------------------------------------------------------------------------------------------

function startRows(root: string): BenchRow[] {
  const workspace = fs.mkdtempSync(path.join(root, 'start-'));
  const times = (args: readonly string[]): number => {
    const all: number[] = [];
    for (let i = 0; i < 11; i++) {
      const start = performance.now();
      spawnSync(process.execPath, args, { cwd: workspace, encoding: 'utf8' });
      all.push(performance.now() - start);
    }
    return median(all.slice(1));
  };
  const bare = times(['-e', '0']);
  const help = times([CLI, '--help']);
  const sessions = times([CLI, 'sessions', '--workspace', workspace]);
  return [
    { name: 'CLI start: --help', value: round(help, 1), unit: 'ms', baseline: { name: 'node -e 0', value: round(bare, 1) }, note: 'median of 10 after one warm-up; goal within 1.5x' },
    { name: 'CLI start: sessions (empty store)', value: round(sessions, 1), unit: 'ms', baseline: { name: 'node -e 0', value: round(bare, 1) }, note: 'goal within 2.5x' },
  ];
}

export const langGraphBench: Bench = async () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'ao-langgraph-bench-'));
  try {
    const parts = (process.env['AO_LANGGRAPH_BENCH_PARTS'] ?? 'dag,store,width,start').split(',');
    const rows: BenchRow[] = [];
    if (parts.includes('start')) rows.push(...startRows(root));
    if (parts.includes('dag')) rows.push(...(await dagRows(root)));
    if (parts.includes('width')) rows.push(...(await bytesPerAgentRows(root)));
    if (parts.includes('store')) rows.push(...(await storeRows(root)));
    return rows;
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
};
