// One writer per store: the extension and the CLI coordinate through a lock file that names its holder.
//
// - The lock file never exists without its content: the holder is written to a temp file, fsynced, and
//   hard-linked into place (link fails with EEXIST when the lock is held). An empty or unreadable lock can only
//   come from an older version that crashed or from a foreign tool; it is treated as held for a grace period.
// - Only a dead holder's lock is ever removed by someone else, and only under a short-lived takeover guard
//   (`<lock>.takeover`, created the same way): whoever holds the guard re-reads the lock and removes it only if
//   it is still the very file judged stale, so two processes cannot remove each other's fresh lock.
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { UnsafePathError } from '../files/safeFiles';

export interface LockHolder {
  pid: number;
  hostname: string;
  startedAt: number;
  command: string;
  /** Random per acquisition, so two holds of the same pid are told apart. Absent in locks of older versions. */
  token?: string;
}

/** An unreadable or empty lock file younger than this is assumed to be being written by a live process. */
export const UNREADABLE_LOCK_GRACE_MS = 5_000;
/** A takeover guard older than this was left by a process that died while taking over a lock. */
const GUARD_ABANDONED_MS = 10_000;
/** How long `acquire` keeps trying while the lock changes hands or another process is taking it over. */
const ACQUIRE_RETRY_MS = 2_000;
/** Temp and aside files older than this were left by a process that died while creating them. */
const LEFTOVER_MAX_AGE_MS = 60_000;

/** Locks held by this process: resolved lock path -> token of the holding StoreLock. */
const heldLocks = new Map<string, string>();
/** Takeover guards this process is holding right now (tokens). */
const heldGuards = new Set<string>();

/** Thrown when another live process holds (or may hold) the store's write lock. */
export class StoreLockedError extends Error {
  constructor(
    readonly dir: string,
    /** null when the lock file does not (yet) name its holder. */
    readonly holder: LockHolder | null,
    readonly lockPath: string,
  ) {
    super(StoreLockedError.#describe(dir, holder, lockPath));
    this.name = 'StoreLockedError';
  }

  static #describe(dir: string, holder: LockHolder | null, lockPath: string): string {
    const recovery = `If no run is active, delete ${lockPath}`;
    if (holder === null) {
      return (
        `The session store ${dir} is locked by ${lockPath}, which does not name its holder (a process may be ` +
        `writing it right now); try again in a few seconds. ${recovery}`
      );
    }
    const local = holder.hostname === os.hostname();
    const where = local ? `pid ${holder.pid}` : `pid ${holder.pid} on host ${holder.hostname}`;
    const command = holder.command ? ` (${holder.command})` : '';
    const message =
      `The session store ${dir} is in use by ${where}${command} since ${new Date(holder.startedAt).toISOString()}; ` +
      `wait for that run to finish or close that window`;
    // Whether a process on another host still runs cannot be checked from here.
    return local ? message : `${message}. ${recovery}`;
  }
}

function isLockHolder(value: unknown): value is LockHolder {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return (
    typeof v['pid'] === 'number' &&
    Number.isInteger(v['pid']) &&
    typeof v['hostname'] === 'string' &&
    typeof v['startedAt'] === 'number' &&
    typeof v['command'] === 'string' &&
    (v['token'] === undefined || typeof v['token'] === 'string')
  );
}

function parseHolder(text: string): LockHolder | null {
  try {
    const parsed: unknown = JSON.parse(text);
    return isLockHolder(parsed) ? parsed : null;
  } catch {
    return null;
  }
}

function errorCode(error: unknown): string | undefined {
  return (error as NodeJS.ErrnoException | null)?.code;
}

function removeIfExists(file: string): void {
  try {
    fs.unlinkSync(file);
  } catch (error) {
    if (errorCode(error) !== 'ENOENT') throw error;
  }
}

function randomToken(): string {
  return crypto.randomBytes(8).toString('hex');
}

/** Blocks the thread for `ms` (acquire is synchronous). */
function pause(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** A lock (or guard) file as read at one moment: its content and the identity of the file. */
interface LockFile {
  holder: LockHolder | null;
  text: string;
  ino: number;
  size: number;
  mtimeMs: number;
}

/** Reads the file at `file`, undefined if there is none. */
function inspectLock(file: string): LockFile | undefined {
  let fd: number;
  try {
    // A planted link would make us read (and quote) a file outside the store.
    fd = fs.openSync(file, fs.constants.O_RDONLY | (fs.constants.O_NOFOLLOW ?? 0));
  } catch (error) {
    if (errorCode(error) === 'ENOENT') return undefined;
    if (errorCode(error) === 'ELOOP') {
      throw new UnsafePathError(file, 'it is a symbolic link', 'Remove the link (the engine never follows one) and run again.');
    }
    throw error;
  }
  try {
    const stat = fs.fstatSync(fd);
    const text = fs.readFileSync(fd, 'utf8');
    return { holder: parseHolder(text), text, ino: stat.ino, size: stat.size, mtimeMs: stat.mtimeMs };
  } finally {
    fs.closeSync(fd);
  }
}

/** True when `a` and `b` are the same file with the same content (a rename keeps both). */
function sameLockFile(a: LockFile, b: LockFile): boolean {
  return a.text === b.text && a.ino === b.ino && a.size === b.size && a.mtimeMs === b.mtimeMs;
}

/** The holder named by the lock file, null if it is unreadable or garbage, undefined if there is none. */
export function readLock(lockPath: string): LockHolder | null | undefined {
  const file = inspectLock(lockPath);
  return file === undefined ? undefined : file.holder;
}

function isPidRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to someone else.
    return errorCode(error) === 'EPERM';
  }
}

/**
 * True when the holder is a running process on this machine. A holder on another host is assumed alive.
 * A holder with this very pid is alive only if this process holds the lock at `lockPath` (after a container
 * restart the pid may be the same as the crashed holder's); without `lockPath` it counts as alive.
 */
export function isHolderAlive(holder: LockHolder, lockPath?: string): boolean {
  if (holder.hostname !== os.hostname()) return true;
  if (holder.pid === process.pid) {
    if (lockPath === undefined) return true;
    const token = heldLocks.get(path.resolve(lockPath));
    return token !== undefined && holder.token === token;
  }
  return isPidRunning(holder.pid);
}

function sameHolder(a: LockHolder | null | undefined, b: LockHolder | null | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  if (a === null || b === null) return a === b;
  return a.pid === b.pid && a.hostname === b.hostname && a.startedAt === b.startedAt && a.token === b.token;
}

/**
 * Creates `target` with `content`, atomically: false when it already exists. The file never exists empty.
 * Where hard links are not supported, falls back to an exclusive create (briefly empty, covered by the grace period).
 */
function createExclusive(target: string, content: string): boolean {
  const temp = `${target}.tmp-${process.pid}-${randomToken()}`;
  const fd = fs.openSync(temp, 'wx');
  try {
    try {
      fs.writeSync(fd, content);
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    fs.linkSync(temp, target);
    return true;
  } catch (error) {
    const code = errorCode(error);
    if (code === 'EEXIST') return false;
    if (code === 'EPERM' || code === 'ENOTSUP' || code === 'EOPNOTSUPP' || code === 'ENOSYS') {
      return createExclusiveWithoutLink(target, content);
    }
    throw error;
  } finally {
    fs.rmSync(temp, { force: true });
  }
}

function createExclusiveWithoutLink(target: string, content: string): boolean {
  let fd: number;
  try {
    fd = fs.openSync(target, 'wx');
  } catch (error) {
    if (errorCode(error) === 'EEXIST') return false;
    throw error;
  }
  try {
    fs.writeSync(fd, content);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  return true;
}

/** True when the guard was left by a process that died (or hung) while taking over the lock. */
function isGuardAbandoned(guard: LockFile): boolean {
  if (Math.abs(Date.now() - guard.mtimeMs) > GUARD_ABANDONED_MS) return true;
  const holder = guard.holder;
  if (holder === null || holder.hostname !== os.hostname()) return false;
  if (holder.pid === process.pid) return holder.token === undefined || !heldGuards.has(holder.token);
  return !isPidRunning(holder.pid);
}

/** Removes an abandoned takeover guard; moves it aside first so that a fresh guard is never removed. */
function breakAbandonedGuard(guardPath: string): void {
  const guard = inspectLock(guardPath);
  if (guard === undefined || !isGuardAbandoned(guard)) return;
  const aside = `${guardPath}.aside-${process.pid}-${randomToken()}`;
  try {
    fs.renameSync(guardPath, aside);
  } catch (error) {
    if (errorCode(error) === 'ENOENT') return;
    throw error;
  }
  try {
    const moved = inspectLock(aside);
    if (moved === undefined || sameLockFile(moved, guard)) return;
    // Between reading and moving it, the guard was replaced by a live process's: put that one back.
    try {
      fs.linkSync(aside, guardPath);
    } catch (error) {
      if (errorCode(error) !== 'EEXIST') throw error;
    }
  } finally {
    fs.rmSync(aside, { force: true });
  }
}

/**
 * Removes the lock file if it still is exactly `stale`. 'busy' when another process is taking it over,
 * 'changed' when the lock is no longer that file.
 */
function removeStaleLock(lockPath: string, stale: LockFile): 'removed' | 'changed' | 'busy' {
  const guardPath = `${lockPath}.takeover`;
  const token = randomToken();
  const guard: LockHolder = { pid: process.pid, hostname: os.hostname(), startedAt: Date.now(), command: 'takeover', token };
  heldGuards.add(token);
  try {
    if (!createExclusive(guardPath, JSON.stringify(guard))) {
      breakAbandonedGuard(guardPath);
      return 'busy';
    }
    try {
      // Under the guard nobody else removes the lock, and a dead holder does not release it: if it is still
      // the stale file, it stays so until we remove it.
      const current = inspectLock(lockPath);
      if (current === undefined || !sameLockFile(current, stale)) return 'changed';
      removeIfExists(lockPath);
      return 'removed';
    } finally {
      if (inspectLock(guardPath)?.holder?.token === token) removeIfExists(guardPath);
    }
  } finally {
    heldGuards.delete(token);
  }
}

/** Removes temp and aside files of lock attempts that died half-way. Call while holding the lock. */
function removeLeftovers(lockPath: string): void {
  const dir = path.dirname(lockPath);
  const prefix = `${path.basename(lockPath)}.`;
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch {
    return;
  }
  for (const name of names) {
    if (!name.startsWith(prefix) || !/\.(tmp|aside)-\d+-[0-9a-f]+$/.test(name)) continue;
    const file = path.join(dir, name);
    try {
      if (Date.now() - fs.statSync(file).mtimeMs > LEFTOVER_MAX_AGE_MS) fs.rmSync(file, { force: true });
    } catch {
      // Removed by someone else meanwhile, or not ours to remove: leave it.
    }
  }
}

function describeTakeover(lockPath: string, stale: LockFile): string {
  const holder = stale.holder;
  if (holder === null) {
    return `Took over the unreadable lock file ${lockPath} (last modified ${new Date(stale.mtimeMs).toISOString()}).`;
  }
  const command = holder.command || 'unknown command';
  if (holder.pid === process.pid && holder.hostname === os.hostname()) {
    return `Took over the stale lock of pid ${holder.pid} (${command}), which names this process's pid but was left by an earlier process.`;
  }
  return `Took over the stale lock of pid ${holder.pid} (${command}), which is no longer running.`;
}

/** A held write lock. */
export class StoreLock {
  readonly #path: string;
  readonly #holder: LockHolder;
  #released = false;

  private constructor(path: string, holder: LockHolder) {
    this.#path = path;
    this.#holder = holder;
  }

  get holder(): LockHolder {
    return this.#holder;
  }

  /**
   * Takes the lock at `lockPath`, or throws StoreLockedError when a live process holds it.
   * A lock left by a dead process is taken over and reported through `warn`.
   */
  static acquire(dir: string, lockPath: string, now: number, warn: (message: string) => void): StoreLock {
    const holder: LockHolder = {
      pid: process.pid,
      hostname: os.hostname(),
      startedAt: now,
      command: process.argv.slice(1).join(' '),
      token: randomToken(),
    };
    const content = JSON.stringify(holder);
    const deadline = Date.now() + ACQUIRE_RETRY_MS;
    let tookOver: string | null = null;
    for (;;) {
      if (createExclusive(lockPath, content)) {
        heldLocks.set(path.resolve(lockPath), holder.token as string);
        if (tookOver !== null) warn(tookOver);
        removeLeftovers(lockPath);
        return new StoreLock(lockPath, holder);
      }
      const existing = inspectLock(lockPath);
      if (existing !== undefined) {
        // A lock that does not name its holder is being written (by an older version) or was left by a crash.
        if (existing.holder === null) {
          if (Math.abs(Date.now() - existing.mtimeMs) < UNREADABLE_LOCK_GRACE_MS) throw new StoreLockedError(dir, null, lockPath);
        } else if (isHolderAlive(existing.holder, lockPath)) {
          throw new StoreLockedError(dir, existing.holder, lockPath);
        }
        const outcome = removeStaleLock(lockPath, existing);
        if (outcome === 'removed') tookOver = describeTakeover(lockPath, existing);
        else if (outcome === 'busy') pause(2);
      }
      // else: released in between, try again.
      if (Date.now() > deadline) break;
    }
    const last = readLock(lockPath);
    if (last && isHolderAlive(last, lockPath)) throw new StoreLockedError(dir, last, lockPath);
    throw new Error(`Could not take the lock ${lockPath}: it kept changing hands; try again.`);
  }

  /** Removes the lock file if it is still ours. */
  release(): void {
    if (this.#released) return;
    this.#released = true;
    const key = path.resolve(this.#path);
    try {
      if (sameHolder(readLock(this.#path), this.#holder)) removeIfExists(this.#path);
    } finally {
      if (heldLocks.get(key) === this.#holder.token) heldLocks.delete(key);
    }
  }
}
