// At most one render per animation frame, however many messages arrive in between: events are folded as they
// come, and the frame draws whatever they changed.
export class FrameScheduler {
  readonly #render: () => void;
  #pending = false;

  constructor(render: () => void) {
    this.#render = render;
  }

  request(): void {
    if (this.#pending) return;
    this.#pending = true;
    requestAnimationFrame(() => {
      this.#pending = false;
      this.#render();
    });
  }
}
