// What the user is told when a run ends or an engine call fails. Free of `vscode`.
import type { RunState } from '../core/logging/runState';
import { EngineErrorCodes, type EngineResult } from '../shared/engineProtocol';
import { countOf, formatDuration } from './format';
import { settingsNamedIn } from './settings';

export interface Notice {
  level: 'info' | 'warning' | 'error';
  text: string;
}

const SEVERITY_ORDER = ['critical', 'high', 'medium', 'low', 'info'] as const;

function findingsText(state: RunState): string {
  if (state.findings.length === 0) return 'no findings';
  const counts = new Map<string, number>();
  for (const finding of state.findings) counts.set(finding.severity, (counts.get(finding.severity) ?? 0) + 1);
  const bySeverity = SEVERITY_ORDER.filter((severity) => counts.has(severity)).map((severity) => `${counts.get(severity)} ${severity}`);
  return `${countOf(state.findings.length, 'finding')} (${bySeverity.join(', ')})`;
}

function changesText(state: RunState): string | null {
  // The newest change per file decides (a later change may revert an earlier one).
  const latest = new Map(state.changes.map((change) => [change.file, change] as const));
  const changes = [...latest.values()].filter((change) => change.findingIds.length > 0);
  if (changes.length === 0) return null;
  const fixed = new Set(changes.flatMap((change) => change.findingIds)).size;
  const applied = changes.filter((change) => change.applied);
  if (applied.length === changes.length) return `${countOf(fixed, 'fix', 'fixes')} applied to ${countOf(applied.length, 'file')}`;
  if (applied.length === 0) return `${countOf(fixed, 'fix', 'fixes')} proposed as diffs to ${countOf(changes.length, 'file')} (not applied)`;
  return `${countOf(fixed, 'fix', 'fixes')} in ${countOf(changes.length, 'file')}, ${applied.length} applied`;
}

/** The notification at the end of a run: status, findings count and fixes. */
export function runOutcomeNotice(result: EngineResult<'run'>, state: RunState | null): Notice {
  const duration = state?.durationMs !== null && state?.durationMs !== undefined ? ` in ${formatDuration(state.durationMs)}` : '';
  const parts: string[] = [];
  if (state) {
    parts.push(findingsText(state));
    const changes = changesText(state);
    if (changes) parts.push(changes);
    const notDone = state.plan?.uncovered ?? [];
    if (notDone.length > 0) parts.push(`not done: ${notDone.map((item) => `${item.capability.replace(/_/g, ' ')} ("${item.requestedAs}")`).join(', ')}`);
  }
  const details = parts.length > 0 ? `: ${parts.join(', ')}` : '';
  switch (result.status) {
    case 'completed':
      return { level: result.success && (state?.plan?.uncovered ?? []).length === 0 ? 'info' : 'warning', text: `Agent Orchestrator: run completed${duration}${details}.` };
    case 'cancelled': {
      const done = state ? state.agents.filter((agent) => agent.status === 'completed').length : 0;
      const total = state ? state.agents.filter((agent) => agent.status !== 'skipped').length : 0;
      return { level: 'warning', text: `Agent Orchestrator: run cancelled after ${done} of ${countOf(total, 'agent')}${details}.` };
    }
    case 'timed_out':
      return { level: 'error', text: `Agent Orchestrator: run timed out${duration}${details}.` };
    case 'failed':
      return { level: 'error', text: `Agent Orchestrator: run failed${duration}${result.error ? ` (${result.error})` : ''}${details}.` };
  }
}

export const STORE_LOCKED_MESSAGE =
  "Another process is using this workspace's orchestrator store (a CLI run or another window). Try again when it finishes.";

/** An engine failure in words a user can act on; `userSetSettings` lets a configuration error name the setting. */
export function describeEngineFailure(action: string, error: unknown, userSetSettings: readonly string[] = []): string {
  const message = error instanceof Error ? error.message : String(error);
  const code = error && typeof error === 'object' && 'code' in error && typeof error.code === 'string' ? error.code : null;
  switch (code) {
    case EngineErrorCodes.storeLocked:
      return STORE_LOCKED_MESSAGE;
    case EngineErrorCodes.config: {
      const settings = settingsNamedIn(message, userSetSettings);
      if (settings.length > 0) return `The setting ${settings.join(', ')} is invalid: ${message}`;
      return `The orchestrator configuration is invalid: ${message} (check .agent-orchestrator/config.json and the agentOrchestrator.* settings).`;
    }
    case EngineErrorCodes.notFound:
    case EngineErrorCodes.noWorkspace:
    case EngineErrorCodes.engineStopped:
      return message;
    default:
      return `Agent Orchestrator could not ${action}: ${message}`;
  }
}
