import { z } from 'zod';
import { ApprovalPolicySchema } from './permissions';

/** Durations like "30d", "12h", "90m" (the seed's logRetention / messageRetention). */
export const RetentionSchema = z
  .string()
  .regex(/^\d+(ms|s|m|h|d)$/, 'expected a duration such as "30d", "12h" or "90m"');

export function retentionToMs(value: string): number {
  const match = /^(\d+)(ms|s|m|h|d)$/.exec(value);
  if (!match) throw new Error(`Not a duration: ${value}`);
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[match[2] as 'ms' | 's' | 'm' | 'h' | 'd'];
  return Number(match[1]) * unit;
}

/** The longest delay a Node timer honours (about 24.8 days); a larger one fires at once. */
export const MAX_TIMER_MS = 2_147_483_647;

/** The seed's configuration file shape (.agent-orchestrator/config.json). Unknown keys are errors, so typos are caught. */
export const OrchestratorConfigSchema = z
  .object({
    orchestration: z
      .object({
        maxParallelAgents: z.number().int().min(1).max(64).default(5),
        agentTimeout: z.number().int().min(100).max(MAX_TIMER_MS).default(120_000),
        enableLearning: z.boolean().default(true),
        enableCommunication: z.boolean().default(true),
        logRetention: RetentionSchema.default('30d'),
        dashboardEnabled: z.boolean().default(true),
        logDir: z.string().min(1).optional(),
      })
      .strict()
      .prefault({}),
    communication: z
      .object({
        maxHistorySize: z.number().int().min(1).default(1000),
        messageRetention: RetentionSchema.default('7d'),
        broadcastEnabled: z.boolean().default(true),
        assistanceTimeout: z.number().int().min(10).max(MAX_TIMER_MS).default(10_000),
      })
      .strict()
      .prefault({}),
    learning: z
      .object({
        maxExecutionsPerAgent: z.number().int().min(1).default(100),
        patternConfidenceThreshold: z.number().min(0).max(100).default(70),
        mcpIntegration: z.boolean().default(true),
      })
      .strict()
      .prefault({}),
    /** What model agents may do without asking (Claude Code's `permissions`); absent: the run's flags decide. */
    permissions: ApprovalPolicySchema.optional(),
  })
  .strict();
export type OrchestratorConfig = z.output<typeof OrchestratorConfigSchema>;
export type OrchestratorConfigInput = z.input<typeof OrchestratorConfigSchema>;
