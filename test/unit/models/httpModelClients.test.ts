import { strict as assert } from 'node:assert';
import { ModelError, type ModelClient, type ModelRequest, type ModelStreamPart } from '../../../src/core/ports';
import { createHttpModelClient } from '../../../src/models/sdkModelClient';
import {
  anthropicEnd,
  anthropicEvent,
  anthropicStart,
  anthropicText,
  anthropicToolUse,
  jsonError,
  OPENAI_DONE,
  openaiFinish,
  openaiText,
  openaiToolCall,
  openaiUsage,
  sse,
  startFakeServer,
  type FakeServer,
  type Reply,
} from './fakeProviders';

const KEY = 'sk-test-secret-0123456789';

const readFileTool = {
  name: 'Read',
  description: 'Read a file of the workspace',
  inputSchema: { type: 'object', properties: { path: { type: 'string' } }, required: ['path'], additionalProperties: false },
};
const grepTool = {
  name: 'Grep',
  description: 'Search the workspace',
  inputSchema: { type: 'object', properties: { pattern: { type: 'string' } }, required: ['pattern'] },
};

const simpleRequest: ModelRequest = {
  messages: [
    { role: 'system', content: 'You are a security reviewer.' },
    { role: 'user', content: 'Review src/auth.ts' },
  ],
  maxOutputTokens: 256,
};

async function collect(client: ModelClient, request: ModelRequest): Promise<ModelStreamPart[]> {
  const parts: ModelStreamPart[] = [];
  for await (const part of client.stream(request)) parts.push(part);
  return parts;
}

async function failure(client: ModelClient, request: ModelRequest, onPart?: (part: ModelStreamPart) => void): Promise<ModelError> {
  try {
    for await (const part of client.stream(request)) onPart?.(part);
  } catch (error) {
    assert.ok(error instanceof ModelError, `expected a ModelError, got ${String(error)}`);
    assert.ok(!error.message.includes(KEY), `the key leaked into: ${error.message}`);
    return error;
  }
  assert.fail('the stream did not fail');
}

function text(parts: ModelStreamPart[]): string {
  return parts.map((part) => (part.type === 'text' ? part.text : '')).join('');
}

const servers: FakeServer[] = [];
async function serve(...replies: Reply[]): Promise<FakeServer> {
  const server = await startFakeServer(replies);
  servers.push(server);
  return server;
}
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

/** Replies with the first events, then holds the stream open until the client goes away. */
function hangAfter(events: string[]): Reply {
  return (_request, res) => {
    sse(res, events, { end: false });
  };
}

/** Replies with the first events, then cuts the connection. */
function cutAfter(events: string[]): Reply {
  return (_request, res) => {
    sse(res, events, { end: false });
    setImmediate(() => res.socket?.destroy());
  };
}

describe('OpenAI-compatible model client (Chat Completions over SSE)', () => {
  const client = (server: FakeServer): ModelClient => createHttpModelClient({ provider: 'openai-compatible', modelId: 'gpt-test', baseUrl: server.baseUrl, apiKey: KEY });

  it('streams text and reports usage with cached tokens, sending the messages, the limit and the key as a bearer token', async () => {
    const server = await serve((_r, res) => sse(res, [openaiText('No '), openaiText('issues found.'), openaiFinish('stop'), openaiUsage(120, 4, 100), OPENAI_DONE]));
    const parts = await collect(client(server), simpleRequest);
    assert.equal(text(parts), 'No issues found.');
    assert.deepEqual(parts.at(-1), { type: 'finish', reason: 'stop', usage: { inputTokens: 120, outputTokens: 4, cachedInputTokens: 100 } });
    assert.equal(parts.filter((part) => part.type === 'finish').length, 1);

    const [request] = server.received;
    assert.equal(request!.path, '/v1/chat/completions');
    assert.equal(request!.headers.authorization, `Bearer ${KEY}`);
    assert.equal(request!.body.model, 'gpt-test');
    assert.equal(request!.body.stream, true);
    assert.deepEqual(request!.body.stream_options, { include_usage: true });
    assert.equal(request!.body.max_tokens, 256);
    assert.deepEqual(request!.body.messages, [
      { role: 'system', content: 'You are a security reviewer.' },
      { role: 'user', content: 'Review src/auth.ts' },
    ]);
  });

  it('streams two tool calls whose arguments arrive in pieces, offering the tools with their JSON schemas', async () => {
    const server = await serve((_r, res) =>
      sse(res, [
        ...openaiToolCall(0, 'call_a', 'Read', ['{"pa', 'th": "src/', 'auth.ts"}']),
        ...openaiToolCall(1, 'call_b', 'Grep', ['{"pattern"', ': "password"}']),
        openaiFinish('tool_calls'),
        openaiUsage(50, 20),
        OPENAI_DONE,
      ]),
    );
    const parts = await collect(client(server), { ...simpleRequest, tools: [readFileTool, grepTool] });
    assert.deepEqual(parts, [
      { type: 'tool-call', call: { id: 'call_a', name: 'Read', input: { path: 'src/auth.ts' }, inputText: '{"path": "src/auth.ts"}' } },
      { type: 'tool-call', call: { id: 'call_b', name: 'Grep', input: { pattern: 'password' }, inputText: '{"pattern": "password"}' } },
      { type: 'finish', reason: 'tool-calls', usage: { inputTokens: 50, outputTokens: 20, cachedInputTokens: 0 } },
    ]);
    assert.deepEqual(server.received[0]!.body.tools, [
      { type: 'function', function: { name: 'Read', description: readFileTool.description, parameters: readFileTool.inputSchema } },
      { type: 'function', function: { name: 'Grep', description: grepTool.description, parameters: grepTool.inputSchema } },
    ]);
  });

  it('sends earlier tool calls and their results (errors included) back in the conversation', async () => {
    const server = await serve((_r, res) => sse(res, [openaiText('Done.'), openaiFinish('stop'), OPENAI_DONE]));
    await collect(client(server), {
      messages: [
        { role: 'user', content: 'Review src/auth.ts' },
        { role: 'assistant', content: '', toolCalls: [{ id: 'call_a', name: 'Read', input: { path: 'src/auth.ts' }, inputText: '{"path":"src/auth.ts"}' }, { id: 'call_b', name: 'Read', input: undefined, inputText: '{"path":' }] },
        { role: 'tool', toolCallId: 'call_a', toolName: 'Read', content: 'const password = "x";' },
        { role: 'tool', toolCallId: 'call_b', toolName: 'Read', content: 'The arguments are not valid JSON', isError: true },
      ],
      tools: [readFileTool],
    });
    const messages = server.received[0]!.body.messages as Array<Record<string, unknown>>;
    assert.deepEqual(messages[1], {
      role: 'assistant',
      content: null,
      tool_calls: [
        { id: 'call_a', type: 'function', function: { name: 'Read', arguments: '{"path":"src/auth.ts"}' } },
        { id: 'call_b', type: 'function', function: { name: 'Read', arguments: '{}' } },
      ],
    });
    assert.deepEqual(messages.slice(2), [
      { role: 'tool', tool_call_id: 'call_a', content: 'const password = "x";' },
      { role: 'tool', tool_call_id: 'call_b', content: 'The arguments are not valid JSON' },
    ]);
  });

  it('passes a tool call whose arguments are not valid JSON to the loop with the raw text instead of failing the turn', async () => {
    const server = await serve((_r, res) => sse(res, [...openaiToolCall(0, 'call_x', 'Read', ['{"path": "src/a', '.ts"']), openaiFinish('tool_calls'), OPENAI_DONE]));
    const parts = await collect(client(server), { ...simpleRequest, tools: [readFileTool] });
    assert.deepEqual(parts[0], { type: 'tool-call', call: { id: 'call_x', name: 'Read', input: undefined, inputText: '{"path": "src/a.ts"' } });
    assert.equal(parts.at(-1)?.type, 'finish');
  });

  it('passes a call of a tool that was not offered to the loop as it came, with its parsed arguments', async () => {
    const server = await serve((_r, res) => sse(res, [...openaiToolCall(0, 'call_u', 'Bash', ['{"command": "rm -rf /"}']), openaiFinish('tool_calls'), OPENAI_DONE]));
    const parts = await collect(client(server), { ...simpleRequest, tools: [readFileTool] });
    assert.deepEqual(parts[0], { type: 'tool-call', call: { id: 'call_u', name: 'Bash', input: { command: 'rm -rf /' }, inputText: '{"command": "rm -rf /"}' } });
  });

  it('reports 429 as a rate limit with the retry-after delay, without retrying on its own', async () => {
    const server = await serve(jsonError(429, { error: { message: 'Rate limit reached for requests', type: 'requests', code: 'rate_limit_exceeded' } }, { 'retry-after': '7' }));
    const error = await failure(client(server), simpleRequest);
    assert.equal(error.kind, 'rate-limit');
    assert.equal(error.status, 429);
    assert.equal(error.retryAfterMs, 7000);
    assert.match(error.message, /Rate limit reached/);
    assert.equal(server.received.length, 1);
  });

  it('prefers retry-after-ms when the provider sends it', async () => {
    const server = await serve(jsonError(429, { error: { message: 'slow down' } }, { 'retry-after-ms': '1500', 'retry-after': '2' }));
    assert.equal((await failure(client(server), simpleRequest)).retryAfterMs, 1500);
  });

  it('reports 500 as a provider error, once', async () => {
    const server = await serve(jsonError(500, { error: { message: 'The server had an error while processing your request' } }));
    const error = await failure(client(server), simpleRequest);
    assert.equal(error.kind, 'provider');
    assert.equal(error.status, 500);
    assert.equal(server.received.length, 1);
  });

  it('reports 401 as an auth error without repeating the key the provider echoed', async () => {
    const server = await serve(jsonError(401, { error: { message: `Incorrect API key provided: ${KEY}.`, type: 'invalid_request_error', code: 'invalid_api_key' } }));
    const error = await failure(client(server), simpleRequest);
    assert.equal(error.kind, 'auth');
    assert.match(error.message, /Incorrect API key provided: \[redacted\]/);
  });

  it('reports the context-length 400 as context-length', async () => {
    const server = await serve(
      jsonError(400, { error: { message: "This model's maximum context length is 8192 tokens. However, your messages resulted in 9000 tokens.", type: 'invalid_request_error', code: 'context_length_exceeded' } }),
    );
    const error = await failure(client(server), simpleRequest);
    assert.equal(error.kind, 'context-length');
    assert.equal(error.status, 400);
  });

  it('reports a 400 that is not about the context as a provider error', async () => {
    const server = await serve(jsonError(400, { error: { message: 'Unknown parameter: foo' } }));
    assert.equal((await failure(client(server), simpleRequest)).kind, 'provider');
  });

  it('reports malformed JSON in the stream as a bad reply', async () => {
    const server = await serve((_r, res) => sse(res, [openaiText('Hel'), 'data: {"choices": [ {"delta": \n\n', openaiFinish('stop'), OPENAI_DONE]));
    const error = await failure(client(server), simpleRequest);
    assert.equal(error.kind, 'bad-reply');
  });

  it('reports a stream cut in the middle as a network error, after the text that arrived', async () => {
    const server = await serve(cutAfter([openaiText('Partial ')]));
    const seen: ModelStreamPart[] = [];
    const error = await failure(client(server), simpleRequest, (part) => seen.push(part));
    assert.equal(error.kind, 'network');
    assert.equal(seen.some((part) => part.type === 'finish'), false);
  });

  it('reports a refused connection as a network error', async () => {
    const server = await serve(jsonError(500, {}));
    await server.close();
    const error = await failure(client(server), simpleRequest);
    assert.equal(error.kind, 'network');
    assert.equal(server.received.length, 0);
  });

  it('stops with an aborted error when the signal fires mid-stream', async () => {
    const server = await serve(hangAfter([openaiText('Thinking')]));
    const controller = new AbortController();
    const error = await failure(client(server), { ...simpleRequest, signal: controller.signal }, (part) => {
      if (part.type === 'text') controller.abort();
    });
    assert.equal(error.kind, 'aborted');
  });
});

describe('Anthropic model client (Messages over SSE)', () => {
  const client = (server: FakeServer): ModelClient => createHttpModelClient({ provider: 'anthropic', modelId: 'claude-test', baseUrl: server.baseUrl, apiKey: KEY });

  it('streams text and usage (with cache reads), sending the system prompt apart, max_tokens and the key as x-api-key', async () => {
    const server = await serve((_r, res) => sse(res, [anthropicStart(30, 200), ...anthropicText(0, ['No ', 'issues.']), ...anthropicEnd('end_turn', 6)]));
    const parts = await collect(client(server), simpleRequest);
    assert.equal(text(parts), 'No issues.');
    const finish = parts.at(-1);
    assert.ok(finish?.type === 'finish');
    assert.equal(finish.reason, 'stop');
    assert.equal(finish.usage.outputTokens, 6);
    assert.equal(finish.usage.cachedInputTokens, 200);
    assert.equal(finish.usage.inputTokens, 230, 'input tokens include the cached ones');

    const [request] = server.received;
    assert.equal(request!.path, '/v1/messages');
    assert.equal(request!.headers['x-api-key'], KEY);
    assert.equal(request!.headers.authorization, undefined);
    assert.ok(request!.headers['anthropic-version']);
    assert.equal(request!.body.model, 'claude-test');
    assert.equal(request!.body.max_tokens, 256);
    assert.equal(request!.body.stream, true);
    assert.deepEqual(request!.body.system, [{ type: 'text', text: 'You are a security reviewer.' }]);
    assert.deepEqual(request!.body.messages, [{ role: 'user', content: [{ type: 'text', text: 'Review src/auth.ts' }] }]);
  });

  it('streams text then two tool_use blocks whose JSON arrives in pieces, offering the tools with their input schemas', async () => {
    const server = await serve((_r, res) =>
      sse(res, [
        anthropicStart(40),
        ...anthropicText(0, ['Let me look.']),
        ...anthropicToolUse(1, 'toolu_a', 'Read', ['{"path":', ' "src/auth.ts"}']),
        ...anthropicToolUse(2, 'toolu_b', 'Grep', ['{"pattern": "pass', 'word"}']),
        ...anthropicEnd('tool_use', 25),
      ]),
    );
    const parts = await collect(client(server), { ...simpleRequest, tools: [readFileTool, grepTool] });
    assert.deepEqual(
      parts.filter((part) => part.type === 'tool-call'),
      [
        { type: 'tool-call', call: { id: 'toolu_a', name: 'Read', input: { path: 'src/auth.ts' }, inputText: '{"path": "src/auth.ts"}' } },
        { type: 'tool-call', call: { id: 'toolu_b', name: 'Grep', input: { pattern: 'password' }, inputText: '{"pattern": "password"}' } },
      ],
    );
    assert.equal(text(parts), 'Let me look.');
    assert.deepEqual(parts.at(-1), { type: 'finish', reason: 'tool-calls', usage: { inputTokens: 40, outputTokens: 25, cachedInputTokens: 0 } });
    const tools = server.received[0]!.body.tools as Array<Record<string, unknown>>;
    assert.deepEqual(
      tools.map((tool) => ({ name: tool.name, description: tool.description, input_schema: tool.input_schema })),
      [
        { name: 'Read', description: readFileTool.description, input_schema: readFileTool.inputSchema },
        { name: 'Grep', description: grepTool.description, input_schema: grepTool.inputSchema },
      ],
    );
  });

  it('sends tool results back as tool_result blocks, errors marked', async () => {
    const server = await serve((_r, res) => sse(res, [anthropicStart(10), ...anthropicText(0, ['ok']), ...anthropicEnd('end_turn', 1)]));
    await collect(client(server), {
      messages: [
        { role: 'user', content: 'Review' },
        { role: 'assistant', content: 'Reading.', toolCalls: [{ id: 'toolu_a', name: 'Read', input: { path: 'a.ts' }, inputText: '{"path":"a.ts"}' }] },
        { role: 'tool', toolCallId: 'toolu_a', toolName: 'Read', content: 'outside the workspace', isError: true },
      ],
      tools: [readFileTool],
    });
    const messages = server.received[0]!.body.messages as Array<{ role: string; content: Array<Record<string, unknown>> }>;
    assert.deepEqual(
      messages[1]!.content.map(({ cache_control: _ignored, ...block }) => block),
      [
        { type: 'text', text: 'Reading.' },
        { type: 'tool_use', id: 'toolu_a', name: 'Read', input: { path: 'a.ts' } },
      ],
    );
    assert.equal(messages[2]!.role, 'user');
    assert.deepEqual(
      messages[2]!.content.map(({ type, tool_use_id, is_error, content }) => ({ type, tool_use_id, is_error, content })),
      [{ type: 'tool_result', tool_use_id: 'toolu_a', is_error: true, content: 'outside the workspace' }],
    );
  });

  it('passes a tool_use whose JSON is invalid to the loop with the raw text', async () => {
    const server = await serve((_r, res) => sse(res, [anthropicStart(10), ...anthropicToolUse(0, 'toolu_x', 'Read', ['{"path": ', '"a.ts",}']), ...anthropicEnd('tool_use', 5)]));
    const parts = await collect(client(server), { ...simpleRequest, tools: [readFileTool] });
    assert.deepEqual(parts[0], { type: 'tool-call', call: { id: 'toolu_x', name: 'Read', input: undefined, inputText: '{"path": "a.ts",}' } });
  });

  it('reports 429 with retry-after as a rate limit', async () => {
    const server = await serve(jsonError(429, { type: 'error', error: { type: 'rate_limit_error', message: 'Number of request tokens has exceeded your per-minute rate limit' } }, { 'retry-after': '12' }));
    const error = await failure(client(server), simpleRequest);
    assert.equal(error.kind, 'rate-limit');
    assert.equal(error.retryAfterMs, 12_000);
    assert.equal(server.received.length, 1);
  });

  it('reports 401 as auth, 500 and 529 as provider errors', async () => {
    const auth = await serve(jsonError(401, { type: 'error', error: { type: 'authentication_error', message: 'invalid x-api-key' } }));
    assert.equal((await failure(client(auth), simpleRequest)).kind, 'auth');
    const internal = await serve(jsonError(500, { type: 'error', error: { type: 'api_error', message: 'Internal server error' } }));
    assert.equal((await failure(client(internal), simpleRequest)).kind, 'provider');
    const overloaded = await serve(jsonError(529, { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } }));
    const error = await failure(client(overloaded), simpleRequest);
    assert.equal(error.kind, 'provider');
    assert.equal(error.status, 529);
    assert.equal(overloaded.received.length, 1);
  });

  it('reports "prompt is too long" as context-length', async () => {
    const server = await serve(jsonError(400, { type: 'error', error: { type: 'invalid_request_error', message: 'prompt is too long: 214000 tokens > 200000 maximum' } }));
    assert.equal((await failure(client(server), simpleRequest)).kind, 'context-length');
  });

  it('reports malformed JSON in the stream as a bad reply', async () => {
    const server = await serve((_r, res) => sse(res, [anthropicStart(10), 'event: content_block_start\ndata: {"type": "content_block_start", "index": 0,\n\n', ...anthropicEnd('end_turn', 1)]));
    assert.equal((await failure(client(server), simpleRequest)).kind, 'bad-reply');
  });

  it('reports an error event in the stream (overloaded mid-reply) as a provider error', async () => {
    const server = await serve((_r, res) => sse(res, [anthropicStart(10), ...anthropicText(0, ['Hi']), anthropicEvent('error', { error: { type: 'overloaded_error', message: 'Overloaded' } })]));
    const error = await failure(client(server), simpleRequest);
    assert.equal(error.kind, 'provider');
    assert.match(error.message, /Overloaded/);
  });

  it('reports a stream cut in the middle as a network error', async () => {
    const server = await serve(cutAfter([anthropicStart(10), anthropicEvent('content_block_start', { index: 0, content_block: { type: 'text', text: '' } })]));
    assert.equal((await failure(client(server), simpleRequest)).kind, 'network');
  });

  it('stops with an aborted error when the signal fires mid-stream', async () => {
    const server = await serve(hangAfter([anthropicStart(10), ...anthropicText(0, ['Thinking'])]));
    const controller = new AbortController();
    const error = await failure(client(server), { ...simpleRequest, signal: controller.signal }, (part) => {
      if (part.type === 'text') controller.abort();
    });
    assert.equal(error.kind, 'aborted');
  });
});
