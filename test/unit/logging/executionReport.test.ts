import { strict as assert } from 'node:assert';
import { buildExecutionReport, renderReportMarkdown } from '../../../src/core/logging/executionReport';
import { applyEvent, foldEvents } from '../../../src/core/logging/runState';
import { SESSION, T0, example1Events } from './example1';

describe('execution report', () => {
  it('summarizes the run', () => {
    const report = buildExecutionReport(foldEvents(SESSION, example1Events()));
    assert.equal(report.status, 'completed');
    assert.equal(report.success, true);
    assert.equal(report.startedAt, T0);
    assert.equal(report.completedAt, T0 + 35_000);
    assert.equal(report.durationMs, 35_000);
    assert.deepEqual(report.agents[1], {
      name: 'backend-api-developer',
      status: 'completed',
      startedAt: T0 + 7177,
      completedAt: T0 + 15_333,
      durationMs: 8156,
      toolCalls: 1,
      messagesSent: 1,
      error: null,
      model: null,
      usage: { modelCalls: 0, inputTokens: 0, outputTokens: 0, cachedInputTokens: 0, costUsd: 0, unpricedCalls: 0, failedCalls: 0 },
    });
    assert.deepEqual(report.handoffs, [{ from: 'security-auditor', to: 'backend-api-developer', task: 'Fix authentication security vulnerability', contextItems: 3 }]);
    assert.deepEqual(report.messages.map((m) => m.type), ['finding_report', 'handoff', 'validation_request', 'validation_result', 'pattern_discovered']);
    assert.equal(report.metrics.toolCalls, 3);
    assert.deepEqual(JSON.parse(JSON.stringify(report)), report);
  });

  it('does not change when the state moves on', () => {
    const events = example1Events();
    const state = foldEvents(SESSION, events.slice(0, 10));
    const report = buildExecutionReport(state);
    const before = JSON.stringify(report);
    for (const event of events.slice(10)) applyEvent(state, event);
    assert.equal(JSON.stringify(report), before);
  });

  it('renders Markdown with agents, findings, validations and recommendations', () => {
    const report = buildExecutionReport(foldEvents(SESSION, example1Events({ failBackend: true })));
    const text = renderReportMarkdown(report);
    assert.ok(text.startsWith('# Agent Orchestrator Execution Report\n'));
    assert.ok(text.includes('- **Status**: ❌ Failed'));
    assert.ok(text.includes('| backend-api-developer | ❌ failed | 1823ms | 1 | 0 | Model request failed: 503 Service Unavailable |'));
    assert.ok(text.includes('| high | tenant-isolation | src/auth.ts:42 | Missing organizationId validation | automatic |'));
    assert.match(text, /## Recommendations\n\n- 🔴 \*\*failure\*\*: backend-api-developer failed/);

    const ok = renderReportMarkdown(buildExecutionReport(foldEvents(SESSION, example1Events({ reject: true }))));
    assert.ok(ok.includes('- backend-api-developer → security-auditor (src/auth.ts): REJECTED ❌ — tenant-isolation still reported at src/auth.ts:42'));
    assert.ok(ok.includes('- ✏️ applied: `src/auth.ts` by backend-api-developer (+2 −1, fixes F1)'));
  });
});
