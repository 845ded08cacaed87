// The Sessions view: the workspace's recorded runs, newest first, asked from the engine only when the view is
// shown or refreshed. The live run of this window is marked `session-running` (it cannot be deleted).
import * as vscode from 'vscode';
import type { SessionSummaryDto } from '../shared/engineProtocol';
import type { EngineApi } from './engineClient';
import { engineTreeRows, type TreeErrorItem } from './engineTreeRows';
import type { SessionModel } from './sessionModel';
import { truncateLine } from './format';
import { SESSION_STATUS_ICONS, sessionDescription, sessionTooltip } from './treePresentation';

/** How many sessions the view lists; older ones stay reachable through Open Session. */
export const SESSIONS_SHOWN = 200;

export class SessionTreeItem extends vscode.TreeItem {
  constructor(
    readonly session: SessionSummaryDto,
    running: boolean,
    now: number,
  ) {
    super(truncateLine(session.request, 80), vscode.TreeItemCollapsibleState.None);
    const { icon, color } = SESSION_STATUS_ICONS[running ? 'running' : session.status];
    this.id = `session:${session.sessionId}`;
    this.description = sessionDescription(running ? { ...session, status: 'running' } : session, now);
    this.tooltip = sessionTooltip(session);
    this.iconPath = new vscode.ThemeIcon(icon, color ? new vscode.ThemeColor(color) : undefined);
    this.contextValue = running ? 'session-running' : 'session';
    this.command = { command: 'agentOrchestrator.openSession', title: 'Open Session', arguments: [session.sessionId] };
  }

  get sessionId(): string {
    return this.session.sessionId;
  }
}

export type SessionsTreeElement = SessionTreeItem | TreeErrorItem;

export class SessionsTreeProvider implements vscode.TreeDataProvider<SessionsTreeElement>, vscode.Disposable {
  readonly #onDidChangeTreeData = new vscode.EventEmitter<SessionsTreeElement | undefined>();
  readonly onDidChangeTreeData: vscode.Event<SessionsTreeElement | undefined> = this.#onDidChangeTreeData.event;
  readonly #engine: EngineApi;
  readonly #log: vscode.LogOutputChannel;
  readonly #liveSessionId: () => string | null;
  readonly #subscriptions: vscode.Disposable[];

  /** `liveSessionId` names the run executing in this window, if any. */
  constructor(engine: EngineApi, sessionModel: SessionModel, liveSessionId: () => string | null, log: vscode.LogOutputChannel) {
    this.#engine = engine;
    this.#liveSessionId = liveSessionId;
    this.#log = log;
    // A run starting here adds a `session-running` row; its end turns it into a plain session.
    this.#subscriptions = [
      sessionModel.onDidChangeSession((info) => {
        if (info?.live) this.refresh();
      }),
      sessionModel.onDidEndLive(() => this.refresh()),
    ];
  }

  refresh(): void {
    this.#onDidChangeTreeData.fire(undefined);
  }

  getTreeItem(element: SessionsTreeElement): vscode.TreeItem {
    return element;
  }

  async getChildren(element?: SessionsTreeElement): Promise<SessionsTreeElement[]> {
    if (element) return [];
    return engineTreeRows('list the sessions', this.#log, async () => {
      const sessions = await this.#engine.request('listSessions', { limit: SESSIONS_SHOWN });
      const live = this.#liveSessionId();
      const now = Date.now();
      return sessions.map((session) => new SessionTreeItem(session, session.sessionId === live, now));
    });
  }

  dispose(): void {
    for (const subscription of this.#subscriptions) subscription.dispose();
    this.#onDidChangeTreeData.dispose();
  }
}
