// What `activate()` returns: the objects the extension-host tests inspect (the shown session, the sidebar trees,
// the engine process and the chat participant).
import type * as vscode from 'vscode';
import type { AgentsTreeProvider } from './agentsTreeProvider';
import type { EngineApi } from './engineClient';
import type { FindingProblems } from './findingProblems';
import type { HandoffsTreeProvider } from './handoffsTreeProvider';
import type { MessagesTreeProvider } from './messagesTreeProvider';
import type { PatternsTreeProvider } from './patternsTreeProvider';
import type { SessionModel } from './sessionModel';
import type { SessionsTreeProvider } from './sessionsTreeProvider';

export interface AgentOrchestratorApi {
  sessionModel: SessionModel;
  trees: {
    agents: AgentsTreeProvider;
    messages: MessagesTreeProvider;
    handoffs: HandoffsTreeProvider;
    patterns: PatternsTreeProvider;
    sessions: SessionsTreeProvider;
  };
  /** The engine process of this window (tests drive engine methods such as modelTurn through it). */
  engine: EngineApi;
  /**
   * @orchestrator: the registered participant (undefined without the chat API) and its handler. VS Code offers no
   * API to send a chat request and read the reply, so the tests call the handler with a recording response stream.
   */
  chat: { participant: vscode.ChatParticipant | undefined; handle: vscode.ChatRequestHandler };
  /** The Problems panel's source: the findings language server, through its client. */
  problems: FindingProblems;
}
