// Shared shape of benchmark results. Figures are reported, never asserted: a ratio compares a measurement
// with a baseline taken in the same run on the same machine.
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
