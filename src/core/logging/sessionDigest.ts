// A past session as bounded plain text for a language model that answers questions about it ("why did the
// validation fail?"). A session can hold thousands of events and model exchanges of megabytes, far more than any
// model's context, so the digest is built to a character budget:
// - first the facts every answer needs, from the fold of the events (outcome, agents and how each ended, the
//   validations with their reasons and evidence, the changes, the findings by severity with the first few, usage);
// - then a timeline, one line per event, chosen by relevance when it does not fit: failures, rejections, errors
//   and events that share a word with the question first, then the rest from the end of the run backwards (the
//   end explains the outcome), and printed in order with a count of what was left out;
// - every line is capped, model exchanges (the raw prompts, already summarised by model.called) are left out,
//   secrets are masked and control characters made visible: the text is the workspace's and the agents', so
//   untrusted.
import { maskSecrets } from '../security/secretMasking';
import type { OrchestratorEvent } from '../protocol/events';
import type { Finding } from '../protocol/findings';
import { foldEvents, runUsage, type RunState } from './runState';
import { humanDuration, usageSummary } from './format';

/** Longest line of the digest; longer ones end with "…". */
export const DIGEST_LINE_MAX = 300;
/** Findings listed one by one; the rest are counted. */
const FINDINGS_LISTED = 15;
/** The facts part takes at most this share of the budget, so the timeline always gets room. */
const FACTS_SHARE = 0.6;

export interface SessionDigestOptions {
  /** The budget of the whole digest, in characters (callers derive it from the model's input limit). */
  maxChars: number;
  /** The user's question: timeline events that share a word with it are kept first. */
  question?: string;
}

export interface SessionDigest {
  text: string;
  /** Events shown in the timeline / events of the session that could be shown (model exchanges aside). */
  timelineEvents: number;
  timelineOmitted: number;
}

/** The session's events as text that fits `maxChars`, for a model's prompt. */
export function sessionDigest(events: readonly OrchestratorEvent[], options: SessionDigestOptions): SessionDigest {
  const maxChars = Math.max(500, Math.floor(options.maxChars));
  const sessionId = events[0]?.sessionId ?? 'unknown';
  const state = foldEvents(sessionId, events);
  const facts = fitLines(factLines(state), Math.floor(maxChars * FACTS_SHARE));
  const timelineBudget = maxChars - facts.length - 1;
  const timeline = timelineOf(events, state.startedAt ?? events[0]?.ts ?? 0, options.question ?? '', timelineBudget);
  return { text: `${facts}\n${timeline.text}`.trimEnd(), timelineEvents: timeline.shown, timelineOmitted: timeline.omitted };
}

/** Untrusted text on one line: secrets masked, control characters and bidi overrides written as escapes, capped. */
export function digestText(value: string, max = DIGEST_LINE_MAX): string {
  const flat = maskSecrets(value)
    .replace(/\s*[\r\n]+\s*/g, ' ')
    .replace(/[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g, (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`)
    .trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

function factLines(state: RunState): string[] {
  const lines: string[] = [];
  const duration = state.durationMs !== null ? ` in ${humanDuration(state.durationMs)}` : '';
  lines.push(`Session ${digestText(state.sessionId)}: "${digestText(state.request)}"`);
  lines.push(`Outcome: ${state.status}${duration}${state.success === false ? ' (not successful)' : ''}${state.error ? `; error: ${digestText(state.error)}` : ''}`);
  if (state.options) {
    lines.push(`Mode: ${state.options.apply ? 'apply changes' : 'dry run (changes proposed as diffs)'}, ${state.options.allowCommands ? 'commands allowed' : 'no commands'}`);
  }
  for (const warning of state.warnings) lines.push(`Setup warning: ${digestText(warning)}`);
  if (state.plan) {
    lines.push(`Plan: ${state.plan.phases.map((phase) => phase.map((name) => digestText(name, 80)).join(' ∥ ')).join(' → ') || 'no agents'}`);
    for (const skipped of state.plan.skipped) lines.push(`Planned but skipped: ${digestText(skipped.name, 80)}: ${digestText(skipped.reason)}`);
    for (const item of state.plan.uncovered ?? []) lines.push(`Not covered by any agent: ${digestText(item.capability, 80)} ("${digestText(item.requestedAs, 120)}")`);
  }
  lines.push('Agents:');
  for (const agent of state.agents) {
    const parts: string[] = [agent.status];
    if (agent.durationMs !== null) parts.push(humanDuration(agent.durationMs));
    if (agent.failureReason) parts.push(`reason ${agent.failureReason}`);
    if (agent.error) parts.push(`error: ${agent.error}`);
    if (agent.skipReason) parts.push(`skipped: ${agent.skipReason}`);
    if (agent.summary) parts.push(`summary: ${agent.summary}`);
    if (agent.filesModified.length > 0) parts.push(`modified ${agent.filesModified.join(', ')}`);
    lines.push(`- ${digestText(agent.name, 80)}: ${digestText(parts.join('; '))}`);
  }
  if (state.validations.length > 0) {
    lines.push('Validations:');
    for (const validation of state.validations) {
      const verdict = validation.approved === null ? 'pending' : validation.approved ? 'approved' : 'REJECTED';
      const reasons = validation.reasons.length > 0 ? `: ${validation.reasons.join('; ')}` : '';
      lines.push(`- ${digestText(`${validation.to} reviewed ${validation.from}'s changes to ${validation.files.join(', ') || 'no files'}: ${verdict}${reasons}`)}`);
    }
  }
  if (state.changes.length > 0) {
    lines.push('Changes:');
    for (const change of state.changes) {
      const status = change.review ?? (change.applied ? 'applied' : 'proposed, not applied');
      lines.push(`- change ${change.id} by ${digestText(change.agent, 80)} to ${digestText(change.file, 200)}: ${status}${change.findingIds.length > 0 ? `, fixes ${change.findingIds.length} finding(s)` : ''}`);
    }
  }
  lines.push(...findingLines(state.findings));
  const usage = runUsage(state);
  if (usage.modelCalls > 0) lines.push(`Model usage: ${usageSummary(usage)}`);
  return lines;
}

function findingLines(findings: readonly Finding[]): string[] {
  if (findings.length === 0) return ['Findings: none'];
  const counts = new Map<string, number>();
  for (const finding of findings) counts.set(finding.severity, (counts.get(finding.severity) ?? 0) + 1);
  const lines = [`Findings: ${findings.length} (${[...counts].map(([severity, count]) => `${count} ${severity}`).join(', ')})`];
  for (const finding of findings.slice(0, FINDINGS_LISTED)) {
    lines.push(`- ${digestText(`${finding.severity} ${finding.ruleId} at ${finding.file}:${finding.line} by ${finding.agent ?? 'an agent'}: ${finding.message}`)}`);
  }
  if (findings.length > FINDINGS_LISTED) lines.push(`- … and ${findings.length - FINDINGS_LISTED} more`);
  return lines;
}

/** Lines joined while they fit; the rest is counted, not cut mid-line. */
function fitLines(lines: readonly string[], budget: number): string {
  const kept: string[] = [];
  let used = 0;
  for (const [index, line] of lines.entries()) {
    if (used + line.length + 1 > budget - 40) {
      kept.push(`(… ${lines.length - index} more lines left out to fit)`);
      break;
    }
    kept.push(line);
    used += line.length + 1;
  }
  return kept.join('\n');
}

interface TimelineLine {
  index: number;
  text: string;
  priority: number;
}

function timelineOf(events: readonly OrchestratorEvent[], startedAt: number, question: string, budget: number): { text: string; shown: number; omitted: number } {
  const terms = questionTerms(question);
  const candidates: TimelineLine[] = [];
  events.forEach((event, index) => {
    const line = eventLine(event);
    if (line === null) return;
    const text = digestText(`+${humanDuration(Math.max(0, event.ts - startedAt))} ${event.type} ${line}`);
    const lower = text.toLowerCase();
    const relevant = terms.some((term) => lower.includes(term));
    candidates.push({ index, text, priority: (isTrouble(event) ? 2 : 0) + (relevant ? 1 : 0) });
  });
  const header = 'Timeline:';
  let used = header.length + 1;
  // Room for the line that counts what was left out.
  const reserve = 200;
  // Highest priority first; within a priority the later event first (the end of a run explains its outcome).
  const ranked = [...candidates].sort((a, b) => b.priority - a.priority || b.index - a.index);
  const chosen = new Set<number>();
  for (const line of ranked) {
    if (used + line.text.length + 1 > budget - reserve) continue;
    chosen.add(line.index);
    used += line.text.length + 1;
  }
  const shown = candidates.filter((line) => chosen.has(line.index));
  const omitted = candidates.length - shown.length;
  const body = shown.map((line) => line.text);
  if (omitted > 0) body.push(`(${omitted} of ${candidates.length} events left out to fit; failures, rejections and events matching the question were kept first)`);
  return { text: [header, ...body].join('\n'), shown: shown.length, omitted };
}

/** Words of four letters or more, minus the ones every question has. */
function questionTerms(question: string): string[] {
  const common = new Set(['what', 'when', 'where', 'which', 'why', 'does', 'did', 'this', 'that', 'with', 'from', 'have', 'were', 'they', 'there', 'about', 'run', 'runs', 'session']);
  const words = question.toLowerCase().match(/[\p{L}\p{N}_-]{4,}/gu) ?? [];
  // "failed" also matches "fail" lines; a crude stem keeps the match useful without a stemmer.
  return [...new Set(words.filter((word) => !common.has(word)).map((word) => (word.length > 6 ? word.slice(0, 6) : word)))];
}

function isTrouble(event: OrchestratorEvent): boolean {
  switch (event.type) {
    case 'agent.failed':
    case 'agent.skipped':
      return true;
    case 'validation.result':
      return !event.payload.approved;
    case 'agent.tool_called':
      return event.payload.status === 'error';
    case 'model.called':
      return event.payload.errorKind !== null;
    case 'run.completed':
      return !event.payload.success;
    default:
      return false;
  }
}

/** The event in words; null for what the facts already hold in full or that only restates other events. */
function eventLine(event: OrchestratorEvent): string | null {
  switch (event.type) {
    case 'run.started':
      return `${event.payload.request}`;
    case 'plan.created':
      return `${event.payload.plan.agents.length} agents in ${event.payload.plan.phases.length} phases`;
    case 'agent.started':
      return `${event.payload.agent}: ${event.payload.task}`;
    case 'agent.tool_called': {
      const { agent, tool, status, durationMs, summary } = event.payload;
      return `${agent} ${tool} ${status} in ${humanDuration(durationMs)}${summary ? `: ${summary}` : ''}`;
    }
    case 'model.called': {
      const call = event.payload;
      return `${call.agent} turn ${call.turn} ${call.provider}/${call.model}${call.errorKind ? ` failed (${call.errorKind})` : ` finished (${call.finishReason ?? 'unknown'})`}`;
    }
    case 'model.exchange':
      return null;
    case 'agent.waiting':
      return event.payload.waitingFor ? `${event.payload.agent} waits for ${event.payload.waitingFor}${event.payload.detail ? `: ${event.payload.detail}` : ''}` : `${event.payload.agent} resumed`;
    case 'message.sent': {
      const message = event.payload.message;
      return `${message.type} ${message.from} → ${message.to}: ${JSON.stringify(message.payload)}`;
    }
    case 'handoff.initiated': {
      const pkg = event.payload.package;
      const context = pkg.executionContext;
      const notes = [...context.warnings, ...context.decisions].join('; ');
      return `${pkg.from} → ${pkg.to}: ${context.task}${notes ? ` (${notes})` : ''}`;
    }
    case 'handoff.received':
      return `${event.payload.to} received from ${event.payload.from}`;
    case 'finding.reported': {
      const finding = event.payload.finding;
      return `${finding.severity} ${finding.ruleId} at ${finding.file}:${finding.line} (${event.payload.agent}): ${finding.message}`;
    }
    case 'validation.requested':
      return `${event.payload.from} asks ${event.payload.to} to review ${event.payload.files.join(', ') || 'its changes'}`;
    case 'validation.result': {
      const { from, to, approved, reasons, evidence } = event.payload;
      const tests = evidence?.tests ? `; tests (${evidence.tests.command}) ${evidence.tests.passed ? 'passed' : 'FAILED'}: ${evidence.tests.summary}` : evidence?.testsNotRun ? `; tests not run: ${evidence.testsNotRun}` : '';
      const parse = evidence && evidence.parseErrors.length > 0 ? `; parse errors: ${evidence.parseErrors.join('; ')}` : '';
      const introduced = evidence && evidence.newFindings.length > 0 ? `; new findings: ${evidence.newFindings.map((finding) => `${finding.ruleId} at ${finding.file}:${finding.line}`).join(', ')}` : '';
      return `validation by ${from} of ${to}'s changes: ${approved ? 'approved' : 'REJECTED'}${reasons.length > 0 ? `: ${reasons.join('; ')}` : ''}${tests}${parse}${introduced}`;
    }
    case 'change.proposed':
      return `${event.payload.agent} ${event.payload.applied ? 'changed' : 'proposes a change to'} ${event.payload.file}`;
    case 'change.applied':
      return `change ${event.payload.changeId} to ${event.payload.file} applied later (${event.payload.by})`;
    case 'change.discarded':
      return `change ${event.payload.changeId} to ${event.payload.file} discarded (${event.payload.by})`;
    case 'pattern.discovered':
      return `${event.payload.pattern.type}: ${event.payload.pattern.name} (confidence ${Math.round(event.payload.pattern.confidence)}%)`;
    case 'learning.recorded':
      return null;
    case 'agent.completed':
      return `${event.payload.agent} in ${humanDuration(event.payload.durationMs)}: ${event.payload.summary}`;
    case 'agent.failed':
      return `${event.payload.agent} (${event.payload.reason}) after ${humanDuration(event.payload.durationMs)}: ${event.payload.error}`;
    case 'agent.skipped':
      return `${event.payload.agent}: ${event.payload.reason}`;
    case 'run.completed':
      return `${event.payload.status} in ${humanDuration(event.payload.durationMs)}${event.payload.error ? `: ${event.payload.error}` : ''}`;
  }
}

/** The prompt budget for a model with `maxInputTokens`: room for the instructions, the question and the answer. */
export function digestBudgetChars(maxInputTokens: number): number {
  // About 3 characters per token for code-heavy English (tokenizers vary: this errs short); 2,000 tokens are left
  // for the instructions, the question and the reply's start. Capped: a huge window answers no better from a
  // longer timeline, and costs more.
  const usableTokens = Math.max(1_000, maxInputTokens - 2_000);
  return Math.min(48_000, usableTokens * 3);
}
