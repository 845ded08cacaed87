// Workspace Trust gate. In Restricted Mode nothing runs agents (they read workspace agent files, may run commands
// and write changes) and nothing deletes from the store; viewing sessions and patterns stays possible.
import * as vscode from 'vscode';

export class WorkspaceTrustGate implements vscode.Disposable {
  readonly #disposables: vscode.Disposable[] = [];
  readonly #onDidGrant = new vscode.EventEmitter<void>();
  /** The user trusted the workspace: runs and deletions are allowed from now on. */
  readonly onDidGrant: vscode.Event<void> = this.#onDidGrant.event;

  constructor(log: vscode.LogOutputChannel) {
    this.#disposables.push(
      this.#onDidGrant,
      vscode.workspace.onDidGrantWorkspaceTrust(() => {
        log.info('The workspace is trusted now: runs, learnings and session deletion are enabled.');
        this.#onDidGrant.fire();
      }),
    );
  }

  get trusted(): boolean {
    return vscode.workspace.isTrusted;
  }

  /**
   * True when trusted. Otherwise tells the user why `action` is refused, with a way to trust the workspace, and
   * returns false. The notification is not awaited: the refusing command returns at once.
   */
  allows(action: string): boolean {
    const message = this.refusal(action);
    if (message === null) return true;
    void vscode.window.showWarningMessage(message, 'Manage Workspace Trust').then((choice) => {
      if (choice) void vscode.commands.executeCommand('workbench.trust.manage');
    });
    return false;
  }

  /** Why `action` is refused in Restricted Mode, or null in a trusted workspace (for callers that tell it their own way, the chat). */
  refusal(action: string): string | null {
    if (vscode.workspace.isTrusted) return null;
    return (
      `Agent Orchestrator cannot ${action} in Restricted Mode: agents read the workspace's agent files, may run its commands and write changes, ` +
      'and the store is changed only in trusted workspaces. Past sessions and learnings stay viewable.'
    );
  }

  dispose(): void {
    for (const disposable of this.#disposables) disposable.dispose();
  }
}
