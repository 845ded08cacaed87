// @orchestrator in VS Code's chat: /plan, /run, /status, /learnings, and plain questions about a past run answered
// by the model the user selected in chat. A thin layer over what the palette already uses (the engine's plan and
// run, the run controller, the trust gate, the start choices); the words are chatPresentation.ts and the session's
// events become a bounded prompt in src/core/logging/sessionDigest.ts.
import * as vscode from 'vscode';
import { foldEvents, progressOf, type RunState } from '../core/logging/runState';
import { digestBudgetChars, digestText, sessionDigest } from '../core/logging/sessionDigest';
import type { OrchestratorEvent } from '../core/protocol/events';
import type { ConfigOverrides, EngineResult } from '../shared/engineProtocol';
import {
  CHAT_PARTICIPANT_ID,
  chatText,
  costText,
  findingAnchorTitle,
  findingMarkdown,
  findingsToShow,
  learningsMarkdown,
  outcomeText,
  parseRunPrompt,
  planMarkdown,
  questionInstructions,
  sessionIdIn,
  type ChatRunMode,
} from './chatPresentation';
import type { EngineApi } from './engineClient';
import type { ExtensionSettings } from './extensionSettings';
import { consentFlags, START_CHOICES } from './orchestrateCommand';
import type { RunController } from './runController';
import { describeEngineFailure } from './runOutcome';
import { describeSettingErrors } from './settings';
import { resolveWorkspaceFile } from './workspaceLocation';
import type { WorkspaceTrustGate } from './workspaceTrust';

/** Findings a run's answer anchors one by one; the dashboard has the rest. */
const FINDINGS_IN_CHAT = 20;
/** Diff buttons under a run's answer; Apply Changes... covers the rest. */
const DIFF_BUTTONS = 5;

export interface ChatParticipantDependencies {
  engine: EngineApi;
  runs: RunController;
  settings: ExtensionSettings;
  trust: WorkspaceTrustGate;
  /** The views follow a run started from chat as they follow one from the palette. */
  onRunFinished: () => void;
  log: vscode.LogOutputChannel;
}

/** What a reply remembers (ChatResult.metadata): the session it was about, so a follow-up question asks about it. */
export interface OrchestratorChatMetadata {
  command: string;
  sessionId?: string;
  request?: string;
}

type PickItem = vscode.QuickPickItem & { action?: ChatRunMode };

export class OrchestratorChat {
  readonly #deps: ChatParticipantDependencies;

  constructor(deps: ChatParticipantDependencies) {
    this.#deps = deps;
  }

  /** The chat request handler (VS Code calls it; the extension-host tests call it through the participant). */
  readonly handle = async (
    request: vscode.ChatRequest,
    context: vscode.ChatContext,
    stream: vscode.ChatResponseStream,
    token: vscode.CancellationToken,
  ): Promise<vscode.ChatResult> => {
    try {
      switch (request.command) {
        case 'plan':
          return await this.#plan(request.prompt, stream, token);
        case 'run':
          return await this.#run(request.prompt, stream, token);
        case 'status':
          return await this.#status(stream);
        case 'learnings':
          return await this.#learnings(request.prompt, stream);
        default:
          return await this.#answer(request, context, stream, token);
      }
    } catch (error) {
      const message = describeEngineFailure(request.command ? `handle /${request.command}` : 'answer', error);
      this.#deps.log.error(message);
      stream.markdown(chatText(message, 1000));
      return { errorDetails: { message: digestMessage(message) }, metadata: { command: request.command ?? 'question' } satisfies OrchestratorChatMetadata };
    }
  };

  /** Follow-ups under a reply: run what was planned, ask about what ran. */
  followups(result: vscode.ChatResult): vscode.ChatFollowup[] {
    const metadata = result.metadata as OrchestratorChatMetadata | undefined;
    if (metadata?.command === 'plan' && metadata.request) return [{ prompt: metadata.request, command: 'run', label: 'Run this request' }];
    if (metadata?.sessionId) return [{ prompt: 'What did the agents find, and what did they change?', label: 'Ask about this run' }];
    return [];
  }

  async #plan(prompt: string, stream: vscode.ChatResponseStream, token: vscode.CancellationToken): Promise<vscode.ChatResult> {
    const request = prompt.trim();
    if (!request) return this.#tell(stream, 'plan', 'Say what the agents should do, e.g. `/plan Fix security vulnerability in authentication endpoint`.');
    const refused = this.#refusal('plan a request', stream);
    if (refused) return refused;
    const config = this.#config(stream);
    if (!config) return { metadata: { command: 'plan' } };
    stream.progress('Planning…');
    const planned = await this.#planned(request, config.overrides, token);
    if (!planned) return { metadata: { command: 'plan' } };
    stream.markdown(planMarkdown(planned));
    return { metadata: { command: 'plan', request } satisfies OrchestratorChatMetadata };
  }

  async #planned(request: string, config: ConfigOverrides, token: vscode.CancellationToken): Promise<EngineResult<'plan'> | undefined> {
    const abort = new AbortController();
    const subscription = token.onCancellationRequested(() => abort.abort());
    try {
      const planned = await this.#deps.engine.request('plan', { request, config, model: this.#deps.settings.modelChoice }, abort.signal);
      return token.isCancellationRequested ? undefined : planned;
    } finally {
      subscription.dispose();
    }
  }

  async #run(prompt: string, stream: vscode.ChatResponseStream, token: vscode.CancellationToken): Promise<vscode.ChatResult> {
    const parsed = parseRunPrompt(prompt);
    if (!parsed.ok) return this.#tell(stream, 'run', parsed.error);
    const refused = this.#refusal('start a run', stream);
    if (refused) return refused;
    if (this.#refuseWhileRunning(stream)) return { metadata: { command: 'run' } };
    let config = this.#config(stream);
    if (!config) return { metadata: { command: 'run' } };

    let mode = parsed.mode;
    let plan: EngineResult<'plan'>['plan'] | undefined;
    if (!mode) {
      // As in the palette: the plan first, then the user's choice of what the run may do, then exactly that plan.
      stream.progress('Planning…');
      const planned = await this.#planned(parsed.request, config.overrides, token);
      if (!planned) return { metadata: { command: 'run' } };
      stream.markdown(planMarkdown(planned));
      stream.progress('Choose how to start the run…');
      const picked = await this.#pickMode(token);
      if (!picked) return this.#tell(stream, 'run', 'Not started.');
      mode = picked;
      plan = planned.plan;
      if (this.#refuseWhileRunning(stream)) return { metadata: { command: 'run' } };
      config = this.#config(stream);
      if (!config) return { metadata: { command: 'run' } };
    }

    const { runs, log } = this.#deps;
    log.info(`Starting from chat: ${parsed.request} (${mode})`);
    stream.progress('Starting the run…');
    const cancellation = token.onCancellationRequested(() => runs.cancel());
    let result: EngineResult<'run'>;
    try {
      result = await runs.run({ request: parsed.request, ...consentFlags(mode), config: config.overrides, model: this.#deps.settings.modelChoice, ...(plan ? { plan } : {}) }, (event, state) =>
        this.#progress(event, state, stream, !plan),
      );
    } finally {
      cancellation.dispose();
      this.#deps.onRunFinished();
    }
    const state = runs.lastFinished?.sessionId === result.sessionId ? runs.lastFinished : null;
    if (state) await this.#report(result, state, stream);
    else stream.markdown(chatText(`The run ended: ${result.status}${result.error ? ` (${result.error})` : ''}.`, 1000));
    stream.button({ command: 'vscode.open', title: 'Open Report', arguments: [vscode.Uri.file(result.reportFile)] });
    return { metadata: { command: 'run', sessionId: result.sessionId, request: parsed.request } satisfies OrchestratorChatMetadata };
  }

  /** One progress line per agent that starts or ends; the plan when the run made its own. */
  #progress(event: OrchestratorEvent, state: RunState, stream: vscode.ChatResponseStream, showPlan: boolean): void {
    const { done, total } = progressOf(state);
    switch (event.type) {
      case 'plan.created':
        if (showPlan) stream.markdown(planMarkdown({ plan: event.payload.plan, roster: [], warnings: [] }));
        break;
      case 'agent.started':
        stream.progress(`${done}/${total} agents · ${digestMessage(event.payload.agent)}: ${digestMessage(event.payload.task)}`);
        break;
      case 'agent.completed':
      case 'agent.failed':
        stream.progress(`${done}/${total} agents · ${digestMessage(event.payload.agent)} ${event.type === 'agent.completed' ? 'completed' : 'failed'}`);
        break;
      default:
        break;
    }
  }

  /** The outcome, the findings anchored at their files and lines, the cost, and buttons to see more. */
  async #report(result: EngineResult<'run'> | null, state: RunState, stream: vscode.ChatResponseStream): Promise<void> {
    stream.markdown(`${outcomeText(result, state)}\n\n`);
    const findings = findingsToShow(state.findings, FINDINGS_IN_CHAT);
    if (findings.length > 0) {
      stream.markdown('**Findings**\n\n');
      const root = workspaceRoot();
      const referenced = new Set<string>();
      for (const finding of findings) {
        stream.markdown(findingMarkdown(finding));
        // Agent output names the file: only a file really inside the workspace folder gets a link.
        const resolved = root ? await resolveWorkspaceFile(root, finding.file) : { ok: false as const, reason: 'no local workspace folder is open' };
        if (resolved.ok) {
          const uri = vscode.Uri.file(resolved.absolutePath);
          stream.anchor(new vscode.Location(uri, new vscode.Position(finding.line - 1, Math.max(0, finding.column - 1))), findingAnchorTitle(finding));
          if (!referenced.has(resolved.absolutePath)) {
            referenced.add(resolved.absolutePath);
            stream.reference(uri);
          }
        } else {
          stream.markdown(`at ${chatText(findingAnchorTitle(finding), 220)} (not linked: ${chatText(resolved.reason)})`);
        }
        stream.markdown('\n');
      }
      if (state.findings.length > findings.length) stream.markdown(`\n… and ${state.findings.length - findings.length} more in the dashboard.\n`);
    }
    stream.markdown(`\n${costText(state)}\n`);
    stream.button({ command: 'agentOrchestrator.openSession', title: 'Show Dashboard', arguments: [state.sessionId] });
    const pending = state.changes.filter((change) => !change.applied && change.review === null && change.findingIds.length > 0);
    for (const change of pending.slice(0, DIFF_BUTTONS)) {
      stream.button({
        command: 'agentOrchestrator.openChangeDiff',
        title: `Diff: ${digestMessage(change.file)}`,
        arguments: [{ sessionId: state.sessionId, changeId: change.id }],
      });
    }
    if (pending.length > 0) stream.button({ command: 'agentOrchestrator.applyChanges', title: 'Apply Changes...', arguments: [state.sessionId] });
  }

  async #status(stream: vscode.ChatResponseStream): Promise<vscode.ChatResult> {
    const { runs } = this.#deps;
    if (runs.running) {
      const state = runs.state;
      const running = state?.agents.filter((agent) => agent.status === 'running').map((agent) => agent.name) ?? [];
      stream.markdown(`Running ${chatText(runs.request ?? 'a request')}. ${state ? outcomeText(null, state) : 'Planning…'}${running.length > 0 ? ` Now: ${chatText(running.join(', '))}.` : ''}\n`);
      stream.button({ command: 'agentOrchestrator.showDashboard', title: 'Show Dashboard' });
      stream.button({ command: 'agentOrchestrator.cancelRun', title: 'Cancel Run' });
      return { metadata: { command: 'status', ...(runs.sessionId ? { sessionId: runs.sessionId } : {}) } satisfies OrchestratorChatMetadata };
    }
    const last = await this.#latestSession();
    if (!last) return this.#tell(stream, 'status', 'No run yet in this workspace. Try `/run Fix security vulnerability in authentication endpoint`.');
    stream.markdown(`Last run: ${chatText(last.state.request)} (${chatText(last.state.sessionId, 200)})\n\n`);
    await this.#report(null, last.state, stream);
    return { metadata: { command: 'status', sessionId: last.state.sessionId } satisfies OrchestratorChatMetadata };
  }

  async #learnings(prompt: string, stream: vscode.ChatResponseStream): Promise<vscode.ChatResult> {
    // The same data as the Learned Patterns view: the engine's patterns, mined from the stored runs.
    const patterns = await this.#deps.engine.request('patterns', {});
    const agent = prompt.trim().split(/\s+/)[0] || undefined;
    stream.markdown(learningsMarkdown(patterns, agent));
    return { metadata: { command: 'learnings' } };
  }

  /**
   * A question about a run: the session named in it, else the one the conversation was last about, else the latest;
   * answered by the chat's selected model from that session's events (bounded: see sessionDigest.ts).
   */
  async #answer(request: vscode.ChatRequest, context: vscode.ChatContext, stream: vscode.ChatResponseStream, token: vscode.CancellationToken): Promise<vscode.ChatResult> {
    const question = request.prompt.trim();
    if (!question) return this.#tell(stream, 'question', 'Ask about a run (e.g. "why did the validation fail?"), or use /plan, /run, /status or /learnings.');
    const sessionId = sessionIdIn(question) ?? sessionInHistory(context) ?? null;
    const session = sessionId ? await this.#session(sessionId) : await this.#latestSession();
    if (!session) return this.#tell(stream, 'question', 'There is no run to answer from yet. Start one with `/run <request>`.');
    if (token.isCancellationRequested) return { metadata: { command: 'question', sessionId: session.state.sessionId } };
    const model = request.model;
    const digest = sessionDigest(session.events, { maxChars: digestBudgetChars(model.maxInputTokens), question });
    stream.progress(`Reading session ${digestMessage(session.state.sessionId)} (${session.events.length} events${digest.timelineOmitted > 0 ? `, ${digest.timelineOmitted} left out to fit` : ''})…`);
    const messages = [
      vscode.LanguageModelChatMessage.User(`${questionInstructions()}\n\n${digest.text}`),
      vscode.LanguageModelChatMessage.User(question),
    ];
    const metadata: OrchestratorChatMetadata = { command: 'question', sessionId: session.state.sessionId };
    try {
      const response = await model.sendRequest(messages, { justification: 'Agent Orchestrator answers your question from the events of a past run.' }, token);
      for await (const fragment of response.text) {
        if (token.isCancellationRequested) break;
        stream.markdown(fragment);
      }
    } catch (error) {
      if (token.isCancellationRequested) return { metadata };
      const message = error instanceof vscode.LanguageModelError ? `The model could not answer (${error.code}): ${error.message}` : `The model could not answer: ${String(error)}`;
      this.#deps.log.warn(message);
      stream.markdown(chatText(message, 1000));
      return { errorDetails: { message: digestMessage(message) }, metadata };
    }
    stream.button({ command: 'agentOrchestrator.openSession', title: 'Show Dashboard', arguments: [session.state.sessionId] });
    return { metadata };
  }

  async #session(sessionId: string): Promise<{ state: RunState; events: OrchestratorEvent[] } | null> {
    const { session, events } = await this.#deps.engine.request('sessionEvents', { sessionId });
    return { state: foldEvents(session.sessionId, events), events };
  }

  async #latestSession(): Promise<{ state: RunState; events: OrchestratorEvent[] } | null> {
    const [latest] = await this.#deps.engine.request('listSessions', { limit: 1 });
    return latest ? this.#session(latest.sessionId) : null;
  }

  #refusal(action: string, stream: vscode.ChatResponseStream): vscode.ChatResult | null {
    if (!workspaceRoot()) return this.#tell(stream, action, 'Agent Orchestrator needs an open local folder to work on.');
    const message = this.#deps.trust.refusal(action);
    if (message === null) return null;
    stream.markdown(chatText(message, 1000));
    stream.button({ command: 'workbench.trust.manage', title: 'Manage Workspace Trust' });
    return { metadata: { command: action } };
  }

  #refuseWhileRunning(stream: vscode.ChatResponseStream): boolean {
    const { runs } = this.#deps;
    if (!runs.running) return false;
    stream.markdown(`Agent Orchestrator is already running ${chatText(runs.request ?? 'a request', 120)}. Wait for it to finish or cancel it.\n`);
    stream.button({ command: 'agentOrchestrator.showDashboard', title: 'Show Dashboard' });
    stream.button({ command: 'agentOrchestrator.cancelRun', title: 'Cancel Run' });
    return true;
  }

  #config(stream: vscode.ChatResponseStream): { overrides: ConfigOverrides } | null {
    const result = this.#deps.settings.configOverrides();
    if (result.ok) return { overrides: result.overrides };
    const message = describeSettingErrors(result.errors);
    this.#deps.log.error(message);
    stream.markdown(chatText(message, 1000));
    stream.button({ command: 'workbench.action.openSettings', title: 'Open Settings', arguments: [result.errors[0]?.setting ?? 'agentOrchestrator'] });
    return null;
  }

  async #pickMode(token: vscode.CancellationToken): Promise<ChatRunMode | undefined> {
    const items: PickItem[] = START_CHOICES.map((choice) => ({ label: `$(${choice.icon}) ${choice.label}`, detail: choice.detail, action: choice.action }));
    const picked = await vscode.window.showQuickPick(items, { title: 'Agent Orchestrator: start the run?', placeHolder: 'Choose what the run may do, or press Escape to cancel', ignoreFocusOut: true }, token);
    return picked?.action;
  }

  #tell(stream: vscode.ChatResponseStream, command: string, text: string): vscode.ChatResult {
    stream.markdown(text);
    return { metadata: { command } satisfies OrchestratorChatMetadata };
  }
}

/** The session the conversation's latest reply of ours was about. */
function sessionInHistory(context: vscode.ChatContext): string | undefined {
  for (const turn of [...context.history].reverse()) {
    if (turn instanceof vscode.ChatResponseTurn || 'result' in turn) {
      const metadata = (turn as vscode.ChatResponseTurn).result?.metadata as OrchestratorChatMetadata | undefined;
      if (typeof metadata?.sessionId === 'string') return metadata.sessionId;
    }
  }
  return undefined;
}

function workspaceRoot(): string | null {
  const folder = vscode.workspace.workspaceFolders?.[0];
  return folder?.uri.scheme === 'file' ? folder.uri.fsPath : null;
}

/** Plain text for progress lines, button titles and error details (they render no Markdown): masked, escaped, short. */
function digestMessage(value: string): string {
  return digestText(value, 200);
}

/** Registers @orchestrator; undefined where the window has no chat (an editor without the chat API). */
export function registerChatParticipant(chat: OrchestratorChat, extensionUri: vscode.Uri): vscode.ChatParticipant | undefined {
  if (typeof vscode.chat?.createChatParticipant !== 'function') return undefined;
  const participant = vscode.chat.createChatParticipant(CHAT_PARTICIPANT_ID, chat.handle);
  participant.iconPath = vscode.Uri.joinPath(extensionUri, 'media', 'agent-orchestrator.svg');
  participant.followupProvider = { provideFollowups: (result) => chat.followups(result) };
  return participant;
}
