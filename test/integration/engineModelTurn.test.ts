// The vscode.lm path across real processes: the extension's EngineProcess forks the engine, the engine's modelTurn
// asks the "window" (host handlers standing in for src/vscode/languageModelBridge.ts) for the turn over the same IPC
// channel, and the parts come back through the engine. Only vscode.lm itself is absent here (the extension-host
// suite covers it).
import { strict as assert } from 'node:assert';
import { rmSync } from 'node:fs';
import path from 'node:path';
import { ModelError } from '../../src/core/ports';
import type { HostParams } from '../../src/shared/engineProtocol';
import { EngineErrorCodes } from '../../src/shared/engineProtocol';
import { EngineProcess, EngineRequestError, type HostHandlers } from '../../src/vscode/engineClient';
import { scratchCopyOfExample } from '../helpers/exampleWorkspace';
import { rejectsWith } from '../helpers/rejectsWith';

const repoRoot = path.resolve(__dirname, '..', '..');
const MODEL = { id: 'scripted-1', vendor: 'test-vendor', family: 'scripted', name: 'Scripted', version: '1', maxInputTokens: 8000 };
const USAGE = { inputTokens: 20, outputTokens: 5, cachedInputTokens: 0 };

describe('engine process: one vscode.lm model turn through the window (forked, JSON-RPC over IPC)', function () {
  let workspace: string;
  let engine: EngineProcess;
  const turns: HostParams<'model/stream'>[] = [];
  let environmentReads = 0;

  const handlers: Partial<HostHandlers> = {
    'approval/request': async () => ({ decision: 'reject', reason: 'not asked in this test' }),
    'model/list': async ({ selector }) => ({ models: selector.vendor === 'nobody' ? [] : [MODEL] }),
    'model/stream': async (params, { notify }) => {
      turns.push(params);
      const last = params.messages.at(-1);
      if (last?.role === 'user' && last.content === 'fail') {
        throw new ModelError('rate-limit', 'vscode-lm', 'Quota exceeded for this model.', { retryAfterMs: 1500 });
      }
      if (last?.role === 'tool') {
        await notify('model/part', { requestId: params.requestId, part: { type: 'text', text: `The file says: ${last.content}` } });
        return { modelId: MODEL.id, reason: 'stop', usage: USAGE };
      }
      await notify('model/part', {
        requestId: params.requestId,
        part: { type: 'tool-call', call: { id: 'call-1', name: 'Read', input: { path: 'README.md' }, inputText: '{"path":"README.md"}' } },
      });
      return { modelId: MODEL.id, reason: 'tool-calls', usage: USAGE };
    },
  };

  before(() => {
    workspace = scratchCopyOfExample();
    engine = new EngineProcess({
      scriptPath: path.join(repoRoot, 'src', 'engineHost', 'main.ts'),
      execArgv: ['--import', 'tsx'],
      workspaceRoot: workspace,
      wasmPath: path.join(repoRoot, 'node_modules', 'sql.js', 'dist', 'sql-wasm.wasm'),
      log: () => undefined,
      hostHandlers: handlers,
      environment: async () => {
        environmentReads += 1;
        return {};
      },
    });
  });

  after(async () => {
    await engine.dispose();
    rmSync(workspace, { recursive: true, force: true });
  });

  it('runs a tool call turn and then the turn with its result, both answered by the window', async () => {
    const tools = [{ name: 'Read', description: 'Reads a file', inputSchema: { type: 'object' } }];
    const first = await engine.request('modelTurn', { selector: { vendor: 'test-vendor' }, messages: [{ role: 'user', content: 'Read the README' }], tools });
    assert.equal(first.provider, 'vscode-lm');
    assert.equal(first.modelId, 'scripted-1');
    assert.deepEqual(first.parts, [
      { type: 'tool-call', call: { id: 'call-1', name: 'Read', input: { path: 'README.md' }, inputText: '{"path":"README.md"}' } },
      { type: 'finish', reason: 'tool-calls', usage: USAGE },
    ]);
    const second = await engine.request('modelTurn', {
      selector: { vendor: 'test-vendor' },
      tools,
      messages: [
        { role: 'user', content: 'Read the README' },
        { role: 'assistant', content: '', toolCalls: [{ id: 'call-1', name: 'Read', input: { path: 'README.md' }, inputText: '{"path":"README.md"}' }] },
        { role: 'tool', toolCallId: 'call-1', toolName: 'Read', content: '# Example' },
      ],
    });
    assert.deepEqual(second.parts, [
      { type: 'text', text: 'The file says: # Example' },
      { type: 'finish', reason: 'stop', usage: USAGE },
    ]);
    // The engine asked for the exact model it listed.
    assert.deepEqual(turns.at(-1)?.selector, { vendor: 'test-vendor', id: 'scripted-1' });
  });

  it('says so when the window offers no model for the selector', async () => {
    await rejectsWith(engine.request('modelTurn', { selector: { vendor: 'nobody' }, messages: [{ role: 'user', content: 'hi' }] }), (error) => {
      assert.ok(error instanceof EngineRequestError);
      assert.equal(error.code, EngineErrorCodes.notFound);
      assert.match(error.message, /no language model for vendor "nobody"/);
    });
  });

  it('carries a model failure of the window back typed, through the engine', async () => {
    await rejectsWith(engine.request('modelTurn', { selector: {}, messages: [{ role: 'user', content: 'fail' }] }), (error) => {
      assert.ok(error instanceof EngineRequestError);
      assert.equal(error.code, EngineErrorCodes.model);
      assert.match(error.message, /Quota exceeded/);
    });
  });

  it('starts a fresh engine process with a fresh environment after restartWhenIdle', async () => {
    const before = environmentReads;
    assert.ok(before >= 1);
    engine.restartWhenIdle();
    const turn = await engine.request('modelTurn', { selector: {}, messages: [{ role: 'user', content: 'again' }] });
    assert.equal(turn.modelId, 'scripted-1');
    assert.equal(environmentReads, before + 1);
    // The process stopped for the restart exits meanwhile; its exit must not make the window forget the new one.
    await engine.request('modelTurn', { selector: {}, messages: [{ role: 'user', content: 'once more' }] });
    assert.equal(environmentReads, before + 1, 'a third engine process was started');
  });
});
