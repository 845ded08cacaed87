// MCP client overhead: an agent's MCP tool call (McpClientConnection.callTool: bounded in time, result size checked,
// text extracted) against the same call made directly with the SDK's Client, both on one running reference memory
// server (@modelcontextprotocol/server-memory over stdio, `read_graph` on a small graph). Median of ROUNDS calls.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { McpClientConnection } from '../src/agents/mcp/mcpClientConnection';
import { median, timeEach, type Bench } from './harness';

const WARMUP = 10;
const ROUNDS = 200;
const MEMORY_SERVER = require.resolve('@modelcontextprotocol/server-memory/dist/index.js');

export const mcpClientBench: Bench = async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mcp-client-bench-'));
  const graphFile = path.join(dir, 'memory.jsonl');
  fs.writeFileSync(graphFile, Array.from({ length: 20 }, (_, i) => JSON.stringify({ type: 'entity', name: `entity-${i}`, entityType: 'note', observations: [`observation ${i}`] })).join('\n') + '\n');
  const env = { MEMORY_FILE_PATH: graphFile };
  const connection = await McpClientConnection.connect({ name: 'memory', source: 'config', transport: 'stdio', command: process.execPath, args: [MEMORY_SERVER], env, cwd: dir });
  const direct = new Client({ name: 'mcp-client-bench', version: '1.0.0' });
  try {
    await direct.connect(new StdioClientTransport({ command: process.execPath, args: [MEMORY_SERVER], env, stderr: 'ignore' }));
    const ours = () => connection.callTool('read_graph', {});
    const sdk = () => direct.callTool({ name: 'read_graph', arguments: {} });
    await timeEach(WARMUP, ours);
    await timeEach(WARMUP, sdk);
    // Alternating blocks, so a slow phase of the machine hits both alike.
    const oursTimes: number[] = [];
    const sdkTimes: number[] = [];
    for (let block = 0; block < 4; block += 1) {
      oursTimes.push(...(await timeEach(ROUNDS / 4, ours)));
      sdkTimes.push(...(await timeEach(ROUNDS / 4, sdk)));
    }
    return [{
      name: `agent MCP tool call (read_graph, reference memory server over stdio, median of ${ROUNDS})`,
      value: median(oursTimes),
      unit: 'ms',
      baseline: { name: 'the same call with the SDK Client directly', value: median(sdkTimes) },
    }];
  } finally {
    await connection.close();
    await direct.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
};
