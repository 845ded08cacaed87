// The learning bench (bench/learning.bench.ts) against the real sql.js SessionStore, write mode, in a temp folder.
// Records reach the store as they do in the product: a learning.recorded event appended to the store (validate,
// journal + fsync, tables), keyed (session_id, seq) with seq counted per session.
//
// Loading the initial history: append() fsyncs every event, so 100k appends would measure the disk, not the
// query. SessionStore has no bulk-load API, so the history is written straight into the journal file in the
// store's own NDJSON format (header line, then one event per line) and SessionStore.open() replays it, which it
// does in one transaction and with the same schema validation as append.
import { randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { OrchestratorEvent } from '../src/core/protocol/events';
import type { LearningRecord } from '../src/core/protocol/learning';
import { JOURNAL_FILE, SessionStore } from '../src/core/store/sessionStore';
import type { Bench } from './harness';
import { createLearningBench, type LearningBenchTarget } from './learning.bench';

/** Gives each record's session the next seq, as a run's event stream does. */
class SeqCounter {
  readonly #seqs = new Map<string, number>();

  next(sessionId: string): number {
    const seq = (this.#seqs.get(sessionId) ?? 0) + 1;
    this.#seqs.set(sessionId, seq);
    return seq;
  }
}

function learningEvent(record: LearningRecord, seqs: SeqCounter): OrchestratorEvent {
  return { sessionId: record.sessionId, seq: seqs.next(record.sessionId), ts: record.timestamp, type: 'learning.recorded', payload: { record } };
}

/** Writes the events as the store's journal would hold them: a header line, then one JSON event per line. */
function writeJournal(dir: string, records: readonly LearningRecord[], seqs: SeqCounter): void {
  fs.mkdirSync(dir, { recursive: true });
  const fd = fs.openSync(path.join(dir, JOURNAL_FILE), 'w');
  try {
    fs.writeSync(fd, `${JSON.stringify({ journal: randomUUID(), createdAt: Date.now() })}\n`);
    const chunkSize = 5000;
    for (let from = 0; from < records.length; from += chunkSize) {
      const lines = records.slice(from, from + chunkSize).map((record) => JSON.stringify(learningEvent(record, seqs)));
      fs.writeSync(fd, `${lines.join('\n')}\n`);
    }
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

/** A target whose store is opened by load() (after the journal is written); `repository` is the store itself. */
function sessionStoreTarget(): LearningBenchTarget {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'ao-learning-bench-'));
  const dir = path.join(root, '.agent-orchestrator');
  const seqs = new SeqCounter();
  let store: SessionStore | null = null;
  const opened = (): SessionStore => {
    if (store === null) throw new Error('the store is opened by load()');
    return store;
  };
  return {
    get repository() {
      return opened();
    },
    persist: (record) => opened().append(learningEvent(record, seqs)),
    load: async (records) => {
      writeJournal(dir, records, seqs);
      // Snapshots only at close: a debounced snapshot of a 100+ MB image must not land in a measured loop.
      store = await SessionStore.open({ dir, mode: 'write', snapshotDebounceMs: 600_000 });
      if (store.warnings.length > 0) throw new Error(`replay warned: ${store.warnings.slice(0, 3).join(' | ')}`);
    },
    close: async () => {
      try {
        await store?.close();
      } finally {
        store = null;
        fs.rmSync(root, { recursive: true, force: true });
      }
    },
  };
}

/** queryLearnings at 10k and 100k executions held by the sql.js SessionStore (cold = right after a record). */
export const learningStoreBench: Bench = createLearningBench(sessionStoreTarget, { label: 'sql.js SessionStore' });
