// Session store figures: journal append throughput, snapshot time of a ~10 MB database, and the learning
// query at 100k executions, each against a baseline measured in the same run.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import type { OrchestratorEvent } from '../src/core/protocol/events';
import type { LearningRecord } from '../src/core/protocol/learning';
import { SessionStore } from '../src/core/store/sessionStore';
import { percentile, type Bench, type BenchRow } from './harness';

const AGENTS = ['security-auditor', 'code-reviewer', 'fixer', 'test-runner', 'report-writer', 'backend-dev', 'frontend-dev', 'db-optimizer'];

function record(sessionId: string, agent: string, timestamp: number): LearningRecord {
  return {
    agent,
    timestamp,
    sessionId,
    taskType: 'security',
    successPatterns: {
      toolSequence: ['list_files', 'read_file', 'search', 'report_finding'],
      parallelExecutions: [],
      mcpUsage: {},
      duration: 800 + (timestamp % 1000),
      filesModified: ['src/app.ts'],
      efficientApproaches: [],
    },
    failures: { errors: [], bottlenecks: [], missedOptimizations: [], slowOperations: [] },
    discoveries: { newPatterns: [], codePatterns: [], securityIssues: ['eval use'], optimizationOpportunities: [] },
    collaboration: { messagesReceived: 1, messagesSent: 2, assistanceRequests: 0, handoffs: [], collaborators: ['fixer'] },
    outcomes: { success: timestamp % 7 !== 0, qualityScore: null, userSatisfaction: null, requiresRework: false },
  };
}

function learningEvent(sessionId: string, seq: number, agent: string, ts: number): OrchestratorEvent {
  return { sessionId, seq, ts, type: 'learning.recorded', payload: { record: record(sessionId, agent, ts) } };
}

function toolEvent(sessionId: string, seq: number, ts: number): OrchestratorEvent {
  return {
    sessionId,
    seq,
    ts,
    type: 'agent.tool_called',
    payload: { agent: 'security-auditor', tool: 'read_file', params: { path: 'src/app.ts' }, status: 'success', durationMs: 3, summary: 'read 120 lines' },
  };
}

/** Writes `count` learning.recorded events straight into a journal, so the store loads them by replay (no fsync per event). */
function writeJournal(dir: string, count: number): void {
  fs.mkdirSync(dir, { recursive: true });
  const fd = fs.openSync(path.join(dir, 'orchestrator.journal'), 'w');
  const perSession = 100;
  let chunk: string[] = [];
  for (let i = 0; i < count; i++) {
    const sessionId = `bench-${Math.floor(i / perSession)}`;
    chunk.push(JSON.stringify(learningEvent(sessionId, (i % perSession) + 1, AGENTS[i % AGENTS.length] as string, 1_700_000_000_000 + i)));
    if (chunk.length === 5000) {
      fs.writeSync(fd, `${chunk.join('\n')}\n`);
      chunk = [];
    }
  }
  if (chunk.length > 0) fs.writeSync(fd, `${chunk.join('\n')}\n`);
  fs.closeSync(fd);
}

async function appendThroughput(root: string): Promise<BenchRow> {
  const count = 2000;
  const events = Array.from({ length: count }, (_, i) => (i % 4 === 0 ? learningEvent('append', i + 1, 'fixer', i) : toolEvent('append', i + 1, i)));
  const lines = events.map((e) => `${JSON.stringify(e)}\n`);

  const rawFd = fs.openSync(path.join(root, 'raw.journal'), 'w');
  const store = await SessionStore.open({ dir: path.join(root, 'append'), mode: 'write', snapshotDebounceMs: 600_000 });
  // Alternate blocks of both, so drifts in the disk's fsync latency hit them alike.
  let rawMs = 0;
  let storeMs = 0;
  const block = 250;
  for (let from = 0; from < count; from += block) {
    let start = performance.now();
    for (let i = from; i < from + block; i++) {
      fs.writeSync(rawFd, lines[i] as string);
      fs.fsyncSync(rawFd);
    }
    rawMs += performance.now() - start;
    start = performance.now();
    for (let i = from; i < from + block; i++) store.append(events[i] as OrchestratorEvent);
    storeMs += performance.now() - start;
  }
  fs.closeSync(rawFd);
  const rawSeconds = rawMs / 1000;
  const storeSeconds = storeMs / 1000;
  await store.close();
  return {
    name: 'store append (validate + journal fsync + tables)',
    value: Math.round(count / storeSeconds),
    unit: 'events/s',
    baseline: { name: 'fs.writeSync + fsyncSync of the same NDJSON lines', value: Math.round(count / rawSeconds) },
    note: `${count} events, 1 in 4 learning.recorded`,
  };
}

async function snapshotTime(root: string): Promise<BenchRow[]> {
  const dir = path.join(root, 'snapshot');
  // ~10 MB: each learning event is stored twice (event payload + execution record) at roughly 1.3 KB in all.
  writeJournal(dir, 8000);
  let start = performance.now();
  const store = await SessionStore.open({ dir, mode: 'write', snapshotDebounceMs: 600_000 });
  const openMs = performance.now() - start;
  const snapshotMs: number[] = [];
  let seq = 1;
  for (let i = 0; i < 5; i++) {
    if (i > 0) store.append(toolEvent('snapshot-bench', seq++, i));
    start = performance.now();
    store.snapshotNow();
    snapshotMs.push(performance.now() - start);
  }
  await store.close();
  const bytes = fs.readFileSync(path.join(dir, 'orchestrator.sqlite'));

  const baselineMs: number[] = [];
  const copy = path.join(root, 'baseline.sqlite');
  for (let i = 0; i < 5; i++) {
    start = performance.now();
    const fd = fs.openSync(copy, 'w');
    fs.writeFileSync(fd, bytes);
    fs.fsyncSync(fd);
    fs.closeSync(fd);
    baselineMs.push(performance.now() - start);
  }
  const median = (values: number[]): number => percentile([...values].sort((a, b) => a - b), 50);
  const mb = (bytes.length / 1024 / 1024).toFixed(1);
  return [
    {
      name: 'store snapshot (export + temp + fsync + rename + journal reset)',
      value: Number(median(snapshotMs).toFixed(2)),
      unit: 'ms',
      baseline: { name: 'fs.writeFileSync + fsync of the same bytes', value: Number(median(baselineMs).toFixed(2)) },
      note: `${mb} MB database, median of 5`,
    },
    { name: 'store open + replay of 8000 journal events', value: Number(openMs.toFixed(1)), unit: 'ms', note: 'includes schema validation of every line' },
  ];
}

async function learningQuery(root: string): Promise<BenchRow[]> {
  const dir = path.join(root, 'query');
  const count = 100_000;
  writeJournal(dir, count);
  const store = await SessionStore.open({ dir, mode: 'write', snapshotDebounceMs: 600_000 });
  try {
    if (store.executionCount() !== count) throw new Error(`expected ${count} executions, found ${store.executionCount()}`);
    // Baseline: only parsing the same 100 records from JSON, which any stored form has to do.
    const texts = new Map(AGENTS.map((agent) => [agent, store.recentExecutions(agent, 100).map((r) => JSON.stringify(r))]));
    const timings: number[] = [];
    const baseline: number[] = [];
    for (let i = 0; i < 2000; i++) {
      const agent = AGENTS[i % AGENTS.length] as string;
      let start = performance.now();
      const records = store.recentExecutions(agent, 100);
      timings.push(performance.now() - start);
      if (records.length !== 100) throw new Error('recentExecutions returned too few records');
      start = performance.now();
      for (const text of texts.get(agent) ?? []) JSON.parse(text);
      baseline.push(performance.now() - start);
    }
    timings.sort((a, b) => a - b);
    baseline.sort((a, b) => a - b);
    const round = (value: number): number => Number((value * 1000).toFixed(1));
    return [
      {
        name: 'store recentExecutions(agent, 100) p50',
        value: round(percentile(timings, 50)),
        unit: 'µs',
        baseline: { name: 'JSON.parse of the same 100 records p50', value: round(percentile(baseline, 50)) },
        note: `${count} executions stored, ${AGENTS.length} agents`,
      },
      {
        name: 'store recentExecutions(agent, 100) p99',
        value: round(percentile(timings, 99)),
        unit: 'µs',
        baseline: { name: 'JSON.parse of the same 100 records p99', value: round(percentile(baseline, 99)) },
        note: `${count} executions stored, ${AGENTS.length} agents`,
      },
    ];
  } finally {
    await store.close();
  }
}

export const storeBench: Bench = async () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'ao-store-bench-'));
  try {
    return [await appendThroughput(root), ...(await snapshotTime(root)), ...(await learningQuery(root))];
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
};
