import { z } from 'zod';
import { FindingSchema, ScanCoverageSchema } from './findings';
import { HandoffPackageSchema } from './handoff';
import { LearnedPatternSchema, LearningRecordSchema } from './learning';
import { MessageSchema, ValidationEvidenceSchema } from './messages';
import { ModelErrorInfoSchema, RecordedModelExchangeSchema } from './modelExchange';
import { ExecutionPlanSchema } from './plan';

const agent = z.string().min(1);

export const RunStatusSchema = z.enum(['completed', 'failed', 'cancelled', 'timed_out']);
export type RunStatus = z.infer<typeof RunStatusSchema>;

export const AgentFailureReasonSchema = z.enum(['error', 'timeout', 'cancelled', 'dependency_failed']);

/** What a running agent is blocked on: a model's reply, a user's approval, another agent's message, a rate limit. */
export const AgentWaitSchema = z.enum(['model', 'approval', 'message', 'rate-limit', 'command']);
/** The detail of the agent.waiting event that ends a command's wait (replay leaves both out of its comparison). */
export const COMMAND_FINISHED = 'command finished';
export type AgentWait = z.infer<typeof AgentWaitSchema>;

/** Payload schema of every event type. Event names are `noun.verb`. */
export const EventPayloadSchemas = {
  'run.started': z.object({
    request: z.string().min(1),
    workspace: z.string().min(1),
    options: z.object({
      apply: z.boolean(),
      allowCommands: z.boolean(),
      maxParallelAgents: z.number().int().min(1),
      agentTimeout: z.number().int().min(1),
      timeout: z.number().int().min(1).nullable(),
    }),
    /** Problems found while setting the run up (agent files that could not be loaded): every view shows them. */
    warnings: z.array(z.string()).optional(),
  }),
  'plan.created': z.object({ plan: ExecutionPlanSchema }),
  'agent.started': z.object({
    agent,
    task: z.string(),
    phase: z.number().int().min(0),
    /**
     * The other agents of its phase. Left out by the orchestrator since it is the plan's (plan.created lists every
     * agent's phase): listing it per agent made a phase's events grow with the square of its width. Views derive
     * it from the plan when absent (parallelWithOf); sessions stored before still carry it.
     */
    parallelWith: z.array(z.string()).optional(),
    mcpServers: z.array(z.string()).default([]),
  }),
  'agent.tool_called': z.object({
    agent,
    tool: z.string().min(1),
    params: z.record(z.string(), z.unknown()),
    status: z.enum(['success', 'error']),
    durationMs: z.number().nonnegative(),
    summary: z.string().default(''),
  }),
  /** One model turn of a model agent, finished or failed. */
  'model.called': z.object({
    agent,
    provider: z.string().min(1),
    model: z.string().min(1),
    /** 1-based turn of this agent's conversation. */
    turn: z.number().int().min(1),
    inputTokens: z.number().int().min(0),
    outputTokens: z.number().int().min(0),
    cachedInputTokens: z.number().int().min(0),
    durationMs: z.number().nonnegative(),
    /** From the price table; null when the model has no known price. */
    costUsd: z.number().min(0).nullable(),
    finishReason: z.enum(['stop', 'tool-calls', 'length', 'content-filter', 'other']).nullable(),
    /** Set when the turn failed. */
    errorKind: ModelErrorInfoSchema.shape.kind.nullable().default(null),
  }),
  /** The request and reply of one model turn, journaled with the run so it can be replayed without a provider. */
  'model.exchange': z.object({ agent, turn: z.number().int().min(1), exchange: RecordedModelExchangeSchema }),
  /** An agent started (waitingFor set) or stopped (null) waiting. */
  'agent.waiting': z.object({ agent, waitingFor: AgentWaitSchema.nullable(), detail: z.string().default('') }),
  'message.sent': z.object({ message: MessageSchema }),
  'handoff.initiated': z.object({ package: HandoffPackageSchema }),
  'handoff.received': z.object({ handoffId: z.string(), from: agent, to: agent, contextItems: z.number().int().min(0) }),
  'finding.reported': z.object({ agent, finding: FindingSchema }),
  'validation.requested': z.object({ requestId: z.string(), from: agent, to: agent, files: z.array(z.string()) }),
  'validation.result': z.object({
    requestId: z.string(),
    from: agent,
    to: agent,
    approved: z.boolean(),
    reasons: z.array(z.string()),
    evidence: ValidationEvidenceSchema.optional(),
  }),
  'change.proposed': z.object({
    agent,
    file: z.string().min(1),
    diff: z.string(),
    applied: z.boolean(),
    findingIds: z.array(z.string()).default([]),
    /**
     * SHA-256 (hex) of the file's content the change was made against, null when the file did not exist; absent in
     * sessions recorded before it was kept. `apply` refuses a file whose content no longer has this hash.
     */
    baseHash: z.string().regex(/^[0-9a-f]{64}$/).nullable().optional(),
    /** SHA-256 (hex) of the proposed content: what `apply` must produce, or it writes nothing. */
    proposedHash: z.string().regex(/^[0-9a-f]{64}$/).optional(),
  }),
  /** A change of a finished dry run written to disk by the user's review (`apply`, VS Code's Apply). */
  'change.applied': z.object({ changeId: z.string().min(1), file: z.string().min(1), by: z.enum(['cli', 'vscode']) }),
  /** A proposed change the user dismissed in review; `apply` without `--only` leaves it out. */
  'change.discarded': z.object({ changeId: z.string().min(1), file: z.string().min(1), by: z.enum(['cli', 'vscode']) }),
  'pattern.discovered': z.object({ agent: agent.optional(), pattern: LearnedPatternSchema }),
  'learning.recorded': z.object({ record: LearningRecordSchema }),
  'agent.completed': z.object({
    agent,
    durationMs: z.number().nonnegative(),
    summary: z.string(),
    filesRead: z.array(z.string()).default([]),
    filesModified: z.array(z.string()).default([]),
    nextAgents: z.array(z.string()).default([]),
    recommendations: z.array(z.string()).default([]),
    /** Set by an agent that scanned the workspace. */
    scanCoverage: ScanCoverageSchema.optional(),
  }),
  'agent.failed': z.object({
    agent,
    durationMs: z.number().nonnegative(),
    reason: AgentFailureReasonSchema,
    error: z.string(),
  }),
  'agent.skipped': z.object({ agent, reason: z.string() }),
  'run.completed': z.object({
    success: z.boolean(),
    status: RunStatusSchema,
    durationMs: z.number().nonnegative(),
    error: z.string().optional(),
  }),
} as const;

export type EventType = keyof typeof EventPayloadSchemas;
export type EventPayloads = { [K in EventType]: z.output<(typeof EventPayloadSchemas)[K]> };
export type EventPayloadInput<K extends EventType> = z.input<(typeof EventPayloadSchemas)[K]>;

const envelopeShape = {
  sessionId: z.string().min(1),
  seq: z.number().int().min(1),
  ts: z.number().int().nonnegative(),
};

function eventVariant<K extends EventType>(type: K) {
  return z.object({ ...envelopeShape, type: z.literal(type), payload: EventPayloadSchemas[type] });
}

export const OrchestratorEventSchema = z.discriminatedUnion('type', [
  eventVariant('run.started'),
  eventVariant('plan.created'),
  eventVariant('agent.started'),
  eventVariant('agent.tool_called'),
  eventVariant('model.called'),
  eventVariant('model.exchange'),
  eventVariant('agent.waiting'),
  eventVariant('message.sent'),
  eventVariant('handoff.initiated'),
  eventVariant('handoff.received'),
  eventVariant('finding.reported'),
  eventVariant('validation.requested'),
  eventVariant('validation.result'),
  eventVariant('change.proposed'),
  eventVariant('change.applied'),
  eventVariant('change.discarded'),
  eventVariant('pattern.discovered'),
  eventVariant('learning.recorded'),
  eventVariant('agent.completed'),
  eventVariant('agent.failed'),
  eventVariant('agent.skipped'),
  eventVariant('run.completed'),
]);

/** One entry of a run's ordered event stream. */
export type OrchestratorEvent = z.output<typeof OrchestratorEventSchema>;
export type EventOf<K extends EventType> = Extract<OrchestratorEvent, { type: K }>;

/**
 * Events built by a run's event stream from a payload it has just validated: the store need not validate them a
 * second time (zod is a large part of an event's cost). Only the stream marks events; anything else is validated.
 */
const validatedEvents = new WeakSet<object>();

export function markValidatedEvent(event: OrchestratorEvent): void {
  validatedEvents.add(event);
}

export function isValidatedEvent(event: OrchestratorEvent): boolean {
  return validatedEvents.has(event);
}
