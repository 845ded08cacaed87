// Base of the views built from the shown session (Agents, Messages, Handoffs): they redraw when the session model
// changes (throttled while events stream in) and differ only in the children they build from its RunState.
import * as vscode from 'vscode';
import type { SessionModel } from './sessionModel';
import { refreshOnSessionChanges } from './sessionTreeRefresh';

export abstract class ShownSessionTreeProvider<T extends vscode.TreeItem> implements vscode.TreeDataProvider<T>, vscode.Disposable {
  readonly #onDidChangeTreeData = new vscode.EventEmitter<T | undefined>();
  readonly onDidChangeTreeData: vscode.Event<T | undefined> = this.#onDidChangeTreeData.event;
  protected readonly sessionModel: SessionModel;
  readonly #subscription: vscode.Disposable;

  constructor(sessionModel: SessionModel) {
    this.sessionModel = sessionModel;
    this.#subscription = refreshOnSessionChanges(sessionModel, () => this.refresh());
  }

  refresh(): void {
    this.#onDidChangeTreeData.fire(undefined);
  }

  getTreeItem(element: T): vscode.TreeItem {
    return element;
  }

  abstract getChildren(element?: T): T[];

  dispose(): void {
    this.#subscription.dispose();
    this.#onDidChangeTreeData.dispose();
  }
}
