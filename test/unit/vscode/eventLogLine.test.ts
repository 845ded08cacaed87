import { strict as assert } from 'node:assert';
import { eventLogLine } from '../../../src/vscode/eventLogLine';
import { EventLog, sampleRun } from './sampleRun';

describe('live log lines', () => {
  it('writes one concise line per event, prefixed by the event type', () => {
    const lines = sampleRun().events.map(eventLogLine);
    assert.ok(lines.includes('[agent.started] security-auditor: Audit the endpoint'));
    assert.ok(lines.includes('[finding.reported] high agent-orchestrator/missing-tenant-filter at src/routes/auth.ts:31:22 (security-auditor): Missing organizationId validation: user.findFirst in a request handler has no organizationId filter'));
    assert.ok(lines.includes('[agent.completed] security-auditor in 98 ms: 1 finding'));
    assert.ok(lines.includes('[handoff.initiated] security-auditor → backend-api-developer: Fix 1 security finding (high)'));
    assert.ok(lines.includes('[run.completed] completed in 1.8 s'));
    assert.ok(lines.every((line) => !line.includes('\n')));
  });

  it('keeps agent text on one line', () => {
    const log = new EventLog();
    const event = log.add('agent.started', { agent: 'a', task: 'line one\nline two', phase: 0, parallelWith: [] }, 0);
    assert.equal(eventLogLine(event), '[agent.started] a: line one line two');
  });
});
