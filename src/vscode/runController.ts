// The run executing in this window: starts it through the engine, folds its events, feeds the session model (the
// shown session) and knows how to cancel it. At most one run at a time; the context key
// `agentOrchestrator.running` follows it so menus and keybindings offer Cancel Run only while one runs.
import type { ExecutionPlan } from '../core/protocol/plan';
import * as vscode from 'vscode';
import { applyEvent, createRunState, type RunState } from '../core/logging/runState';
import type { OrchestratorEvent } from '../core/protocol/events';
import type { ConfigOverrides, EngineResult, ModelChoice } from '../shared/engineProtocol';
import type { EngineApi } from './engineClient';
import type { SessionModel } from './sessionModel';

export const RUNNING_CONTEXT_KEY = 'agentOrchestrator.running';

export interface RunParams {
  request: string;
  apply: boolean;
  allowCommands: boolean;
  agents?: string[];
  config: ConfigOverrides;
  /** Which model the agents use (the VS Code settings); absent: the workspace's config decides. */
  model?: ModelChoice;
  /** Ask in the window before each edit and command (the approval prompt), although apply/allowCommands are set. */
  askBeforeChanges?: boolean;
  /** The plan shown in the plan picker: the run runs it as shown instead of planning again. */
  plan?: ExecutionPlan;
  /** The user allowed this workspace's MCP servers (McpConsent). */
  allowMcpServers?: boolean;
  /** Model agents may use the tools VS Code offers. */
  vscodeTools?: boolean;
}

interface LiveRun {
  request: string;
  abort: AbortController;
  sessionId: string | null;
  events: OrchestratorEvent[];
  state: RunState | null;
}

export class RunController implements vscode.Disposable {
  readonly #engine: EngineApi;
  readonly #sessionModel: SessionModel;
  readonly #log: vscode.LogOutputChannel;
  readonly #onDidChange = new vscode.EventEmitter<void>();
  /** The run started, progressed (an event arrived) or ended. */
  readonly onDidChange: vscode.Event<void> = this.#onDidChange.event;
  #live: LiveRun | null = null;
  #lastFinished: RunState | null = null;

  constructor(engine: EngineApi, sessionModel: SessionModel, log: vscode.LogOutputChannel) {
    this.#engine = engine;
    this.#sessionModel = sessionModel;
    this.#log = log;
  }

  get running(): boolean {
    return this.#live !== null;
  }

  /** Session id of the live run, once its first event arrived. */
  get sessionId(): string | null {
    return this.#live?.sessionId ?? null;
  }

  get request(): string | null {
    return this.#live?.request ?? null;
  }

  /** The live run's state (its own fold: it stays right even while the UI shows another session). */
  get state(): RunState | null {
    return this.#live?.state ?? null;
  }

  /** The state of the run that finished last in this window (for the outcome notification). */
  get lastFinished(): RunState | null {
    return this.#lastFinished;
  }

  /**
   * Runs to the end and returns the engine's result (status 'cancelled' after cancel()). `onEvent` sees each event
   * after it is folded. Rejects when the engine refuses or fails (store locked, invalid configuration).
   */
  async run(params: RunParams, onEvent?: (event: OrchestratorEvent, state: RunState) => void): Promise<EngineResult<'run'>> {
    if (this.#live) throw new Error('A run is already in progress in this window.');
    const live: LiveRun = { request: params.request, abort: new AbortController(), sessionId: null, events: [], state: null };
    this.#live = live;
    await this.#setRunningContext(true);
    this.#onDidChange.fire();
    const unsubscribe = this.#engine.onEvent((event) => {
      if (live.sessionId === null) {
        // The engine runs one request at a time, so the first run.started after the request is this run's.
        if (event.type !== 'run.started') return;
        live.sessionId = event.sessionId;
        live.state = createRunState(event.sessionId);
        this.#sessionModel.startLive(event.sessionId);
      }
      if (event.sessionId !== live.sessionId || !live.state) return;
      live.events.push(event);
      applyEvent(live.state, event);
      this.#sessionModel.appendLiveEvent(event);
      onEvent?.(event, live.state);
      this.#onDidChange.fire();
    });
    try {
      const { request, apply, allowCommands, agents, config, model, askBeforeChanges, plan, allowMcpServers, vscodeTools } = params;
      return await this.#engine.request(
        'run',
        {
          request, apply, allowCommands, ...(agents ? { agents } : {}), config, ...(model ? { model } : {}), ...(askBeforeChanges ? { askBeforeChanges } : {}), ...(plan ? { plan } : {}),
          ...(allowMcpServers ? { allowMcpServers } : {}), ...(vscodeTools ? { vscodeTools } : {}),
        },
        live.abort.signal,
      );
    } finally {
      unsubscribe();
      if (live.sessionId) this.#sessionModel.endLive(live.sessionId);
      this.#lastFinished = live.state;
      this.#live = null;
      await this.#setRunningContext(false);
      this.#onDidChange.fire();
    }
  }

  /** Asks the engine to stop the live run cleanly; false when nothing runs (or `sessionId` names another run). */
  cancel(sessionId?: string): boolean {
    const live = this.#live;
    if (!live || (sessionId !== undefined && live.sessionId !== sessionId)) return false;
    if (!live.abort.signal.aborted) {
      this.#log.info('Cancelling the run…');
      live.abort.abort();
    }
    return true;
  }

  /** Shows the live run again after the user looked at a past session (replays what arrived meanwhile). */
  showLive(): boolean {
    const live = this.#live;
    if (!live?.sessionId) return false;
    if (this.#sessionModel.live && this.#sessionModel.sessionId === live.sessionId) return true;
    this.#sessionModel.startLive(live.sessionId);
    for (const event of live.events) this.#sessionModel.appendLiveEvent(event);
    return true;
  }

  async #setRunningContext(running: boolean): Promise<void> {
    // The window may be closing; a context key that cannot be set any more does not matter then.
    await vscode.commands.executeCommand('setContext', RUNNING_CONTEXT_KEY, running).then(undefined, () => undefined);
  }

  dispose(): void {
    this.#live?.abort.abort();
    this.#onDidChange.dispose();
  }
}
