// The crash test: SIGKILL the real CLI (dist/cli.js) at random instants of a run and check that every event it
// acknowledged on stdout (--stream prints an event only once it is durable) is in the store afterwards.
import { strict as assert } from 'node:assert';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, readdirSync, readlinkSync, rmSync } from 'node:fs';
import path from 'node:path';
import type { OrchestratorEvent } from '../../src/core/protocol/events';
import { SessionStore, storeDirFor, type SessionSummary } from '../../src/core/store/sessionStore';

const repoRoot = path.resolve(__dirname, '..', '..');
const CLI = path.join(repoRoot, 'dist', 'cli.js');
const REQUEST = 'Fix security vulnerability in authentication endpoint';
/** Kills at a random instant after the spawn: a dry run of the example takes about 2 s (startup, scan ≈ 1 s, tests). */
const TIMED_KILLS = 3;
const KILL_WINDOW_MS = { from: 50, to: 1800 };
/**
 * Kills the instant the Nth event is read (N random): events come in bursts (the scan's findings, the fix, the end),
 * and a kill inside a burst lands while the writer is appending. A dry run prints about 70 events.
 */
const EVENT_KILLS = 3;
const EVENT_WINDOW = { from: 1, to: 70 };

type Kill = { afterMs: number } | { atEvent: number };

interface CliProcessResult {
  /** Complete NDJSON lines, parsed: the events the CLI acknowledged. */
  events: OrchestratorEvent[];
  /** A last line cut off by the kill (never acknowledged), if any. */
  tornLine: string;
  stdout: string;
  stderr: string;
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** Runs the CLI; with `kill`, SIGKILLs it that long after the spawn or once it has printed that many lines. */
function runCliProcess(args: readonly string[], kill?: Kill): Promise<CliProcessResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1' } });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      stdout += chunk;
      if (kill && 'atEvent' in kill && stdout.split('\n').length - 1 >= kill.atEvent) child.kill('SIGKILL');
    });
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk: string) => (stderr += chunk));
    const killTimer = kill && 'afterMs' in kill ? setTimeout(() => child.kill('SIGKILL'), kill.afterMs) : undefined;
    // Safety net: no run of the example takes this long.
    const guard = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(killTimer);
      clearTimeout(guard);
      if (!args.includes('--stream')) return resolve({ events: [], tornLine: '', stdout, stderr, code, signal });
      const lines = stdout.split('\n');
      const tornLine = lines.pop() ?? '';
      resolve({ events: lines.filter((l) => l.trim()).map((l) => JSON.parse(l) as OrchestratorEvent), tornLine, stdout, stderr, code, signal });
    });
  });
}

/**
 * Processes whose working directory is inside `dir`: the example's `npm test`, started by a killed CLI in its own
 * process group, outlives a SIGKILL of the CLI. Linux only (elsewhere: none known).
 */
function processesInside(dir: string): number[] {
  if (process.platform !== 'linux') return [];
  const found: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cwd = readlinkSync(`/proc/${entry}/cwd`);
      if (cwd === dir || cwd.startsWith(dir + path.sep)) found.push(Number(entry));
    } catch {
      // gone, or not ours to look at
    }
  }
  return found;
}

/** Waits (bounded) until the orphans of a killed run have finished, so the next run's tests do not overlap them. */
async function waitForOrphans(dir: string): Promise<number> {
  let seen = 0;
  for (let i = 0; i < 200; i++) {
    const left = processesInside(dir);
    seen = Math.max(seen, left.length);
    if (left.length === 0) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  return seen;
}

async function readStore(workspace: string): Promise<{ sessions: SessionSummary[]; events: Map<string, OrchestratorEvent[]> }> {
  const store = await SessionStore.open({ dir: storeDirFor(workspace), mode: 'read' });
  try {
    const sessions = store.listSessions();
    return { sessions, events: new Map(sessions.map((s) => [s.sessionId, store.getEvents(s.sessionId)])) };
  } finally {
    await store.close();
  }
}

describe('CLI crash safety: SIGKILL during `run --stream` (integration)', function () {
  this.timeout(180_000);
  let workspace: string;

  before(function () {
    if (!existsSync(CLI)) {
      console.log(`    skipped: ${CLI} is missing; \`npm test\` (or \`npm run build\`) builds it before the tests run`);
      this.skip();
    }
    workspace = path.join(repoRoot, '.scratch', `crash-${randomBytes(4).toString('hex')}`);
    mkdirSync(path.dirname(workspace), { recursive: true });
    cpSync(path.join(repoRoot, 'examples', 'vulnerable-api'), workspace, { recursive: true });
  });

  after(async () => {
    if (!workspace) return;
    await waitForOrphans(workspace);
    rmSync(workspace, { recursive: true, force: true });
  });

  it('loses no acknowledged event, takes over the stale lock, and lists the killed runs as interrupted', async () => {
    // No --apply while killing: every run then does the same work (the example's findings, its tests), so the
    // kill window covers each run alike. The final run applies the fixes.
    const args = ['run', REQUEST, '--workspace', workspace, '--stream', '--allow-commands'];
    const observations: string[] = [];
    const interrupted = new Set<string>();
    let acknowledgedTotal = 0;
    let killedMidRun = 0;
    // One random point in each slice of the windows, so startup, the scan, the fix, the tests and the end all get hit.
    const kills: Kill[] = [];
    const timeSlice = (KILL_WINDOW_MS.to - KILL_WINDOW_MS.from) / TIMED_KILLS;
    for (let i = 0; i < TIMED_KILLS; i++) kills.push({ afterMs: Math.round(KILL_WINDOW_MS.from + timeSlice * (i + Math.random())) });
    const eventSlice = (EVENT_WINDOW.to - EVENT_WINDOW.from) / EVENT_KILLS;
    for (let i = 0; i < EVENT_KILLS; i++) kills.push({ atEvent: Math.floor(EVENT_WINDOW.from + eventSlice * (i + Math.random())) });

    for (const [k, kill] of kills.entries()) {
      const delay = 'afterMs' in kill ? `${kill.afterMs} ms` : `event ${kill.atEvent}`;
      const result = await runCliProcess(args, kill);
      const orphans = await waitForOrphans(workspace);
      const killed = result.signal === 'SIGKILL';
      // A dry run whose tests fail (the example's tests fail until the fix is applied) ends with exit code 1.
      if (!killed) assert.equal(result.events.at(-1)?.type, 'run.completed', `run ${k + 1} ended on its own without completing: ${result.stderr}`);
      if (killed && result.events.at(-1)?.type !== 'run.completed') killedMidRun += 1;

      const { sessions, events } = await readStore(workspace);
      for (const printed of result.events) {
        const stored = events.get(printed.sessionId)?.find((e) => e.seq === printed.seq);
        assert.ok(stored, `kill ${k + 1} at ${delay}: acknowledged event ${printed.sessionId}#${printed.seq} (${printed.type}) is missing from the store`);
        assert.equal(stored.sessionId, printed.sessionId);
        assert.equal(stored.type, printed.type, `kill ${k + 1}: event #${printed.seq}`);
        assert.deepEqual(stored, printed, `kill ${k + 1}: event #${printed.seq} is stored as printed`);
      }
      // What survives is a gap-free prefix of the run's stream: a kill can only cut the tail.
      const sessionIds = new Set(result.events.map((e) => e.sessionId));
      assert.ok(sessionIds.size <= 1, 'one run, one session');
      for (const sessionId of sessionIds) {
        const seqs = (events.get(sessionId) ?? []).map((e) => e.seq);
        assert.deepEqual(seqs, seqs.map((_, i) => i + 1), `kill ${k + 1}: stored seqs of ${sessionId} are 1..n`);
        if (result.events.at(-1)?.type !== 'run.completed') interrupted.add(sessionId);
        const summary = sessions.find((s) => s.sessionId === sessionId);
        observations.push(
          `kill ${k + 1} at ${delay}: ${killed ? 'SIGKILL' : 'ended before the kill'}; ${result.events.length} event(s) acknowledged` +
            ` (last: #${result.events.at(-1)?.seq} ${result.events.at(-1)?.type}), ${seqs.length} stored, all acknowledged present;` +
            ` status ${summary?.status}${result.tornLine ? '; one torn line ignored' : ''}` +
            `${/Took over the stale lock/.test(result.stderr) ? '; took over the stale lock' : ''}${orphans ? `; ${orphans} orphaned test process(es) waited for` : ''}`,
        );
      }
      if (sessionIds.size === 0) {
        observations.push(`kill ${k + 1} at ${delay}: killed before any event was acknowledged; the store opens (${sessions.length} session(s))` +
          `${/Took over the stale lock/.test(result.stderr) ? '; took over the stale lock' : ''}`);
      }
      acknowledgedTotal += result.events.length;
    }

    // The store still opens for writing after the kills: the dead process's lock is taken over.
    const staleLockLeft = existsSync(path.join(storeDirFor(workspace), 'orchestrator.lock'));
    const final = await runCliProcess(['run', REQUEST, '--workspace', workspace, '--json', '--apply', '--allow-commands']);
    assert.equal(final.code, 0, `the run after the kills: ${final.stderr}`);
    if (staleLockLeft) assert.match(final.stderr, /Took over the stale lock of pid \d+/);
    const finalJson = JSON.parse(final.stdout) as { sessionId: string; success: boolean };
    assert.equal(finalJson.success, true);
    const listed = await runCliProcess(['sessions', '--workspace', workspace, '--json']);
    assert.equal(listed.code, 0, listed.stderr);
    const sessions = JSON.parse(listed.stdout) as SessionSummary[];
    assert.equal(sessions.find((s) => s.sessionId === finalJson.sessionId)?.status, 'completed');
    for (const sessionId of interrupted) {
      assert.equal(sessions.find((s) => s.sessionId === sessionId)?.status, 'interrupted', `${sessionId} was killed mid-run`);
    }
    assert.ok(!existsSync(path.join(storeDirFor(workspace), 'orchestrator.lock')), 'the last writer released the lock');

    console.log(`      crash test: ${kills.length} kill(s), ${killedMidRun} mid-run, ${acknowledgedTotal} acknowledged event(s), all present after each kill`);
    for (const line of observations) console.log(`        ${line}`);
    console.log(`        then a full run ${staleLockLeft ? 'took over the stale lock' : 'found no stale lock'} and completed;` +
      ` sessions lists ${interrupted.size} interrupted and ${sessions.filter((s) => s.status === 'completed').length} completed session(s)`);
  });
});
