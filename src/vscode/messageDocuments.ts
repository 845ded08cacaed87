// Read-only documents showing one bus message as pretty JSON (scheme `agent-orchestrator`), opened from the
// Messages view. The content comes from the shown session, so nothing is written to disk.
import * as vscode from 'vscode';
import type { Message } from '../core/protocol/messages';
import type { SessionModel } from './sessionModel';

export const MESSAGE_SCHEME = 'agent-orchestrator';

export function messageUri(sessionId: string, message: Message): vscode.Uri {
  // The path names the message for the tab title; the query carries the ids the provider looks up.
  const query = new URLSearchParams({ session: sessionId, message: message.id }).toString();
  return vscode.Uri.from({ scheme: MESSAGE_SCHEME, path: `/${message.type}-${message.from}-to-${message.to}.json`, query });
}

export class MessageDocumentProvider implements vscode.TextDocumentContentProvider {
  readonly #sessionModel: SessionModel;

  constructor(sessionModel: SessionModel) {
    this.#sessionModel = sessionModel;
  }

  provideTextDocumentContent(uri: vscode.Uri): string {
    const params = new URLSearchParams(uri.query);
    const sessionId = params.get('session');
    const messageId = params.get('message');
    const state = this.#sessionModel.state;
    if (!state || state.sessionId !== sessionId) return `// Session ${sessionId ?? '?'} is no longer shown: open it again from the Sessions view.\n`;
    const message = state.messages.find((candidate) => candidate.id === messageId);
    if (!message) return `// Message ${messageId ?? '?'} is not among the ${state.messages.length} most recent messages of this session.\n`;
    return `${JSON.stringify(message, null, 2)}\n`;
  }
}
