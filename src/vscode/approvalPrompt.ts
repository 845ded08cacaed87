// The widgets of the approval flow (src/vscode/approvalFlow.ts): an edit opens a diff editor (the file as it is
// vs. the proposed content, served read-only from memory), a command or another tool call opens its full text
// read-only; then a quick pick that stays open while the user reads the diff asks Approve / Reject / Approve all.
// Nothing here writes a file: the engine writes an approved edit itself.
import path from 'node:path';
import * as vscode from 'vscode';
import type { ApprovalRequest } from '../core/ports';
import type { HostHandlers } from './engineClient';
import { ApprovalFlow, type ApprovalChoice, type ApprovalOption, type ApprovalUi } from './approvalFlow';

export const PROPOSAL_SCHEME = 'agent-orchestrator-proposal';

type ApprovalPickItem = vscode.QuickPickItem & { choice: ApprovalChoice };

export class ApprovalPrompt implements ApprovalUi, vscode.TextDocumentContentProvider, vscode.Disposable {
  readonly #documents = new Map<string, string>();
  readonly #registration: vscode.Disposable;
  readonly #workspaceRoot: () => string | null;
  readonly #flow = new ApprovalFlow(this);
  #next = 0;

  constructor(workspaceRoot: () => string | null) {
    this.#workspaceRoot = workspaceRoot;
    this.#registration = vscode.workspace.registerTextDocumentContentProvider(PROPOSAL_SCHEME, this);
  }

  /** The handler to pass to EngineProcess (hostHandlers). */
  handlers(): Pick<HostHandlers, 'approval/request'> {
    return { 'approval/request': (params, context) => this.#flow.ask(params.request as ApprovalRequest, context.signal) };
  }

  provideTextDocumentContent(uri: vscode.Uri): string {
    return this.#documents.get(uri.toString()) ?? '';
  }

  async show(request: ApprovalRequest): Promise<() => void> {
    const id = String((this.#next += 1));
    if (request.kind === 'edit') {
      const proposed = this.#document(id, request.file, request.content);
      const current = (await this.#currentFile(request.file)) ?? this.#document(`${id}-new`, request.file, '');
      await vscode.commands.executeCommand('vscode.diff', current, proposed, `${path.basename(request.file)} (proposed by ${request.agent})`, { preview: true });
      return () => this.#close(proposed, (input) => input instanceof vscode.TabInputTextDiff && input.modified.toString() === proposed.toString(), [proposed, current]);
    }
    const text = request.kind === 'command' ? request.command : `${request.tool}\n${JSON.stringify(request.input, null, 2)}`;
    const uri = this.#document(id, request.kind === 'command' ? 'command.sh' : 'tool-call.json', text);
    await vscode.window.showTextDocument(uri, { preview: true, preserveFocus: true });
    return () => this.#close(uri, (input) => input instanceof vscode.TabInputText && input.uri.toString() === uri.toString(), [uri]);
  }

  choose(title: string, options: readonly ApprovalOption[], signal: AbortSignal): Promise<ApprovalChoice | undefined> {
    const pick = vscode.window.createQuickPick<ApprovalPickItem>();
    pick.title = title;
    pick.placeholder = 'Approve, reject, or approve all of this kind for this run (Escape rejects)';
    // Stays open while the user reads the diff or the command beside it.
    pick.ignoreFocusOut = true;
    pick.items = options.map((option) => ({ label: option.label, choice: option.choice }));
    return new Promise((resolve) => {
      const subscriptions: vscode.Disposable[] = [];
      const finish = (choice: ApprovalChoice | undefined): void => {
        for (const subscription of subscriptions) subscription.dispose();
        signal.removeEventListener('abort', onAbort);
        pick.dispose();
        resolve(choice);
      };
      const onAbort = (): void => finish(undefined);
      signal.addEventListener('abort', onAbort, { once: true });
      subscriptions.push(
        pick.onDidAccept(() => finish(pick.selectedItems[0]?.choice ?? pick.activeItems[0]?.choice)),
        pick.onDidHide(() => finish(undefined)),
      );
      pick.show();
    });
  }

  async askReason(signal: AbortSignal): Promise<string | undefined> {
    const cancellation = new vscode.CancellationTokenSource();
    const onAbort = (): void => cancellation.cancel();
    signal.addEventListener('abort', onAbort, { once: true });
    try {
      return await vscode.window.showInputBox(
        { title: 'Reject', prompt: 'Why? The agent is told (optional).', placeHolder: 'e.g. keep the public API unchanged', ignoreFocusOut: true },
        cancellation.token,
      );
    } finally {
      signal.removeEventListener('abort', onAbort);
      cancellation.dispose();
    }
  }

  dispose(): void {
    this.#registration.dispose();
    this.#documents.clear();
  }

  #document(id: string, file: string, content: string): vscode.Uri {
    // The file's own name keeps its language (highlighting); the query keeps two proposals of one file apart.
    const uri = vscode.Uri.from({ scheme: PROPOSAL_SCHEME, path: `/${file.split(path.sep).join('/').replace(/^\/+/, '')}`, query: id });
    this.#documents.set(uri.toString(), content);
    return uri;
  }

  /** The file the edit changes, when it exists inside the workspace; null for a new file. */
  async #currentFile(file: string): Promise<vscode.Uri | null> {
    const root = this.#workspaceRoot();
    if (!root) return null;
    const absolute = path.resolve(root, file);
    const relative = path.relative(root, absolute);
    if (relative.startsWith('..') || path.isAbsolute(relative)) return null;
    const uri = vscode.Uri.file(absolute);
    const stat = await Promise.resolve(vscode.workspace.fs.stat(uri)).catch(() => null);
    return stat && stat.type === vscode.FileType.File ? uri : null;
  }

  #close(uri: vscode.Uri, isOurs: (input: unknown) => boolean, documents: readonly vscode.Uri[]): void {
    for (const document of documents) if (document.scheme === PROPOSAL_SCHEME) this.#documents.delete(document.toString());
    const tabs = vscode.window.tabGroups.all.flatMap((group) => group.tabs).filter((tab) => isOurs(tab.input));
    if (tabs.length > 0) void Promise.resolve(vscode.window.tabGroups.close(tabs, true)).catch(() => undefined);
    void uri;
  }
}
