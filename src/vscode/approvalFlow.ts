// How the window answers a model agent's approval request (approval/request), apart from the widgets: show what
// would change, offer Approve / Reject (optional reason) / Approve all of this kind for the run, and turn the
// choice into the decision the engine expects. Questions are asked one at a time (parallel agents queue up), and
// a question the run withdrew (cancelled) is closed and answered as rejected. The widgets are
// src/vscode/approvalPrompt.ts; this part has no `vscode` import so it is tested with a fake.
import type { ApprovalDecision, ApprovalRequest } from '../core/ports';
import { escapeControl } from '../core/files/safeFiles';

export type ApprovalChoice = 'approve' | 'reject' | 'approve-all';

export interface ApprovalOption {
  choice: ApprovalChoice;
  label: string;
}

/** The widgets: shows the proposal (a diff editor, the command in full) and asks. Each closes when `signal` aborts. */
export interface ApprovalUi {
  /** Shows what the request would do; the returned function closes what it opened. */
  show(request: ApprovalRequest): Promise<() => void>;
  /** Undefined: dismissed (Escape) or withdrawn. */
  choose(title: string, options: readonly ApprovalOption[], signal: AbortSignal): Promise<ApprovalChoice | undefined>;
  /** The optional reason for a rejection; undefined when dismissed. */
  askReason(signal: AbortSignal): Promise<string | undefined>;
}

/** One line for the user, with control characters made visible (a workspace file name is untrusted text). */
export function approvalTitle(request: ApprovalRequest): string {
  switch (request.kind) {
    case 'edit':
      return `${escapeControl(request.agent)} wants to change ${escapeControl(request.file)} (${escapeControl(request.tool)})`;
    case 'command':
      return `${escapeControl(request.agent)} wants to run: ${escapeControl(request.command)}`;
    case 'tool':
      return `${escapeControl(request.agent)} wants to use ${escapeControl(request.tool)}`;
  }
}

export function approvalOptions(request: ApprovalRequest): ApprovalOption[] {
  const all = request.kind === 'edit' ? 'Approve all edits for this run' : request.kind === 'command' ? 'Approve all commands for this run' : `Approve all ${escapeControl(request.tool)} calls for this run`;
  return [
    { choice: 'approve', label: 'Approve' },
    { choice: 'reject', label: 'Reject…' },
    { choice: 'approve-all', label: all },
  ];
}

export class ApprovalFlow {
  readonly #ui: ApprovalUi;
  /** The question being asked; the next waits for it, so two agents never share one prompt. */
  #turn: Promise<unknown> = Promise.resolve();

  constructor(ui: ApprovalUi) {
    this.#ui = ui;
  }

  ask(request: ApprovalRequest, signal: AbortSignal): Promise<ApprovalDecision> {
    const answer = this.#turn.then(() => this.#askNow(request, signal));
    this.#turn = answer.catch(() => undefined);
    return answer;
  }

  async #askNow(request: ApprovalRequest, signal: AbortSignal): Promise<ApprovalDecision> {
    if (signal.aborted) return withdrawn();
    const close = await this.#ui.show(request);
    try {
      if (signal.aborted) return withdrawn();
      const choice = await this.#ui.choose(approvalTitle(request), approvalOptions(request), signal);
      if (signal.aborted) return withdrawn();
      // Escape is not consent: nothing is written or run unless the user chose to.
      if (choice === undefined) return { decision: 'reject', reason: 'dismissed without an answer' };
      if (choice === 'reject') {
        const reason = (await this.#ui.askReason(signal))?.trim();
        if (signal.aborted) return withdrawn();
        return { decision: 'reject', reason: reason ? reason : 'no reason given' };
      }
      return { decision: choice };
    } finally {
      close();
    }
  }
}

function withdrawn(): ApprovalDecision {
  return { decision: 'reject', reason: 'the run was cancelled' };
}
