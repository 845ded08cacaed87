import { strict as assert } from 'node:assert';
import { spawn } from 'node:child_process';
import * as path from 'node:path';
import { SessionStore } from '../../../src/core/store/sessionStore';
import { makeTempDir, removeDir } from './storeTestHelpers';

const CHILD = path.join(__dirname, 'crashWriter.child.ts');
const ROUNDS = 5;

interface ChildRun {
  printed: number[];
  signal: NodeJS.Signals | null;
  stderr: string;
}

/**
 * Runs the writer child and SIGKILLs it a random moment after it opened the store. `whileRunning` is called
 * once the child is ready, with the acknowledged seqs so far; the kill waits for it.
 */
function runAndKill(dir: string, sessionId: string, whileRunning?: (printed: readonly number[]) => Promise<void>): Promise<ChildRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', CHILD, dir, sessionId, '1000000'], {
      env: { ...process.env, AO_STORE_CRASH_CHILD: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const printed: number[] = [];
    let buffered = '';
    let stderr = '';
    let killTimer: NodeJS.Timeout | undefined;
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      buffered += chunk;
      const lines = buffered.split('\n');
      buffered = lines.pop() ?? '';
      for (const line of lines) {
        if (line !== 'ready') {
          if (/^\d+$/.test(line)) printed.push(Number(line));
        } else if (whileRunning) {
          whileRunning(printed).then(
            () => child.kill('SIGKILL'),
            (error: unknown) => {
              child.kill('SIGKILL');
              reject(error);
            },
          );
        } else {
          killTimer = setTimeout(() => child.kill('SIGKILL'), 20 + Math.floor(Math.random() * 400));
        }
      }
    });
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk: string) => (stderr += chunk));
    // Safety net if the child never gets ready.
    const guard = setTimeout(() => child.kill('SIGKILL'), 20_000);
    child.on('error', reject);
    child.on('close', (_code, signal) => {
      clearTimeout(guard);
      if (killTimer) clearTimeout(killTimer);
      resolve({ printed, signal, stderr });
    });
  });
}

describe('SessionStore crash safety', () => {
  let root: string;

  beforeEach(() => {
    root = makeTempDir();
  });

  afterEach(() => removeDir(root));

  it('keeps every acknowledged event when the writer is killed at random moments', async function () {
    this.timeout(120_000);
    const dir = path.join(root, '.agent-orchestrator');
    const acknowledged = new Map<string, number[]>();
    for (let round = 0; round < ROUNDS; round++) {
      const sessionId = `crash-${round}`;
      const run = await runAndKill(dir, sessionId);
      assert.equal(run.signal, 'SIGKILL', `the child should have been killed; stderr: ${run.stderr}`);
      assert.ok(run.printed.length > 0, `the child acknowledged nothing; stderr: ${run.stderr}`);
      acknowledged.set(sessionId, run.printed);

      const store = await SessionStore.open({ dir, mode: 'write' });
      try {
        assert.ok(
          store.warnings.some((w) => w.includes('stale lock')),
          `the dead writer's lock is taken over with a warning: ${store.warnings.join(' | ')}`,
        );
        for (const [id, seqs] of acknowledged) {
          const stored = store.getEvents(id).map((e) => e.seq);
          // Stored seqs are 1..n without holes, and n covers every acknowledged seq (at most one more).
          assert.deepEqual(
            stored,
            stored.map((_, i) => i + 1),
            `no holes in ${id}`,
          );
          const highest = Math.max(...seqs);
          assert.ok(stored.length >= highest, `${id}: acknowledged up to ${highest}, stored ${stored.length}`);
          assert.ok(stored.length <= highest + 1, `${id}: stored more than was ever written`);
        }
        assert.equal(store.getSession(sessionId)?.status, 'interrupted');
      } finally {
        await store.close();
      }
    }
  });

  it('gives readers a consistent view while a writer appends and snapshots', async function () {
    this.timeout(60_000);
    const dir = path.join(root, '.agent-orchestrator');
    const run = await runAndKill(dir, 'live', async (printed) => {
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
    });
    assert.equal(run.signal, 'SIGKILL', `stderr: ${run.stderr}`);
  });
});
