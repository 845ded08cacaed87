// The crash test: SIGKILL the real CLI (dist/cli.js) during runs and check that every event it acknowledged on
// stdout (--stream prints an event only once it is durable) is in the store afterwards, that the next run takes
// over the stale lock, and that with --apply every source file is wholly original or wholly fixed. Each kill is
// chosen from what the CLI has really done (its Nth event, a fix it reported, a fix paused before its rename),
// never from a timer, so none can land "before anything happened" by chance.
import { strict as assert } from 'node:assert';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, readlinkSync, rmSync } from 'node:fs';
import path from 'node:path';
import type { OrchestratorEvent } from '../../src/core/protocol/events';
import { SessionStore, STORE_DIR_NAME, storeDirFor, type SessionSummary } from '../../src/core/store/sessionStore';
import { SeededRandom, withSeed } from '../helpers/seededRandom';

const repoRoot = path.resolve(__dirname, '..', '..');
const CLI = path.join(repoRoot, 'dist', 'cli.js');
const EXAMPLE = path.join(repoRoot, 'examples', 'vulnerable-api');
const PAUSE_POINTS = path.join(repoRoot, 'test', 'fixtures', 'process', 'cliPausePoints.cjs');
const REQUEST = 'Fix security vulnerability in authentication endpoint';
const SEED_VARIABLE = 'AO_CLI_CRASH_SEED';

type Kill =
  /**
   * SIGKILL once the Nth event is read, the CLI running on: events come in bursts, so the kill often lands while
   * it appends. N is at most the last event before the run's longest step, so the kill always lands inside the run.
   */
  | { kind: 'event'; apply: boolean; atEvent: number }
  /** SIGKILL the instant the Nth fix is reported applied, the CLI running on (it goes on with the next). */
  | { kind: 'after-fix'; fix: number }
  /** The CLI is stopped just before it renames the Nth fix onto its source file (temp written), then killed. */
  | { kind: 'before-rename'; fix: number }
  /** The CLI is stopped just after printing its Nth event, then killed: reaches the run's last burst and its close. */
  | { kind: 'paused-after-event'; atEvent: number };

interface CliProcessResult {
  /** Complete NDJSON lines, parsed: the events the CLI acknowledged. */
  events: OrchestratorEvent[];
  /** A last line cut off by the kill (never acknowledged), if any. */
  tornLine: string;
  stdout: string;
  stderr: string;
  code: number | null;
  signal: NodeJS.Signals | null;
  /** Why the test killed it; null when it ended by itself. */
  killedBecause: string | null;
}

interface RunOptions {
  kill?: Kill;
  /** For a before-rename kill: called while the CLI is stopped before the rename onto `file`, before the kill. */
  onPause?: (file: string) => void;
}

function describeKill(kill: Kill): string {
  if (kill.kind === 'event') return `${kill.apply ? '--apply' : 'dry'} run, at event ${kill.atEvent}`;
  if (kill.kind === 'after-fix') return `--apply run, as fix ${kill.fix} is reported`;
  if (kill.kind === 'paused-after-event') return `--apply run, paused after event ${kill.atEvent}`;
  return `--apply run, paused before the rename of fix ${kill.fix}`;
}

/** Runs the CLI, and with `kill` SIGKILLs it at that point. */
function runCliProcess(args: readonly string[], options: RunOptions = {}): Promise<CliProcessResult> {
  const { kill, onPause } = options;
  return new Promise((resolve, reject) => {
    const nodeArgs: string[] = [];
    const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1' };
    if (kill?.kind === 'before-rename' || kill?.kind === 'paused-after-event') {
      nodeArgs.push('--require', PAUSE_POINTS);
      env['AO_TEST_PAUSE_WORKSPACE'] = args[args.indexOf('--workspace') + 1];
      if (kill.kind === 'before-rename') env['AO_TEST_PAUSE_AT_RENAME'] = String(kill.fix);
      else env['AO_TEST_PAUSE_AFTER_LINE'] = String(kill.atEvent);
    }
    const child = spawn(process.execPath, [...nodeArgs, CLI, ...args], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'], env });
    let stdout = '';
    let stderr = '';
    let killedBecause: string | null = null;
    let fixesReported = 0;
    const killNow = (because: string): void => {
      if (killedBecause !== null) return;
      killedBecause = because;
      child.kill('SIGKILL');
    };
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      const before = stdout.split('\n').length - 1;
      stdout += chunk;
      const lines = stdout.split('\n');
      const complete = lines.length - 1;
      if (kill?.kind === 'event' && complete >= kill.atEvent) killNow(`event ${kill.atEvent} read`);
      if (kill?.kind === 'after-fix') {
        for (const line of lines.slice(before, complete)) {
          if ((JSON.parse(line) as OrchestratorEvent).type === 'change.proposed') fixesReported += 1;
        }
        if (fixesReported >= kill.fix) killNow(`fix ${kill.fix} reported`);
      }
    });
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk: string) => {
      stderr += chunk;
      const paused = /ao-test: paused (.+)\n/.exec(stderr);
      if (paused && killedBecause === null) {
        const renaming = /^before renaming onto (.+)$/.exec(paused[1] as string);
        try {
          if (renaming) onPause?.(renaming[1] as string);
        } catch (error) {
          reject(error);
        } finally {
          killNow(`paused ${paused[1]}`);
        }
      }
    });
    // Safety net: no run of the example takes this long.
    const guard = setTimeout(() => child.kill('SIGKILL'), 90_000);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(guard);
      if (!args.includes('--stream')) return resolve({ events: [], tornLine: '', stdout, stderr, code, signal, killedBecause });
      const lines = stdout.split('\n');
      const tornLine = lines.pop() ?? '';
      resolve({
        events: lines.filter((l) => l.trim()).map((l) => JSON.parse(l) as OrchestratorEvent),
        tornLine,
        stdout,
        stderr,
        code,
        signal,
        killedBecause,
      });
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
  for (let i = 0; i < 300; i++) {
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

/** Every file of a workspace but its store, by workspace-relative path. */
function filesOf(root: string): Map<string, string> {
  const files = new Map<string, string>();
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const absolute = path.join(dir, entry.name);
      if (entry.isDirectory()) {
        if (absolute !== path.join(root, STORE_DIR_NAME)) walk(absolute);
      } else if (entry.isFile()) {
        files.set(path.relative(root, absolute).split(path.sep).join('/'), readFileSync(absolute, 'utf8'));
      }
    }
  };
  walk(root);
  return files;
}

/** Puts the example's files back, keeping the store: each kill then interrupts the same work. */
function restoreSources(workspace: string): void {
  for (const entry of readdirSync(workspace)) {
    if (entry !== STORE_DIR_NAME) rmSync(path.join(workspace, entry), { recursive: true, force: true });
  }
  cpSync(EXAMPLE, workspace, { recursive: true });
}

describe('CLI crash safety: SIGKILL during `run --stream` (integration)', function () {
  this.timeout(300_000);
  let workspace: string;
  let reference: string;
  const original = filesOf(EXAMPLE);
  /** From a run that completed: the fixed content of each file it changed, and how many events it printed. */
  const fixed = new Map<string, string>();
  let referenceEvents = 0;
  /** The last event of that run before its longest step (the example's tests): an unpaused kill up to it lands in the run. */
  let lastEventBeforeLongestStep = 0;

  before(async function () {
    if (!existsSync(CLI)) {
      console.log(`    skipped: ${CLI} is missing; \`npm test\` (or \`npm run build\`) builds it before the tests run`);
      this.skip();
    }
    const scratch = path.join(repoRoot, '.scratch');
    mkdirSync(scratch, { recursive: true });
    const id = randomBytes(4).toString('hex');
    workspace = path.join(scratch, `crash-${id}`);
    reference = path.join(scratch, `crash-reference-${id}`);
    cpSync(EXAMPLE, workspace, { recursive: true });
    cpSync(EXAMPLE, reference, { recursive: true });

    const run = await runCliProcess(['run', REQUEST, '--workspace', reference, '--stream', '--apply', '--allow-commands']);
    assert.equal(run.code, 0, `the reference run: ${run.stderr}`);
    assert.equal(run.events.at(-1)?.type, 'run.completed');
    referenceEvents = run.events.length;
    let longestGap = -1;
    for (let i = 1; i < run.events.length; i++) {
      const gap = (run.events[i] as OrchestratorEvent).ts - (run.events[i - 1] as OrchestratorEvent).ts;
      if (gap > longestGap) [longestGap, lastEventBeforeLongestStep] = [gap, i];
    }
    const changes = run.events.flatMap((e) => (e.type === 'change.proposed' ? [e.payload.file] : []));
    for (const [file, content] of filesOf(reference)) {
      if (content !== original.get(file)) fixed.set(file, content);
    }
    assert.deepEqual([...fixed.keys()].sort(), [...new Set(changes)].sort(), 'the reference run changed exactly the files it reported');
    assert.ok(fixed.size >= 2, `the example gets at least two fixes (it got ${fixed.size}), so a kill can land between them`);
    assert.ok(lastEventBeforeLongestStep >= 2 && lastEventBeforeLongestStep < referenceEvents, `the reference run printed ${referenceEvents} events`);
  });

  after(async () => {
    for (const dir of [workspace, reference]) {
      if (!dir) continue;
      await waitForOrphans(dir);
      rmSync(dir, { recursive: true, force: true });
    }
  });

  /** Each file is wholly original or wholly fixed; returns the files that are fixed. */
  function checkSourcesWhole(context: string): string[] {
    const now = filesOf(workspace);
    const fixedNow: string[] = [];
    for (const [file, before] of original) {
      const content = now.get(file);
      assert.ok(content !== undefined, `${context}: ${file} is missing`);
      if (content === before) continue;
      assert.ok(content === fixed.get(file), `${context}: ${file} is neither its original nor its fixed content (${content.length} chars)`);
      fixedNow.push(file);
    }
    return fixedNow.sort();
  }

  it('loses no acknowledged event, keeps each source file whole under --apply, takes over the stale lock, and lists the killed runs as interrupted', async () => {
    const random = SeededRandom.fromEnv(SEED_VARIABLE);
    await withSeed(random, SEED_VARIABLE, async () => {
      const middle = Math.floor(lastEventBeforeLongestStep / 2);
      const fixes = fixed.size;
      const kills: Kill[] = [
        // One kill in each half of the run up to its longest step, without --apply and with it.
        { kind: 'event', apply: false, atEvent: random.int(1, middle) },
        { kind: 'event', apply: true, atEvent: random.int(middle + 1, lastEventBeforeLongestStep) },
        { kind: 'after-fix', fix: random.int(1, fixes) },
        // Before the first rename (nothing applied yet) and before a later one (some fixes applied, the next not).
        { kind: 'before-rename', fix: 1 },
        { kind: 'before-rename', fix: random.int(2, fixes) },
        // In the run's last burst (learnings, patterns, the end) or just before it closes the store.
        { kind: 'paused-after-event', atEvent: random.int(lastEventBeforeLongestStep + 1, referenceEvents) },
      ];
      random.shuffle(kills);
      const observations: string[] = [];
      const interrupted = new Set<string>();
      let acknowledgedTotal = 0;
      let leftovers = 0;

      for (const [k, kill] of kills.entries()) {
        const context = `kill ${k + 1} (${describeKill(kill)})`;
        restoreSources(workspace);
        const apply = kill.kind !== 'event' || kill.apply;
        const args = ['run', REQUEST, '--workspace', workspace, '--stream', '--allow-commands', ...(apply ? ['--apply'] : [])];
        let atPause: { file: string; fixedBefore: string[]; written: boolean } | undefined;
        const result = await runCliProcess(args, {
          kill,
          onPause: (file) => {
            // Stopped between the fix's temp write and its rename: the file is still whole, the fix is beside it.
            const fixedBefore = checkSourcesWhole(`${context}, while paused`);
            const written = [...filesOf(workspace).entries()].some(([other, content]) => other !== file && content === fixed.get(file));
            atPause = { file, fixedBefore, written };
          },
        });
        const orphans = await waitForOrphans(workspace);
        assert.equal(result.signal, 'SIGKILL', `${context}: the CLI ended by itself (${result.code}): ${result.stderr.slice(-2000)}`);
        assert.ok(result.killedBecause !== null, `${context}: killed by the safety net, never reached its kill point: ${result.stderr.slice(-2000)}`);
        assert.ok(result.events.length > 0, `${context}: nothing was acknowledged before the kill`);
        if (kill.kind === 'paused-after-event') assert.equal(result.events.length, kill.atEvent, `${context}: stopped right after that event`);

        const { sessions, events } = await readStore(workspace);
        for (const printed of result.events) {
          const stored = events.get(printed.sessionId)?.find((e) => e.seq === printed.seq);
          assert.ok(stored, `${context}: acknowledged event ${printed.sessionId}#${printed.seq} (${printed.type}) is missing from the store`);
          assert.deepEqual(stored, printed, `${context}: event #${printed.seq} is stored as printed`);
        }
        // What survives is a gap-free prefix of the run's stream: a kill can only cut the tail.
        const sessionIds = new Set(result.events.map((e) => e.sessionId));
        assert.equal(sessionIds.size, 1, `${context}: one run, one session`);
        const sessionId = [...sessionIds][0] as string;
        const seqs = (events.get(sessionId) ?? []).map((e) => e.seq);
        assert.deepEqual(seqs, seqs.map((_, i) => i + 1), `${context}: stored seqs of ${sessionId} are 1..n`);
        // Killed before its end was stored: with group commit the store may hold a little more than was printed
        // (a batch on disk whose acknowledgement the kill cut off), up to the run's end, which then counts as done.
        if ((events.get(sessionId) ?? []).at(-1)?.type !== 'run.completed') interrupted.add(sessionId);

        let sources = 'no --apply';
        if (apply) {
          const fixedNow = checkSourcesWhole(context);
          // A fix reported on the stream was on disk before it was reported.
          const reported = result.events.flatMap((e) => (e.type === 'change.proposed' && e.payload.applied ? [e.payload.file] : []));
          for (const file of reported) assert.ok(fixedNow.includes(file), `${context}: ${file} was reported applied but is not fixed`);
          if (kill.kind === 'before-rename') {
            assert.ok(atPause, `${context}: the CLI never paused`);
            assert.ok(atPause.written, `${context}: the fix of ${atPause.file} was written beside it before the rename`);
            assert.ok(!fixedNow.includes(atPause.file), `${context}: ${atPause.file} was killed before its rename, yet is changed`);
            assert.equal(fixedNow.length, kill.fix - 1, `${context}: the fixes before it are applied, none after: ${fixedNow.join(', ')}`);
          }
          const stray = [...filesOf(workspace).keys()].filter((file) => !original.has(file));
          leftovers += stray.length;
          sources = `${fixedNow.length} of ${fixes} file(s) fixed, the rest original${stray.length ? `; ${stray.length} temp file(s) left beside them` : ''}`;
        }
        const summary = sessions.find((s) => s.sessionId === sessionId);
        observations.push(
          `kill ${k + 1}, ${describeKill(kill)}: ${result.events.length} event(s) acknowledged (last: #${result.events.at(-1)?.seq} ${result.events.at(-1)?.type}),` +
            ` ${seqs.length} stored, 0 lost; ${sources}; status ${summary?.status}${result.tornLine ? '; one torn line ignored' : ''}` +
            `${/Took over the stale lock/.test(result.stderr) ? '; took over the stale lock' : ''}${orphans ? `; ${orphans} orphaned test process(es) waited for` : ''}`,
        );
        acknowledgedTotal += result.events.length;
      }

      // The store still opens for writing after the kills: the dead process's lock is taken over, and the fixes
      // come out as in a run that was never interrupted.
      restoreSources(workspace);
      const staleLockLeft = existsSync(path.join(storeDirFor(workspace), 'orchestrator.lock'));
      const final = await runCliProcess(['run', REQUEST, '--workspace', workspace, '--json', '--apply', '--allow-commands']);
      assert.equal(final.code, 0, `the run after the kills: ${final.stderr}`);
      if (staleLockLeft) assert.match(final.stderr, /Took over the stale lock of pid \d+/);
      const finalJson = JSON.parse(final.stdout) as { sessionId: string; success: boolean };
      assert.equal(finalJson.success, true);
      assert.deepEqual(checkSourcesWhole('after the final run'), [...fixed.keys()].sort(), 'the final run applied every fix');
      const listed = await runCliProcess(['sessions', '--workspace', workspace, '--json']);
      assert.equal(listed.code, 0, listed.stderr);
      const sessions = JSON.parse(listed.stdout) as SessionSummary[];
      assert.equal(sessions.find((s) => s.sessionId === finalJson.sessionId)?.status, 'completed');
      for (const sessionId of interrupted) {
        assert.equal(sessions.find((s) => s.sessionId === sessionId)?.status, 'interrupted', `${sessionId} was killed mid-run`);
      }
      assert.ok(!existsSync(path.join(storeDirFor(workspace), 'orchestrator.lock')), 'the last writer released the lock');

      console.log(
        `      crash test (seed ${random.seed}): ${kills.length} kill(s), ${interrupted.size} mid-run, ${acknowledgedTotal} acknowledged event(s), 0 lost;` +
          ` ${kills.filter((k) => k.kind !== 'event' || k.apply).length} during --apply, every source file whole after each` +
          `${leftovers ? ` (${leftovers} temp file(s) left in the workspace in all)` : ''}`,
      );
      for (const line of observations) console.log(`        ${line}`);
      console.log(
        `        then a full run ${staleLockLeft ? 'took over the stale lock' : 'found no stale lock'} and applied every fix;` +
          ` sessions lists ${interrupted.size} interrupted and ${sessions.filter((s) => s.status === 'completed').length} completed session(s)`,
      );
    });
  });
});
