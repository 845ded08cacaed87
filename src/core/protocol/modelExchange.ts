// One recorded model turn: what was asked and what came back. Recording journals these with the run; replay
// answers from them with no provider. Mirrors the ModelClient port in ../ports.ts.
import { z } from 'zod';

export const ModelToolCallSchema = z.object({
  id: z.string().min(1),
  name: z.string().min(1),
  input: z.unknown(),
  inputText: z.string(),
});

export const ModelMessageSchema = z.discriminatedUnion('role', [
  z.object({ role: z.literal('system'), content: z.string() }),
  z.object({ role: z.literal('user'), content: z.string() }),
  z.object({ role: z.literal('assistant'), content: z.string(), toolCalls: z.array(ModelToolCallSchema).optional() }),
  z.object({ role: z.literal('tool'), toolCallId: z.string(), toolName: z.string(), content: z.string(), isError: z.boolean().optional() }),
]);

export const ModelToolSpecSchema = z.object({
  name: z.string().min(1),
  description: z.string(),
  inputSchema: z.record(z.string(), z.unknown()),
});

export const ModelUsageSchema = z.object({
  inputTokens: z.number().int().min(0),
  outputTokens: z.number().int().min(0),
  cachedInputTokens: z.number().int().min(0),
});

export const ModelStreamPartSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('text'), text: z.string() }),
  z.object({ type: z.literal('tool-call'), call: ModelToolCallSchema }),
  z.object({
    type: z.literal('finish'),
    reason: z.enum(['stop', 'tool-calls', 'length', 'content-filter', 'other']),
    usage: ModelUsageSchema,
  }),
]);

export const ModelErrorInfoSchema = z.object({
  kind: z.enum(['rate-limit', 'context-length', 'auth', 'network', 'bad-reply', 'aborted', 'provider']),
  message: z.string(),
  status: z.number().int().optional(),
  retryAfterMs: z.number().min(0).optional(),
});

export const RecordedModelExchangeSchema = z.object({
  provider: z.string().min(1),
  modelId: z.string().min(1),
  request: z.object({
    messages: z.array(ModelMessageSchema),
    tools: z.array(ModelToolSpecSchema).optional(),
    maxOutputTokens: z.number().int().min(1).optional(),
    temperature: z.number().optional(),
  }),
  /** Parts in the order the model streamed them (text may be coalesced). */
  parts: z.array(ModelStreamPartSchema),
  /** Set when the turn failed; parts then hold what arrived before the failure. */
  error: ModelErrorInfoSchema.optional(),
  durationMs: z.number().min(0),
});
export type RecordedModelExchange = z.output<typeof RecordedModelExchangeSchema>;
