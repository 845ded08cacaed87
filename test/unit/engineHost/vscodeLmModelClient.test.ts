// The engine's vscode.lm client against a fake extension host: two real vscode-jsonrpc connections over in-memory
// streams, so requests, notifications, ordering, errors and cancellation cross a real JSON-RPC channel.
import { strict as assert } from 'node:assert';
import { PassThrough } from 'node:stream';
import type { CancellationToken, MessageConnection } from 'vscode-jsonrpc/node';
import { createMessageConnection, ErrorCodes, ResponseError, StreamMessageReader, StreamMessageWriter } from 'vscode-jsonrpc/node';
import { ModelError, type ModelStreamPart } from '../../../src/core/ports';
import { createVscodeLmModelClient, VscodeLmBridgeClient } from '../../../src/engineHost/vscodeLmModelClient';
import { HostMethods, modelErrorData, type HostParams, type LanguageModelInfo } from '../../../src/shared/engineProtocol';
import { rejectsWith } from '../../helpers/rejectsWith';

const MODEL: LanguageModelInfo = { id: 'scripted-1', vendor: 'test-vendor', family: 'scripted', name: 'Scripted', version: '1', maxInputTokens: 64000 };
const USAGE = { inputTokens: 12, outputTokens: 7, cachedInputTokens: 0 };
const READ_TOOL = { name: 'Read', description: 'Reads a file', inputSchema: { type: 'object', properties: { path: { type: 'string' } } } };

type StreamHandler = (params: HostParams<'model/stream'>, token: CancellationToken, window: MessageConnection) => Promise<unknown>;

interface Pair {
  engine: MessageConnection;
  window: MessageConnection;
  bridge: VscodeLmBridgeClient;
  /** What the fake window received, validated with the protocol's schema as the real bridge does. */
  streamRequests: HostParams<'model/stream'>[];
  ignored: string[];
  dispose(): void;
}

function connect(models: LanguageModelInfo[], onStream: StreamHandler): Pair {
  const toWindow = new PassThrough();
  const toEngine = new PassThrough();
  const engine = createMessageConnection(new StreamMessageReader(toEngine), new StreamMessageWriter(toWindow));
  const window = createMessageConnection(new StreamMessageReader(toWindow), new StreamMessageWriter(toEngine));
  const streamRequests: HostParams<'model/stream'>[] = [];
  window.onRequest('model/list', (raw: unknown) => {
    HostMethods['model/list'].params.parse(raw);
    return { models };
  });
  window.onRequest('model/stream', (raw: unknown, token: CancellationToken) => {
    const params = HostMethods['model/stream'].params.parse(raw);
    streamRequests.push(params);
    return onStream(params, token, window);
  });
  const ignored: string[] = [];
  const bridge = new VscodeLmBridgeClient(engine, (line) => ignored.push(line));
  engine.listen();
  window.listen();
  return {
    engine,
    window,
    bridge,
    streamRequests,
    ignored,
    dispose: () => {
      engine.dispose();
      window.dispose();
    },
  };
}

async function collect(parts: AsyncIterable<ModelStreamPart>): Promise<ModelStreamPart[]> {
  const seen: ModelStreamPart[] = [];
  for await (const part of parts) seen.push(part);
  return seen;
}

/** Collects until the stream fails; returns what arrived and the error. */
async function collectUntilFailure(parts: AsyncIterable<ModelStreamPart>): Promise<{ seen: ModelStreamPart[]; error: ModelError }> {
  const seen: ModelStreamPart[] = [];
  try {
    for await (const part of parts) seen.push(part);
  } catch (error) {
    assert.ok(error instanceof ModelError, `expected a ModelError, got ${String(error)}`);
    return { seen, error };
  }
  assert.fail(`the stream ended without an error after ${JSON.stringify(seen)}`);
}

function cancelled(token: CancellationToken): Promise<void> {
  return new Promise((resolve) => {
    if (token.isCancellationRequested) resolve();
    else token.onCancellationRequested(() => resolve());
  });
}

describe('vscode.lm model client (engine side of the bridge)', () => {
  let pair: Pair | undefined;
  afterEach(() => pair?.dispose());

  it('streams text and a tool call in order, then the finish with usage, and sends the request as given', async () => {
    pair = connect([MODEL], async (params, _token, window) => {
      await window.sendNotification('model/part', { requestId: params.requestId, part: { type: 'text', text: 'Let me read ' } });
      await window.sendNotification('model/part', { requestId: params.requestId, part: { type: 'text', text: 'the file.' } });
      const call = { id: 'call-1', name: 'Read', input: { path: 'src/auth.js' }, inputText: '{"path":"src/auth.js"}' };
      await window.sendNotification('model/part', { requestId: params.requestId, part: { type: 'tool-call', call } });
      return { modelId: MODEL.id, reason: 'tool-calls', usage: USAGE };
    });
    const client = await createVscodeLmModelClient(pair.bridge, { vendor: 'test-vendor' });
    assert.ok(client);
    assert.equal(client.provider, 'vscode-lm');
    assert.equal(client.modelId, 'scripted-1');
    assert.equal(client.contextWindow, 64000);
    const messages = [
      { role: 'system' as const, content: 'You audit code.' },
      { role: 'user' as const, content: 'Read src/auth.js' },
    ];
    const parts = await collect(client.stream({ messages, tools: [READ_TOOL], maxOutputTokens: 500 }));
    assert.deepEqual(parts, [
      { type: 'text', text: 'Let me read ' },
      { type: 'text', text: 'the file.' },
      { type: 'tool-call', call: { id: 'call-1', name: 'Read', input: { path: 'src/auth.js' }, inputText: '{"path":"src/auth.js"}' } },
      { type: 'finish', reason: 'tool-calls', usage: USAGE },
    ]);
    const [sent] = pair.streamRequests;
    assert.deepEqual(sent?.selector, { vendor: 'test-vendor', id: 'scripted-1' });
    assert.deepEqual(sent?.messages, messages);
    assert.deepEqual(sent?.tools, [READ_TOOL]);
    assert.equal(sent?.maxOutputTokens, 500);
  });

  it('keeps two turns in flight apart by their request ids', async () => {
    pair = connect([MODEL], async (params, _token, window) => {
      const said = params.messages.at(-1)?.content ?? '';
      await window.sendNotification('model/part', { requestId: params.requestId, part: { type: 'text', text: `echo ${said}` } });
      return { modelId: MODEL.id, reason: 'stop', usage: USAGE };
    });
    const client = pair.bridge.client(MODEL);
    const [first, second] = await Promise.all([
      collect(client.stream({ messages: [{ role: 'user', content: 'one' }] })),
      collect(client.stream({ messages: [{ role: 'user', content: 'two' }] })),
    ]);
    assert.deepEqual(first?.[0], { type: 'text', text: 'echo one' });
    assert.deepEqual(second?.[0], { type: 'text', text: 'echo two' });
    assert.equal(first?.length, 2);
    assert.equal(second?.length, 2);
  });

  it('answers null when VS Code offers no model for the selector, so agents stay offline', async () => {
    pair = connect([], async () => assert.fail('no turn expected'));
    assert.equal(await createVscodeLmModelClient(pair.bridge, { vendor: 'copilot' }), null);
  });

  it('turns the window\'s model errors into typed ModelErrors, after the parts that arrived first', async () => {
    const failures = [
      new ModelError('auth', 'vscode-lm', 'The user did not allow Agent Orchestrator to use this model.'),
      new ModelError('rate-limit', 'vscode-lm', 'Quota exceeded.', { retryAfterMs: 30_000 }),
    ];
    let next = 0;
    pair = connect([MODEL], async (params, _token, window) => {
      await window.sendNotification('model/part', { requestId: params.requestId, part: { type: 'text', text: 'partial' } });
      const failure = failures[next++]!;
      throw new ResponseError(ErrorCodes.InternalError, failure.message, modelErrorData(failure));
    });
    const client = pair.bridge.client(MODEL);
    const auth = await collectUntilFailure(client.stream({ messages: [{ role: 'user', content: 'hi' }] }));
    assert.deepEqual(auth.seen, [{ type: 'text', text: 'partial' }]);
    assert.equal(auth.error.kind, 'auth');
    assert.equal(auth.error.provider, 'vscode-lm');
    assert.match(auth.error.message, /did not allow/);
    const limited = await collectUntilFailure(client.stream({ messages: [{ role: 'user', content: 'hi' }] }));
    assert.equal(limited.error.kind, 'rate-limit');
    assert.equal(limited.error.retryAfterMs, 30_000);
  });

  it('reports an error the window did not type as a provider error naming the cause', async () => {
    pair = connect([MODEL], async () => {
      throw new ResponseError(ErrorCodes.InternalError, 'handler exploded', undefined);
    });
    const { error } = await collectUntilFailure(pair.bridge.client(MODEL).stream({ messages: [{ role: 'user', content: 'hi' }] }));
    assert.equal(error.kind, 'provider');
    assert.match(error.message, /handler exploded/);
  });

  it('cancels the window\'s model request when the turn is aborted, and fails the turn as aborted at once', async () => {
    let windowSawCancel: Promise<void> | undefined;
    let started!: () => void;
    const turnStarted = new Promise<void>((resolve) => (started = resolve));
    pair = connect([MODEL], async (params, token, window) => {
      windowSawCancel = cancelled(token);
      await window.sendNotification('model/part', { requestId: params.requestId, part: { type: 'text', text: 'thinking' } });
      started();
      // A model that would never finish on its own: only the cancellation ends it.
      await windowSawCancel;
      return { modelId: MODEL.id, reason: 'stop', usage: USAGE };
    });
    const abort = new AbortController();
    const turn = collectUntilFailure(pair.bridge.client(MODEL).stream({ messages: [{ role: 'user', content: 'hi' }], signal: abort.signal }));
    await turnStarted;
    abort.abort();
    const { error } = await turn;
    assert.equal(error.kind, 'aborted');
    await windowSawCancel;
  });

  it('cancels the window\'s model request when the consumer stops reading early', async () => {
    let windowSawCancel: Promise<void> | undefined;
    pair = connect([MODEL], async (params, token, window) => {
      windowSawCancel = cancelled(token);
      await window.sendNotification('model/part', { requestId: params.requestId, part: { type: 'text', text: 'first' } });
      await windowSawCancel;
      return { modelId: MODEL.id, reason: 'stop', usage: USAGE };
    });
    for await (const part of pair.bridge.client(MODEL).stream({ messages: [{ role: 'user', content: 'hi' }] })) {
      assert.deepEqual(part, { type: 'text', text: 'first' });
      break;
    }
    await windowSawCancel;
  });

  it('rejects a malformed part as a bad reply and cancels the window\'s request', async () => {
    let windowSawCancel: Promise<void> | undefined;
    pair = connect([MODEL], async (params, token, window) => {
      windowSawCancel = cancelled(token);
      // A tool call without a name: the loop must never see it.
      await window.sendNotification('model/part', { requestId: params.requestId, part: { type: 'tool-call', call: { id: 'c1', input: {}, inputText: '{}' } } });
      await windowSawCancel;
      return { modelId: MODEL.id, reason: 'stop', usage: USAGE };
    });
    const { seen, error } = await collectUntilFailure(pair.bridge.client(MODEL).stream({ messages: [{ role: 'user', content: 'hi' }] }));
    assert.deepEqual(seen, []);
    assert.equal(error.kind, 'bad-reply');
    assert.match(error.message, /malformed model part/);
    await windowSawCancel;
  });

  it('rejects a malformed finish as a bad reply', async () => {
    pair = connect([MODEL], async () => ({ modelId: MODEL.id, reason: 'stop', usage: { inputTokens: -1, outputTokens: 0, cachedInputTokens: 0 } }));
    const { error } = await collectUntilFailure(pair.bridge.client(MODEL).stream({ messages: [{ role: 'user', content: 'hi' }] }));
    assert.equal(error.kind, 'bad-reply');
    assert.match(error.message, /malformed finish/);
  });

  it('fails the turn as a network error when the window goes away mid-turn', async () => {
    pair = connect([MODEL], async (params, token, window) => {
      await window.sendNotification('model/part', { requestId: params.requestId, part: { type: 'text', text: 'half' } });
      await cancelled(token);
      return { modelId: MODEL.id, reason: 'stop', usage: USAGE };
    });
    const turn = pair.bridge.client(MODEL).stream({ messages: [{ role: 'user', content: 'hi' }] })[Symbol.asyncIterator]();
    assert.deepEqual(await turn.next(), { done: false, value: { type: 'text', text: 'half' } });
    pair.engine.dispose();
    await rejectsWith(turn.next(), (error) => {
      assert.ok(error instanceof ModelError);
      assert.equal(error.kind, 'network');
      assert.match(error.message, /connection to the VS Code window was lost/);
    });
  });

  it('fails listing models with a bad reply when the window answers malformed', async () => {
    pair = connect([{ ...MODEL, maxInputTokens: -5 }], async () => assert.fail('no turn expected'));
    await rejectsWith(createVscodeLmModelClient(pair.bridge, {}), (error) => {
      assert.ok(error instanceof ModelError);
      assert.equal(error.kind, 'bad-reply');
      assert.match(error.message, /model\/list/);
    });
  });
});
