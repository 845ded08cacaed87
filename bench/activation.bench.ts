// Extension activation and bundle sizes.
//   (a) Activation: dist/extension.js (as built by `npm run bench`, i.e. `node esbuild.mjs --production`, what the VSIX ships) is loaded in a fresh
//       Node process with a stub `vscode` module (bench/support/vscodeStub.ts: tolerant Proxy, real EventEmitter,
//       Uri, one temp workspace folder, trusted, configuration defaults from package.json) and a fake
//       ExtensionContext; timed in that process: `require(dist/extension.js)` and `await activate(context)`, median of
//       7 processes. Also recorded: the modules activation added to require.cache, heavy ones among them (sql.js,
//       eslint, typescript, the engine, which is bundled, so also: sql-wasm.wasm read, a .agent-orchestrator folder
//       created in the workspace, dist/engineHost.js forked), and every child process started, up to 500 ms after
//       activate() returned. Baseline, same run: the same child process loading a module whose activate() is empty.
//   (b) Bundle sizes: raw bytes of dist/extension.js, engineHost.js, cli.js, webview/dashboard.js and .css,
//       sql-wasm.wasm and the VSIX at the repository root if there is one, each against its gzip -9 size (the ratio
//       is the compression ratio). Missing files are reported in a row note, not measured.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';
import { percentile, type Bench, type BenchRow } from './harness';
import type { ActivationChildInput, ActivationChildReport } from './support/activationChild';

const REPO = path.resolve(__dirname, '..');
const EXTENSION = path.join(REPO, 'dist', 'extension.js');
const PROCESSES = 7;
const SETTLE_MS = 500;
const CHILD_TIMEOUT_MS = 60_000;

/** What must not load at activation: the analyzers, sql.js and the engine (bundled, so recognised by its files too). */
const HEAVY_MODULE = /[\\/]node_modules[\\/](sql\.js|eslint|eslint-plugin-security|@typescript-eslint[\\/][^\\/]+|typescript)[\\/]|[\\/]dist[\\/](engineHost|cli)\.js$|[\\/]src[\\/](core|agents|engineHost)[\\/]/;

function round(value: number, digits: number): number {
  return Number(value.toFixed(digits));
}

function median(values: readonly number[]): number {
  return percentile([...values].sort((a, b) => a - b), 50);
}

function kib(bytes: number): number {
  return round(bytes / 1024, 1);
}

async function bundleChild(outDir: string): Promise<string> {
  const outfile = path.join(outDir, 'activationChild.js');
  await build({
    entryPoints: [path.join(__dirname, 'support', 'activationChild.ts')],
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    outfile,
    logLevel: 'silent',
  });
  return outfile;
}

function runChild(childScript: string, root: string, target: string, round: number): ActivationChildReport {
  const dir = fs.mkdtempSync(path.join(root, `activation-${round}-`));
  const workspaceFolder = path.join(dir, 'workspace');
  fs.mkdirSync(workspaceFolder);
  fs.writeFileSync(path.join(workspaceFolder, 'package.json'), '{ "name": "activation-bench-workspace", "private": true }\n');
  const input: ActivationChildInput = {
    target,
    extensionRoot: REPO,
    workspaceFolder,
    storageRoot: path.join(dir, 'storage'),
    resultFile: path.join(dir, 'result.json'),
    settleMs: SETTLE_MS,
  };
  const child = spawnSync(process.execPath, [childScript, JSON.stringify(input)], {
    cwd: dir,
    encoding: 'utf8',
    timeout: CHILD_TIMEOUT_MS,
    // No loader flags of the bench process (tsx) in the child: it must look like the extension host's Node.
    env: { ...process.env, NODE_OPTIONS: '' },
  });
  if (child.status !== 0 || !fs.existsSync(input.resultFile)) {
    throw new Error(`activation child for ${target} failed (${child.status ?? child.signal}):\n${child.stderr}`);
  }
  return JSON.parse(fs.readFileSync(input.resultFile, 'utf8')) as ActivationChildReport;
}

function heavyFindings(report: ActivationChildReport): string[] {
  const found = report.modules.filter((module) => HEAVY_MODULE.test(module.file)).map((module) => path.relative(REPO, module.file));
  if (report.filesRead.some((file) => file.endsWith('sql-wasm.wasm'))) found.push('sql.js initialised (sql-wasm.wasm read)');
  if (report.storeFolderCreated) found.push('engine opened (.agent-orchestrator created in the workspace)');
  if (report.childProcesses.some((started) => started.includes('engineHost'))) found.push('engine process forked');
  return found;
}

function activationRows(extension: ActivationChildReport[], empty: ActivationChildReport[]): BenchRow[] {
  const last = extension[extension.length - 1] as ActivationChildReport;
  const lastEmpty = empty[empty.length - 1] as ActivationChildReport;
  const baselineName = 'same child process, empty module';
  const total = (r: ActivationChildReport): number => r.requireMs + r.activateMs;
  const errors = extension.map((r) => r.activateError).filter((e): e is string => e !== null);
  // A failed activation would be timed as a fast one: no figures then (if the stub lacks an API, extend the stub).
  if (errors.length > 0) throw new Error(`activate() threw in ${errors.length} of ${extension.length} processes:\n${errors[0]}`);
  const heavy = [...new Set(extension.flatMap(heavyFindings))];
  const spawned = [...new Set(extension.flatMap((r) => r.childProcesses))];
  const moduleNames = last.modules.map((m) => path.relative(REPO, m.file) || m.file);
  const bytes = (r: ActivationChildReport): number => r.modules.reduce((sum, m) => sum + m.bytes, 0);
  const otherReads = last.filesRead.filter((file) => !last.modules.some((m) => m.file === file)).map((file) => path.relative(REPO, file));
  return [
    {
      name: 'require(dist/extension.js) + activate(context)',
      value: round(median(extension.map(total)), 2),
      unit: 'ms',
      baseline: { name: `${baselineName}: require + empty activate()`, value: round(median(empty.map(total)), 3) },
      note: `median of ${PROCESSES} fresh processes (all: ${extension.map((r) => round(total(r), 1)).join(', ')} ms); ${last.subscriptions} subscriptions pushed`,
    },
    {
      name: 'require(dist/extension.js)',
      value: round(median(extension.map((r) => r.requireMs)), 2),
      unit: 'ms',
      baseline: { name: `${baselineName}: require`, value: round(median(empty.map((r) => r.requireMs)), 3) },
    },
    {
      name: 'activate(context)',
      value: round(median(extension.map((r) => r.activateMs)), 2),
      unit: 'ms',
      baseline: { name: `${baselineName}: empty activate()`, value: round(median(empty.map((r) => r.activateMs)), 4) },
    },
    {
      name: 'JavaScript loaded by activation (files added to require.cache)',
      value: kib(bytes(last)),
      unit: 'KiB',
      baseline: { name: baselineName, value: kib(bytes(lastEmpty)) },
      note: `${last.modules.length} file(s): ${moduleNames.join(', ')}${last.modulesAfterSettle.length > 0 ? `; ${last.modulesAfterSettle.length} loaded within ${SETTLE_MS} ms after activate() returned` : ''}; other files read: ${otherReads.join(', ') || 'none'}`,
    },
    {
      name: 'heavy modules loaded by activation (sql.js, eslint, typescript, engine)',
      value: heavy.length,
      unit: 'modules',
      baseline: { name: baselineName, value: heavyFindings(lastEmpty).length },
      note: heavy.length === 0 ? `none, also none within ${SETTLE_MS} ms after activate() returned` : heavy.join('; '),
    },
    {
      name: 'child processes started by activation',
      value: spawned.length,
      unit: 'processes',
      baseline: { name: baselineName, value: lastEmpty.childProcesses.length },
      note: spawned.length === 0 ? `none, also none within ${SETTLE_MS} ms after activate() returned` : spawned.join('; '),
    },
  ];
}

function bundleRows(): BenchRow[] {
  const vsix = fs
    .readdirSync(REPO)
    .filter((file) => file.endsWith('.vsix'))
    .map((file) => ({ file, mtime: fs.statSync(path.join(REPO, file)).mtimeMs }))
    .sort((a, b) => b.mtime - a.mtime)[0];
  const files = [
    'dist/extension.js',
    'dist/engineHost.js',
    'dist/cli.js',
    'dist/webview/dashboard.js',
    'dist/webview/dashboard.css',
    'dist/sql-wasm.wasm',
    ...(vsix === undefined ? [] : [vsix.file]),
  ];
  const rows: BenchRow[] = [];
  const missing: string[] = [];
  for (const file of files) {
    const full = path.join(REPO, file);
    if (!fs.existsSync(full)) {
      missing.push(file);
      continue;
    }
    const raw = fs.readFileSync(full);
    const gzip = gzipSync(raw, { level: 9 });
    const notes: string[] = [];
    if (file.endsWith('.vsix')) notes.push(`a zip already; built ${new Date(vsix?.mtime ?? 0).toISOString()}, may be older than dist/`);
    // A development build (`node esbuild.mjs` without --production) inlines the webview's source map.
    const text = file.endsWith('.js') ? raw.toString('utf8') : '';
    const inlineMap = text.lastIndexOf('//# sourceMappingURL=data:');
    if (inlineMap >= 0) {
      const code = Buffer.from(text.slice(0, inlineMap));
      notes.push(`includes an inline source map (development build); without it ${kib(code.length)} KiB raw, ${kib(gzipSync(code, { level: 9 }).length)} KiB gzip`);
    }
    rows.push({
      name: `${file} gzip -9 size`,
      value: kib(gzip.length),
      unit: 'KiB',
      baseline: { name: `raw size (${raw.length.toLocaleString('en-US')} bytes)`, value: kib(raw.length) },
      note: notes.length > 0 ? notes.join('; ') : undefined,
    });
  }
  if (missing.length > 0 && rows.length > 0) {
    const first = rows[0] as BenchRow;
    first.note = `${first.note ? `${first.note}; ` : ''}missing, not measured: ${missing.join(', ')}${vsix === undefined ? ', no *.vsix at the repository root' : ''}`;
  }
  return rows;
}

export const activationBench: Bench = async () => {
  if (!fs.existsSync(EXTENSION)) throw new Error('dist/extension.js is missing: run `node esbuild.mjs` first.');
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'ao-activation-bench-'));
  try {
    const childScript = await bundleChild(root);
    const emptyModule = path.join(root, 'empty-extension.js');
    fs.writeFileSync(emptyModule, 'exports.activate = function activate() {};\n');
    const extension: ActivationChildReport[] = [];
    const empty: ActivationChildReport[] = [];
    // Alternating, so a slow moment of the machine hits both sides alike.
    for (let i = 0; i < PROCESSES; i++) {
      empty.push(runChild(childScript, root, emptyModule, i));
      extension.push(runChild(childScript, root, EXTENSION, i));
    }
    return [...activationRows(extension, empty), ...bundleRows()];
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
};
