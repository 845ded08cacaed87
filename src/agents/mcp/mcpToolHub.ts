/*
 * The tools of MCP servers, for model agents, named as Claude Code names them (`mcp__<server>__<tool>`). An agent
 * file grants them like any tool: `mcp__github` (or `mcp__github__*`) for a whole server, `mcp__github__get_issue`
 * for one tool; an agent file with no `tools:` gets every server's tools (Claude Code's rule).
 *
 * Servers are started on first use in a run (only when the user allowed it) and stopped by process id when the
 * run ends. Every call goes through the run's approvals (a tool the server does not declare read-only is never
 * approved by a flag: the permission rules or a person must allow it) and is an event of the run (server, tool,
 * arguments, duration, result size). What an agent got from a server travels in its handoffs' `mcpData`.
 * A server that fails to start, hangs or answers nonsense is an error event of that agent; nothing else stops.
 */
import { z } from 'zod';
import type { OrchestratorEvent } from '../../core/protocol/events';
import { approveToolCall, ToolError, type ModelTool, type ToolSession } from '../model/modelTools';
import { DEFAULT_MCP_CALL_TIMEOUT_MS, McpClientConnection, type McpToolInfo } from './mcpClientConnection';
import type { McpServerDefinition } from './mcpServerConfig';

/** Provider tool names: letters, digits, `_` and `-`, at most 64 (OpenAI's and Anthropic's limit). */
const TOOL_NAME = /^[A-Za-z0-9_-]{1,64}$/;
/** What the model reads of one result; the rest is cut with a note (the event records the full size). */
const MAX_RESULT_CHARS_FOR_MODEL = 20_000;
/** What a handoff carries of one result. */
const MAX_RESULT_CHARS_FOR_HANDOFF = 2_000;
/** Arguments recorded in the event, at most. */
const MAX_RECORDED_ARGUMENT_CHARS = 2_000;

export const mcpToolName = (server: string, tool: string): string => `mcp__${server}__${tool}`;

/** Which tools of `server` the grants give: all, some by name, or none. */
export function grantedServerTools(granted: readonly string[], server: string): 'all' | Set<string> | null {
  if (granted.length === 0) return 'all';
  const prefix = `mcp__${server}`;
  const names = new Set<string>();
  for (const raw of granted) {
    const entry = raw.trim();
    if (entry === prefix || entry === `${prefix}__*`) return 'all';
    if (entry.startsWith(`${prefix}__`)) names.add(entry.slice(prefix.length + 2));
  }
  return names.size > 0 ? names : null;
}

/** `eventTool`: the tool name the failure is recorded under (default `mcp__<server>`). */
export type ToolSourceErrorReporter = (server: string, message: string, eventTool?: string) => Promise<void>;

export interface McpToolSource {
  /** The MCP tools `granted` gives; servers that cannot be reached are reported through `onServerError`. */
  toolsFor(granted: readonly string[], onServerError: ToolSourceErrorReporter): Promise<ModelTool[]>;
}

/** Several tool sources as one (the MCP servers' and the host's, VS Code's): each agent gets all of them, in order. */
export function combinedToolSource(sources: readonly (McpToolSource | null | undefined)[]): McpToolSource | null {
  const present = sources.filter((source): source is McpToolSource => Boolean(source));
  if (present.length <= 1) return present[0] ?? null;
  return {
    async toolsFor(granted, onServerError) {
      const tools: ModelTool[] = [];
      for (const source of present) tools.push(...(await source.toolsFor(granted, onServerError)));
      return tools;
    },
  };
}

export interface McpToolHubOptions {
  servers: ReadonlyMap<string, McpServerDefinition>;
  connectTimeoutMs?: number;
  callTimeoutMs?: number;
}

export class McpToolHub implements McpToolSource {
  readonly #options: McpToolHubOptions;
  readonly #connections = new Map<string, Promise<McpClientConnection>>();
  readonly #tools = new Map<string, Promise<McpToolInfo[]>>();

  constructor(options: McpToolHubOptions) {
    this.#options = options;
  }

  get serverNames(): string[] {
    return [...this.#options.servers.keys()];
  }

  /** Process ids of the servers running now (for tests and diagnostics). */
  async runningPids(): Promise<number[]> {
    const pids: number[] = [];
    for (const pending of this.#connections.values()) {
      const connection = await pending.catch(() => null);
      if (connection?.pid) pids.push(connection.pid);
    }
    return pids;
  }

  async toolsFor(granted: readonly string[], onServerError: ToolSourceErrorReporter): Promise<ModelTool[]> {
    const tools: ModelTool[] = [];
    for (const server of this.#options.servers.keys()) {
      const grant = grantedServerTools(granted, server);
      if (grant === null) continue;
      let listed: McpToolInfo[];
      try {
        listed = await this.#toolList(server);
      } catch (error) {
        await onServerError(server, error instanceof Error ? error.message : String(error));
        continue;
      }
      for (const info of listed) {
        if (grant !== 'all' && !grant.has(info.name)) continue;
        const name = mcpToolName(server, info.name);
        if (!TOOL_NAME.test(name)) continue; // a model provider would refuse the whole request
        tools.push(this.#modelTool(server, info, name));
      }
    }
    return tools;
  }

  /** The run has ended: stop every server it started. */
  readonly observe = (event: OrchestratorEvent): void => {
    if (event.type === 'run.completed') void this.closeAll();
  };

  /** Resolves once every server started so far is stopped, including those a close already in progress stops. */
  async closeAll(): Promise<void> {
    const pending = [...this.#connections.values()];
    this.#connections.clear();
    this.#tools.clear();
    const closing = Promise.all(pending.map(async (connection) => (await connection.catch(() => null))?.close())).then(() => undefined);
    this.#closing = Promise.all([this.#closing, closing]).then(() => undefined);
    await this.#closing;
  }

  #closing: Promise<void> = Promise.resolve();

  #connection(server: string): Promise<McpClientConnection> {
    let pending = this.#connections.get(server);
    if (!pending) {
      const definition = this.#options.servers.get(server);
      if (!definition) return Promise.reject(new Error(`no MCP server named "${server}"`));
      pending = McpClientConnection.connect(definition, { ...(this.#options.connectTimeoutMs !== undefined ? { timeoutMs: this.#options.connectTimeoutMs } : {}) });
      // A failed start is not cached: the next agent (or run) tries again.
      pending.catch(() => this.#connections.delete(server));
      this.#connections.set(server, pending);
    }
    return pending;
  }

  #toolList(server: string): Promise<McpToolInfo[]> {
    let pending = this.#tools.get(server);
    if (!pending) {
      pending = this.#connection(server).then((connection) => connection.listTools(this.#options.callTimeoutMs));
      pending.catch(() => this.#tools.delete(server));
      this.#tools.set(server, pending);
    }
    return pending;
  }

  #modelTool(server: string, info: McpToolInfo, name: string): ModelTool {
    const hub = this;
    return {
      name,
      description: `${info.description || info.name} (MCP server "${server}"${info.readOnly ? ', read-only' : ''})`.slice(0, 1_000),
      schema: z.record(z.string(), z.unknown()),
      jsonSchema: info.inputSchema,
      async run(input: Record<string, unknown>, session: ToolSession): Promise<string> {
        const { context } = session;
        const recordedArguments = JSON.stringify(input);
        const params = {
          server,
          tool: info.name,
          arguments: recordedArguments.length > MAX_RECORDED_ARGUMENT_CHARS ? `${recordedArguments.slice(0, MAX_RECORDED_ARGUMENT_CHARS)}… (${recordedArguments.length} characters)` : input,
        };
        return context.useTool(name, params, async () => {
          // Only a tool its server declares read-only may run on the run's consent alone; any other needs a rule or a person.
          await approveToolCall(session, { kind: 'tool', agent: context.agent, tool: name, input }, info.readOnly);
          const connection = await hub.#connection(server);
          const result = await connection.callTool(info.name, input, hub.#options.callTimeoutMs ?? DEFAULT_MCP_CALL_TIMEOUT_MS);
          if (result.isError) throw new ToolError(`${name} failed: ${result.text.slice(0, 1_000)}`);
          session.mcpData[`${server}/${info.name}`] = result.text.length > MAX_RESULT_CHARS_FOR_HANDOFF ? `${result.text.slice(0, MAX_RESULT_CHARS_FOR_HANDOFF)}…` : result.text;
          const shown = result.text.length > MAX_RESULT_CHARS_FOR_MODEL ? `${result.text.slice(0, MAX_RESULT_CHARS_FOR_MODEL)}\n(cut: ${result.text.length} characters in all)` : result.text;
          return { shown, bytes: result.bytes };
        }, (outcome) => `${outcome.bytes} bytes`).then((outcome) => outcome.shown || '(empty result)');
      },
    };
  }
}
