// Which MCP tools an agent file grants, how permission rules name them, and that a run's servers are stopped when
// it ends (by process id: nothing keeps running after the run).
import { strict as assert } from 'node:assert';
import os from 'node:os';
import { McpToolHub, grantedServerTools } from '../../../src/agents/mcp/mcpToolHub';
import { evaluatePolicy } from '../../../src/core/approvals/approvalPolicy';

const MEMORY_SERVER = require.resolve('@modelcontextprotocol/server-memory/dist/index.js');

describe('MCP tools for agents', () => {
  it('grants a whole server (mcp__s, mcp__s__*), single tools, or everything when the file names no tools', () => {
    assert.equal(grantedServerTools([], 'github'), 'all');
    assert.equal(grantedServerTools(['Read', 'mcp__github'], 'github'), 'all');
    assert.equal(grantedServerTools(['mcp__github__*'], 'github'), 'all');
    assert.deepEqual(grantedServerTools(['mcp__github__get_issue', 'mcp__github__list_prs'], 'github'), new Set(['get_issue', 'list_prs']));
    assert.equal(grantedServerTools(['Read', 'mcp__gitlab'], 'github'), null);
    assert.equal(grantedServerTools(['mcp__githubx'], 'github'), null);
  });

  it('lets a permission rule name a server or one of its tools, and nothing else', () => {
    const request = (tool: string) => ({ kind: 'tool' as const, agent: 'a', tool, input: {} });
    const policy = { allow: ['mcp__memory'], ask: ['mcp__github__*'], deny: ['mcp__memory__delete_entities'] };
    assert.equal(evaluatePolicy(policy, request('mcp__memory__create_entities')), 'allow');
    assert.equal(evaluatePolicy(policy, request('mcp__memory__delete_entities')), 'deny');
    assert.equal(evaluatePolicy(policy, request('mcp__github__create_issue')), 'ask');
    assert.equal(evaluatePolicy(policy, request('mcp__memoryx__create_entities')), null);
  });

  it('lists a server\'s tools with their read-only hint, and stops the server when the run completes', async function () {
    this.timeout(30_000);
    const hub = new McpToolHub({ servers: new Map([['memory', { name: 'memory', source: '.mcp.json' as const, transport: 'stdio' as const, command: process.execPath, args: [MEMORY_SERVER], env: { MEMORY_FILE_PATH: `${os.tmpdir()}/ao-hub-${process.pid}.jsonl` }, cwd: os.tmpdir() }]]) });
    const errors: string[] = [];
    const tools = await hub.toolsFor(['mcp__memory__search_nodes', 'mcp__memory__create_entities'], async (_server, message) => { errors.push(message); });
    assert.deepEqual(errors, []);
    assert.deepEqual(tools.map((t) => t.name).sort(), ['mcp__memory__create_entities', 'mcp__memory__search_nodes']);
    assert.match(tools.find((t) => t.name === 'mcp__memory__search_nodes')!.description, /read-only/);
    assert.doesNotMatch(tools.find((t) => t.name === 'mcp__memory__create_entities')!.description, /read-only/);
    const [pid] = await hub.runningPids();
    assert.ok(pid, 'the server is running');
    hub.observe({ type: 'run.completed', sessionId: 's', seq: 9, ts: 0, payload: {} } as never);
    await hub.closeAll();
    assert.deepEqual(await hub.runningPids(), []);
    assert.throws(() => process.kill(pid, 0), /ESRCH/);
  });
});
