import { z } from 'zod';
import { MAX_TIMER_MS } from './limits';
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

export { MAX_TIMER_MS };

export const MODEL_PROVIDERS = ['offline', 'openai-compatible', 'anthropic'] as const;
export type ModelProviderName = (typeof MODEL_PROVIDERS)[number];

/** Budgets of model agents; every one optional (no limit). */
export const ModelLimitsSchema = z
  .object({
    maxTurns: z.number().int().min(1).optional(),
    maxTokens: z.number().int().min(1).optional(),
    maxCostUsd: z.number().positive().optional(),
  })
  .strict();

const ModelEndpointFields = {
  provider: z.enum(MODEL_PROVIDERS).optional(),
  model: z.string().trim().min(1).optional(),
  baseUrl: z.url({ protocol: /^https?$/, error: 'expected an http(s) URL such as http://127.0.0.1:11434/v1' }).optional(),
};

export const ModelPriceSchema = z
  .object({ input: z.number().min(0), cachedInput: z.number().min(0).optional(), output: z.number().min(0) })
  .strict();

/**
 * Which language models agents use. API keys are never part of it: they come from the environment (a workspace
 * file is not a place for secrets, and a cloned repository must not choose where a key is sent).
 */
export const ModelSettingsSchema = z
  .object({
    /** The model every agent uses unless overridden; offline = the built-in analyzers only. */
    default: z
      .object({ ...ModelEndpointFields, provider: z.enum(MODEL_PROVIDERS).default('offline') })
      .strict()
      .prefault({}),
    /** Per agent name: another model (or provider) and its own budget. */
    agents: z.record(z.string().min(1), z.object({ ...ModelEndpointFields, limits: ModelLimitsSchema.optional() }).strict()).default({}),
    /** An agent file's `model:` value (sonnet, opus, haiku, ...) to a model id of the default provider. */
    aliases: z.record(z.string().min(1), z.string().trim().min(1)).default({}),
    /** USD per million tokens by model id (or id prefix), over the built-in table. */
    prices: z.record(z.string().min(1), ModelPriceSchema).default({}),
    limits: z.object({ run: ModelLimitsSchema.prefault({}), agent: ModelLimitsSchema.prefault({}) }).strict().prefault({}),
  })
  .strict();
export type ModelSettings = z.output<typeof ModelSettingsSchema>;
export type ModelLimits = z.output<typeof ModelLimitsSchema>;

/**
 * An MCP server as Claude Code's `.mcp.json` names it: a process over stdio (`command`, `args`, `env`) or a
 * Streamable HTTP endpoint (`url`, `headers`). `${VAR}` and `${VAR:-default}` are expanded when it is started.
 */
export const McpServerEntrySchema = z
  .object({
    type: z.enum(['stdio', 'http']).optional(),
    command: z.string().min(1).optional(),
    args: z.array(z.string()).optional(),
    env: z.record(z.string(), z.string()).optional(),
    cwd: z.string().optional(),
    url: z.string().min(1).optional(),
    headers: z.record(z.string(), z.string()).optional(),
  })
  .strict()
  .refine((entry) => entry.command !== undefined || entry.url !== undefined, { message: 'needs "command" (stdio) or "url" (HTTP)' });
export type McpServerEntry = z.output<typeof McpServerEntrySchema>;

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
        /**
         * How many sessions (with their events and log files) are kept, newest first, beside logRetention's age:
         * older ones are pruned at the end of each run. Learnings stay (bounded by learning.maxExecutionsPerAgent).
         * A run of the example keeps about 150 KB (100 KB of database, 50 KB of log files): 50 runs, 7.5 MB.
         */
        maxSessions: z.number().int().min(1).default(50),
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
        /**
         * The MCP server that also keeps the learnings (a knowledge-graph memory server or a Memory Bank server),
         * by its name in .mcp.json, .vscode/mcp.json or `mcpServers`; absent: a server named "memory" or
         * "memory-bank" when there is one.
         */
        memoryServer: z.string().min(1).optional(),
      })
      .strict()
      .prefault({}),
    /** What model agents may do without asking (Claude Code's `permissions`); absent: the run's flags decide. */
    permissions: ApprovalPolicySchema.optional(),
    /** MCP servers beyond those in .mcp.json and .vscode/mcp.json (same shape as .mcp.json's `mcpServers`). */
    mcpServers: z.record(z.string(), McpServerEntrySchema).optional(),
    models: ModelSettingsSchema.prefault({}),
  })
  .strict();
export type OrchestratorConfig = z.output<typeof OrchestratorConfigSchema>;
export type OrchestratorConfigInput = z.input<typeof OrchestratorConfigSchema>;
