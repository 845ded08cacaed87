/** An agent ran past its configured timeout. */
export class AgentTimeoutError extends Error {
  constructor(agent: string, ms: number) {
    super(`${agent} did not finish within its ${ms} ms timeout`);
  }
}

/** The whole run was stopped: by the user (cancelled) or by its own time limit (timed_out). */
export class RunCancelledError extends Error {
  constructor(readonly status: 'cancelled' | 'timed_out', message: string) {
    super(message);
  }
}

/** Rejects when `signal` aborts. Marked handled so a race that has already settled leaves no unhandled rejection. */
export function abortPromise(signal: AbortSignal): Promise<never> {
  const promise = new Promise<never>((_, reject) => {
    if (signal.aborted) reject(signal.reason);
    else signal.addEventListener('abort', () => reject(signal.reason), { once: true });
  });
  promise.catch(() => {});
  return promise;
}
