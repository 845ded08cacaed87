// What `activate()` returns: the objects the extension-host tests inspect (the shown session and the sidebar trees).
import type { AgentsTreeProvider } from './agentsTreeProvider';
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
}
