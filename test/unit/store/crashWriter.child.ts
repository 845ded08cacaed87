// Child process for the crash tests: writes to the store and reports on stdout what it has really done, so the
// parent can SIGKILL it at an instant chosen from that (never on a timer). Lines:
//   ready                 the store is open (and locked)
//   appended <seq>        append() was called with the event with that seq (it may or may not reach the disk)
//   <seq>                 append()'s promise settled for that event: it is acknowledged as durable
//   snapshot-start/-done  around a snapshot the child asked for
//   paused <phase>        the child stopped inside a snapshot, at <phase>, and waits to be killed there
// Writes to a pipe are synchronous on Linux, so a line is in the pipe before the child goes on, and the parent
// still reads it after the kill.
import * as fs from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';
import * as path from 'node:path';
import { DATABASE_FILE, JOURNAL_FILE, SessionStore } from '../../../src/core/store/sessionStore';
import { EventFactory } from './storeTestHelpers';

/** Where inside a snapshot the child stops to be killed. */
export const SNAPSHOT_PHASES = ['temp-partly-written', 'before-rename', 'after-rename', 'journal-emptied'] as const;
export type SnapshotPhase = (typeof SNAPSHOT_PHASES)[number];

/** Modes: `stream` appends for ever; `snapshot-loop` appends one event and snapshots, again and again; `pause-in-snapshot` appends a few events, then snapshots and stops at a phase. */
export type ChildMode = 'stream' | 'snapshot-loop' | 'pause-in-snapshot';

/** A safety net only: the parent kills the child long before; this bounds a child whose parent died. */
const ORPHAN_EXIT_MS = 120_000;

function say(line: string): void {
  fs.writeSync(1, `${line}\n`);
}

function waitToBeKilled(): never {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ORPHAN_EXIT_MS);
  process.stderr.write('nobody killed the paused child\n');
  process.exit(3);
}

function isWritable(flags: fs.OpenMode | undefined): boolean {
  if (flags === undefined) return false;
  if (typeof flags === 'number') return (flags & (fs.constants.O_WRONLY | fs.constants.O_RDWR)) !== 0;
  return /[wa+]/.test(flags);
}

/**
 * Stops the process inside the next snapshot at `phase`, by wrapping the fs functions the store calls. The temp
 * file is recognised as a file the store opens for writing in its folder other than the database and journal,
 * whatever its name.
 */
function pauseInNextSnapshot(storeDir: string, phase: SnapshotPhase): void {
  const databasePath = path.join(storeDir, DATABASE_FILE);
  const known = new Set([DATABASE_FILE, JOURNAL_FILE]);
  const original = { openSync: fs.openSync, writeSync: fs.writeSync, renameSync: fs.renameSync, ftruncateSync: fs.ftruncateSync };
  let tempFd: number | null = null;
  let renamed = false;
  const pause = (): never => {
    say(`paused ${phase}`);
    return waitToBeKilled();
  };
  // The module object itself, not this file's import of it: the store looks its functions up there at each call.
  const patched = require('node:fs') as Record<string, unknown>;
  patched['openSync'] = (file: fs.PathLike, flags?: fs.OpenMode, mode?: fs.Mode | null): number => {
    const fd = original.openSync(file, flags ?? 'r', mode);
    const resolved = path.resolve(String(file));
    if (tempFd === null && path.dirname(resolved) === storeDir && !known.has(path.basename(resolved)) && isWritable(flags)) tempFd = fd;
    return fd;
  };
  patched['writeSync'] = (fd: number, buffer: NodeJS.ArrayBufferView | string, ...rest: unknown[]): number => {
    if (phase === 'temp-partly-written' && fd === tempFd) {
      const [offset, length] = rest as [number | undefined, number | undefined];
      if (typeof buffer !== 'string' && typeof offset === 'number' && typeof length === 'number' && length > 1) {
        original.writeSync(fd, buffer, offset, Math.floor(length / 2));
      }
      pause();
    }
    return (original.writeSync as (...args: unknown[]) => number)(fd, buffer, ...rest);
  };
  patched['renameSync'] = (from: fs.PathLike, to: fs.PathLike): void => {
    const intoDatabase = path.resolve(String(to)) === databasePath;
    if (intoDatabase && phase === 'before-rename') pause();
    original.renameSync(from, to);
    if (intoDatabase) {
      renamed = true;
      if (phase === 'after-rename') pause();
    }
  };
  patched['ftruncateSync'] = (fd: number, length?: number): void => {
    original.ftruncateSync(fd, length);
    // The journal is emptied once the new snapshot is in place, before its new header is written.
    if (phase === 'journal-emptied' && renamed && length === 0) pause();
  };
  syncBuiltinESMExports();
}

async function main(): Promise<void> {
  const [mode, dir, sessionId, phase] = process.argv.slice(2) as [ChildMode, string, string, SnapshotPhase | undefined];
  if (!mode || !dir || !sessionId) throw new Error('usage: crashWriter.child.ts <mode> <dir> <sessionId> [phase]');
  // `stream` lets the store's own debounced snapshots run between appends, so kills also land in those; the
  // other modes snapshot only when they ask to.
  const store = await SessionStore.open({ dir, mode: 'write', snapshotDebounceMs: mode === 'stream' ? 1 : 3_600_000 });
  const storeDir = store.dir;
  const events = new EventFactory(Date.now());
  say('ready');
  const append = (i: number): void => {
    const event =
      i === 0
        ? events.runStarted(sessionId)
        : i % 3 === 0
          ? events.learningRecorded(sessionId, `agent-${i % 4}`, Date.now())
          : events.agentStarted(sessionId, `agent-${i % 4}`);
    say(`appended ${event.seq}`);
    // Group commit: the event is acknowledged when its batch is on disk, while the writer appends on.
    void store.append(event).then(() => say(String(event.seq)));
  };
  if (mode === 'stream') {
    for (let i = 0; ; i++) {
      append(i);
      // Let the debounced snapshot run between appends.
      if (i % 15 === 0) await new Promise((resolve) => setTimeout(resolve, 2));
    }
  }
  if (mode === 'snapshot-loop') {
    for (let i = 0; ; i++) {
      append(i);
      await store.flushed();
      say('snapshot-start');
      store.snapshotNow();
      say('snapshot-done');
    }
  }
  if (!phase || !(SNAPSHOT_PHASES as readonly string[]).includes(phase)) throw new Error(`unknown snapshot phase ${String(phase)}`);
  for (let i = 0; i < 5; i++) append(i);
  await store.flushed();
  pauseInNextSnapshot(storeDir, phase);
  say('snapshot-start');
  store.snapshotNow();
  // Reaching this means the pause did not match how the store writes snapshots: the parent reports it.
  say('snapshot-done');
  waitToBeKilled();
}

// `npx mocha test/unit/store/` loads every file of the folder: run only when spawned as the child.
if (process.env['AO_STORE_CRASH_CHILD'] === '1') {
  main().catch((error: unknown) => {
    process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  });
}
