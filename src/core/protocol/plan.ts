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
  /** Who made the plan; absent in plans stored before models could plan (the rule planner made those). */
  source: z.discriminatedUnion('kind', [
    z.object({ kind: z.literal('rules') }),
    z.object({ kind: z.literal('model'), provider: z.string().min(1), model: z.string().min(1) }),
  ]).optional(),
});
export type ExecutionPlan = z.infer<typeof ExecutionPlanSchema>;
