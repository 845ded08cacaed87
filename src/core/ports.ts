// Interfaces the engine needs from the outside world. The CLI and the VS Code extension pass implementations
// to constructors; tests may pass fakes. Nothing under src/core imports 'vscode'.
import type { OrchestratorEvent } from './protocol/events';
import type { LearnedPattern, LearningRecord } from './protocol/learning';

export interface Clock {
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };

/** Durable append-only sink for events: once append's result settles (or it returns nothing), the event survives a crash. */
export interface EventJournal {
  /**
   * Records `event`. Throws when it cannot be recorded; a durable journal returns a promise settled once the event
   * is on disk (it may be acknowledged only then), an in-memory one nothing.
   */
  append(event: OrchestratorEvent): void | Promise<void>;
}

/** Read access to stored executions and patterns, for the learning system. */
export interface LearningRepository {
  /** The newest `limit` executions of `agent`, newest first. */
  recentExecutions(agent: string, limit: number): LearningRecord[];
  /** Number of stored executions, all agents. */
  executionCount(): number;
  /** Names of agents with at least one stored execution. */
  agentsWithHistory(): string[];
  /** Per finished session, the agents in the order they started, newest sessions first. */
  sessionAgentSequences(limit: number): { sessionId: string; taskType: string; agents: string[]; success: boolean }[];
  /** Patterns stored so far (latest version of each id). */
  patterns(): LearnedPattern[];
  /**
   * What the executions of `agent` that no longer fit its window (maxExecutionsPerAgent) carried, summed up; null
   * when none were folded. Absent in repositories that keep every execution.
   */
  foldedExecutions?(agent: string): FoldedExecutions | null;
  /**
   * The agents planned in `phase` of session `sessionId`, each once: who ran alongside an execution whose record
   * names that phase. Stored once per phase, not per record. Empty when unknown (a phase of one agent, a session
   * whose plan is gone); absent in repositories whose records list their parallel agents themselves.
   */
  phaseAgents?(sessionId: string, phase: number): readonly string[];
}

/** The executions of an agent folded out of its window, as a plain summary (they are deleted one by one). */
export interface FoldedExecutions {
  count: number;
  successes: number;
  /** Sum and sum of squares of ln(1 + duration in ms), over all `count` executions. */
  sumLogDuration: number;
  sumSqLogDuration: number;
  minDuration: number;
  maxDuration: number;
  firstTimestamp: number;
  lastTimestamp: number;
}

/** Thrown when a path given by an agent, a model or a user resolves outside the workspace. */
export class PathOutsideWorkspaceError extends Error {
  constructor(readonly requestedPath: string, readonly workspaceRoot: string) {
    super(`Path "${requestedPath}" is outside the workspace ${workspaceRoot}`);
    this.name = 'PathOutsideWorkspaceError';
  }
}

/** A read refused before the file was read whole: it is larger than the caller's bound. */
export class FileTooLargeError extends Error {
  constructor(readonly requestedPath: string, readonly size: number, readonly maxBytes: number) {
    super(`${requestedPath} is ${size} bytes, over the limit of ${maxBytes}`);
    this.name = 'FileTooLargeError';
  }
}

/** Why `listFiles` left a folder or file out, for callers that tell the user what was not looked at. */
export type ListExclusion = 'gitignored' | 'build-output' | 'vendored';

/** Files of the workspace an agent works on. Paths are workspace-relative with forward slashes. */
export interface WorkspaceFiles {
  readonly root: string;
  /** Source files under the root, skipping dependency and build folders and what `.gitignore` files exclude; sorted.
   * `onExcluded` hears each folder (path ending in `/`) or file left out for a reason a user would want to know. */
  listFiles(options?: { extensions?: readonly string[]; maxFiles?: number; onExcluded?: (path: string, why: ListExclusion) => void }): Promise<string[]>;
  /** With `maxBytes`, throws FileTooLargeError before reading a file larger than that. */
  readFile(relativePath: string, options?: { maxBytes?: number }): Promise<string>;
  writeFile(relativePath: string, content: string): Promise<void>;
  exists(relativePath: string): Promise<boolean>;
  /** Absolute path of a workspace-relative path; throws PathOutsideWorkspaceError if it escapes the root. */
  resolve(relativePath: string): string;
}

export interface CommandResult {
  exitCode: number | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
  durationMs: number;
}

/** Runs a real process. Only constructed when the user allowed commands. */
export interface CommandRunner {
  run(
    command: string,
    args: readonly string[],
    options: { cwd: string; timeoutMs: number; signal?: AbortSignal; env?: Record<string, string> },
  ): Promise<CommandResult>;
}

// ---- Language models -------------------------------------------------------------------------------------------
// One streaming port for every provider (OpenAI-compatible, Anthropic, vscode.lm). Adapters live in src/models/
// and src/vscode/; the tool loop in src/agents/ consumes the stream. One `stream` call is one model turn: the
// adapter never executes tools itself, the loop does (so every tool call is an event and obeys approvals).

/** A tool call the model asked for. `input` is the parsed JSON arguments, or undefined when they did not parse. */
export interface ModelToolCall {
  id: string;
  name: string;
  input: unknown;
  /** The arguments exactly as the model sent them (for the journal, replay and error messages). */
  inputText: string;
}

export type ModelMessage =
  | { role: 'system'; content: string }
  | { role: 'user'; content: string }
  | { role: 'assistant'; content: string; toolCalls?: ModelToolCall[] }
  | { role: 'tool'; toolCallId: string; toolName: string; content: string; isError?: boolean };

/** A tool offered to the model: name, what it does, and its arguments as a JSON Schema object. */
export interface ModelToolSpec {
  name: string;
  description: string;
  inputSchema: Record<string, unknown>;
}

export interface ModelUsage {
  inputTokens: number;
  outputTokens: number;
  /** Input tokens served from the provider's prompt cache (a subset of inputTokens); 0 when unknown. */
  cachedInputTokens: number;
}

export type ModelFinishReason = 'stop' | 'tool-calls' | 'length' | 'content-filter' | 'other';

/** What a model turn streams: text as it arrives, each complete tool call, then exactly one finish with usage. */
export type ModelStreamPart =
  | { type: 'text'; text: string }
  | { type: 'tool-call'; call: ModelToolCall }
  | { type: 'finish'; reason: ModelFinishReason; usage: ModelUsage };

export interface ModelRequest {
  messages: readonly ModelMessage[];
  tools?: readonly ModelToolSpec[];
  /** Upper bound on output tokens for this turn. */
  maxOutputTokens?: number;
  temperature?: number;
  signal?: AbortSignal;
}

/** A language model of one provider. The offline agents never need one. */
export interface ModelClient {
  /** 'openai-compatible', 'anthropic', 'vscode-lm', 'replay', ... */
  readonly provider: string;
  readonly modelId: string;
  /** Context window in tokens when the provider says; the tool loop keeps the conversation within it. */
  readonly contextWindow?: number;
  /** One model turn. Fails (throws from the iterator) with a ModelError. */
  stream(request: ModelRequest): AsyncIterable<ModelStreamPart>;
}

export type ModelErrorKind = 'rate-limit' | 'context-length' | 'auth' | 'network' | 'bad-reply' | 'aborted' | 'provider';

/** Every failure of a model call, typed so the loop can retry, shrink the context or stop with a clear message. */
export class ModelError extends Error {
  readonly kind: ModelErrorKind;
  readonly provider: string;
  /** HTTP status when there was one. */
  readonly status: number | undefined;
  /** For 'rate-limit': how long the provider asked us to wait. */
  readonly retryAfterMs: number | undefined;
  constructor(kind: ModelErrorKind, provider: string, message: string, options: { status?: number; retryAfterMs?: number; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'ModelError';
    this.kind = kind;
    this.provider = provider;
    this.status = options.status;
    this.retryAfterMs = options.retryAfterMs;
  }
}

/** Budgets of model agents (all optional: no limit). */
export interface ModelLimits {
  maxTurns?: number;
  maxTokens?: number;
  maxCostUsd?: number;
}

/** The user's model settings turned into clients, built in src/models/ and handed to the engine by its host. */
export interface ModelResolver {
  /** The model an agent uses (its file's `model:` value maps through the aliases); null = the agent runs offline. */
  forAgent(agentName: string, agentModel?: string): ModelClient | null;
  /** One line for the user: which provider and model agents use, or that they run offline. */
  describe(): string;
  /** Cost in USD of one turn of a client this resolver made (prices from the config over the built-in table); null = unknown. */
  estimateCostUsd(provider: string, modelId: string, usage: ModelUsage): number | null;
  /** Budgets: the run's, and one agent's (its own override over the per-agent default). */
  readonly runLimits: ModelLimits;
  limitsFor(agentName: string): ModelLimits;
}

/** Where warnings the user should see go (terminal, output channel). */
export interface UserNotifier {
  warn(message: string): void;
}

// ---- Approvals ----------------------------------------------------------------------------------------------------
// Nothing is written or run without consent. The policy (config) decides allow / ask / deny first; only "ask"
// reaches the gate: the CLI answers from flags or a TTY prompt, VS Code from a diff editor, tests from a script.

/** What an agent asks to do: an edit shown as its diff, a command shown in full, or another tool with its input. */
export type ApprovalRequest =
  /** `content`: the whole file as proposed, so an editor can show it beside the current one. */
  | { kind: 'edit'; agent: string; tool: string; file: string; diff: string; content: string }
  | { kind: 'command'; agent: string; tool: string; command: string }
  | { kind: 'tool'; agent: string; tool: string; input: Record<string, unknown> };

export type ApprovalDecision =
  | { decision: 'approve' }
  | { decision: 'reject'; reason: string }
  /** Approves this request and every later one of the same kind (edit, command, or this tool) for this run. */
  | { decision: 'approve-all' };

export interface ApprovalGate {
  /** Resolves when the user decided; rejects (or resolves reject) when `signal` aborts. */
  request(request: ApprovalRequest, signal: AbortSignal): Promise<ApprovalDecision>;
}
