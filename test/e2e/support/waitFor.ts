// Polling with a time limit whose error says what was awaited (a bare timeout tells nobody anything).

/** Thrown by a probe to stop waiting at once: the awaited state can no longer come (a process exited, a run failed). */
export class GiveUp extends Error {}

/**
 * Polls `probe` until it returns a value other than undefined; rejects after `timeoutMs` naming `what`, or at once
 * when the probe throws GiveUp. Other errors count as "not yet" (an element may be detached while re-rendering).
 */
export async function waitFor<T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined> | T | undefined, intervalMs = 250): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (error) {
      if (error instanceof GiveUp) throw new Error(`Gave up waiting for ${what}: ${error.message}`);
      lastError = error;
    }
    if (Date.now() >= deadline) {
      const cause = lastError instanceof Error ? ` (last error: ${lastError.message.split('\n')[0]})` : '';
      throw new Error(`Timed out after ${Math.round(timeoutMs / 1000)} s waiting for ${what}${cause}`);
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
