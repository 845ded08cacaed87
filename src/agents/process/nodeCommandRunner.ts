import { spawn, type ChildProcess } from 'node:child_process';
import { promises as fs } from 'node:fs';
import type { CommandResult, CommandRunner } from '../../core/ports';

export interface NodeCommandRunnerOptions {
  /** Bytes kept per stream; beyond that the middle is dropped and a note says how much. @default 1_048_576 */
  maxOutputBytes?: number;
  /** Time between SIGTERM and SIGKILL when stopping a process group. @default 2000 */
  killGraceMs?: number;
}

/**
 * Keeps the first and the last half of a stream within a byte budget: test runners print failures early and
 * their totals at the end, and both matter more than the middle.
 */
class BoundedOutput {
  readonly #half: number;
  readonly #head: Buffer[] = [];
  #headBytes = 0;
  #tail: Buffer[] = [];
  #tailBytes = 0;
  #total = 0;

  constructor(maxBytes: number) {
    this.#half = Math.max(1, Math.floor(maxBytes / 2));
  }

  push(chunk: Buffer): void {
    this.#total += chunk.length;
    if (this.#headBytes < this.#half) {
      const take = Math.min(chunk.length, this.#half - this.#headBytes);
      this.#head.push(chunk.subarray(0, take));
      this.#headBytes += take;
      chunk = chunk.subarray(take);
      if (chunk.length === 0) return;
    }
    this.#tail.push(chunk);
    this.#tailBytes += chunk.length;
    while (this.#tailBytes - this.#tail[0].length >= this.#half) {
      this.#tailBytes -= this.#tail[0].length;
      this.#tail.shift();
    }
  }

  toString(): string {
    let tail = Buffer.concat(this.#tail);
    if (tail.length > this.#half) tail = tail.subarray(tail.length - this.#half);
    const head = Buffer.concat(this.#head).toString('utf8');
    const omitted = this.#total - this.#headBytes - tail.length;
    if (omitted <= 0) return head + tail.toString('utf8');
    return `${head}\n[... output truncated: ${omitted} of ${this.#total} bytes omitted ...]\n${tail.toString('utf8')}`;
  }
}

function errorCode(error: unknown): string | undefined {
  return error instanceof Error && 'code' in error && typeof error.code === 'string' ? error.code : undefined;
}

function describeSpawnError(command: string, error: unknown): string {
  const code = errorCode(error);
  const detail = error instanceof Error ? error.message : String(error);
  if (code === 'ENOENT') return `Cannot run "${command}": command not found (is it installed and on PATH?) [${detail}]`;
  if (code === 'EACCES') return `Cannot run "${command}": permission denied (is it executable?) [${detail}]`;
  return `Cannot run "${command}": ${detail}`;
}

const isWindows = process.platform === 'win32';

const SPAWN_ERROR_MARKER = '\u0000agent-orchestrator:spawn-error ';

/**
 * Runs as the leader of the command's process group (POSIX). It starts the command in its own group and kills that
 * group when this process (its parent) disappears, e.g. killed with SIGKILL, which no timer of ours survives.
 * argv: parentPid, command, ...args. A spawn failure is reported on stderr after a marker, with exit code 127.
 */
const WATCHDOG_SOURCE = `
const { spawn } = require('node:child_process');
const [parent, command, ...args] = process.argv.slice(1);
const child = spawn(command, args, { stdio: 'inherit' });
child.on('error', (error) => {
  process.stderr.write(${JSON.stringify(SPAWN_ERROR_MARKER)} + JSON.stringify({ code: error.code, message: error.message }) + '\\n');
  process.exit(127);
});
child.on('exit', (code, signal) => {
  if (signal) { process.removeAllListeners(signal); process.kill(process.pid, signal); }
  else process.exit(code === null ? 1 : code);
});
// The whole group receives the runner's signals; the command decides, and this process follows it out.
for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP']) process.on(signal, () => {});
setInterval(() => {
  try { process.kill(Number(parent), 0); } catch { try { process.kill(-process.pid, 'SIGKILL'); } catch {} }
}, 500);
`;

function takeSpawnError(stderr: string): { code?: string; message: string } | null {
  const at = stderr.indexOf(SPAWN_ERROR_MARKER);
  if (at === -1) return null;
  const line = stderr.slice(at + SPAWN_ERROR_MARKER.length).split('\n')[0] ?? '';
  try {
    return JSON.parse(line) as { code?: string; message: string };
  } catch {
    return { message: line };
  }
}

/**
 * Signals the child's whole process group, so grandchildren (npm -> sh -> node) go too. The child was spawned
 * detached, which makes it a group leader whose group id is its pid.
 */
function signalGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  const pid = child.pid;
  if (pid === undefined) return;
  if (isWindows) {
    // Windows has no process groups; taskkill /T walks the process tree instead.
    const killer = spawn('taskkill', ['/pid', String(pid), '/T', '/F'], { stdio: 'ignore', windowsHide: true });
    killer.on('error', () => child.kill(signal));
    return;
  }
  try {
    process.kill(-pid, signal);
  } catch {
    // ESRCH: every process of the group has already exited.
  }
}

function groupIsAlive(child: ChildProcess): boolean {
  if (isWindows || child.pid === undefined) return false;
  try {
    process.kill(-child.pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Runs commands as real processes, without a shell, and never leaves one of their processes running. */
export class NodeCommandRunner implements CommandRunner {
  readonly #maxOutputBytes: number;
  readonly #killGraceMs: number;

  constructor(options: NodeCommandRunnerOptions = {}) {
    this.#maxOutputBytes = options.maxOutputBytes ?? 1024 * 1024;
    this.#killGraceMs = options.killGraceMs ?? 2000;
  }

  /**
   * Resolves with the exit code (null when killed) and the output, whatever the exit code; `timedOut` is set when
   * `timeoutMs` elapsed. Rejects only when the process cannot be started (unknown command, missing cwd).
   * `env` is added to this process's environment rather than replacing it, so PATH and HOME stay available.
   */
  async run(
    command: string,
    args: readonly string[],
    options: { cwd: string; timeoutMs: number; signal?: AbortSignal; env?: Record<string, string> },
  ): Promise<CommandResult> {
    const started = Date.now();
    // Node reports a missing cwd as "spawn <command> ENOENT", which would blame the command.
    try {
      if (!(await fs.stat(options.cwd)).isDirectory()) throw new Error('not a directory');
    } catch {
      throw new Error(`Cannot run "${command}": working directory ${options.cwd} does not exist or is not a folder`);
    }
    if (options.signal?.aborted) {
      return { exitCode: null, stdout: '', stderr: '[cancelled before start]', timedOut: false, durationMs: 0 };
    }

    return new Promise<CommandResult>((resolve, reject) => {
      const stdout = new BoundedOutput(this.#maxOutputBytes);
      const stderr = new BoundedOutput(this.#maxOutputBytes);
      let child: ChildProcess;
      try {
        // On POSIX a small watchdog leads the group, so the command dies with us even if we are SIGKILLed.
        const [file, argv] = isWindows ? [command, [...args]] : [process.execPath, ['-e', WATCHDOG_SOURCE, String(process.pid), command, ...args]];
        child = spawn(file, argv, {
          cwd: options.cwd,
          env: { ...process.env, ...options.env },
          shell: false,
          detached: !isWindows,
          stdio: ['ignore', 'pipe', 'pipe'],
          windowsHide: true,
        });
      } catch (error) {
        reject(new Error(describeSpawnError(command, error)));
        return;
      }

      let timedOut = false;
      let cancelled = false;
      let exitCode: number | null = null;
      let exited = false;
      let settled = false;
      let timeoutTimer: NodeJS.Timeout | undefined;
      let killTimer: NodeJS.Timeout | undefined;
      let closeTimer: NodeJS.Timeout | undefined;

      const cleanup = (): void => {
        clearTimeout(timeoutTimer);
        clearTimeout(killTimer);
        clearTimeout(closeTimer);
        options.signal?.removeEventListener('abort', onAbort);
      };

      const finish = (): void => {
        if (settled) return;
        settled = true;
        cleanup();
        // A process that outlived the leader and ignored SIGTERM is killed now rather than left behind.
        if (groupIsAlive(child)) signalGroup(child, 'SIGKILL');
        const spawnError = exitCode === 127 ? takeSpawnError(stderr.toString()) : null;
        if (spawnError) {
          reject(new Error(describeSpawnError(command, Object.assign(new Error(spawnError.message), { code: spawnError.code }))));
          return;
        }
        const note = cancelled ? '\n[cancelled: process group killed]' : timedOut ? `\n[timed out after ${options.timeoutMs} ms: process group killed]` : '';
        resolve({ exitCode, stdout: stdout.toString(), stderr: stderr.toString() + note, timedOut, durationMs: Date.now() - started });
      };

      const stopGroup = (): void => {
        signalGroup(child, 'SIGTERM');
        if (killTimer === undefined) {
          killTimer = setTimeout(() => {
            signalGroup(child, 'SIGKILL');
            // A process that left the group (setsid) may still hold our pipes; do not wait for it forever.
            if (exited) closeTimer = setTimeout(finish, this.#killGraceMs);
          }, this.#killGraceMs);
          killTimer.unref();
        }
      };

      function onAbort(): void {
        if (settled || exited) return;
        cancelled = true;
        stopGroup();
      }

      child.stdout?.on('data', (chunk: Buffer) => stdout.push(chunk));
      child.stderr?.on('data', (chunk: Buffer) => stderr.push(chunk));

      child.once('error', (error) => {
        if (child.pid === undefined && !settled) {
          // The process never started: nothing to kill.
          settled = true;
          cleanup();
          reject(new Error(describeSpawnError(command, error)));
        }
      });

      child.once('exit', (code) => {
        exited = true;
        exitCode = code;
        // Background processes the command started would otherwise keep running (and keep our pipes open).
        if (groupIsAlive(child)) stopGroup();
      });

      child.once('close', finish);

      const timeoutMs = Number.isFinite(options.timeoutMs) && options.timeoutMs > 0 ? Math.min(options.timeoutMs, 2 ** 31 - 1) : null;
      if (timeoutMs !== null) {
        timeoutTimer = setTimeout(() => {
          if (settled || exited) return;
          timedOut = true;
          stopGroup();
        }, timeoutMs);
      }
      options.signal?.addEventListener('abort', onAbort, { once: true });
    });
  }
}
