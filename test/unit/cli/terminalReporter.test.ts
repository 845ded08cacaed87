import { strict as assert } from 'node:assert';
import { describeEvent } from '../../../src/cli/terminalReporter';
import { OrchestratorEventSchema } from '../../../src/core/protocol/events';

describe('Live terminal lines', () => {
  it('say what a VALIDATION_REQUEST asks to be checked: which files, which findings, which changes', () => {
    const event = OrchestratorEventSchema.parse({
      sessionId: 's', seq: 5, ts: 1, type: 'message.sent',
      payload: {
        message: {
          id: 'm1', from: 'backend-api-developer', to: 'security-auditor', type: 'validation_request', priority: 'high', timestamp: 1,
          payload: {
            changesImplemented: ['Fixed agent-orchestrator/missing-tenant-filter at src/routes/auth.ts:31', 'Fixed agent-orchestrator/missing-tenant-filter at src/routes/invoices.ts:21'],
            filesModified: ['src/routes/auth.ts', 'src/routes/invoices.ts'],
            requestingReview: true,
            findingIds: ['f1', 'f2'],
          },
        },
      },
    });
    const line = (describeEvent(event) ?? '').replace(/\x1b\[[0-9;]*m/g, '');
    assert.match(line, /backend-api-developer → security-auditor: VALIDATION_REQUEST of src\/routes\/auth\.ts, src\/routes\/invoices\.ts \(claims to fix 2 finding\(s\)\): Fixed agent-orchestrator\/missing-tenant-filter at src\/routes\/auth\.ts:31; /);
  });
});
