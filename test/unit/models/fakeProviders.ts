// Local HTTP servers on 127.0.0.1 that speak the providers' real wire protocols (OpenAI Chat Completions SSE,
// Anthropic Messages SSE), so the adapters are tested through the SDK's real HTTP and SSE parsing.
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedRequest {
  method: string;
  path: string;
  headers: http.IncomingHttpHeaders;
  body: Record<string, unknown>;
}

export type Reply = (request: ReceivedRequest, response: http.ServerResponse) => void | Promise<void>;

export interface FakeServer {
  baseUrl: string;
  received: ReceivedRequest[];
  close(): Promise<void>;
}

/** Answers the n-th request with replies[n] (the last one repeats). */
export async function startFakeServer(replies: Reply[]): Promise<FakeServer> {
  const received: ReceivedRequest[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      const request: ReceivedRequest = { method: req.method ?? '', path: req.url ?? '', headers: req.headers, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
      received.push(request);
      const reply = replies[Math.min(received.length - 1, replies.length - 1)]!;
      void Promise.resolve(reply(request, res)).catch((error: unknown) => {
        res.destroy(error as Error);
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}/v1`,
    received,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export function sse(res: http.ServerResponse, events: string[], options: { end?: boolean } = {}): void {
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
  for (const event of events) res.write(event);
  if (options.end !== false) res.end();
}

export function jsonError(status: number, body: unknown, headers: Record<string, string> = {}): Reply {
  return (_request, res) => {
    res.writeHead(status, { 'content-type': 'application/json', ...headers });
    res.end(JSON.stringify(body));
  };
}

// ---- OpenAI Chat Completions -------------------------------------------------------------------------------

const base = { id: 'chatcmpl-1', object: 'chat.completion.chunk', created: 1_700_000_000, model: 'test-model' };

export function openaiData(chunk: Record<string, unknown>): string {
  return `data: ${JSON.stringify({ ...base, ...chunk })}\n\n`;
}

export function openaiText(text: string): string {
  return openaiData({ choices: [{ index: 0, delta: { content: text }, finish_reason: null }] });
}

export function openaiFinish(reason: string): string {
  return openaiData({ choices: [{ index: 0, delta: {}, finish_reason: reason }] });
}

export function openaiUsage(prompt: number, completion: number, cached = 0): string {
  return openaiData({ choices: [], usage: { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion, prompt_tokens_details: { cached_tokens: cached } } });
}

/** A tool call whose arguments arrive in pieces, as OpenAI streams them. */
export function openaiToolCall(index: number, id: string, name: string, argumentPieces: string[]): string[] {
  const [first = '', ...rest] = argumentPieces;
  return [
    openaiData({ choices: [{ index: 0, delta: { tool_calls: [{ index, id, type: 'function', function: { name, arguments: first } }] }, finish_reason: null }] }),
    ...rest.map((piece) => openaiData({ choices: [{ index: 0, delta: { tool_calls: [{ index, function: { arguments: piece } }] }, finish_reason: null }] })),
  ];
}

export const OPENAI_DONE = 'data: [DONE]\n\n';

// ---- Anthropic Messages ------------------------------------------------------------------------------------

export function anthropicEvent(type: string, data: Record<string, unknown>): string {
  return `event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`;
}

export function anthropicStart(inputTokens: number, cacheRead = 0): string {
  return anthropicEvent('message_start', {
    message: {
      id: 'msg_1',
      type: 'message',
      role: 'assistant',
      model: 'claude-test',
      content: [],
      stop_reason: null,
      stop_sequence: null,
      usage: { input_tokens: inputTokens, output_tokens: 1, cache_read_input_tokens: cacheRead, cache_creation_input_tokens: 0 },
    },
  });
}

export function anthropicText(index: number, pieces: string[]): string[] {
  return [
    anthropicEvent('content_block_start', { index, content_block: { type: 'text', text: '' } }),
    ...pieces.map((text) => anthropicEvent('content_block_delta', { index, delta: { type: 'text_delta', text } })),
    anthropicEvent('content_block_stop', { index }),
  ];
}

export function anthropicToolUse(index: number, id: string, name: string, jsonPieces: string[]): string[] {
  return [
    anthropicEvent('content_block_start', { index, content_block: { type: 'tool_use', id, name, input: {} } }),
    ...jsonPieces.map((partial_json) => anthropicEvent('content_block_delta', { index, delta: { type: 'input_json_delta', partial_json } })),
    anthropicEvent('content_block_stop', { index }),
  ];
}

export function anthropicEnd(stopReason: string, outputTokens: number): string[] {
  return [anthropicEvent('message_delta', { delta: { stop_reason: stopReason, stop_sequence: null }, usage: { output_tokens: outputTokens } }), anthropicEvent('message_stop', {})];
}
