// Host side of the dashboard webview: one panel showing the session model's session. It waits for the page's
// `ready` before posting, sends one `snapshot` per (re)load or session change, then batches appended events into
// one `events` message per frame. Every message from the page is validated; a malformed one is logged and ignored.
// After a window reload the serializer restores the panel with the session it showed.
import * as vscode from 'vscode';
import type { OrchestratorEvent } from '../core/protocol/events';
import {
  DashboardWebviewStateSchema,
  parseWebviewToHostMessage,
  type HostToWebviewMessage,
  type ReportFormat,
  type RevealTarget,
  type WebviewToHostMessage,
} from '../shared/dashboardProtocol';
import { createNonce, renderDashboardHtml } from '../shared/dashboardHtml';
import { Batcher } from './eventBatcher';
import type { FileLocation } from './locationOpener';
import type { SessionModel } from './sessionModel';

export const DASHBOARD_VIEW_TYPE = 'agentOrchestrator.dashboard';
const TITLE = 'Agent Orchestrator';
const FRAME_MS = 16;

/** What the page may ask the host to do. */
export interface DashboardActions {
  openLocation(location: FileLocation): PromiseLike<unknown>;
  cancelRun(sessionId: string): void;
  exportReport(sessionId: string, format: ReportFormat): PromiseLike<unknown>;
  orchestrateRequest(): PromiseLike<unknown>;
  /** Opens a proposed change in a diff editor with Apply and Discard. */
  reviewChange(sessionId: string, changeId: string): PromiseLike<unknown>;
  /** Shows a stored session (the session model's `showPast`), used to restore the panel after a reload. */
  loadSession(sessionId: string): PromiseLike<void>;
}

export class DashboardPanel implements vscode.Disposable {
  readonly #extensionUri: vscode.Uri;
  readonly #sessionModel: SessionModel;
  readonly #actions: DashboardActions;
  readonly #log: vscode.LogOutputChannel;
  readonly #disposables: vscode.Disposable[] = [];
  readonly #batcher: Batcher<OrchestratorEvent>;
  #panel: vscode.WebviewPanel | null = null;
  #panelDisposables: vscode.Disposable[] = [];
  /** The page has said `ready` since it was last (re)loaded. */
  #ready = false;
  #pendingReveal: RevealTarget | null = null;

  constructor(extensionUri: vscode.Uri, sessionModel: SessionModel, actions: DashboardActions, log: vscode.LogOutputChannel) {
    this.#extensionUri = extensionUri;
    this.#sessionModel = sessionModel;
    this.#actions = actions;
    this.#log = log;
    this.#batcher = new Batcher((events) => this.#postEvents(events), FRAME_MS);
    this.#disposables.push(
      this.#batcher,
      sessionModel.onDidChangeSession(() => {
        this.#batcher.clear();
        if (this.#ready) this.#postSnapshot();
      }),
      sessionModel.onDidAppendEvents((events) => {
        if (this.#ready) this.#batcher.push(events);
      }),
      sessionModel.onDidEndLive((sessionId) => {
        if (!this.#ready) return;
        this.#batcher.flush();
        this.#post({ type: 'sessionEnded', sessionId });
      }),
      vscode.window.registerWebviewPanelSerializer(DASHBOARD_VIEW_TYPE, {
        deserializeWebviewPanel: (panel, state: unknown) => this.#restore(panel, state),
      }),
    );
  }

  get isOpen(): boolean {
    return this.#panel !== null;
  }

  /** Opens the panel, or brings it to the front. */
  show(preserveFocus = false): void {
    if (this.#panel) {
      this.#panel.reveal(undefined, preserveFocus);
      return;
    }
    const panel = vscode.window.createWebviewPanel(
      DASHBOARD_VIEW_TYPE,
      TITLE,
      { viewColumn: vscode.ViewColumn.Active, preserveFocus },
      this.#webviewOptions(),
    );
    this.#attach(panel);
  }

  /** Opens the panel and scrolls to `target` (a handoff or a finding) once the page is ready. */
  reveal(target: RevealTarget): void {
    this.show();
    if (this.#ready) this.#post({ type: 'reveal', target });
    else this.#pendingReveal = target;
  }

  #webviewOptions(): vscode.WebviewPanelOptions & vscode.WebviewOptions {
    return {
      enableScripts: true,
      // The page loads only the bundled dashboard; nothing from the workspace or the network.
      localResourceRoots: [vscode.Uri.joinPath(this.#extensionUri, 'dist', 'webview')],
      // The page rebuilds from one snapshot when shown again, so a hidden panel costs no memory.
      retainContextWhenHidden: false,
      enableFindWidget: true,
    };
  }

  #attach(panel: vscode.WebviewPanel): void {
    this.#panel = panel;
    this.#ready = false;
    panel.iconPath = vscode.Uri.joinPath(this.#extensionUri, 'media', 'agent-orchestrator.svg');
    panel.webview.options = this.#webviewOptions();
    panel.webview.html = this.#html(panel.webview);
    this.#panelDisposables = [
      panel.webview.onDidReceiveMessage((raw: unknown) => this.#receive(raw)),
      // Hidden without retained context, the page is gone: it says `ready` again when shown.
      panel.onDidChangeViewState(() => {
        if (!panel.visible) this.#ready = false;
      }),
      panel.onDidDispose(() => this.#detach(panel)),
    ];
  }

  #detach(panel: vscode.WebviewPanel): void {
    if (this.#panel !== panel) return;
    for (const disposable of this.#panelDisposables) disposable.dispose();
    this.#panelDisposables = [];
    this.#panel = null;
    this.#ready = false;
    this.#pendingReveal = null;
    this.#batcher.clear();
  }

  #html(webview: vscode.Webview): string {
    const asset = (name: string): string => webview.asWebviewUri(vscode.Uri.joinPath(this.#extensionUri, 'dist', 'webview', name)).toString();
    return renderDashboardHtml({
      title: TITLE,
      nonce: createNonce(),
      webview: { cspSource: webview.cspSource, scriptUri: asset('dashboard.js'), styleUri: asset('dashboard.css') },
    });
  }

  async #restore(panel: vscode.WebviewPanel, state: unknown): Promise<void> {
    if (this.#panel && this.#panel !== panel) this.#panel.dispose();
    this.#attach(panel);
    const saved = DashboardWebviewStateSchema.safeParse(state);
    const sessionId = saved.success ? saved.data.sessionId : null;
    // A live run (or a session the user opened meanwhile) wins over what the panel showed before the reload.
    if (!sessionId || this.#sessionModel.sessionId !== null) return;
    try {
      await this.#actions.loadSession(sessionId);
    } catch (error) {
      this.#log.warn(`The dashboard could not restore session ${sessionId}: ${(error as Error).message}`);
    }
  }

  #receive(raw: unknown): void {
    let message: WebviewToHostMessage;
    try {
      message = parseWebviewToHostMessage(raw);
    } catch (error) {
      this.#log.warn(`Ignored a message from the dashboard: ${(error as Error).message}`);
      return;
    }
    switch (message.type) {
      case 'ready':
        this.#ready = true;
        this.#batcher.clear();
        this.#postSnapshot();
        if (this.#pendingReveal) {
          this.#post({ type: 'reveal', target: this.#pendingReveal });
          this.#pendingReveal = null;
        }
        break;
      case 'openLocation':
        void this.#actions.openLocation({ file: message.file, line: message.line, column: message.column });
        break;
      case 'cancelRun':
        this.#actions.cancelRun(message.sessionId);
        break;
      case 'exportReport':
        void this.#actions.exportReport(message.sessionId, message.format);
        break;
      case 'orchestrateRequest':
        void this.#actions.orchestrateRequest();
        break;
      case 'reviewChange':
        void this.#actions.reviewChange(message.sessionId, message.changeId);
        break;
    }
  }

  #postSnapshot(): void {
    const info = this.#sessionModel.session;
    if (!info) {
      this.#post({ type: 'empty', message: 'No session to show yet. Run "Agent Orchestrator: Orchestrate Request", or open a past session from the Sessions view.' });
      return;
    }
    const folder = vscode.workspace.workspaceFolders?.[0];
    this.#post({
      type: 'snapshot',
      session: { sessionId: info.sessionId, workspaceName: folder?.name ?? '', live: info.live, interactive: true },
      events: [...this.#sessionModel.events],
    });
  }

  #postEvents(events: OrchestratorEvent[]): void {
    const sessionId = this.#sessionModel.sessionId;
    if (!this.#ready || !sessionId) return;
    this.#post({ type: 'events', sessionId, events });
  }

  #post(message: HostToWebviewMessage): void {
    const panel = this.#panel;
    if (!panel) return;
    panel.webview.postMessage(message).then(undefined, (error: unknown) => {
      this.#log.warn(`Could not send ${message.type} to the dashboard: ${(error as Error).message}`);
    });
  }

  dispose(): void {
    this.#panel?.dispose();
    for (const disposable of this.#disposables) disposable.dispose();
  }
}
