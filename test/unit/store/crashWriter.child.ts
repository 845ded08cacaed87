// Child process for the crash test: appends events to the store and prints each seq once append() returned.
// The parent SIGKILLs it at a random moment. Snapshots are frequent so kills also land mid-snapshot.
import { SessionStore } from '../../../src/core/store/sessionStore';
import { EventFactory } from './storeTestHelpers';

async function main(): Promise<void> {
  const [dir, sessionId, countText] = process.argv.slice(2);
  if (!dir || !sessionId || !countText) throw new Error('usage: crashWriter.child.ts <dir> <sessionId> <count>');
  const store = await SessionStore.open({ dir, mode: 'write', snapshotDebounceMs: 1 });
  const events = new EventFactory(Date.now());
  process.stdout.write('ready\n');
  const count = Number(countText);
  for (let i = 0; i < count; i++) {
    const event =
      i === 0
        ? events.runStarted(sessionId)
        : i % 3 === 0
          ? events.learningRecorded(sessionId, `agent-${i % 4}`, Date.now())
          : events.agentStarted(sessionId, `agent-${i % 4}`);
    store.append(event);
    process.stdout.write(`${event.seq}\n`);
    // Let the debounced snapshot run between appends.
    if (i % 15 === 0) await new Promise((resolve) => setTimeout(resolve, 2));
  }
  process.stdout.write('done\n');
  // Deliberately no close(): the parent kills us.
  await new Promise((resolve) => setTimeout(resolve, 60_000));
}

// `npx mocha test/unit/store/` loads every file of the folder: run only when spawned as the child.
if (process.env['AO_STORE_CRASH_CHILD'] === '1') {
  main().catch((error: unknown) => {
    process.stderr.write(`${String(error)}\n`);
    process.exit(1);
  });
}
