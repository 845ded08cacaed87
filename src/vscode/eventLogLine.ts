// One concise line per event for the "Agent Orchestrator" output channel (the live log), e.g.
// `[agent.started] security-auditor: Audit the authentication endpoint`. Free of `vscode`.
import type { OrchestratorEvent } from '../core/protocol/events';
import { countOf, formatDuration, formatEstimate, truncateLine } from './format';
import { messageLabel, messageSummary } from './treePresentation';
import { modelCallDetail } from '../core/logging/format';

function detail(event: OrchestratorEvent): string {
  switch (event.type) {
    case 'run.started':
      return `${event.payload.request} (${event.payload.options.apply ? 'apply changes' : 'dry run'}, ${event.payload.options.allowCommands ? 'commands allowed' : 'no commands'})`;
    case 'plan.created': {
      const plan = event.payload.plan;
      const phases = plan.phases.map((phase) => phase.join(' ∥ ')).join(' → ');
      return `${phases}; ${formatEstimate(plan.estimatedDuration) ?? 'no estimate yet'}`;
    }
    case 'agent.started':
      return `${event.payload.agent}: ${event.payload.task}`;
    case 'agent.tool_called': {
      const { agent, tool, status, durationMs, summary } = event.payload;
      return `${agent} → ${tool} ${status === 'success' ? '✓' : '✗'} ${formatDuration(durationMs)}${summary ? `: ${summary}` : ''}`;
    }
    case 'message.sent':
      return `${messageLabel(event.payload.message)}: ${messageSummary(event.payload.message)}`;
    case 'handoff.initiated': {
      const pkg = event.payload.package;
      return `${pkg.from} → ${pkg.to}: ${pkg.executionContext.task} (${pkg.urgency})`;
    }
    case 'handoff.received':
      return `${event.payload.to} received from ${event.payload.from} (${countOf(event.payload.contextItems, 'context item')})`;
    case 'finding.reported': {
      const finding = event.payload.finding;
      return `${finding.severity} ${finding.ruleId} at ${finding.file}:${finding.line}:${finding.column} (${event.payload.agent}): ${finding.message}`;
    }
    case 'validation.requested':
      return `${event.payload.from} asks ${event.payload.to} to review ${event.payload.files.join(', ') || 'its changes'}`;
    case 'validation.result':
      return `${event.payload.from} ${event.payload.approved ? 'approved' : 'rejected'} the changes of ${event.payload.to}${event.payload.reasons.length > 0 ? `: ${event.payload.reasons.join('; ')}` : ''}`;
    case 'change.proposed':
      return `${event.payload.agent} ${event.payload.applied ? 'changed' : 'proposes a change to'} ${event.payload.file}`;
    case 'change.applied':
      return `change ${event.payload.changeId} to ${event.payload.file} applied (${event.payload.by})`;
    case 'change.discarded':
      return `change ${event.payload.changeId} to ${event.payload.file} discarded (${event.payload.by})`;
    case 'pattern.discovered': {
      const pattern = event.payload.pattern;
      return `${pattern.type}: ${pattern.name} (confidence ${Math.round(pattern.confidence)}%, support ${pattern.support})`;
    }
    case 'learning.recorded': {
      const record = event.payload.record;
      return `${record.agent} (${record.outcomes.success ? 'success' : 'failure'}, ${formatDuration(record.successPatterns.duration)})`;
    }
    case 'agent.completed':
      return `${event.payload.agent} in ${formatDuration(event.payload.durationMs)}: ${event.payload.summary}`;
    case 'agent.failed':
      return `${event.payload.agent} (${event.payload.reason}) after ${formatDuration(event.payload.durationMs)}: ${event.payload.error}`;
    case 'agent.skipped':
      return `${event.payload.agent}: ${event.payload.reason}`;
    case 'model.called':
      return `${event.payload.agent} turn ${event.payload.turn} on ${event.payload.provider}/${event.payload.model}: ${modelCallDetail(event.payload)}`;
    case 'model.exchange':
      return `${event.payload.agent} turn ${event.payload.turn} recorded`;
    case 'agent.waiting':
      return event.payload.waitingFor ? `${event.payload.agent} waits for ${event.payload.waitingFor}${event.payload.detail ? `: ${event.payload.detail}` : ''}` : `${event.payload.agent} resumed`;
    case 'run.completed':
      return `${event.payload.status} in ${formatDuration(event.payload.durationMs)}${event.payload.error ? `: ${event.payload.error}` : ''}`;
  }
}

export function eventLogLine(event: OrchestratorEvent): string {
  return `[${event.type}] ${truncateLine(detail(event), 400)}`;
}
