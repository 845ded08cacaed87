// Every change the run proposed or wrote, each as a unified diff a reviewer can read line by line (added, removed,
// context), with where it stands. In VS Code each change has a button that opens it in a diff editor with Apply
// and Discard; the standalone file has no editor behind it and shows the diffs alone.
import type { ChangeView } from '../../../src/core/logging/runState';
import { boundedDiffLines, changeStatusLabel, DIFF_DOCUMENT_LINES } from '../../../src/core/logging/diffView';
import { diffStats } from '../../../src/core/logging/format';
import type { HostBridge } from '../hostBridge';
import { h, reconcileList } from '../dom';
import { card, emptyNote, type RenderContext, type SectionView } from './section';

/** Fewer changes than this are shown open; more are listed closed so the page stays scannable. */
const OPEN_WHEN_AT_MOST = 3;

/** The diff as a `<pre>` of one span per line, classed by kind; text only, never parsed as HTML. */
export function diffElement(diff: string, moreIn: string): HTMLElement {
  const { lines, omitted } = boundedDiffLines(diff, DIFF_DOCUMENT_LINES);
  if (lines.length === 0) return emptyNote('No difference.');
  const pre = h('pre', { class: 'diff', 'data-testid': 'change-diff' }, lines.map((line) => h('span', { class: `diff-line diff-${line.kind}` }, [line.text || ' '])));
  if (omitted === 0) return pre;
  return h('div', {}, [pre, emptyNote(`${omitted} more lines, see ${moreIn}`)]);
}

export class ChangesView implements SectionView {
  readonly element: HTMLElement;
  readonly #list = h('div', { class: 'change-list' });
  readonly #empty = emptyNote('No changes proposed in this run.');
  readonly #host: HostBridge;

  constructor(host: HostBridge) {
    this.#host = host;
    const { section, body } = card('Changes', { testId: 'changes', className: 'span-all' });
    body.append(this.#empty, this.#list);
    this.element = section;
  }

  update({ state }: RenderContext): void {
    this.#empty.hidden = state.changes.length > 0;
    const open = state.changes.length <= OPEN_WHEN_AT_MOST;
    reconcileList(
      this.#list,
      state.changes,
      // Keyed by what is shown, so a review decision redraws that change alone.
      (change) => `${change.id}:${change.applied}:${change.review ?? ''}`,
      (change) => this.#changeElement(state.sessionId, change, open),
    );
  }

  #changeElement(sessionId: string, change: ChangeView, open: boolean): HTMLElement {
    const { added, removed } = diffStats(change.diff);
    const status = changeStatusLabel(change);
    const summary = h('summary', { class: 'change-summary' }, [
      h('span', { class: 'change-id' }, [`Change ${change.id}`]),
      h('span', { class: 'change-file' }, [change.file]),
      h('span', { class: 'secondary' }, [`by ${change.agent}`]),
      h('span', { class: `chip change-status ${change.applied ? 'is-applied' : change.review === 'discarded' ? 'is-discarded' : 'is-pending'}` }, [status]),
      h('span', { class: 'diff-stat' }, [h('span', { class: 'diff-stat-add' }, [`+${added}`]), ' ', h('span', { class: 'diff-stat-remove' }, [`−${removed}`])]),
    ]);
    const children: HTMLElement[] = [summary];
    if (this.#host.mode === 'vscode' && !change.applied && change.review !== 'discarded') {
      const review = h('button', { type: 'button', class: 'button secondary', 'data-testid': 'review-change' }, ['Review in editor (Apply / Discard)']);
      review.addEventListener('click', () => this.#host.post({ type: 'reviewChange', sessionId, changeId: change.id }));
      children.push(h('div', { class: 'change-actions' }, [review]));
    }
    children.push(diffElement(change.diff, `${sessionId}.report.json`));
    return h('details', { class: 'change', 'data-change-id': change.id, open }, children);
  }
}
