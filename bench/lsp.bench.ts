// Findings language server latency, on a scratch copy of examples/vulnerable-api with one real CLI run recorded:
//   - as the VS Code extension runs it (dist/lspServer.js forked over Node IPC, followClientSession): process start to
//     `initialize` answered; `agentOrchestrator/showSession` to every diagnostic of the session published (in a
//     fresh server, and again in a warm one); a finished run appended to the store (a copy of the recorded run's
//     events, appended through SessionStore as the engine does, with its end-of-run snapshot) to its diagnostics
//     published, with the `agentOrchestrator/sessionChanged` nudge the extension sends and without it (the server's
//     own poll of the store, every second);
//   - standalone, as Neovim runs it (`agent-orchestrator lsp` over stdio, the latest session): process start to
//     `initialize` answered and to the first publish.
// The baseline, measured in the same run: opening the store read-only and folding the session in this process
// (what the server does per read). Medians of ROUNDS repetitions.
import { execFile, fork, spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import {
  IPCMessageReader,
  IPCMessageWriter,
  StreamMessageReader,
  StreamMessageWriter,
  createMessageConnection,
  type MessageConnection,
} from 'vscode-jsonrpc/node';
import { foldEvents } from '../src/core/logging/runState';
import type { OrchestratorEvent } from '../src/core/protocol/events';
import { SHOW_SESSION_NOTIFICATION, SESSION_CHANGED_NOTIFICATION } from '../src/core/protocol/findingsLanguageServer';
import { SessionStore, storeDirFor } from '../src/core/store/sessionStore';
import { median, timeEach, type Bench, type BenchRow } from './harness';
import { copyOfRun } from './support/runCopy';

const REPO = path.resolve(__dirname, '..');
const CLI = path.join(REPO, 'dist', 'cli.js');
const SERVER = path.join(REPO, 'dist', 'lspServer.js');
const EXAMPLE_REQUEST = 'Fix security vulnerability in authentication endpoint';
const ROUNDS = Number(process.env['AO_LSP_BENCH_ROUNDS'] ?? 7);
/** A publish that never comes is a broken server, not a slow one. */
const PUBLISH_TIMEOUT_MS = 60_000;
/** STORE_POLL_MS of src/lsp/findingsLanguageServer.ts. */
const POLL_PERIOD_MS = 1_000;

interface PublishedDiagnostic { data?: { sessionId?: string | null } }

/** A client connection to one server process, keeping the diagnostics it last published per file. */
class ServerUnderTest {
  readonly diagnostics = new Map<string, PublishedDiagnostic[]>();
  #waiters: (() => void)[] = [];

  constructor(readonly process: ChildProcess, readonly connection: MessageConnection) {
    connection.onNotification('textDocument/publishDiagnostics', (params: { uri: string; diagnostics: PublishedDiagnostic[] }) => {
      this.diagnostics.set(params.uri, params.diagnostics);
      for (const wake of this.#waiters) wake();
    });
    connection.listen();
    // A server that dies answers nothing: say so instead of waiting on a request that never settles.
    this.#died = new Promise((_, reject) => {
      this.process.once('exit', (code, signal) => reject(new Error(`the language server exited (${signal ?? code}) before answering`)));
    });
    this.#died.catch(() => undefined);
  }

  readonly #died: Promise<never>;

  all(): PublishedDiagnostic[] {
    return [...this.diagnostics.values()].flat();
  }

  /** Exactly the `count` diagnostics of `sessionId` are shown (count 0: none at all). */
  shows(sessionId: string | null, count: number): boolean {
    const all = this.all();
    return all.length === count && all.every((d) => d.data?.sessionId === sessionId);
  }

  /** Settles once `condition` holds after a publish (or already holds). */
  until(condition: () => boolean, what: string): Promise<void> {
    return Promise.race([this.#died, this.#published(condition, what)]);
  }

  #published(condition: () => boolean, what: string): Promise<void> {
    return new Promise((resolve, reject) => {
      if (condition()) return resolve();
      const timer = setTimeout(() => {
        this.#waiters = this.#waiters.filter((w) => w !== check);
        reject(new Error(`the language server did not publish ${what} within ${PUBLISH_TIMEOUT_MS / 1000} s`));
      }, PUBLISH_TIMEOUT_MS);
      const check = (): void => {
        if (!condition()) return;
        clearTimeout(timer);
        this.#waiters = this.#waiters.filter((w) => w !== check);
        resolve();
      };
      this.#waiters.push(check);
    });
  }

  async initialize(workspace: string, initializationOptions?: object): Promise<void> {
    const rootUri = pathToFileURL(workspace).toString();
    await Promise.race([this.#died, this.connection.sendRequest('initialize', {
      processId: process.pid,
      rootUri,
      workspaceFolders: [{ uri: rootUri, name: 'ws' }],
      capabilities: {},
      ...(initializationOptions ? { initializationOptions } : {}),
    })]);
    await this.connection.sendNotification('initialized', {});
  }

  async stop(): Promise<void> {
    const exited = new Promise<void>((resolve) => {
      if (this.process.exitCode !== null || this.process.signalCode !== null) resolve();
      else this.process.once('exit', () => resolve());
    });
    await this.connection.sendRequest('shutdown').catch(() => undefined);
    await this.connection.sendNotification('exit').catch(() => undefined);
    const killer = setTimeout(() => this.process.kill(), 5_000);
    await exited;
    clearTimeout(killer);
    this.connection.dispose();
  }
}

/** The server as the extension forks it (src/vscode/findingsLanguageClient.ts): --node-ipc, its client's pid. */
function forkIpcServer(workspace: string): ServerUnderTest {
  const child = fork(SERVER, ['--node-ipc', `--clientProcessId=${process.pid}`], { cwd: workspace, stdio: ['ignore', 'ignore', 'ignore', 'ipc'], execArgv: [] });
  return new ServerUnderTest(child, createMessageConnection(new IPCMessageReader(child), new IPCMessageWriter(child)));
}

/** `agent-orchestrator lsp` as an editor's LSP client starts it: a command over stdio. */
function spawnStdioServer(workspace: string): ServerUnderTest {
  const child = spawn(process.execPath, [CLI, 'lsp', '--workspace', workspace, '--stdio'], { cwd: workspace, stdio: ['pipe', 'pipe', 'ignore'] });
  return new ServerUnderTest(child, createMessageConnection(new StreamMessageReader(child.stdout!), new StreamMessageWriter(child.stdin!)));
}

/** What the server does for each read: open the store read-only, find the session, fold its events, close. */
async function readAndFold(workspace: string, sessionId: string): Promise<number> {
  const store = await SessionStore.open({ dir: storeDirFor(workspace), root: workspace, mode: 'read' });
  try {
    const session = store.listSessions().find((s) => s.sessionId === sessionId);
    if (!session) throw new Error(`session ${sessionId} is not in the store`);
    return foldEvents(session.sessionId, store.getEvents(session.sessionId)).findings.length;
  } finally {
    await store.close();
  }
}

function p90(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return Number((sorted[Math.min(sorted.length - 1, Math.ceil(0.9 * sorted.length) - 1)] as number).toFixed(1));
}

export const lspBench: Bench = async () => {
  for (const file of [CLI, SERVER]) if (!fs.existsSync(file)) throw new Error(`${file} is missing: build first (node esbuild.mjs)`);
  // No command runs (no --allow-commands), so the copy need not sit inside the repository like the tests' copies.
  const workspace = fs.mkdtempSync(path.join(os.tmpdir(), 'lsp-bench-'));
  fs.cpSync(path.join(REPO, 'examples', 'vulnerable-api'), workspace, { recursive: true });
  const servers: ServerUnderTest[] = [];
  let writer: SessionStore | null = null;
  try {
    const runStart = performance.now();
    const { stdout } = await promisify(execFile)(process.execPath, [CLI, 'run', EXAMPLE_REQUEST, '--workspace', workspace, '--json'], { maxBuffer: 64 * 1024 * 1024, env: { ...process.env, NO_COLOR: '1' } });
    const cliRunMs = performance.now() - runStart;
    const { sessionId } = JSON.parse(stdout) as { sessionId: string };
    const reader = await SessionStore.open({ dir: storeDirFor(workspace), root: workspace, mode: 'read' });
    const recorded: OrchestratorEvent[] = reader.getEvents(sessionId);
    await reader.close();
    const findings = foldEvents(sessionId, recorded).findings.length;
    if (findings === 0) throw new Error('the example run reported no finding: nothing to publish');

    // Baseline: the store opened and the session folded in this process.
    await timeEach(2, () => readAndFold(workspace, sessionId));
    const foldMs = median(await timeEach(ROUNDS, () => readAndFold(workspace, sessionId)));

    // A fresh server per round: process start to initialize answered, then showSession to every diagnostic.
    const initializeMs: number[] = [];
    const coldShowMs: number[] = [];
    for (let i = 0; i < ROUNDS; i++) {
      const start = performance.now();
      const server = forkIpcServer(workspace);
      servers.push(server);
      await server.initialize(workspace, { followClientSession: true, reviewChangeCommand: 'bench.review' });
      initializeMs.push(performance.now() - start);
      const shown = performance.now();
      await server.connection.sendNotification(SHOW_SESSION_NOTIFICATION, { sessionId });
      await server.until(() => server.shows(sessionId, findings), `the ${findings} diagnostics of ${sessionId}`);
      coldShowMs.push(performance.now() - shown);
      await server.stop();
      servers.pop();
    }

    // One server kept running, as in an editor session.
    const server = forkIpcServer(workspace);
    servers.push(server);
    await server.initialize(workspace, { followClientSession: true, reviewChangeCommand: 'bench.review' });
    const warmShowMs: number[] = [];
    for (let i = 0; i < ROUNDS; i++) {
      await server.connection.sendNotification(SHOW_SESSION_NOTIFICATION, { sessionId: null });
      await server.until(() => server.shows(null, 0), 'no diagnostics');
      const shown = performance.now();
      await server.connection.sendNotification(SHOW_SESSION_NOTIFICATION, { sessionId });
      await server.until(() => server.shows(sessionId, findings), `the ${findings} diagnostics of ${sessionId}`);
      warmShowMs.push(performance.now() - shown);
    }

    // Finished runs appended: the extension names the live session when it starts (nothing stored yet, so the server
    // clears what it showed), then the run's events reach the store; timed from the first append to every diagnostic
    // of the new session published. Alternating with and without the nudge so the machine's drift hits both alike.
    writer = await SessionStore.open({ dir: storeDirFor(workspace), root: workspace, mode: 'write' });
    const appendMs: { nudged: number[]; polled: number[]; written: number[] } = { nudged: [], polled: [], written: [] };
    const first = recorded[0] as OrchestratorEvent;
    for (let i = 0; i < 2 * ROUNDS; i++) {
      const nudge = i % 2 === 0;
      const copyId = `session_21000101_${String(i).padStart(6, '0')}_${sessionId.slice(-6)}`;
      const events = copyOfRun(recorded, copyId, Date.now() - first.ts);
      await server.connection.sendNotification(SHOW_SESSION_NOTIFICATION, { sessionId: copyId });
      await server.until(() => server.shows(null, 0), 'no diagnostics before the run');
      // Each round ends on a publish, which without the nudge follows a tick of the server's poll: a random pause
      // keeps the next run from starting at the same point of the poll's period every time.
      await sleep(Math.random() * POLL_PERIOD_MS);
      const start = performance.now();
      for (const event of events) void writer.append(event);
      await writer.flushed();
      appendMs.written.push(performance.now() - start);
      if (nudge) await server.connection.sendNotification(SESSION_CHANGED_NOTIFICATION, {});
      await server.until(() => server.shows(copyId, findings), `the ${findings} diagnostics of the appended run ${copyId}`);
      (nudge ? appendMs.nudged : appendMs.polled).push(performance.now() - start);
    }
    await server.stop();
    servers.pop();

    // Standalone over stdio, the latest session (the last appended copy), as Neovim starts it.
    const latest = writer.listSessions()[0]?.sessionId ?? null;
    await writer.close();
    writer = null;
    const stdioInitializeMs: number[] = [];
    const stdioPublishMs: number[] = [];
    for (let i = 0; i < ROUNDS; i++) {
      const start = performance.now();
      const standalone = spawnStdioServer(workspace);
      servers.push(standalone);
      await standalone.initialize(workspace);
      stdioInitializeMs.push(performance.now() - start);
      await standalone.until(() => standalone.shows(latest, findings), `the ${findings} diagnostics of the latest session ${latest}`);
      stdioPublishMs.push(performance.now() - start);
      await standalone.stop();
      servers.pop();
    }

    const baseline = { name: 'open store + fold session in-process', value: foldMs };
    const rows: BenchRow[] = [
      { name: `IPC server: process start -> initialize answered (median of ${ROUNDS})`, value: median(initializeMs), unit: 'ms', baseline, note: `p90 ${p90(initializeMs)} ms` },
      { name: `IPC server, fresh: showSession -> all ${findings} diagnostics published`, value: median(coldShowMs), unit: 'ms', baseline, note: `p90 ${p90(coldShowMs)} ms; the first read in a process loads sql.js` },
      { name: 'IPC server, warm: showSession -> all diagnostics published', value: median(warmShowMs), unit: 'ms', baseline, note: `p90 ${p90(warmShowMs)} ms` },
      { name: 'run appended -> diagnostics, with sessionChanged nudge', value: median(appendMs.nudged), unit: 'ms', baseline, note: `p90 ${p90(appendMs.nudged)} ms; from the first of ${recorded.length} events appended (on disk after a median ${median(appendMs.written)} ms)` },
      { name: 'run appended -> diagnostics, server poll only', value: median(appendMs.polled), unit: 'ms', baseline, note: `p90 ${p90(appendMs.polled)} ms; the server checks the store's files every ${POLL_PERIOD_MS} ms; runs start at random points of that period` },
      { name: `stdio \`agent-orchestrator lsp\`: start -> initialize answered`, value: median(stdioInitializeMs), unit: 'ms', baseline, note: `p90 ${p90(stdioInitializeMs)} ms; loads dist/cli.js` },
      { name: 'stdio `agent-orchestrator lsp`: start -> first publish (latest session)', value: median(stdioPublishMs), unit: 'ms', baseline, note: `p90 ${p90(stdioPublishMs)} ms` },
      { name: 'for scale: one CLI run of the example (recorded once)', value: Number(cliRunMs.toFixed(1)), unit: 'ms' },
    ];
    return rows;
  } finally {
    for (const server of servers) server.process.kill();
    await writer?.close();
    fs.rmSync(workspace, { recursive: true, force: true });
  }
};
