// Runs in a fresh Node process (bundled by the activation bench into a temp .js, so no TypeScript loader is in the
// way): installs the `vscode` stub, then times `require(target)` and `await activate(context)`, and records what the
// activation pulled in: modules in require.cache, child processes started, files read (sql-wasm.wasm means sql.js
// was initialised), and whether the workspace got a store folder (the engine was opened). Writes a JSON report.
import * as fs from 'node:fs';
import Module from 'node:module';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { configurationDefaults, createExtensionContext, createVscodeStub } from './vscodeStub';

export interface ActivationChildInput {
  /** Absolute path of the module to load (dist/extension.js, or the empty baseline module). */
  target: string;
  extensionRoot: string;
  workspaceFolder: string;
  storageRoot: string;
  resultFile: string;
  /** How long to keep watching after activate() returns (deferred work still counts as activation's). */
  settleMs: number;
}

export interface ActivationChildReport {
  requireMs: number;
  activateMs: number;
  /** Files in require.cache after activation (the target itself included), with sizes. */
  modules: { file: string; bytes: number }[];
  /** Files in require.cache that appeared during the settle period after activate() returned. */
  modulesAfterSettle: string[];
  childProcesses: string[];
  filesRead: string[];
  storeFolderCreated: boolean;
  subscriptions: number;
  activateError: string | null;
}

const VSCODE_ID = '\0vscode-stub';

function installVscodeStub(stub: unknown): void {
  type Resolve = (request: string, ...rest: unknown[]) => string;
  const loader = Module as unknown as { _resolveFilename: Resolve };
  const original = loader._resolveFilename;
  loader._resolveFilename = function resolveWithStub(this: unknown, request: string, ...rest: unknown[]): string {
    return request === 'vscode' ? VSCODE_ID : original.call(this, request, ...rest);
  };
  const stubModule = new Module(VSCODE_ID);
  stubModule.filename = VSCODE_ID;
  stubModule.loaded = true;
  stubModule.exports = stub;
  require.cache[VSCODE_ID] = stubModule;
}

/** Wraps the child_process functions so every process started from here on is recorded. */
function recordChildProcesses(started: string[]): void {
  // The module object itself (an `import * as` namespace is read-only once bundled): the extension's calls go through it.
  const target = require('node:child_process') as Record<string, unknown>;
  for (const name of ['spawn', 'spawnSync', 'fork', 'exec', 'execSync', 'execFile', 'execFileSync']) {
    const original = target[name];
    if (typeof original !== 'function') continue;
    target[name] = function recorded(this: unknown, ...args: unknown[]): unknown {
      started.push(`${name} ${String(args[0])}`);
      return (original as (...a: unknown[]) => unknown).apply(this, args);
    };
  }
}

/** Records every file read through fs (sync, callback and promise APIs). */
function recordFileReads(read: string[]): void {
  const record = (file: unknown): void => {
    if (typeof file === 'string') read.push(file);
    else if (file instanceof URL) read.push(file.pathname);
  };
  const sync = require('node:fs') as Record<string, unknown>;
  for (const name of ['readFileSync', 'readFile', 'openSync', 'open', 'createReadStream']) {
    const original = sync[name];
    if (typeof original !== 'function') continue;
    sync[name] = function recorded(this: unknown, ...args: unknown[]): unknown {
      record(args[0]);
      return (original as (...a: unknown[]) => unknown).apply(this, args);
    };
  }
  const promises = (require('node:fs') as typeof fs).promises as unknown as Record<string, unknown>;
  for (const name of ['readFile', 'open']) {
    const original = promises[name];
    if (typeof original !== 'function') continue;
    promises[name] = function recorded(this: unknown, ...args: unknown[]): unknown {
      record(args[0]);
      return (original as (...a: unknown[]) => unknown).apply(this, args);
    };
  }
}

async function main(): Promise<void> {
  const input = JSON.parse(process.argv[2] ?? '') as ActivationChildInput;
  const packageJson: unknown = JSON.parse(fs.readFileSync(path.join(input.extensionRoot, 'package.json'), 'utf8'));
  installVscodeStub(createVscodeStub({ workspaceFolder: input.workspaceFolder, configurationDefaults: configurationDefaults(packageJson) }));
  const context = createExtensionContext(input.extensionRoot, input.storageRoot, packageJson);
  const childProcesses: string[] = [];
  const filesRead: string[] = [];
  recordChildProcesses(childProcesses);
  recordFileReads(filesRead);
  const cachedBefore = new Set(Object.keys(require.cache));

  const requireStart = performance.now();
  const loaded = require(input.target) as { activate?: (context: unknown) => unknown };
  const requireMs = performance.now() - requireStart;
  let activateError: string | null = null;
  const activateStart = performance.now();
  try {
    await loaded.activate?.(context);
  } catch (error) {
    activateError = error instanceof Error ? (error.stack ?? error.message) : String(error);
  }
  const activateMs = performance.now() - activateStart;

  const cachedAfterActivate = new Set(Object.keys(require.cache));
  await new Promise((resolve) => setTimeout(resolve, input.settleMs));
  const cachedAfterSettle = Object.keys(require.cache);

  const modules = cachedAfterSettle
    .filter((file) => !cachedBefore.has(file) && file !== VSCODE_ID)
    .map((file) => ({ file, bytes: fs.existsSync(file) ? fs.statSync(file).size : 0 }));
  const report: ActivationChildReport = {
    requireMs,
    activateMs,
    modules,
    modulesAfterSettle: cachedAfterSettle.filter((file) => !cachedAfterActivate.has(file)),
    childProcesses,
    filesRead: [...new Set(filesRead)],
    storeFolderCreated: fs.existsSync(path.join(input.workspaceFolder, '.agent-orchestrator')),
    subscriptions: context.subscriptions.length,
    activateError,
  };
  fs.writeFileSync(input.resultFile, JSON.stringify(report));
  // Deactivation is not measured; the process exits even if the extension left handles open.
  process.exit(0);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
