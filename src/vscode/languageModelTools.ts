// The window's side of the VS Code tools agents may use: serves the engine's tool/list and tool/invoke with
// vscode.lm.tools and vscode.lm.invokeTool (other extensions' tools, the MCP servers configured in VS Code). The
// engine side (names, approvals, events) is src/engineHost/vscodeLmTools.ts; the engine asks for a tool only after
// the run's approvals allowed the call. The orchestrator's own tools are never listed nor invoked (no recursion).
import * as vscode from 'vscode';
import type { HostHandlers } from './engineClient';
import { isOrchestratorTool, offeredTools, toolResultText } from './vscodeToolSelection';

export class LanguageModelTools {
  readonly #enabled: () => boolean;

  /** `enabled`: the setting, read at each request (a run started before it was switched off still finishes). */
  constructor(enabled: () => boolean) {
    this.#enabled = enabled;
  }

  /** The handlers to pass to EngineProcess (hostHandlers). */
  handlers(): Pick<HostHandlers, 'tool/list' | 'tool/invoke'> {
    return {
      'tool/list': async () => ({ tools: this.#enabled() ? offeredTools(vscode.lm.tools) : [] }),
      'tool/invoke': async (params, context) => {
        if (!this.#enabled()) throw new Error('VS Code tools are switched off (agentOrchestrator.vscodeTools.enabled).');
        if (!vscode.workspace.isTrusted) throw new Error('VS Code tools are not used in Restricted Mode.');
        // Only a tool VS Code offers now, and never one of ours, whatever name the engine sends.
        const tool = vscode.lm.tools.find((candidate) => candidate.name === params.name);
        if (!tool || isOrchestratorTool(tool)) throw new Error(`VS Code offers no tool "${params.name}" to agents.`);
        const cancellation = new vscode.CancellationTokenSource();
        const onAbort = (): void => cancellation.cancel();
        if (context.signal.aborted) cancellation.cancel();
        context.signal.addEventListener('abort', onAbort, { once: true });
        try {
          // No toolInvocationToken: the call is not part of a chat; the engine asked the user already if needed.
          const result = await vscode.lm.invokeTool(params.name, { input: params.input, toolInvocationToken: undefined }, cancellation.token);
          return { text: toolResultText(result.content) };
        } finally {
          context.signal.removeEventListener('abort', onAbort);
          cancellation.dispose();
        }
      },
    };
  }
}
