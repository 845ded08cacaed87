import { strict as assert } from 'node:assert';
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { isHolderAlive, readLock, StoreLock, StoreLockedError, UNREADABLE_LOCK_GRACE_MS } from '../../../src/core/store/lock';
import { makeTempDir, removeDir } from './storeTestHelpers';

const CHILD = path.join(__dirname, 'lockRace.child.ts');

interface ChildSummary {
  pid: number;
  holds: number;
  refused: number;
  takeovers: number;
  lost: number;
}

interface RaceResult {
  children: ChildSummary[];
  holds: number;
  /** Acquisitions logged while another process was still logged as holding. */
  overlaps: number;
  lost: number;
}

let cachedDeadPid: number | null = null;
function deadProcessPid(): number {
  if (cachedDeadPid === null) {
    const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']);
    cachedDeadPid = Number(child.stdout.toString());
  }
  return cachedDeadPid;
}

/** Runs `count` children looping acquire/release on one lock for `durationMs`, all starting together. */
async function race(dir: string, count: number, durationMs: number, crashPercent: number): Promise<RaceResult> {
  const logPath = path.join(dir, 'holds.log');
  const goPath = path.join(dir, 'go');
  fs.writeFileSync(logPath, '');
  let ready = 0;
  let releaseAll: () => void = () => undefined;
  const allReady = new Promise<void>((resolve) => (releaseAll = resolve));
  const runs = Array.from(
    { length: count },
    () =>
      new Promise<ChildSummary>((resolve, reject) => {
        const child = spawn(
          process.execPath,
          ['--import', 'tsx', CHILD, dir, logPath, goPath, String(durationMs), String(deadProcessPid()), String(crashPercent)],
          { env: { ...process.env, AO_LOCK_RACE_CHILD: '1' }, stdio: ['ignore', 'pipe', 'pipe'] },
        );
        let stdout = '';
        let stderr = '';
        child.stdout.setEncoding('utf8');
        child.stdout.on('data', (chunk: string) => {
          stdout += chunk;
          if (chunk.includes('ready') && ++ready === count) releaseAll();
        });
        child.stderr.setEncoding('utf8');
        child.stderr.on('data', (chunk: string) => (stderr += chunk));
        const guard = setTimeout(() => child.kill('SIGKILL'), 40_000);
        child.on('error', reject);
        child.on('close', (code) => {
          clearTimeout(guard);
          const last = stdout.trim().split('\n').pop() ?? '';
          if (code !== 0 || !last.startsWith('{')) reject(new Error(`race child failed (${code}): ${stderr}`));
          else resolve(JSON.parse(last) as ChildSummary);
        });
      }),
  );
  await allReady;
  fs.writeFileSync(goPath, '');
  const children = await Promise.all(runs);

  // A correct lock makes the log strictly alternate: one process's A ... R, then the next one's.
  const holding = new Set<string>();
  let overlaps = 0;
  let holds = 0;
  for (const line of fs.readFileSync(logPath, 'utf8').split('\n')) {
    const [kind, pid, n] = line.split(' ');
    if (kind === 'A') {
      holds++;
      if (holding.size > 0) overlaps++;
      holding.add(`${pid}/${n}`);
    } else if (kind === 'R') {
      holding.delete(`${pid}/${n}`);
    }
  }
  const result = { children, holds, overlaps, lost: children.reduce((sum, c) => sum + c.lost, 0) };
  if (process.env['AO_LOCK_RACE_VERBOSE'] === '1') console.log(JSON.stringify(result));
  return result;
}

describe('StoreLock', () => {
  let dir: string;
  let lockPath: string;
  const held: StoreLock[] = [];
  let warnings: string[];

  function acquire(): StoreLock {
    const lock = StoreLock.acquire(dir, lockPath, Date.now(), (m) => warnings.push(m));
    held.push(lock);
    return lock;
  }

  function writeLock(holder: Record<string, unknown> | string, ageMs = 0): void {
    fs.writeFileSync(lockPath, typeof holder === 'string' ? holder : JSON.stringify(holder));
    if (ageMs > 0) {
      const then = (Date.now() - ageMs) / 1000;
      fs.utimesSync(lockPath, then, then);
    }
  }

  beforeEach(() => {
    dir = makeTempDir();
    lockPath = path.join(dir, 'orchestrator.lock');
    warnings = [];
  });

  afterEach(() => {
    for (const lock of held.splice(0)) lock.release();
    removeDir(dir);
  });

  it('never lets two processes hold the lock at once (4 processes looping acquire/release)', async function () {
    this.timeout(60_000);
    const result = await race(dir, 4, 2_000, 0);
    assert.ok(result.holds >= 50, `the race is only meaningful with many holds: ${JSON.stringify(result)}`);
    assert.equal(result.overlaps, 0, `two holders at once: ${JSON.stringify(result)}`);
    assert.equal(result.lost, 0, `a holder's lock was replaced under it: ${JSON.stringify(result)}`);
    assert.deepEqual(
      result.children.map((c) => c.takeovers),
      [0, 0, 0, 0],
      'no live lock is ever mistaken for a stale one',
    );
    assert.ok(!fs.existsSync(lockPath), 'the last holder released the lock');
  });

  it('never lets two processes hold the lock at once while they race to take over locks of crashed holders', async function () {
    this.timeout(60_000);
    const result = await race(dir, 4, 2_000, 30);
    const takeovers = result.children.reduce((sum, c) => sum + c.takeovers, 0);
    assert.ok(result.holds >= 50 && takeovers >= 10, `the race is only meaningful with many takeovers: ${JSON.stringify(result)}`);
    assert.equal(result.overlaps, 0, `two holders at once: ${JSON.stringify(result)}`);
    assert.equal(result.lost, 0, `a holder's lock was replaced under it: ${JSON.stringify(result)}`);
    assert.ok(!fs.existsSync(`${lockPath}.takeover`), 'no takeover guard is left behind');
  });

  it('writes a complete holder and removes it on release', () => {
    const lock = acquire();
    assert.deepEqual(readLock(lockPath), lock.holder);
    assert.equal(lock.holder.pid, process.pid);
    assert.deepEqual(
      fs.readdirSync(dir).filter((name) => name !== 'orchestrator.lock'),
      [],
      'no temp file is left behind',
    );
    lock.release();
    assert.equal(readLock(lockPath), undefined);
  });

  it('refuses a second acquisition while this process holds the lock', () => {
    const lock = acquire();
    assert.ok(isHolderAlive(lock.holder, lockPath));
    assert.throws(() => acquire(), (error: unknown) => {
      assert.ok(error instanceof StoreLockedError);
      assert.match(error.message, new RegExp(`pid ${process.pid}\\b`));
      assert.match(error.message, /close that window/);
      return true;
    });
    assert.deepEqual(readLock(lockPath), lock.holder, 'the refused attempt left the lock alone');
  });

  it('takes over a lock naming this process pid that this process does not hold (restarted container)', () => {
    const stale = { pid: process.pid, hostname: os.hostname(), startedAt: 1, command: 'earlier run', token: 'feedfeedfeedfeed' };
    writeLock(stale);
    assert.equal(isHolderAlive(stale, lockPath), false);
    const lock = acquire();
    assert.equal(lock.holder.pid, process.pid);
    assert.deepEqual(readLock(lockPath), lock.holder);
    assert.equal(warnings.length, 1);
    assert.match(warnings[0] as string, new RegExp(`stale lock of pid ${process.pid}\\b.*earlier run`));
  });

  it('takes over a lock of an older version (no token) naming this process pid', () => {
    writeLock({ pid: process.pid, hostname: os.hostname(), startedAt: 1, command: 'old version' });
    const lock = acquire();
    assert.deepEqual(readLock(lockPath), lock.holder);
    assert.equal(warnings.length, 1);
  });

  it('takes over a lock of a process that is gone', () => {
    const deadPid = deadProcessPid();
    writeLock({ pid: deadPid, hostname: os.hostname(), startedAt: 1, command: 'old run' });
    const lock = acquire();
    assert.deepEqual(readLock(lockPath), lock.holder);
    assert.ok(warnings.some((w) => w.includes(`pid ${deadPid}`) && w.includes('no longer running')), warnings.join(' | '));
  });

  it('refuses an empty lock file younger than the grace period, naming the recovery', () => {
    writeLock('');
    assert.throws(() => acquire(), (error: unknown) => {
      assert.ok(error instanceof StoreLockedError);
      assert.equal(error.holder, null);
      assert.ok(error.message.includes(`If no run is active, delete ${lockPath}`), error.message);
      return true;
    });
    assert.equal(fs.readFileSync(lockPath, 'utf8'), '', 'the lock was left alone');
    assert.deepEqual(warnings, []);
  });

  it('refuses a garbage lock file younger than the grace period', () => {
    writeLock('{"pid": 12', UNREADABLE_LOCK_GRACE_MS / 2);
    assert.throws(() => acquire(), StoreLockedError);
  });

  it('takes over an empty lock file older than the grace period, with a warning', () => {
    writeLock('', UNREADABLE_LOCK_GRACE_MS + 5_000);
    const lock = acquire();
    assert.deepEqual(readLock(lockPath), lock.holder);
    assert.equal(warnings.length, 1);
    assert.match(warnings[0] as string, /unreadable lock file/);
  });

  it('refuses a holder on another host and says how to recover', () => {
    const holder = { pid: 4242, hostname: `not-${os.hostname()}`, startedAt: 1_700_000_000_000, command: 'cli run' };
    writeLock(holder, 3_600_000);
    assert.equal(isHolderAlive(holder, lockPath), true, 'a holder on another host cannot be checked');
    assert.throws(() => acquire(), (error: unknown) => {
      assert.ok(error instanceof StoreLockedError);
      assert.match(error.message, new RegExp(`pid 4242 on host not-${os.hostname()}`));
      assert.ok(error.message.includes(`If no run is active, delete ${lockPath}`), error.message);
      return true;
    });
    assert.deepEqual(readLock(lockPath), holder);
  });

  it('does not offer deleting the lock of a live local holder', () => {
    writeLock({ pid: process.ppid, hostname: os.hostname(), startedAt: 1, command: 'parent' });
    assert.throws(() => acquire(), (error: unknown) => {
      assert.ok(error instanceof StoreLockedError);
      assert.doesNotMatch(error.message, /delete/);
      return true;
    });
  });

  it('is not blocked by a takeover guard left by a crashed process', () => {
    const deadPid = deadProcessPid();
    writeLock({ pid: deadPid, hostname: os.hostname(), startedAt: 1, command: 'old run' });
    fs.writeFileSync(`${lockPath}.takeover`, JSON.stringify({ pid: deadPid, hostname: os.hostname(), startedAt: 1, command: 'takeover', token: 'ab' }));
    const lock = acquire();
    assert.deepEqual(readLock(lockPath), lock.holder);
    assert.ok(!fs.existsSync(`${lockPath}.takeover`));
  });

  it('is not blocked by an old takeover guard of a process that still runs', () => {
    writeLock({ pid: deadProcessPid(), hostname: os.hostname(), startedAt: 1, command: 'old run' });
    const guard = `${lockPath}.takeover`;
    fs.writeFileSync(guard, JSON.stringify({ pid: process.ppid, hostname: os.hostname(), startedAt: 1, command: 'takeover', token: 'ab' }));
    const then = (Date.now() - 60_000) / 1000;
    fs.utimesSync(guard, then, then);
    const lock = acquire();
    assert.deepEqual(readLock(lockPath), lock.holder);
  });

  it('removes old temp files of crashed attempts, not fresh ones', () => {
    const old = `${lockPath}.tmp-123-0123456789abcdef`;
    const fresh = `${lockPath}.tmp-456-0123456789abcdef`;
    fs.writeFileSync(old, '{}');
    fs.writeFileSync(fresh, '{}');
    const then = (Date.now() - 3_600_000) / 1000;
    fs.utimesSync(old, then, then);
    acquire();
    assert.ok(!fs.existsSync(old));
    assert.ok(fs.existsSync(fresh));
  });

  it('release leaves a lock that is no longer ours', () => {
    const lock = acquire();
    const other = { pid: deadProcessPid(), hostname: os.hostname(), startedAt: 2, command: 'other' };
    writeLock(other);
    lock.release();
    assert.deepEqual(readLock(lockPath), other);
    assert.equal(isHolderAlive({ ...lock.holder }, lockPath), false, 'after release our own holder no longer counts as alive');
  });
});
