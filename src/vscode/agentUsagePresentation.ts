// The model part of an agent's line in the Agents view: which model, how many tokens, what it cost. Kept apart
// from treePresentation's status text so each can change without touching the other.
import type { AgentView } from '../core/logging/runState';
import { formatTokens, usageCost, usageSummary } from '../core/logging/format';

/** "openai/gpt-4o-mini · 12.3k tok · $0.0042"; empty for an agent that never called a model. */
export function agentUsageDescription(agent: AgentView): string {
  const usage = agent.usage;
  if (!agent.model && (usage?.modelCalls ?? 0) === 0) return '';
  const parts: string[] = [];
  if (agent.model) parts.push(agent.model);
  if (usage && usage.modelCalls > 0) {
    parts.push(`${formatTokens(usage.inputTokens + usage.outputTokens)} tok`);
    parts.push(usageCost(usage));
  }
  return parts.join(' · ');
}

/** Tooltip lines: "Model: …" and "Usage: 3 turns, … tokens, cost …"; none for an offline agent. */
export function agentUsageTooltipLines(agent: AgentView): string[] {
  const lines: string[] = [];
  if (agent.model) lines.push(`Model: ${agent.model}`);
  if (agent.usage && agent.usage.modelCalls > 0) lines.push(`Usage: ${usageSummary(agent.usage)}`);
  return lines;
}

/** The status description followed by the usage one, when there is any. */
export function withUsage(description: string, agent: AgentView): string {
  const usage = agentUsageDescription(agent);
  return usage ? `${description} · ${usage}` : description;
}
