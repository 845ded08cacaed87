// The text of the sidebar trees: labels, descriptions, tooltips and the sections of a handoff package. Free of
// `vscode` so what a user reads is unit-tested; the tree providers wrap these in TreeItems. Agent output is shown
// as plain text only (tooltips are strings, never Markdown or HTML).
import type { Finding } from '../core/protocol/findings';
import type { HandoffPackage } from '../core/protocol/handoff';
import type { LearnedPattern } from '../core/protocol/learning';
import type { Message } from '../core/protocol/messages';
import type { AgentStatus, AgentView, HandoffView } from '../core/logging/runState';
import type { SessionSummaryDto } from '../shared/engineProtocol';
import { findingLabel, findingTooltipLines, scanCoverageLines } from '../core/logging/findingPresentation';
import { countOf, formatDuration, relativeTime, truncateLine } from './format';

/** Codicon and theme color id of an agent's status. */
export const AGENT_STATUS_ICONS: Record<AgentStatus, { icon: string; color: string | null }> = {
  pending: { icon: 'circle-outline', color: null },
  running: { icon: 'sync~spin', color: 'charts.blue' },
  completed: { icon: 'pass', color: 'testing.iconPassed' },
  failed: { icon: 'error', color: 'testing.iconFailed' },
  skipped: { icon: 'circle-slash', color: 'disabledForeground' },
};

/** How long the agent ran (or has been running, measured to the newest event). */
export function agentDurationMs(agent: AgentView, now: number | null): number | null {
  if (agent.durationMs !== null) return agent.durationMs;
  if (agent.status === 'running' && agent.startedAt !== null && now !== null) return Math.max(0, now - agent.startedAt);
  return null;
}

/** "completed · 63 ms", "running · 1.2 s", "pending · est. ~1.8 s", "skipped". */
export function agentDescription(agent: AgentView, now: number | null): string {
  const duration = agentDurationMs(agent, now);
  if (agent.status === 'skipped') return 'skipped';
  if (agent.status === 'pending') return agent.estimatedDurationMs !== null ? `pending · est. ~${formatDuration(agent.estimatedDurationMs)}` : 'pending';
  if (agent.status === 'running' && agent.waitingFor) return `${waitingLabel(agent.waitingFor)}${agent.waitingDetail ? ` · ${truncateLine(agent.waitingDetail, 60)}` : ''}`;
  return duration === null ? agent.status : `${agent.status} · ${formatDuration(duration)}`;
}

/** What a running agent is blocked on, as the Agents view says it. */
export function waitingLabel(waitingFor: NonNullable<AgentView['waitingFor']>): string {
  return waitingFor === 'approval' ? 'waiting for approval' : waitingFor === 'command' ? 'running a command' : `waiting for ${waitingFor}`;
}

export function agentTooltip(agent: AgentView, now: number | null): string {
  const lines = [`${agent.name} — ${agentDescription(agent, now)}`];
  if (agent.task) lines.push(`Task: ${agent.task}`);
  lines.push(`Capabilities: ${agent.capabilities.length > 0 ? agent.capabilities.join(', ') : 'none'}`);
  lines.push(`Tool calls: ${agent.toolCalls}`);
  lines.push(`Messages: ${agent.messagesSent} sent, ${agent.messagesReceived} received`);
  if (agent.filesModified.length > 0) lines.push(`Files modified: ${agent.filesModified.join(', ')}`);
  if (agent.summary) lines.push(`Summary: ${agent.summary}`);
  if (agent.skipReason) lines.push(`Skipped: ${agent.skipReason}`);
  if (agent.error) lines.push(`Error${agent.failureReason ? ` (${agent.failureReason})` : ''}: ${agent.error}`);
  if (agent.scanCoverage) lines.push(...scanCoverageLines(agent.scanCoverage));
  return lines.join('\n');
}

/** "FINDING_REPORT security-auditor → all". */
export function messageLabel(message: Message): string {
  return `${message.type.toUpperCase()} ${message.from} → ${message.to}`;
}

/** The gist of a message's payload, one line. */
export function messageSummary(message: Message): string {
  switch (message.type) {
    case 'finding_report':
      return `${message.payload.severity} ${message.payload.ruleId} at ${message.payload.file}:${message.payload.line}`;
    case 'context_share':
      return message.payload.topic;
    case 'warning':
      return truncateLine(message.payload.message, 100);
    case 'assistance_request':
      return `needs ${message.payload.capability} (${message.payload.urgency})`;
    case 'assistance_response':
      return message.payload.resolved ? 'resolved' : 'not resolved';
    case 'validation_request':
      return message.payload.filesModified.length > 0 ? `review ${message.payload.filesModified.join(', ')}` : 'review requested';
    case 'validation_result':
      return message.payload.approved ? 'approved' : `rejected: ${truncateLine(message.payload.reasons.join('; '), 80)}`;
    case 'handoff':
      return `${truncateLine(message.payload.task, 80)} (${countOf(message.payload.contextItems, 'context item')})`;
    case 'progress_update':
      return `${message.payload.progress}% ${message.payload.status}`;
    case 'pattern_discovered':
      return `${message.payload.pattern} (${Math.round(message.payload.confidence)}%)`;
    case 'optimization_tip':
      return truncateLine(message.payload.tip, 100);
  }
}

/** "high · approved" style description: the priority, then the gist. */
export function messageDescription(message: Message): string {
  return `${message.priority} · ${messageSummary(message)}`;
}

/** "Fix 8 security finding(s) · 12 context items". */
export function handoffDescription(handoff: HandoffView): string {
  return `${truncateLine(handoff.task, 80)} · ${countOf(handoff.contextItems, 'context item')}`;
}

export function handoffTooltip(handoff: HandoffView): string {
  const lines = [`${handoff.from} → ${handoff.to}`, `Task: ${handoff.task}`, `Urgency: ${handoff.urgency}`, `Context items: ${handoff.contextItems}`];
  lines.push(handoff.receivedAt === null ? 'Not received yet' : `Received after ${formatDuration(handoff.receivedAt - handoff.initiatedAt)}`);
  if (handoff.package.requiresValidation) lines.push('Requires validation');
  return lines.join('\n');
}

export interface HandoffSectionItem {
  label: string;
  /** Set for findings: the tree item opens the file at this place. */
  finding?: Pick<Finding, 'file' | 'line' | 'column'>;
  /** Set for file entries: the tree item opens the file. */
  file?: string;
  /** Plain text shown on hover; the label when absent. */
  tooltip?: string;
}

export interface HandoffSection {
  title: string;
  items: HandoffSectionItem[];
}

function textOf(value: unknown): string {
  if (typeof value === 'string') return truncateLine(value, 200);
  try {
    return truncateLine(JSON.stringify(value) ?? String(value), 200);
  } catch {
    return String(value);
  }
}

function nonBlank(values: readonly unknown[]): unknown[] {
  return values.filter((value) => !(value === null || value === undefined || (typeof value === 'string' && value.trim() === '')));
}

/** The package's non-empty parts, in the seed's order: what the receiving agent got. */
export function handoffSections(pkg: HandoffPackage): HandoffSection[] {
  const sections: HandoffSection[] = [];
  const add = (title: string, items: HandoffSectionItem[]): void => {
    if (items.length > 0) sections.push({ title, items });
  };
  const c = pkg.executionContext;
  add('Findings', c.findings.map((finding) => ({
    label: findingLabel(finding),
    finding: { file: finding.file, line: finding.line, column: finding.column },
    tooltip: findingTooltipLines(finding).join('\n'),
  })));
  add('Files modified', nonBlank(c.filesModified).map((file) => ({ label: textOf(file), file: String(file) })));
  add('Files read', nonBlank(c.filesRead).map((file) => ({ label: textOf(file), file: String(file) })));
  add('Decisions', nonBlank(c.decisions).map((value) => ({ label: textOf(value) })));
  add('Warnings', nonBlank(c.warnings).map((value) => ({ label: textOf(value) })));
  add('Discoveries', nonBlank(c.discoveries).map((value) => ({ label: textOf(value) })));
  add('Search results', nonBlank(c.searchResults).map((value) => ({ label: textOf(value) })));
  const r = pkg.recommendations;
  const flags: HandoffSectionItem[] = [];
  if (r.testingNeeded) flags.push({ label: 'Testing needed' });
  if (r.securityReview) flags.push({ label: 'Security review needed' });
  add('Recommendations', [
    ...nonBlank(r.nextActions).map((value) => ({ label: `Next: ${textOf(value)}` })),
    ...nonBlank(r.potentialIssues).map((value) => ({ label: `Issue: ${textOf(value)}` })),
    ...nonBlank(r.optimizations).map((value) => ({ label: `Optimization: ${textOf(value)}` })),
    ...flags,
  ]);
  add('Blocking issues', nonBlank(pkg.blockingIssues).map((value) => ({ label: textOf(value) })));
  const d = pkg.dependencies;
  add('Dependencies', [
    ...nonBlank(d.completedTasks).map((value) => ({ label: `Done: ${textOf(value)}` })),
    ...nonBlank(d.requiredInputs).map((value) => ({ label: `Requires: ${textOf(value)}` })),
    ...nonBlank(d.optionalInputs).map((value) => ({ label: `Optional: ${textOf(value)}` })),
  ]);
  add('MCP data', Object.entries(pkg.mcpData).map(([key, value]) => ({ label: `${key}: ${textOf(value)}` })));
  return sections;
}

/** "100% · support 2 · security-auditor". */
export function patternDescription(pattern: LearnedPattern): string {
  const parts = [`${Math.round(pattern.confidence)}%`, `support ${pattern.support}`];
  if (pattern.agent) parts.push(pattern.agent);
  return parts.join(' · ');
}

export function patternTooltip(pattern: LearnedPattern): string {
  const lines = [pattern.name, `Type: ${pattern.type}`, `Confidence: ${Math.round(pattern.confidence)}%`, `Support: ${countOf(pattern.support, 'run')}`];
  if (pattern.agent) lines.push(`Agent: ${pattern.agent}`);
  if (pattern.sequence.length > 0) lines.push(`Sequence: ${pattern.sequence.join(' → ')}`);
  if (pattern.context) lines.push(`Context: ${pattern.context}`);
  if (pattern.solution) lines.push(`Solution: ${pattern.solution}`);
  lines.push(`Discovered: ${new Date(pattern.discoveredAt).toISOString()}`);
  return lines.join('\n');
}

export const SESSION_STATUS_ICONS: Record<SessionSummaryDto['status'], { icon: string; color: string | null }> = {
  running: { icon: 'sync~spin', color: 'charts.blue' },
  interrupted: { icon: 'debug-disconnect', color: 'charts.yellow' },
  completed: { icon: 'pass', color: 'testing.iconPassed' },
  failed: { icon: 'error', color: 'testing.iconFailed' },
  cancelled: { icon: 'circle-slash', color: 'disabledForeground' },
  timed_out: { icon: 'watch', color: 'charts.orange' },
};

/** "completed · 5 min ago". */
export function sessionDescription(session: SessionSummaryDto, now: number): string {
  return `${session.status.replace('_', ' ')} · ${relativeTime(now, session.startedAt)}`;
}

export function sessionTooltip(session: SessionSummaryDto): string {
  const lines = [session.request, `Session: ${session.sessionId}`, `Status: ${session.status.replace('_', ' ')}`, `Started: ${new Date(session.startedAt).toISOString()}`];
  if (session.completedAt !== null) lines.push(`Duration: ${formatDuration(session.completedAt - session.startedAt)}`);
  if (session.agents.length > 0) lines.push(`Agents: ${session.agents.join(', ')}`);
  lines.push(`Events: ${session.eventCount}`);
  return lines.join('\n');
}
