// Short human text for durations, times and estimates in the VS Code UI (status bar, trees, pickers).
import type { Estimate } from '../core/protocol/learning';

/** "850 ms", "1.8 s", "2 min 05 s". */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '?';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const totalSeconds = Math.round(ms / 1000);
  return `${Math.floor(totalSeconds / 60)} min ${String(totalSeconds % 60).padStart(2, '0')} s`;
}

/** Confidence 0-100 in words: estimates from one or two runs are "low", many consistent runs "high". */
export function confidenceWord(confidence: number): 'low' | 'medium' | 'high' {
  if (confidence >= 70) return 'high';
  if (confidence >= 40) return 'medium';
  return 'low';
}

/** "~1.8 s (medium confidence, from 3 runs)", or null when there is no history behind the estimate. */
export function formatEstimate(estimate: Estimate | null | undefined): string | null {
  if (!estimate || estimate.samples === 0) return null;
  const runs = estimate.samples === 1 ? '1 run' : `${estimate.samples} runs`;
  return `~${formatDuration(estimate.estimated)} (${confidenceWord(estimate.confidence)} confidence, from ${runs})`;
}

/** "just now", "5 min ago", "3 h ago", "2 days ago", then the date. */
export function relativeTime(now: number, then: number): string {
  const seconds = Math.max(0, Math.round((now - then) / 1000));
  if (seconds < 45) return 'just now';
  const minutes = Math.round(seconds / 60);
  if (minutes < 60) return `${minutes} min ago`;
  const hours = Math.round(minutes / 60);
  if (hours < 24) return `${hours} h ago`;
  const days = Math.round(hours / 24);
  if (days < 14) return days === 1 ? 'yesterday' : `${days} days ago`;
  return new Date(then).toISOString().slice(0, 10);
}

/** One line, at most `max` characters (an ellipsis marks the cut). */
export function truncateLine(text: string, max = 120): string {
  const line = text.replace(/\s*[\r\n]+\s*/g, ' ').trim();
  return line.length <= max ? line : `${line.slice(0, max - 1)}…`;
}

export function countOf(count: number, singular: string, plural = `${singular}s`): string {
  return `${count} ${count === 1 ? singular : plural}`;
}
