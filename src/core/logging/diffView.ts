// A unified diff as lines a view can style: the terminal colours them, the Markdown projections fence them, the
// dashboards draw them. One reading of the format, so every view agrees on what was added and what removed.
import { mdCode, mdFence } from './format';

export type DiffLineKind = 'file' | 'hunk' | 'add' | 'remove' | 'context' | 'note';

export interface DiffLine {
  kind: DiffLineKind;
  /** The line as the diff has it (with its `+`, `-` or space), line ending removed. */
  text: string;
}

/** How many lines of one change a bounded view shows before it says how many more there are. */
export const DIFF_PREVIEW_LINES = 60;
/** The Markdown log and report keep whole diffs up to this many lines: a file there stays readable. */
export const DIFF_DOCUMENT_LINES = 2000;

/** The lines of `diff`, each with its kind. An empty diff (a change that changed nothing) has no lines. */
export function diffLines(diff: string): DiffLine[] {
  const lines: DiffLine[] = [];
  const raw = diff.replace(/\r?\n$/, '');
  if (raw.length === 0) return lines;
  for (const text of raw.split(/\r?\n/)) {
    const kind: DiffLineKind = text.startsWith('+++ ') || text.startsWith('--- ') || text === '+++' || text === '---' || text.startsWith('Index: ') || /^=+$/.test(text)
      ? 'file'
      : text.startsWith('@@') ? 'hunk'
        : text.startsWith('+') ? 'add'
          : text.startsWith('-') ? 'remove'
            : text.startsWith('\\') ? 'note'
              : 'context';
    lines.push({ kind, text });
  }
  return lines;
}

/** The first `maxLines` lines of `diff` and how many were left out. */
export function boundedDiffLines(diff: string, maxLines: number): { lines: DiffLine[]; omitted: number } {
  const all = diffLines(diff);
  if (all.length <= maxLines) return { lines: all, omitted: 0 };
  return { lines: all.slice(0, Math.max(0, maxLines)), omitted: all.length - Math.max(0, maxLines) };
}

/**
 * `diff` as a fenced ```diff block for the Markdown log, report and summary; cut after `maxLines` lines with a
 * note saying how many more there are and where the whole diff is (`moreIn`).
 */
export function markdownDiff(diff: string, options: { maxLines?: number; moreIn?: string } = {}): string {
  const { lines, omitted } = boundedDiffLines(diff, options.maxLines ?? DIFF_DOCUMENT_LINES);
  if (lines.length === 0) return '_(no difference)_';
  const block = mdFence(lines.map((line) => line.text).join('\n'), 'diff');
  return omitted > 0 ? `${block}\n\n_${omitted} more lines${options.moreIn ? `, see ${mdCode(options.moreIn)}` : ''}_` : block;
}

/** Where a change stands, in the words every view uses. */
export function changeStatusLabel(change: { applied: boolean; review: 'applied' | 'discarded' | null }): string {
  if (change.review === 'applied') return 'applied in review';
  if (change.review === 'discarded') return 'discarded';
  return change.applied ? 'applied' : 'proposed, not applied';
}
