// The engine's ApprovalGate when the run comes from a VS Code window: each question goes to the window
// (approval/request) and its answer comes back, validated. Anything but a clear answer (the window failed, the
// connection went away, a malformed reply, the run was cancelled) is a rejection: nothing is written or run
// without the user's consent.
import { CancellationTokenSource } from 'vscode-jsonrpc/node';
import type { ApprovalDecision, ApprovalGate, ApprovalRequest } from '../core/ports';
import { HostMethods } from '../shared/engineProtocol';

/** The part of a JSON-RPC connection the gate needs (a fake in tests). */
export interface ApprovalConnection {
  sendRequest(method: 'approval/request', params: unknown, token: import('vscode-jsonrpc/node').CancellationToken): Promise<unknown>;
}

export class ForwardingApprovalGate implements ApprovalGate {
  readonly #connection: ApprovalConnection;
  readonly #log: (line: string) => void;

  constructor(connection: ApprovalConnection, log: (line: string) => void = () => undefined) {
    this.#connection = connection;
    this.#log = log;
  }

  async request(request: ApprovalRequest, signal: AbortSignal): Promise<ApprovalDecision> {
    if (signal.aborted) return cancelled();
    const source = new CancellationTokenSource();
    const onAbort = (): void => source.cancel();
    signal.addEventListener('abort', onAbort, { once: true });
    try {
      const answer = this.#connection.sendRequest('approval/request', { request }, source.token);
      // The window may never answer a withdrawn question: the run does not wait for it.
      const withdrawn = new Promise<'withdrawn'>((resolve) => signal.addEventListener('abort', () => resolve('withdrawn'), { once: true }));
      const raw = await Promise.race([answer, withdrawn]);
      if (raw === 'withdrawn' || signal.aborted) return cancelled();
      const parsed = HostMethods['approval/request'].result.safeParse(raw);
      if (!parsed.success) {
        this.#log(`approval/request: the window answered with something malformed (${parsed.error.message}); treated as rejected.`);
        return { decision: 'reject', reason: 'the VS Code window gave no valid answer' };
      }
      return parsed.data;
    } catch (error) {
      if (signal.aborted) return cancelled();
      const message = error instanceof Error ? error.message : String(error);
      this.#log(`approval/request failed: ${message}`);
      return { decision: 'reject', reason: `the VS Code window could not ask (${message})` };
    } finally {
      signal.removeEventListener('abort', onAbort);
      source.dispose();
    }
  }
}

function cancelled(): ApprovalDecision {
  return { decision: 'reject', reason: 'the run was cancelled' };
}
