// Small text helpers shared by the Markdown projections, so the log, the dashboard and the report agree on
// how a time, a duration or a table cell looks, and escape what they copy from a run the same way.
import type { ModelUsageTotals } from './runState';

/** `HH:MM:SS.mmm` in UTC: event timestamps are wall-clock milliseconds and logs are read across time zones. */
export function clockTime(ts: number): string {
  return new Date(ts).toISOString().slice(11, 23);
}

/** `HH:MM:SS` in UTC, for compact lists. */
export function shortClockTime(ts: number): string {
  return new Date(ts).toISOString().slice(11, 19);
}

export function isoTime(ts: number | null): string {
  return ts === null ? 'not started' : new Date(ts).toISOString();
}

/** The seed writes agent durations in milliseconds ("7000ms"). */
export function ms(value: number): string {
  return `${Math.round(value)}ms`;
}

/** Human duration for whole runs: "850ms", "7.3 seconds", "35 seconds". */
export function humanDuration(value: number): string {
  if (value < 1000) return ms(value);
  const seconds = Math.round(value / 100) / 10;
  return `${Number.isInteger(seconds) ? seconds.toFixed(0) : seconds.toFixed(1)} seconds`;
}

/**
 * Untrusted text (a request, a finding, a file name, an agent's words) as Markdown shows it, on one line. Markdown
 * previewers render raw HTML, so `<`, `>` and `&` become entities: `<img onerror=…>` reads as text, never runs.
 */
export function mdText(value: string): string {
  return oneLine(value).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** mdText kept inside one table cell: a `|` would start the next column. */
export function cell(value: string): string {
  return mdText(value).replace(/\|/g, '\\|');
}

/**
 * An inline code span of `value` (shown literally, HTML included). The fence is one backtick longer than the
 * longest run inside, so the value cannot close the span and carry on as Markdown; in a table cell its `|` is
 * escaped, which GFM undoes inside code.
 */
export function mdCode(value: string, options: { inTable?: boolean } = {}): string {
  const text = oneLine(value);
  const longestRun = Math.max(0, ...(text.match(/`+/g) ?? []).map((run) => run.length));
  const fence = '`'.repeat(longestRun + 1);
  const padded = longestRun > 0 || text.startsWith(' ') ? ` ${text} ` : text;
  const span = `${fence}${padded}${fence}`;
  return options.inTable ? span.replace(/\|/g, '\\|') : span;
}

/** Control characters (tab and newline aside) and the bidirectional overrides of Trojan Source. */
const UNSAFE_IN_BLOCK = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

/**
 * A fenced code block of `text` (several lines, shown literally). The fence is one backtick longer than the
 * longest run inside (at least three), so no line of the text can close the block and carry on as Markdown.
 * Control characters are written as visible escapes (`\x1b`): a block shows text literally, but `cat` of the file
 * in a terminal would not.
 */
export function mdFence(text: string, info = ''): string {
  const body = text.replace(/\r(?=\n)/g, '').replace(/\n$/, '').replace(UNSAFE_IN_BLOCK, (char) => {
    const code = char.charCodeAt(0);
    return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
  });
  const longestRun = Math.max(0, ...(body.match(/`+/g) ?? []).map((run) => run.length));
  const fence = '`'.repeat(Math.max(3, longestRun + 1));
  return `${fence}${info.replace(/[`\s]/g, '')}\n${body}\n${fence}`;
}

export function oneLine(value: string): string {
  return value.replace(/\s*[\r\n]+\s*/g, ' ').trim();
}

export function capitalize(value: string): string {
  return value.length === 0 ? value : value[0].toUpperCase() + value.slice(1);
}

export function plural(count: number, singular: string, pluralForm = `${singular}s`): string {
  return `${count} ${count === 1 ? singular : pluralForm}`;
}

/** `[██████░░░░] 60% (3/5 agents)`: ten cells, rounded to the nearest cell. */
export function progressBar(done: number, total: number, percent: number): string {
  const filled = Math.max(0, Math.min(10, Math.round(percent / 10)));
  return `[${'█'.repeat(filled)}${'░'.repeat(10 - filled)}] ${percent}% (${done}/${total} agents)`;
}

/** Added and removed line counts of a unified diff, ignoring the file headers. */
export function diffStats(diff: string): { added: number; removed: number } {
  let added = 0;
  let removed = 0;
  for (const line of diff.split('\n')) {
    if (line.startsWith('+++') || line.startsWith('---')) continue;
    if (line.startsWith('+')) added++;
    else if (line.startsWith('-')) removed++;
  }
  return { added, removed };
}

/** Tokens, cost, duration and outcome of one model turn, in one line: "1200 in (800 cached) / 300 out, $0.0042, 1.2s, tool-calls". */
export function modelCallDetail(call: {
  inputTokens: number; outputTokens: number; cachedInputTokens: number; costUsd: number | null; durationMs: number;
  finishReason: string | null; errorKind: string | null;
}): string {
  const cached = call.cachedInputTokens > 0 ? ` (${call.cachedInputTokens} cached)` : '';
  const cost = call.costUsd === null ? 'cost unknown' : formatUsd(call.costUsd);
  const outcome = call.errorKind ? `failed: ${call.errorKind}` : (call.finishReason ?? 'no finish');
  return `${call.inputTokens} in${cached} / ${call.outputTokens} out, ${cost}, ${ms(call.durationMs)}, ${outcome}`;
}

/** Dollars with enough digits that a cheap turn does not read as $0.00. */
export function formatUsd(usd: number): string {
  return usd >= 1 ? `$${usd.toFixed(2)}` : `$${usd.toFixed(4)}`;
}

/** Token counts at a glance: "850", "12.3k", "1.25M". */
export function formatTokens(count: number): string {
  if (count < 1000) return String(count);
  if (count < 1_000_000) return `${(count / 1000).toFixed(count < 10_000 ? 2 : 1).replace(/\.?0+$/, '')}k`;
  return `${(count / 1_000_000).toFixed(2).replace(/\.?0+$/, '')}M`;
}

/** What `model.called` events add up to, for one agent or a whole run: RunState's usage, defined once there. */
export type UsageTotals = ModelUsageTotals;

/** "12.3k in (8k cached) / 1.2k out". */
export function usageTokens(usage: UsageTotals): string {
  const cached = usage.cachedInputTokens > 0 ? ` (${formatTokens(usage.cachedInputTokens)} cached)` : '';
  return `${formatTokens(usage.inputTokens)} in${cached} / ${formatTokens(usage.outputTokens)} out`;
}

/**
 * "$0.0420", "$0.0420 + 2 unpriced", "unknown" (no call had a price), "—" (no call). A partial sum is never shown
 * as the whole cost: the unpriced calls are named.
 */
export function usageCost(usage: UsageTotals): string {
  if (usage.modelCalls === 0) return '—';
  if (usage.unpricedCalls === usage.modelCalls) return 'unknown';
  return usage.unpricedCalls > 0 ? `${formatUsd(usage.costUsd)} + ${usage.unpricedCalls} unpriced` : formatUsd(usage.costUsd);
}

/** "3 turns, 12.3k in / 1.2k out tokens, $0.0420" in one line, for tooltips and summaries. */
export function usageSummary(usage: UsageTotals): string {
  const failed = usage.failedCalls > 0 ? ` (${usage.failedCalls} failed)` : '';
  return `${plural(usage.modelCalls, 'turn')}${failed}, ${usageTokens(usage)} tokens, cost ${usageCost(usage)}`;
}

/** What an agent waits for, as the dashboard and the Agents view say it. */
export const WAITING_LABEL: Record<'model' | 'approval' | 'message' | 'rate-limit' | 'command', string> = {
  model: 'waiting for a model reply',
  approval: 'waiting for approval',
  message: 'waiting for a message',
  'rate-limit': 'waiting out a rate limit',
  command: 'running a command',
};

/**
 * A learned usage estimate in a few words: "~3 turns, ~12.3k tokens, ~$0.0042" (cost left out when no past run
 * had a known price).
 */
export function formatUsageEstimate(estimate: {
  turns: { estimated: number };
  tokens: { estimated: number };
  costUsd: { estimated: number } | null;
}): string {
  const parts = [`~${plural(Math.round(estimate.turns.estimated), 'turn')}`, `~${formatTokens(Math.round(estimate.tokens.estimated))} tokens`];
  if (estimate.costUsd) parts.push(`~${formatUsd(estimate.costUsd.estimated)}`);
  return parts.join(', ');
}
