// Registers every command of package.json with its handler. The handlers live with their collaborators
// (orchestrateCommand.ts, sessionCommands.ts, learningCommands.ts, modelProviderCommand.ts); the small ones are here.
import * as vscode from 'vscode';
import type { Message } from '../core/protocol/messages';
import type { DashboardPanel } from './dashboardPanel';
import type { AgentOrchestratorApi } from './extensionApi';
import { FindingLocationSchema, handoffIdOf } from './commandArgs';
import type { LearningCommands } from './learningCommands';
import type { LocationOpener } from './locationOpener';
import { messageUri } from './messageDocuments';
import type { ModelProviderCommand } from './modelProviderCommand';
import type { OrchestrateRequestCommand } from './orchestrateCommand';
import type { RunController } from './runController';
import type { SessionCommands } from './sessionCommands';
import type { ChangeReviewCommands } from './changeReview';
import type { SessionModel } from './sessionModel';

export interface CommandDependencies {
  orchestrate: OrchestrateRequestCommand;
  sessions: SessionCommands;
  changeReview: ChangeReviewCommands;
  learning: LearningCommands;
  modelProvider: ModelProviderCommand;
  runs: RunController;
  dashboard: DashboardPanel;
  opener: LocationOpener;
  sessionModel: SessionModel;
  trees: AgentOrchestratorApi['trees'];
  log: vscode.LogOutputChannel;
}

export function registerCommands(deps: CommandDependencies): vscode.Disposable[] {
  const { orchestrate, sessions, changeReview, learning, modelProvider, runs, dashboard, opener, sessionModel, trees, log } = deps;
  const handlers: Record<string, (...args: unknown[]) => unknown> = {
    // A view's title button passes the view's focused item (an agent row): that is no argument for this command.
    'agentOrchestrator.orchestrateRequest': (args) => orchestrate.execute(args instanceof vscode.TreeItem ? undefined : args),
    'agentOrchestrator.showDashboard': () => {
      // During a run the dashboard is the run's, even if a past session was opened meanwhile.
      if (runs.running) runs.showLive();
      dashboard.show();
    },
    'agentOrchestrator.cancelRun': (sessionId) => {
      const cancelled = runs.cancel(typeof sessionId === 'string' ? sessionId : undefined);
      if (!cancelled) void vscode.window.showInformationMessage('Agent Orchestrator: no run is in progress.');
      return cancelled;
    },
    'agentOrchestrator.openSession': (arg) => sessions.openSession(arg),
    'agentOrchestrator.exportReport': (arg, options) => sessions.exportReport(arg, isObject(options) ? options : {}),
    'agentOrchestrator.applyChanges': (arg, options) => changeReview.applyChanges(arg instanceof vscode.Uri ? undefined : arg, isObject(options) ? options : {}),
    'agentOrchestrator.openChangeDiff': (arg) => changeReview.openChangeDiff(arg),
    'agentOrchestrator.applyProposedChange': (uri) => changeReview.applyProposedChange(uri),
    'agentOrchestrator.discardProposedChange': (uri) => changeReview.discardProposedChange(uri),
    'agentOrchestrator.clearLearnings': () => learning.clearLearnings(),
    'agentOrchestrator.selectModelProvider': () => modelProvider.execute(),
    'agentOrchestrator.refreshViews': () => {
      for (const tree of Object.values(trees)) tree.refresh();
    },
    'agentOrchestrator.deletePattern': (item) => learning.deletePattern(item),
    'agentOrchestrator.deleteSession': (item, confirm) => sessions.deleteSession(item, confirm),
    'agentOrchestrator.showHandoff': (item) => {
      const id = handoffIdOf(item);
      if (!id) return false;
      dashboard.reveal({ kind: 'handoff', id });
      return true;
    },
    'agentOrchestrator.showMessage': async (item) => {
      const message = messageOf(item);
      const sessionId = sessionModel.sessionId;
      if (!message || !sessionId) return undefined;
      const document = await vscode.workspace.openTextDocument(messageUri(sessionId, message));
      return vscode.window.showTextDocument(document, { preview: true, preserveFocus: true });
    },
    'agentOrchestrator.openFinding': async (location) => {
      const parsed = FindingLocationSchema.safeParse(location);
      if (!parsed.success) {
        log.warn(`openFinding needs { file, line, column }: ${parsed.error.issues.map((issue) => issue.message).join('; ')}`);
        return false;
      }
      return opener.open(parsed.data);
    },
  };
  return Object.entries(handlers).map(([id, handler]) => vscode.commands.registerCommand(id, handler));
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

/** A Messages tree item carries the message; other callers pass `{ message }`. */
function messageOf(item: unknown): Message | undefined {
  if (!isObject(item) || !isObject(item.message)) return undefined;
  const message = item.message;
  return typeof message.id === 'string' && typeof message.type === 'string' ? (message as unknown as Message) : undefined;
}
