import type { Clock, EventJournal } from '../ports';
import {
  EventPayloadSchemas,
  type EventOf,
  type EventPayloadInput,
  type EventType,
  type OrchestratorEvent,
} from '../protocol/events';
import { parseOrThrow } from '../protocol/validation';
import { maskSecretsDeep } from '../security/secretMasking';

export type EventListener = (event: OrchestratorEvent) => void;

/**
 * The ordered, validated event stream of one run. emit() validates the payload, assigns the next seq,
 * makes the event durable through the journal, and only then tells listeners (projections).
 */
export class RunEventStream {
  readonly #sessionId: string;
  readonly #journal: EventJournal;
  readonly #clock: Clock;
  readonly #listeners = new Set<EventListener>();
  readonly #events: OrchestratorEvent[] = [];
  readonly #onListenerError: (error: unknown, event: OrchestratorEvent) => void;
  #seq = 0;

  constructor(
    sessionId: string,
    journal: EventJournal,
    clock: Clock,
    onListenerError: (error: unknown, event: OrchestratorEvent) => void = () => {},
  ) {
    this.#sessionId = sessionId;
    this.#journal = journal;
    this.#clock = clock;
    this.#onListenerError = onListenerError;
  }

  get sessionId(): string {
    return this.#sessionId;
  }

  /** Every event emitted so far, in order. */
  get events(): readonly OrchestratorEvent[] {
    return this.#events;
  }

  emit<K extends EventType>(type: K, payload: EventPayloadInput<K>): EventOf<K> {
    // Last line of defence: whatever an agent put in a payload (a request, a summary, a model's reply), no
    // recognisable secret reaches the journal, the store or a view.
    const parsed = maskSecretsDeep(parseOrThrow(EventPayloadSchemas[type], payload, `${type} event`));
    const event = { sessionId: this.#sessionId, seq: this.#seq + 1, ts: this.#clock.now(), type, payload: parsed } as EventOf<K>;
    this.#journal.append(event);
    this.#seq = event.seq;
    this.#events.push(event);
    for (const listener of [...this.#listeners]) {
      try {
        listener(event);
      } catch (error) {
        // A broken view must not stop the run; the host decides how to surface it.
        this.#onListenerError(error, event);
      }
    }
    return event;
  }

  /** Calls `listener` for every later event; returns the unsubscribe function. */
  subscribe(listener: EventListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }
}
