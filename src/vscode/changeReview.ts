// Reviewing a dry run's changes in VS Code: each change opens in a diff editor (the file as it is, left; what the
// change would write, right, from a read-only document), with Apply and Discard as editor title buttons and
// palette commands; "Apply Changes..." picks several at once. Applying goes through the engine process, the same
// use case as `agent-orchestrator apply`, and is refused in Restricted Mode.
import * as vscode from 'vscode';
import type { ChangeResultDto, ReviewedChangeDto } from '../shared/engineProtocol';
import { sessionIdOf } from './commandArgs';
import type { EngineApi } from './engineClient';
import { describeEngineFailure } from './runOutcome';
import type { SessionModel } from './sessionModel';
import type { WorkspaceTrustGate } from './workspaceTrust';

/** Read-only documents holding what a proposed change would write. */
export const PROPOSED_CHANGE_SCHEME = 'agent-orchestrator-proposed';

/** The session and change a proposed-change document shows, from its URI. */
export function changeOfUri(uri: vscode.Uri): { sessionId: string; changeId: string } | undefined {
  if (uri.scheme !== PROPOSED_CHANGE_SCHEME) return undefined;
  const params = new URLSearchParams(uri.query);
  const sessionId = params.get('session');
  const changeId = params.get('change');
  return sessionId && changeId && /^\d+$/.test(changeId) ? { sessionId, changeId } : undefined;
}

export function proposedChangeUri(sessionId: string, change: Pick<ReviewedChangeDto, 'id' | 'file'>, side: 'proposed' | 'missing' = 'proposed'): vscode.Uri {
  // The path names the file, so the tab and the language mode follow it; the query says which change.
  const query = new URLSearchParams({ session: sessionId, change: change.id, ...(side === 'missing' ? { side } : {}) }).toString();
  return vscode.Uri.from({ scheme: PROPOSED_CHANGE_SCHEME, path: `/${change.file}`, query });
}

/** Serves the proposed side of each diff: the content applying the change now would write, asked of the engine. */
export class ProposedChangeDocuments implements vscode.TextDocumentContentProvider {
  readonly #engine: EngineApi;

  constructor(engine: EngineApi) {
    this.#engine = engine;
  }

  async provideTextDocumentContent(uri: vscode.Uri): Promise<string> {
    const target = changeOfUri(uri);
    if (!target) return '';
    if (new URLSearchParams(uri.query).get('side') === 'missing') return '';
    const { changes } = await this.#engine.request('reviewChanges', { sessionId: target.sessionId });
    const change = changes.find((candidate) => candidate.id === target.changeId);
    if (!change) return `Session ${target.sessionId} has no change ${target.changeId}.\n`;
    // The diff is what the run recorded; when the change can no longer be applied, it is what there is to read.
    return change.proposedContent ?? `This change cannot be applied now: ${change.problem ?? change.status}\n\nThe change as recorded:\n\n${change.diff}`;
  }
}

export interface ChangeReviewDependencies {
  engine: EngineApi;
  trust: WorkspaceTrustGate;
  sessionModel: SessionModel;
  /** Shows the session again with the events the review added (the dashboard and trees follow). */
  reloadSession: (sessionId: string) => Promise<void>;
  refreshSessions: () => void;
  log: vscode.LogOutputChannel;
}

/** Options a caller (the dashboard, a test) may pass to skip the pickers. */
export interface ApplyChangesOptions {
  /** The change ids to apply; skips the quick pick. */
  changeIds?: string[];
  /** false skips the confirmation (the user already chose, e.g. in a test). */
  confirm?: boolean;
}

interface ChangePickItem extends vscode.QuickPickItem {
  change: ReviewedChangeDto;
}

export class ChangeReviewCommands {
  readonly #deps: ChangeReviewDependencies;

  constructor(deps: ChangeReviewDependencies) {
    this.#deps = deps;
  }

  /** Opens one change in a diff editor: the file as it is now against what the change would write. */
  async openChangeDiff(arg: unknown): Promise<boolean> {
    const target = changeTarget(arg);
    if (!target) return false;
    const change = (await this.#changes(target.sessionId))?.find((candidate) => candidate.id === target.changeId);
    if (!change) return false;
    await this.#showDiff(target.sessionId, change);
    return true;
  }

  /**
   * "Apply Changes...": the session's changes in a multi-select quick pick, their diffs opened, a confirmation,
   * then the chosen ones written. Returns each change's outcome, or undefined when nothing was applied.
   */
  async applyChanges(arg?: unknown, options: ApplyChangesOptions = {}): Promise<ChangeResultDto[] | undefined> {
    const sessionId = sessionIdOf(arg) ?? this.#deps.sessionModel.sessionId;
    if (!sessionId) {
      void vscode.window.showInformationMessage('Open a session first (Sessions view), then Apply Changes.');
      return undefined;
    }
    // Consent is the user's explicit action in a trusted workspace; Restricted Mode writes nothing.
    if (!this.#deps.trust.allows('apply changes')) return undefined;
    const changes = await this.#changes(sessionId);
    if (!changes) return undefined;
    const pending = changes.filter((change) => change.status === 'pending');
    if (pending.length === 0) {
      void vscode.window.showInformationMessage(changes.length === 0 ? 'This session proposed no changes.' : 'Every change of this session is already applied or discarded.');
      return undefined;
    }
    let chosen: ReviewedChangeDto[];
    if (options.changeIds) {
      chosen = pending.filter((change) => options.changeIds!.includes(change.id));
    } else {
      const picked = await vscode.window.showQuickPick<ChangePickItem>(
        pending.map((change) => ({
          label: `Change ${change.id}: ${change.file}`,
          description: `by ${change.agent}${change.findingIds.length > 0 ? `, fixes ${change.findingIds.length} finding(s)` : ', a revert'}`,
          ...(change.problem ? { detail: `$(warning) ${change.problem}` } : {}),
          picked: change.problem === null,
          change,
        })),
        { title: 'Apply Changes', placeHolder: 'Choose the changes to apply (their diffs open next)', canPickMany: true, matchOnDescription: true },
      );
      if (!picked || picked.length === 0) return undefined;
      chosen = picked.map((item) => item.change);
      for (const change of chosen) await this.#showDiff(sessionId, change);
    }
    if (chosen.length === 0) return undefined;
    if (options.confirm !== false) {
      const files = [...new Set(chosen.map((change) => change.file))];
      const answer = await vscode.window.showWarningMessage(
        `Apply ${chosen.length} change(s) to ${files.join(', ')}?`,
        { modal: true, detail: 'Each file is written only if it is still what the run saw; a file changed since is left as it is.' },
        'Apply',
      );
      if (answer !== 'Apply') return undefined;
    }
    return this.#apply(sessionId, chosen.map((change) => change.id));
  }

  /** Applies the change of the active diff editor (or of `uri`, an editor title button's argument). */
  async applyProposedChange(uri?: unknown): Promise<ChangeResultDto[] | undefined> {
    const target = this.#targetOf(uri);
    if (!target || !this.#deps.trust.allows('apply changes')) return undefined;
    const results = await this.#apply(target.sessionId, [target.changeId]);
    if (results?.every((result) => result.outcome === 'applied' || result.outcome === 'already-applied')) await closeDiffOf(target);
    return results;
  }

  /** Discards the change of the active diff editor: nothing is written, and `apply` leaves it out from then on. */
  async discardProposedChange(uri?: unknown): Promise<ChangeResultDto[] | undefined> {
    const target = this.#targetOf(uri);
    if (!target || !this.#deps.trust.allows('discard changes')) return undefined;
    let results: ChangeResultDto[];
    try {
      ({ results } = await this.#deps.engine.request('discardChanges', { sessionId: target.sessionId, only: [target.changeId] }));
    } catch (error) {
      this.#fail('discard the change', error);
      return undefined;
    }
    await closeDiffOf(target);
    void vscode.window.showInformationMessage(results.map((result) => result.message).join(' '));
    await this.#afterReview(target.sessionId);
    return results;
  }

  #targetOf(uri: unknown): { sessionId: string; changeId: string } | undefined {
    const given = uri instanceof vscode.Uri ? changeOfUri(uri) : changeTarget(uri);
    const active = vscode.window.activeTextEditor?.document.uri;
    const target = given ?? (active ? changeOfUri(active) : undefined);
    if (!target) void vscode.window.showInformationMessage('Open a proposed change first: Agent Orchestrator: Apply Changes..., or a change of the dashboard.');
    return target;
  }

  async #apply(sessionId: string, changeIds: string[]): Promise<ChangeResultDto[] | undefined> {
    let report: { results: ChangeResultDto[]; allApplied: boolean };
    try {
      report = await this.#deps.engine.request('applyChanges', { sessionId, only: changeIds });
    } catch (error) {
      this.#fail('apply the changes', error);
      return undefined;
    }
    for (const result of report.results) this.#deps.log.info(`Apply ${sessionId} change ${result.id}: ${result.outcome}: ${result.message}`);
    if (report.allApplied) {
      void vscode.window.showInformationMessage(report.results.map((result) => result.message).join(' '));
    } else {
      const refused = report.results.filter((result) => result.outcome !== 'applied' && result.outcome !== 'already-applied');
      void vscode.window.showErrorMessage(`Not applied: ${refused.map((result) => result.message).join(' ')}`);
    }
    await this.#afterReview(sessionId);
    return report.results;
  }

  async #afterReview(sessionId: string): Promise<void> {
    this.#deps.refreshSessions();
    if (this.#deps.sessionModel.sessionId === sessionId) await this.#deps.reloadSession(sessionId).catch((error: unknown) => this.#deps.log.warn(`Could not reload ${sessionId}: ${String(error)}`));
  }

  async #changes(sessionId: string): Promise<ReviewedChangeDto[] | undefined> {
    try {
      return (await this.#deps.engine.request('reviewChanges', { sessionId })).changes;
    } catch (error) {
      this.#fail('read the session\'s changes', error);
      return undefined;
    }
  }

  async #showDiff(sessionId: string, change: ReviewedChangeDto): Promise<void> {
    const folder = vscode.workspace.workspaceFolders?.[0]?.uri;
    if (!folder) return;
    const current = vscode.Uri.joinPath(folder, ...change.file.split('/'));
    const exists = await vscode.workspace.fs.stat(current).then(() => true, () => false);
    const left = exists ? current : proposedChangeUri(sessionId, change, 'missing');
    const state = change.status === 'pending' ? 'proposed' : change.status === 'discarded' ? 'discarded' : 'applied';
    await vscode.commands.executeCommand('vscode.diff', left, proposedChangeUri(sessionId, change), `${change.file}: change ${change.id} (${state}) ↔ current`, { preview: false });
  }

  #fail(action: string, error: unknown): void {
    const message = describeEngineFailure(action, error);
    this.#deps.log.error(message);
    void vscode.window.showErrorMessage(message);
  }
}

/** `{ sessionId, changeId }` from a command argument (the dashboard, a test) or a proposed-change URI. */
function changeTarget(arg: unknown): { sessionId: string; changeId: string } | undefined {
  if (arg instanceof vscode.Uri) return changeOfUri(arg);
  if (arg && typeof arg === 'object' && 'sessionId' in arg && 'changeId' in arg) {
    const { sessionId, changeId } = arg as { sessionId: unknown; changeId: unknown };
    if (typeof sessionId === 'string' && typeof changeId === 'string' && /^\d+$/.test(changeId)) return { sessionId, changeId };
  }
  return undefined;
}

/** Closes the diff editors showing this change (it is decided). */
async function closeDiffOf(target: { sessionId: string; changeId: string }): Promise<void> {
  const tabs = vscode.window.tabGroups.all.flatMap((group) => group.tabs).filter((tab) => {
    if (!(tab.input instanceof vscode.TabInputTextDiff)) return false;
    const shown = changeOfUri(tab.input.modified);
    return shown?.sessionId === target.sessionId && shown.changeId === target.changeId;
  });
  if (tabs.length > 0) await vscode.window.tabGroups.close(tabs);
}
