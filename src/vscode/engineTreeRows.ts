// Rows of the views whose content the engine answers (Learned Patterns, Sessions): one place decides what a
// failed request shows, so the two views cannot drift apart.
import * as vscode from 'vscode';
import { EngineErrorCodes } from '../shared/engineProtocol';
import { EngineRequestError } from './engineClient';
import { describeEngineFailure } from './runOutcome';

/** Shown instead of the list when the engine could not answer. */
export class TreeErrorItem extends vscode.TreeItem {
  constructor(message: string) {
    super(message, vscode.TreeItemCollapsibleState.None);
    this.iconPath = new vscode.ThemeIcon('warning');
    this.tooltip = message;
    this.contextValue = 'error';
  }
}

/** The rows `load` builds; on failure one error row naming `action`, or none when no folder is open. */
export async function engineTreeRows<T>(action: string, log: vscode.LogOutputChannel, load: () => Promise<T[]>): Promise<(T | TreeErrorItem)[]> {
  try {
    return await load();
  } catch (error) {
    // No folder: the view's welcome content says so; an error row would repeat it.
    if (error instanceof EngineRequestError && error.code === EngineErrorCodes.noWorkspace) return [];
    const message = describeEngineFailure(action, error);
    log.warn(message);
    return [new TreeErrorItem(message)];
  }
}
