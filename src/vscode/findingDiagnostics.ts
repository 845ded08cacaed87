// The shown session's findings in the Problems panel (a projection of the session model). Cleared and refilled
// when another session is shown; updated as findings arrive during a live run, at most every REFRESH_INTERVAL_MS
// (a run reporting thousands of findings must not resend the whole collection per finding). A finding whose path
// leaves the workspace folder, lexically or through a symlink, is not added (it is logged instead).
import path from 'node:path';
import * as vscode from 'vscode';
import type { Finding } from '../core/protocol/findings';
import type { SessionModel } from './sessionModel';
import { diagnosticMessage } from '../core/logging/findingPresentation';
import { DIAGNOSTIC_SOURCE, diagnosticLevelOf, findingRange, type DiagnosticLevel } from '../core/logging/diagnosticMapping';
import { REFRESH_INTERVAL_MS } from './sessionTreeRefresh';
import { Throttle } from './throttle';
import { resolveWorkspaceFile, type WorkspacePathResult } from './workspaceLocation';

const SEVERITIES: Record<DiagnosticLevel, vscode.DiagnosticSeverity> = {
  error: vscode.DiagnosticSeverity.Error,
  warning: vscode.DiagnosticSeverity.Warning,
  information: vscode.DiagnosticSeverity.Information,
  hint: vscode.DiagnosticSeverity.Hint,
};

export class FindingDiagnostics implements vscode.Disposable {
  readonly #collection: vscode.DiagnosticCollection;
  readonly #sessionModel: SessionModel;
  readonly #log: vscode.LogOutputChannel;
  readonly #disposables: vscode.Disposable[] = [];
  /** Finding ids already refused, so a path outside the workspace is logged once per session. */
  #refused = new Set<string>();
  readonly #throttle: Throttle;
  /** Bumped by every refill: a refill whose path checks finish after a newer one started is dropped. */
  #generation = 0;

  constructor(sessionModel: SessionModel, log: vscode.LogOutputChannel) {
    this.#sessionModel = sessionModel;
    this.#log = log;
    this.#collection = vscode.languages.createDiagnosticCollection('agentOrchestrator');
    this.#throttle = new Throttle(() => void this.#refill(), REFRESH_INTERVAL_MS);
    this.#disposables.push(
      this.#collection,
      this.#throttle,
      sessionModel.onDidChangeSession(() => {
        this.#refused = new Set();
        this.#throttle.runNow();
      }),
      sessionModel.onDidAppendEvents((events) => {
        if (events.some((event) => event.type === 'finding.reported')) this.#throttle.schedule();
      }),
      sessionModel.onDidEndLive(() => this.#throttle.flush()),
    );
    void this.#refill();
  }

  /** Rebuilds the collection from the shown session's findings. */
  async #refill(): Promise<void> {
    const generation = ++this.#generation;
    const folder = vscode.workspace.workspaceFolders?.[0];
    // A copy: a live run appends findings while the path checks below are awaited.
    const findings = [...(this.#sessionModel.state?.findings ?? [])];
    if (!folder || findings.length === 0) {
      this.#collection.clear();
      return;
    }
    const checks = new Map<string, Promise<WorkspacePathResult>>();
    for (const finding of findings) if (!checks.has(finding.file)) checks.set(finding.file, resolveWorkspaceFile(folder.uri.fsPath, finding.file));
    const resolvedByFile = new Map(await Promise.all([...checks].map(async ([file, check]) => [file, await check] as const)));
    if (generation !== this.#generation) return;
    const byFile = new Map<string, { uri: vscode.Uri; diagnostics: vscode.Diagnostic[] }>();
    for (const finding of findings) {
      const resolved = resolvedByFile.get(finding.file)!;
      if (!resolved.ok) {
        if (!this.#refused.has(finding.id)) {
          this.#refused.add(finding.id);
          this.#log.warn(`Finding ${finding.ruleId} not shown in Problems: ${resolved.reason}.`);
        }
        continue;
      }
      const uri = vscode.Uri.joinPath(folder.uri, ...path.relative(folder.uri.fsPath, resolved.absolutePath).split(path.sep));
      let entry = byFile.get(uri.toString());
      if (!entry) {
        entry = { uri, diagnostics: [] };
        byFile.set(uri.toString(), entry);
      }
      entry.diagnostics.push(toDiagnostic(finding));
    }
    this.#collection.clear();
    for (const { uri, diagnostics } of byFile.values()) this.#collection.set(uri, diagnostics);
  }

  dispose(): void {
    for (const disposable of this.#disposables) disposable.dispose();
  }
}

function toDiagnostic(finding: Finding): vscode.Diagnostic {
  const range = findingRange(finding);
  // A range past the end of the line is clamped by the editor, so "to the end of the line" needs no document.
  const end = range.endCharacter === 'endOfLine' ? Number.MAX_SAFE_INTEGER : range.endCharacter;
  const diagnostic = new vscode.Diagnostic(
    new vscode.Range(range.startLine, range.startCharacter, range.endLine, end),
    diagnosticMessage(finding),
    SEVERITIES[diagnosticLevelOf(finding.severity)],
  );
  diagnostic.source = DIAGNOSTIC_SOURCE;
  diagnostic.code = finding.ruleId;
  return diagnostic;
}
