import { strict as assert } from 'node:assert';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { createMcpServer } from '../../../src/mcp/mcpServer';
import type { OrchestratorService } from '../../../src/mcp/orchestratorService';
import { MAX_VSCODE_TOOL_RESULT_CHARS } from '../../../src/shared/engineProtocol';
import { isOrchestratorTool, offeredTools, ORCHESTRATOR_MCP_TOOLS, toolResultText } from '../../../src/vscode/vscodeToolSelection';

const tool = (name: string, tags: string[] = [], fullReferenceName?: string) => ({ name, description: `${name} does things`, inputSchema: { type: 'object' }, tags, ...(fullReferenceName ? { fullReferenceName } : {}) });

describe('the VS Code tools agents are offered', () => {
  it('knows every tool the orchestrator\'s own MCP server offers (so none of them reaches an agent)', async () => {
    const service = { workspaceRoot: '/w', consent: { apply: false, allowCommands: false } } as unknown as OrchestratorService;
    const server = createMcpServer(service, '0.0.0');
    const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
    const client = new Client({ name: 'test', version: '1' });
    await Promise.all([server.connect(serverSide), client.connect(clientSide)]);
    try {
      const { tools } = await client.listTools();
      assert.deepEqual(tools.map((t) => t.name).sort(), [...ORCHESTRATOR_MCP_TOOLS].sort());
    } finally {
      await client.close();
      await server.close();
    }
  });

  it('leaves out the orchestrator\'s tools however VS Code names them, and keeps everyone else\'s', () => {
    const offered = offeredTools([
      tool('mcp_agent_orches_orchestrate_request', ['mcp']),
      tool('mcp_agentorch2_plan_request', ['mcp'], 'agent-orchestrator-(w)/plan_request'),
      tool('mcp_x_query_learnings', ['mcp']),
      tool('mcp_agent_orches_future_tool', ['mcp'], 'agent-orchestrator-(my-project)/future_tool'),
      tool('copilot_searchCodebase', ['vscode_codesearch']),
      tool('mcp_github_get_issue', ['mcp']),
      // Not an MCP tool: a name that merely ends like ours is someone else's.
      tool('tickets_list_sessions', ['tickets']),
      // Another extension whose id merely starts like ours.
      tool('aotest_lookupTicket', ['read-only'], 'agent-orchestrator.agent-orchestrator-test-language-model/aotest_lookupTicket'),
    ]);
    assert.deepEqual(offered.map((t) => t.name), ['copilot_searchCodebase', 'mcp_github_get_issue', 'tickets_list_sessions', 'aotest_lookupTicket']);
    assert.deepEqual(offered[0], { name: 'copilot_searchCodebase', description: 'copilot_searchCodebase does things', inputSchema: { type: 'object' }, tags: ['vscode_codesearch'] });
    assert.equal(isOrchestratorTool({ name: 'run', tags: [], fullReferenceName: 'agent-orchestrator.agent-orchestrator/run' }), true, 'a tool this extension contributed');
  });

  it('takes an entry missing a field its type promises as empty, instead of failing the whole list', () => {
    const broken = { name: 'odd_tool', description: undefined, inputSchema: [], tags: undefined } as unknown as Parameters<typeof offeredTools>[0][number];
    assert.deepEqual(offeredTools([broken, tool('fine')]).map((t) => [t.name, t.description, t.inputSchema, t.tags]), [
      ['odd_tool', '', undefined, []],
      ['fine', 'fine does things', { type: 'object' }, []],
    ]);
  });

  it('turns a result\'s parts into text: text as is, textual data decoded, other data named, the rest as JSON', () => {
    const text = toolResultText([
      { value: 'first' },
      { data: new TextEncoder().encode('{"a":1}'), mimeType: 'application/json' },
      { data: new Uint8Array(3), mimeType: 'image/png' },
      { value: { node: 'tsx' } },
    ]);
    assert.equal(text, 'first\n{"a":1}\n[image/png, 3 bytes]\n{"node":"tsx"}');
  });

  it('refuses a result bigger than the engine accepts, saying how big', () => {
    assert.throws(() => toolResultText([{ value: 'x'.repeat(MAX_VSCODE_TOOL_RESULT_CHARS + 1) }]), /returned 1025 KB of text, more than the 1024 KB accepted/);
  });
});
