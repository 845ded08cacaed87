// Commands on recorded sessions: open one in the dashboard and the views, export its report, delete it.
import * as vscode from 'vscode';
import type { ReportFormat } from '../shared/dashboardProtocol';
import type { SessionSummaryDto } from '../shared/engineProtocol';
import { sessionIdOf } from './commandArgs';
import type { EngineApi } from './engineClient';
import { truncateLine } from './format';
import type { RunController } from './runController';
import { describeEngineFailure } from './runOutcome';
import type { SessionModel } from './sessionModel';
import { sessionDescription } from './treePresentation';
import type { WorkspaceTrustGate } from './workspaceTrust';

export interface SessionCommandDependencies {
  engine: EngineApi;
  sessionModel: SessionModel;
  runs: RunController;
  trust: WorkspaceTrustGate;
  showDashboard: () => void;
  refreshSessions: () => void;
  log: vscode.LogOutputChannel;
}

/** Options a caller (the dashboard, a test) may pass to skip the pickers of Export Report. */
export interface ExportReportOptions {
  format?: ReportFormat;
  /** Where to write; skips the save dialog. */
  uri?: vscode.Uri | { scheme: string; path: string };
}

export class SessionCommands {
  readonly #deps: SessionCommandDependencies;

  constructor(deps: SessionCommandDependencies) {
    this.#deps = deps;
  }

  /** Shows a stored session in the dashboard, the trees and the Problems panel. */
  async loadSession(sessionId: string): Promise<void> {
    const { session, events } = await this.#deps.engine.request('sessionEvents', { sessionId });
    this.#deps.sessionModel.showPast(session.sessionId, events);
  }

  /** Opens a session (id, tree item, or a pick from the list); true when it is shown. */
  async openSession(arg?: unknown): Promise<boolean> {
    const sessionId = sessionIdOf(arg) ?? (await this.#pickSession('Open Session'));
    if (!sessionId) return false;
    const { runs, showDashboard } = this.#deps;
    if (runs.sessionId === sessionId && runs.showLive()) {
      showDashboard();
      return true;
    }
    try {
      await vscode.window.withProgress({ location: vscode.ProgressLocation.Window, title: 'Loading session…' }, () => this.loadSession(sessionId));
    } catch (error) {
      this.#fail('open the session', error);
      return false;
    }
    showDashboard();
    return true;
  }

  /** Writes a session's report (Markdown or JSON) where the user chooses; returns the file written. */
  async exportReport(arg?: unknown, options: ExportReportOptions = {}): Promise<vscode.Uri | undefined> {
    const sessionId = sessionIdOf(arg) ?? this.#deps.sessionModel.sessionId ?? (await this.#pickSession('Export Report'));
    if (!sessionId) return undefined;
    const format = options.format ?? (await pickFormat());
    if (!format) return undefined;
    let report: { content: string; fileName: string };
    try {
      report = await this.#deps.engine.request('exportReport', { sessionId, format });
    } catch (error) {
      this.#fail('export the report', error);
      return undefined;
    }
    let target = uriOf(options.uri);
    if (!target) {
      const folder = vscode.workspace.workspaceFolders?.[0]?.uri;
      target = await vscode.window.showSaveDialog({
        title: 'Export Report',
        saveLabel: 'Export',
        ...(folder ? { defaultUri: vscode.Uri.joinPath(folder, report.fileName) } : {}),
        filters: format === 'json' ? { JSON: ['json'] } : { Markdown: ['md'] },
      });
    }
    if (!target) return undefined;
    // Writing through a link would change whatever file it points to, possibly outside the workspace.
    const existing = await vscode.workspace.fs.stat(target).then((stat) => stat, () => null);
    if (existing && (existing.type & vscode.FileType.SymbolicLink) !== 0) {
      void vscode.window.showErrorMessage(`Not exporting to ${target.fsPath}: it is a symbolic link. Choose another file name.`);
      return undefined;
    }
    try {
      await vscode.workspace.fs.writeFile(target, new TextEncoder().encode(report.content));
    } catch (error) {
      this.#fail(`write ${target.fsPath}`, error);
      return undefined;
    }
    this.#deps.log.info(`Exported the report of ${sessionId} to ${target.toString(true)}`);
    void vscode.window.showInformationMessage(`Report saved to ${vscode.workspace.asRelativePath(target)}.`, 'Open').then((choice) => {
      if (choice) void vscode.window.showTextDocument(target);
    });
    return target;
  }

  /** Deletes a stored session after a confirmation (skipped when `confirm` is false); true when deleted. */
  async deleteSession(arg?: unknown, confirm?: unknown): Promise<boolean> {
    const { trust, runs, engine, sessionModel } = this.#deps;
    if (!trust.allows('delete sessions')) return false;
    const sessionId = sessionIdOf(arg);
    if (!sessionId) return false;
    if (runs.sessionId === sessionId) {
      void vscode.window.showWarningMessage('This session is still running. Cancel the run before deleting it.');
      return false;
    }
    if (confirm !== false) {
      const label = arg && typeof arg === 'object' && 'session' in arg ? `"${truncateLine((arg as { session: SessionSummaryDto }).session.request, 60)}"` : sessionId;
      const choice = await vscode.window.showWarningMessage(
        `Delete session ${label}?`,
        { modal: true, detail: 'Its events, messages and handoffs are removed from the workspace store. What the agents learned from it is kept.' },
        'Delete',
      );
      if (choice !== 'Delete') return false;
    }
    try {
      const { deleted } = await engine.request('deleteSession', { sessionId });
      if (sessionModel.sessionId === sessionId) sessionModel.clear();
      this.#deps.log.info(deleted ? `Deleted session ${sessionId}.` : `Session ${sessionId} was already gone.`);
      return deleted;
    } catch (error) {
      this.#fail('delete the session', error);
      return false;
    } finally {
      this.#deps.refreshSessions();
    }
  }

  async #pickSession(title: string): Promise<string | undefined> {
    let sessions: SessionSummaryDto[];
    try {
      sessions = await this.#deps.engine.request('listSessions', { limit: 200 });
    } catch (error) {
      this.#fail('list the sessions', error);
      return undefined;
    }
    if (sessions.length === 0) {
      void vscode.window.showInformationMessage('No sessions recorded in this workspace yet.');
      return undefined;
    }
    const now = Date.now();
    const picked = await vscode.window.showQuickPick(
      sessions.map((session) => ({
        label: truncateLine(session.request, 100),
        description: sessionDescription(session, now),
        detail: session.sessionId,
        sessionId: session.sessionId,
      })),
      { title, placeHolder: 'Pick a session', matchOnDescription: true, matchOnDetail: true },
    );
    return picked?.sessionId;
  }

  #fail(action: string, error: unknown): void {
    const message = describeEngineFailure(action, error);
    this.#deps.log.error(message);
    void vscode.window.showErrorMessage(message);
  }
}

/** A Uri, or its JSON form (a command's arguments may have crossed a process boundary). */
function uriOf(value: unknown): vscode.Uri | undefined {
  if (value instanceof vscode.Uri) return value;
  if (value && typeof value === 'object' && 'scheme' in value && 'path' in value) {
    const { scheme, path } = value as { scheme: unknown; path: unknown };
    if (typeof scheme === 'string' && typeof path === 'string') return vscode.Uri.from({ scheme, path });
  }
  return undefined;
}

async function pickFormat(): Promise<ReportFormat | undefined> {
  const picked = await vscode.window.showQuickPick(
    [
      { label: 'Markdown', description: '.md — the execution report to read or share', format: 'markdown' as const },
      { label: 'JSON', description: '.json — the same report for tools', format: 'json' as const },
    ],
    { title: 'Export Report', placeHolder: 'Format' },
  );
  return picked?.format;
}
