// The shown session's findings in the Problems panel (a projection of the session model). Cleared and refilled
// when another session is shown; updated as findings arrive during a live run. A finding whose path leaves the
// workspace folder is not added (it is logged instead).
import path from 'node:path';
import * as vscode from 'vscode';
import type { Finding } from '../core/protocol/findings';
import type { SessionModel } from './sessionModel';
import { DIAGNOSTIC_SOURCE, diagnosticLevelOf, findingRange, type DiagnosticLevel } from './diagnosticMapping';
import { resolveWorkspacePath } from './workspaceLocation';

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

  constructor(sessionModel: SessionModel, log: vscode.LogOutputChannel) {
    this.#sessionModel = sessionModel;
    this.#log = log;
    this.#collection = vscode.languages.createDiagnosticCollection('agentOrchestrator');
    this.#disposables.push(
      this.#collection,
      sessionModel.onDidChangeSession(() => {
        this.#refused = new Set();
        this.#refill();
      }),
      sessionModel.onDidAppendEvents((events) => {
        if (events.some((event) => event.type === 'finding.reported')) this.#refill();
      }),
    );
    this.#refill();
  }

  /** Rebuilds the collection from the shown session's findings (a few hundred at most: cheap). */
  #refill(): void {
    this.#collection.clear();
    const folder = vscode.workspace.workspaceFolders?.[0];
    const findings = this.#sessionModel.state?.findings ?? [];
    if (!folder || findings.length === 0) return;
    const byFile = new Map<string, { uri: vscode.Uri; diagnostics: vscode.Diagnostic[] }>();
    for (const finding of findings) {
      const resolved = resolveWorkspacePath(folder.uri.fsPath, finding.file);
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
    finding.recommendation ? `${finding.message}\nFix: ${finding.recommendation}` : finding.message,
    SEVERITIES[diagnosticLevelOf(finding.severity)],
  );
  diagnostic.source = DIAGNOSTIC_SOURCE;
  diagnostic.code = finding.ruleId;
  return diagnostic;
}
