// Collects items and delivers them in one batch per interval (about one frame), so a burst of events reaches the
// webview as one message instead of hundreds. Free of `vscode`.

export class Batcher<T> {
  readonly #deliver: (items: T[]) => void;
  readonly #delayMs: number;
  #pending: T[] = [];
  #timer: ReturnType<typeof setTimeout> | null = null;

  constructor(deliver: (items: T[]) => void, delayMs = 16) {
    this.#deliver = deliver;
    this.#delayMs = delayMs;
  }

  push(items: readonly T[]): void {
    if (items.length === 0) return;
    this.#pending.push(...items);
    this.#timer ??= setTimeout(() => this.flush(), this.#delayMs);
  }

  /** Delivers what is pending now (before a message that must come after these items). */
  flush(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    if (this.#pending.length === 0) return;
    const items = this.#pending;
    this.#pending = [];
    this.#deliver(items);
  }

  /** Drops what is pending (a snapshot replaces it). */
  clear(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    this.#pending = [];
  }

  dispose(): void {
    this.clear();
  }
}
