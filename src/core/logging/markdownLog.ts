// The live execution log in the seed's format, as a projection: each event yields the Markdown to append, so a
// file, an output channel or a terminal can stream it, and a stored session renders to the same text.
import type { OrchestratorEvent } from '../protocol/events';
import { parallelCountOf, parallelWithOf } from './runState';
import type { Message } from '../protocol/messages';
import type { ExecutionPlan } from '../protocol/plan';
import { countContextItems } from '../protocol/handoff';
import { capitalize, clockTime, diffStats, humanDuration, isoTime, mdText, modelCallDetail, ms } from './format';
import { markdownDiff } from './diffView';

/** One-line summary of a message for the log and the dashboard, per message type. */
export function summarizeMessage(message: Message): string {
  switch (message.type) {
    case 'finding_report':
      return `${capitalize(message.payload.severity)} severity: ${mdText(message.payload.message)}`;
    case 'context_share':
      return `Context: ${mdText(message.payload.topic)}`;
    case 'warning': {
      const where = message.payload.file ? ` (${mdText(message.payload.file)}${message.payload.line ? `:${message.payload.line}` : ''})` : '';
      return `Warning: ${mdText(message.payload.message)}${where}`;
    }
    case 'assistance_request':
      return `Needs ${mdText(message.payload.capability)} (urgency: ${message.payload.urgency.toUpperCase()})`;
    case 'assistance_response':
      return message.payload.resolved ? 'Assistance: RESOLVED ✅' : 'Assistance: UNRESOLVED ❌';
    case 'validation_request': {
      const files = message.payload.filesModified;
      const what = files.length > 0 ? ` in ${mdText(files.join(', '))}` : '';
      return message.payload.requestingReview ? `Changes implemented${what}, requesting review` : `Changes implemented${what}`;
    }
    case 'validation_result': {
      const checks = message.payload.evidence?.checks ?? [];
      const evidence = checks.length > 0 ? ` — evidence: ${mdText(checks.map((c) => `${c.name} ${c.status} (${c.detail})`).join('; '))}` : '';
      if (message.payload.approved) return `Status: APPROVED ✅${evidence}`;
      const reasons = message.payload.reasons;
      return `Status: REJECTED ❌${reasons.length > 0 ? ` (${mdText(reasons.join('; '))})` : ''}${evidence}`;
    }
    case 'handoff':
      return `Handoff: ${mdText(message.payload.task)} (urgency: ${message.payload.urgency.toUpperCase()})`;
    case 'progress_update':
      return `Progress: ${Math.round(message.payload.progress)}% ${mdText(message.payload.status)}`.trim();
    case 'pattern_discovered':
      return `Pattern: ${mdText(message.payload.pattern)} (Confidence: ${Math.round(message.payload.confidence)}%)`;
    case 'optimization_tip':
      return `Tip (${message.payload.type}): ${mdText(message.payload.tip)}`;
  }
}

function listOrNone(items: readonly string[]): string {
  return items.length > 0 ? mdText(items.join(', ')) : 'none';
}

/** The agents named as run alongside, and how many more of a wide phase ran alongside unnamed. */
function parallelText(named: readonly string[], count: number): string {
  const more = count - named.length;
  return more > 0 ? `${listOrNone(named)} and ${more} more of its phase` : listOrNone(named);
}

function planBlock(plan: ExecutionPlan): string {
  const lines = ['## Execution Plan', `- Agents: ${listOrNone(plan.agents.map((agent) => agent.name))}`];
  const estimate = plan.estimatedDuration;
  lines.push(
    estimate
      ? `- Estimated Duration: ${ms(estimate.estimated)} (range ${ms(estimate.min)}–${ms(estimate.max)}, confidence ${Math.round(estimate.confidence)}%)`
      : '- Estimated Duration: no history yet',
  );
  lines.push(`- MCP Servers: ${listOrNone(plan.mcpServers)}`);
  lines.push(`- Phases: ${plan.phases.length}`);
  plan.phases.forEach((phase, index) => {
    const mode = phase.length > 1 ? ' (parallel)' : '';
    lines.push(`  - Phase ${index + 1}${mode}: ${listOrNone(phase)}`);
  });
  lines.push(`- Total Tasks: ${plan.agents.length}`);
  if (plan.skipped.length > 0) {
    lines.push('- Skipped Agents:');
    for (const skipped of plan.skipped) lines.push(`  - ${mdText(skipped.name)}: ${mdText(skipped.reason)}`);
  }
  if (plan.warnings.length > 0) {
    lines.push('- Warnings:');
    for (const warning of plan.warnings) lines.push(`  - ⚠️ ${mdText(warning)}`);
  }
  return `${lines.join('\n')}\n\n`;
}

const STATUS_WORD: Record<string, string> = { completed: 'COMPLETED', failed: 'FAILED', cancelled: 'CANCELLED', timed_out: 'TIMED OUT' };

/**
 * Turns events into log text. Stateful only as far as the format needs (one header per section, the session it
 * follows, the last seq seen, so a replay that overlaps is not logged twice).
 */
export class MarkdownLogProjection {
  #sessionId: string | null;
  #lastSeq = 0;
  #liveHeaderWritten = false;
  /** From run.started: whether an unapplied change means "dry run" or was held back for another reason. */
  #dryRun = false;
  /** Changes seen so far: a change's id is its position (see ChangeView.id). */
  #changes = 0;
  /** From plan.created: who runs alongside an agent, for agent.started events that no longer list it. */
  #plan: ExecutionPlan | null = null;

  /** Follows `sessionId`, or the session of the first event it sees. */
  constructor(sessionId?: string) {
    this.#sessionId = sessionId ?? null;
  }

  /** The Markdown to append for `event`; '' when the event adds nothing to the log. */
  apply(event: OrchestratorEvent): string {
    if (this.#sessionId === null) this.#sessionId = event.sessionId;
    if (event.sessionId !== this.#sessionId || event.seq <= this.#lastSeq) return '';
    this.#lastSeq = event.seq;
    const at = `[${clockTime(event.ts)}]`;

    switch (event.type) {
      case 'run.started':
        this.#dryRun = !event.payload.options.apply;
        return [
          '# Agent Orchestrator Execution Log',
          `Session ID: ${mdText(event.sessionId)}`,
          `Started: ${isoTime(event.ts)}`,
          `User Request: ${mdText(event.payload.request)}`,
          ...(event.payload.warnings?.length ? ['', '**Warnings**', ...event.payload.warnings.map((warning) => `- ⚠️ ${mdText(warning)}`)] : []),
          '',
          '',
        ].join('\n');
      case 'plan.created':
        this.#plan = event.payload.plan;
        return planBlock(event.payload.plan);
      case 'learning.recorded':
      case 'validation.requested':
      case 'validation.result':
      case 'handoff.received':
        // The bus carries these as VALIDATION_REQUEST/RESULT and HANDOFF messages, which are logged as 💬 lines;
        // logging the bookkeeping events too would print every step twice.
        return '';
      default:
        return this.#live(this.#entry(event, at));
    }
  }

  #live(entry: string): string {
    if (this.#liveHeaderWritten) return entry;
    this.#liveHeaderWritten = true;
    return `## Live Execution Log\n---\n\n${entry}`;
  }

  #entry(event: OrchestratorEvent, at: string): string {
    switch (event.type) {
      case 'agent.started': {
        const p = event.payload;
        return [
          `🤖 ${at} AGENT START: ${mdText(p.agent)}`,
          `  Task: ${mdText(p.task)}`,
          `  MCP Servers: ${listOrNone(p.mcpServers)}`,
          `  Parallel with: ${parallelText(parallelWithOf(p, this.#plan), parallelCountOf(p, this.#plan))}`,
        ].join('\n') + '\n\n';
      }
      case 'agent.tool_called': {
        const p = event.payload;
        const lines = [`  🔧 ${at} ${mdText(p.agent)} → ${mdText(p.tool)}`, `     Duration: ${ms(p.durationMs)} | Status: ${p.status === 'success' ? '✅' : '❌'}`];
        if (p.summary) lines.push(`     ${mdText(p.summary)}`);
        return lines.join('\n') + '\n\n';
      }
      case 'message.sent': {
        const m = event.payload.message;
        return `  💬 ${at} ${mdText(m.from)} → ${mdText(m.to)}: ${m.type.toUpperCase()}\n     ${summarizeMessage(m)}\n\n`;
      }
      case 'finding.reported': {
        const f = event.payload.finding;
        return [
          `  🔎 ${at} FINDING: ${mdText(event.payload.agent)}`,
          `     ${f.severity.toUpperCase()} ${mdText(f.ruleId)} at ${mdText(f.file)}:${f.line}`,
          `     ${mdText(f.message)}`,
          `     Fix: ${f.fixable ? 'automatic' : `needs a model or a person${f.manualFixReason ? ` (${mdText(f.manualFixReason)})` : ''}`}${f.recommendation ? ` — ${mdText(f.recommendation)}` : ''}`,
        ].join('\n') + '\n\n';
      }
      case 'change.proposed': {
        const p = event.payload;
        const { added, removed } = diffStats(p.diff);
        this.#changes += 1;
        const lines = [`  ✏️ ${at} ${p.applied ? 'CHANGE APPLIED' : 'CHANGE PROPOSED'}: ${mdText(p.agent)} → ${mdText(p.file)}`, `     +${added} −${removed} lines${p.applied ? '' : this.#dryRun ? ' (not applied: dry run)' : ' (not applied)'}`];
        if (p.findingIds.length > 0) lines.push(`     Fixes: ${mdText(p.findingIds.join(', '))}`);
        lines.push(`     Change: ${this.#changes}`);
        // At the margin: indented, the fence would read as an indented code block.
        return `${lines.join('\n')}\n\n${markdownDiff(p.diff, { moreIn: `${this.#sessionId ?? event.sessionId}.report.json` })}\n\n`;
      }
      case 'change.applied':
      case 'change.discarded':
        return `  ${event.type === 'change.applied' ? '✅' : '🗑️'} ${at} CHANGE ${mdText(event.payload.changeId)} ${event.type === 'change.applied' ? 'APPLIED' : 'DISCARDED'} in review (${event.payload.by}): ${mdText(event.payload.file)}\n\n`;
      case 'agent.completed': {
        const p = event.payload;
        const files = p.filesModified.length > 0 ? ` (${mdText(p.filesModified.join(', '))})` : '';
        const coverage = p.scanCoverage;
        const scanned = coverage
          ? [
              `  Files Scanned: ${coverage.filesScanned}`,
              ...coverage.skipped.map((s) => `  Not Scanned (${mdText(s.category)}): ${s.count}: ${mdText(s.reason)}`),
              ...(coverage.parseErrors.length > 0 ? [`  Could Not Parse: ${mdText(coverage.parseErrors.map((e) => `${e.file} (${e.message})`).join('; '))}`] : []),
              ...(coverage.findingsInTests > 0 ? [`  Findings in Tests: ${coverage.findingsInTests} (lower severity)`] : []),
            ]
          : [];
        return [
          `✅ ${at} AGENT COMPLETE: ${mdText(p.agent)}`,
          `  Duration: ${ms(p.durationMs)}`,
          `  Files Modified: ${p.filesModified.length}${files}`,
          ...scanned,
          `  Next Agents: ${listOrNone(p.nextAgents)}`,
        ].join('\n') + '\n\n';
      }
      case 'agent.failed': {
        const p = event.payload;
        return [`❌ ${at} AGENT FAILED: ${mdText(p.agent)}`, `  Duration: ${ms(p.durationMs)}`, `  Reason: ${p.reason} — ${mdText(p.error)}`].join('\n') + '\n\n';
      }
      case 'model.called': {
        const p = event.payload;
        return `  🧠 ${at} ${mdText(p.agent)} → ${mdText(p.provider)}/${mdText(p.model)} turn ${p.turn}\n     ${mdText(modelCallDetail(p))}\n\n`;
      }
      case 'agent.waiting': {
        const p = event.payload;
        return p.waitingFor === 'approval' ? `  ⏸️ ${at} ${mdText(p.agent)} waits for approval: ${mdText(p.detail ?? '')}\n\n` : '';
      }
      case 'agent.skipped':
        return `⏭️ ${at} AGENT SKIPPED: ${mdText(event.payload.agent)}\n  Reason: ${mdText(event.payload.reason)}\n\n`;
      case 'handoff.initiated': {
        const pkg = event.payload.package;
        const lines = [
          `🤝 ${at} HANDOFF: ${mdText(pkg.from)} → ${mdText(pkg.to)}`,
          `  Task: ${mdText(pkg.executionContext.task)}`,
          `  Urgency: ${pkg.urgency.toUpperCase()}`,
          `  Context Items: ${countContextItems(pkg)}`,
        ];
        if (pkg.blockingIssues.length > 0) lines.push(`  Blocking Issues: ${pkg.blockingIssues.map(mdText).join('; ')}`);
        return lines.join('\n') + '\n\n';
      }
      case 'pattern.discovered': {
        const pattern = event.payload.pattern;
        const who = event.payload.agent ?? pattern.agent ?? 'learning system';
        const sequence = pattern.sequence.length > 0 ? ` (${mdText(pattern.sequence.join(' → '))})` : '';
        return [
          `🎓 ${at} PATTERN DISCOVERED: ${mdText(who)}`,
          `  Pattern: ${mdText(pattern.name)}${sequence}`,
          `  Confidence: ${Math.round(pattern.confidence)}%`,
          `  Support: ${pattern.support} run${pattern.support === 1 ? '' : 's'}`,
        ].join('\n') + '\n\n';
      }
      case 'run.completed': {
        const p = event.payload;
        const lines = [`${p.success ? '✅' : '❌'} ${at} EXECUTION COMPLETE`];
        if (!p.success) lines.push(`  Status: ${STATUS_WORD[p.status] ?? p.status.toUpperCase()}`);
        if (p.error) lines.push(`  Error: ${mdText(p.error)}`);
        lines.push(`  Total Duration: ${humanDuration(p.durationMs)}`);
        return lines.join('\n') + '\n';
      }
      default:
        return '';
    }
  }
}

/** The whole log of a stored or finished session. */
export function renderMarkdownLog(events: Iterable<OrchestratorEvent>, sessionId?: string): string {
  const projection = new MarkdownLogProjection(sessionId);
  let text = '';
  for (const event of events) text += projection.apply(event);
  return text;
}
