// MCP call overhead: `list_sessions` through `agent-orchestrator mcp` (dist/cli.js over stdio, driven by the SDK's
// Client) against the same call made directly on the engine in this process (OrchestratorService.listSessions: open
// the store read-only, list, close). Both read the same workspace, a copy of examples/vulnerable-api with a few
// sessions recorded through the server first. Median of ROUNDS calls each, after WARMUP calls.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { OrchestratorService } from '../src/mcp/orchestratorService';
import { median, percentile, timeEach, type Bench, type BenchRow } from './harness';

const REPO = path.resolve(__dirname, '..');
const CLI = path.join(REPO, 'dist', 'cli.js');
const SESSIONS = 3;
const WARMUP = 5;
const ROUNDS = 50;

export const mcpBench: Bench = async () => {
  if (!fs.existsSync(CLI)) throw new Error(`${CLI} is missing: build first (npm run bench builds it)`);
  // No command runs (no --allow-commands), so the copy need not sit inside the repository like the tests' copies.
  const workspace = fs.mkdtempSync(path.join(os.tmpdir(), 'mcp-bench-'));
  fs.cpSync(path.join(REPO, 'examples', 'vulnerable-api'), workspace, { recursive: true });
  const client = new Client({ name: 'mcp-bench', version: '1.0.0' });
  try {
    await client.connect(new StdioClientTransport({ command: process.execPath, args: [CLI, 'mcp', '--workspace', workspace], stderr: 'ignore' }));
    for (let i = 0; i < SESSIONS; i += 1) {
      const result = (await client.callTool({ name: 'orchestrate_request', arguments: { request: 'Fix security vulnerability in authentication endpoint' } })) as CallToolResult;
      if (result.isError) throw new Error(`seeding run failed: ${JSON.stringify(result.content)}`);
    }
    const viaMcp = () => client.callTool({ name: 'list_sessions', arguments: {} });
    const service = new OrchestratorService({ workspaceRoot: workspace, consent: { apply: false, allowCommands: false } });
    const direct = () => service.listSessions();
    await timeEach(WARMUP, viaMcp);
    await timeEach(WARMUP, direct);
    const mcpTimes = await timeEach(ROUNDS, viaMcp);
    const directTimes = await timeEach(ROUNDS, direct);
    // The protocol alone (stdio, JSON-RPC, the SDK on both sides), without any engine work.
    await timeEach(WARMUP, () => client.ping());
    const pingTimes = await timeEach(ROUNDS, () => client.ping());
    const rows: BenchRow[] = [
      {
        name: `list_sessions via MCP stdio (${SESSIONS} sessions, median of ${ROUNDS})`,
        value: median(mcpTimes),
        unit: 'ms',
        baseline: { name: 'OrchestratorService.listSessions in-process', value: median(directTimes) },
        note: `MCP p90 ${median([percentile([...mcpTimes].sort((a, b) => a - b), 90)])} ms; direct p90 ${median([percentile([...directTimes].sort((a, b) => a - b), 90)])} ms`,
      },
      { name: `MCP ping round trip over stdio (median of ${ROUNDS})`, value: median(pingTimes), unit: 'ms' },
    ];
    return rows;
  } finally {
    await client.close();
    fs.rmSync(workspace, { recursive: true, force: true });
  }
};
