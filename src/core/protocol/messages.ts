import { z } from 'zod';
import { FindingSchema } from './findings';

/** Message types of the seed, plus ASSISTANCE_RESPONSE and VALIDATION_RESULT which answer the two request types. */
export const MessageTypes = {
  FINDING_REPORT: 'finding_report',
  CONTEXT_SHARE: 'context_share',
  WARNING: 'warning',
  ASSISTANCE_REQUEST: 'assistance_request',
  ASSISTANCE_RESPONSE: 'assistance_response',
  VALIDATION_REQUEST: 'validation_request',
  VALIDATION_RESULT: 'validation_result',
  HANDOFF: 'handoff',
  PROGRESS_UPDATE: 'progress_update',
  PATTERN_DISCOVERED: 'pattern_discovered',
  OPTIMIZATION_TIP: 'optimization_tip',
} as const;
export type MessageType = (typeof MessageTypes)[keyof typeof MessageTypes];

export const AgentCapabilities = {
  SECURITY_AUDIT: 'security_audit',
  CODE_REVIEW: 'code_review',
  BACKEND_DEVELOPMENT: 'backend_development',
  FRONTEND_DEVELOPMENT: 'frontend_development',
  DATABASE_OPTIMIZATION: 'database_optimization',
  TESTING: 'testing',
  DOCUMENTATION: 'documentation',
  VALIDATION: 'validation',
} as const;

export const CapabilitySchema = z
  .string()
  .regex(/^[a-z][a-z0-9_-]*$/, 'capability must be lower_snake_case (letters, digits, _ or -)');

export const PrioritySchema = z.enum(['low', 'normal', 'high', 'critical']);
export type Priority = z.infer<typeof PrioritySchema>;
export const UrgencySchema = z.enum(['low', 'normal', 'high', 'immediate']);
export type Urgency = z.infer<typeof UrgencySchema>;

const record = z.record(z.string(), z.unknown());

/** One piece of evidence behind a verdict: what was checked, how it ended, and what was seen. */
export const ValidationCheckSchema = z.object({
  /** parse, types, rescan, tests (validators may add their own). */
  name: z.string().min(1),
  status: z.enum(['passed', 'failed', 'not run']),
  detail: z.string(),
});
export type ValidationCheck = z.infer<typeof ValidationCheckSchema>;

/** What a validator checked to reach its verdict, so a reader can weigh it (empty lists: checked, nothing there). */
export const ValidationEvidenceSchema = z.object({
  /** Files the scanner re-ran on; empty when no scan ran. */
  filesRescanned: z.array(z.string()),
  /** Problems the change brought in. */
  newFindings: z.array(FindingSchema),
  /** Ids of the request's findings the change resolves (checked by the re-scan). */
  findingsResolved: z.array(z.string()),
  /** The workspace's tests, or null when they were not run (with why). */
  tests: z.object({ command: z.string(), passed: z.boolean(), summary: z.string() }).nullable(),
  testsNotRun: z.string().optional(),
  /** Changed files that no longer parse (or type-check); empty: all parsed. */
  parseErrors: z.array(z.string()),
  /** Whether the validator looked at the diff of the change. */
  diffReviewed: z.boolean(),
  /** Type errors the change brought in (absent: not type-checked). */
  typeErrors: z.array(z.string()).optional(),
  /** The evidence item by item, in the order checked; absent from validators that list none. */
  checks: z.array(ValidationCheckSchema).optional(),
});
export type ValidationEvidence = z.infer<typeof ValidationEvidenceSchema>;

export const PayloadSchemas = {
  finding_report: FindingSchema,
  context_share: z.object({ topic: z.string().min(1), data: record }),
  warning: z.object({ message: z.string().min(1), file: z.string().optional(), line: z.number().int().min(1).optional() }),
  assistance_request: z.object({ capability: CapabilitySchema, context: record, urgency: UrgencySchema }),
  assistance_response: z.object({ resolved: z.boolean(), answer: record }),
  validation_request: z.object({
    changesImplemented: z.array(z.string()),
    filesModified: z.array(z.string()),
    requestingReview: z.boolean(),
    /** Ids of the findings the change claims to fix; the validator checks they are gone. */
    findingIds: z.array(z.string()).default([]),
  }),
  validation_result: z.object({
    approved: z.boolean(),
    reasons: z.array(z.string()),
    filesChecked: z.array(z.string()),
    remainingFindings: z.array(FindingSchema).default([]),
    /** What the validator really checked; absent from validators (and stored runs) that say nothing about it. */
    evidence: ValidationEvidenceSchema.optional(),
  }),
  handoff: z.object({ handoffId: z.string().min(1), task: z.string().min(1), urgency: PrioritySchema, contextItems: z.number().int().min(0) }),
  progress_update: z.object({ progress: z.number().min(0).max(100), status: z.string() }),
  pattern_discovered: z.object({
    pattern: z.string().min(1),
    type: z.string().default('general'),
    context: z.string(),
    confidence: z.number().min(0).max(100),
    support: z.number().int().min(0).optional(),
    solution: z.string().optional(),
    applicableTo: z.array(z.string()).default([]),
  }),
  optimization_tip: z.object({ type: z.string().min(1), tip: z.string().min(1), confidence: z.number().min(0).max(100) }),
} as const satisfies Record<MessageType, z.ZodType>;

export type MessagePayloads = { [K in MessageType]: z.output<(typeof PayloadSchemas)[K]> };

const common = {
  priority: PrioritySchema.default('normal'),
  correlationId: z.string().optional(),
  replyTo: z.string().optional(),
};

/** What an agent hands to sendMessage / broadcastMessage: the bus adds id, from, to and timestamp. */
export const MessageInputSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('finding_report'), payload: PayloadSchemas.finding_report, ...common }),
  z.object({ type: z.literal('context_share'), payload: PayloadSchemas.context_share, ...common }),
  z.object({ type: z.literal('warning'), payload: PayloadSchemas.warning, ...common }),
  z.object({ type: z.literal('assistance_request'), payload: PayloadSchemas.assistance_request, ...common }),
  z.object({ type: z.literal('assistance_response'), payload: PayloadSchemas.assistance_response, ...common }),
  z.object({ type: z.literal('validation_request'), payload: PayloadSchemas.validation_request, ...common }),
  z.object({ type: z.literal('validation_result'), payload: PayloadSchemas.validation_result, ...common }),
  z.object({ type: z.literal('handoff'), payload: PayloadSchemas.handoff, ...common }),
  z.object({ type: z.literal('progress_update'), payload: PayloadSchemas.progress_update, ...common }),
  z.object({ type: z.literal('pattern_discovered'), payload: PayloadSchemas.pattern_discovered, ...common }),
  z.object({ type: z.literal('optimization_tip'), payload: PayloadSchemas.optimization_tip, ...common }),
]);
export type MessageInput = z.input<typeof MessageInputSchema>;

export const AgentNameSchema = z
  .string()
  .regex(/^[a-z0-9][a-z0-9._-]*$/i, 'agent name must be letters, digits, ".", "_" or "-"');

const envelope = z.object({
  id: z.string().min(1),
  from: AgentNameSchema,
  /** An agent name, or 'all' for a broadcast. */
  to: z.string().min(1),
  timestamp: z.number().int().nonnegative(),
});

/** A message as delivered and stored: validated input plus the bus's envelope. */
export const MessageSchema = z.intersection(envelope, MessageInputSchema);
export type Message = z.output<typeof MessageSchema>;
export type MessageOf<T extends MessageType> = Extract<Message, { type: T }>;
