import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describeMcpServers } from '../../../src/engineHost/mcpServerSummary';

describe('the MCP servers the VS Code consent names', () => {
  let workspace: string;
  beforeEach(() => {
    workspace = mkdtempSync(path.join(os.tmpdir(), 'ao-mcp-summary-'));
  });
  afterEach(() => rmSync(workspace, { recursive: true, force: true }));

  const write = (servers: Record<string, unknown>): void => writeFileSync(path.join(workspace, '.mcp.json'), JSON.stringify({ mcpServers: servers }));

  it('names each server with its command line or URL, never the values of its environment or secrets in its arguments', () => {
    write({
      github: { command: 'npx', args: ['-y', '@modelcontextprotocol/server-github', '--token', 'ghp_abcdefghijklmnopqrstuvwxyz0123456789'], env: { GITHUB_TOKEN: 'ghp_zyxwvutsrqponmlkjihgfedcba9876543210' } },
      docs: { type: 'http', url: 'https://docs.example.com/mcp' },
      broken: { args: ['x'] },
    });
    const described = describeMcpServers(workspace, {});
    assert.deepEqual(described.servers.map((server) => [server.name, server.source, server.transport]), [['docs', '.mcp.json', 'http'], ['github', '.mcp.json', 'stdio']]);
    assert.equal(described.servers[0]!.launch, 'https://docs.example.com/mcp');
    const github = described.servers[1]!.launch;
    assert.match(github, /^npx -y @modelcontextprotocol\/server-github --token \S+ \(environment: GITHUB_TOKEN\)$/);
    assert.doesNotMatch(github, /ghp_abcdefghij/);
    assert.doesNotMatch(JSON.stringify(described), /ghp_zyxwvuts/);
    assert.match(described.problems.join('\n'), /server "broken": a stdio server needs "command"/);
  });

  it('gives a list a new fingerprint when what it starts changes, and the same one otherwise', () => {
    write({ memory: { command: 'node', args: ['server.js'], env: { MEMORY_FILE_PATH: 'a.jsonl' } } });
    const first = describeMcpServers(workspace, {}).fingerprint;
    assert.equal(describeMcpServers(workspace, {}).fingerprint, first);
    write({ memory: { command: 'node', args: ['server.js'], env: { MEMORY_FILE_PATH: 'b.jsonl' } } });
    const otherEnv = describeMcpServers(workspace, {}).fingerprint;
    write({ memory: { command: 'node', args: ['other.js'], env: { MEMORY_FILE_PATH: 'b.jsonl' } } });
    const otherArgs = describeMcpServers(workspace, {}).fingerprint;
    assert.equal(new Set([first, otherEnv, otherArgs]).size, 3);
  });
});
