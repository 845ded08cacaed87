import { strict as assert } from 'node:assert';
import { SessionStore } from '../../../src/core/store/sessionStore';
import { EventFactory, makeTempDir, removeDir } from './storeTestHelpers';

// The store keeps each agent's newest executions in memory once asked; these check the window never goes stale.
describe('SessionStore recent executions window', () => {
  let dir: string;
  beforeEach(() => { dir = makeTempDir(); });
  afterEach(() => removeDir(dir));

  const timestamps = (store: SessionStore, agent: string, limit: number): number[] => store.recentExecutions(agent, limit).map((r) => r.timestamp);

  it('shows a newly recorded execution right away and keeps the limit', async () => {
    const store = await SessionStore.open({ dir, mode: 'write' });
    const events = new EventFactory();
    try {
      store.append(events.runStarted('s1'));
      for (const ts of [100, 200, 300]) store.append(events.learningRecorded('s1', 'auditor', ts));
      assert.deepEqual(timestamps(store, 'auditor', 2), [300, 200]);
      store.append(events.learningRecorded('s1', 'auditor', 400));
      assert.deepEqual(timestamps(store, 'auditor', 2), [400, 300]);
      store.append(events.learningRecorded('s1', 'auditor', 50)); // older than the window: not in the newest two
      assert.deepEqual(timestamps(store, 'auditor', 2), [400, 300]);
      assert.deepEqual(timestamps(store, 'auditor', 10), [400, 300, 200, 100, 50], 'a wider window reads everything');
      assert.deepEqual(timestamps(store, 'other', 5), []);
      store.append(events.learningRecorded('s1', 'other', 500));
      assert.deepEqual(timestamps(store, 'other', 5), [500]);
    } finally {
      await store.close();
    }
  });

  it('empties the window when learnings are cleared, and a reopened store reads the same', async () => {
    const events = new EventFactory();
    const store = await SessionStore.open({ dir, mode: 'write' });
    store.append(events.runStarted('s1'));
    store.append(events.learningRecorded('s1', 'auditor', 100));
    assert.deepEqual(timestamps(store, 'auditor', 5), [100]);
    store.clearLearnings();
    assert.deepEqual(timestamps(store, 'auditor', 5), []);
    store.append(events.learningRecorded('s1', 'auditor', 200));
    assert.deepEqual(timestamps(store, 'auditor', 5), [200]);
    await store.close();
    const reopened = await SessionStore.open({ dir, mode: 'read' });
    try {
      assert.deepEqual(timestamps(reopened, 'auditor', 5), [200]);
    } finally {
      await reopened.close();
    }
  });
});
