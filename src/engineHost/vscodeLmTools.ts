// The tools VS Code offers to language models (vscode.lm.tools: other extensions' tools and the MCP servers the user
// configured in VS Code) as model-agent tools. `vscode` exists only in the extension host, so the list and each call
// go there over the engine protocol (tool/list, tool/invoke), served by src/vscode/languageModelTools.ts.
//
// Named `vscode__<tool>` (characters a provider refuses become `_`), so they can never collide with the MCP
// servers' `mcp__<server>__<tool>` nor with the built-in tools; an agent file grants them as `vscode` (or
// `vscode__*`) for all, `vscode__<tool>` for one, and an agent file with no `tools:` gets them all (Claude Code's
// rule, as for MCP). Every call goes through the run's approvals: only a tool whose tags say it is read-only runs on
// the run's consent alone; any other needs a permission rule or the user's answer. Each call is an event of the run
// (tool, arguments, duration, result size), and what it returned travels in the agent's handoffs' mcpData.
import { CancellationTokenSource, type CancellationToken } from 'vscode-jsonrpc/node';
import { z } from 'zod';
import type { McpToolSource, ToolSourceErrorReporter } from '../agents/mcp/mcpToolHub';
import { approveToolCall, ToolError, type ModelTool } from '../agents/model/modelTools';
import { HostMethods, type VscodeToolInfo } from '../shared/engineProtocol';

export const VSCODE_TOOL_PREFIX = 'vscode';
/** Provider tool names: letters, digits, `_` and `-`, at most 64 (OpenAI's and Anthropic's limit). */
const TOOL_NAME = /^[A-Za-z0-9_-]{1,64}$/;
/** Tags a tool author uses to say the tool only reads (VS Code's API has no read-only flag of its own). */
const READ_ONLY_TAG = /^read[-_ ]?only$/i;
const MAX_RESULT_CHARS_FOR_MODEL = 20_000;
const MAX_RESULT_CHARS_FOR_HANDOFF = 2_000;
const MAX_RECORDED_ARGUMENT_CHARS = 2_000;
/** A call VS Code does not answer within this is given up (a tool must not hold a run). */
export const DEFAULT_VSCODE_TOOL_TIMEOUT_MS = 60_000;

export const vscodeToolName = (tool: string): string => `${VSCODE_TOOL_PREFIX}__${tool.replace(/[^A-Za-z0-9_-]/g, '_')}`;

export function isReadOnlyVscodeTool(info: Pick<VscodeToolInfo, 'tags'>): boolean {
  return info.tags.some((tag) => READ_ONLY_TAG.test(tag.trim()));
}

/** Which VS Code tools the grants give: all, some by their vscode__ name, or none. */
export function grantedVscodeTools(granted: readonly string[]): 'all' | Set<string> | null {
  if (granted.length === 0) return 'all';
  const names = new Set<string>();
  for (const raw of granted) {
    const entry = raw.trim();
    if (entry === VSCODE_TOOL_PREFIX || entry === `${VSCODE_TOOL_PREFIX}__*`) return 'all';
    if (entry.startsWith(`${VSCODE_TOOL_PREFIX}__`)) names.add(entry);
  }
  return names.size > 0 ? names : null;
}

/** The two host requests the tools need (the engine's JSON-RPC connection; a fake in tests only behind this). */
export interface VscodeToolConnection {
  sendRequest(method: 'tool/list' | 'tool/invoke', params: unknown, token?: CancellationToken): Promise<unknown>;
}

export class VscodeLmToolSource implements McpToolSource {
  readonly #connection: VscodeToolConnection;
  readonly #timeoutMs: number;
  /** Listed once per run (this source lives as long as the run's engine): every agent sees the same tools. */
  #listed: Promise<VscodeToolInfo[]> | null = null;

  constructor(connection: VscodeToolConnection, options: { timeoutMs?: number } = {}) {
    this.#connection = connection;
    this.#timeoutMs = options.timeoutMs ?? DEFAULT_VSCODE_TOOL_TIMEOUT_MS;
  }

  async toolsFor(granted: readonly string[], onServerError: ToolSourceErrorReporter): Promise<ModelTool[]> {
    const grant = grantedVscodeTools(granted);
    if (grant === null) return [];
    let listed: VscodeToolInfo[];
    try {
      listed = await (this.#listed ??= this.#list());
    } catch (error) {
      this.#listed = null;
      await onServerError(VSCODE_TOOL_PREFIX, `VS Code's tools could not be listed: ${error instanceof Error ? error.message : String(error)}`, VSCODE_TOOL_PREFIX);
      return [];
    }
    const tools: ModelTool[] = [];
    const taken = new Set<string>();
    for (const info of listed) {
      const name = vscodeToolName(info.name);
      // Too long for a provider, or two VS Code names that map to one: left out rather than guessed between.
      if (!TOOL_NAME.test(name) || taken.has(name)) continue;
      taken.add(name);
      if (grant !== 'all' && !grant.has(name)) continue;
      tools.push(this.#modelTool(info, name));
    }
    return tools;
  }

  async #list(): Promise<VscodeToolInfo[]> {
    const raw = await this.#connection.sendRequest('tool/list', {});
    const parsed = HostMethods['tool/list'].result.safeParse(raw);
    if (!parsed.success) throw new Error(`the VS Code window answered tool/list with something malformed: ${parsed.error.message}`);
    return parsed.data.tools;
  }

  #modelTool(info: VscodeToolInfo, name: string): ModelTool {
    const readOnly = isReadOnlyVscodeTool(info);
    const source = this;
    return {
      name,
      description: `${info.description || info.name} (VS Code tool "${info.name}"${readOnly ? ', read-only' : ''})`.slice(0, 1_000),
      schema: z.record(z.string(), z.unknown()),
      jsonSchema: info.inputSchema ?? { type: 'object', properties: {} },
      async run(input: Record<string, unknown>, session): Promise<string> {
        const { context } = session;
        const recorded = JSON.stringify(input);
        const params = {
          server: VSCODE_TOOL_PREFIX,
          tool: info.name,
          arguments: recorded.length > MAX_RECORDED_ARGUMENT_CHARS ? `${recorded.slice(0, MAX_RECORDED_ARGUMENT_CHARS)}… (${recorded.length} characters)` : input,
        };
        return context
          .useTool(name, params, async () => {
            // Only a tool tagged read-only may run on the run's consent alone; any other needs a rule or a person.
            await approveToolCall(session, { kind: 'tool', agent: context.agent, tool: name, input }, readOnly);
            const text = await source.#invoke(info.name, input, context.signal);
            session.mcpData[`${VSCODE_TOOL_PREFIX}/${info.name}`] = text.length > MAX_RESULT_CHARS_FOR_HANDOFF ? `${text.slice(0, MAX_RESULT_CHARS_FOR_HANDOFF)}…` : text;
            const shown = text.length > MAX_RESULT_CHARS_FOR_MODEL ? `${text.slice(0, MAX_RESULT_CHARS_FOR_MODEL)}\n(cut: ${text.length} characters in all)` : text;
            return { shown, bytes: Buffer.byteLength(text) };
          }, (outcome) => `${outcome.bytes} bytes`)
          .then((outcome) => outcome.shown || '(empty result)');
      },
    };
  }

  async #invoke(tool: string, input: Record<string, unknown>, signal: AbortSignal): Promise<string> {
    const cancellation = new CancellationTokenSource();
    const onAbort = (): void => cancellation.cancel();
    signal.addEventListener('abort', onAbort, { once: true });
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        cancellation.cancel();
        reject(new ToolError(`The VS Code tool "${tool}" did not answer within ${this.#timeoutMs} ms.`));
      }, this.#timeoutMs);
      timer.unref?.();
    });
    try {
      const raw = await Promise.race([this.#connection.sendRequest('tool/invoke', { name: tool, input }, cancellation.token), timeout]).catch((error: unknown) => {
        if (error instanceof ToolError) throw error;
        throw new ToolError(`The VS Code tool "${tool}" failed: ${(error instanceof Error ? error.message : String(error)).slice(0, 1_000)}`);
      });
      const parsed = HostMethods['tool/invoke'].result.safeParse(raw);
      if (!parsed.success) throw new ToolError(`The VS Code tool "${tool}" returned something malformed or too large: ${parsed.error.issues[0]?.message ?? parsed.error.message}`);
      return parsed.data.text;
    } finally {
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
      cancellation.dispose();
    }
  }
}
