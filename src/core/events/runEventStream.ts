import type { Clock, EventJournal } from '../ports';
import {
  EventPayloadSchemas,
  markValidatedEvent,
  type EventOf,
  type EventPayloadInput,
  type EventType,
  type OrchestratorEvent,
} from '../protocol/events';
import { parseOrThrow } from '../protocol/validation';
import { maskSecretsDeep } from '../security/secretMasking';

export type EventListener = (event: OrchestratorEvent) => void;

/**
 * The ordered, validated event stream of one run. emit() validates the payload, assigns the next seq and hands the
 * event to the journal; listeners (projections, the caller's stream) hear of it only once the journal has made it
 * durable, in order. A durable journal commits in batches off the event loop, so emit() does not wait for the disk:
 * `settled()` does.
 */
export class RunEventStream {
  readonly #sessionId: string;
  readonly #journal: EventJournal;
  readonly #clock: Clock;
  readonly #listeners = new Set<EventListener>();
  readonly #events: OrchestratorEvent[] = [];
  readonly #onListenerError: (error: unknown, event: OrchestratorEvent) => void;
  #seq = 0;
  /** Settles after the last emitted event was delivered (or its journal write failed). */
  #delivered: Promise<void> = Promise.resolve();
  #awaitingDisk = 0;
  /** The journal could not make an event durable: the run must stop, and nothing later is acknowledged. */
  #failure: Error | null = null;

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
    if (this.#failure) throw this.#failure;
    // Last line of defence: whatever an agent put in a payload (a request, a summary, a model's reply), no
    // recognisable secret reaches the journal, the store or a view.
    const parsed = maskSecretsDeep(parseOrThrow(EventPayloadSchemas[type], payload, `${type} event`));
    const event = { sessionId: this.#sessionId, seq: this.#seq + 1, ts: this.#clock.now(), type, payload: parsed } as EventOf<K>;
    markValidatedEvent(event);
    const durable = this.#journal.append(event);
    this.#seq = event.seq;
    this.#events.push(event);
    if (durable === undefined && this.#awaitingDisk === 0) {
      this.#deliver(event);
      return event;
    }
    this.#awaitingDisk++;
    const previous = this.#delivered;
    // Batches settle in order, but an in-memory journal's events may follow a durable one's: chain to keep order.
    this.#delivered = Promise.all([previous, durable]).then(
      () => {
        this.#awaitingDisk--;
        if (!this.#failure) this.#deliver(event);
      },
      (error: unknown) => {
        this.#awaitingDisk--;
        this.#failure ??= error instanceof Error ? error : new Error(String(error));
      },
    );
    return event;
  }

  /**
   * Settles once every event emitted so far is durable and delivered to listeners; rejects if the journal failed
   * to make one durable (that event and all later ones were never acknowledged).
   */
  async settled(): Promise<void> {
    await this.#delivered;
    if (this.#failure) throw this.#failure;
  }

  #deliver(event: OrchestratorEvent): void {
    for (const listener of [...this.#listeners]) {
      try {
        listener(event);
      } catch (error) {
        // A broken view must not stop the run; the host decides how to surface it.
        this.#onListenerError(error, event);
      }
    }
  }

  /** Calls `listener` for every later event; returns the unsubscribe function. */
  subscribe(listener: EventListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }
}
