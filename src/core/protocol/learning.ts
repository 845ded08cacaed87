import { z } from 'zod';
import { AgentNameSchema } from './messages';

const strings = z.array(z.string()).default([]);

/** What one execution of a model agent spent on its model: turns, tokens and cost (null when unpriced). */
export const ModelUsageRecordSchema = z.object({
  /** `provider/model`. */
  model: z.string().min(1),
  turns: z.number().int().nonnegative(),
  inputTokens: z.number().int().nonnegative(),
  outputTokens: z.number().int().nonnegative(),
  cachedInputTokens: z.number().int().nonnegative().default(0),
  /** Null when some turn had no known price: a partial sum would understate the cost. */
  costUsd: z.number().nonnegative().nullable(),
});
export type ModelUsageRecord = z.output<typeof ModelUsageRecordSchema>;

/**
 * How an execution ended: on its own (`completed`, or `failed` by its own error), or cut off from outside
 * (`timed_out` by the agent's or the run's time limit, `cancelled` by the user). A cut-off execution's duration
 * says how long the limit was, not how long the work takes, so it never feeds a duration estimate.
 */
export const ExecutionEndingSchema = z.enum(['completed', 'failed', 'timed_out', 'cancelled']);
export type ExecutionEnding = z.infer<typeof ExecutionEndingSchema>;

/** The seed's learning data structure: one record per agent execution. */
export const LearningRecordSchema = z.object({
  agent: AgentNameSchema,
  timestamp: z.number().int().nonnegative(),
  sessionId: z.string().min(1),
  /** Kind of task (from the planner's request classification), used to match like with like. */
  taskType: z.string().min(1).default('general'),
  successPatterns: z.object({
    toolSequence: strings,
    /**
     * The agents it ran alongside, listed in records stored before `phase` (and by callers that name them). The
     * orchestrator leaves it empty and sets `phase`: listing every other agent of a phase in each of its records
     * made a phase's records grow with the square of its width.
     */
    parallelExecutions: strings,
    /**
     * The plan phase it ran in. Who ran alongside is that phase of the session's plan, stored once per phase
     * (LearningRepository.phaseAgents), not once per agent.
     */
    phase: z.number().int().nonnegative().optional(),
    mcpUsage: z.record(z.string(), z.boolean()).default({}),
    duration: z.number().nonnegative(),
    filesModified: strings,
    efficientApproaches: strings,
  }),
  failures: z
    .object({ errors: strings, bottlenecks: strings, missedOptimizations: strings, slowOperations: strings })
    .default({ errors: [], bottlenecks: [], missedOptimizations: [], slowOperations: [] }),
  discoveries: z
    .object({
      newPatterns: z.array(z.object({ name: z.string(), type: z.string(), confidence: z.number().min(0).max(100) })).default([]),
      codePatterns: strings,
      securityIssues: strings,
      optimizationOpportunities: strings,
    })
    .default({ newPatterns: [], codePatterns: [], securityIssues: [], optimizationOpportunities: [] }),
  collaboration: z
    .object({
      messagesReceived: z.number().int().nonnegative().default(0),
      messagesSent: z.number().int().nonnegative().default(0),
      assistanceRequests: z.number().int().nonnegative().default(0),
      handoffs: z.array(z.object({ from: z.string(), timestamp: z.number() })).default([]),
      collaborators: strings,
    })
    .default({ messagesReceived: 0, messagesSent: 0, assistanceRequests: 0, handoffs: [], collaborators: [] }),
  outcomes: z.object({
    success: z.boolean(),
    qualityScore: z.number().min(0).max(100).nullable().default(null),
    userSatisfaction: z.number().min(0).max(100).nullable().default(null),
    requiresRework: z.boolean().default(false),
    /** Absent in records stored before it was recorded: executionEnding() infers it from the error text. */
    ending: ExecutionEndingSchema.optional(),
  }),
  /** Null for an offline execution, and in records stored before model usage was learned. */
  modelUsage: ModelUsageRecordSchema.nullable().optional(),
});
export type LearningRecord = z.output<typeof LearningRecordSchema>;

/** The seed's short form for recordAgentExecution. */
export const ExecutionSummarySchema = z.object({
  sessionId: z.string().min(1),
  taskType: z.string().min(1).optional(),
  duration: z.number().nonnegative(),
  toolSequence: strings,
  success: z.boolean(),
  /** Defaults to `completed` for a success and `failed` otherwise. */
  ending: ExecutionEndingSchema.optional(),
  qualityScore: z.number().min(0).max(100).nullable().optional(),
  filesModified: strings,
  errors: strings,
  collaborators: strings,
  messagesSent: z.number().int().nonnegative().default(0),
  messagesReceived: z.number().int().nonnegative().default(0),
  assistanceRequests: z.number().int().nonnegative().default(0),
  handoffs: z.array(z.object({ from: z.string(), timestamp: z.number() })).default([]),
  parallelExecutions: strings,
  /** The plan phase it ran in: the agents planned in that phase of the session ran alongside (see phaseAgents). */
  phase: z.number().int().nonnegative().optional(),
  /** MCP servers whose tools the execution called (server name -> true). */
  mcpUsage: z.record(z.string(), z.boolean()).default({}),
  newPatterns: z.array(z.object({ name: z.string(), type: z.string(), confidence: z.number().min(0).max(100) })).default([]),
  securityIssues: strings,
  modelUsage: ModelUsageRecordSchema.nullable().optional(),
});
export type ExecutionSummary = z.input<typeof ExecutionSummarySchema>;

export const EstimateSchema = z.object({
  estimated: z.number().nonnegative(),
  min: z.number().nonnegative(),
  max: z.number().nonnegative(),
  /** 0-100; grows with the number of samples behind the estimate. */
  confidence: z.number().min(0).max(100),
  samples: z.number().int().nonnegative(),
});
export type Estimate = z.infer<typeof EstimateSchema>;

/**
 * What the next run of a model agent is expected to spend, learned like its duration: turns and tokens (input +
 * output) from past model runs, cost from those with a known price (null when none had one).
 */
export const UsageEstimateSchema = z.object({
  turns: EstimateSchema,
  tokens: EstimateSchema,
  /** Dollars; null when no past run had a known price. */
  costUsd: EstimateSchema.nullable(),
});
export type UsageEstimate = z.infer<typeof UsageEstimateSchema>;

/** A pattern mined from stored runs (never invented): support counts runs, confidence is a percentage. */
export const LearnedPatternSchema = z.object({
  id: z.string().min(1),
  type: z.string().min(1),
  name: z.string().min(1),
  agent: z.string().optional(),
  sequence: z.array(z.string()).default([]),
  context: z.string().default(''),
  support: z.number().int().nonnegative(),
  confidence: z.number().min(0).max(100),
  discoveredAt: z.number().int().nonnegative(),
  sessionId: z.string().optional(),
  solution: z.string().optional(),
});
export type LearnedPattern = z.output<typeof LearnedPatternSchema>;

/** Result of queryLearnings, shaped as in the seed. Everything in it is computed from stored executions. */
export interface LearningsQueryResult {
  recommendedApproach: {
    toolSequence: string[];
    support: number;
    mcpServers: string[];
    parallelOpportunities: string[];
    confidence: number;
  };
  commonPitfalls: { issue: string; frequency: number; severity: 'low' | 'medium' | 'high' }[];
  optimizationTips: { type: string; tip: string; confidence: number }[];
  collaborationPatterns: {
    frequentCollaborators: Record<string, number>;
    effectiveHandoffs: { from: string; count: number; successRate: number }[];
    communicationEfficiency: number;
  };
  estimatedDuration: Estimate;
  /** Null when no past execution of the agent used a model. */
  estimatedUsage: UsageEstimate | null;
  confidenceScore: number;
  sampleSize: number;
}

export interface LearningsQuery {
  taskType?: string;
  complexity?: string;
  technologiesUsed?: string[];
}
