import { strict as assert } from 'node:assert';
import { MarkdownLogProjection, renderMarkdownLog } from '../../../src/core/logging/markdownLog';
import { example1Events } from './example1';

function inOrder(text: string, needles: string[]): void {
  let from = 0;
  for (const needle of needles) {
    const at = text.indexOf(needle, from);
    assert.ok(at >= 0, `expected "${needle}" after position ${from} in:\n${text}`);
    from = at + needle.length;
  }
}

describe('live Markdown log', () => {
  const log = renderMarkdownLog(example1Events());

  it('starts with the seed header and the execution plan', () => {
    inOrder(log, [
      '# Agent Orchestrator Execution Log\nSession ID: session_20250130_abc123\nStarted: 2025-01-30T10:23:45.123Z\nUser Request: Fix security vulnerability in authentication endpoint\n',
      '## Execution Plan\n- Agents: security-auditor, backend-api-developer, test-suite-developer, docs-writer\n- Estimated Duration: no history yet\n- MCP Servers: memory-bank\n- Phases: 3\n',
      '  - Phase 3 (parallel): test-suite-developer, docs-writer\n- Total Tasks: 4\n',
      '## Live Execution Log\n---\n',
    ]);
    assert.equal(log.split('## Live Execution Log').length, 2, 'one live-log heading');
  });

  it('logs the run in the seed format and order', () => {
    inOrder(log, [
      '🤖 [10:23:45.123] AGENT START: security-auditor\n  Task: Analyze authentication security\n  MCP Servers: memory-bank\n  Parallel with: none\n',
      '  🔧 [10:23:47.456] security-auditor → Read\n     Duration: 234ms | Status: ✅\n',
      '  🔎 [10:23:49.789] FINDING: security-auditor\n     HIGH tenant-isolation at src/auth.ts:42\n',
      '  💬 [10:23:49.789] security-auditor → all: FINDING_REPORT\n     High severity: Missing organizationId validation\n',
      '✅ [10:23:52.123] AGENT COMPLETE: security-auditor\n  Duration: 7000ms\n  Files Modified: 0\n  Next Agents: backend-api-developer\n',
      '🤝 [10:23:52.200] HANDOFF: security-auditor → backend-api-developer\n  Task: Fix authentication security vulnerability\n  Urgency: HIGH\n  Context Items: 3\n',
      '🤖 [10:23:52.300] AGENT START: backend-api-developer\n',
      '  🔧 [10:23:55.456] backend-api-developer → Edit\n     Duration: 234ms | Status: ✅\n',
      '  ✏️ [10:23:55.456] CHANGE APPLIED: backend-api-developer → src/auth.ts\n     +2 −1 lines\n     Fixes: F1\n',
      '  💬 [10:23:56.789] backend-api-developer → security-auditor: VALIDATION_REQUEST\n     Changes implemented in src/auth.ts, requesting review\n',
      '  💬 [10:23:58.123] security-auditor → backend-api-developer: VALIDATION_RESULT\n     Status: APPROVED ✅\n',
      '✅ [10:24:00.456] AGENT COMPLETE: backend-api-developer\n  Duration: 8156ms\n  Files Modified: 1 (src/auth.ts)\n  Next Agents: test-suite-developer, docs-writer\n',
      '🤖 [10:24:00.523] AGENT START: test-suite-developer\n  Task: Verify the changes with tests\n  MCP Servers: none\n  Parallel with: docs-writer\n',
      '🎓 [10:24:15.789] PATTERN DISCOVERED: security-auditor\n  Pattern: security-fix sequence (security-auditor → backend-api-developer → test-suite-developer)\n  Confidence: 85%\n  Support: 3 runs\n',
      '✅ [10:24:20.123] EXECUTION COMPLETE\n  Total Duration: 35 seconds\n',
    ]);
  });

  it('does not log validation bookkeeping twice', () => {
    assert.equal(log.split('VALIDATION_RESULT').length, 2);
  });

  it('shows a failed agent, the skipped ones and a failed run', () => {
    const failed = renderMarkdownLog(example1Events({ failBackend: true }));
    inOrder(failed, [
      '  🔧 [10:23:54.123] backend-api-developer → Edit\n     Duration: 120ms | Status: ❌\n     model unavailable\n',
      '❌ [10:23:54.123] AGENT FAILED: backend-api-developer\n  Duration: 1823ms\n  Reason: error — Model request failed: 503 Service Unavailable\n',
      '⏭️ [10:23:54.123] AGENT SKIPPED: test-suite-developer\n  Reason: backend-api-developer failed\n',
      '❌ [10:23:54.223] EXECUTION COMPLETE\n  Status: FAILED\n  Error: backend-api-developer failed\n  Total Duration: 9.1 seconds\n',
    ]);
  });

  it('marks a dry-run change as proposed, not applied', () => {
    const dry = renderMarkdownLog(example1Events({ apply: false }));
    assert.ok(dry.includes('✏️ [10:23:55.456] CHANGE PROPOSED: backend-api-developer → src/auth.ts\n     +2 −1 lines (not applied: dry run)'));
  });

  it('appends nothing for a replayed event or another session', () => {
    const events = example1Events();
    const projection = new MarkdownLogProjection();
    const first = events.map((event) => projection.apply(event)).join('');
    assert.equal(first, log);
    assert.equal(events.map((event) => projection.apply(event)).join(''), '');
    assert.equal(example1Events({}, 'session_other').map((event) => projection.apply(event)).join(''), '');
  });
});
