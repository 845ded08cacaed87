// A model agent uses the tools of MCP servers named in .mcp.json: started only with --allow-mcp, granted by the
// agent file (`mcp__memory`), read-only tools run on the run's consent, a write-capable one only with a permission
// rule; each call is an event (server, tool, arguments, duration, result size) shown per agent in the dashboard;
// what the agent got travels in its handoff's mcpData; a server that cannot start is an error of that agent only.
import { strict as assert } from 'node:assert';
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { scratchCopyOfExample } from '../helpers/exampleWorkspace';
import { startScriptedModelServer } from '../helpers/scriptedModelServer';
import type { FakeServer } from '../unit/models/fakeProviders';

const run = promisify(execFile);
const CLI = path.resolve(__dirname, '..', '..', 'dist', 'cli.js');
const MEMORY_SERVER = require.resolve('@modelcontextprotocol/server-memory/dist/index.js');

interface StoredEvent { type: string; payload: Record<string, unknown> }

describe('model agents using MCP servers from .mcp.json', function () {
  this.timeout(240_000);
  let workspace: string;
  let graphFile: string;
  let model: FakeServer;

  before(async () => {
    workspace = scratchCopyOfExample();
    graphFile = path.join(workspace, '..', `${path.basename(workspace)}-graph.jsonl`);
    writeFileSync(graphFile, `${JSON.stringify({ type: 'entity', name: 'auth-service', entityType: 'service', observations: ['tokens are signed with HS256'] })}\n`);
    writeFileSync(path.join(workspace, '.mcp.json'), JSON.stringify({
      mcpServers: {
        memory: { command: process.execPath, args: [MEMORY_SERVER], env: { MEMORY_FILE_PATH: graphFile } },
        broken: { command: path.join(workspace, 'no-such-server') },
      },
    }));
    mkdirSync(path.join(workspace, '.claude', 'agents'), { recursive: true });
    writeFileSync(path.join(workspace, '.claude', 'agents', 'researcher.md'), [
      '---',
      'name: researcher',
      'description: Looks up what the team memory knows about the code before others change it',
      'tools: Read, mcp__memory, mcp__broken',
      '---',
      'You research what the team already knows and hand it on.',
      '',
    ].join('\n'));
    model = await startScriptedModelServer({
      researcher: [
        { calls: [{ name: 'mcp__memory__search_nodes', input: { query: 'auth' } }, { name: 'mcp__memory__create_entities', input: { entities: [{ name: 'auth-endpoint', entityType: 'endpoint', observations: ['reviewed by researcher'] }] } }] },
        { calls: [{ name: 'handoff', input: { to: 'docs-writer', task: 'Document what the memory says about auth' } }] },
        { text: 'Done.' },
      ],
    });
  });

  after(async () => {
    await model.close();
    rmSync(workspace, { recursive: true, force: true });
    rmSync(graphFile, { force: true });
  });

  async function orchestrate(...extra: string[]): Promise<{ sessionId: string; dashboardFile: string; events: StoredEvent[]; stderr: string }> {
    const env = { ...process.env, AGENT_ORCHESTRATOR_API_KEY: 'test-key', NO_COLOR: '1' };
    const { stdout, stderr } = await run(process.execPath, [CLI, 'run', 'Summarise what the team memory knows about this code', '--workspace', workspace, '--provider', 'openai-compatible', '--model', 'test-model', '--base-url', model.baseUrl, '--agents', 'researcher,docs-writer', '--json', ...extra], { env, maxBuffer: 64 * 1024 * 1024 });
    const result = JSON.parse(stdout) as { sessionId: string; dashboardFile: string };
    const shown = await run(process.execPath, [CLI, 'show', result.sessionId, '--json', '--workspace', workspace], { env, maxBuffer: 64 * 1024 * 1024 });
    return { ...result, events: JSON.parse(shown.stdout) as StoredEvent[], stderr };
  }

  const toolCalls = (events: StoredEvent[], agent: string) => events.filter((e) => e.type === 'agent.tool_called' && e.payload.agent === agent).map((e) => e.payload as { tool: string; params: Record<string, unknown>; status: string; summary: string; durationMs: number });

  it('starts nothing without --allow-mcp: the agent gets no MCP tool', async () => {
    const { events } = await orchestrate();
    const attempts = toolCalls(events, 'researcher').filter((call) => call.tool.startsWith('mcp__'));
    assert.ok(attempts.length > 0, 'the scripted model tried');
    for (const attempt of attempts) {
      assert.equal(attempt.status, 'error');
      assert.match(attempt.summary, /^Unknown tool "mcp__memory__/);
    }
  });

  it('runs a read-only tool on consent, refuses a write-capable one with no rule, reports the broken server, hands the result on', async () => {
    const { events, dashboardFile } = await orchestrate('--allow-mcp');
    const calls = toolCalls(events, 'researcher');
    const search = calls.find((call) => call.tool === 'mcp__memory__search_nodes');
    assert.ok(search, 'the read-only tool ran');
    assert.equal(search.status, 'success');
    assert.deepEqual(search.params, { server: 'memory', tool: 'search_nodes', arguments: { query: 'auth' } });
    assert.match(search.summary, /^\d+ bytes$/);
    const create = calls.find((call) => call.tool === 'mcp__memory__create_entities');
    assert.equal(create?.status, 'error');
    assert.match(create?.summary ?? '', /Not done: not allowed in this run/);
    assert.ok(!readFileSync(graphFile, 'utf8').includes('auth-endpoint'), 'the refused write did not happen');
    const broken = calls.find((call) => call.tool === 'mcp__broken');
    assert.equal(broken?.status, 'error');
    assert.match(broken?.summary ?? '', /MCP server "broken": could not start/);
    const completed = events.find((e) => e.type === 'agent.completed' && e.payload.agent === 'researcher');
    assert.ok(completed, 'the broken server stopped nothing');

    const handoff = events.find((e) => e.type === 'handoff.initiated')?.payload.package as { from: string; mcpData: Record<string, string> } | undefined;
    assert.equal(handoff?.from, 'researcher');
    assert.match(handoff?.mcpData['memory/search_nodes'] ?? '', /tokens are signed with HS256/);

    const dashboard = readFileSync(dashboardFile, 'utf8');
    assert.match(dashboard, /## 🔌 MCP Calls[\s\S]*\| researcher \| `memory\/search_nodes` \| 1 \|/);
    const learned = events.find((e) => e.type === 'learning.recorded' && (e.payload.record as { agent: string }).agent === 'researcher')?.payload.record as { successPatterns: { mcpUsage: Record<string, boolean> } };
    // The server that never started was not used.
    assert.deepEqual(learned.successPatterns.mcpUsage, { memory: true });
  });

  it('runs a write-capable tool when a permission rule allows it', async () => {
    mkdirSync(path.join(workspace, '.agent-orchestrator'), { recursive: true });
    writeFileSync(path.join(workspace, '.agent-orchestrator', 'config.json'), JSON.stringify({ permissions: { allow: ['mcp__memory__create_entities'] } }));
    const { events } = await orchestrate('--allow-mcp');
    const create = toolCalls(events, 'researcher').find((call) => call.tool === 'mcp__memory__create_entities');
    assert.equal(create?.status, 'success', create?.summary);
    assert.ok(existsSync(graphFile) && readFileSync(graphFile, 'utf8').includes('"auth-endpoint"'));
  });
});
