// The Handoffs view: who handed what to whom, expandable into the package's sections and their items.
import * as vscode from 'vscode';
import type { HandoffView } from '../core/logging/runState';
import { ShownSessionTreeProvider } from './sessionTreeProvider';
import { handoffDescription, handoffSections, handoffTooltip, type HandoffSection, type HandoffSectionItem } from './treePresentation';

export class HandoffTreeItem extends vscode.TreeItem {
  constructor(readonly handoff: HandoffView) {
    super(`${handoff.from} → ${handoff.to}`, vscode.TreeItemCollapsibleState.Collapsed);
    this.id = `handoff:${handoff.id}`;
    this.description = handoffDescription(handoff);
    this.tooltip = handoffTooltip(handoff);
    this.iconPath = new vscode.ThemeIcon(handoff.receivedAt === null ? 'arrow-right' : 'arrow-swap');
    this.contextValue = 'handoff';
  }
}

export class HandoffSectionTreeItem extends vscode.TreeItem {
  constructor(
    readonly section: HandoffSection,
    parentId: string | undefined,
  ) {
    super(section.title, vscode.TreeItemCollapsibleState.Expanded);
    this.id = parentId === undefined ? undefined : `${parentId}:${section.title}`;
    this.description = String(section.items.length);
    this.iconPath = new vscode.ThemeIcon('symbol-folder');
    this.contextValue = 'handoff-section';
  }
}

export class HandoffEntryTreeItem extends vscode.TreeItem {
  constructor(item: HandoffSectionItem, id: string | undefined) {
    super(item.label, vscode.TreeItemCollapsibleState.None);
    this.id = id;
    this.tooltip = item.tooltip ?? item.label;
    this.contextValue = 'handoff-item';
    const location = item.finding ?? (item.file ? { file: item.file, line: 1, column: 1 } : undefined);
    if (location) {
      this.iconPath = new vscode.ThemeIcon(item.finding ? 'bug' : 'file');
      this.command = { command: 'agentOrchestrator.openFinding', title: 'Open', arguments: [location] };
    }
  }
}

export type HandoffsTreeElement = HandoffTreeItem | HandoffSectionTreeItem | HandoffEntryTreeItem;

export class HandoffsTreeProvider extends ShownSessionTreeProvider<HandoffsTreeElement> {
  getChildren(element?: HandoffsTreeElement): HandoffsTreeElement[] {
    const state = this.sessionModel.state;
    if (!state) return [];
    if (!element) {
      const seen = new Set<string>();
      return state.handoffs.map((handoff) => {
        const item = new HandoffTreeItem(handoff);
        // A repeated id (a malformed stored session) must not break the view: VS Code rejects duplicate ids.
        if (seen.has(handoff.id)) item.id = undefined;
        seen.add(handoff.id);
        return item;
      });
    }
    if (element instanceof HandoffTreeItem) {
      return handoffSections(element.handoff.package).map((section) => new HandoffSectionTreeItem(section, element.id));
    }
    if (element instanceof HandoffSectionTreeItem) {
      return element.section.items.map((item, index) => new HandoffEntryTreeItem(item, element.id === undefined ? undefined : `${element.id}:${index}`));
    }
    return [];
  }
}
