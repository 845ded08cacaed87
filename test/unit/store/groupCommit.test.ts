// Group commit, as a user of the event stream sees it: events are shown (delivered to listeners, streamed) only
// once the journal has them on disk, in order, and a journal that cannot sync acknowledges nothing more.
import { strict as assert } from 'node:assert';
import mutableFs from 'node:fs';
import * as path from 'node:path';
import { RunEventStream } from '../../../src/core/events/runEventStream';
import { systemClock } from '../../../src/core/ports';
import type { OrchestratorEvent } from '../../../src/core/protocol/events';
import { JOURNAL_FILE, SessionStore } from '../../../src/core/store/sessionStore';
import { makeTempDir, removeDir } from './storeTestHelpers';

const EVENTS = 40;

describe('group commit of the event journal', () => {
  let root: string;
  let store: SessionStore | null = null;
  const realFdatasync = mutableFs.fdatasync;

  beforeEach(async () => {
    root = makeTempDir();
    store = await SessionStore.open({ dir: path.join(root, '.agent-orchestrator'), mode: 'write', snapshotDebounceMs: 600_000 });
  });

  afterEach(async () => {
    mutableFs.fdatasync = realFdatasync;
    await store?.close();
    removeDir(root);
  });

  function emitRun(stream: RunEventStream): void {
    stream.emit('run.started', { request: 'review', workspace: root, options: { apply: false, allowCommands: false, maxParallelAgents: 5, agentTimeout: 1000, timeout: null } });
    for (let i = 1; i < EVENTS; i++) stream.emit('agent.started', { agent: `agent-${i}`, task: 'work', phase: 0, mcpServers: [] });
  }

  it('shows an event only once it is on disk, in order, and a burst shares its syncs', async () => {
    const stream = new RunEventStream('s1', store!, systemClock);
    const seen: { seq: number; inJournal: boolean }[] = [];
    const journal = path.join(store!.dir, JOURNAL_FILE);
    let syncs = 0;
    mutableFs.fdatasync = ((fd: number, callback: (error: NodeJS.ErrnoException | null) => void) => {
      syncs++;
      realFdatasync(fd, callback);
    }) as typeof mutableFs.fdatasync;
    stream.subscribe((event) => {
      const lines = mutableFs.readFileSync(journal, 'utf8').split('\n').filter((line) => line.includes(`"seq":${event.seq},`));
      seen.push({ seq: event.seq, inJournal: lines.length === 1 });
    });
    emitRun(stream);
    assert.equal(seen.length, 0, 'nothing is shown before its batch is synced');
    await stream.settled();
    assert.deepEqual(seen.map((s) => s.seq), Array.from({ length: EVENTS }, (_, i) => i + 1), 'every event, in order');
    assert.ok(seen.every((s) => s.inJournal), 'each was in the journal when shown');
    assert.ok(syncs >= 1 && syncs < EVENTS / 4, `one sync per batch, not per event (${syncs} syncs for ${EVENTS} events)`);
    assert.equal(store!.getEvents('s1').length, EVENTS);
  });

  it('acknowledges nothing once the journal cannot be synced, and says which file failed', async () => {
    const stream = new RunEventStream('s2', store!, systemClock);
    const seen: OrchestratorEvent[] = [];
    stream.subscribe((event) => seen.push(event));
    mutableFs.fdatasync = ((_fd: number, callback: (error: NodeJS.ErrnoException | null) => void) => {
      setImmediate(() => callback(Object.assign(new Error('EIO: i/o error, fdatasync'), { code: 'EIO' })));
    }) as typeof mutableFs.fdatasync;
    emitRun(stream);
    await assert.rejects(stream.settled(), (error: Error) => error.message.includes(JOURNAL_FILE));
    assert.equal(seen.length, 0, 'no event of the failed batch was shown as saved');
    assert.throws(() => stream.emit('agent.started', { agent: 'late', task: 'work', phase: 0, mcpServers: [] }), (error: Error) => error.message.includes(JOURNAL_FILE));
  });
});
