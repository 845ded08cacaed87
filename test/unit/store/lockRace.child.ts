// Child process for the lock race test: acquires and releases the store lock in a loop for a while and records
// every hold in a shared append-only log ("A <pid> <n> <hrtime>" once it holds, "R ..." just before it lets go).
// With `crashPercent` > 0 some holds end like a crash: the lock is left behind naming a dead pid, so the other
// children race to take it over.
import * as fs from 'node:fs';
import * as os from 'node:os';
import { readLock, StoreLock } from '../../../src/core/store/lock';

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

async function main(): Promise<void> {
  const [dir, logPath, goPath, durationText, deadPidText, crashPercentText] = process.argv.slice(2);
  if (!dir || !logPath || !goPath || !durationText || !deadPidText || !crashPercentText) {
    throw new Error('usage: lockRace.child.ts <dir> <log> <go-file> <durationMs> <deadPid> <crashPercent>');
  }
  const lockPath = `${dir}/orchestrator.lock`;
  const crashPercent = Number(crashPercentText);
  process.stdout.write('ready\n');
  while (!fs.existsSync(goPath)) await sleep(1);

  const record = (kind: 'A' | 'R', n: number): void =>
    fs.appendFileSync(logPath, `${kind} ${process.pid} ${n} ${process.hrtime.bigint()}\n`);
  let holds = 0;
  let refused = 0;
  let takeovers = 0;
  let lost = 0; // the lock file stopped naming us while we held it
  const end = Date.now() + Number(durationText);
  while (Date.now() < end) {
    let lock: StoreLock;
    try {
      lock = StoreLock.acquire(dir, lockPath, Date.now(), () => takeovers++);
    } catch {
      refused++;
      continue;
    }
    holds++;
    record('A', holds);
    for (let i = 0; i < 2000; i++) Math.sqrt(i); // hold it for a moment
    if (readLock(lockPath)?.startedAt !== lock.holder.startedAt || readLock(lockPath)?.pid !== process.pid) lost++;
    record('R', holds);
    if (Math.random() * 100 < crashPercent) {
      // Die holding the lock: it is left behind naming a process that is gone (replaced atomically, as we hold it).
      const temp = `${lockPath}.crash-${process.pid}`;
      fs.writeFileSync(temp, JSON.stringify({ pid: Number(deadPidText), hostname: os.hostname(), startedAt: 1, command: 'crashed' }));
      fs.renameSync(temp, lockPath);
    }
    lock.release();
  }
  process.stdout.write(`${JSON.stringify({ pid: process.pid, holds, refused, takeovers, lost })}\n`);
}

// `npx mocha test/unit/store/` loads every file of the folder: run only when spawned as the child.
if (process.env['AO_LOCK_RACE_CHILD'] === '1') {
  main().catch((error: unknown) => {
    process.stderr.write(`${String((error as Error).stack ?? error)}\n`);
    process.exit(1);
  });
}
