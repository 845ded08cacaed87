import type { Estimate, UsageEstimate } from '../protocol/learning';
import type { ExecutionPlan, PlannedAgent, RequestedCapability } from '../protocol/plan';
import { AgentCapabilities } from '../protocol/messages';
import { describeUncovered } from '../protocol/plan';

export type AgentStage = 'analysis' | 'implementation' | 'verification' | 'documentation';

/** What the planner needs to know of an agent (AgentDefinition in src/agents satisfies it). */
export interface PlannableAgent {
  name: string;
  description: string;
  capabilities: string[];
  stage: AgentStage;
  runtime: 'offline' | 'model';
  model: string | null;
  /**
   * What the built-in offline implementation does (it cannot write new code), and whether that work is a review of
   * the agent's own domain (kept in a plan that asks for new code there) or other work (left out of such a plan).
   */
  offlineWork?: { does: string; reviewsOwnDomain: boolean };
}

const STAGE_ORDER: Record<AgentStage, number> = { analysis: 0, implementation: 1, verification: 2, documentation: 2 };

/**
 * Request words that call for a capability. The last ones name work no built-in agent does: they are there so the
 * plan can say so (an agent file whose description mentions it covers it) instead of quietly running a review.
 */
const INTENTS: { capability: string; pattern: RegExp }[] = [
  { capability: AgentCapabilities.SECURITY_AUDIT, pattern: /\b(secur\w*|vulnerab\w*|auth\w*|xss|csrf|inject\w*|secret\w*|cve|exploit\w*|tenant\w*|permission\w*|audit\w*)\b/gi },
  { capability: AgentCapabilities.CODE_REVIEW, pattern: /\b(review\w*|lint\w*|smell\w*|quality)\b/gi },
  { capability: AgentCapabilities.BACKEND_DEVELOPMENT, pattern: /\b(fix\w*|implement\w*|build\w*|creat\w*|add\w*|endpoint\w*|api|apis|refactor\w*|patch\w*|server|backend|route\w*|handler\w*)\b/gi },
  { capability: AgentCapabilities.DATABASE_OPTIMIZATION, pattern: /\b(database\w*|db|schema\w*|index\w*|sql|quer(?:y|ies)|migration\w*|prisma|orm|n\+1|performance|slow\w*)\b/gi },
  { capability: AgentCapabilities.FRONTEND_DEVELOPMENT, pattern: /\b(frontend|front-end|ui|ux|component\w*|page\w*|css|html|react|vue|angular|svelte|view\w*|accessib\w*|a11y)\b/gi },
  { capability: AgentCapabilities.TESTING, pattern: /\b(test\w*|coverage|regression\w*|spec\w*)\b/gi },
  { capability: AgentCapabilities.DOCUMENTATION, pattern: /\b(doc\w*|readme|changelog|summar\w*|explain\w*)\b/gi },
  { capability: 'deployment', pattern: /\b(deploy\w*|kubernetes|k8s|helm|docker\w*|terraform|infrastructure|provision\w*|ci\/cd)\b/gi },
  { capability: 'mobile_development', pattern: /\b(mobile app\w*|ios|android|react native|flutter)\b/gi },
  { capability: 'machine_learning', pattern: /\b(machine learning|train\w* (?:a |the )?model|fine-?tun\w*)\b/gi },
  { capability: 'localization', pattern: /\b(translat\w*|locali[sz]\w*|i18n|internationali[sz]\w*)\b/gi },
];

/** Requests to write new code rather than change what is there; an offline agent cannot write new code. */
const AUTHORING = /\b(build\w*|creat\w*|implement\w*|add\w*|develop\w*|design\w*|scaffold\w*|generat\w*|writ\w*|new)\b/i;
/** Capabilities whose authoring means writing new code. */
const CODE_WRITING = new Set<string>([AgentCapabilities.BACKEND_DEVELOPMENT, AgentCapabilities.FRONTEND_DEVELOPMENT]);

export interface RequestClassification {
  capabilities: Set<string>;
  taskType: string;
  /** The capabilities the request names itself (not the tests and summary a code change implies), with its words. */
  requested: { capability: string; requestedAs: string }[];
  /** True when the request asks for new code (build, create, implement, add, ...). */
  authoring: boolean;
}

export function classifyRequest(request: string): RequestClassification {
  const capabilities = new Set<string>();
  const requested: { capability: string; requestedAs: string }[] = [];
  for (const intent of INTENTS) {
    const words = [...new Set([...request.matchAll(intent.pattern)].map((match) => match[0]))];
    if (words.length === 0) continue;
    capabilities.add(intent.capability);
    requested.push({ capability: intent.capability, requestedAs: words.join(' ') });
  }
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
            : capabilities.has(AgentCapabilities.DATABASE_OPTIMIZATION)
              ? 'database-optimization'
              : 'review';
  return { capabilities, taskType, requested, authoring: AUTHORING.test(request) };
}

/**
 * Which planned agents do each requested capability. An offline agent (no model) covers new code only when it can
 * write it, which none of the built-ins can: for those the reason says what it does instead.
 */
export function coverRequested(
  classification: Pick<RequestClassification, 'requested' | 'authoring'>,
  planned: readonly PlannableAgent[],
  roster: readonly PlannableAgent[],
  skipped: readonly { name: string; reason: string }[],
  modelAvailable: boolean,
): RequestedCapability[] {
  return classification.requested.map(({ capability, requestedAs }) => {
    const having = planned.filter((agent) => agent.capabilities.includes(capability));
    const needsCode = classification.authoring && CODE_WRITING.has(capability) && !modelAvailable;
    const doing = needsCode ? having.filter((agent) => agent.runtime === 'model') : having;
    if (doing.length > 0) return { capability, requestedAs, coveredBy: doing.map((agent) => agent.name) };
    let reason: string;
    const skippedHaving = skipped.filter((item) => roster.some((agent) => agent.name === item.name && agent.capabilities.includes(capability)));
    if (having.length > 0) {
      const does = having.map((agent) => `${agent.name} ${agent.offlineWork?.does ?? 'does not write new code'}`).join('; ');
      reason = `writing new code needs a language model, and none is configured; offline, ${does}`;
    } else if (skippedHaving.length > 0) {
      reason = skippedHaving.map((item) => `${item.name} ${item.reason}`).join('; ');
    } else if (roster.some((agent) => agent.capabilities.includes(capability))) {
      reason = `the agents that do it (${roster.filter((agent) => agent.capabilities.includes(capability)).map((agent) => agent.name).join(', ')}) are not in this plan`;
    } else {
      reason = 'no agent in the roster does this (add one in .claude/agents/ whose description names it)';
    }
    return { capability, requestedAs, coveredBy: [], reason };
  });
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
  const classification = classifyRequest(request);
  const { capabilities, taskType } = classification;
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
  const forced = input.only !== undefined && input.only.length > 0;
  let requested = coverRequested(classification, runnable, input.roster, skipped, input.modelAvailable);
  if (!forced) {
    // An agent that would do none of the requested work (offline, the backend developer asked to build an endpoint
    // would only re-fix security findings) is left out, saying why; a review of the asked-for domain stays.
    const requestedCapabilities = new Set(requested.map((item) => item.capability));
    const useful = (agent: PlannableAgent): boolean =>
      requested.some((item) => item.coveredBy.includes(agent.name)) ||
      agent.capabilities.some((capability) => capabilities.has(capability) && !requestedCapabilities.has(capability)) ||
      agent.offlineWork?.reviewsOwnDomain === true;
    for (const agent of runnable.filter((candidate) => !useful(candidate))) {
      const reason = `would not do what was asked: offline it ${agent.offlineWork?.does ?? 'cannot write new code'}, and writing new code needs a language model`;
      skipped.push({ name: agent.name, reason });
      warnings.push(`${agent.name} skipped: ${reason}.`);
    }
    const kept = runnable.filter(useful);
    runnable.length = 0;
    runnable.push(...kept);
    requested = coverRequested(classification, runnable, input.roster, skipped, input.modelAvailable);
  }
  const uncovered = requested.filter((item) => item.coveredBy.length === 0);
  // Tests and a summary of nothing, or a review nobody asked for, are not what the request wants: nothing runs
  // (unless the user named the agents).
  if (!forced && requested.length > 0 && uncovered.length === requested.length) runnable.length = 0;
  for (const item of uncovered) warnings.push(`Not covered: ${describeUncovered(item)}.`);
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
    requested,
    uncovered,
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
