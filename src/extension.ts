// Composition root for VS Code. Kept minimal here: the full experience (dashboard, trees, diagnostics) builds on it.
// The engine, sql.js and the analyzers load on first use, never at activation.
import * as vscode from 'vscode';

export function activate(context: vscode.ExtensionContext): void {
  const output = vscode.window.createOutputChannel('Agent Orchestrator', { log: true });
  context.subscriptions.push(output);
  context.subscriptions.push(
    vscode.commands.registerCommand('agentOrchestrator.orchestrateRequest', async (requestArg?: string) => {
      const folder = vscode.workspace.workspaceFolders?.[0];
      if (!folder) {
        void vscode.window.showErrorMessage('Agent Orchestrator needs an open folder to work on.');
        return undefined;
      }
      const request = requestArg ?? (await vscode.window.showInputBox({
        title: 'Orchestrate Request',
        prompt: 'What should the agents do?',
        placeHolder: 'Fix security vulnerability in authentication endpoint',
        ignoreFocusOut: true,
      }));
      if (!request?.trim()) return undefined;
      // In an untrusted workspace nothing runs commands or writes files.
      const trusted = vscode.workspace.isTrusted;
      const { openWorkspaceEngine } = await import('./agents/workspaceEngine');
      return vscode.window.withProgress(
        { location: vscode.ProgressLocation.Notification, title: 'Agent Orchestrator', cancellable: true },
        async (progress, token) => {
          const controller = new AbortController();
          token.onCancellationRequested(() => controller.abort());
          const engine = await openWorkspaceEngine({
            workspaceRoot: folder.uri.fsPath,
            mode: 'write',
            allowCommands: false,
            wasmPath: vscode.Uri.joinPath(context.extensionUri, 'dist', 'sql-wasm.wasm').fsPath,
            onWarning: (message) => output.warn(message),
          });
          try {
            const result = await engine.orchestrator.executeRequest(request, {
              apply: false,
              allowCommands: false,
              signal: controller.signal,
              onEvent: (event) => {
                output.info(`${event.type} ${JSON.stringify(event.payload).slice(0, 300)}`);
                if (event.type === 'agent.started') progress.report({ message: `${event.payload.agent}: ${event.payload.task}` });
              },
            });
            const note = trusted ? '' : ' (untrusted workspace: no commands, no writes)';
            void vscode.window.showInformationMessage(`Agent Orchestrator: run ${result.status}${note}. Report: ${result.reportFile}`);
            return result;
          } finally {
            await engine.close();
          }
        },
      );
    }),
  );
}

export function deactivate(): void {}
