// The extension host <-> engine process protocol (JSON-RPC over Node IPC, vscode-jsonrpc). The engine runs in its
// own Node process so scanning, sql.js and snapshots never stall the extension host. Written once for both sides;
// each side validates what arrives: params in the engine, results and notifications in the extension host.
import { z } from 'zod';
import { ModelError } from '../core/ports';
import { OrchestratorEventSchema } from '../core/protocol/events';
import { LearnedPatternSchema } from '../core/protocol/learning';
import { ModelErrorInfoSchema, ModelMessageSchema, ModelStreamPartSchema, ModelToolCallSchema, ModelToolSpecSchema, ModelUsageSchema } from '../core/protocol/modelExchange';
import { ExecutionPlanSchema } from '../core/protocol/plan';
import { ReportFormatSchema } from './dashboardProtocol';

/** Overrides from VS Code settings; only keys the user actually set are present (the workspace config file fills the rest). */
export const ConfigOverridesSchema = z.object({
  orchestration: z.record(z.string(), z.unknown()).optional(),
  communication: z.record(z.string(), z.unknown()).optional(),
  learning: z.record(z.string(), z.unknown()).optional(),
});
export type ConfigOverrides = z.infer<typeof ConfigOverridesSchema>;

const SessionIdSchema = z.string().min(1).max(200);

export const RosterEntrySchema = z.object({
  name: z.string(),
  description: z.string(),
  capabilities: z.array(z.string()),
  tools: z.array(z.string()),
  /** 'builtin' or the workspace-relative agent file. */
  source: z.string(),
  runtime: z.enum(['offline', 'model']),
});
export type RosterEntry = z.infer<typeof RosterEntrySchema>;

export const SessionSummarySchema = z.object({
  sessionId: z.string(),
  request: z.string(),
  workspace: z.string(),
  startedAt: z.number(),
  completedAt: z.number().nullable(),
  status: z.enum(['running', 'interrupted', 'completed', 'failed', 'cancelled', 'timed_out']),
  success: z.boolean().nullable(),
  eventCount: z.number().int(),
  agents: z.array(z.string()),
});
export type SessionSummaryDto = z.infer<typeof SessionSummarySchema>;

/** Which VS Code language model (vscode.lm.selectChatModels): a field left out matches every model. */
export const LanguageModelSelectorSchema = z.object({
  vendor: z.string().min(1).max(200).optional(),
  family: z.string().min(1).max(200).optional(),
  id: z.string().min(1).max(400).optional(),
});
export type LanguageModelSelector = z.infer<typeof LanguageModelSelectorSchema>;

export const LanguageModelInfoSchema = z.object({
  id: z.string().min(1),
  vendor: z.string(),
  family: z.string(),
  name: z.string(),
  version: z.string(),
  maxInputTokens: z.number().int().min(0),
});
export type LanguageModelInfo = z.infer<typeof LanguageModelInfoSchema>;

/** One model turn through vscode.lm: the same request the ModelClient port takes, minus what cannot cross a process. */
export const ModelTurnParamsSchema = z.object({
  selector: LanguageModelSelectorSchema,
  messages: z.array(ModelMessageSchema).min(1),
  tools: z.array(ModelToolSpecSchema).optional(),
  maxOutputTokens: z.number().int().min(1).optional(),
});

const ModelFinishSchema = z.object({
  reason: z.enum(['stop', 'tool-calls', 'length', 'content-filter', 'other']),
  usage: ModelUsageSchema,
});

/** What a turn streams before its finish; the finish is the reply to the request itself. */
export const ModelStreamedPartSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('text'), text: z.string() }),
  z.object({ type: z.literal('tool-call'), call: ModelToolCallSchema }),
]);

/** Bounds on what an approval request may carry across the process boundary (a diff of a large file fits). */
const MAX_APPROVAL_TEXT = 4 * 1024 * 1024;

/** A model agent's edit, command or other tool call waiting for the user's consent (ApprovalRequest of the ports). */
export const ApprovalRequestSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('edit'), agent: z.string().min(1).max(200), tool: z.string().min(1).max(200), file: z.string().min(1).max(4096), diff: z.string().max(MAX_APPROVAL_TEXT), content: z.string().max(MAX_APPROVAL_TEXT) }),
  z.object({ kind: z.literal('command'), agent: z.string().min(1).max(200), tool: z.string().min(1).max(200), command: z.string().min(1).max(MAX_APPROVAL_TEXT) }),
  z.object({ kind: z.literal('tool'), agent: z.string().min(1).max(200), tool: z.string().min(1).max(200), input: z.record(z.string(), z.unknown()) }),
]);

export const ApprovalDecisionSchema = z.discriminatedUnion('decision', [
  z.object({ decision: z.literal('approve') }),
  z.object({ decision: z.literal('reject'), reason: z.string().max(10_000) }),
  z.object({ decision: z.literal('approve-all') }),
]);

/** A tool VS Code offers (vscode.lm.tools), as the engine sees it. */
export const VscodeToolInfoSchema = z.object({
  name: z.string().min(1).max(200),
  description: z.string().max(10_000),
  /** The tool's JSON schema; absent: it takes no input. */
  inputSchema: z.record(z.string(), z.unknown()).optional(),
  tags: z.array(z.string().max(200)).max(100),
});
export type VscodeToolInfo = z.infer<typeof VscodeToolInfoSchema>;
/** More than any window offers; a longer list is refused rather than handed to a model whole. */
const MAX_VSCODE_TOOLS = 1_000;
/** A tool result bigger than this is refused (as an MCP server's is): a tool must not fill the engine's memory. */
export const MAX_VSCODE_TOOL_RESULT_CHARS = 1024 * 1024;

/** One MCP server of the workspace as the consent dialog names it: what would be started, secrets masked. */
export const McpServerSummarySchema = z.object({
  name: z.string(),
  source: z.string(),
  transport: z.enum(['stdio', 'http']),
  /** The command line (stdio) or the URL (http). */
  launch: z.string(),
});
export type McpServerSummary = z.infer<typeof McpServerSummarySchema>;

/**
 * Which model the run's agents use, from the VS Code settings: a VS Code language model (reached back through the
 * window), an HTTP provider (its key is in the engine's environment, never here), offline, or auto (a VS Code model
 * when one is offered, else what the workspace's config says).
 */
export const ModelChoiceSchema = z.discriminatedUnion('provider', [
  z.object({ provider: z.literal('auto'), selector: LanguageModelSelectorSchema }),
  z.object({ provider: z.literal('vscode-lm'), selector: LanguageModelSelectorSchema }),
  z.object({ provider: z.enum(['openai-compatible', 'anthropic']), model: z.string().min(1).max(400).optional(), baseUrl: z.string().url().max(2000).optional() }),
  z.object({ provider: z.literal('offline') }),
]);
export type ModelChoice = z.infer<typeof ModelChoiceSchema>;

/**
 * Requests the engine process sends to the extension host, for what only the window has (vscode.lm). The same
 * validation rule as EngineMethods, mirrored: the extension host validates params, the engine validates results
 * and notifications.
 */
export const HostMethods = {
  /** The chat models VS Code offers for the selector, best first. */
  'model/list': {
    params: z.object({ selector: LanguageModelSelectorSchema }),
    result: z.object({ models: z.array(LanguageModelInfoSchema) }),
  },
  /**
   * One model turn. Text and tool calls arrive meanwhile as `model/part` notifications with the same requestId; the
   * request resolves with the finish once the model stopped. JSON-RPC cancellation ($/cancelRequest) cancels the
   * model request. A failure is a JSON-RPC error whose data is `{ code: 'model', modelError }` (ModelErrorInfo).
   */
  'model/stream': {
    params: ModelTurnParamsSchema.extend({ requestId: z.string().min(1).max(200) }),
    result: ModelFinishSchema.extend({ modelId: z.string().min(1) }),
  },
  /**
   * A model agent asks for consent (an edit with its diff and proposed content, a command in full, another tool).
   * JSON-RPC cancellation (the run was cancelled) withdraws the question; the engine then treats it as rejected.
   */
  'approval/request': {
    params: z.object({ request: ApprovalRequestSchema }),
    result: ApprovalDecisionSchema,
  },
  /**
   * The tools VS Code offers to language models (vscode.lm.tools: other extensions' tools, the MCP servers
   * configured in VS Code), without the orchestrator's own (an agent must not start runs from inside a run).
   */
  'tool/list': {
    params: z.object({}),
    result: z.object({ tools: z.array(VscodeToolInfoSchema).max(MAX_VSCODE_TOOLS) }),
  },
  /**
   * Calls one of them (vscode.lm.invokeTool) after the engine's approvals allowed it; the result's parts as text.
   * JSON-RPC cancellation cancels the call. A tool that fails is a JSON-RPC error with its message.
   */
  'tool/invoke': {
    params: z.object({ name: z.string().min(1).max(200), input: z.record(z.string(), z.unknown()) }),
    result: z.object({ text: z.string().max(MAX_VSCODE_TOOL_RESULT_CHARS) }),
  },
} as const;
export type HostMethod = keyof typeof HostMethods;
export type HostParams<M extends HostMethod> = z.output<(typeof HostMethods)[M]['params']>;
export type HostResult<M extends HostMethod> = z.input<(typeof HostMethods)[M]['result']>;

/** Notifications from the extension host to the engine. */
export const HostNotifications = {
  'model/part': z.object({ requestId: z.string().min(1).max(200), part: ModelStreamedPartSchema }),
} as const;
export type HostNotification = keyof typeof HostNotifications;

/** The data of a JSON-RPC error that carries a model failure (either direction). */
export const ModelErrorDataSchema = z.object({ code: z.literal('model'), modelError: ModelErrorInfoSchema });

const ChangeIdSchema = z.string().regex(/^\d{1,9}$/);

/** One change of a session as the review shows it (see src/agents/review/reviewedChanges.ts). */
export const ReviewedChangeSchema = z.object({
  id: ChangeIdSchema,
  file: z.string().min(1).max(4096),
  agent: z.string(),
  status: z.enum(['pending', 'applied-in-run', 'applied', 'discarded']),
  findingIds: z.array(z.string()),
  diff: z.string(),
  /** What applying it now would write; null when it cannot be (see `problem`) or is already applied. */
  proposedContent: z.string().nullable(),
  problem: z.string().nullable(),
});
export type ReviewedChangeDto = z.infer<typeof ReviewedChangeSchema>;

export const ChangeResultSchema = z.object({
  id: ChangeIdSchema,
  file: z.string(),
  outcome: z.enum(['applied', 'already-applied', 'refused', 'discarded', 'skipped']),
  message: z.string(),
});
export type ChangeResultDto = z.infer<typeof ChangeResultSchema>;

/** One request per method: params schema and result schema, so both sides share names and types. */
export const EngineMethods = {
  /** The roster and the plan the orchestrator would run for `request`, with learned estimates. */
  plan: {
    params: z.object({ request: z.string().min(1), agents: z.array(z.string()).optional(), config: ConfigOverridesSchema, model: ModelChoiceSchema.optional() }),
    /** `model`: which model the agents would use, one line (or why none can be used). */
    result: z.object({ plan: ExecutionPlanSchema, roster: z.array(RosterEntrySchema), warnings: z.array(z.string()), model: z.string().optional() }),
  },
  /**
   * Runs a request to the end; events arrive meanwhile as `event` notifications once durable. JSON-RPC
   * cancellation ($/cancelRequest) cancels the run cleanly; the result then has status 'cancelled'.
   */
  run: {
    params: z.object({
      request: z.string().min(1),
      apply: z.boolean(),
      allowCommands: z.boolean(),
      agents: z.array(z.string()).optional(),
      timeoutMs: z.number().int().positive().optional(),
      config: ConfigOverridesSchema,
      /** Absent: what the workspace's config says (tests, older callers). */
      model: ModelChoiceSchema.optional(),
      /** Ask the window before each edit and command (approval/request), even though apply/allowCommands are set. */
      askBeforeChanges: z.boolean().optional(),
      /** The plan the user saw (from `plan`): run as given instead of planning again. */
      plan: ExecutionPlanSchema.optional(),
      /** The user's consent (VS Code's MCP consent) to start the MCP servers the workspace names, for this run. */
      allowMcpServers: z.boolean().optional(),
      /** Model agents may use the tools VS Code offers (tool/list, tool/invoke), each call through the approvals. */
      vscodeTools: z.boolean().optional(),
    }),
    result: z.object({
      success: z.boolean(),
      status: z.enum(['completed', 'failed', 'cancelled', 'timed_out']),
      sessionId: z.string(),
      logFile: z.string(),
      dashboardFile: z.string(),
      reportFile: z.string(),
      error: z.string().optional(),
      warnings: z.array(z.string()),
    }),
  },
  listSessions: {
    params: z.object({ limit: z.number().int().positive().optional() }),
    result: z.array(SessionSummarySchema),
  },
  sessionEvents: {
    params: z.object({ sessionId: SessionIdSchema }),
    result: z.object({ session: SessionSummarySchema, events: z.array(OrchestratorEventSchema) }),
  },
  patterns: {
    params: z.object({}),
    result: z.array(LearnedPatternSchema),
  },
  deletePatterns: {
    params: z.object({ ids: z.array(z.string().min(1)).min(1) }),
    result: z.object({ deleted: z.number().int() }),
  },
  clearLearnings: {
    params: z.object({}),
    result: z.object({ executionsRemoved: z.number().int(), patternsRemoved: z.number().int() }),
  },
  deleteSession: {
    params: z.object({ sessionId: SessionIdSchema }),
    result: z.object({ deleted: z.boolean() }),
  },
  /** The session's proposed changes, each with the content applying it now would write (for a diff editor). */
  reviewChanges: {
    params: z.object({ sessionId: SessionIdSchema }),
    result: z.object({ changes: z.array(ReviewedChangeSchema) }),
  },
  /**
   * Writes the chosen changes of a finished dry run, each only over the content it was made against (the user's
   * explicit action; the window refuses it in Restricted Mode), and records them in the session.
   */
  applyChanges: {
    params: z.object({ sessionId: SessionIdSchema, only: z.array(ChangeIdSchema).min(1) }),
    result: z.object({ results: z.array(ChangeResultSchema), allApplied: z.boolean() }),
  },
  /** Marks pending changes as discarded (nothing is written). */
  discardChanges: {
    params: z.object({ sessionId: SessionIdSchema, only: z.array(ChangeIdSchema).min(1) }),
    result: z.object({ results: z.array(ChangeResultSchema) }),
  },
  /**
   * The MCP servers the workspace names (.mcp.json, .vscode/mcp.json, the config), for the consent dialog; nothing
   * is started. `fingerprint` changes whenever what would be started changes, so a consent is for exactly this list.
   */
  mcpServers: {
    params: z.object({}),
    result: z.object({ servers: z.array(McpServerSummarySchema), problems: z.array(z.string()), fingerprint: z.string() }),
  },
  /** The session's execution report, rendered; the host asks where to save it. */
  exportReport: {
    params: z.object({ sessionId: SessionIdSchema, format: ReportFormatSchema }),
    result: z.object({ content: z.string(), fileName: z.string() }),
  },
  /**
   * Runs one model turn with the window's VS Code language model, from the engine process back through the
   * extension host (engine -> model/stream -> vscode.lm): the path every vscode.lm agent turn takes, so the window
   * can check a chosen model end to end.
   */
  modelTurn: {
    params: ModelTurnParamsSchema,
    result: z.object({
      provider: z.string(),
      modelId: z.string(),
      parts: z.array(ModelStreamPartSchema),
    }),
  },
} as const;
export type EngineMethod = keyof typeof EngineMethods;
export type EngineParams<M extends EngineMethod> = z.input<(typeof EngineMethods)[M]['params']>;
export type EngineResult<M extends EngineMethod> = z.output<(typeof EngineMethods)[M]['result']>;

/** Notifications from the engine to the extension host. */
export const EngineNotifications = {
  /** An event of the running session, after it is durable. */
  event: z.object({ event: OrchestratorEventSchema }),
  /** Something the user should see that did not stop the work (a bad agent file, a view that failed). */
  warning: z.object({ message: z.string() }),
} as const;
export type EngineNotification = keyof typeof EngineNotifications;

/** How the host starts the engine process: arguments after the script path. */
export interface EngineLaunchOptions {
  workspaceRoot: string;
  wasmPath: string;
}

/** Error codes the engine returns in JSON-RPC errors (data.code), so the host can tell the user what to do. */
export const EngineErrorCodes = {
  /** Another process (a CLI run, another window) holds the store's write lock. */
  storeLocked: 'store-locked',
  invalidParams: 'invalid-params',
  config: 'config',
  notFound: 'not-found',
  /** A model call failed; data.modelError says how (ModelErrorInfo). */
  model: 'model',
  /** Raised by the extension's client, not the engine: the window has no local folder to work on. */
  noWorkspace: 'no-workspace',
  /** Raised by the extension's client: the engine process died while a request was pending. */
  engineStopped: 'engine-stopped',
} as const;

/** The JSON-RPC error data that carries `error` across the process boundary. */
export function modelErrorData(error: ModelError): z.infer<typeof ModelErrorDataSchema> {
  return {
    code: 'model',
    modelError: {
      kind: error.kind,
      message: error.message,
      ...(error.status === undefined ? {} : { status: error.status }),
      ...(error.retryAfterMs === undefined ? {} : { retryAfterMs: error.retryAfterMs }),
    },
  };
}

/** The ModelError a JSON-RPC error's data describes, or null when the data is not a model failure. */
export function modelErrorFromData(data: unknown, provider: string): ModelError | null {
  const parsed = ModelErrorDataSchema.safeParse(data);
  if (!parsed.success) return null;
  const { kind, message, status, retryAfterMs } = parsed.data.modelError;
  return new ModelError(kind, provider, message, { ...(status === undefined ? {} : { status }), ...(retryAfterMs === undefined ? {} : { retryAfterMs }) });
}
