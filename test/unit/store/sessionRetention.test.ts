// Count-based retention: the store keeps the newest maxSessions sessions (with their events), prunes the older ones
// at the end of a run and when it opens, never the one still running, and tells its owner which ones went so their
// log files go too. Learnings stay.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { OrchestratorEvent } from '../../../src/core/protocol/events';
import { SessionStore } from '../../../src/core/store/sessionStore';
import { EventFactory, makeTempDir, removeDir } from './storeTestHelpers';

describe('SessionStore retention by count', () => {
  let root: string;
  let dir: string;
  const opened: SessionStore[] = [];
  const factory = new EventFactory();

  async function open(retention?: { maxSessions?: number; maxAgeMs?: number }, pruned: string[][] = []): Promise<SessionStore> {
    const store = await SessionStore.open({
      dir,
      mode: 'write',
      snapshotDebounceMs: 600_000,
      ...(retention ? { retention } : {}),
      onSessionsPruned: (ids) => pruned.push([...ids]),
    });
    opened.push(store);
    return store;
  }

  async function run(store: SessionStore, sessionId: string, agent = 'scanner'): Promise<void> {
    const events: OrchestratorEvent[] = [
      factory.runStarted(sessionId),
      factory.agentStarted(sessionId, agent),
      factory.learningRecorded(sessionId, agent, Date.now() + opened.length),
      factory.runCompleted(sessionId),
    ];
    for (const event of events) await store.append(event);
  }

  beforeEach(() => {
    root = makeTempDir();
    dir = path.join(root, '.agent-orchestrator');
  });

  afterEach(async () => {
    for (const store of opened.splice(0)) await store.close();
    removeDir(root);
  });

  it('keeps the newest sessions at the end of each run, their events gone with them, and the learnings kept', async () => {
    const pruned: string[][] = [];
    const store = await open({ maxSessions: 3 }, pruned);
    for (let i = 1; i <= 5; i++) await run(store, `s${i}`);
    assert.deepEqual(store.listSessions().map((s) => s.sessionId), ['s5', 's4', 's3']);
    assert.deepEqual(store.getEvents('s1'), [], 'the events of a pruned session are gone');
    assert.equal(store.getEvents('s3').length, 4);
    assert.deepEqual(pruned, [['s1'], ['s2']], 'told once each, at the end of the run that pushed it out');
    assert.equal(store.recentExecutions('scanner', 100).length, 5, 'the learning history is not pruned with the sessions');

    // Durable as journal operations: a store reopened without a limit (and without the snapshot) shows the same.
    const copy = path.join(root, 'copy');
    fs.mkdirSync(copy);
    fs.copyFileSync(store.journalPath, path.join(copy, 'orchestrator.journal'));
    if (fs.existsSync(store.databasePath)) fs.copyFileSync(store.databasePath, path.join(copy, 'orchestrator.sqlite'));
    const reader = await SessionStore.open({ dir: copy, mode: 'read' });
    opened.push(reader);
    assert.deepEqual(reader.listSessions().map((s) => s.sessionId), ['s5', 's4', 's3']);
  });

  it('never prunes a session that is still running, however old', async () => {
    const store = await open({ maxSessions: 2 });
    await store.append(factory.runStarted('long-running'));
    for (let i = 1; i <= 4; i++) await run(store, `s${i}`);
    assert.deepEqual(store.listSessions().map((s) => s.sessionId), ['s4', 's3', 'long-running'], 'the two newest, and the running one');
    await store.append(factory.runCompleted('long-running'));
    // Now it is the newest to have ended but the oldest to have started: the next run's end prunes it.
    await run(store, 's5');
    assert.deepEqual(store.listSessions().map((s) => s.sessionId), ['s5', 's4']);
  });

  it('brings a store over the limit within it as it opens, and says which sessions went', async () => {
    const unlimited = await open();
    for (let i = 1; i <= 6; i++) await run(unlimited, `s${i}`);
    await unlimited.close();
    const pruned: string[][] = [];
    const limited = await open({ maxSessions: 2 }, pruned);
    assert.deepEqual(limited.listSessions().map((s) => s.sessionId), ['s6', 's5']);
    assert.deepEqual(pruned.flat().sort(), ['s1', 's2', 's3', 's4']);
    await limited.close();
    const reopened = await open();
    assert.deepEqual(reopened.listSessions().map((s) => s.sessionId), ['s6', 's5'], 'the pruning was saved');
  });

  it('leaves no empty pages in the snapshot after pruning most of the store at once', async () => {
    const big = (sessionId: string): OrchestratorEvent => ({
      ...factory.agentStarted(sessionId, 'scanner'),
      type: 'agent.tool_called',
      payload: { agent: 'scanner', tool: 'read_file', params: {}, status: 'success', durationMs: 1, summary: `${sessionId} `.repeat(8000) },
    } as OrchestratorEvent);
    const unlimited = await open();
    for (let i = 1; i <= 40; i++) {
      await unlimited.append(factory.runStarted(`s${i}`));
      await unlimited.append(big(`s${i}`));
      await unlimited.append(factory.runCompleted(`s${i}`));
    }
    await unlimited.close();
    const full = fs.statSync(path.join(dir, 'orchestrator.sqlite')).size;
    const limited = await open({ maxSessions: 2 });
    await limited.close();
    const pruned = fs.statSync(path.join(dir, 'orchestrator.sqlite')).size;
    assert.ok(full > 1_000_000, `${full} B before`);
    assert.ok(pruned < full / 5, `${pruned} B after keeping 2 of 40 sessions, ${full} B before`);
  });

  it('also prunes by age at the end of a run, beside the count', async () => {
    const store = await open({ maxSessions: 100, maxAgeMs: 60_000 });
    // EventFactory's clock starts in 2023: every session it writes ended long before now - 60 s.
    await run(store, 'old');
    assert.deepEqual(store.listSessions().map((s) => s.sessionId), []);
  });

  it('prunes nothing without a retention setting', async () => {
    const store = await open();
    for (let i = 1; i <= 4; i++) await run(store, `s${i}`);
    assert.equal(store.listSessions().length, 4);
  });
});
