import type { Estimate, UsageEstimate } from '../protocol/learning';
import type { ExecutionPlan, PlannedAgent } from '../protocol/plan';
import { AgentCapabilities } from '../protocol/messages';

export type AgentStage = 'analysis' | 'implementation' | 'verification' | 'documentation';

/** What the planner needs to know of an agent (AgentDefinition in src/agents satisfies it). */
export interface PlannableAgent {
  name: string;
  description: string;
  capabilities: string[];
  stage: AgentStage;
  runtime: 'offline' | 'model';
  model: string | null;
}

const STAGE_ORDER: Record<AgentStage, number> = { analysis: 0, implementation: 1, verification: 2, documentation: 2 };

/** Request words that call for a capability. Order matters only for readability. */
const INTENTS: { capability: string; pattern: RegExp }[] = [
  { capability: AgentCapabilities.SECURITY_AUDIT, pattern: /\b(secur\w*|vulnerab\w*|auth\w*|xss|csrf|inject\w*|secret\w*|cve|exploit\w*|tenant\w*|permission\w*|audit\w*)\b/i },
  { capability: AgentCapabilities.CODE_REVIEW, pattern: /\b(review\w*|lint\w*|smell\w*|quality)\b/i },
  { capability: AgentCapabilities.BACKEND_DEVELOPMENT, pattern: /\b(fix\w*|implement\w*|build\w*|creat\w*|add\w*|endpoint\w*|api|apis|refactor\w*|patch\w*|server|backend|route\w*|handler\w*)\b/i },
  { capability: AgentCapabilities.DATABASE_OPTIMIZATION, pattern: /\b(database|schema|index\w*|sql|quer(y|ies)|migration\w*|prisma)\b/i },
  { capability: AgentCapabilities.FRONTEND_DEVELOPMENT, pattern: /\b(frontend|ui|component\w*|page\w*|css|react|view\w*)\b/i },
  { capability: AgentCapabilities.TESTING, pattern: /\b(test\w*|coverage|regression\w*|spec\w*)\b/i },
  { capability: AgentCapabilities.DOCUMENTATION, pattern: /\b(doc\w*|readme|changelog|summar\w*|explain\w*)\b/i },
];

export function classifyRequest(request: string): { capabilities: Set<string>; taskType: string } {
  const capabilities = new Set<string>();
  for (const intent of INTENTS) if (intent.pattern.test(request)) capabilities.add(intent.capability);
  const changesCode = capabilities.has(AgentCapabilities.BACKEND_DEVELOPMENT) || capabilities.has(AgentCapabilities.FRONTEND_DEVELOPMENT);
  // A code change is verified by tests and summarised for the reviewer, as in the seed's examples.
  if (changesCode) {
    capabilities.add(AgentCapabilities.TESTING);
    capabilities.add(AgentCapabilities.DOCUMENTATION);
  }
  if (capabilities.size === 0) {
    capabilities.add(AgentCapabilities.CODE_REVIEW);
    capabilities.add(AgentCapabilities.DOCUMENTATION);
  }
  const security = capabilities.has(AgentCapabilities.SECURITY_AUDIT);
  const taskType = security && changesCode
    ? 'security-fix'
    : security
      ? 'security-audit'
      : changesCode
        ? 'feature-development'
        : capabilities.has(AgentCapabilities.TESTING)
          ? 'testing'
          : capabilities.has(AgentCapabilities.DOCUMENTATION) && capabilities.size === 1
            ? 'documentation'
            : 'review';
  return { capabilities, taskType };
}

function taskFor(agent: PlannableAgent, request: string): string {
  switch (agent.stage) {
    case 'analysis':
      return `Analyze the workspace for: ${request}`;
    case 'implementation':
      return `Implement the changes for: ${request}`;
    case 'verification':
      return `Verify the changes with the workspace's tests`;
    case 'documentation':
      return `Summarize what was found, changed, validated and tested`;
  }
}

export interface PlanInput {
  request: string;
  roster: readonly PlannableAgent[];
  /** True when a language model is configured, so model-only agents can run. */
  modelAvailable: boolean;
  /** Learned duration of an agent for a task type; samples 0 means no history. */
  estimate: (agent: string, taskType: string) => Estimate;
  /** Learned turns, tokens and cost of a model agent; null without model history. */
  estimateUsage?: (agent: string, taskType: string) => UsageEstimate | null;
  /** Restrict the plan to these agents (command line --agents). */
  only?: readonly string[];
  mcpServers?: readonly string[];
}

/**
 * Turns a request into a phased plan: agents whose capabilities the request calls for, ordered by stage
 * (analysis -> implementation -> verification and documentation in parallel). Each agent depends on the
 * agents of the nearest earlier stage. Model-only agents are listed as skipped when no model is available.
 */
/** Throws, naming them and the known ones, when `names` holds agents that are not in the roster. */
export function assertKnownAgents(roster: readonly PlannableAgent[], names: readonly string[]): void {
  const unknown = names.filter((name) => !roster.some((agent) => agent.name === name));
  if (unknown.length > 0) throw new Error(`Unknown agent(s): ${unknown.join(', ')}. Known: ${roster.map((a) => a.name).join(', ')}`);
}

export function planRequest(input: PlanInput): ExecutionPlan {
  const request = input.request.trim();
  if (!request) throw new Error('The request is empty: say what the agents should do.');
  const { capabilities, taskType } = classifyRequest(request);
  const warnings: string[] = [];
  const skipped: { name: string; reason: string }[] = [];

  let candidates: PlannableAgent[];
  if (input.only && input.only.length > 0) {
    assertKnownAgents(input.roster, input.only);
    candidates = input.roster.filter((agent) => input.only?.includes(agent.name));
  } else {
    candidates = input.roster.filter((agent) => agent.capabilities.some((capability) => capabilities.has(capability)));
  }

  const runnable: PlannableAgent[] = [];
  for (const agent of candidates) {
    if (agent.runtime === 'model' && !input.modelAvailable) {
      const reason = `needs a language model (model: ${agent.model ?? 'inherit'}) and no model provider is configured`;
      skipped.push({ name: agent.name, reason });
      warnings.push(`${agent.name} skipped: ${reason}.`);
      continue;
    }
    runnable.push(agent);
  }
  if (runnable.length === 0) warnings.push('No agent can run this request.');

  const stages = [...new Set(runnable.map((agent) => STAGE_ORDER[agent.stage]))].sort((a, b) => a - b);
  const planned: PlannedAgent[] = runnable
    .map((agent) => {
      const level = STAGE_ORDER[agent.stage];
      const previous = stages.filter((stage) => stage < level).pop();
      const dependsOn = previous === undefined ? [] : runnable.filter((other) => STAGE_ORDER[other.stage] === previous).map((other) => other.name);
      const estimate = input.estimate(agent.name, taskType);
      return {
        name: agent.name,
        task: taskFor(agent, request),
        phase: stages.indexOf(level),
        dependsOn,
        capabilities: agent.capabilities,
        runtime: agent.runtime,
        estimatedDuration: estimate.samples > 0 ? estimate : null,
        estimatedUsage: input.estimateUsage?.(agent.name, taskType) ?? null,
      };
    })
    .sort((a, b) => a.phase - b.phase);

  const phases = stages.map((_, index) => planned.filter((agent) => agent.phase === index).map((agent) => agent.name));
  return {
    request,
    taskType,
    agents: planned,
    phases,
    skipped,
    warnings,
    estimatedDuration: criticalPathEstimate(planned),
    estimatedUsage: totalUsageEstimate(planned),
    mcpServers: [...(input.mcpServers ?? [])],
  };
}

/** Sum of two estimates; confidence and samples are those of the weaker one. */
function addEstimates(a: Estimate, b: Estimate): Estimate {
  return {
    estimated: a.estimated + b.estimated,
    min: a.min + b.min,
    max: a.max + b.max,
    confidence: Math.min(a.confidence, b.confidence),
    samples: Math.min(a.samples, b.samples),
  };
}

/** What the whole run should spend on models: every agent's turns, tokens and cost add up, parallel or not. */
function totalUsageEstimate(agents: readonly PlannedAgent[]): UsageEstimate | null {
  const known = agents.flatMap((agent) => (agent.estimatedUsage ? [agent.estimatedUsage] : []));
  if (known.length === 0) return null;
  return known.reduce((total, next) => ({
    turns: addEstimates(total.turns, next.turns),
    tokens: addEstimates(total.tokens, next.tokens),
    // A run part of whose agents has no known price has no known total cost.
    costUsd: total.costUsd && next.costUsd ? addEstimates(total.costUsd, next.costUsd) : null,
  }));
}

/** Sum over phases of the slowest agent's estimate; null when no planned agent has history. */
export function criticalPathEstimate(agents: readonly PlannedAgent[]): Estimate | null {
  const known = agents.filter((agent) => agent.estimatedDuration !== null);
  if (known.length === 0) return null;
  const byPhase = new Map<number, Estimate[]>();
  for (const agent of known) {
    const list = byPhase.get(agent.phase) ?? [];
    list.push(agent.estimatedDuration as Estimate);
    byPhase.set(agent.phase, list);
  }
  let estimated = 0;
  let min = 0;
  let max = 0;
  for (const estimates of byPhase.values()) {
    estimated += Math.max(...estimates.map((e) => e.estimated));
    min += Math.max(...estimates.map((e) => e.min));
    max += Math.max(...estimates.map((e) => e.max));
  }
  // Agents without history make the whole estimate less certain.
  const coverage = known.length / agents.length;
  const confidence = Math.round(Math.min(...known.map((agent) => (agent.estimatedDuration as Estimate).confidence)) * coverage);
  const samples = Math.min(...known.map((agent) => (agent.estimatedDuration as Estimate).samples));
  return { estimated: Math.round(estimated), min: Math.round(min), max: Math.round(max), confidence, samples };
}
