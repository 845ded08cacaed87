// The review of a finished dry run as one use case for every host (the CLI's `diff` and `apply`, VS Code's Apply
// Changes through the engine process): list the proposed changes with the content each would write, write the
// chosen ones, and record what was applied or discarded as events of the session, so `show` and every view report
// it and a second apply says "already applied".
import path from 'node:path';
import { ensureDirInside, readFileNoFollow, realPathInside, writeFileAtomicInside } from '../../core/files/safeFiles';
import { foldEvents, type ChangeView } from '../../core/logging/runState';
import { systemClock, type Clock } from '../../core/ports';
import type { OrchestratorEvent } from '../../core/protocol/events';
import { proposedContentFor, reviewStatusOf, selectChanges, type ChangeReviewStatus } from '../../core/review/changeReview';
import type { SessionStore } from '../../core/store/sessionStore';

/** One change of a session as a reviewer sees it. */
export interface ReviewedChange {
  id: string;
  file: string;
  agent: string;
  status: ChangeReviewStatus;
  findingIds: string[];
  diff: string;
  /** What applying it now would write (after the earlier pending changes of the same file); null when it cannot be. */
  proposedContent: string | null;
  /** Why it cannot be applied now; null when it can (or was already applied). */
  problem: string | null;
}

export type ApplyOutcome = 'applied' | 'already-applied' | 'refused' | 'discarded' | 'skipped';

export interface ChangeResult {
  id: string;
  file: string;
  outcome: ApplyOutcome;
  /** One sentence naming the file: what happened, and what to do when it was refused. */
  message: string;
}

export interface ApplyReport {
  sessionId: string;
  results: ChangeResult[];
  /** True when every change asked for is now on disk (applied now, earlier, or in the run). */
  allApplied: boolean;
}

export class ReviewUnavailableError extends Error {}

/** The file's current text, or null when it does not exist; refuses a path that leaves the workspace or is a link. */
function readCurrent(workspaceRoot: string, file: string): string | null {
  const bytes = readFileNoFollow(realPathInside(workspaceRoot, file));
  return bytes === null ? null : bytes.toString('utf8');
}

function sessionChanges(store: SessionStore, sessionId: string): { changes: ChangeView[]; events: OrchestratorEvent[] } {
  const session = store.getSession(sessionId);
  if (!session) throw new ReviewUnavailableError(`No session ${sessionId} in this workspace.`);
  if (session.status === 'running') throw new ReviewUnavailableError(`Session ${sessionId} is still running: wait until it ends, then review its changes.`);
  const events = store.getEvents(sessionId);
  return { changes: foldEvents(sessionId, events).changes, events };
}

/** The change this one was made on top of (an earlier change of the same file), when that one is not on disk. */
function pendingPredecessor(changes: readonly ChangeView[], change: ChangeView): ChangeView | undefined {
  const earlier = changes.slice(0, changes.indexOf(change));
  return earlier.reverse().find((other) => other.file === change.file && other.proposedHash !== undefined && other.proposedHash === change.baseHash && !other.applied);
}

/**
 * Every change of the session with what applying it now would write. Pending changes of one file are previewed
 * in order, each over the one before, as `apply` would write them.
 */
export function reviewChanges(workspaceRoot: string, store: SessionStore, sessionId: string): ReviewedChange[] {
  const { changes } = sessionChanges(store, sessionId);
  const simulated = new Map<string, string | null>();
  return changes.map((change) => {
    const status = reviewStatusOf(change);
    const base = { id: change.id, file: change.file, agent: change.agent, status, findingIds: [...change.findingIds], diff: change.diff };
    if (status === 'applied' || status === 'applied-in-run') return { ...base, proposedContent: null, problem: null };
    let current: string | null;
    try {
      current = simulated.has(change.file) ? simulated.get(change.file)! : readCurrent(workspaceRoot, change.file);
    } catch (error) {
      return { ...base, proposedContent: null, problem: (error as Error).message };
    }
    const proposed = proposedContentFor(change, current);
    if (!proposed.ok) return { ...base, proposedContent: null, problem: proposed.message };
    if (status === 'pending') simulated.set(change.file, proposed.content);
    return { ...base, proposedContent: proposed.content, problem: null };
  });
}

function appendReviewEvent(store: SessionStore, sessionId: string, clock: Clock, type: 'change.applied' | 'change.discarded', change: ChangeView, by: 'cli' | 'vscode'): void {
  const last = store.getEvents(sessionId).at(-1)?.seq ?? 0;
  // Applied to the store's tables at once; on disk with the journal's next batch, and at the latest in the snapshot
  // the caller's close() writes. A batch that cannot be written is reported there, so it is not a second error here.
  store.append({ sessionId, seq: last + 1, ts: clock.now(), type, payload: { changeId: change.id, file: change.file, by } } as OrchestratorEvent).catch(() => undefined);
}

export interface ApplyOptions {
  workspaceRoot: string;
  /** Opened for writing: the outcome is recorded in it. */
  store: SessionStore;
  sessionId: string;
  /** Change ids to apply; absent: every change not discarded. */
  only?: readonly string[];
  by: 'cli' | 'vscode';
  clock?: Clock;
}

/**
 * Writes the chosen changes of a finished dry run, in the session's order, each only over the exact content it
 * was made against (by content hash), atomically and never through a symbolic link; refuses the rest one by one
 * with a message naming the file. What was written is recorded in the store.
 */
export function applyReviewedChanges(options: ApplyOptions): ApplyReport {
  const { workspaceRoot, store, sessionId, by } = options;
  const clock = options.clock ?? systemClock;
  const root = path.resolve(workspaceRoot);
  const { changes } = sessionChanges(store, sessionId);
  const chosen = selectChanges(changes, options.only);
  const explicit = options.only !== undefined && options.only.length > 0;
  const results: ChangeResult[] = [];
  for (const change of chosen) {
    const result = (outcome: ApplyOutcome, message: string): void => void results.push({ id: change.id, file: change.file, outcome, message });
    const status = reviewStatusOf(change);
    if (status === 'applied-in-run') { result('already-applied', `${change.file}: change ${change.id} was already applied during the run.`); continue; }
    if (status === 'applied') { result('already-applied', `${change.file}: change ${change.id} is already applied.`); continue; }
    if (status === 'discarded' && !explicit) { result('discarded', `${change.file}: change ${change.id} was discarded in review (name it with --only to apply it anyway).`); continue; }
    let current: string | null;
    try {
      current = readCurrent(root, change.file);
    } catch (error) {
      result('refused', `${change.file}: change ${change.id} was not applied: ${(error as Error).message}`);
      continue;
    }
    const proposed = proposedContentFor(change, current);
    if (!proposed.ok) {
      if (proposed.reason === 'already-there') {
        // Written before (by hand, or by an apply that stopped before recording it): recorded now, not written again.
        appendReviewEvent(store, sessionId, clock, 'change.applied', change, by);
        change.applied = true;
        result('already-applied', `${change.file}: change ${change.id} is already applied (the file has the proposed content).`);
        continue;
      }
      const before = proposed.reason === 'changed' ? pendingPredecessor(changes, change) : undefined;
      result('refused', before
        ? `${change.file}: change ${change.id} builds on change ${before.id}, which is not applied: apply ${before.id} first, or both together.`
        : proposed.message);
      continue;
    }
    try {
      ensureDirInside(root, path.dirname(path.resolve(root, change.file)));
      writeFileAtomicInside(root, change.file, proposed.content);
    } catch (error) {
      result('refused', `${change.file}: change ${change.id} was not applied: ${(error as Error).message}`);
      continue;
    }
    appendReviewEvent(store, sessionId, clock, 'change.applied', change, by);
    change.applied = true;
    result('applied', `${change.file}: change ${change.id} applied.`);
  }
  return { sessionId, results, allApplied: results.every((r) => r.outcome === 'applied' || r.outcome === 'already-applied') };
}

/** Marks the chosen pending changes as discarded (nothing is written); `apply` without `--only` then leaves them out. */
export function discardReviewedChanges(options: Omit<ApplyOptions, 'only'> & { only: readonly string[] }): ChangeResult[] {
  const { store, sessionId, by } = options;
  const clock = options.clock ?? systemClock;
  const { changes } = sessionChanges(store, sessionId);
  return selectChanges(changes, options.only).map((change) => {
    const status = reviewStatusOf(change);
    if (status !== 'pending') return { id: change.id, file: change.file, outcome: 'skipped' as const, message: `${change.file}: change ${change.id} is ${status === 'discarded' ? 'already discarded' : 'already applied'}.` };
    appendReviewEvent(store, sessionId, clock, 'change.discarded', change, by);
    return { id: change.id, file: change.file, outcome: 'discarded' as const, message: `${change.file}: change ${change.id} discarded.` };
  });
}
