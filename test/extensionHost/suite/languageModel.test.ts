// The vscode.lm model path in a real VS Code: the scripted test provider (test/extensionHost/lmProvider, loaded
// beside the extension) answers through the real Language Model API; the window's bridge maps our conversation to
// vscode.lm messages and back; and the engine process the extension forked reaches it over the engine protocol.
import { strict as assert } from 'node:assert';
import * as vscode from 'vscode';
import { ModelError, type ModelMessage, type ModelStreamPart, type ModelToolSpec } from '../../../src/core/ports';
import { EngineErrorCodes, type HostParams } from '../../../src/shared/engineProtocol';
import { LanguageModelBridge } from '../../../src/vscode/languageModelBridge';
import { eventually, extensionApi } from './support';

const VENDOR = 'agent-orchestrator-test';
const MODEL_ID = 'scripted-tool-model';
const READ: ModelToolSpec = {
  name: 'Read',
  description: 'Reads a file of the workspace',
  inputSchema: { type: 'object', properties: { path: { type: 'string' } }, required: ['path'] },
};
const ASK: ModelMessage[] = [
  { role: 'system', content: 'You are the security auditor.' },
  { role: 'user', content: 'Please read src/auth/login.js and tell me what it does.' },
];
const READ_CALL = { id: 'call-read-1', name: 'Read', input: { path: 'src/auth/login.js' }, inputText: '{"path":"src/auth/login.js"}' };
const AFTER_READ: ModelMessage[] = [
  ...ASK,
  { role: 'assistant', content: 'Reading it first.', toolCalls: [READ_CALL] },
  { role: 'tool', toolCallId: 'call-read-1', toolName: 'Read', content: 'export function login() {}' },
];

/** One turn through the bridge, as the engine's model/stream request would run it; parts in arrival order. */
async function bridgeTurn(
  params: Omit<HostParams<'model/stream'>, 'requestId' | 'selector'>,
  options: { signal?: AbortSignal; onPart?: (part: ModelStreamPart) => void } = {},
): Promise<{ parts: ModelStreamPart[]; finish: Awaited<ReturnType<LanguageModelBridge['stream']>> }> {
  const bridge = new LanguageModelBridge(() => undefined);
  const parts: ModelStreamPart[] = [];
  const finish = await bridge.stream(
    { requestId: 'turn-1', selector: { vendor: VENDOR, id: MODEL_ID }, ...params },
    {
      signal: options.signal ?? new AbortController().signal,
      notify: async (_method, { requestId, part }) => {
        assert.equal(requestId, 'turn-1');
        parts.push(part);
        options.onPart?.(part);
      },
    },
  );
  return { parts, finish };
}

describe('VS Code language models (vscode.lm) for model agents', () => {
  before(async function () {
    this.timeout(60_000);
    // The provider registers when its extension activates, shortly after the window starts.
    await eventually('the scripted test model in vscode.lm.selectChatModels', async () => (await vscode.lm.selectChatModels({ vendor: VENDOR }))[0], 45_000);
  });

  it('lists the models VS Code offers, as the engine sees them', async () => {
    const models = await new LanguageModelBridge(() => undefined).listModels({ vendor: VENDOR });
    assert.deepEqual(
      models.map((model) => [model.vendor, model.id, model.family, model.maxInputTokens]),
      [[VENDOR, MODEL_ID, 'scripted', 100_000]],
    );
  });

  it('streams a tool call when tools are offered, then the answer once the tool result is sent back', async () => {
    const first = await bridgeTurn({ messages: ASK, tools: [READ] });
    assert.deepEqual(first.parts, [
      { type: 'text', text: 'Reading it first.' },
      { type: 'tool-call', call: READ_CALL },
    ]);
    assert.equal(first.finish.reason, 'tool-calls');
    assert.equal(first.finish.modelId, MODEL_ID);
    // vscode.lm reports no usage: counted with the model's tokenizer (the provider's provideTokenCount).
    assert.ok(first.finish.usage.inputTokens > 0, `input tokens ${first.finish.usage.inputTokens}`);
    assert.ok(first.finish.usage.outputTokens > 0, `output tokens ${first.finish.usage.outputTokens}`);

    const second = await bridgeTurn({ messages: AFTER_READ, tools: [READ] });
    assert.deepEqual(second.parts, [{ type: 'text', text: 'Read returned: export function login() {}' }]);
    assert.equal(second.finish.reason, 'stop');
    assert.ok(second.finish.usage.inputTokens > first.finish.usage.inputTokens, 'the longer conversation counts more input tokens');
  });

  it('offers no tool call when no tools are offered', async () => {
    const turn = await bridgeTurn({ messages: ASK });
    assert.deepEqual(turn.parts, [{ type: 'text', text: 'No tool was offered, so there is nothing to read.' }]);
    assert.equal(turn.finish.reason, 'stop');
  });

  it('stops a turn the engine cancels and reports it as aborted', async () => {
    const abort = new AbortController();
    const turn = bridgeTurn({ messages: [{ role: 'user', content: 'never finish' }] }, { signal: abort.signal, onPart: () => abort.abort() });
    await assert.rejects(turn, (error: unknown) => error instanceof ModelError && error.kind === 'aborted');
  });

  it('reports a provider that refuses (LanguageModelError.Blocked) as a rate limit', async () => {
    await assert.rejects(bridgeTurn({ messages: [{ role: 'user', content: 'fail with blocked' }] }), (error: unknown) => {
      assert.ok(error instanceof ModelError, String(error));
      assert.equal(error.kind, 'rate-limit', error.message);
      return true;
    });
  });

  it('runs model turns from the engine process the extension started, through the window, including a tool round trip', async () => {
    const { engine } = await extensionApi();
    const selector = { vendor: VENDOR };
    const first = await engine.request('modelTurn', { selector, messages: ASK, tools: [READ] });
    assert.equal(first.provider, 'vscode-lm');
    assert.equal(first.modelId, MODEL_ID);
    assert.deepEqual(first.parts.slice(0, 2), [
      { type: 'text', text: 'Reading it first.' },
      { type: 'tool-call', call: READ_CALL },
    ]);
    assert.equal(first.parts.length, 3);
    const finish = first.parts[2];
    assert.ok(finish?.type === 'finish' && finish.reason === 'tool-calls' && finish.usage.inputTokens > 0, JSON.stringify(finish));

    const second = await engine.request('modelTurn', { selector, messages: AFTER_READ, tools: [READ] });
    assert.deepEqual(second.parts[0], { type: 'text', text: 'Read returned: export function login() {}' });
    assert.equal(second.parts.length, 2);
    assert.equal(second.parts[1]?.type, 'finish');
  });

  it('tells the engine when VS Code offers no model for the selector', async () => {
    const { engine } = await extensionApi();
    await assert.rejects(engine.request('modelTurn', { selector: { vendor: 'no-such-vendor' }, messages: ASK }), (error: unknown) => {
      // The extension's bundle has its own copy of the class: compare by name and code.
      assert.ok(error instanceof Error && error.name === 'EngineRequestError', String(error));
      assert.equal((error as { code?: unknown }).code, EngineErrorCodes.notFound);
      assert.match(error.message, /no language model for vendor "no-such-vendor"/);
      return true;
    });
  });
});
