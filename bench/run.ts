// Runs the benchmarks, prints a table per bench and writes every row to bench-results/latest.json.
//   npm run bench                       all benches
//   npm run bench -- --only <name>      one bench (names below)
// Figures are reported as ratios against baselines measured in the same run; nothing here asserts a time.
// The exit code is 0 unless a bench throws (or the arguments are wrong).
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { activationBench } from './activation.bench';
import { busBench } from './bus.bench';
import { dashboardBench } from './dashboard.bench';
import type { Bench, BenchRow } from './harness';
import { langGraphBench } from './langgraph.bench';
import { learningBench } from './learning.bench';
import { learningAccuracyBench } from './learningAccuracy.bench';
import { learningStoreBench } from './learningStore.bench';
import { lspBench } from './lsp.bench';
import { mcpBench } from './mcp.bench';
import { mcpClientBench } from './mcpClient.bench';
import { modelLoopBench } from './modelLoop.bench';
import { orchestrationBench } from './orchestration.bench';
import { securityCorpusBench } from './securityCorpus.bench';
import { stallBench } from './stall.bench';
import { storeBench } from './store.bench';
import { storeScaleBench } from './storeScale.bench';

const BENCHES: readonly { name: string; run: Bench }[] = [
  { name: 'bus', run: busBench },
  { name: 'learning', run: learningBench },
  { name: 'learning-store', run: learningStoreBench },
  { name: 'learning-accuracy', run: learningAccuracyBench },
  { name: 'store', run: storeBench },
  { name: 'orchestration', run: orchestrationBench },
  // stall before dashboard: the dashboard bench records a run in this process, which loads ESLint, and the
  // stall bench's in-process baseline should pay for loading it as a first run in an extension host would.
  { name: 'stall', run: stallBench },
  { name: 'activation', run: activationBench },
  { name: 'dashboard', run: dashboardBench },
  { name: 'mcp', run: mcpBench },
  { name: 'mcp-client', run: mcpClientBench },
  { name: 'lsp', run: lspBench },
  { name: 'model-loop', run: modelLoopBench },
  { name: 'security-corpus', run: securityCorpusBench },
  // Slow: ~1,000 runs' worth of store and a few real CLI runs of the example.
  { name: 'store-scale', run: storeScaleBench },
  // Last: it loads LangGraph, and its store-at-scale part runs the CLI on the example ~1,000 times' worth of data.
  { name: 'langgraph', run: langGraphBench },
];

const RESULTS_DIR = path.resolve(__dirname, '..', 'bench-results');

interface BenchOutcome {
  bench: string;
  durationMs: number;
  rows: BenchRow[];
  error?: string;
}

function parseOnly(argv: readonly string[]): string | null {
  const index = argv.indexOf('--only');
  if (index < 0) {
    const inline = argv.find((arg) => arg.startsWith('--only='));
    return inline === undefined ? null : inline.slice('--only='.length);
  }
  const name = argv[index + 1];
  if (name === undefined || name.startsWith('--')) throw new Error('--only needs a bench name');
  return name;
}

function ratio(row: BenchRow): number | null {
  if (row.baseline === undefined || row.baseline.value === 0 || !Number.isFinite(row.baseline.value)) return null;
  return row.value / row.baseline.value;
}

function formatRatio(value: number | null): string {
  if (value === null) return '-';
  if (value === 0) return '0x';
  const abs = Math.abs(value);
  const digits = abs >= 100 ? 0 : abs >= 10 ? 1 : abs >= 0.1 ? 2 : abs >= 0.001 ? 4 : 6;
  return `${value.toFixed(digits)}x`;
}

function formatValue(value: number): string {
  return Number.isInteger(value) ? value.toLocaleString('en-US') : String(value);
}

function table(rows: readonly BenchRow[]): string {
  const header = ['#', 'measurement', 'value', 'baseline', 'baseline value', 'ratio'];
  const cells = rows.map((row, index) => [
    String(index + 1),
    row.name,
    `${formatValue(row.value)} ${row.unit}`,
    row.baseline?.name ?? '-',
    row.baseline === undefined ? '-' : `${formatValue(row.baseline.value)} ${row.unit}`,
    formatRatio(ratio(row)),
  ]);
  const widths = header.map((title, column) => Math.max(title.length, ...cells.map((line) => (line[column] as string).length)));
  const rightAligned = new Set([0, 2, 4, 5]);
  const format = (line: readonly string[]): string =>
    line.map((cell, column) => (rightAligned.has(column) ? cell.padStart(widths[column] as number) : cell.padEnd(widths[column] as number))).join('  ').trimEnd();
  const lines = [format(header), widths.map((w) => '-'.repeat(w)).join('  '), ...cells.map(format)];
  const notes = rows.flatMap((row, index) => (row.note === undefined ? [] : [`  [${index + 1}] ${row.note}`]));
  if (notes.length > 0) lines.push('', 'notes:', ...notes);
  return lines.join('\n');
}

function writeResults(outcomes: readonly BenchOutcome[], only: string | null, startedAt: Date): string {
  fs.mkdirSync(RESULTS_DIR, { recursive: true });
  const file = path.join(RESULTS_DIR, 'latest.json');
  const cpus = os.cpus();
  const body = {
    startedAt: startedAt.toISOString(),
    only,
    machine: { platform: process.platform, arch: process.arch, node: process.version, cpus: cpus.length, cpuModel: cpus[0]?.model ?? 'unknown' },
    benches: outcomes.map((outcome) => ({ bench: outcome.bench, durationMs: Math.round(outcome.durationMs), ...(outcome.error === undefined ? {} : { error: outcome.error }) })),
    rows: outcomes.flatMap((outcome) =>
      outcome.rows.map((row) => ({ bench: outcome.bench, ...row, ratio: ratio(row) })),
    ),
  };
  fs.writeFileSync(file, `${JSON.stringify(body, null, 2)}\n`);
  return file;
}

async function main(): Promise<number> {
  let only: string | null;
  try {
    only = parseOnly(process.argv.slice(2));
  } catch (error) {
    console.error((error as Error).message);
    return 2;
  }
  const selected = only === null ? BENCHES : BENCHES.filter((bench) => bench.name === only);
  if (selected.length === 0) {
    console.error(`Unknown bench "${only}". Known: ${BENCHES.map((bench) => bench.name).join(', ')}`);
    return 2;
  }
  const startedAt = new Date();
  const cpus = os.cpus();
  console.log(`node ${process.version}, ${process.platform}/${process.arch}, ${cpus.length} x ${cpus[0]?.model ?? 'unknown cpu'}`);
  console.log('ratio = value / baseline (both measured in this run unless the baseline says otherwise)\n');

  const outcomes: BenchOutcome[] = [];
  let failed = false;
  for (const bench of selected) {
    console.log(`== ${bench.name} ==`);
    const start = performance.now();
    try {
      const rows = await bench.run();
      const durationMs = performance.now() - start;
      outcomes.push({ bench: bench.name, durationMs, rows });
      console.log(table(rows));
      console.log(`(${(durationMs / 1000).toFixed(1)} s)\n`);
    } catch (error) {
      failed = true;
      const durationMs = performance.now() - start;
      const message = error instanceof Error ? (error.stack ?? error.message) : String(error);
      outcomes.push({ bench: bench.name, durationMs, rows: [], error: message });
      console.error(`${bench.name} threw after ${(durationMs / 1000).toFixed(1)} s:\n${message}\n`);
    }
  }
  const file = writeResults(outcomes, only, startedAt);
  const total = outcomes.reduce((sum, outcome) => sum + outcome.durationMs, 0);
  console.log(`${outcomes.reduce((n, o) => n + o.rows.length, 0)} rows written to ${path.relative(process.cwd(), file)} (${(total / 1000).toFixed(1)} s in all)`);
  return failed ? 1 : 0;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  },
);
