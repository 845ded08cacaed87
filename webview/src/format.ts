// How the dashboard writes times, durations and statuses. Compact forms: a table cell or a bar label has little room.
import type { AgentStatus, RunState } from '../../src/core/logging/runState';

/** "850 ms", "7.3 s", "2 m 05 s". */
export function duration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) {
    const seconds = ms / 1000;
    return `${seconds < 10 ? seconds.toFixed(1) : Math.round(seconds)} s`;
  }
  const minutes = Math.floor(ms / 60_000);
  const seconds = Math.round((ms % 60_000) / 1000);
  return `${minutes} m ${String(seconds).padStart(2, '0')} s`;
}

// Built once: a formatter per call costs more than the rest of a frame's header update.
const clockFormat = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit', second: '2-digit', hour12: false });
const dateTimeFormat = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'medium', hour12: false });

/** Local wall-clock time with seconds: the reader's own clock, unlike the UTC of the log files. */
export function clock(ts: number): string {
  return clockFormat.format(ts);
}

export function dateTime(ts: number): string {
  return dateTimeFormat.format(ts);
}

export function count(value: number, singular: string, pluralForm = `${singular}s`): string {
  return `${value} ${value === 1 ? singular : pluralForm}`;
}

export const AGENT_STATUS_LABEL: Record<AgentStatus, string> = {
  pending: 'pending',
  running: 'running',
  completed: 'completed',
  failed: 'failed',
  skipped: 'skipped',
};

/** The status word a user and a test look for; "interrupted" when a past run never recorded its end. */
export function runStatusWord(state: RunState, live: boolean): string {
  if (state.status === 'running' && !live) return 'interrupted';
  return state.status === 'timed_out' ? 'timed out' : state.status;
}

/** The CSS class of a status colour: green done, blue running, red failed, yellow interrupted. */
export function runStatusClass(state: RunState, live: boolean): string {
  switch (state.status) {
    case 'completed':
      return 'status-completed';
    case 'running':
      return live ? 'status-running' : 'status-warning';
    case 'cancelled':
    case 'timed_out':
      return 'status-warning';
    case 'failed':
      return 'status-failed';
  }
}

export function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}
