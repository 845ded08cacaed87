// Agent Orchestrator: Orchestrate Request. Without arguments: pick or type a request (recent ones offered), see
// the plan with learned estimates, and choose how to start it (dry run, or apply fixes and run tests: the explicit
// consent for writes and commands). With arguments (another command, a test): those are the explicit flags.
// Then the run executes in the engine process while the dashboard, trees, diagnostics and status bar follow it.
import type { ExecutionPlan } from '../core/protocol/plan';
import * as vscode from 'vscode';
import { progressOf } from '../core/logging/runState';
import type { ConfigOverrides, EngineResult } from '../shared/engineProtocol';
import type { EngineApi } from './engineClient';
import type { ExtensionSettings } from './extensionSettings';
import type { McpConsent } from './mcpConsent';
import { truncateLine } from './format';
import { parseOrchestrateArgs, type OrchestrateArgs } from './orchestrateArgs';
import { planRows, planTitle } from './planPresentation';
import { requestChoices, type RecentRequests } from './recentRequests';
import type { RunController } from './runController';
import { describeEngineFailure, runOutcomeNotice } from './runOutcome';
import { describeSettingErrors } from './settings';
import type { WorkspaceTrustGate } from './workspaceTrust';

/** Collaborators of the command; the views are refreshed through `onRunFinished`. */
export interface OrchestrateDependencies {
  engine: EngineApi;
  runs: RunController;
  settings: ExtensionSettings;
  trust: WorkspaceTrustGate;
  /** Whether the run may start the workspace's MCP servers (asks the first time). */
  mcpConsent: McpConsent;
  recentRequests: RecentRequests;
  showDashboard: () => void;
  openFile: (fsPath: string) => PromiseLike<unknown>;
  onRunFinished: () => void;
  log: vscode.LogOutputChannel;
}

type RunFlags = Pick<OrchestrateArgs, 'request' | 'apply' | 'allowCommands' | 'agents' | 'askBeforeChanges'> & { plan?: ExecutionPlan };

type PlanAction = 'dryRun' | 'applyAndTest' | 'askEach' | 'cancel';
type PlanPickItem = vscode.QuickPickItem & { action?: PlanAction };
type RequestPickItem = vscode.QuickPickItem & { request?: string };

export const START_DRY_RUN_LABEL = 'Start (report changes as diffs; no commands)';
export const START_APPLY_LABEL = 'Start, apply fixes and run tests';
export const START_ASK_LABEL = 'Start, ask before each edit or command';

/** The consent choices of a run, with what each allows; the palette's plan picker and the chat's /run offer them. */
export const START_CHOICES: readonly { action: Exclude<PlanAction, 'cancel'>; icon: string; label: string; detail: string }[] = [
  {
    action: 'dryRun',
    icon: 'play',
    label: START_DRY_RUN_LABEL,
    detail: 'Findings and validated fixes are reported; fixes are shown as diffs, no file is written and no command runs.',
  },
  { action: 'applyAndTest', icon: 'tools', label: START_APPLY_LABEL, detail: "Writes the validated fixes to your files and runs the workspace's test command." },
  {
    action: 'askEach',
    icon: 'question',
    label: START_ASK_LABEL,
    detail: 'Shows each edit as a diff and each command in full, and writes or runs only what you approve.',
  },
];

/** The engine's flags for a start choice: asking may write and run, but only what the user approves, one by one. */
export function consentFlags(action: Exclude<PlanAction, 'cancel'>): { apply: boolean; allowCommands: boolean; askBeforeChanges: boolean } {
  const consent = action === 'applyAndTest' || action === 'askEach';
  return { apply: consent, allowCommands: consent, askBeforeChanges: action === 'askEach' };
}

export class OrchestrateRequestCommand {
  readonly #deps: OrchestrateDependencies;

  constructor(deps: OrchestrateDependencies) {
    this.#deps = deps;
  }

  /** Returns the engine's run result, or undefined when nothing ran (refused, cancelled in a picker, failed to start). */
  async execute(rawArgs?: unknown): Promise<EngineResult<'run'> | undefined> {
    const { trust, settings, log } = this.#deps;
    if (!vscode.workspace.workspaceFolders?.[0]) {
      void vscode.window.showErrorMessage('Agent Orchestrator needs an open folder to work on.', 'Open Folder').then((choice) => {
        if (choice) void vscode.commands.executeCommand('workbench.action.files.openFolder');
      });
      return undefined;
    }
    if (!trust.allows('start a run')) return undefined;
    if (this.#refuseWhileRunning()) return undefined;

    let args: OrchestrateArgs | null;
    try {
      args = parseOrchestrateArgs(rawArgs);
    } catch (error) {
      log.error((error as Error).message);
      void vscode.window.showErrorMessage(`Agent Orchestrator: ${(error as Error).message}`);
      return undefined;
    }
    let config = this.#configOrExplain();
    if (!config) return undefined;

    let flags: RunFlags;
    if (args) {
      flags = args;
    } else {
      const request = await this.#pickRequest();
      if (!request) return undefined;
      const planned = await this.#plan(request, config.overrides, config.userSet);
      if (!planned) return undefined;
      const action = await this.#pickPlanAction(planned);
      if (!action || action === 'cancel') return undefined;
      // The plan the user just saw runs as shown (with a model configured, the model made it): no second planning.
      flags = { request, ...consentFlags(action), plan: planned.plan };
      // The pickers took time: another run may have started, the settings may have changed.
      if (this.#refuseWhileRunning()) return undefined;
      config = this.#configOrExplain();
      if (!config) return undefined;
    }
    // Not awaited: nothing may come between the "no run in progress" check and the start of the run.
    void this.#deps.recentRequests.add(flags.request).then(undefined, (error: unknown) => log.warn(`Could not remember the request: ${String(error)}`));
    if (settings.dashboardEnabled) this.#deps.showDashboard();
    return this.#run(flags, config.overrides, config.userSet);
  }

  #refuseWhileRunning(): boolean {
    const { runs } = this.#deps;
    if (!runs.running) return false;
    const request = runs.request ? `"${truncateLine(runs.request, 60)}"` : 'a request';
    void vscode.window
      .showInformationMessage(`Agent Orchestrator is already running ${request}. Wait for it to finish or cancel it.`, 'Show Dashboard', 'Cancel Run')
      .then((choice) => {
        if (choice === 'Show Dashboard') void vscode.commands.executeCommand('agentOrchestrator.showDashboard');
        if (choice === 'Cancel Run') void vscode.commands.executeCommand('agentOrchestrator.cancelRun');
      });
    return true;
  }

  #configOrExplain(): { overrides: ConfigOverrides; userSet: string[] } | null {
    const result = this.#deps.settings.configOverrides();
    if (result.ok) return { overrides: result.overrides, userSet: result.userSet };
    const message = describeSettingErrors(result.errors);
    this.#deps.log.error(message);
    void vscode.window.showErrorMessage(`Agent Orchestrator: ${message}`, 'Open Settings').then((choice) => {
      if (choice) void vscode.commands.executeCommand('workbench.action.openSettings', result.errors[0]?.setting ?? 'agentOrchestrator');
    });
    return null;
  }

  /** A QuickPick that accepts typed text ("Run: <text>") or one of the recent requests. */
  async #pickRequest(): Promise<string | undefined> {
    const recent = this.#deps.recentRequests.list();
    const pick = vscode.window.createQuickPick<RequestPickItem>();
    pick.title = 'Orchestrate Request';
    pick.placeholder = 'What should the agents do? e.g. Fix security vulnerability in authentication endpoint';
    pick.ignoreFocusOut = true;
    const update = (): void => {
      const choices = requestChoices(recent, pick.value);
      const items: RequestPickItem[] = [];
      const typed = choices.find((choice) => choice.kind === 'typed');
      if (typed) items.push({ label: typed.label, request: typed.request, alwaysShow: true, iconPath: new vscode.ThemeIcon('play') });
      const recents = choices.filter((choice) => choice.kind === 'recent');
      if (recents.length > 0) {
        items.push({ label: 'Recent requests', kind: vscode.QuickPickItemKind.Separator });
        for (const choice of recents) items.push({ label: choice.label, request: choice.request, iconPath: new vscode.ThemeIcon('history') });
      }
      pick.items = items;
      if (items[0]?.request) pick.activeItems = [items[0]];
    };
    update();
    return new Promise<string | undefined>((resolve) => {
      const subscriptions: vscode.Disposable[] = [];
      const finish = (value: string | undefined): void => {
        for (const subscription of subscriptions) subscription.dispose();
        pick.dispose();
        resolve(value);
      };
      subscriptions.push(
        pick.onDidChangeValue(update),
        pick.onDidAccept(() => {
          const chosen = pick.selectedItems[0]?.request ?? pick.activeItems[0]?.request ?? (pick.value.trim() || undefined);
          if (chosen) finish(chosen);
        }),
        pick.onDidHide(() => finish(undefined)),
      );
      pick.show();
    });
  }

  async #plan(request: string, config: ConfigOverrides, userSet: readonly string[]): Promise<EngineResult<'plan'> | undefined> {
    try {
      return await vscode.window.withProgress(
        { location: vscode.ProgressLocation.Notification, title: 'Agent Orchestrator: planning…', cancellable: true },
        async (_progress, token) => {
          const abort = new AbortController();
          const subscription = token.onCancellationRequested(() => abort.abort());
          try {
            const planned = await this.#deps.engine.request('plan', { request, config, model: this.#deps.settings.modelChoice }, abort.signal);
            // Planning is quick and the engine may answer despite the cancellation: the user said stop, so stop.
            return token.isCancellationRequested ? undefined : planned;
          } finally {
            subscription.dispose();
          }
        },
      );
    } catch (error) {
      this.#showFailure('plan the request', error, userSet);
      return undefined;
    }
  }

  /** The plan as a QuickPick: start actions at the top, then the agents by phase, skipped agents and warnings. */
  async #pickPlanAction(planned: EngineResult<'plan'>): Promise<PlanAction | undefined> {
    const { plan, roster, warnings } = planned;
    for (const warning of warnings) this.#deps.log.warn(warning);
    const items: PlanPickItem[] = [
      ...START_CHOICES.map((choice) => ({ label: `$(${choice.icon}) ${choice.label}`, action: choice.action, detail: choice.detail })),
      { label: '$(close) Cancel', action: 'cancel' },
    ];
    if (planned.model) items.push({ label: `$(sparkle) Model: ${planned.model}`, description: 'Select Model Provider changes it' });
    for (const row of planRows(plan, roster)) {
      switch (row.kind) {
        case 'separator':
          items.push({ label: row.label, kind: vscode.QuickPickItemKind.Separator });
          break;
        case 'agent':
          items.push({ label: `$(person) ${row.label}`, description: row.description, detail: row.detail });
          break;
        case 'skipped':
          items.push({ label: `$(circle-slash) ${row.label}`, description: `skipped: ${row.description}` });
          break;
        case 'warning':
          items.push({ label: `$(warning) ${row.label}` });
          break;
      }
    }
    for (const warning of warnings) items.push({ label: `$(warning) ${warning}` });
    const pick = vscode.window.createQuickPick<PlanPickItem>();
    pick.title = planTitle(plan);
    pick.placeholder = `Start "${truncateLine(plan.request, 50)}"? Choose how, or press Escape to cancel.`;
    pick.ignoreFocusOut = true;
    pick.matchOnDescription = true;
    pick.items = items;
    pick.activeItems = [items[0]!];
    return new Promise<PlanAction | undefined>((resolve) => {
      const subscriptions: vscode.Disposable[] = [];
      const finish = (value: PlanAction | undefined): void => {
        for (const subscription of subscriptions) subscription.dispose();
        pick.dispose();
        resolve(value);
      };
      subscriptions.push(
        pick.onDidAccept(() => {
          // An agent row is information, not a choice: the picker stays open.
          const action = pick.selectedItems[0]?.action ?? pick.activeItems[0]?.action;
          if (action) finish(action);
        }),
        pick.onDidHide(() => finish(undefined)),
      );
      pick.show();
    });
  }

  async #run(flags: RunFlags, config: ConfigOverrides, userSet: readonly string[]): Promise<EngineResult<'run'> | undefined> {
    const { runs, log } = this.#deps;
    const mode = flags.askBeforeChanges ? 'ask before each edit or command' : `${flags.apply ? 'apply fixes' : 'dry run'}, ${flags.allowCommands ? 'commands allowed' : 'no commands'}`;
    // Asked before the progress notification: the consent dialog is modal. The engine starts nothing without it.
    const allowMcpServers = await this.#deps.mcpConsent.allowsServers();
    if (this.#refuseWhileRunning()) return undefined;
    const vscodeTools = this.#deps.settings.vscodeToolsEnabled;
    log.info(`Starting: ${flags.request} (${mode}${allowMcpServers ? ', MCP servers allowed' : ''}${vscodeTools ? ', VS Code tools offered' : ''})`);
    let result: EngineResult<'run'> | undefined;
    try {
      result = await vscode.window.withProgress(
        { location: vscode.ProgressLocation.Notification, title: 'Agent Orchestrator', cancellable: true },
        async (progress, token) => {
          token.onCancellationRequested(() => runs.cancel());
          progress.report({ message: truncateLine(flags.request, 80) });
          let reported = 0;
          let current = 'planning…';
          return runs.run({ ...flags, config, model: this.#deps.settings.modelChoice, allowMcpServers, vscodeTools }, (event, state) => {
            if (event.type === 'agent.started') current = `${event.payload.agent}: ${truncateLine(event.payload.task, 60)}`;
            else if (event.type !== 'agent.completed' && event.type !== 'agent.failed' && event.type !== 'plan.created') return;
            const { done, total, percent } = progressOf(state);
            progress.report({ increment: Math.max(0, percent - reported), message: `${done}/${total} agents · ${current}` });
            reported = Math.max(reported, percent);
          });
        },
      );
    } catch (error) {
      this.#showFailure('run the request', error, userSet);
    } finally {
      this.#deps.onRunFinished();
    }
    if (result) this.#announce(result);
    return result;
  }

  #announce(result: EngineResult<'run'>): void {
    const finished = this.#deps.runs.lastFinished;
    const notice = runOutcomeNotice(result, finished?.sessionId === result.sessionId ? finished : null);
    this.#deps.log.info(notice.text);
    for (const warning of result.warnings) this.#deps.log.warn(warning);
    const show =
      notice.level === 'error' ? vscode.window.showErrorMessage : notice.level === 'warning' ? vscode.window.showWarningMessage : vscode.window.showInformationMessage;
    void show(notice.text, 'Show Dashboard', 'Open Report').then((choice) => {
      if (choice === 'Show Dashboard') void vscode.commands.executeCommand('agentOrchestrator.openSession', result.sessionId);
      if (choice === 'Open Report') void this.#deps.openFile(result.reportFile);
    });
  }

  #showFailure(action: string, error: unknown, userSet: readonly string[]): void {
    const message = describeEngineFailure(action, error, userSet);
    this.#deps.log.error(message);
    void vscode.window.showErrorMessage(message);
  }
}
