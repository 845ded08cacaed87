// Reviewing a finished dry run: which of its proposed changes can still be written, and the exact content each
// would write. Pure (no file system): the use case in src/agents/review reads and writes the files.
import { createHash } from 'node:crypto';
import { applyPatch } from 'diff';
import type { ChangeView } from '../logging/runState';
import { maskSecrets } from '../security/secretMasking';

/** SHA-256 (hex) of a file's text: how a change records the content it was made against and the content it makes. */
export function contentHash(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

/** Where a change of a session stands for the user's review. */
export type ChangeReviewStatus = 'pending' | 'applied-in-run' | 'applied' | 'discarded';

export function reviewStatusOf(change: ChangeView): ChangeReviewStatus {
  if (change.review === 'applied') return 'applied';
  if (change.review === 'discarded') return 'discarded';
  return change.applied ? 'applied-in-run' : 'pending';
}

/** The changes `--only` names, in the session's order; throws naming each id the session does not have. */
export function selectChanges(changes: readonly ChangeView[], only: readonly string[] | undefined): ChangeView[] {
  if (!only || only.length === 0) return [...changes];
  const wanted = new Set(only.map((id) => id.trim().replace(/^#/, '')).filter((id) => id.length > 0));
  const known = new Set(changes.map((change) => change.id));
  const unknown = [...wanted].filter((id) => !known.has(id));
  if (unknown.length > 0) {
    const have = changes.length === 0 ? 'it has no changes' : `its changes are ${changes.map((change) => change.id).join(', ')}`;
    throw new UnknownChangeError(`No change ${unknown.join(', ')} in this session: ${have} (see: agent-orchestrator diff <session>).`);
  }
  return changes.filter((change) => wanted.has(change.id));
}

export class UnknownChangeError extends Error {}

/** The content a change writes over `current` (null: the file does not exist), or why it cannot be written. */
export type ProposedContent = { ok: true; content: string } | { ok: false; reason: 'no-hashes' | 'changed' | 'already-there' | 'masked'; message: string };

/**
 * The content `change` would write when the file now holds `current`. Refused when the session predates content
 * hashes, when the file is no longer what the change was made against, and when the recorded diff (made from
 * masked text) cannot reproduce the proposed content exactly, which happens only where it touches a masked secret.
 */
export function proposedContentFor(change: ChangeView, current: string | null): ProposedContent {
  if (change.baseHash === undefined || change.proposedHash === undefined) {
    return { ok: false, reason: 'no-hashes', message: `${change.file}: this session was recorded before changes kept the content they were made against, so it cannot be applied safely. Re-run the request to get a change that can be applied.` };
  }
  const currentHash = current === null ? null : contentHash(current);
  if (currentHash !== change.baseHash) {
    if (currentHash !== null && currentHash === change.proposedHash) {
      return { ok: false, reason: 'already-there', message: `${change.file} already has the proposed content.` };
    }
    const now = current === null ? 'it was deleted' : change.baseHash === null ? 'it was created' : 'its content differs';
    return { ok: false, reason: 'changed', message: `${change.file} changed since the run (${now}): change ${change.id} was not applied. Re-run the request to propose a change against the current file.` };
  }
  const source = current ?? '';
  // The diff was recorded from masked text; masking keeps lines, so each line of the patch is compared with the
  // masked form of the real line, and the real line is kept wherever the patch leaves it unchanged.
  const maskedLines = maskSecrets(source).split('\n');
  const patched = applyPatch(source, change.diff, { compareLine: (lineNumber, _line, _operation, patchContent) => maskedLines[lineNumber - 1] === patchContent });
  if (patched === false || contentHash(patched) !== change.proposedHash) {
    return { ok: false, reason: 'masked', message: `${change.file}: change ${change.id} replaces a line holding a masked secret, so the recorded diff cannot reproduce it exactly; re-run the request with --apply to write it.` };
  }
  return { ok: true, content: patched };
}
