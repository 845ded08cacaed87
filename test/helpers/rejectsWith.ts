import { strict as assert } from 'node:assert';

/** Awaits `promise`, asserts it rejected with an Error, and hands the error to `check`. */
export async function rejectsWith(promise: Promise<unknown>, check: (error: Error) => void): Promise<void> {
  let caught: unknown;
  try {
    await promise;
  } catch (error) {
    caught = error;
  }
  assert.ok(caught instanceof Error, 'expected a rejection');
  check(caught);
}
