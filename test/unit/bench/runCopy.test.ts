import { strict as assert } from 'node:assert';
import { copyOfRun } from '../../../bench/support/runCopy';
import { foldEvents } from '../../../src/core/logging/runState';
import type { OrchestratorEvent } from '../../../src/core/protocol/events';

const finding = { id: 'f1', ruleId: 'agent-orchestrator/sql-injection', severity: 'high', message: 'SQL built from input', file: 'src/db.js', line: 3, column: 1, recommendation: 'Use parameters', fixable: false } as const;
const recorded = [
  { sessionId: 'session_a', seq: 1, ts: 1_000, type: 'run.started', payload: { request: 'fix it', workspace: '/ws', options: { apply: false, allowCommands: false, maxParallelAgents: 2, agentTimeout: 1000, timeout: null } } },
  { sessionId: 'session_a', seq: 2, ts: 1_100, type: 'finding.reported', payload: { agent: 'security-specialist', finding } },
  { sessionId: 'session_a', seq: 3, ts: 1_200, type: 'execution.recorded', payload: { record: { agent: 'security-specialist', timestamp: 1_150, sessionId: 'session_a' } } },
  { sessionId: 'session_a', seq: 4, ts: 1_300, type: 'run.completed', payload: { success: true, status: 'completed', durationMs: 300 } },
] as unknown as OrchestratorEvent[];

describe('copyOfRun (the bench appends a recorded run again as a new session)', () => {
  it('gives every event and its learning record the new session id and moved times, with the same findings', () => {
    const copy = copyOfRun(recorded, 'session_b', 5_000);
    assert.deepEqual(copy.map((event) => [event.sessionId, event.seq, event.ts, event.type]), [
      ['session_b', 1, 6_000, 'run.started'],
      ['session_b', 2, 6_100, 'finding.reported'],
      ['session_b', 3, 6_200, 'execution.recorded'],
      ['session_b', 4, 6_300, 'run.completed'],
    ]);
    assert.deepEqual((copy[2]!.payload as unknown as { record: object }).record, { agent: 'security-specialist', timestamp: 6_150, sessionId: 'session_b' });
    assert.deepEqual(foldEvents('session_b', copy).findings.map((f) => f.id), ['f1']);
    assert.deepEqual(foldEvents('session_b', copy).findings, foldEvents('session_a', recorded).findings);
  });

  it('leaves the recorded run as it was', () => {
    const before = structuredClone(recorded);
    copyOfRun(recorded, 'session_b', 5_000);
    assert.deepEqual(recorded, before);
  });
});
