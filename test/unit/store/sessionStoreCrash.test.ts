// SIGKILLs a writer child at instants chosen from what it reports it has done (events acknowledged, a snapshot
// reached a given step), never on a timer: every kill is meaningful, and none can come before anything happened.
import { strict as assert } from 'node:assert';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { OrchestratorEvent } from '../../../src/core/protocol/events';
import { DATABASE_FILE, JOURNAL_FILE, SessionStore } from '../../../src/core/store/sessionStore';
import { SeededRandom, withSeed } from '../../helpers/seededRandom';
import { SNAPSHOT_PHASES, type ChildMode, type SnapshotPhase } from './crashWriter.child';
import { EventFactory, makeTempDir, removeDir } from './storeTestHelpers';

const CHILD = path.join(__dirname, 'crashWriter.child.ts');
const SEED_VARIABLE = 'AO_STORE_CRASH_SEED';
/** Kills of the streaming writer, each after a random number of acknowledged events in its own slice of this range. */
const STREAM_KILLS = 5;
const ACKNOWLEDGED_BEFORE_KILL = { from: 1, to: 150 };
/** The large store: sessions of events with a diff each, about 10 MB of database, so a snapshot takes a while. */
const LARGE_SESSIONS = 32;
const LARGE_EVENTS_PER_SESSION = 50;
const LARGE_DIFF_LINES = 110;
/** Safety net for a child that never reaches its kill point (the test then fails saying so). */
const CHILD_GUARD_MS = 90_000;

interface ChildRun {
  /** Seqs the child acknowledged (append()'s promise had settled), including any read after the kill. */
  acknowledged: number[];
  /** Seqs the child handed to append(), acknowledged or not. */
  appended: number[];
  lines: string[];
  signal: NodeJS.Signals | null;
  code: number | null;
  stderr: string;
  /** Why the parent killed it; null if it ended (or the guard killed it) without reaching its kill point. */
  killedBecause: string | null;
}

interface KillPolicy {
  /** Called for each line the child prints; a string return kills the child now, naming why. */
  onLine?: (line: string, acknowledged: readonly number[]) => string | null;
  /**
   * Called once the child is ready, with the child's output so far (kept current). Either returns a promise (the
   * child is killed when it settles) or arms something that calls `kill` later and returns its cleanup.
   */
  onReady?: (kill: (because: string) => void, output: { lines: readonly string[]; acknowledged: readonly number[] }) => Promise<void> | (() => void);
}

function runChild(mode: ChildMode, dir: string, sessionId: string, policy: KillPolicy, phase?: SnapshotPhase): Promise<ChildRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', CHILD, mode, dir, sessionId, ...(phase ? [phase] : [])], {
      env: { ...process.env, AO_STORE_CRASH_CHILD: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const acknowledged: number[] = [];
    const appended: number[] = [];
    const lines: string[] = [];
    let buffered = '';
    let stderr = '';
    let killedBecause: string | null = null;
    let cleanup: (() => void) | undefined;
    const kill = (because: string): void => {
      if (killedBecause !== null) return;
      killedBecause = because;
      child.kill('SIGKILL');
    };
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      buffered += chunk;
      const complete = buffered.split('\n');
      buffered = complete.pop() ?? '';
      for (const line of complete) {
        lines.push(line);
        if (/^\d+$/.test(line)) acknowledged.push(Number(line));
        const handed = /^appended (\d+)$/.exec(line);
        if (handed) appended.push(Number(handed[1]));
        if (line === 'ready' && policy.onReady) {
          const started = policy.onReady(kill, { lines, acknowledged });
          if (typeof started === 'function') cleanup = started;
          else started.then(() => kill('readers done'), (error: unknown) => {
            kill('a reader failed');
            reject(error);
          });
        }
        try {
          const because = killedBecause === null ? (policy.onLine?.(line, acknowledged) ?? null) : null;
          if (because !== null) kill(because);
        } catch (error) {
          kill('a check at the kill point failed');
          reject(error);
        }
      }
    });
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk: string) => (stderr += chunk));
    const guard = setTimeout(() => child.kill('SIGKILL'), CHILD_GUARD_MS);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(guard);
      cleanup?.();
      resolve({ acknowledged, appended, lines, signal, code, stderr, killedBecause });
    });
  });
}

function describeRun(run: ChildRun): string {
  return `exit ${run.code ?? run.signal}, last lines ${JSON.stringify(run.lines.slice(-4))}, stderr: ${run.stderr.slice(-2000)}`;
}

/** Files in the store folder other than the database and the journal (and the lock, while one is expected). */
function strayFiles(dir: string, allowLock: boolean): string[] {
  const expected = new Set([DATABASE_FILE, JOURNAL_FILE, ...(allowLock ? ['orchestrator.lock'] : [])]);
  return fs.readdirSync(dir).filter((name) => !expected.has(name));
}

function sizeOf(file: string): number {
  try {
    return fs.statSync(file).size;
  } catch {
    return -1;
  }
}

/**
 * Reopens the store after a kill and checks what a user relies on: the dead writer's lock is taken over, every
 * acknowledged event of every killed session is stored (with no holes, and nothing beyond what was handed to the
 * store: group commit may have made some appended but unacknowledged events durable, never one not yet appended),
 * and a killed session is listed as interrupted. Returns the reopened store, for more checks; the caller closes it.
 */
async function checkAfterKill(
  dir: string,
  acknowledgedBySession: ReadonlyMap<string, readonly number[]>,
  context: string,
  appendedBySession: ReadonlyMap<string, readonly number[]> = new Map(),
): Promise<SessionStore> {
  const store = await SessionStore.open({ dir, mode: 'write' });
  try {
    assert.ok(
      store.warnings.some((w) => w.includes('stale lock')),
      `${context}: the dead writer's lock is taken over with a warning: ${store.warnings.join(' | ')}`,
    );
    for (const [sessionId, seqs] of acknowledgedBySession) {
      const stored = store.getEvents(sessionId).map((e) => e.seq);
      const storedSet = new Set(stored);
      const lost = seqs.filter((seq) => !storedSet.has(seq));
      assert.deepEqual(lost, [], `${context}: acknowledged events of ${sessionId} lost`);
      assert.deepEqual(stored, stored.map((_, i) => i + 1), `${context}: no holes in ${sessionId}`);
      const highest = seqs.length > 0 ? Math.max(...seqs) : 0;
      const handed = appendedBySession.get(sessionId) ?? [];
      const bound = handed.length > 0 ? Math.max(...handed) : highest + 1;
      assert.ok(stored.length <= bound, `${context}: ${sessionId} has ${stored.length} events, more than were ever written (${highest} acknowledged, ${bound} appended)`);
      assert.equal(store.getSession(sessionId)?.status, 'interrupted', `${context}: ${sessionId} was killed mid-run`);
    }
  } catch (error) {
    await store.close();
    throw error;
  }
  return store;
}

/** Writes a store of LARGE_SESSIONS completed sessions into `dir` and returns their events. */
async function buildLargeStore(dir: string): Promise<Map<string, OrchestratorEvent[]>> {
  fs.mkdirSync(dir, { recursive: true });
  const factory = new EventFactory();
  const seeded = new Map<string, OrchestratorEvent[]>();
  for (let s = 0; s < LARGE_SESSIONS; s++) {
    const sessionId = `large-${s}`;
    const events: OrchestratorEvent[] = [factory.runStarted(sessionId)];
    for (let i = 1; i < LARGE_EVENTS_PER_SESSION - 1; i++) {
      const { seq, ts } = factory.agentStarted(sessionId, 'fixer');
      const diff = Array.from({ length: LARGE_DIFF_LINES }, (_, line) => `+ const value${s}_${i}_${line} = ${line * i}; // a line of a large diff`).join('\n');
      events.push({ sessionId, seq, ts, type: 'change.proposed', payload: { agent: 'fixer', file: `src/file${i}.ts`, diff, applied: false, findingIds: [] } });
    }
    events.push(factory.runCompleted(sessionId));
    seeded.set(sessionId, events);
  }
  // A journal the store replays on open is the quick way in: appending one by one would fsync each event.
  const lines = [...seeded.values()].flat().map((event) => `${JSON.stringify(event)}\n`);
  fs.writeFileSync(path.join(dir, JOURNAL_FILE), lines.join(''));
  const store = await SessionStore.open({ dir, mode: 'write', snapshotDebounceMs: 3_600_000 });
  await store.close();
  assert.ok(sizeOf(path.join(dir, DATABASE_FILE)) > 8_000_000, 'the large store is large');
  return seeded;
}

describe('SessionStore crash safety', () => {
  let root: string;

  beforeEach(() => {
    root = makeTempDir();
  });

  afterEach(() => removeDir(root));

  it('keeps every acknowledged event when the writer is killed after a random number of acknowledged events', async function () {
    this.timeout(180_000);
    const random = SeededRandom.fromEnv(SEED_VARIABLE);
    await withSeed(random, SEED_VARIABLE, async () => {
      const dir = path.join(root, '.agent-orchestrator');
      const acknowledged = new Map<string, number[]>();
      const appended = new Map<string, number[]>();
      const slice = (ACKNOWLEDGED_BEFORE_KILL.to - ACKNOWLEDGED_BEFORE_KILL.from + 1) / STREAM_KILLS;
      const figures: string[] = [];
      for (let round = 0; round < STREAM_KILLS; round++) {
        const sessionId = `crash-${round}`;
        const killAfter = ACKNOWLEDGED_BEFORE_KILL.from + Math.floor(slice * round + random.next() * slice);
        const run = await runChild('stream', dir, sessionId, {
          onLine: (_line, seqs) => (seqs.length >= killAfter ? `after ${killAfter} acknowledged event(s)` : null),
        });
        const context = `kill ${round + 1} (after ${killAfter} acknowledged events)`;
        assert.equal(run.signal, 'SIGKILL', `${context}: the child should have been killed: ${describeRun(run)}`);
        assert.ok(run.killedBecause !== null, `${context}: the child never acknowledged ${killAfter} events: ${describeRun(run)}`);
        acknowledged.set(sessionId, run.acknowledged);
        appended.set(sessionId, run.appended);
        const store = await checkAfterKill(dir, acknowledged, context, appended);
        const stored = store.getEvents(sessionId).length;
        await store.close();
        figures.push(`${run.acknowledged.length} acknowledged, ${stored} stored`);
      }
      const total = [...acknowledged.values()].reduce((sum, seqs) => sum + seqs.length, 0);
      console.log(`      store crash test (seed ${random.seed}): ${STREAM_KILLS} kills of a streaming writer, ${total} acknowledged event(s), 0 lost: ${figures.join('; ')}`);
    });
  });

  it('gives readers a consistent view while a writer appends and snapshots', async function () {
    this.timeout(60_000);
    const dir = path.join(root, '.agent-orchestrator');
    const run = await runChild('stream', dir, 'live', {
      onReady: async (_kill, { acknowledged: printed }) => {
        let previous = 0;
        for (let i = 0; i < 150; i++) {
          const acknowledgedBefore = printed.length > 0 ? Math.max(...printed) : 0;
          const reader = await SessionStore.open({ dir, mode: 'read' });
          try {
            const seqs = reader.getEvents('live').map((e) => e.seq);
            assert.deepEqual(
              seqs,
              seqs.map((_, j) => j + 1),
              'a prefix of the stream, without holes',
            );
            assert.ok(seqs.length >= acknowledgedBefore, `saw ${seqs.length}, ${acknowledgedBefore} were acknowledged before opening`);
            assert.ok(seqs.length >= previous, 'never goes back in time');
            previous = seqs.length;
            if (seqs.length > 0) assert.equal(reader.getSession('live')?.status, 'running', 'its writer is alive');
          } finally {
            await reader.close();
          }
          await new Promise((resolve) => setTimeout(resolve, 1));
        }
      },
    });
    assert.equal(run.signal, 'SIGKILL', describeRun(run));
    assert.equal(run.killedBecause, 'readers done', describeRun(run));
  });

  describe('killed inside a snapshot of a large store', () => {
    let template: string;
    let seeded: Map<string, OrchestratorEvent[]>;
    let dir: string;

    before(async function () {
      this.timeout(120_000);
      template = makeTempDir();
      seeded = await buildLargeStore(path.join(template, '.agent-orchestrator'));
    });

    after(() => removeDir(template));

    beforeEach(() => {
      dir = path.join(root, '.agent-orchestrator');
      fs.cpSync(path.join(template, '.agent-orchestrator'), dir, { recursive: true });
    });

    /** The large store's sessions are all there, complete, and one of them (at random) exactly as written. */
    function checkLargeStore(store: SessionStore, random: SeededRandom, context: string): void {
      const summaries = new Map(store.listSessions().map((s) => [s.sessionId, s]));
      for (const [sessionId, events] of seeded) {
        const summary = summaries.get(sessionId);
        assert.equal(summary?.eventCount, events.length, `${context}: ${sessionId} keeps its ${events.length} events`);
        assert.equal(summary?.status, 'completed', `${context}: ${sessionId} is still completed`);
      }
      const sampleId = `large-${random.int(0, LARGE_SESSIONS - 1)}`;
      assert.deepEqual(store.getEvents(sampleId), seeded.get(sampleId), `${context}: ${sampleId} is stored exactly as written`);
    }

    it('loses nothing when killed at each step of a snapshot: temp file half written, before and after the rename, journal emptied', async function () {
      this.timeout(300_000);
      const random = SeededRandom.fromEnv(SEED_VARIABLE);
      await withSeed(random, SEED_VARIABLE, async () => {
        const acknowledged = new Map<string, number[]>();
        const figures: string[] = [];
        const databaseSize = sizeOf(path.join(dir, DATABASE_FILE));
        for (const phase of random.shuffle([...SNAPSHOT_PHASES])) {
          const sessionId = `snapshot-${phase}`;
          let atKill = '';
          const run = await runChild(
            'pause-in-snapshot',
            dir,
            sessionId,
            {
              onLine: (line) => {
                if (line !== `paused ${phase}`) return null;
                // The child is stopped at the step: record what is on disk there, then kill it.
                const stray = strayFiles(dir, true);
                atKill = `stray ${JSON.stringify(stray.map((name) => `${sizeOf(path.join(dir, name))} B`))}, journal ${sizeOf(path.join(dir, JOURNAL_FILE))} B`;
                if (phase === 'temp-partly-written' || phase === 'before-rename') {
                  assert.equal(stray.length, 1, `${phase}: one temp snapshot beside the database, journal and lock, found ${stray.join(', ')}`);
                }
                if (phase === 'journal-emptied') assert.equal(sizeOf(path.join(dir, JOURNAL_FILE)), 0, 'the journal was emptied');
                return `paused ${phase}`;
              },
            },
            phase,
          );
          const context = `kill inside a snapshot at ${phase}`;
          assert.equal(run.killedBecause, `paused ${phase}`, `${context}: the child never reached that step: ${describeRun(run)}`);
          assert.ok(!run.lines.includes('snapshot-done'), `${context}: the snapshot had finished`);
          assert.equal(run.acknowledged.length, 5, `${context}: the child acknowledged its events before the snapshot`);
          acknowledged.set(sessionId, run.acknowledged);
          const store = await checkAfterKill(dir, acknowledged, context);
          try {
            checkLargeStore(store, random, context);
          } finally {
            await store.close();
          }
          assert.deepEqual(strayFiles(dir, false), [], `${context}: the reopened store removed the dead writer's temp snapshot`);
          figures.push(`${phase} (${atKill}): 5 acknowledged, 0 lost`);
        }
        console.log(
          `      store crash test (seed ${random.seed}): ${SNAPSHOT_PHASES.length} kills inside a snapshot of a ${(databaseSize / 1e6).toFixed(1)} MB store` +
            ` (${LARGE_SESSIONS * LARGE_EVENTS_PER_SESSION} events), ${SNAPSHOT_PHASES.length * 5} acknowledged event(s), 0 lost`,
        );
        for (const line of figures) console.log(`        ${line}`);
      });
    });

    it('loses nothing when killed as a temp snapshot of the large store appears, the writer running freely', async function () {
      this.timeout(180_000);
      const random = SeededRandom.fromEnv(SEED_VARIABLE);
      await withSeed(random, SEED_VARIABLE, async () => {
        const killInSnapshot = random.int(1, 3);
        let startedWhenSeen = 0;
        const run = await runChild('snapshot-loop', dir, 'snapshot-loop', {
          // Watch the folder, not the child: a file other than the store's own is a snapshot being written.
          onReady: (kill, { lines }) => {
            const known = new Set([DATABASE_FILE, JOURNAL_FILE, 'orchestrator.lock']);
            const watcher = fs.watch(dir, (_event, name) => {
              if (name === null || known.has(name)) return;
              startedWhenSeen = lines.filter((l) => l === 'snapshot-start').length;
              if (startedWhenSeen >= killInSnapshot) kill(`a temp snapshot appeared in snapshot ${startedWhenSeen}`);
            });
            return () => watcher.close();
          },
        });
        const context = `kill as a temp snapshot appeared (snapshot ${killInSnapshot} or later)`;
        assert.equal(run.signal, 'SIGKILL', `${context}: ${describeRun(run)}`);
        assert.ok(run.killedBecause !== null, `${context}: no temp snapshot was seen: ${describeRun(run)}`);
        const started = run.lines.filter((l) => l === 'snapshot-start').length;
        const midSnapshot = run.lines.at(-1) === 'snapshot-start';
        const store = await checkAfterKill(dir, new Map([['snapshot-loop', run.acknowledged]]), context, new Map([['snapshot-loop', run.appended]]));
        try {
          checkLargeStore(store, random, context);
        } finally {
          await store.close();
        }
        assert.deepEqual(strayFiles(dir, false), [], `${context}: the reopened store removed the dead writer's temp snapshot`);
        console.log(
          `      store crash test (seed ${random.seed}): killed as a temp snapshot appeared (${run.killedBecause}), ${started} snapshot(s) started,` +
            ` ${midSnapshot ? 'inside' : 'just after'} a snapshot; ${run.acknowledged.length} acknowledged, 0 lost`,
        );
      });
    });
  });
});
