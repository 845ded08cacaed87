// What the page shows, as data: the run state folded from the session's events, the session it belongs to, and
// which sections an applied event made stale. Events are folded the moment they arrive; drawing waits for the
// next animation frame and touches only the sections marked dirty here.
import type { DashboardSession } from '../../src/shared/dashboardProtocol';
import { applyEvent, createRunState, type RunState } from '../../src/core/logging/runState';
import type { EventType, OrchestratorEvent } from '../../src/core/protocol/events';

export type SectionId =
  | 'header'
  | 'progress'
  | 'agents'
  | 'flow'
  | 'timeline'
  | 'findings'
  | 'changes'
  | 'handoffs'
  | 'messages'
  | 'metrics'
  | 'patterns'
  | 'summary'
  | 'recommendations';

export const ALL_SECTIONS: readonly SectionId[] = [
  'header',
  'progress',
  'agents',
  'flow',
  'timeline',
  'findings',
  'changes',
  'handoffs',
  'messages',
  'metrics',
  'patterns',
  'summary',
  'recommendations',
];

// What each event can change on screen. The header (elapsed time) follows every event; the timeline does too
// while an agent runs, because a running bar ends at the newest event.
const SECTIONS_BY_EVENT: Record<EventType, readonly SectionId[]> = {
  'run.started': ['metrics', 'summary', 'recommendations'],
  'plan.created': ['progress', 'agents', 'flow', 'timeline', 'summary', 'recommendations'],
  'agent.started': ['progress', 'agents', 'flow', 'timeline', 'metrics', 'summary', 'recommendations'],
  'agent.tool_called': ['agents', 'metrics', 'summary', 'recommendations'],
  'model.called': ['agents', 'metrics', 'summary'],
  'model.exchange': [],
  'agent.waiting': ['agents'],
  'message.sent': ['agents', 'flow', 'messages', 'metrics', 'summary'],
  'handoff.initiated': ['handoffs', 'summary'],
  'handoff.received': ['handoffs'],
  'finding.reported': ['findings', 'summary', 'recommendations'],
  'validation.requested': ['summary'],
  'validation.result': ['summary', 'recommendations'],
  'change.proposed': ['agents', 'changes', 'summary', 'recommendations'],
  'change.applied': ['changes', 'summary', 'recommendations'],
  'change.discarded': ['changes', 'recommendations'],
  'pattern.discovered': ['patterns'],
  'learning.recorded': [],
  // Findings too: a scanning agent's completion carries its scan coverage, shown under the findings.
  'agent.completed': ['progress', 'agents', 'flow', 'timeline', 'metrics', 'summary', 'recommendations', 'findings'],
  'agent.failed': ['progress', 'agents', 'flow', 'timeline', 'metrics', 'summary', 'recommendations'],
  'agent.skipped': ['progress', 'agents', 'flow', 'timeline', 'summary', 'recommendations'],
  'run.completed': ['progress', 'timeline', 'metrics', 'summary', 'recommendations'],
};

export type DashboardView =
  | { kind: 'loading' }
  | { kind: 'empty'; message: string }
  | { kind: 'session'; session: DashboardSession; state: RunState };

export class DashboardModel {
  #view: DashboardView = { kind: 'loading' };
  readonly #dirty = new Set<SectionId>();
  /** True when the page must be rebuilt (another session, or a switch between empty and a session). */
  #layoutChanged = true;

  get view(): DashboardView {
    return this.#view;
  }

  /** Replaces whatever was shown with `session` and its events so far. */
  loadSession(session: DashboardSession, events: readonly OrchestratorEvent[]): void {
    const state = createRunState(session.sessionId);
    for (const event of events) applyEvent(state, event);
    this.#view = { kind: 'session', session: { ...session }, state };
    this.#layoutChanged = true;
    this.#markAll();
  }

  /** Folds new events of the session on screen; returns false (and changes nothing) for another session's events. */
  applyEvents(sessionId: string, events: readonly OrchestratorEvent[]): boolean {
    const view = this.#view;
    if (view.kind !== 'session' || view.session.sessionId !== sessionId) return false;
    const state = view.state;
    for (const event of events) {
      const before = state.lastSeq;
      applyEvent(state, event);
      if (state.lastSeq === before) continue;
      for (const section of SECTIONS_BY_EVENT[event.type]) this.#dirty.add(section);
    }
    this.#dirty.add('header');
    if (state.agents.some((agent) => agent.status === 'running')) this.#dirty.add('timeline');
    return true;
  }

  /** The live run ended in the host: no more events, so no Cancel button. */
  endSession(sessionId: string): void {
    const view = this.#view;
    if (view.kind !== 'session' || view.session.sessionId !== sessionId) return;
    view.session.live = false;
    // A run that ended here without run.completed now reads as interrupted, in the header and the summary.
    this.#dirty.add('header');
    this.#dirty.add('summary');
  }

  showEmpty(message: string): void {
    this.#view = { kind: 'empty', message };
    this.#layoutChanged = true;
    this.#markAll();
  }

  markDirty(section: SectionId): void {
    this.#dirty.add(section);
  }

  hasWork(): boolean {
    return this.#layoutChanged || this.#dirty.size > 0;
  }

  /** Hands the pending work to the renderer and resets it. */
  takeWork(): { layoutChanged: boolean; dirty: ReadonlySet<SectionId> } {
    const work = { layoutChanged: this.#layoutChanged, dirty: new Set(this.#dirty) };
    this.#layoutChanged = false;
    this.#dirty.clear();
    return work;
  }

  #markAll(): void {
    for (const section of ALL_SECTIONS) this.#dirty.add(section);
  }
}
