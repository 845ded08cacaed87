// Runs a callback at most once per interval, however often it is asked to (tree refreshes during a run). Free of
// `vscode`. The first request in a quiet period runs at once; later ones collapse into one trailing run.

export class Throttle {
  readonly #callback: () => void;
  readonly #intervalMs: number;
  #timer: ReturnType<typeof setTimeout> | null = null;
  #lastRun = Number.NEGATIVE_INFINITY;
  #disposed = false;

  constructor(callback: () => void, intervalMs: number) {
    this.#callback = callback;
    this.#intervalMs = intervalMs;
  }

  schedule(): void {
    if (this.#disposed || this.#timer) return;
    const wait = this.#lastRun + this.#intervalMs - Date.now();
    if (wait <= 0) {
      this.#run();
      return;
    }
    this.#timer = setTimeout(() => this.#run(), wait);
  }

  /** Runs now if a run is pending (e.g. the run ended: show the final state without waiting). */
  flush(): void {
    if (!this.#timer) return;
    this.#run();
  }

  /** Runs now, cancelling a pending run. */
  runNow(): void {
    if (this.#disposed) return;
    this.#run();
  }

  #run(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    this.#lastRun = Date.now();
    this.#callback();
  }

  dispose(): void {
    this.#disposed = true;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
  }
}
