import { strict as assert } from 'node:assert';
import { ModelError, type ModelClient, type ModelMessage, type ModelRequest, type ModelStreamPart } from '../../../src/core/ports';
import { RecordedModelExchangeSchema, type RecordedModelExchange } from '../../../src/core/protocol/modelExchange';
import { RecordingModelClient, ReplayDivergenceError, ReplayModelClient } from '../../../src/models/recordReplay';
import { createHttpModelClient } from '../../../src/models/sdkModelClient';
import { jsonError, OPENAI_DONE, openaiFinish, openaiText, openaiToolCall, openaiUsage, sse, startFakeServer } from './fakeProviders';

const readTool = { name: 'Read', description: 'Read a file', inputSchema: { type: 'object', properties: { path: { type: 'string' } }, required: ['path'] } };

async function collect(client: ModelClient, request: ModelRequest): Promise<ModelStreamPart[]> {
  const parts: ModelStreamPart[] = [];
  for await (const part of client.stream(request)) parts.push(part);
  return parts;
}

/** A two-turn conversation as a tool loop would drive it: read a file, then answer. */
async function converse(client: ModelClient, fileContent: string): Promise<{ transcript: ModelStreamPart[][]; messages: ModelMessage[] }> {
  const messages: ModelMessage[] = [
    { role: 'system', content: 'You review code.' },
    { role: 'user', content: 'Review src/auth.ts' },
  ];
  const first = await collect(client, { messages, tools: [readTool], maxOutputTokens: 100 });
  const calls = first.flatMap((part) => (part.type === 'tool-call' ? [part.call] : []));
  messages.push({ role: 'assistant', content: '', toolCalls: calls });
  for (const call of calls) messages.push({ role: 'tool', toolCallId: call.id, toolName: call.name, content: fileContent });
  const second = await collect(client, { messages, tools: [readTool], maxOutputTokens: 100 });
  return { transcript: [first, second], messages };
}

describe('record and replay of model turns', () => {
  it('replays a recorded two-turn conversation with no provider, yielding the same parts', async () => {
    const server = await startFakeServer([
      (_r, res) => sse(res, [...openaiToolCall(0, 'call_1', 'Read', ['{"path":', '"src/auth.ts"}']), openaiFinish('tool_calls'), openaiUsage(30, 8), OPENAI_DONE]),
      (_r, res) => sse(res, [openaiText('Hard-coded '), openaiText('password on line 1.'), openaiFinish('stop'), openaiUsage(60, 9, 30), OPENAI_DONE]),
    ]);
    const exchanges: RecordedModelExchange[] = [];
    const live = new RecordingModelClient(createHttpModelClient({ provider: 'openai-compatible', modelId: 'gpt-test', baseUrl: server.baseUrl }), (exchange) => exchanges.push(exchange));
    const original = await converse(live, 'const password = "hunter2";');
    await server.close();

    assert.equal(exchanges.length, 2);
    // What the journal stores survives JSON and the schema.
    const journaled = exchanges.map((exchange) => RecordedModelExchangeSchema.parse(JSON.parse(JSON.stringify(exchange))));
    assert.equal(journaled[0]!.request.messages.length, 2, 'the first turn was recorded before the loop added to the conversation');
    assert.deepEqual(journaled[0]!.request.tools?.map((tool) => tool.name), ['Read']);
    assert.deepEqual(journaled[1]!.parts[0], { type: 'text', text: 'Hard-coded password on line 1.' }, 'text is coalesced');

    const replay = new ReplayModelClient(journaled);
    assert.equal(replay.provider, 'openai-compatible');
    assert.equal(replay.modelId, 'gpt-test');
    const replayed = await converse(replay, 'const password = "hunter2";');
    const joinText = (parts: ModelStreamPart[]): ModelStreamPart[] => {
      const text = parts.flatMap((part) => (part.type === 'text' ? [part.text] : [])).join('');
      return [...(text ? [{ type: 'text' as const, text }] : []), ...parts.filter((part) => part.type !== 'text')];
    };
    assert.deepEqual(replayed.transcript.map(joinText), original.transcript.map(joinText));
    assert.equal(replay.turnsUsed, 2);
  });

  it('names the turn and the message that differ when the run no longer matches the recording', async () => {
    const server = await startFakeServer([
      (_r, res) => sse(res, [...openaiToolCall(0, 'call_1', 'Read', ['{"path":"src/auth.ts"}']), openaiFinish('tool_calls'), OPENAI_DONE]),
      (_r, res) => sse(res, [openaiText('ok'), openaiFinish('stop'), OPENAI_DONE]),
    ]);
    const exchanges: RecordedModelExchange[] = [];
    const live = new RecordingModelClient(createHttpModelClient({ provider: 'openai-compatible', modelId: 'gpt-test', baseUrl: server.baseUrl }), (exchange) => exchanges.push(exchange));
    await converse(live, 'const password = "hunter2";');
    await server.close();

    // The file changed since the recording: the second turn's tool result differs.
    const replay = new ReplayModelClient(exchanges);
    await assert.rejects(
      converse(replay, 'const password = process.env.PASSWORD;'),
      (error: unknown) => {
        assert.ok(error instanceof ReplayDivergenceError);
        assert.equal(error.turn, 2);
        assert.match(error.message, /model turn 2: message 4 \(tool\) differs/);
        assert.match(error.message, /hunter2/);
        assert.match(error.message, /process\.env\.PASSWORD/);
        return true;
      },
    );
  });

  it('reports a changed tool list and a turn the recording does not have', async () => {
    const recorded: RecordedModelExchange = {
      provider: 'anthropic',
      modelId: 'claude-test',
      request: { messages: [{ role: 'user', content: 'hi' }], tools: [readTool] },
      parts: [{ type: 'text', text: 'hello' }, { type: 'finish', reason: 'stop', usage: { inputTokens: 1, outputTokens: 1, cachedInputTokens: 0 } }],
      durationMs: 5,
    };
    const toolsChanged = new ReplayModelClient([recorded]);
    await assert.rejects(collect(toolsChanged, { messages: [{ role: 'user', content: 'hi' }], tools: [readTool, { ...readTool, name: 'Write' }] }), /turn 1: tools offered: recorded \[Read\], now \[Read, Write\]/);

    const tooMany = new ReplayModelClient([recorded]);
    assert.equal((await collect(tooMany, { messages: [{ role: 'user', content: 'hi' }], tools: [readTool] })).length, 2);
    await assert.rejects(collect(tooMany, { messages: [{ role: 'user', content: 'hi' }], tools: [readTool] }), /turn 2: the run asks for another model turn, but the recording has only 1/);
  });

  it('records a failed turn with its error kind and replays the same typed error', async () => {
    const server = await startFakeServer([jsonError(429, { error: { message: 'slow down' } }, { 'retry-after': '3' })]);
    const exchanges: RecordedModelExchange[] = [];
    const live = new RecordingModelClient(createHttpModelClient({ provider: 'openai-compatible', modelId: 'gpt-test', baseUrl: server.baseUrl }), (exchange) => exchanges.push(exchange));
    const request: ModelRequest = { messages: [{ role: 'user', content: 'hi' }] };
    await assert.rejects(collect(live, request), (error: unknown) => error instanceof ModelError && error.kind === 'rate-limit');
    await server.close();
    assert.equal(exchanges[0]!.error?.kind, 'rate-limit');
    assert.equal(exchanges[0]!.error?.retryAfterMs, 3000);

    const replay = new ReplayModelClient(exchanges);
    await assert.rejects(collect(replay, request), (error: unknown) => error instanceof ModelError && error.kind === 'rate-limit' && error.retryAfterMs === 3000);
  });
});
