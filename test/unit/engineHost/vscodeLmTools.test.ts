// The engine's VS Code tools against a fake window: two real vscode-jsonrpc connections over in-memory streams, so
// the list, each call, errors and cancellation cross a real JSON-RPC channel with the protocol's schemas.
import { strict as assert } from 'node:assert';
import { PassThrough } from 'node:stream';
import type { CancellationToken, MessageConnection } from 'vscode-jsonrpc/node';
import { createMessageConnection, ErrorCodes, ResponseError, StreamMessageReader, StreamMessageWriter } from 'vscode-jsonrpc/node';
import { evaluatePolicy, RunApprovals } from '../../../src/core/approvals/approvalPolicy';
import type { AgentContext } from '../../../src/core/orchestrator/agentRuntime';
import type { ApprovalRequest } from '../../../src/core/ports';
import { ToolError, type ToolSession } from '../../../src/agents/model/modelTools';
import { grantedVscodeTools, VscodeLmToolSource, vscodeToolName } from '../../../src/engineHost/vscodeLmTools';
import { HostMethods } from '../../../src/shared/engineProtocol';
import { rejectsWith } from '../../helpers/rejectsWith';

const LOOKUP = { name: 'tickets_lookup', description: 'Finds a ticket', inputSchema: { type: 'object' }, tags: ['ReadOnly'] };
const CREATE = { name: 'tickets.create', description: 'Files a ticket', tags: [] };

function connect(onList: () => unknown, onInvoke: (params: { name: string; input: Record<string, unknown> }, token: CancellationToken) => Promise<unknown>) {
  const toWindow = new PassThrough();
  const toEngine = new PassThrough();
  const engine = createMessageConnection(new StreamMessageReader(toEngine), new StreamMessageWriter(toWindow));
  const window: MessageConnection = createMessageConnection(new StreamMessageReader(toWindow), new StreamMessageWriter(toEngine));
  window.onRequest('tool/list', (raw: unknown) => {
    HostMethods['tool/list'].params.parse(raw);
    return onList();
  });
  window.onRequest('tool/invoke', (raw: unknown, token: CancellationToken) => onInvoke(HostMethods['tool/invoke'].params.parse(raw), token));
  engine.listen();
  window.listen();
  return { engine, dispose: () => { engine.dispose(); window.dispose(); } };
}

/** A tool session whose approvals ask `answer` (the user) when no flag or rule allows; tool events are recorded. */
function session(answer: (request: ApprovalRequest) => boolean, signal = new AbortController().signal) {
  const asked: ApprovalRequest[] = [];
  const events: { tool: string; params: Record<string, unknown>; summary: string }[] = [];
  const context = {
    agent: 'tool-user',
    signal,
    setWaiting: () => undefined,
    async useTool<T>(tool: string, params: Record<string, unknown>, fn: () => Promise<T>, summarize?: (result: T) => string): Promise<T> {
      try {
        const result = await fn();
        events.push({ tool, params, summary: summarize ? summarize(result) : 'ok' });
        return result;
      } catch (error) {
        events.push({ tool, params, summary: `error: ${(error as Error).message}` });
        throw error;
      }
    },
  } as unknown as AgentContext;
  const approvals = new RunApprovals({ allow: [], ask: [], deny: [] }, {
    request: async (request) => {
      asked.push(request);
      return answer(request) ? { decision: 'approve' } : { decision: 'reject', reason: 'no' };
    },
  });
  const toolSession = { context, approvals, mcpData: {} } as unknown as ToolSession;
  return { toolSession, asked, events };
}

describe('VS Code tools for model agents (engine side, over JSON-RPC)', () => {
  it('names them vscode__<tool>, never like an MCP server\'s, and grants them as `vscode`, `vscode__*` or one by one', () => {
    assert.equal(vscodeToolName('tickets.create'), 'vscode__tickets_create');
    assert.equal(vscodeToolName('mcp_github_get_issue'), 'vscode__mcp_github_get_issue');
    assert.equal(grantedVscodeTools([]), 'all');
    assert.equal(grantedVscodeTools(['Read', 'vscode']), 'all');
    assert.equal(grantedVscodeTools(['vscode__*']), 'all');
    assert.deepEqual(grantedVscodeTools(['Read', 'vscode__tickets_lookup']), new Set(['vscode__tickets_lookup']));
    assert.equal(grantedVscodeTools(['Read', 'mcp__github']), null);
  });

  it('lets a permission rule name every VS Code tool (`vscode`, `vscode__*`) or one, without touching MCP tools', () => {
    const request = (tool: string): ApprovalRequest => ({ kind: 'tool', agent: 'a', tool, input: {} });
    assert.equal(evaluatePolicy({ allow: ['vscode'], ask: [], deny: [] }, request('vscode__tickets_create')), 'allow');
    assert.equal(evaluatePolicy({ allow: [], ask: [], deny: ['vscode__*'] }, request('vscode__tickets_create')), 'deny');
    assert.equal(evaluatePolicy({ allow: ['vscode__tickets_lookup'], ask: [], deny: [] }, request('vscode__tickets_create')), null);
    assert.equal(evaluatePolicy({ allow: ['vscode'], ask: [], deny: [] }, request('mcp__vscode__x')), null);
  });

  it('runs a tool tagged read-only without asking, asks before any other, and records size and arguments', async () => {
    const invoked: string[] = [];
    const pair = connect(() => ({ tools: [LOOKUP, CREATE] }), async (params) => {
      invoked.push(params.name);
      return { text: `done ${params.name}` };
    });
    try {
      const source = new VscodeLmToolSource(pair.engine);
      const tools = await source.toolsFor([], async () => undefined);
      assert.deepEqual(tools.map((t) => t.name), ['vscode__tickets_lookup', 'vscode__tickets_create']);
      assert.deepEqual(tools[1]!.jsonSchema, { type: 'object', properties: {} }, 'a tool without a schema takes an empty object');
      const { toolSession, asked, events } = session(() => true);
      assert.equal(await tools[0]!.run({ id: 'BUG-1' }, toolSession), 'done tickets_lookup');
      assert.equal(asked.length, 0);
      assert.equal(await tools[1]!.run({ title: 'x' }, toolSession), 'done tickets.create');
      assert.deepEqual(asked.map((request) => request.tool), ['vscode__tickets_create']);
      assert.deepEqual(invoked, ['tickets_lookup', 'tickets.create']);
      assert.deepEqual(events.map((event) => [event.tool, event.params.server, event.params.tool, event.summary]), [
        ['vscode__tickets_lookup', 'vscode', 'tickets_lookup', '19 bytes'],
        ['vscode__tickets_create', 'vscode', 'tickets.create', '19 bytes'],
      ]);
      assert.deepEqual(toolSession.mcpData, { 'vscode/tickets_lookup': 'done tickets_lookup', 'vscode/tickets.create': 'done tickets.create' });
    } finally {
      pair.dispose();
    }
  });

  it('never calls a tool the user refused', async () => {
    const invoked: string[] = [];
    const pair = connect(() => ({ tools: [CREATE] }), async (params) => {
      invoked.push(params.name);
      return { text: '' };
    });
    try {
      const [create] = await new VscodeLmToolSource(pair.engine).toolsFor(['vscode__tickets_create'], async () => undefined);
      await rejectsWith(create!.run({}, session(() => false).toolSession), (error) => {
        assert.ok(error instanceof ToolError);
        assert.match(error.message, /^Not done: /);
      });
      assert.deepEqual(invoked, []);
    } finally {
      pair.dispose();
    }
  });

  it('reports a malformed list as an error of the agent and offers nothing', async () => {
    const pair = connect(() => ({ tools: [{ name: '', tags: 'x' }] }), async () => ({ text: '' }));
    try {
      const errors: [string, string, string | undefined][] = [];
      const tools = await new VscodeLmToolSource(pair.engine).toolsFor([], async (server, message, eventTool) => { errors.push([server, message, eventTool]); });
      assert.deepEqual(tools, []);
      assert.equal(errors.length, 1);
      assert.equal(errors[0]![2], 'vscode', 'recorded as a VS Code tool failure, not an MCP server\'s');
      assert.match(errors[0]![1], /VS Code's tools could not be listed: the VS Code window answered tool\/list with something malformed/);
    } finally {
      pair.dispose();
    }
  });

  it('refuses a result bigger than the protocol takes, and a window that fails, as the call\'s error', async () => {
    const pair = connect(() => ({ tools: [LOOKUP] }), async (params) => {
      if (params.input.big) return { text: 'x'.repeat(1024 * 1024 + 1) };
      // As the extension's serveHost answers a handler that threw.
      throw new ResponseError(ErrorCodes.InternalError, 'the ticket service is down');
    });
    try {
      const [lookup] = await new VscodeLmToolSource(pair.engine).toolsFor([], async () => undefined);
      await rejectsWith(lookup!.run({ big: true }, session(() => true).toolSession), (error) => {
        assert.ok(error instanceof ToolError);
        assert.match(error.message, /returned something malformed or too large/);
      });
      await rejectsWith(lookup!.run({}, session(() => true).toolSession), (error) => {
        assert.ok(error instanceof ToolError);
        assert.match(error.message, /The VS Code tool "tickets_lookup" failed: the ticket service is down/);
      });
    } finally {
      pair.dispose();
    }
  });

  it('cancels the call in the window when the agent is stopped', async () => {
    let cancelled: () => void = () => undefined;
    const windowSawCancel = new Promise<void>((resolve) => { cancelled = resolve; });
    let started: () => void = () => undefined;
    const windowStarted = new Promise<void>((resolve) => { started = resolve; });
    const pair = connect(() => ({ tools: [LOOKUP] }), (_params, token) => new Promise((resolve) => {
      started();
      token.onCancellationRequested(() => {
        cancelled();
        resolve({ text: 'too late' });
      });
    }));
    try {
      const abort = new AbortController();
      const [lookup] = await new VscodeLmToolSource(pair.engine).toolsFor([], async () => undefined);
      const call = lookup!.run({}, session(() => true, abort.signal).toolSession);
      await windowStarted;
      abort.abort();
      await windowSawCancel;
      await call.catch(() => undefined);
    } finally {
      pair.dispose();
    }
  });
});
