import { strict as assert } from 'node:assert';
import { jsonForTerminal, sanitizeForTerminal } from '../../../src/cli/terminalText';
import { describeEvent } from '../../../src/cli/terminalReporter';
import type { OrchestratorEvent } from '../../../src/core/protocol/events';

const ESCAPES = '\u001b]0;HACKED\u0007\u001b[2J';
const RAW_CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;

describe('sanitizeForTerminal', () => {
  it('writes control characters as visible escapes', () => {
    assert.equal(sanitizeForTerminal(`${ESCAPES}evil.js`), '\\x1b]0;HACKED\\x07\\x1b[2Jevil.js');
    assert.equal(sanitizeForTerminal('a\u009bb\u007fc\u202ed\re'), 'a\\x9bb\\x7fc\\u202ed\\x0de');
  });

  it('escapes newlines in one-line values and keeps them, only them, in multi-line text', () => {
    assert.equal(sanitizeForTerminal('one\ntwo'), 'one\\x0atwo');
    assert.equal(sanitizeForTerminal('one\ntwo\u001b[2J', { keepNewlines: true }), 'one\ntwo\\x1b[2J');
  });

  it('leaves ordinary text, tabs and emoji as they are', () => {
    assert.equal(sanitizeForTerminal('✅ src/a.ts:3\tok — “fine”'), '✅ src/a.ts:3\tok — “fine”');
  });

  it('keeps JSON output parseable to the same value, with no raw control character', () => {
    const value = { file: `${ESCAPES}evil.js`, note: 'c1 \u009b bidi \u202e del \u007f' };
    const json = jsonForTerminal(value, 2);
    assert.doesNotMatch(json, RAW_CONTROL);
    assert.deepEqual(JSON.parse(json), value);
  });

  it('is applied to every value the live reporter prints', () => {
    const finding = { id: 'f1', ruleId: 'security/detect-eval-with-expression', severity: 'critical' as const, message: `eval ${ESCAPES}`, file: `${ESCAPES}evil.js`, line: 1, column: 1, recommendation: '', fixable: false };
    const events = [
      { type: 'finding.reported', payload: { agent: 'security-auditor', finding } },
      { type: 'change.proposed', payload: { agent: 'a', file: `${ESCAPES}evil.js`, diff: '', applied: false, findingIds: [] } },
      { type: 'run.started', payload: { request: `Fix ${ESCAPES}`, workspace: '/w', options: { apply: false, allowCommands: false, maxParallelAgents: 1, agentTimeout: 1, timeout: null } } },
      { type: 'agent.failed', payload: { agent: 'a', durationMs: 1, reason: 'error', error: ESCAPES } },
    ].map((partial, index) => ({ sessionId: 's', seq: index + 1, ts: 0, ...partial }) as OrchestratorEvent);
    for (const event of events) {
      const line = describeEvent(event) ?? '';
      assert.ok(line.includes('\\x1b]0;HACKED'), `${event.type} shows the sequence escaped: ${line}`);
      // picocolors may add SGR colour codes; nothing else may be an escape.
      assert.doesNotMatch(line.replace(/\u001b\[[0-9;]*m/g, ''), RAW_CONTROL, event.type);
    }
  });
});
