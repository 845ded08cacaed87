import { strict as assert } from 'node:assert';
import { digestBudgetChars, digestText, sessionDigest } from '../../../src/core/logging/sessionDigest';
import { sampleRun } from '../vscode/sampleRun';

/** The sample run, then a validation the tester rejects with its evidence, and many noisy tool calls. */
function runWithRejectedValidation(toolCalls: number): ReturnType<typeof sampleRun> {
  const log = sampleRun('cancelled');
  log.events.pop();
  log.events.pop();
  for (let index = 0; index < toolCalls; index++) {
    log.add('agent.tool_called', { agent: 'backend-api-developer', tool: 'Read', params: { path: `src/file${index}.ts` }, status: 'success', durationMs: 3, summary: `read src/file${index}.ts` }, 200 + index);
  }
  log.add('validation.requested', { requestId: 'v1', from: 'backend-api-developer', to: 'test-suite-developer', files: ['src/routes/auth.ts'] }, 5_000);
  log.add('validation.result', {
    requestId: 'v1',
    from: 'test-suite-developer',
    to: 'backend-api-developer',
    approved: false,
    reasons: ['npm test failed: 2 failing (auth.spec.ts: expected 403, got 200)'],
    evidence: { filesRescanned: ['src/routes/auth.ts'], newFindings: [], findingsResolved: ['f1'], tests: { command: 'npm test', passed: false, summary: '2 failing' }, parseErrors: [], diffReviewed: true },
  }, 5_100);
  log.add('agent.completed', { agent: 'backend-api-developer', durationMs: 5_000, summary: 'fix rejected' }, 5_200);
  log.add('run.completed', { success: false, status: 'completed', durationMs: 5_300 }, 5_300);
  return log;
}

describe('session digest (a past run as a bounded prompt for questions about it)', () => {
  it('states the outcome, the agents, the rejected validation with its reason and test evidence, changes and findings', () => {
    const { text } = sessionDigest(runWithRejectedValidation(3).events, { maxChars: 20_000 });
    assert.match(text, /^Session session_test_1: "Fix security vulnerability in authentication endpoint"/);
    assert.match(text, /Outcome: completed in 5\.3 seconds \(not successful\)/);
    assert.match(text, /test-suite-developer reviewed backend-api-developer's changes to src\/routes\/auth\.ts: REJECTED: npm test failed: 2 failing/);
    assert.match(text, /tests \(npm test\) FAILED: 2 failing/);
    assert.match(text, /change 1 by backend-api-developer to src\/routes\/auth\.ts: proposed, not applied, fixes 1 finding/);
    assert.match(text, /high agent-orchestrator\/missing-tenant-filter at src\/routes\/auth\.ts:31 by security-auditor/);
    // The timeline keeps the order of the run.
    const lines = text.split('\n');
    const started = lines.findIndex((line) => line.includes('agent.started security-auditor'));
    const rejected = lines.findIndex((line) => line.includes('validation.result'));
    assert.ok(started > 0 && rejected > started, text);
  });

  it('fits the budget on a long run, keeping the rejection and what the question asks about, and says how much it left out', () => {
    const events = runWithRejectedValidation(2_000).events;
    const full = sessionDigest(events, { maxChars: 10_000_000 });
    assert.ok(full.text.length > 50_000, `the unbounded digest is ${full.text.length} characters`);
    const digest = sessionDigest(events, { maxChars: 6_000, question: 'Why did the validation fail?' });
    assert.ok(digest.text.length <= 6_000, `${digest.text.length} characters`);
    assert.ok(digest.timelineOmitted > 1_900, `omitted ${digest.timelineOmitted}`);
    assert.match(digest.text, /validation\.result validation by test-suite-developer of backend-api-developer's changes: REJECTED/);
    assert.match(digest.text, /validation\.requested backend-api-developer asks test-suite-developer/);
    assert.match(digest.text, new RegExp(`\\(${digest.timelineOmitted} of \\d+ events left out to fit`));
    // The last tool calls (nearest the outcome) are kept before the first ones.
    assert.match(digest.text, /read src\/file1999\.ts/);
    assert.doesNotMatch(digest.text, /read src\/file0\.ts\b/);
  });

  it('masks secrets and makes control characters visible in what agents and files said', () => {
    const log = sampleRun();
    log.add('agent.failed', { agent: 'docs-writer', durationMs: 5, reason: 'error', error: 'config has api_key = "sk-live-abcdefghijklmnopqrstuvwx1234" and \u001b[31mred\u001b[0m \u202eevil' }, 1_900);
    const { text } = sessionDigest(log.events, { maxChars: 20_000 });
    assert.doesNotMatch(text, /abcdefghijklmnopqrstuvwx1234/);
    assert.match(text, /masked/);
    assert.doesNotMatch(text, /[\u001b\u202e]/);
    assert.match(text, /\\u001b\[31mred/);
  });

  it('leaves out the raw model exchanges, which model.called already summarises', () => {
    const log = sampleRun();
    log.add('model.called', { agent: 'docs-writer', provider: 'vscode-lm', model: 'm', turn: 1, inputTokens: 10, outputTokens: 5, cachedInputTokens: 0, durationMs: 10, costUsd: 0.001, finishReason: 'stop' }, 1_900);
    const { text } = sessionDigest(log.events, { maxChars: 20_000 });
    assert.match(text, /model\.called docs-writer turn 1 vscode-lm\/m finished \(stop\)/);
    assert.match(text, /Model usage: 1 turn, 10 in \/ 5 out tokens, cost \$0\.0010/);
    assert.doesNotMatch(text, /model\.exchange/);
  });

  it('sizes the budget from the model input limit, within bounds', () => {
    assert.equal(digestBudgetChars(8_000), 18_000);
    assert.equal(digestBudgetChars(1_000_000), 48_000);
    assert.equal(digestBudgetChars(500), 3_000);
  });

  it('caps one line and keeps it on one line', () => {
    const line = digestText(`${'a'.repeat(400)}\nnext`, 100);
    assert.equal(line.length, 100);
    assert.ok(line.endsWith('…'));
    assert.equal(digestText('one\r\ntwo'), 'one two');
  });
});
