import { strict as assert } from 'node:assert';
import { PassThrough } from 'node:stream';
import { TtyApprovalGate } from '../../../src/cli/ttyApprovalGate';

describe('TtyApprovalGate (--ask)', () => {
  function terminal() {
    const input = new PassThrough();
    const output = new PassThrough();
    let shown = '';
    output.on('data', (chunk: Buffer) => { shown += chunk.toString(); });
    return { input, output, shown: () => shown };
  }

  it('shows the command in full, asks again on an unclear answer, and passes a rejection reason to the agent', async () => {
    const t = terminal();
    const gate = new TtyApprovalGate(t.input, t.output);
    const decision = gate.request({ kind: 'command', agent: 'fixer', tool: 'Bash', command: 'npm test -- --grep "\u001b[2Jauth"' }, new AbortController().signal);
    t.input.write('maybe\nn\nnot on CI\n');
    assert.deepEqual(await decision, { decision: 'reject', reason: 'not on CI' });
    assert.match(t.shown(), /fixer wants to run:\n {2}npm test -- --grep "\\x1b\[2Jauth"/, 'control characters are shown escaped');
    assert.equal(t.shown().match(/Approve\?/g)?.length, 2);
  });

  it('shows an edit as its diff and answers approve-all', async () => {
    const t = terminal();
    const gate = new TtyApprovalGate(t.input, t.output);
    const decision = gate.request({ kind: 'edit', agent: 'fixer', tool: 'Edit', file: 'src/a.ts', diff: '-old\n+new', content: 'new' }, new AbortController().signal);
    t.input.write('a\n');
    assert.deepEqual(await decision, { decision: 'approve-all' });
    assert.match(t.shown(), /fixer wants to change src\/a\.ts:\n-old\n\+new/);
  });

  it('stops asking when the agent is cancelled', async () => {
    const t = terminal();
    const controller = new AbortController();
    const decision = new TtyApprovalGate(t.input, t.output).request({ kind: 'command', agent: 'x', tool: 'Bash', command: 'ls' }, controller.signal);
    controller.abort(new Error('cancelled'));
    await assert.rejects(decision);
  });
});
