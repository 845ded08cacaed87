// One writer per store: the extension and the CLI coordinate through an O_EXCL lock file that names its holder.
import * as fs from 'node:fs';
import * as os from 'node:os';

export interface LockHolder {
  pid: number;
  hostname: string;
  startedAt: number;
  command: string;
}

/** Thrown when another live process holds the store's write lock. */
export class StoreLockedError extends Error {
  constructor(
    readonly dir: string,
    readonly holder: LockHolder,
  ) {
    const where = holder.hostname === os.hostname() ? `pid ${holder.pid}` : `pid ${holder.pid} on host ${holder.hostname}`;
    const command = holder.command ? ` (${holder.command})` : '';
    super(
      `The session store ${dir} is in use by ${where}${command} since ${new Date(holder.startedAt).toISOString()}; ` +
        `wait for that run to finish or close that window`,
    );
    this.name = 'StoreLockedError';
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
    typeof v['command'] === 'string'
  );
}

/** The holder named by the lock file, null if it is unreadable or garbage, undefined if there is none. */
export function readLock(lockPath: string): LockHolder | null | undefined {
  let text: string;
  try {
    text = fs.readFileSync(lockPath, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  try {
    const parsed: unknown = JSON.parse(text);
    return isLockHolder(parsed) ? parsed : null;
  } catch {
    return null;
  }
}

/** True when the holder is a running process on this machine. A holder on another host is assumed alive. */
export function isHolderAlive(holder: LockHolder): boolean {
  if (holder.hostname !== os.hostname()) return true;
  try {
    process.kill(holder.pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function sameHolder(a: LockHolder | null | undefined, b: LockHolder | null | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  if (a === null || b === null) return a === b;
  return a.pid === b.pid && a.hostname === b.hostname && a.startedAt === b.startedAt;
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
    };
    const content = JSON.stringify(holder);
    for (let attempt = 0; attempt < 5; attempt++) {
      try {
        const fd = fs.openSync(lockPath, 'wx');
        try {
          fs.writeSync(fd, content);
          fs.fsyncSync(fd);
        } finally {
          fs.closeSync(fd);
        }
        return new StoreLock(lockPath, holder);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      }
      const existing = readLock(lockPath);
      if (existing === undefined) continue; // released in between: try again
      if (existing !== null && isHolderAlive(existing)) throw new StoreLockedError(dir, existing);
      // Re-read right before removing, so we do not remove a lock another process just took over.
      if (!sameHolder(readLock(lockPath), existing)) continue;
      try {
        fs.unlinkSync(lockPath);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      }
      warn(
        existing === null
          ? `Took over the unreadable lock file ${lockPath}.`
          : `Took over the stale lock of pid ${existing.pid} (${existing.command || 'unknown command'}), which is no longer running.`,
      );
    }
    const last = readLock(lockPath);
    if (last) throw new StoreLockedError(dir, last);
    throw new Error(`Could not take the lock ${lockPath}; try again.`);
  }

  /** Removes the lock file if it is still ours. */
  release(): void {
    if (this.#released) return;
    this.#released = true;
    if (!sameHolder(readLock(this.#path), this.#holder)) return;
    try {
      fs.unlinkSync(this.#path);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
  }
}
