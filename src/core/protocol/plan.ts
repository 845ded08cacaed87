import { z } from 'zod';
import { EstimateSchema, UsageEstimateSchema } from './learning';

/** The agent name a planning model's turns are recorded under (model.called, model.exchange). */
export const PLANNER_AGENT = 'orchestrator';

export const AgentRuntimeKindSchema = z.enum(['offline', 'model']);

export const PlannedAgentSchema = z.object({
  name: z.string().min(1),
  task: z.string().min(1),
  phase: z.number().int().min(0),
  dependsOn: z.array(z.string()),
  capabilities: z.array(z.string()),
  runtime: AgentRuntimeKindSchema,
  estimatedDuration: EstimateSchema.nullable(),
  /** Learned turns, tokens and cost of a model agent; absent or null without model history. */
  estimatedUsage: UsageEstimateSchema.nullable().optional(),
});
export type PlannedAgent = z.infer<typeof PlannedAgentSchema>;

/** A capability the request asked for, and which planned agents do it. */
export const RequestedCapabilitySchema = z.object({
  capability: z.string().min(1),
  /** The request's words that asked for it ("frontend UI", "deploy Kubernetes"). */
  requestedAs: z.string(),
  /** Planned agents that do this work; empty when none can. */
  coveredBy: z.array(z.string()),
  /** Why no planned agent does it; set when coveredBy is empty. */
  reason: z.string().optional(),
});
export type RequestedCapability = z.infer<typeof RequestedCapabilitySchema>;

/** What the planner decided: which agents run, in which phases, and what it expects from past runs. */
export const ExecutionPlanSchema = z.object({
  request: z.string().min(1),
  taskType: z.string().min(1),
  agents: z.array(PlannedAgentSchema),
  /** Agent names grouped by phase; agents in one phase may run in parallel. */
  phases: z.array(z.array(z.string())),
  skipped: z.array(z.object({ name: z.string(), reason: z.string() })),
  warnings: z.array(z.string()),
  /** Critical-path estimate from learned durations, null when no agent has history. */
  estimatedDuration: EstimateSchema.nullable(),
  /** Sum of the agents' usage estimates; absent or null when no planned agent has model history. */
  estimatedUsage: UsageEstimateSchema.nullable().optional(),
  mcpServers: z.array(z.string()),
  /** Capabilities the request names explicitly (absent in plans stored before the planner recorded them). */
  requested: z.array(RequestedCapabilitySchema).optional(),
  /** The requested capabilities no planned agent covers: the user is told before the run that they will not be done. */
  uncovered: z.array(RequestedCapabilitySchema).optional(),
  /** Who made the plan; absent in plans stored before models could plan (the rule planner made those). */
  source: z.discriminatedUnion('kind', [
    z.object({ kind: z.literal('rules') }),
    z.object({ kind: z.literal('model'), provider: z.string().min(1), model: z.string().min(1) }),
  ]).optional(),
});
export type ExecutionPlan = z.infer<typeof ExecutionPlanSchema>;

/** True when the request named work and the plan covers none of it: running would do nothing that was asked. */
export function servesNothingAsked(plan: Pick<ExecutionPlan, 'requested' | 'uncovered'>): boolean {
  const requested = plan.requested ?? [];
  return requested.length > 0 && (plan.uncovered ?? []).length === requested.length;
}

/** "frontend_development (\"frontend UI\"): no agent in the roster has it", for warnings, logs and results. */
export function describeUncovered(item: RequestedCapability): string {
  return `${item.capability.replace(/_/g, ' ')} ("${item.requestedAs}"): ${item.reason ?? 'no planned agent does it'}`;
}

/**
 * At most this many agents of its phase are named as run alongside an agent (learning records, run views, the log).
 * Naming every other agent of a phase made each record grow with the phase's width and a run's records with its
 * square (15 KB per agent in a phase of 1,000); a phase at most this wide is named whole.
 */
export const MAX_PARALLEL_NAMED = 32;

/** The agents of `phase` (plan order) run alongside `agent`: all of them, or in a wider phase its nearest in plan order. */
export function alongside(phase: readonly string[], agent: string): string[] {
  if (phase.length - 1 <= MAX_PARALLEL_NAMED) return phase.filter((name) => name !== agent);
  const index = phase.indexOf(agent);
  const start = Math.max(0, Math.min(index - MAX_PARALLEL_NAMED / 2, phase.length - MAX_PARALLEL_NAMED - 1));
  return phase.slice(start, start + MAX_PARALLEL_NAMED + 1).filter((name) => name !== agent).slice(0, MAX_PARALLEL_NAMED);
}

const phaseIndexes = new WeakMap<Pick<ExecutionPlan, 'agents'>, Map<number, string[]>>();

/** The names of each phase's agents in plan order, built once per plan (views ask once per started agent). */
export function phaseMembers(plan: Pick<ExecutionPlan, 'agents'>, phase: number): readonly string[] {
  let index = phaseIndexes.get(plan);
  if (index === undefined) {
    index = new Map();
    for (const planned of plan.agents) {
      const members = index.get(planned.phase) ?? [];
      members.push(planned.name);
      index.set(planned.phase, members);
    }
    phaseIndexes.set(plan, index);
  }
  return index.get(phase) ?? [];
}
