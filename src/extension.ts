// Composition root for VS Code: builds each object, passes collaborators through constructors and pushes every
// disposable to the context. Activation is cheap: the engine process (engine, sql.js, analyzers) starts on the
// first request, and the pattern and session views ask it only when they are shown.
import * as vscode from 'vscode';
import { AgentsTreeProvider } from './vscode/agentsTreeProvider';
import { OrchestratorChat, registerChatParticipant } from './vscode/chatParticipant';
import { registerCommands } from './vscode/commands';
import { DashboardPanel } from './vscode/dashboardPanel';
import { EngineProcess } from './vscode/engineClient';
import type { AgentOrchestratorApi } from './vscode/extensionApi';
import { ExtensionSettings } from './vscode/extensionSettings';
import { FindingProblems } from './vscode/findingProblems';
import { HandoffsTreeProvider } from './vscode/handoffsTreeProvider';
import { ApprovalPrompt } from './vscode/approvalPrompt';
import { LanguageModelBridge } from './vscode/languageModelBridge';
import { LanguageModelTools } from './vscode/languageModelTools';
import { ALLOW_MCP_SERVERS_LABEL, McpConsent } from './vscode/mcpConsent';
import { LearningCommands } from './vscode/learningCommands';
import { LiveLog } from './vscode/liveLog';
import { LocationOpener } from './vscode/locationOpener';
import { MESSAGE_SCHEME, MessageDocumentProvider } from './vscode/messageDocuments';
import { ChangeReviewCommands, PROPOSED_CHANGE_SCHEME, ProposedChangeDocuments } from './vscode/changeReview';
import { MessagesTreeProvider } from './vscode/messagesTreeProvider';
import { engineKeyEnvironment, isApiKeySecret } from './vscode/modelCredentials';
import { registerMcpServerProvider } from './vscode/mcpServerProvider';
import { ModelProviderCommand } from './vscode/modelProviderCommand';
import { OrchestrateRequestCommand } from './vscode/orchestrateCommand';
import { PatternsTreeProvider } from './vscode/patternsTreeProvider';
import { RecentRequests } from './vscode/recentRequests';
import { RunController } from './vscode/runController';
import { RunStatusBar } from './vscode/runStatusBar';
import { SessionCommands } from './vscode/sessionCommands';
import { SessionModel } from './vscode/sessionModel';
import { SessionsTreeProvider } from './vscode/sessionsTreeProvider';
import { WorkspaceTrustGate } from './vscode/workspaceTrust';

let engineToShutDown: EngineProcess | undefined;
let problemsToStop: FindingProblems | undefined;

/** Where the MCP consent is kept: the fingerprint of the server list the user allowed in this workspace. */
const MCP_CONSENT_KEY = 'agentOrchestrator.mcpConsent';

export function activate(context: vscode.ExtensionContext): AgentOrchestratorApi {
  const push = <T extends vscode.Disposable>(disposable: T): T => {
    context.subscriptions.push(disposable);
    return disposable;
  };
  const log = push(vscode.window.createOutputChannel('Agent Orchestrator', { log: true }));
  const folder = vscode.workspace.workspaceFolders?.[0];
  const settings = push(new ExtensionSettings(log));

  const workspaceRoot = folder?.uri.scheme === 'file' ? folder.uri.fsPath : null;
  const approvals = push(new ApprovalPrompt(() => workspaceRoot));
  const engine = new EngineProcess({
    scriptPath: vscode.Uri.joinPath(context.extensionUri, 'dist', 'engineHost.js').fsPath,
    wasmPath: vscode.Uri.joinPath(context.extensionUri, 'dist', 'sql-wasm.wasm').fsPath,
    // Without a local folder (none open, or a virtual one) the client refuses every request: no store is created
    // anywhere else.
    workspaceRoot,
    log: (line) => log.warn(`[engine] ${line}`),
    // The engine reaches the window's VS Code language models (vscode.lm) and asks the user's approvals through these.
    hostHandlers: {
      ...new LanguageModelBridge((line) => log.warn(`[vscode.lm] ${line}`)).handlers(),
      ...approvals.handlers(),
      ...new LanguageModelTools(() => settings.vscodeToolsEnabled).handlers(),
    },
    environment: () => engineKeyEnvironment(settings.provider, context.secrets),
  });
  // A new provider or key takes effect in a fresh engine process, started once no request is in flight.
  push(vscode.workspace.onDidChangeConfiguration((change) => {
    const modelSettings = ['provider', 'openaiCompatible', 'anthropic', 'vscodeLm'].map((name) => `agentOrchestrator.${name}`);
    if (modelSettings.some((name) => change.affectsConfiguration(name))) engine.restartWhenIdle();
  }));
  push(context.secrets.onDidChange((change) => {
    if (isApiKeySecret(change.key)) engine.restartWhenIdle();
  }));
  // The engine process shuts down gracefully (a run is cancelled, the store snapshot written): deactivate() awaits it.
  engineToShutDown = engine;
  push({ dispose: () => void engine.dispose() });
  push(new LiveLog(engine, log));

  const trust = push(new WorkspaceTrustGate(log));
  const mcpConsent = new McpConsent({
    setting: () => settings.mcpServers,
    trusted: () => trust.trusted,
    servers: () => engine.request('mcpServers', {}),
    stored: () => context.workspaceState.get<string>(MCP_CONSENT_KEY),
    store: (fingerprint) => context.workspaceState.update(MCP_CONSENT_KEY, fingerprint),
    confirm: async (message, detail) => (await vscode.window.showWarningMessage(message, { modal: true, detail }, ALLOW_MCP_SERVERS_LABEL)) === ALLOW_MCP_SERVERS_LABEL,
    log: (line) => log.info(line),
  });
  const mcpProvider = registerMcpServerProvider({
    extensionPath: context.extensionUri.fsPath,
    version: String((context.extension.packageJSON as { version?: unknown }).version ?? ''),
    trust,
    log,
    mcpConsent: { alreadyAllowed: () => mcpConsent.alreadyAllowed(), onDidChange: (listener) => new vscode.Disposable(mcpConsent.onDidChange(listener).dispose) },
  });
  if (mcpProvider) push(mcpProvider);
  const sessionModel = push(new SessionModel());
  const runs = push(new RunController(engine, sessionModel, log));
  const opener = new LocationOpener(log);

  const trees: AgentOrchestratorApi['trees'] = {
    agents: push(new AgentsTreeProvider(sessionModel)),
    messages: push(new MessagesTreeProvider(sessionModel)),
    handoffs: push(new HandoffsTreeProvider(sessionModel)),
    patterns: push(new PatternsTreeProvider(engine, log)),
    sessions: push(new SessionsTreeProvider(engine, sessionModel, () => runs.sessionId, log)),
  };
  push(vscode.window.createTreeView('agentOrchestrator.agents', { treeDataProvider: trees.agents }));
  push(vscode.window.createTreeView('agentOrchestrator.messages', { treeDataProvider: trees.messages }));
  push(vscode.window.createTreeView('agentOrchestrator.handoffs', { treeDataProvider: trees.handoffs }));
  push(vscode.window.createTreeView('agentOrchestrator.patterns', { treeDataProvider: trees.patterns }));
  push(vscode.window.createTreeView('agentOrchestrator.sessions', { treeDataProvider: trees.sessions }));
  push(trust.onDidGrant(() => {
    trees.patterns.refresh();
    trees.sessions.refresh();
  }));

  const problems = push(new FindingProblems({
    sessionModel,
    trust,
    serverModule: vscode.Uri.joinPath(context.extensionUri, 'dist', 'lspServer.js').fsPath,
    log,
  }));
  problemsToStop = problems;
  push(new RunStatusBar(runs));
  push(vscode.workspace.registerTextDocumentContentProvider(MESSAGE_SCHEME, new MessageDocumentProvider(sessionModel)));

  const sessions = new SessionCommands({
    engine,
    sessionModel,
    runs,
    trust,
    showDashboard: () => dashboard.show(),
    refreshSessions: () => trees.sessions.refresh(),
    log,
  });
  push(vscode.workspace.registerTextDocumentContentProvider(PROPOSED_CHANGE_SCHEME, new ProposedChangeDocuments(engine)));
  const changeReview = new ChangeReviewCommands({
    engine,
    trust,
    sessionModel,
    reloadSession: (sessionId) => sessions.loadSession(sessionId),
    refreshSessions: () => trees.sessions.refresh(),
    log,
  });
  const dashboard = push(
    new DashboardPanel(
      context.extensionUri,
      sessionModel,
      {
        openLocation: (location) => opener.open(location),
        cancelRun: (sessionId) => runs.cancel(sessionId),
        exportReport: (sessionId, format) => sessions.exportReport(sessionId, { format }),
        orchestrateRequest: () => vscode.commands.executeCommand('agentOrchestrator.orchestrateRequest'),
        reviewChange: (sessionId, changeId) => changeReview.openChangeDiff({ sessionId, changeId }),
        loadSession: (sessionId) => sessions.loadSession(sessionId),
      },
      log,
    ),
  );
  const orchestrate = new OrchestrateRequestCommand({
    engine,
    runs,
    settings,
    trust,
    mcpConsent,
    recentRequests: new RecentRequests(context.workspaceState),
    showDashboard: () => dashboard.show(),
    openFile: (fsPath) => vscode.window.showTextDocument(vscode.Uri.file(fsPath)),
    onRunFinished: () => {
      trees.patterns.refresh();
      trees.sessions.refresh();
    },
    log,
  });
  const learning = new LearningCommands({ engine, trust, refreshPatterns: () => trees.patterns.refresh(), log });
  const modelProvider = new ModelProviderCommand(context.secrets, log);
  for (const disposable of registerCommands({ orchestrate, sessions, changeReview, learning, modelProvider, runs, dashboard, opener, sessionModel, trees, log })) {
    push(disposable);
  }

  const chat = new OrchestratorChat({
    engine,
    runs,
    settings,
    trust,
    onRunFinished: () => {
      trees.patterns.refresh();
      trees.sessions.refresh();
    },
    log,
  });
  const participant = registerChatParticipant(chat, context.extensionUri);
  if (participant) push(participant);

  return { sessionModel, trees, engine, chat: { participant, handle: chat.handle }, problems };
}

export async function deactivate(): Promise<void> {
  const engine = engineToShutDown;
  const problems = problemsToStop;
  engineToShutDown = undefined;
  problemsToStop = undefined;
  await Promise.all([engine?.dispose(), problems?.stop()]);
}
