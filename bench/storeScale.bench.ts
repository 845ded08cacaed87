// The store at scale, as the product leaves it (default retention and learning window), in the same run:
//   - after 30 and after 1,000 runs of the example (runs synthesised by copying one recorded run's events and log
//     files through the journal, with the product's retention applied as the real runs would have): the store
//     folder's size (database, journal, log files), and the time of one more real run (the CLI on the example),
//     alternating between the two workspaces so the shared machine's drift hits both alike; goals: under 10 MB at
//     1,000 runs, a run there within 1.05x of one at 30;
//   - what opening and one snapshot of the bounded store cost at each size (ms, bytes);
//   - bytes stored per agent for one run of a phase of 100 and of 1,000 agents (must not grow with the width).
// AO_BENCH_CLI: another build of the CLI (e.g. a copy of main's dist/). AO_STORE_SCALE_ROUNDS: timed runs per side.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { removeSessionArtifacts } from '../src/core/logging/sessionArtifacts';
import { ExecutionOrchestrator } from '../src/core/orchestrator/executionOrchestrator';
import type { WorkspaceFiles } from '../src/core/ports';
import { OrchestratorConfigSchema, retentionToMs } from '../src/core/protocol/config';
import type { OrchestratorEvent } from '../src/core/protocol/events';
import type { ExecutionPlan } from '../src/core/protocol/plan';
import { DATABASE_FILE, JOURNAL_FILE, SessionStore, storeDirFor, type SessionStoreOptions } from '../src/core/store/sessionStore';
import { median, type Bench, type BenchRow } from './harness';
import { copyOfRun } from './support/runCopy';

const REPO = path.resolve(__dirname, '..');
const CLI = process.env['AO_BENCH_CLI'] ?? path.join(REPO, 'dist', 'cli.js');
const EXAMPLE = path.join(REPO, 'examples', 'vulnerable-api');
const EXAMPLE_REQUEST = 'Fix security vulnerability in authentication endpoint';
const ROUNDS = Number(process.env['AO_STORE_SCALE_ROUNDS'] ?? 3);
const DEFAULTS = OrchestratorConfigSchema.parse({});
const MB = 1024 * 1024;

function round(value: number, digits: number): number {
  return Number(value.toFixed(digits));
}

function cliRun(workspace: string): number {
  const start = performance.now();
  const result = spawnSync(process.execPath, [CLI, 'run', EXAMPLE_REQUEST, '--workspace', workspace, '--json'], {
    cwd: REPO,
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1' },
    maxBuffer: 64 * MB,
  });
  const ms = performance.now() - start;
  if (result.status !== 0 && result.status !== 1) throw new Error(`the example run failed (${result.status}): ${result.stderr.slice(-2000)}`);
  return ms;
}

function filesUnder(dir: string): { file: string; size: number }[] {
  const found: { file: string; size: number }[] = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile()) continue;
    const file = path.join(entry.parentPath, entry.name);
    found.push({ file, size: fs.statSync(file).size });
  }
  return found;
}

interface StoreFigures {
  folder: number;
  database: number;
  journal: number;
  logs: number;
  logFiles: number;
  sessions: number;
}

async function measureStore(workspace: string): Promise<StoreFigures> {
  const dir = storeDirFor(workspace);
  const files = filesUnder(dir);
  const size = (name: string): number => files.find((f) => f.file === path.join(dir, name))?.size ?? 0;
  const logs = files.filter((f) => path.basename(f.file).startsWith('session_'));
  const reader = await SessionStore.open({ dir, mode: 'read' });
  const sessions = reader.listSessions().length;
  await reader.close();
  return {
    folder: files.reduce((sum, f) => sum + f.size, 0),
    database: size(DATABASE_FILE),
    journal: size(JOURNAL_FILE),
    logs: logs.reduce((sum, f) => sum + f.size, 0),
    logFiles: logs.length,
    sessions,
  };
}

/** The store as `agent-orchestrator run` opens it with the default configuration. */
function productStoreOptions(workspace: string): SessionStoreOptions {
  const logDir = path.join(storeDirFor(workspace), 'logs');
  return {
    dir: storeDirFor(workspace),
    root: workspace,
    mode: 'write',
    snapshotDebounceMs: 3_600_000,
    maxExecutionsPerAgent: DEFAULTS.learning.maxExecutionsPerAgent,
    retention: { maxSessions: DEFAULTS.orchestration.maxSessions, maxAgeMs: retentionToMs(DEFAULTS.orchestration.logRetention) },
    onSessionsPruned: (ids) => void removeSessionArtifacts(logDir, ids, workspace),
  };
}

/**
 * Adds `count - 1` copies of the workspace's one recorded run (events through the journal, log files copied), spread
 * over the last week, oldest first; each batch is folded in by opening the store as the product does, so retention
 * and the learning window apply as they would have after that many real runs.
 */
async function synthesiseRuns(workspace: string, count: number): Promise<void> {
  const storeDir = storeDirFor(workspace);
  const reader = await SessionStore.open({ dir: storeDir, mode: 'read' });
  const recorded = reader.listSessions()[0];
  if (!recorded) throw new Error('the recorded run is missing');
  const events = reader.getEvents(recorded.sessionId);
  await reader.close();
  const logFiles = filesUnder(path.join(storeDir, 'logs')).map((f) => f.file).filter((file) => path.basename(file).startsWith(recorded.sessionId));
  const first = events[0] as OrchestratorEvent;
  const span = (events.at(-1) as OrchestratorEvent).ts - first.ts;
  const day = 24 * 3600 * 1000;
  const now = Date.now();
  let lines: string[] = [];
  const flush = async (): Promise<void> => {
    fs.appendFileSync(path.join(storeDir, JOURNAL_FILE), lines.join(''));
    lines = [];
    const store = await SessionStore.open(productStoreOptions(workspace));
    await store.close();
  };
  for (let i = 1; i < count; i++) {
    // Same shape as a real id (the date part is the copy's number), so the log files keep their real names.
    const sessionId = `session_20200101_${String(i).padStart(6, '0')}_${recorded.sessionId.slice(-6)}`;
    const shift = now - 8 * day + Math.floor((i / count) * 7 * day) - first.ts - span;
    for (const copy of copyOfRun(events, sessionId, shift)) lines.push(`${JSON.stringify(copy)}\n`);
    for (const file of logFiles) fs.copyFileSync(file, path.join(path.dirname(file), path.basename(file).replace(recorded.sessionId, sessionId)));
    if (lines.length > 20_000) await flush();
  }
  await flush();
}

/** Opening the store and one snapshot of it (after one more event), median of 5, with a plain write of its bytes. */
async function snapshotFigures(workspace: string): Promise<{ openMs: number; snapshotMs: number; writeMs: number; bytes: number }> {
  const openMs: number[] = [];
  const snapshotMs: number[] = [];
  const writeMs: number[] = [];
  let bytes = 0;
  for (let i = 0; i < 5; i++) {
    let start = performance.now();
    const store = await SessionStore.open(productStoreOptions(workspace));
    openMs.push(performance.now() - start);
    const session = store.listSessions()[0];
    if (!session) throw new Error('no session to extend');
    // An event a reader ignores (an already stored seq would be a duplicate): a tool call of a past session.
    await store.append({
      sessionId: `bench-snapshot-${i}`, seq: 1, ts: Date.now(), type: 'agent.tool_called',
      payload: { agent: 'security-auditor', tool: 'read_file', params: {}, status: 'success', durationMs: 1, summary: '' },
    } as OrchestratorEvent);
    store.deleteSessions([`bench-snapshot-${i}`]);
    start = performance.now();
    store.snapshotNow();
    snapshotMs.push(performance.now() - start);
    await store.close();
    const image = fs.readFileSync(path.join(storeDirFor(workspace), DATABASE_FILE));
    bytes = image.length;
    const copy = path.join(workspace, 'baseline.sqlite');
    start = performance.now();
    const fd = fs.openSync(copy, 'w');
    fs.writeFileSync(fd, image);
    fs.fsyncSync(fd);
    fs.closeSync(fd);
    writeMs.push(performance.now() - start);
    fs.rmSync(copy);
  }
  return { openMs: median(openMs), snapshotMs: median(snapshotMs), writeMs: median(writeMs), bytes };
}

async function scaleRows(root: string): Promise<BenchRow[]> {
  if (!fs.existsSync(CLI)) throw new Error(`${CLI} is missing: build first (npm run bench does)`);
  const sizes = [30, 1000];
  const workspaces = new Map<number, string>();
  for (const runs of sizes) {
    const workspace = path.join(root, `runs-${runs}`);
    fs.cpSync(EXAMPLE, workspace, { recursive: true, filter: (source) => !source.includes(`${path.sep}node_modules`) && !source.includes(`${path.sep}.agent-orchestrator`) });
    cliRun(workspace);
    await synthesiseRuns(workspace, runs);
    workspaces.set(runs, workspace);
  }
  const before = new Map<number, StoreFigures>();
  for (const [runs, workspace] of workspaces) before.set(runs, await measureStore(workspace));
  // One untimed run each first (the first run after the synthesis folds its leftovers), then alternating rounds.
  for (const workspace of workspaces.values()) cliRun(workspace);
  const times = new Map<number, number[]>(sizes.map((runs) => [runs, []]));
  for (let round = 0; round < ROUNDS; round++) {
    for (const runs of round % 2 === 0 ? sizes : [...sizes].reverse()) times.get(runs)?.push(cliRun(workspaces.get(runs) as string));
  }
  const after = new Map<number, StoreFigures>();
  const snapshots = new Map<number, Awaited<ReturnType<typeof snapshotFigures>>>();
  for (const [runs, workspace] of workspaces) {
    after.set(runs, await measureStore(workspace));
    snapshots.set(runs, await snapshotFigures(workspace));
  }
  const small = after.get(30) as StoreFigures;
  const large = after.get(1000) as StoreFigures;
  const describe = (f: StoreFigures): string =>
    `${f.sessions} sessions, database ${f.database} B, journal ${f.journal} B, ${f.logFiles} log files ${f.logs} B`;
  const rows: BenchRow[] = [
    {
      name: 'store folder after 1,000 runs of the example',
      value: large.folder,
      unit: 'B',
      baseline: { name: 'after 30 runs', value: small.folder },
      note: `goal under 10 MB (10,485,760 B). At 1,000: ${describe(large)}; at 30: ${describe(small)}; default maxSessions ${DEFAULTS.orchestration.maxSessions}, maxExecutionsPerAgent ${DEFAULTS.learning.maxExecutionsPerAgent}`,
    },
    {
      name: 'database + journal after 1,000 runs of the example',
      value: large.database + large.journal,
      unit: 'B',
      baseline: { name: 'after 30 runs', value: small.database + small.journal },
      note: 'the store without the log files',
    },
    {
      name: 'a run of the example at 1,000 stored runs',
      value: round(median(times.get(1000) ?? []), 1),
      unit: 'ms',
      baseline: { name: 'at 30 stored runs', value: round(median(times.get(30) ?? []), 1) },
      note: `whole CLI run (run --json), median of ${ROUNDS} alternating rounds after one untimed run each; goal within 1.05x. All: 1,000 [${(times.get(1000) ?? []).map((t) => Math.round(t)).join(', ')}], 30 [${(times.get(30) ?? []).map((t) => Math.round(t)).join(', ')}]`,
    },
  ];
  const small30 = snapshots.get(30) as Awaited<ReturnType<typeof snapshotFigures>>;
  const large1000 = snapshots.get(1000) as Awaited<ReturnType<typeof snapshotFigures>>;
  rows.push(
    {
      name: 'one snapshot of the bounded store after 1,000 runs',
      value: round(large1000.snapshotMs, 2),
      unit: 'ms',
      baseline: { name: 'fs.writeFileSync + fsync of the same bytes', value: round(large1000.writeMs, 2) },
      note: `export + temp file + fsync + rename + journal reset of a ${large1000.bytes} B database, median of 5; after 30 runs: ${round(small30.snapshotMs, 2)} ms for ${small30.bytes} B`,
    },
    {
      name: 'opening the bounded store after 1,000 runs',
      value: round(large1000.openMs, 1),
      unit: 'ms',
      baseline: { name: 'after 30 runs', value: round(small30.openMs, 1) },
      note: 'read + integrity check + replay of an empty journal + retention check, median of 5',
    },
  );
  const synthesised = before.get(1000) as StoreFigures;
  rows.push({
    name: 'sessions kept after 1,000 runs',
    value: large.sessions,
    unit: 'sessions',
    note: `right after the synthesis: ${synthesised.sessions} sessions, ${synthesised.logFiles} log files`,
  });
  return rows;
}

// ---- bytes per agent -------------------------------------------------------------------------------------------

const nowhere: WorkspaceFiles = {
  root: '/nonexistent-workspace',
  listFiles: async () => [],
  readFile: async (file) => {
    throw new Error(`no ${file}`);
  },
  writeFile: async () => {},
  exists: async () => false,
  resolve: (file) => `/nonexistent-workspace/${file}`,
};

/** One run of a single phase of `width` agents on the durable store; bytes of the store and of its events per agent. */
async function onePhase(root: string, width: number): Promise<{ store: number; events: number }> {
  const workspace = fs.mkdtempSync(path.join(root, `width-${width}-`));
  const names = Array.from({ length: width }, (_, i) => `agent-${String(i).padStart(4, '0')}`);
  const store = await SessionStore.open({ dir: storeDirFor(workspace), mode: 'write' });
  const config = OrchestratorConfigSchema.parse({ orchestration: { maxParallelAgents: 64 } });
  const orchestrator = new ExecutionOrchestrator({
    workspace: nowhere,
    store,
    roster: names.map((name) => ({ name, description: name, capabilities: ['work'], stage: 'analysis', runtime: 'offline', model: null })),
    runtimes: names.map((name) => ({ name, capabilities: ['work'], run: async () => ({ summary: 'done' }) })),
    config,
    logDir: path.join(storeDirFor(workspace), 'logs'),
  });
  const plan: ExecutionPlan = {
    request: 'bench',
    taskType: 'general',
    agents: names.map((name) => ({ name, task: 'bench', phase: 0, dependsOn: [], capabilities: ['work'], runtime: 'offline', estimatedDuration: null })),
    phases: [names],
    skipped: [],
    warnings: [],
    estimatedDuration: null,
    mcpServers: [],
  };
  const result = await orchestrator.executeRequest('bench', { plan });
  if (!result.success) throw new Error(`bench run failed: ${result.error ?? result.status}`);
  await orchestrator.shutdown();
  const events = store.getEvents(result.sessionId).reduce((sum, event) => sum + JSON.stringify(event).length, 0);
  await store.close();
  const folder = filesUnder(storeDirFor(workspace)).reduce((sum, f) => sum + f.size, 0);
  return { store: folder / width, events: events / width };
}

async function widthRows(root: string): Promise<BenchRow[]> {
  const narrow = await onePhase(root, 100);
  const wide = await onePhase(root, 1000);
  return [
    {
      name: 'store bytes per agent, one run of a phase of 1,000 agents',
      value: Math.round(wide.store),
      unit: 'B',
      baseline: { name: 'a phase of 100 agents', value: Math.round(narrow.store) },
      note: 'store folder (database, journal, log files) / agents after the run; must not grow with the width',
    },
    {
      name: 'event bytes per agent, one run of a phase of 1,000 agents',
      value: Math.round(wide.events),
      unit: 'B',
      baseline: { name: 'a phase of 100 agents', value: Math.round(narrow.events) },
      note: 'JSON of every stored event of the run / agents',
    },
  ];
}

export const storeScaleBench: Bench = async () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'ao-store-scale-bench-'));
  try {
    const parts = (process.env['AO_STORE_SCALE_PARTS'] ?? 'width,scale').split(',');
    const rows: BenchRow[] = [];
    if (parts.includes('width')) rows.push(...(await widthRows(root)));
    if (parts.includes('scale')) rows.push(...(await scaleRows(root)));
    return rows;
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
};
