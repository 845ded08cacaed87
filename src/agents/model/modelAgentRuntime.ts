// One runtime for every model agent: a system prompt from the agent's definition, its task, the request, inherited
// handoffs and learnings; then turns of model reply -> tool calls -> results until the model stops calling tools,
// or maxTurns, a budget, the timeout or cancellation stops it. Every turn, tool call and wait is an event of the run.
import type { RunApprovals } from '../../core/approvals/approvalPolicy';
import type { AgentContext, AgentOutcome, AgentRuntime, AgentServices, ServiceEnvironment } from '../../core/orchestrator/agentRuntime';
import type { MessagePayloads } from '../../core/protocol/messages';
import { ModelError, PathOutsideWorkspaceError, type ModelClient, type ModelMessage, type ModelStreamPart, type ModelToolCall, type ModelUsage } from '../../core/ports';
import type { RecordedModelExchange } from '../../core/protocol/modelExchange';
import type { McpToolSource } from '../mcp/mcpToolHub';
import { grantedTools, toolSpec, ToolError, type ModelTool, type ToolSession } from './modelTools';
import { DEFAULT_VALIDATION_TURNS, gatherEvidence, runTestsForValidation, SUBMIT_VALIDATION_TOOL, SubmitValidationSchema, validationPrompt, verdictFrom, type SubmittedValidation } from './modelValidation';
import { z } from 'zod';

/** Limits of one agent's run; undefined means unlimited (maxTurns has a default). */
export interface ModelAgentLimits {
  maxTurns?: number;
  maxTokens?: number;
  maxCostUsd?: number;
}

/** Tokens and cost spent by every model agent of one run, checked against the run's limits before each turn. */
export interface RunBudget {
  readonly maxTokens?: number;
  readonly maxCostUsd?: number;
  tokens: number;
  costUsd: number;
}

/** Injected by the composition root (the adapters, the price table and the recorder live in a higher layer). */
export interface ModelAgentDependencies {
  name: string;
  capabilities: readonly string[];
  /** The agent's own prompt (its definition's body). */
  prompt: string;
  description: string;
  /** Tool names its definition grants (empty: every tool). */
  tools: readonly string[];
  model: ModelClient;
  /** One per run (its "approve all" lasts for the run): give a function of the session id to share it across agents. */
  approvals: RunApprovals | ((sessionId: string) => RunApprovals);
  limits?: ModelAgentLimits;
  /** Shared by every model agent of the run. */
  runBudget?: RunBudget | ((sessionId: string) => RunBudget);
  estimateCostUsd?: (provider: string, modelId: string, usage: ModelUsage) => number | null;
  /** Tool results longer than this are cut, with a note saying so. */
  maxToolResultChars?: number;
  /** Rate limits: how often to retry, and the longest wait accepted per retry. */
  rateLimitRetries?: number;
  maxRateLimitWaitMs?: number;
  commandTimeoutMs?: number;
  maxOutputTokens?: number;
  /** Tools of MCP servers (granted by `tools` like any other); absent: none. */
  mcpTools?: McpToolSource | null;
}

export const DEFAULT_MAX_TURNS = 25;
const ReadSchema = z.object({ file_path: z.string().min(1) });
const DEFAULT_MAX_TOOL_RESULT_CHARS = 20_000;
/** Context windows are counted in tokens; a token is about four characters of English or code. */
const CHARS_PER_TOKEN = 4;

/** The agent stopped for a reason the user should read (budget, turns, provider error). */
class AgentStop extends Error {}

export function truncateToolResult(text: string, maxChars: number): string {
  if (text.length <= maxChars) return text;
  return `${text.slice(0, maxChars)}\n[truncated: ${text.length - maxChars} more characters not shown; narrow the request (offset/limit, a more specific pattern)]`;
}

function estimateTokens(messages: readonly ModelMessage[]): number {
  let chars = 0;
  for (const message of messages) {
    chars += message.content.length;
    if (message.role === 'assistant') for (const call of message.toolCalls ?? []) chars += call.inputText.length + call.name.length;
  }
  return Math.ceil(chars / CHARS_PER_TOKEN);
}

/**
 * Keeps the conversation within the model's context window: the oldest tool results are replaced by a note
 * (the model can read the file again), never the system prompt, the task or the latest turn.
 */
export function fitContext(messages: ModelMessage[], contextWindow: number | undefined, reserveTokens: number): void {
  if (!contextWindow) return;
  const budget = Math.max(0, contextWindow - reserveTokens);
  for (let i = 0; i < messages.length - 1 && estimateTokens(messages) > budget; i++) {
    const message = messages[i]!;
    if (message.role === 'tool' && !message.content.startsWith('[dropped')) {
      messages[i] = { ...message, content: `[dropped to stay within the context window: ${message.content.length} characters of an earlier ${message.toolName} result]` };
    }
  }
}

function systemPrompt(deps: ModelAgentDependencies, context: AgentContext, tools: readonly ModelTool[]): string {
  const sections = [deps.prompt.trim() || deps.description];
  sections.push(`You are the agent "${context.agent}" in a team of agents working on this workspace (${context.workspace.root}). Paths are workspace-relative.`);
  sections.push(`Tools you can call: ${tools.map((t) => t.name).join(', ')}. Edits are proposals the user may approve; read a file before editing it. When you are done, answer without calling a tool, with a short summary of what you did.`);
  const { learnings } = context;
  const lessons: string[] = [];
  for (const pitfall of learnings.commonPitfalls ?? []) lessons.push(`- pitfall: ${JSON.stringify(pitfall)}`);
  if (learnings.estimatedDuration) lessons.push(`- past runs of this task took about ${JSON.stringify(learnings.estimatedDuration)}`);
  if (lessons.length > 0) sections.push(`What past runs teach:\n${lessons.join('\n')}`);
  return sections.join('\n\n');
}

function userPrompt(context: AgentContext): string {
  const parts = [`Request: ${context.request}`, `Your task: ${context.task}`];
  for (const handoff of context.handoffs) parts.push(`Handoff received: ${JSON.stringify(handoff)}`);
  return parts.join('\n\n');
}

/** What a model turn needs from whoever drives it: the agent's own run, or a service it performs for another. */
type TurnHost = Pick<AgentContext, 'agent' | 'signal' | 'setWaiting' | 'recordModelCall' | 'recordModelExchange'>;

/** Counts a turn's tokens and cost against the agent's own spending and the run's budget. */
function spend(reply: { usage: { inputTokens: number; outputTokens: number }; costUsd: number | null }, spent: { tokens: number; costUsd: number }, runBudget: RunBudget | undefined): void {
  for (const account of runBudget ? [spent, runBudget] : [spent]) {
    account.tokens += reply.usage.inputTokens + reply.usage.outputTokens;
    account.costUsd += reply.costUsd ?? 0;
  }
}

export class ModelAgentRuntime implements AgentRuntime {
  readonly name: string;
  readonly capabilities: readonly string[];
  /** Validating another agent's change is a short model loop of this agent, with the evidence gathered first. */
  readonly services: AgentServices;
  readonly #deps: ModelAgentDependencies;
  /** Recorded turn numbers of this agent in a run, shared by its own run and the validations it performs. */
  readonly #turnNumbers = perRun(() => ({ last: 0 }));

  constructor(deps: ModelAgentDependencies) {
    this.#deps = deps;
    this.name = deps.name;
    this.capabilities = deps.capabilities;
    this.services = { validate: (request, env) => this.#validate(request, env) };
  }

  async run(context: AgentContext): Promise<AgentOutcome> {
    const deps = this.#deps;
    const { model } = deps;
    const tools = [...grantedTools(deps.tools), ...(await this.#mcpTools(context))];
    const byName = new Map(tools.map((t) => [t.name, t]));
    const specs = tools.map(toolSpec);
    const approvals = typeof deps.approvals === 'function' ? deps.approvals(context.sessionId) : deps.approvals;
    const runBudget = typeof deps.runBudget === 'function' ? deps.runBudget(context.sessionId) : deps.runBudget;
    const session: ToolSession = {
      context, approvals, seen: new Map(), filesRead: new Set(), filesModified: new Set(), handoffs: [], findingIds: [], originals: new Map(),
      commandTimeoutMs: deps.commandTimeoutMs ?? 120_000, mcpData: {},
    };
    const messages: ModelMessage[] = [
      { role: 'system', content: systemPrompt(deps, context, tools) },
      { role: 'user', content: userPrompt(context) },
    ];
    const maxTurns = deps.limits?.maxTurns ?? DEFAULT_MAX_TURNS;
    const spent = { tokens: 0, costUsd: 0 };
    let summary = '';
    let stopped: string | undefined;

    try {
      for (let turn = 1; ; turn++) {
        if (turn > maxTurns) throw new AgentStop(`${context.agent} stopped after ${maxTurns} model turns (maxTurns) while still calling tools`);
        this.#checkBudgets(context.agent, spent, runBudget);
        fitContext(messages, model.contextWindow, deps.maxOutputTokens ?? 4096);
        const reply = await this.#turnWithRetries(context, ++this.#turnNumbers(context.sessionId).last, messages, specs);
        spend(reply, spent, runBudget);
        messages.push({ role: 'assistant', content: reply.text, ...(reply.calls.length > 0 ? { toolCalls: reply.calls } : {}) });
        if (reply.text.trim()) summary = reply.text.trim();
        if (reply.calls.length === 0) break;
        for (const call of reply.calls) {
          if (context.signal.aborted) throw context.signal.reason;
          const result = await this.#callTool(context, session, byName, call);
          messages.push({ role: 'tool', toolCallId: call.id, toolName: call.name, content: truncateToolResult(result.content, deps.maxToolResultChars ?? DEFAULT_MAX_TOOL_RESULT_CHARS), ...(result.isError ? { isError: true } : {}) });
        }
      }
    } catch (error) {
      if (!(error instanceof AgentStop)) throw error;
      stopped = error.message;
    }
    return {
      summary: summary || (stopped ?? `${context.agent} finished`),
      filesRead: [...session.filesRead],
      filesModified: [...session.filesModified],
      handoffs: session.handoffs,
      ...(stopped ? { failed: stopped } : {}),
    };
  }

  async #validate(request: MessagePayloads['validation_request'], env: ServiceEnvironment): Promise<MessagePayloads['validation_result']> {
    const deps = this.#deps;
    const gathered = await gatherEvidence(env, request);
    const approvals = typeof deps.approvals === 'function' ? deps.approvals(env.sessionId) : deps.approvals;
    const runBudget = typeof deps.runBudget === 'function' ? deps.runBudget(env.sessionId) : deps.runBudget;
    const host: TurnHost = { agent: this.name, signal: env.signal, setWaiting: env.setWaiting, recordModelCall: env.recordModelCall, recordModelExchange: env.recordModelExchange };
    const specs = [
      { name: 'Read', description: 'Reads a file of the workspace, with line numbers.', inputSchema: z.toJSONSchema(ReadSchema, { io: 'input' }) as Record<string, unknown> },
      { name: 'run_tests', description: "Runs the workspace's tests when the user allows commands; returns the result.", inputSchema: z.toJSONSchema(z.object({}), { io: 'input' }) as Record<string, unknown> },
      { name: SUBMIT_VALIDATION_TOOL, description: 'Submits your verdict on the change; ends the validation.', inputSchema: z.toJSONSchema(SubmitValidationSchema, { io: 'input' }) as Record<string, unknown> },
    ];
    const messages: ModelMessage[] = [
      { role: 'system', content: `${deps.prompt.trim() || deps.description}\n\nYou are "${this.name}", validating a change another agent made. Judge it from the evidence; approve only what the evidence supports.` },
      { role: 'user', content: validationPrompt(request, gathered, env.from, env.request) },
    ];
    const maxTurns = Math.min(deps.limits?.maxTurns ?? DEFAULT_VALIDATION_TURNS, DEFAULT_VALIDATION_TURNS);
    const spent = { tokens: 0, costUsd: 0 };
    let submitted: SubmittedValidation | null = null;
    let noVerdict = `it stopped after ${maxTurns} turns without calling ${SUBMIT_VALIDATION_TOOL}`;
    try {
      for (let turn = 1; turn <= maxTurns && !submitted; turn++) {
        this.#checkBudgets(this.name, spent, runBudget);
        const reply = await this.#turnWithRetries(host, ++this.#turnNumbers(env.sessionId).last, messages, specs);
        spend(reply, spent, runBudget);
        messages.push({ role: 'assistant', content: reply.text, ...(reply.calls.length > 0 ? { toolCalls: reply.calls } : {}) });
        if (reply.calls.length === 0) {
          noVerdict = `it answered without calling ${SUBMIT_VALIDATION_TOOL}`;
          break;
        }
        for (const call of reply.calls) {
          let content: string;
          let isError = false;
          if (call.name === SUBMIT_VALIDATION_TOOL) {
            const parsed = SubmitValidationSchema.safeParse(call.input);
            if (parsed.success) {
              submitted = parsed.data;
              content = 'Verdict recorded.';
            } else {
              content = `Error: invalid arguments for ${SUBMIT_VALIDATION_TOOL}: ${parsed.error.issues.map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`).join('; ')}`;
              isError = true;
            }
          } else if (call.name === 'run_tests') {
            content = await runTestsForValidation(env, this.name, approvals, gathered.evidence, deps.commandTimeoutMs ?? 120_000).catch((error: unknown) => {
              if (env.signal.aborted) throw env.signal.reason;
              isError = true;
              return `Error: ${error instanceof Error ? error.message : String(error)}`;
            });
          } else if (call.name === 'Read') {
            content = await this.#readForValidation(env, call.input).catch((error: unknown) => {
              isError = true;
              return `Error: ${error instanceof Error ? error.message : String(error)}`;
            });
          } else {
            content = `Error: Unknown tool "${call.name}". Available: ${specs.map((spec) => spec.name).join(', ')}`;
            isError = true;
          }
          messages.push({ role: 'tool', toolCallId: call.id, toolName: call.name, content: truncateToolResult(content, deps.maxToolResultChars ?? DEFAULT_MAX_TOOL_RESULT_CHARS), ...(isError ? { isError: true } : {}) });
        }
      }
    } catch (error) {
      if (!(error instanceof AgentStop)) throw error;
      noVerdict = error.message;
    }
    return verdictFrom(submitted, gathered, this.name, noVerdict);
  }

  async #readForValidation(env: ServiceEnvironment, input: unknown): Promise<string> {
    const parsed = ReadSchema.safeParse(input);
    if (!parsed.success) throw new ToolError(`invalid arguments for Read: ${parsed.error.issues.map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`).join('; ')}`);
    const file = parsed.data.file_path;
    env.workspace.resolve(file); // throws PathOutsideWorkspaceError
    const content = await env.useTool('Read', { file_path: file }, () => env.workspace.readFile(file));
    return content.split('\n').map((line, i) => `${String(i + 1).padStart(6)}\t${line}`).join('\n');
  }

  #checkBudgets(agent: string, spent: { tokens: number; costUsd: number }, runBudget: RunBudget | undefined): void {
    const { limits } = this.#deps;
    if (limits?.maxTokens !== undefined && spent.tokens >= limits.maxTokens) throw new AgentStop(`${agent} stopped: its token budget of ${limits.maxTokens} is spent (${spent.tokens} tokens)`);
    if (limits?.maxCostUsd !== undefined && spent.costUsd >= limits.maxCostUsd) throw new AgentStop(`${agent} stopped: its cost budget of $${limits.maxCostUsd} is spent ($${spent.costUsd.toFixed(4)})`);
    if (runBudget?.maxTokens !== undefined && runBudget.tokens >= runBudget.maxTokens) throw new AgentStop(`${agent} stopped: the run's token budget of ${runBudget.maxTokens} is spent (${runBudget.tokens} tokens)`);
    if (runBudget?.maxCostUsd !== undefined && runBudget.costUsd >= runBudget.maxCostUsd) throw new AgentStop(`${agent} stopped: the run's cost budget of $${runBudget.maxCostUsd} is spent ($${runBudget.costUsd.toFixed(4)})`);
  }

  /** The MCP tools granted to this agent; a server that cannot be reached is an error event of the agent, not a stop. */
  async #mcpTools(context: AgentContext): Promise<ModelTool[]> {
    const source = this.#deps.mcpTools;
    if (!source) return [];
    return source.toolsFor(this.#deps.tools, async (server, message, eventTool) => {
      await context.useTool(eventTool ?? `mcp__${server}`, { server }, () => Promise.reject(new Error(message))).catch(() => undefined);
    });
  }

  /** One turn; a rate limit is waited out (bounded, abortable) and retried a bounded number of times. */
  async #turnWithRetries(context: TurnHost, turn: number, messages: readonly ModelMessage[], specs: ReturnType<typeof toolSpec>[]): Promise<TurnReply> {
    const deps = this.#deps;
    const retries = deps.rateLimitRetries ?? 3;
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.#turn(context, turn, messages, specs);
      } catch (error) {
        if (context.signal.aborted) throw context.signal.reason;
        if (!(error instanceof ModelError)) throw new AgentStop(`${context.agent} stopped: the ${deps.model.provider} model call failed: ${(error as Error).message}`);
        if (error.kind === 'rate-limit' && attempt < retries) {
          const waitMs = Math.min(error.retryAfterMs ?? 1000 * 2 ** attempt, deps.maxRateLimitWaitMs ?? 60_000);
          context.setWaiting('rate-limit', `${deps.model.provider} asked to wait ${waitMs} ms`);
          try {
            await abortableDelay(waitMs, context.signal);
          } finally {
            context.setWaiting(null);
          }
          continue;
        }
        throw new AgentStop(`${context.agent} stopped: ${error.provider} model ${deps.model.modelId} failed (${error.kind}${error.kind === 'rate-limit' ? `, after ${attempt} retries` : ''}): ${error.message}`);
      }
    }
  }

  async #turn(context: TurnHost, turn: number, messages: readonly ModelMessage[], specs: ReturnType<typeof toolSpec>[]): Promise<TurnReply> {
    const { model, estimateCostUsd, maxOutputTokens } = this.#deps;
    const request = { messages: [...messages], tools: specs, ...(maxOutputTokens ? { maxOutputTokens } : {}) };
    const parts: ModelStreamPart[] = [];
    const started = Date.now();
    let text = '';
    const calls: ModelToolCall[] = [];
    let finish: Extract<ModelStreamPart, { type: 'finish' }> | null = null;
    let failure: unknown = null;
    context.setWaiting('model', `${model.provider}/${model.modelId} turn ${turn}`);
    try {
      for await (const part of model.stream({ ...request, signal: context.signal })) {
        parts.push(part);
        if (part.type === 'text') text += part.text;
        else if (part.type === 'tool-call') calls.push(part.call);
        else finish = part;
      }
      if (!finish) throw new ModelError('bad-reply', model.provider, 'the reply ended without a finish (no usage)');
    } catch (error) {
      failure = error;
    } finally {
      context.setWaiting(null);
    }
    const durationMs = Math.max(0, Date.now() - started);
    const usage = finish?.usage ?? { inputTokens: 0, outputTokens: 0, cachedInputTokens: 0 };
    const costUsd = estimateCostUsd ? estimateCostUsd(model.provider, model.modelId, usage) : null;
    const modelError = failure instanceof ModelError ? failure : null;
    const exchange: RecordedModelExchange = {
      provider: model.provider, modelId: model.modelId, request, parts, durationMs,
      ...(failure ? { error: { kind: modelError?.kind ?? (context.signal.aborted ? 'aborted' : 'provider'), message: failure instanceof Error ? failure.message : String(failure), ...(modelError?.status !== undefined ? { status: modelError.status } : {}), ...(modelError?.retryAfterMs !== undefined ? { retryAfterMs: modelError.retryAfterMs } : {}) } } : {}),
    };
    context.recordModelExchange(turn, exchange);
    context.recordModelCall({
      provider: model.provider, model: model.modelId, turn, ...usage, durationMs, costUsd,
      finishReason: finish?.reason ?? null, errorKind: failure ? exchange.error!.kind : null,
    });
    if (failure) throw failure;
    return { text, calls, usage, costUsd };
  }

  /** Runs one tool call; a bad call is answered as a tool error and never executed. */
  async #callTool(context: AgentContext, session: ToolSession, byName: ReadonlyMap<string, ModelTool>, call: ModelToolCall): Promise<{ content: string; isError: boolean }> {
    const refuse = (message: string): { content: string; isError: boolean } => {
      // Recorded like every tool call, so the log shows what the model tried.
      void context.useTool(call.name || 'unknown', { arguments: call.inputText.slice(0, 500) }, () => Promise.reject(new Error(message))).catch(() => {});
      return { content: `Error: ${message}`, isError: true };
    };
    const tool = byName.get(call.name);
    if (!tool) return refuse(`Unknown tool "${call.name}". Available: ${[...byName.keys()].join(', ')}`);
    if (call.input === undefined) return refuse(`The arguments of ${call.name} are not valid JSON: ${call.inputText.slice(0, 200)}`);
    const parsed = tool.schema.safeParse(call.input);
    if (!parsed.success) return refuse(`Invalid arguments for ${call.name}: ${parsed.error.issues.map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`).join('; ')}`);
    try {
      return { content: await tool.run(parsed.data, session), isError: false };
    } catch (error) {
      if (context.signal.aborted) throw context.signal.reason;
      if (error instanceof PathOutsideWorkspaceError) return refuse(error.message);
      if (error instanceof ToolError) return { content: `Error: ${error.message}`, isError: true };
      return { content: `Error: ${error instanceof Error ? error.message : String(error)}`, isError: true };
    }
  }
}

interface TurnReply {
  text: string;
  calls: ModelToolCall[];
  usage: ModelUsage;
  costUsd: number | null;
}

function abortableDelay(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/** One value per run, shared by the agents of that run; a new session id starts a fresh one. */
export function perRun<T>(make: (sessionId: string) => T): (sessionId: string) => T {
  let current: { sessionId: string; value: T } | null = null;
  return (sessionId) => {
    if (current?.sessionId !== sessionId) current = { sessionId, value: make(sessionId) };
    return current.value;
  };
}
