// A model agent in VS Code uses the tools VS Code offers (vscode.lm.tools), reached from the forked engine process
// through the window over the real engine protocol (tool/list, tool/invoke); the window here is host handlers
// standing in for the extension's bridge. A tool tagged read-only runs on the run's consent; any other is asked in
// the window first (approval/request); each call is an event (tool, arguments, duration, result size) counted per
// agent; nothing of the sort happens unless the run asked for VS Code's tools.
import { strict as assert } from 'node:assert';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { ApprovalDecision, ApprovalRequest } from '../../src/core/ports';
import { foldEvents } from '../../src/core/logging/runState';
import type { OrchestratorEvent } from '../../src/core/protocol/events';
import type { HostParams, VscodeToolInfo } from '../../src/shared/engineProtocol';
import { EngineProcess, type HostHandlers } from '../../src/vscode/engineClient';
import { scratchCopyOfExample } from '../helpers/exampleWorkspace';

const repoRoot = path.resolve(__dirname, '..', '..');
const MEMORY_SERVER = require.resolve('@modelcontextprotocol/server-memory/dist/index.js');
const MODEL = { id: 'scripted-tools', vendor: 'test-vendor', family: 'scripted', name: 'Scripted', version: '1', maxInputTokens: 100_000 };
const USAGE = { inputTokens: 30, outputTokens: 5, cachedInputTokens: 0 };
const LOOKUP: VscodeToolInfo = { name: 'tickets_lookup', description: 'Finds a ticket', inputSchema: { type: 'object', properties: { id: { type: 'string' } } }, tags: ['tickets', 'read-only'] };
// A dot is not allowed in a provider's tool name: offered as vscode__tickets_file_new.
const FILE_TICKET: VscodeToolInfo = { name: 'tickets.file_new', description: 'Files a new ticket', inputSchema: { type: 'object', properties: { title: { type: 'string' } } }, tags: ['tickets'] };

type Notify = Parameters<NonNullable<HostHandlers['model/stream']>>[1]['notify'];

/** The agent looks a ticket up, then files one, then reports what it got; the planner sends tool-user alone. */
async function scriptedTurn(params: HostParams<'model/stream'>, notify: Notify) {
  const toolCall = async (id: string, name: string, input: Record<string, unknown>) => {
    await notify('model/part', { requestId: params.requestId, part: { type: 'tool-call', call: { id, name, input, inputText: JSON.stringify(input) } } });
    return { modelId: MODEL.id, reason: 'tool-calls' as const, usage: USAGE };
  };
  if (params.tools?.some((tool) => tool.name === 'submit_plan')) {
    return toolCall('plan-1', 'submit_plan', { taskType: 'ticket-triage', agents: [{ name: 'tool-user', task: 'File a ticket for the login bug', dependsOn: [] }], phases: [['tool-user']] });
  }
  const last = params.messages.at(-1);
  const offered = (params.tools ?? []).map((tool) => tool.name);
  if (last?.role === 'user' && offered.includes('mcp__memory__search_nodes')) return toolCall('memory-1', 'mcp__memory__search_nodes', { query: 'login' });
  if (last?.role === 'user') return toolCall('lookup-1', 'vscode__tickets_lookup', { id: 'BUG-1' });
  if (last?.role === 'tool' && last.toolCallId === 'lookup-1') return toolCall('file-1', 'vscode__tickets_file_new', { title: 'Login accepts any password' });
  await notify('model/part', { requestId: params.requestId, part: { type: 'text', text: `Offered: ${offered.filter((name) => name.startsWith('vscode__')).join(',')}. Last result: ${last?.role === 'tool' ? last.content : ''}` } });
  return { modelId: MODEL.id, reason: 'stop' as const, usage: USAGE };
}

describe('engine process: model agents use the tools VS Code offers (forked, JSON-RPC over IPC)', function () {
  this.timeout(120_000);
  let workspace: string;
  let engine: EngineProcess;
  let decide: (request: ApprovalRequest) => ApprovalDecision;
  const asked: ApprovalRequest[] = [];
  const invoked: HostParams<'tool/invoke'>[] = [];
  let listed = 0;
  let offered: VscodeToolInfo[] = [LOOKUP, FILE_TICKET];

  const handlers: Partial<HostHandlers> = {
    'model/list': async () => ({ models: [MODEL] }),
    'model/stream': (params, { notify }) => scriptedTurn(params, notify),
    'approval/request': async ({ request }) => {
      asked.push(request as ApprovalRequest);
      return decide(request as ApprovalRequest);
    },
    'tool/list': async () => {
      listed += 1;
      return { tools: offered };
    },
    'tool/invoke': async (params) => {
      invoked.push(params);
      if (params.name === 'tickets_lookup') return { text: 'BUG-1: login is slow' };
      return { text: `filed ${String(params.input.title)}` };
    },
  };

  before(() => {
    workspace = scratchCopyOfExample();
    mkdirSync(path.join(workspace, '.claude', 'agents'), { recursive: true });
    // No `tools:` line: the agent gets every tool, VS Code's included (Claude Code's rule).
    const graph = path.join(workspace, '.memory-graph.jsonl');
    writeFileSync(graph, `${JSON.stringify({ type: 'entity', name: 'login', entityType: 'endpoint', observations: ['accepts any password'] })}\n`);
    writeFileSync(path.join(workspace, '.mcp.json'), JSON.stringify({ mcpServers: { memory: { command: process.execPath, args: [MEMORY_SERVER], env: { MEMORY_FILE_PATH: graph } } } }));
    writeFileSync(path.join(workspace, '.claude', 'agents', 'tool-user.md'), '---\nname: tool-user\ndescription: Files tickets with the tools of the editor\n---\nYou file tickets.\n');
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
    invoked.length = 0;
    listed = 0;
    offered = [LOOKUP, FILE_TICKET];
  });

  after(async () => {
    await engine.dispose();
    rmSync(workspace, { recursive: true, force: true });
  });

  async function runWithTools(vscodeTools: boolean, allowMcpServers = false): Promise<{ events: OrchestratorEvent[]; sessionId: string }> {
    const events: OrchestratorEvent[] = [];
    const unsubscribe = engine.onEvent((event) => events.push(event));
    try {
      const result = await engine.request('run', {
        request: 'File a ticket for the login bug',
        apply: false,
        allowCommands: false,
        agents: ['tool-user'],
        config: {},
        model: { provider: 'vscode-lm', selector: { vendor: 'test-vendor' } },
        ...(vscodeTools ? { vscodeTools } : {}),
        ...(allowMcpServers ? { allowMcpServers } : {}),
      });
      assert.equal(result.status, 'completed', result.error);
      return { events, sessionId: result.sessionId };
    } finally {
      unsubscribe();
    }
  }

  const vscodeCalls = (events: OrchestratorEvent[]) =>
    events.flatMap((event) => (event.type === 'agent.tool_called' && event.payload.tool.startsWith('vscode__') ? [event.payload] : []));

  it('runs a read-only tool on the run\'s consent, asks before any other, and records each call per agent', async () => {
    decide = () => ({ decision: 'approve' });
    const { events, sessionId } = await runWithTools(true);
    assert.equal(listed, 1, 'the tools are listed once per run');
    assert.deepEqual(asked.map((request) => [request.kind, request.tool]), [['tool', 'vscode__tickets_file_new']], 'only the tool not tagged read-only was asked');
    assert.deepEqual(asked[0]?.kind === 'tool' ? asked[0].input : null, { title: 'Login accepts any password' });
    assert.deepEqual(invoked, [
      { name: 'tickets_lookup', input: { id: 'BUG-1' } },
      { name: 'tickets.file_new', input: { title: 'Login accepts any password' } },
    ]);
    const calls = vscodeCalls(events);
    assert.deepEqual(calls.map((call) => [call.tool, call.status, call.params.server, call.params.tool, call.summary]), [
      ['vscode__tickets_lookup', 'success', 'vscode', 'tickets_lookup', '20 bytes'],
      ['vscode__tickets_file_new', 'success', 'vscode', 'tickets.file_new', '32 bytes'],
    ]);
    assert.deepEqual(calls[1]?.params.arguments, { title: 'Login accepts any password' });
    assert.ok(calls.every((call) => typeof call.durationMs === 'number' && call.durationMs >= 0));
    const agent = foldEvents(sessionId, events).agents.find((a) => a.name === 'tool-user');
    assert.deepEqual(agent?.vscodeToolCalls, { tickets_lookup: 1, 'tickets.file_new': 1 });
    const answer = JSON.stringify(events.filter((event) => event.type === 'model.exchange').at(-1));
    assert.match(answer, /Offered: vscode__tickets_lookup,vscode__tickets_file_new\. Last result: filed Login accepts any password/);
  });

  it('does not call a tool the user rejected, and tells the agent why', async () => {
    decide = () => ({ decision: 'reject', reason: 'not today' });
    const { events } = await runWithTools(true);
    assert.deepEqual(invoked.map((call) => call.name), ['tickets_lookup']);
    const refused = vscodeCalls(events).find((call) => call.tool === 'vscode__tickets_file_new');
    assert.equal(refused?.status, 'error');
    assert.match(String(refused?.summary), /rejected by the user: not today/);
  });

  it('offers no VS Code tool unless the run asked for them', async () => {
    const { events } = await runWithTools(false);
    assert.equal(listed, 0, 'the window was not even asked for its tools');
    assert.deepEqual(invoked, []);
    for (const call of vscodeCalls(events)) assert.match(call.summary, /^Unknown tool "vscode__/);
  });

  it('reports a tool that fails in the window as that call\'s error, and the agent goes on', async () => {
    offered = [LOOKUP, { ...FILE_TICKET, name: 'tickets.broken' }];
    const failing = handlers['tool/invoke'];
    handlers['tool/invoke'] = async (params, context) => {
      if (params.name === 'tickets_lookup') throw new Error('the ticket service is down');
      return failing!(params, context);
    };
    try {
      const { events } = await runWithTools(true);
      const lookup = vscodeCalls(events).find((call) => call.tool === 'vscode__tickets_lookup');
      assert.equal(lookup?.status, 'error');
      assert.match(String(lookup?.summary), /the ticket service is down/);
      assert.ok(events.some((event) => event.type === 'agent.completed' && event.payload.agent === 'tool-user'), 'the agent completed');
    } finally {
      handlers['tool/invoke'] = failing;
    }
  });

  it('starts the workspace\'s MCP servers for a run the window allowed them for, and for no other', async () => {
    const mcpCalls = (events: OrchestratorEvent[]) => events.flatMap((event) => (event.type === 'agent.tool_called' && event.payload.tool.startsWith('mcp__') ? [event.payload] : []));
    const refused = await runWithTools(false);
    assert.deepEqual(mcpCalls(refused.events), [], 'without the consent the agent is not even offered the server\'s tools');

    const allowed = await runWithTools(false, true);
    const [search] = mcpCalls(allowed.events);
    assert.equal(search?.tool, 'mcp__memory__search_nodes');
    assert.equal(search?.status, 'success', search?.summary);
    const answer = JSON.stringify(allowed.events.filter((event) => event.type === 'model.exchange').at(-1));
    assert.match(answer, /accepts any password/);
    assert.deepEqual(foldEvents(allowed.sessionId, allowed.events).agents.find((a) => a.name === 'tool-user')?.mcpCalls, { 'memory/search_nodes': 1 });
  });
});
