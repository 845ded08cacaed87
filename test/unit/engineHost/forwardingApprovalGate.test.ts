import { strict as assert } from 'node:assert';
import type { CancellationToken } from 'vscode-jsonrpc/node';
import type { ApprovalRequest } from '../../../src/core/ports';
import { ForwardingApprovalGate, type ApprovalConnection } from '../../../src/engineHost/forwardingApprovalGate';

const edit: ApprovalRequest = { kind: 'edit', agent: 'backend-api-developer', tool: 'Edit', file: 'src/a.ts', diff: '-old\n+new', content: 'new\n' };

/** A window that answers each approval/request with `answer`, keeping what it was sent and its cancellation token. */
function fakeWindow(answer: (token: CancellationToken) => Promise<unknown>) {
  const sent: { params: unknown; token: CancellationToken }[] = [];
  const connection: ApprovalConnection = {
    sendRequest: async (_method, params, token) => {
      sent.push({ params, token });
      return answer(token);
    },
  };
  return { connection, sent };
}

describe('ForwardingApprovalGate: the engine asks the VS Code window', () => {
  it('sends the request as it is and maps each of the window\'s answers to the decision', async () => {
    for (const answer of [{ decision: 'approve' }, { decision: 'approve-all' }, { decision: 'reject', reason: 'keep the API' }]) {
      const window = fakeWindow(async () => answer);
      const decision = await new ForwardingApprovalGate(window.connection).request(edit, new AbortController().signal);
      assert.deepEqual(decision, answer);
      assert.deepEqual(window.sent[0]?.params, { request: edit });
    }
  });

  it('treats a malformed answer as a rejection, never as consent', async () => {
    const logged: string[] = [];
    for (const answer of [{ decision: 'yes' }, 'approve', null, { decision: 'reject' }]) {
      const window = fakeWindow(async () => answer);
      const decision = await new ForwardingApprovalGate(window.connection, (line) => logged.push(line)).request(edit, new AbortController().signal);
      assert.equal(decision.decision, 'reject', `answer ${JSON.stringify(answer)}`);
    }
    assert.equal(logged.length, 4);
  });

  it('treats a failed or lost window as a rejection', async () => {
    const window = fakeWindow(async () => {
      throw new Error('connection closed');
    });
    const decision = await new ForwardingApprovalGate(window.connection).request(edit, new AbortController().signal);
    assert.deepEqual(decision, { decision: 'reject', reason: 'the VS Code window could not ask (connection closed)' });
  });

  it('withdraws the question when the run is cancelled: the window is told and the answer is a rejection', async () => {
    const abort = new AbortController();
    let cancelledInWindow = false;
    const window = fakeWindow(
      (token) =>
        new Promise((resolve) => {
          token.onCancellationRequested(() => {
            cancelledInWindow = true;
          });
          // The window never answers on its own: only the cancellation ends the wait.
          void resolve;
        }),
    );
    const decision = new ForwardingApprovalGate(window.connection).request(edit, abort.signal);
    await new Promise<void>((resolve) => setImmediate(resolve));
    abort.abort();
    assert.deepEqual(await decision, { decision: 'reject', reason: 'the run was cancelled' });
    assert.equal(cancelledInWindow, true);
  });

  it('does not ask at all once the run is cancelled', async () => {
    const abort = new AbortController();
    abort.abort();
    const window = fakeWindow(async () => ({ decision: 'approve' }));
    assert.deepEqual(await new ForwardingApprovalGate(window.connection).request(edit, abort.signal), { decision: 'reject', reason: 'the run was cancelled' });
    assert.equal(window.sent.length, 0);
  });
});
