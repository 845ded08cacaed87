// A recorded run's events as another run of the same workspace would have written them: a new session id and times
// moved by `shiftMs`, in every place the store reads them from (the envelope, and the learning record an
// `execution.recorded` carries), so the copy folds to the same findings and sorts where its times put it.
import type { OrchestratorEvent } from '../../src/core/protocol/events';

export function copyOfRun(events: readonly OrchestratorEvent[], sessionId: string, shiftMs: number): OrchestratorEvent[] {
  return events.map((event) => {
    const copy = structuredClone(event);
    copy.sessionId = sessionId;
    copy.ts = event.ts + shiftMs;
    const record = (copy.payload as { record?: { timestamp: number; sessionId: string } }).record;
    if (record) {
      record.timestamp += shiftMs;
      record.sessionId = sessionId;
    }
    return copy;
  });
}
