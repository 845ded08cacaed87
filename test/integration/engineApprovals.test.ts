// A model agent's edit, asked in the "window" before it is written: the extension's EngineProcess forks the engine,
// the agent's turns go to the window's model (host handlers standing in for vscode.lm), and its Edit comes back to
// the window as approval/request. The run has apply + allowCommands, yet nothing is written without the answer.
import { strict as assert } from 'node:assert';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { ApprovalDecision, ApprovalRequest } from '../../src/core/ports';
import type { OrchestratorEvent } from '../../src/core/protocol/events';
import { EngineErrorCodes, type HostParams } from '../../src/shared/engineProtocol';
import { EngineProcess, EngineRequestError, type HostHandlers } from '../../src/vscode/engineClient';
import { scratchCopyOfExample } from '../helpers/exampleWorkspace';
import { rejectsWith } from '../helpers/rejectsWith';

const repoRoot = path.resolve(__dirname, '..', '..');
const MODEL = { id: 'scripted-editor', vendor: 'test-vendor', family: 'scripted', name: 'Scripted', version: '1', maxInputTokens: 100_000 };
const USAGE = { inputTokens: 40, outputTokens: 10, cachedInputTokens: 0 };
const FILE = 'notes/settings.txt';
const ORIGINAL = 'color = red\nsize = 3\n';

/** The model reads FILE, then edits it, then says it is done: one step per turn, by what the last message holds. */
async function scriptedTurn(params: HostParams<'model/stream'>, notify: Parameters<HostHandlers['model/stream']>[1]['notify']) {
  const last = params.messages.at(-1);
  const toolCall = async (id: string, name: string, input: Record<string, unknown>) => {
    await notify('model/part', { requestId: params.requestId, part: { type: 'tool-call', call: { id, name, input, inputText: JSON.stringify(input) } } });
    return { modelId: MODEL.id, reason: 'tool-calls' as const, usage: USAGE };
  };
  // Asked to plan (only the planner is offered submit_plan): backend-api-developer alone, with its own task.
  if (params.tools?.some((tool) => tool.name === 'submit_plan')) {
    return toolCall('plan-1', 'submit_plan', { taskType: 'settings-change', agents: [{ name: 'backend-api-developer', task: 'Set the color to blue in notes/settings.txt', dependsOn: [] }], phases: [['backend-api-developer']] });
  }
  if (last?.role === 'tool' && last.toolCallId === 'read-1') return toolCall('edit-1', 'Edit', { file_path: FILE, old_string: 'color = red', new_string: 'color = blue' });
  if (last?.role === 'tool') {
    await notify('model/part', { requestId: params.requestId, part: { type: 'text', text: `Edit said: ${last.content}` } });
    return { modelId: MODEL.id, reason: 'stop' as const, usage: USAGE };
  }
  return toolCall('read-1', 'Read', { file_path: FILE });
}

describe('engine process: a model agent\'s edit waits for the window\'s approval (forked, JSON-RPC over IPC)', function () {
  let workspace: string;
  let engine: EngineProcess;
  let decide: (request: ApprovalRequest) => ApprovalDecision;
  const asked: ApprovalRequest[] = [];

  const handlers: Partial<HostHandlers> = {
    'model/list': async ({ selector }) => ({ models: selector.vendor === 'nobody' ? [] : [MODEL] }),
    'model/stream': (params, { notify }) => scriptedTurn(params, notify),
    'approval/request': async ({ request }) => {
      asked.push(request as ApprovalRequest);
      return decide(request as ApprovalRequest);
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
    });
  });

  beforeEach(() => {
    asked.length = 0;
    mkdirSync(path.join(workspace, 'notes'), { recursive: true });
    writeFileSync(path.join(workspace, FILE), ORIGINAL);
  });

  after(async () => {
    await engine.dispose();
    rmSync(workspace, { recursive: true, force: true });
  });

  async function runAsking(): Promise<{ events: OrchestratorEvent[]; status: string }> {
    const events: OrchestratorEvent[] = [];
    const unsubscribe = engine.onEvent((event) => events.push(event));
    try {
      const result = await engine.request('run', {
        request: 'Change the color setting',
        apply: true,
        allowCommands: true,
        askBeforeChanges: true,
        agents: ['backend-api-developer'],
        config: {},
        model: { provider: 'vscode-lm', selector: { vendor: 'test-vendor' } },
      });
      return { events, status: result.status };
    } finally {
      unsubscribe();
    }
  }

  it('asks with the diff and the proposed content, and writes the file once approved', async () => {
    decide = () => ({ decision: 'approve' });
    const { events, status } = await runAsking();
    assert.equal(status, 'completed');
    assert.equal(asked.length, 1);
    const request = asked[0]!;
    assert.equal(request.kind, 'edit');
    assert.ok(request.kind === 'edit');
    assert.equal(request.file, FILE);
    assert.equal(request.content, 'color = blue\nsize = 3\n');
    assert.match(request.diff, /-color = red\n\+color = blue/);
    assert.equal(readFileSync(path.join(workspace, FILE), 'utf8'), 'color = blue\nsize = 3\n');
    // The agent was shown as waiting while the window asked, and each model turn carried its tokens.
    const waits = events.flatMap((event) => (event.type === 'agent.waiting' ? [event.payload.waitingFor] : []));
    const approvalWait = waits.indexOf('approval');
    assert.ok(approvalWait >= 0, JSON.stringify(waits));
    assert.equal(waits[approvalWait + 1], null, 'the wait ended once answered');
    const called = events.flatMap((event) => (event.type === 'model.called' ? [event.payload] : []));
    // The agent's three turns (Read, Edit, answer); the planner's turns, under 'orchestrator', come before them.
    assert.equal(called.filter((payload) => payload.agent !== 'orchestrator').length, 3, JSON.stringify(called.map((payload) => payload.agent)));
    assert.ok(called.every((payload) => payload.inputTokens === 40 && payload.outputTokens === 10 && payload.provider === 'vscode-lm'), JSON.stringify(called[0]));
    const tools = events.flatMap((event) => (event.type === 'agent.tool_called' ? [event.payload.tool] : []));
    assert.deepEqual(tools.filter((tool) => tool === 'Read' || tool === 'Edit'), ['Read', 'Edit']);
  });

  it('leaves the file unchanged when the edit is rejected, and tells the agent why', async () => {
    decide = () => ({ decision: 'reject', reason: 'keep it red' });
    const { events } = await runAsking();
    assert.equal(asked.length, 1);
    assert.equal(readFileSync(path.join(workspace, FILE), 'utf8'), ORIGINAL);
    const lastTurnText = JSON.stringify(events.filter((event) => event.type === 'model.exchange').at(-1));
    assert.match(lastTurnText, /rejected by the user: keep it red/);
  });

  it('refuses to start asking when the agents would run offline (offline agents cannot ask), writing nothing', async () => {
    await rejectsWith(
      engine.request('run', { request: 'Change the color setting', apply: true, allowCommands: true, askBeforeChanges: true, config: {}, model: { provider: 'offline' } }),
      (error) => {
        assert.ok(error instanceof EngineRequestError);
        assert.equal(error.code, EngineErrorCodes.config);
        assert.match(error.message, /needs a language model for every agent/);
      },
    );
    assert.equal(readFileSync(path.join(workspace, FILE), 'utf8'), ORIGINAL);
  });

  it('says so when the chosen VS Code model is not offered', async () => {
    await rejectsWith(
      engine.request('run', { request: 'Change the color setting', apply: false, allowCommands: false, config: {}, model: { provider: 'vscode-lm', selector: { vendor: 'nobody' } } }),
      (error) => {
        assert.ok(error instanceof EngineRequestError);
        assert.match(error.message, /no language model for vendor "nobody"/);
      },
    );
  });

  it('shows the model\'s plan in the plan request, and a run given that plan runs it without planning again', async () => {
    const choice = { provider: 'vscode-lm' as const, selector: { vendor: 'test-vendor' } };
    const planned = await engine.request('plan', { request: 'Change the color setting', config: {}, model: choice });
    assert.deepEqual(planned.plan.source, { kind: 'model', provider: 'vscode-lm', model: MODEL.id });
    assert.deepEqual(planned.plan.agents.map((agent) => [agent.name, agent.task]), [['backend-api-developer', 'Set the color to blue in notes/settings.txt']]);

    decide = () => ({ decision: 'approve' });
    const events: OrchestratorEvent[] = [];
    const unsubscribe = engine.onEvent((event) => events.push(event));
    try {
      const result = await engine.request('run', { request: 'Change the color setting', apply: true, allowCommands: true, askBeforeChanges: true, config: {}, model: choice, plan: planned.plan });
      assert.equal(result.status, 'completed');
    } finally {
      unsubscribe();
    }
    const created = events.find((event) => event.type === 'plan.created');
    assert.ok(created?.type === 'plan.created');
    assert.deepEqual(created.payload.plan.agents.map((agent) => [agent.name, agent.task]), planned.plan.agents.map((agent) => [agent.name, agent.task]), 'the run ran the plan the user saw');
    assert.equal(events.filter((event) => event.type === 'model.called' && event.payload.agent === 'orchestrator').length, 0, 'the run did not ask the planner again');
    assert.equal(readFileSync(path.join(workspace, FILE), 'utf8'), 'color = blue\nsize = 3\n');
  });

  it('names the model the agents would use in the plan', async () => {
    const planned = await engine.request('plan', { request: 'Change the color setting', config: {}, model: { provider: 'vscode-lm', selector: { vendor: 'test-vendor' } } });
    assert.equal(planned.model, 'VS Code language model scripted-editor');
  });
});
