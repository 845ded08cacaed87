// The session the UI shows: a live run in this window, or a past session opened from the store. Holds the events
// and their RunState fold; the dashboard, the trees, the diagnostics and the status bar are projections that
// subscribe to it, so every view agrees on one stream.
import * as vscode from 'vscode';
import type { OrchestratorEvent } from '../core/protocol/events';
import { applyEvent, createRunState, type RunState } from '../core/logging/runState';

export interface ShownSessionInfo {
  sessionId: string;
  /** True while the run is executing in this window; more events will arrive. */
  live: boolean;
}

export class SessionModel implements vscode.Disposable {
  readonly #onDidChangeSession = new vscode.EventEmitter<ShownSessionInfo | null>();
  readonly #onDidAppendEvents = new vscode.EventEmitter<readonly OrchestratorEvent[]>();
  readonly #onDidEndLive = new vscode.EventEmitter<string>();

  /** Another session is shown (or none): views reset from `events` / `state`. */
  readonly onDidChangeSession: vscode.Event<ShownSessionInfo | null> = this.#onDidChangeSession.event;
  /** Events appended to the shown live session, already folded into `state`. */
  readonly onDidAppendEvents: vscode.Event<readonly OrchestratorEvent[]> = this.#onDidAppendEvents.event;
  /** The live run of this session id ended: nothing more will arrive. */
  readonly onDidEndLive: vscode.Event<string> = this.#onDidEndLive.event;

  #info: ShownSessionInfo | null = null;
  #events: OrchestratorEvent[] = [];
  #state: RunState | null = null;

  get session(): ShownSessionInfo | null {
    return this.#info;
  }

  get sessionId(): string | null {
    return this.#info?.sessionId ?? null;
  }

  get live(): boolean {
    return this.#info?.live ?? false;
  }

  /** Every event of the shown session, in seq order. */
  get events(): readonly OrchestratorEvent[] {
    return this.#events;
  }

  get state(): RunState | null {
    return this.#state;
  }

  /** Shows a run that is starting now; its events follow through `appendLiveEvent`. */
  startLive(sessionId: string): void {
    this.#reset({ sessionId, live: true }, []);
  }

  /** Appends an event of the live run; an event of another session is ignored (the UI shows one session). */
  appendLiveEvent(event: OrchestratorEvent): void {
    if (!this.#info?.live) return;
    if (event.sessionId !== this.#info.sessionId) return;
    if (this.#state && event.seq <= this.#state.lastSeq) return;
    this.#events.push(event);
    this.#state = applyEvent(this.#state ?? createRunState(event.sessionId), event);
    this.#onDidAppendEvents.fire([event]);
  }

  /** The live run ended (completed, failed, cancelled, or the engine went away). */
  endLive(sessionId: string): void {
    if (this.#info?.sessionId !== sessionId || !this.#info.live) return;
    this.#info = { sessionId, live: false };
    this.#onDidEndLive.fire(sessionId);
  }

  /** Shows a stored session (replayed through the same fold). */
  showPast(sessionId: string, events: readonly OrchestratorEvent[]): void {
    this.#reset({ sessionId, live: false }, events);
  }

  clear(): void {
    this.#info = null;
    this.#events = [];
    this.#state = null;
    this.#onDidChangeSession.fire(null);
  }

  #reset(info: ShownSessionInfo, events: readonly OrchestratorEvent[]): void {
    this.#info = info;
    this.#events = [...events];
    let state = createRunState(info.sessionId);
    for (const event of events) state = applyEvent(state, event);
    this.#state = state;
    this.#onDidChangeSession.fire(info);
  }

  dispose(): void {
    this.#onDidChangeSession.dispose();
    this.#onDidAppendEvents.dispose();
    this.#onDidEndLive.dispose();
  }
}
