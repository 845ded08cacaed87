// The Messages view: the shown session's bus messages, newest first; selecting one opens its full JSON.
import * as vscode from 'vscode';
import type { Message } from '../core/protocol/messages';
import { ShownSessionTreeProvider } from './sessionTreeProvider';
import { messageDescription, messageLabel } from './treePresentation';

const MESSAGE_ICONS: Record<Message['type'], string> = {
  finding_report: 'bug',
  context_share: 'share',
  warning: 'warning',
  assistance_request: 'question',
  assistance_response: 'comment-discussion',
  validation_request: 'checklist',
  validation_result: 'verified',
  handoff: 'arrow-swap',
  progress_update: 'loading',
  pattern_discovered: 'lightbulb',
  optimization_tip: 'rocket',
};

export class MessageTreeItem extends vscode.TreeItem {
  constructor(
    readonly message: Message,
    readonly sessionId: string,
  ) {
    super(messageLabel(message), vscode.TreeItemCollapsibleState.None);
    this.id = `message:${message.id}`;
    this.description = messageDescription(message);
    this.tooltip = `${messageLabel(message)}\nPriority: ${message.priority}\nSent: ${new Date(message.timestamp).toISOString()}\n${messageDescription(message)}`;
    this.iconPath = new vscode.ThemeIcon(MESSAGE_ICONS[message.type]);
    this.contextValue = 'message';
    this.command = { command: 'agentOrchestrator.showMessage', title: 'Show Message Details', arguments: [this] };
  }
}

export class MessagesTreeProvider extends ShownSessionTreeProvider<MessageTreeItem> {
  getChildren(element?: MessageTreeItem): MessageTreeItem[] {
    const state = this.sessionModel.state;
    if (element || !state) return [];
    const seen = new Set<string>();
    return [...state.messages].reverse().map((message) => {
      const item = new MessageTreeItem(message, state.sessionId);
      // Ids come from the stored session; a repeated one must not break the view (VS Code rejects duplicate ids).
      if (seen.has(message.id)) item.id = undefined;
      seen.add(message.id);
      return item;
    });
  }
}
