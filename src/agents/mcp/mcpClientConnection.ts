/*
 * One connection to an MCP server through @modelcontextprotocol/sdk: a child process over stdio, or Streamable HTTP.
 * Every step is bounded in time (a server that never answers must not hold a run), the server's stderr is kept
 * (bounded) for the error message instead of being printed over the user's terminal, and close() stops the process
 * by its id even when it ignores the polite shutdown.
 */
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { getDefaultEnvironment, StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import { escapeControl } from '../../core/files/safeFiles';
import { maskSecrets } from '../../core/security/secretMasking';
import type { McpServerDefinition } from './mcpServerConfig';

export const DEFAULT_MCP_CONNECT_TIMEOUT_MS = 10_000;
export const DEFAULT_MCP_CALL_TIMEOUT_MS = 15_000;
/** The last bytes of a server's stderr kept for error messages. */
const STDERR_TAIL_BYTES = 2_000;
/** A tool result bigger than this is refused: a server must not fill the engine's memory. */
export const MAX_MCP_RESULT_BYTES = 1024 * 1024;

export class McpServerError extends Error {
  constructor(readonly server: string, message: string) {
    super(`MCP server "${server}": ${message}`);
    this.name = 'McpServerError';
  }
}

export interface McpToolInfo {
  name: string;
  description: string;
  inputSchema: Record<string, unknown>;
  readOnly: boolean;
}

export interface McpToolCallResult {
  /** The tool's text content joined, or its structured content as JSON when it has no text. */
  text: string;
  structured: unknown;
  isError: boolean;
  bytes: number;
}

export class McpClientConnection {
  readonly #client: Client;
  readonly #stderrTail: () => string;
  readonly #pid: () => number | null;
  #closed = false;

  private constructor(readonly definition: McpServerDefinition, client: Client, stderrTail: () => string, pid: () => number | null) {
    this.#client = client;
    this.#stderrTail = stderrTail;
    this.#pid = pid;
  }

  get name(): string {
    return this.definition.name;
  }

  /** The server's process id (stdio), for stopping it; null over HTTP or once closed. */
  get pid(): number | null {
    return this.#closed ? null : this.#pid();
  }

  static async connect(definition: McpServerDefinition, options: { timeoutMs?: number; clientName?: string } = {}): Promise<McpClientConnection> {
    const client = new Client({ name: options.clientName ?? 'agent-orchestrator', version: '0.1.0' });
    let transport: Transport;
    let stderrTail = (): string => '';
    let pid = (): number | null => null;
    if (definition.transport === 'stdio') {
      const stdio = new StdioClientTransport({
        command: definition.command,
        args: definition.args,
        // Only the SDK's safe default variables plus what the entry names: never the whole environment (keys).
        env: { ...getDefaultEnvironment(), ...definition.env },
        cwd: definition.cwd,
        stderr: 'pipe',
      });
      let tail = '';
      stdio.stderr?.on('data', (chunk: Buffer | string) => {
        tail = (tail + chunk.toString()).slice(-STDERR_TAIL_BYTES);
      });
      stderrTail = () => tail;
      pid = () => stdio.pid;
      transport = stdio;
    } else {
      transport = new StreamableHTTPClientTransport(new URL(definition.url), { requestInit: { headers: definition.headers } });
    }
    const connection = new McpClientConnection(definition, client, stderrTail, pid);
    const timeoutMs = options.timeoutMs ?? DEFAULT_MCP_CONNECT_TIMEOUT_MS;
    try {
      await withTimeout(client.connect(transport, { timeout: timeoutMs }), timeoutMs, `did not answer within ${timeoutMs} ms`);
    } catch (error) {
      const detail = connection.#describe(error);
      await connection.close();
      throw new McpServerError(definition.name, `could not start (${detail})`);
    }
    return connection;
  }

  async listToolNames(timeoutMs = DEFAULT_MCP_CALL_TIMEOUT_MS): Promise<string[]> {
    return (await this.listTools(timeoutMs)).map((tool) => tool.name);
  }

  /** The server's tools; `readOnly` only when the server says so (readOnlyHint), never assumed. */
  async listTools(timeoutMs = DEFAULT_MCP_CALL_TIMEOUT_MS): Promise<McpToolInfo[]> {
    const result = await this.#bounded(this.#client.listTools(undefined, { timeout: timeoutMs }), timeoutMs, 'listing its tools');
    return result.tools.map((tool) => ({
      name: tool.name,
      description: tool.description ?? tool.title ?? '',
      inputSchema: tool.inputSchema as Record<string, unknown>,
      readOnly: tool.annotations?.readOnlyHint === true,
    }));
  }

  async callTool(name: string, args: Record<string, unknown>, timeoutMs = DEFAULT_MCP_CALL_TIMEOUT_MS): Promise<McpToolCallResult> {
    const result = await this.#bounded(this.#client.callTool({ name, arguments: args }, undefined, { timeout: timeoutMs }), timeoutMs, `calling ${name}`);
    const content = Array.isArray(result.content) ? (result.content as unknown[]) : [];
    const texts: string[] = [];
    for (const part of content) {
      if (typeof part === 'object' && part !== null && (part as { type?: unknown }).type === 'text' && typeof (part as { text?: unknown }).text === 'string') {
        texts.push((part as { text: string }).text);
      }
    }
    const structured = (result as { structuredContent?: unknown }).structuredContent;
    const text = texts.length > 0 ? texts.join('\n') : structured !== undefined ? JSON.stringify(structured) : '';
    const bytes = Buffer.byteLength(text);
    if (bytes > MAX_MCP_RESULT_BYTES) throw new McpServerError(this.name, `${name} returned ${Math.ceil(bytes / 1024)} KB, more than the ${MAX_MCP_RESULT_BYTES / 1024} KB accepted`);
    return { text, structured, isError: result.isError === true, bytes };
  }

  /** Stops the server: the SDK's shutdown (stdin closed, then signals), then SIGKILL by process id if it lingers. */
  async close(): Promise<void> {
    if (this.#closed) return;
    const pid = this.#pid();
    this.#closed = true;
    await withTimeout(this.#client.close(), 3_000, 'close').catch(() => undefined);
    if (pid === null) return;
    if (isAlive(pid)) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // Already gone between the check and the kill.
      }
    }
    // Until Node has reaped it, so that "closed" means gone (bounded: a kill cannot be refused).
    for (let waited = 0; waited < 3_000 && isAlive(pid); waited += 25) await new Promise((resolve) => setTimeout(resolve, 25));
  }

  async #bounded<T>(promise: Promise<T>, timeoutMs: number, what: string): Promise<T> {
    try {
      return await withTimeout(promise, timeoutMs, `${what} took longer than ${timeoutMs} ms`);
    } catch (error) {
      throw new McpServerError(this.name, this.#describe(error));
    }
  }

  #describe(error: unknown): string {
    const message = error instanceof Error ? error.message : String(error);
    const tail = this.#stderrTail().trim().split('\n').slice(-3).join(' | ');
    return escapeControl(maskSecrets(tail ? `${message}; its stderr ends with: ${tail}` : message)).slice(0, 1_000);
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(message)), ms);
    timer.unref?.();
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
