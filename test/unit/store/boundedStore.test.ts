// The store stays bounded: an agent's executions beyond the learning window are folded into a summary row and
// deleted, and what the learning system estimates from the store does not change.
import { strict as assert } from 'node:assert';
import * as path from 'node:path';
import { AgentLearningSystem } from '../../../src/core/learning/agentLearningSystem';
import type { OrchestratorEvent } from '../../../src/core/protocol/events';
import { SessionStore } from '../../../src/core/store/sessionStore';
import { EventFactory, learningRecord, makeTempDir, removeDir } from './storeTestHelpers';

const WINDOW = 5;
const RUNS = 12;

/** One run of `agent` per session, durations 100, 200, ... ms, every third one failed. */
function runsOf(agent: string): OrchestratorEvent[] {
  const factory = new EventFactory(1_700_000_000_000);
  const events: OrchestratorEvent[] = [];
  for (let i = 0; i < RUNS; i++) {
    const sessionId = `s${i}`;
    events.push(factory.runStarted(sessionId));
    const record = learningRecord(sessionId, agent, 1_700_000_000_000 + i * 60_000, i % 3 !== 0);
    record.successPatterns.duration = 100 * (i + 1);
    const envelope = factory.learningRecorded(sessionId, agent, record.timestamp);
    events.push({ ...envelope, type: 'learning.recorded', payload: { record } } as OrchestratorEvent);
    events.push(factory.runCompleted(sessionId));
  }
  return events;
}

describe('SessionStore bounded by maxExecutionsPerAgent', () => {
  let root: string;
  const opened: SessionStore[] = [];

  async function open(name: string, maxExecutionsPerAgent?: number): Promise<SessionStore> {
    const store = await SessionStore.open({ dir: path.join(root, name), mode: 'write', snapshotDebounceMs: 600_000, ...(maxExecutionsPerAgent === undefined ? {} : { maxExecutionsPerAgent }) });
    opened.push(store);
    return store;
  }

  beforeEach(() => {
    root = makeTempDir();
  });

  afterEach(async () => {
    for (const store of opened.splice(0)) await store.close();
    removeDir(root);
  });

  it('keeps only the newest executions of an agent, folds the older ones into its summary, and estimates the same', async () => {
    const bounded = await open('bounded', WINDOW);
    const unbounded = await open('unbounded');
    for (const event of runsOf('scanner')) {
      await bounded.append(event);
      await unbounded.append(event);
    }
    const kept = bounded.recentExecutions('scanner', 100);
    assert.equal(kept.length, WINDOW, 'only the window is stored');
    assert.deepEqual(kept.map((r) => r.successPatterns.duration), [1200, 1100, 1000, 900, 800], 'the newest ones');
    assert.equal(unbounded.recentExecutions('scanner', 100).length, RUNS);

    const folded = bounded.foldedExecutions('scanner');
    assert.ok(folded, 'the older executions are summed up');
    assert.equal(folded.count, RUNS - WINDOW);
    // Runs 0..6: durations 100..700, runs 0, 3 and 6 failed.
    assert.equal(folded.successes, 4);
    assert.equal(folded.minDuration, 100);
    assert.equal(folded.maxDuration, 700);
    const logs = [100, 200, 300, 400, 500, 600, 700].map((ms) => Math.log1p(ms));
    assert.ok(Math.abs(folded.sumLogDuration - logs.reduce((a, b) => a + b, 0)) < 1e-9);
    assert.ok(Math.abs(folded.sumSqLogDuration - logs.reduce((a, b) => a + b * b, 0)) < 1e-9);
    assert.equal(bounded.executionCount(), RUNS, 'the count keeps the folded history');
    assert.equal(unbounded.foldedExecutions('scanner'), null);

    // The learning system reads the same window either way: its estimate is unchanged by the pruning.
    const learn = (store: SessionStore): AgentLearningSystem => new AgentLearningSystem({ repository: store, persist: () => {}, maxExecutionsPerAgent: WINDOW });
    assert.deepEqual(learn(bounded).estimateDuration('scanner'), learn(unbounded).estimateDuration('scanner'));
  });

  it('folds the same rows again when the journal is replayed, with or without a snapshot', async () => {
    const dir = path.join(root, 'replayed');
    const writer = await open('replayed', WINDOW);
    for (const event of runsOf('scanner')) await writer.append(event);
    const expected = writer.foldedExecutions('scanner');
    // A reader rebuilds the tables from the snapshot (if the end of a run made one) and replays the journal tail.
    for (const label of ['journal tail', 'after a snapshot']) {
      if (label === 'after a snapshot') writer.snapshotNow();
      const reader = await SessionStore.open({ dir, mode: 'read', maxExecutionsPerAgent: WINDOW });
      try {
        assert.deepEqual(reader.foldedExecutions('scanner'), expected, label);
        assert.equal(reader.recentExecutions('scanner', 100).length, WINDOW, label);
        assert.equal(reader.executionCount(), RUNS, label);
      } finally {
        await reader.close();
      }
    }
  });

  it('clearing learnings clears the folded history too', async () => {
    const store = await open('cleared', WINDOW);
    for (const event of runsOf('scanner')) await store.append(event);
    store.clearLearnings();
    assert.equal(store.foldedExecutions('scanner'), null);
    assert.equal(store.executionCount(), 0);
  });
});
