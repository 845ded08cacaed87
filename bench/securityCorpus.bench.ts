// The security auditor against the corpus (test/fixtures/corpus: small apps written the way real ones are, each with
// a truth file of its planted vulnerabilities, and one clean app): recall and precision per class and overall, the
// findings in the clean app, duplicates, and the missed and false findings one by one. Then speed: a cold scan
// against plain ESLint running the same rules over the same files, how many cores it kept busy (worker threads),
// and a warm rescan (content-hash cache) against the cold scan, on the corpus and on a synthesised larger workspace.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { classOfRule, NO_CLASS, scoreApp, summarize, type AppScore, type ClassFigures, type TruthFile } from './support/corpusScore';
import type { Bench, BenchRow } from './harness';
import { writeLargeWorkspace } from './support/largeWorkspace';
import { buildSecurityBundle, type SecurityBundle } from './support/securityBundle';

const CORPUS = path.resolve(__dirname, '..', 'test', 'fixtures', 'corpus');
const TRUTH_FILE = 'truth.json';
/** About 400 files, 480 KB: enough for the worker start-up to pay back, like a mid-sized service. */
const LARGE_MODULES = 100;
const REPEATS = 3;

type Scanner = InstanceType<SecurityBundle['SecurityScanner']>;

function percent(value: number | null): string {
  return value === null ? '-' : `${Math.round(value * 100)}%`;
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] as number;
}

function apps(): string[] {
  return fs.readdirSync(CORPUS, { withFileTypes: true }).filter((entry) => entry.isDirectory()).map((entry) => entry.name).sort();
}

function classTable(byClass: Map<string, ClassFigures>, overall: ClassFigures): string {
  const header = ['class', 'found', 'missed', 'false', 'dup', 'recall', 'precision'];
  const line = (name: string, f: ClassFigures): string[] => [name, String(f.truePositives), String(f.falseNegatives), String(f.falsePositives), String(f.duplicates), percent(f.recall), percent(f.precision)];
  const cells = [...[...byClass].map(([name, f]) => line(name, f)), line('overall (code-level)', overall)];
  const widths = header.map((title, column) => Math.max(title.length, ...cells.map((row) => (row[column] as string).length)));
  const format = (row: readonly string[]): string => row.map((cell, column) => (column === 0 ? cell.padEnd(widths[column] as number) : cell.padStart(widths[column] as number))).join('  ');
  return [format(header), widths.map((w) => '-'.repeat(w)).join('  '), ...cells.map(format)].join('\n');
}

async function accuracy(bundle: SecurityBundle): Promise<BenchRow[]> {
  const scores: AppScore[] = [];
  let skipped = 0;
  let parseErrors = 0;
  for (const app of apps()) {
    const root = path.join(CORPUS, app);
    const truth = JSON.parse(fs.readFileSync(path.join(root, TRUTH_FILE), 'utf8')) as TruthFile;
    const scanner = new bundle.SecurityScanner(new bundle.NodeWorkspaceFiles(root), { cache: false });
    const result = await scanner.scan();
    skipped += result.skipped.length;
    parseErrors += result.parseErrors.length;
    for (const error of result.parseErrors) console.log(`  parse error: ${app}/${error.file}: ${error.message}`);
    scores.push(scoreApp(truth, result.findings.filter((finding) => finding.file !== TRUTH_FILE)));
  }
  const summary = summarize(scores);
  console.log(classTable(summary.byClass, summary.overall));
  const fraction = (part: { found: number; planted: number }): string => `${part.found} of ${part.planted} (${percent(part.planted === 0 ? null : part.found / part.planted)})`;
  console.log(`\nrecall, flow within one file: ${fraction(summary.sameFile)}; flow across files (marked crossFile in truth): ${fraction(summary.crossFile)}`);
  console.log('\nper app:');
  for (const score of scores) {
    const own = summarize([score]).overall;
    console.log(`  ${score.app.padEnd(28)} found ${own.truePositives}/${own.truePositives + own.falseNegatives}, false ${own.falsePositives}, recall ${percent(own.recall)}, precision ${percent(own.precision)}`);
  }
  const where = (app: string, finding: { ruleId: string; file: string; line: number }): string => `${app}/${finding.file}:${finding.line} ${finding.ruleId}`;
  const list = (title: string, lines: string[]): void => {
    console.log(`\n${title} (${lines.length})`);
    for (const line of lines) console.log(`  ${line}`);
  };
  const clean = scores.filter((score) => score.found.length === 0 && score.missed.length === 0);
  list('findings in the clean app(s)', clean.flatMap((score) => [...score.falsePositives, ...score.inTests].map((f) => where(score.app, f))));
  list('missed (false negatives)', scores.flatMap((score) => score.missed.map((t) => `${score.app}/${t.file}:${t.line} ${t.class}: ${t.description}`)));
  list('false positives', scores.filter((score) => !clean.includes(score)).flatMap((score) => score.falsePositives.map((f) => `${where(score.app, f)}${classOfRule(f.ruleId) === undefined ? ` ${NO_CLASS}` : ''}`)));
  list('duplicates', scores.flatMap((score) => score.duplicates.map((d) => `${where(score.app, d.finding)} (on ${d.truth.file}:${d.truth.line})`)));
  list('in test files (reported apart)', scores.flatMap((score) => score.inTests.map((f) => where(score.app, f))));
  console.log('');

  const rows: BenchRow[] = [];
  const asPercent = (value: number | null): number => (value === null ? Number.NaN : Math.round(value * 1000) / 10);
  rows.push({ name: 'recall, code-level, all classes', value: asPercent(summary.overall.recall), unit: '%', note: `${summary.overall.truePositives} of ${summary.overall.truePositives + summary.overall.falseNegatives} planted vulnerabilities found; goal 80%` });
  rows.push({ name: 'precision, code-level, all classes', value: asPercent(summary.overall.precision), unit: '%', note: `${summary.overall.falsePositives} false positives; goal 80%` });
  for (const [name, figures] of summary.byClass) {
    if (figures.recall !== null) rows.push({ name: `recall ${name}`, value: asPercent(figures.recall), unit: '%' });
    if (figures.precision !== null) rows.push({ name: `precision ${name}`, value: asPercent(figures.precision), unit: '%' });
  }
  if (summary.crossFile.planted > 0) {
    rows.push({ name: 'recall, flow across files', value: asPercent(summary.crossFile.found / summary.crossFile.planted), unit: '%', note: `${summary.crossFile.found} of ${summary.crossFile.planted}; beyond the promised same-file helpers` });
  }
  rows.push({ name: 'findings in the clean app', value: clean.reduce((n, score) => n + score.falsePositives.length, 0), unit: 'findings' });
  rows.push({ name: 'duplicate findings', value: summary.overall.duplicates, unit: 'findings' });
  rows.push({ name: 'findings in test files', value: scores.reduce((n, score) => n + score.inTests.length, 0), unit: 'findings' });
  rows.push({ name: 'files skipped (minified, generated, too big)', value: skipped, unit: 'files' });
  rows.push({ name: 'files that failed to parse', value: parseErrors, unit: 'files' });
  return rows;
}

// ---------------------------------------------------------------------------------------------------------
// Speed

interface RecordedLint {
  text: string;
  config: unknown;
  options: unknown;
}

/** Records every file the scanner hands to ESLint (text, config, options), by wrapping the bundled Linter's verify. */
async function recordLints(bundle: SecurityBundle, root: string): Promise<RecordedLint[]> {
  const prototype = bundle.Linter.prototype as unknown as { verify: (...args: unknown[]) => unknown };
  const original = prototype.verify;
  const recorded = new Map<string, RecordedLint>();
  prototype.verify = function (this: unknown, ...args: unknown[]) {
    const [text, config, options] = args;
    // A file retried as a script after failing as a module counts once, as ESLint would lint it once.
    if (typeof text === 'string' && !recorded.has(text)) recorded.set(text, { text, config, options });
    return original.apply(this, args);
  };
  try {
    await new bundle.SecurityScanner(new bundle.NodeWorkspaceFiles(root), { cache: false, workers: false }).scan();
  } finally {
    prototype.verify = original;
  }
  return [...recorded.values()];
}

function plainEslint(bundle: SecurityBundle, root: string, files: readonly string[], lints: readonly RecordedLint[]): number {
  const linter = new bundle.Linter({ configType: 'flat' });
  const start = performance.now();
  // The same files read from disk as the scanner reads them, then linted with the same configs.
  for (const file of files) fs.readFileSync(path.join(root, file), 'utf8');
  for (const lint of lints) linter.verify(lint.text, lint.config as never, lint.options as never);
  return performance.now() - start;
}

async function timedScan(scanner: Scanner): Promise<{ ms: number; hits: number; cores: number }> {
  const start = performance.now();
  // CPU time of the whole process, worker threads included: over the wall time, how many cores the scan kept busy.
  const cpu = process.cpuUsage();
  const result = await scanner.scan();
  const ms = performance.now() - start;
  const used = process.cpuUsage(cpu);
  return { ms, hits: result.cache?.hits ?? 0, cores: ms > 0 ? (used.user + used.system) / 1000 / ms : 0 };
}

async function speed(bundle: SecurityBundle, label: string, root: string): Promise<BenchRow[]> {
  const workspace = (): InstanceType<SecurityBundle['NodeWorkspaceFiles']> => new bundle.NodeWorkspaceFiles(root);
  const lints = await recordLints(bundle, root);
  const files = (await new bundle.SecurityScanner(workspace(), { cache: false, workers: false }).scan()).filesScanned;
  const bytes = lints.reduce((sum, lint) => sum + lint.text.length, 0);

  const plain: number[] = [];
  const byDefault: number[] = [];
  const coresByDefault: number[] = [];
  const inProcess: number[] = [];
  const coresInProcess: number[] = [];
  const freshWorkers: number[] = [];
  const runningWorkers: number[] = [];
  for (let round = 0; round < REPEATS; round++) {
    // Interleaved, so a burst of load from elsewhere on the machine hits every variant alike.
    plain.push(plainEslint(bundle, root, files, lints));
    await bundle.stopIdleScanWorkers();
    const cold = await timedScan(new bundle.SecurityScanner(workspace(), { cache: false }));
    byDefault.push(cold.ms);
    coresByDefault.push(cold.cores);
    const oneThread = await timedScan(new bundle.SecurityScanner(workspace(), { cache: false, workers: false }));
    inProcess.push(oneThread.ms);
    coresInProcess.push(oneThread.cores);
    await bundle.stopIdleScanWorkers();
    freshWorkers.push((await timedScan(new bundle.SecurityScanner(workspace(), { cache: false, parallelFromBytes: 0 }))).ms);
    runningWorkers.push((await timedScan(new bundle.SecurityScanner(workspace(), { cache: false, parallelFromBytes: 0 }))).ms);
  }
  await bundle.stopIdleScanWorkers();

  // The warm rescan: a workspace the orchestrator has used (it has the .agent-orchestrator folder), scanned once to
  // fill the cache, then again by a new scanner, as the next run would.
  fs.mkdirSync(path.join(root, '.agent-orchestrator'), { recursive: true });
  const filling = await timedScan(new bundle.SecurityScanner(workspace()));
  const warm: number[] = [];
  let hits = 0;
  for (let round = 0; round < REPEATS; round++) {
    const rescan = await timedScan(new bundle.SecurityScanner(workspace()));
    warm.push(rescan.ms);
    hits = rescan.hits;
  }
  fs.rmSync(path.join(root, '.agent-orchestrator'), { recursive: true, force: true });
  await bundle.stopIdleScanWorkers();

  const plainMs = Math.round(median(plain));
  const cold = Math.round(median(byDefault));
  const what = `${files.length} files, ${Math.round(bytes / 1024)} KB linted`;
  const againstPlain = { name: 'plain ESLint, same rules and files', value: plainMs };
  return [
    { name: `${label}: cold scan`, value: cold, unit: 'ms', baseline: againstPlain, note: `${what}; median of ${REPEATS}; as users run it: spread over ${os.availableParallelism()} core(s) from PARALLEL_FROM_BYTES, else in one thread` },
    {
      name: `${label}: cores busy during the cold scan`,
      value: Math.round(median(coresByDefault) * 100) / 100,
      unit: 'cores',
      baseline: { name: 'the same scan in one thread', value: Math.round(median(coresInProcess) * 100) / 100 },
      note: `process CPU time (worker threads included) over wall time, against the one-thread scan under the same load; ${os.availableParallelism()} core(s) available; other load on the machine lowers both`,
    },
    { name: `${label}: cold scan in one thread`, value: Math.round(median(inProcess)), unit: 'ms', baseline: againstPlain },
    { name: `${label}: cold scan on workers, started fresh`, value: Math.round(median(freshWorkers)), unit: 'ms', baseline: againstPlain, note: 'forced onto workers whatever the size' },
    { name: `${label}: cold scan on workers already running`, value: Math.round(median(runningWorkers)), unit: 'ms', baseline: againstPlain, note: 'as a rescan within 30 s of the last one (the idle workers are kept that long)' },
    { name: `${label}: first scan, filling the cache`, value: Math.round(filling.ms), unit: 'ms', baseline: { name: 'cold scan', value: cold } },
    { name: `${label}: warm rescan (unchanged files)`, value: Math.round(median(warm)), unit: 'ms', baseline: { name: 'cold scan', value: cold }, note: `${hits} of ${files.length} files answered by the cache (the files are still listed, read and hashed); aim under 10% of the cold scan` },
  ];
}

/** What starting the workers costs: two one-line files, one per worker, against the same two in this thread. */
async function workerStartUp(bundle: SecurityBundle, root: string): Promise<BenchRow> {
  fs.mkdirSync(root, { recursive: true });
  fs.writeFileSync(path.join(root, 'a.js'), 'module.exports = (req) => eval(req.body.a);\n');
  fs.writeFileSync(path.join(root, 'b.js'), 'module.exports = (req) => eval(req.body.b);\n');
  const fresh: number[] = [];
  const inThread: number[] = [];
  for (let round = 0; round < REPEATS; round++) {
    await bundle.stopIdleScanWorkers();
    fresh.push((await timedScan(new bundle.SecurityScanner(new bundle.NodeWorkspaceFiles(root), { cache: false, parallelFromBytes: 0 }))).ms);
    inThread.push((await timedScan(new bundle.SecurityScanner(new bundle.NodeWorkspaceFiles(root), { cache: false, workers: false }))).ms);
  }
  await bundle.stopIdleScanWorkers();
  return {
    name: 'worker start-up: 2 tiny files on fresh workers',
    value: Math.round(median(fresh)),
    unit: 'ms',
    baseline: { name: 'the same 2 files in this thread', value: Math.round(median(inThread)) },
    note: 'what a scan pays before the second core helps (this thread has ESLint loaded already); PARALLEL_FROM_BYTES in securityScanner.ts follows from it',
  };
}

export const securityCorpusBench: Bench = async () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ao-security-corpus-'));
  try {
    const bundle = await buildSecurityBundle(path.join(tmp, 'bundle'));
    const rows = await accuracy(bundle);
    rows.push(await workerStartUp(bundle, path.join(tmp, 'start-up')));
    const corpusCopy = path.join(tmp, 'corpus');
    fs.cpSync(CORPUS, corpusCopy, { recursive: true });
    rows.push(...(await speed(bundle, 'corpus', corpusCopy)));
    const large = path.join(tmp, 'large');
    writeLargeWorkspace(large, LARGE_MODULES);
    rows.push(...(await speed(bundle, `large workspace (${LARGE_MODULES} modules)`, large)));
    return rows;
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
};
