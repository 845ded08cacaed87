// Shared shape of benchmark results. Figures are reported, never asserted: a ratio compares a measurement
// with a baseline taken in the same run on the same machine.
import { performance } from 'node:perf_hooks';
export interface BenchRow {
  /** What was measured, e.g. "bus send->deliver (validated)". */
  name: string;
  value: number;
  unit: string;
  /** The same quantity for the baseline measured in this run, when there is one. */
  baseline?: { name: string; value: number };
  note?: string;
}

export type Bench = () => Promise<BenchRow[]>;

/** Percentile of already-sorted numbers (nearest rank). */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[index] as number;
}

/** The median of `values`, to 3 decimals. */
export function median(values: readonly number[]): number {
  return Number(percentile([...values].sort((a, b) => a - b), 50).toFixed(3));
}

/** Milliseconds of each of `rounds` sequential calls. */
export async function timeEach(rounds: number, call: () => Promise<unknown>): Promise<number[]> {
  const times: number[] = [];
  for (let i = 0; i < rounds; i += 1) {
    const start = performance.now();
    await call();
    times.push(performance.now() - start);
  }
  return times;
}
