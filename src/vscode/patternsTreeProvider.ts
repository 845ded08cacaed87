// The Learned Patterns view: patterns mined from the workspace's stored runs, asked from the engine only when the
// view is shown or refreshed (never at activation).
import * as vscode from 'vscode';
import type { LearnedPattern } from '../core/protocol/learning';
import type { EngineApi } from './engineClient';
import { engineTreeRows, type TreeErrorItem } from './engineTreeRows';
import { patternDescription, patternTooltip } from './treePresentation';

export class PatternTreeItem extends vscode.TreeItem {
  constructor(readonly pattern: LearnedPattern) {
    super(pattern.name, vscode.TreeItemCollapsibleState.None);
    this.id = `pattern:${pattern.id}`;
    this.description = patternDescription(pattern);
    this.tooltip = patternTooltip(pattern);
    this.iconPath = new vscode.ThemeIcon(pattern.type === 'security' ? 'shield' : pattern.type === 'agent_sequence' ? 'type-hierarchy-sub' : 'lightbulb');
    this.contextValue = 'pattern';
  }

  get patternId(): string {
    return this.pattern.id;
  }
}

export type PatternsTreeElement = PatternTreeItem | TreeErrorItem;

export class PatternsTreeProvider implements vscode.TreeDataProvider<PatternsTreeElement>, vscode.Disposable {
  readonly #onDidChangeTreeData = new vscode.EventEmitter<PatternsTreeElement | undefined>();
  readonly onDidChangeTreeData: vscode.Event<PatternsTreeElement | undefined> = this.#onDidChangeTreeData.event;
  readonly #engine: EngineApi;
  readonly #log: vscode.LogOutputChannel;

  constructor(engine: EngineApi, log: vscode.LogOutputChannel) {
    this.#engine = engine;
    this.#log = log;
  }

  refresh(): void {
    this.#onDidChangeTreeData.fire(undefined);
  }

  getTreeItem(element: PatternsTreeElement): vscode.TreeItem {
    return element;
  }

  async getChildren(element?: PatternsTreeElement): Promise<PatternsTreeElement[]> {
    if (element) return [];
    return engineTreeRows('load the learned patterns', this.#log, async () => {
      const patterns = await this.#engine.request('patterns', {});
      // Strongest first: what the planner trusts most is what a user wants to see.
      return [...patterns]
        .sort((a, b) => b.confidence - a.confidence || b.support - a.support || a.name.localeCompare(b.name))
        .map((pattern) => new PatternTreeItem(pattern));
    });
  }

  dispose(): void {
    this.#onDidChangeTreeData.dispose();
  }
}
