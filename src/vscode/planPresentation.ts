// What the plan picker of Orchestrate Request shows: a title with agent and phase counts and the learned estimate,
// then the agents grouped by phase, the skipped agents with their reasons, and the planner's warnings.
// Free of `vscode`: the command turns these rows into QuickPick items.
import { describeUncovered, type ExecutionPlan } from '../core/protocol/plan';
import type { RosterEntry } from '../shared/engineProtocol';
import { formatUsageEstimate } from '../core/logging/format';
import { countOf, formatDuration, formatEstimate } from './format';

export type PlanRow =
  | { kind: 'separator'; label: string }
  | { kind: 'agent'; name: string; label: string; description: string; detail: string }
  | { kind: 'skipped'; name: string; label: string; description: string }
  | { kind: 'warning'; label: string };

/** "Plan: 4 agents in 3 phases · ~1.8 s (medium confidence, from 3 runs) · models ~6 turns, ~24k tokens, ~$0.011". */
export function planTitle(plan: ExecutionPlan): string {
  const estimate = formatEstimate(plan.estimatedDuration) ?? 'no estimate yet (no past runs)';
  const usage = plan.estimatedUsage ? ` · models ${formatUsageEstimate(plan.estimatedUsage)}` : '';
  return `Plan: ${countOf(plan.agents.length, 'agent')} in ${countOf(plan.phases.length, 'phase')} · ${estimate}${usage}${plannedBy(plan)}`;
}

/** " · planned by anthropic/claude-sonnet-4-5" for a model's plan; nothing for the rule planner's. */
export function plannedBy(plan: ExecutionPlan): string {
  return plan.source?.kind === 'model' ? ` · planned by ${plan.source.provider}/${plan.source.model}` : '';
}

export function planRows(plan: ExecutionPlan, roster: readonly RosterEntry[]): PlanRow[] {
  const rows: PlanRow[] = [];
  const byName = new Map(plan.agents.map((agent) => [agent.name, agent]));
  const rosterByName = new Map(roster.map((entry) => [entry.name, entry]));
  plan.phases.forEach((phase, index) => {
    rows.push({ kind: 'separator', label: phase.length > 1 ? `Phase ${index + 1} (parallel)` : `Phase ${index + 1}` });
    for (const name of phase) {
      const agent = byName.get(name);
      if (!agent) continue;
      const source = rosterByName.get(name)?.source;
      const estimate = agent.estimatedDuration && agent.estimatedDuration.samples > 0
        ? `~${formatDuration(agent.estimatedDuration.estimated)}`
        : 'no estimate yet';
      const parts = [
        agent.runtime === 'offline' ? 'built-in offline agent' : 'model agent',
        agent.capabilities.length > 0 ? agent.capabilities.join(', ') : 'no capabilities',
        estimate,
      ];
      if (agent.estimatedUsage) parts.push(formatUsageEstimate(agent.estimatedUsage));
      if (agent.dependsOn.length > 0) parts.push(`after ${agent.dependsOn.join(', ')}`);
      if (source && source !== 'builtin') parts.push(source);
      rows.push({ kind: 'agent', name, label: name, description: agent.task, detail: parts.join(' · ') });
    }
  });
  const uncovered = plan.uncovered ?? [];
  if (uncovered.length > 0) {
    rows.push({ kind: 'separator', label: 'Not covered: will not be done' });
    for (const item of uncovered) rows.push({ kind: 'warning', label: describeUncovered(item) });
  }
  if (plan.skipped.length > 0) {
    rows.push({ kind: 'separator', label: 'Skipped' });
    for (const skipped of plan.skipped) rows.push({ kind: 'skipped', name: skipped.name, label: skipped.name, description: skipped.reason });
  }
  // The planner also words each uncovered capability as a warning; it is listed once, above.
  const warnings = plan.warnings.filter((warning) => !uncovered.some((item) => warning === `Not covered: ${describeUncovered(item)}.`));
  if (warnings.length > 0) {
    rows.push({ kind: 'separator', label: 'Warnings' });
    for (const warning of warnings) rows.push({ kind: 'warning', label: warning });
  }
  return rows;
}
