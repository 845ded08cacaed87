// The review use case on a real store and files: chains of changes to one file, discarding, and recording.
import { strict as assert } from 'node:assert';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { applyReviewedChanges, discardReviewedChanges, reviewChanges } from '../../../src/agents/review/reviewedChanges';
import { unifiedDiff } from '../../../src/core/orchestrator/unifiedDiff';
import type { OrchestratorEvent } from '../../../src/core/protocol/events';
import { contentHash } from '../../../src/core/review/changeReview';
import { SessionStore, storeDirFor } from '../../../src/core/store/sessionStore';

const SESSION = 'session_20250101_000000_abcdef';

describe('reviewing a stored dry run (use case)', () => {
  let root: string;
  let store: SessionStore;
  const write = (file: string, text: string): void => {
    mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
    writeFileSync(path.join(root, file), text);
  };
  const read = (file: string): string => readFileSync(path.join(root, file), 'utf8');

  beforeEach(async () => {
    root = mkdtempSync(path.join(os.tmpdir(), 'ao-review-'));
    write('src/a.ts', 'one\ntwo\n');
    store = await SessionStore.open({ dir: storeDirFor(root), root, mode: 'write' });
    let seq = 0;
    const add = (type: string, payload: Record<string, unknown>): void => void store.append({ sessionId: SESSION, seq: ++seq, ts: 1_000 + seq, type, payload } as unknown as OrchestratorEvent);
    const change = (file: string, before: string | null, after: string): Record<string, unknown> => ({
      agent: 'fixer', file, diff: unifiedDiff(file, before ?? '', after), applied: false, findingIds: ['f'],
      baseHash: before === null ? null : contentHash(before), proposedHash: contentHash(after),
    });
    add('run.started', { request: 'fix', workspace: root, options: { apply: false, allowCommands: false, maxParallelAgents: 1, agentTimeout: 1000, timeout: null } });
    // Two changes to one file, the second made over the first (the run's overlay), and a new file.
    add('change.proposed', change('src/a.ts', 'one\ntwo\n', 'one\nTWO\n'));
    add('change.proposed', change('src/a.ts', 'one\nTWO\n', 'ONE\nTWO\n'));
    add('change.proposed', change('src/new/b.ts', null, 'export {};\n'));
    add('run.completed', { success: true, status: 'completed', durationMs: 5 });
  });
  afterEach(async () => {
    await store.close();
    rmSync(root, { recursive: true, force: true });
  });

  it('previews a chain of changes to one file in order, each over the one before', () => {
    const changes = reviewChanges(root, store, SESSION);
    assert.deepEqual(changes.map((c) => [c.id, c.proposedContent]), [['1', 'one\nTWO\n'], ['2', 'ONE\nTWO\n'], ['3', 'export {};\n']]);
  });

  it('refuses a later change alone, saying which earlier change it builds on', () => {
    const report = applyReviewedChanges({ workspaceRoot: root, store, sessionId: SESSION, only: ['2'], by: 'cli' });
    assert.equal(report.allApplied, false);
    assert.match(report.results[0]!.message, /change 2 builds on change 1, which is not applied: apply 1 first/);
    assert.equal(read('src/a.ts'), 'one\ntwo\n');
  });

  it('applies every change in order (creating folders), records each, and a discarded one is left out', () => {
    assert.deepEqual(discardReviewedChanges({ workspaceRoot: root, store, sessionId: SESSION, only: ['3'], by: 'cli' }).map((r) => r.outcome), ['discarded']);
    const report = applyReviewedChanges({ workspaceRoot: root, store, sessionId: SESSION, by: 'cli' });
    assert.deepEqual(report.results.map((r) => [r.id, r.outcome]), [['1', 'applied'], ['2', 'applied'], ['3', 'discarded']]);
    assert.equal(read('src/a.ts'), 'ONE\nTWO\n');
    const recorded = store.getEvents(SESSION).filter((e) => e.type === 'change.applied' || e.type === 'change.discarded').map((e) => [e.type, e.payload.changeId]);
    assert.deepEqual(recorded, [['change.discarded', '3'], ['change.applied', '1'], ['change.applied', '2']]);
    // Named explicitly, a discarded change can still be applied.
    const explicit = applyReviewedChanges({ workspaceRoot: root, store, sessionId: SESSION, only: ['3'], by: 'cli' });
    assert.deepEqual(explicit.results.map((r) => r.outcome), ['applied']);
    assert.equal(read('src/new/b.ts'), 'export {};\n');
  });
});
