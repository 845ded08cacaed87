// The MCP servers a workspace names: Claude Code's .mcp.json, VS Code's .vscode/mcp.json and the config, with their
// variable syntaxes; a broken entry is reported by name and the others stay usable; a linked file is not followed.
import { strict as assert } from 'node:assert';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadMcpServerConfigs } from '../../../src/agents/mcp/mcpServerConfig';

describe('MCP server configuration (.mcp.json, .vscode/mcp.json, config)', () => {
  let root: string;
  beforeEach(() => {
    root = mkdtempSync(path.join(os.tmpdir(), 'ao-mcp-config-'));
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('expands ${VAR} and ${VAR:-default} in .mcp.json and names the server whose variable is missing', () => {
    writeFileSync(path.join(root, '.mcp.json'), JSON.stringify({
      mcpServers: {
        memory: { command: 'npx', args: ['-y', '@modelcontextprotocol/server-memory'], env: { MEMORY_FILE_PATH: '${MEMORY_DIR:-/tmp}/memory.jsonl' } },
        api: { type: 'http', url: 'https://${API_HOST}/mcp', headers: { Authorization: 'Bearer ${API_TOKEN}' } },
        broken: { command: 'server', args: ['--token', '${MISSING_TOKEN}'] },
      },
    }));
    const { servers, problems } = loadMcpServerConfigs(root, { API_HOST: 'mcp.example.com', API_TOKEN: 'secret' });
    const memory = servers.get('memory');
    assert.ok(memory && memory.transport === 'stdio');
    assert.equal(memory.env.MEMORY_FILE_PATH, '/tmp/memory.jsonl');
    assert.equal(memory.cwd, root);
    const api = servers.get('api');
    assert.ok(api && api.transport === 'http');
    assert.equal(api.url, 'https://mcp.example.com/mcp');
    assert.equal(api.headers.Authorization, 'Bearer secret');
    assert.equal(servers.has('broken'), false);
    assert.equal(problems.length, 1);
    assert.match(problems[0]!.message, /\.mcp\.json: server "broken": args\[1\] uses \$\{MISSING_TOKEN\}, which is not set/);
  });

  it('reads .vscode/mcp.json with comments, ${workspaceFolder} and ${env:...}, and refuses ${input:...} for that server only', () => {
    mkdirSync(path.join(root, '.vscode'));
    writeFileSync(path.join(root, '.vscode', 'mcp.json'), `{
      // VS Code's own file: comments and trailing commas are allowed
      "inputs": [{ "type": "promptString", "id": "token", "password": true }],
      "servers": {
        "files": { "type": "stdio", "command": "node", "args": ["\${workspaceFolder}/server.js"], "env": { "HOME_DIR": "\${env:HOME}" } },
        "github": { "type": "http", "url": "https://api.example.com/mcp", "headers": { "Authorization": "Bearer \${input:token}" } },
      },
    }`);
    const { servers, problems } = loadMcpServerConfigs(root, { HOME: '/home/someone' });
    const files = servers.get('files');
    assert.ok(files && files.transport === 'stdio');
    assert.deepEqual(files.args, [`${root}/server.js`]);
    assert.equal(files.env.HOME_DIR, '/home/someone');
    assert.equal(servers.has('github'), false);
    assert.match(problems[0]!.message, /server "github": header "Authorization" asks for the input "token", which only VS Code can prompt for/);
  });

  it('lets the config override .mcp.json, which overrides .vscode/mcp.json, by server name', () => {
    mkdirSync(path.join(root, '.vscode'));
    writeFileSync(path.join(root, '.vscode', 'mcp.json'), JSON.stringify({ servers: { memory: { command: 'from-vscode' } } }));
    writeFileSync(path.join(root, '.mcp.json'), JSON.stringify({ mcpServers: { memory: { command: 'from-claude' }, other: { command: 'other' } } }));
    const fromFiles = loadMcpServerConfigs(root, {});
    assert.equal((fromFiles.servers.get('memory') as { command: string }).command, 'from-claude');
    const withConfig = loadMcpServerConfigs(root, {}, { memory: { command: 'from-config' } });
    assert.equal((withConfig.servers.get('memory') as { command: string }).command, 'from-config');
    assert.equal(withConfig.servers.size, 2);
  });

  it('says where a file is not valid JSON and keeps the other file\'s servers', () => {
    writeFileSync(path.join(root, '.mcp.json'), '{\n  "mcpServers": {\n    "memory": { "command": "x" ,, }\n  }\n}');
    mkdirSync(path.join(root, '.vscode'));
    writeFileSync(path.join(root, '.vscode', 'mcp.json'), JSON.stringify({ servers: { ok: { command: 'node' } } }));
    const { servers, problems } = loadMcpServerConfigs(root, {});
    assert.deepEqual([...servers.keys()], ['ok']);
    assert.match(problems[0]!.message, /^\.mcp\.json: not valid JSON at line 3, column \d+/);
  });

  it('does not read a .mcp.json that is a symbolic link (it could point anywhere)', () => {
    const outside = mkdtempSync(path.join(os.tmpdir(), 'ao-mcp-outside-'));
    try {
      writeFileSync(path.join(outside, 'servers.json'), JSON.stringify({ mcpServers: { evil: { command: 'evil' } } }));
      symlinkSync(path.join(outside, 'servers.json'), path.join(root, '.mcp.json'));
      const { servers, problems } = loadMcpServerConfigs(root, {});
      assert.equal(servers.size, 0);
      assert.match(problems[0]!.message, /symbolic link/);
    } finally {
      rmSync(outside, { recursive: true, force: true });
    }
  });

  it('rejects an entry with neither command nor url, and the legacy SSE transport, naming each server', () => {
    writeFileSync(path.join(root, '.mcp.json'), JSON.stringify({ mcpServers: { empty: { args: ['x'] }, old: { type: 'sse', url: 'http://127.0.0.1:1/sse' } } }));
    const { servers, problems } = loadMcpServerConfigs(root, {});
    assert.equal(servers.size, 0);
    assert.match(problems.map((p) => p.message).join('\n'), /server "empty": a stdio server needs "command"/);
    assert.match(problems.map((p) => p.message).join('\n'), /server "old": the legacy SSE transport is not supported/);
  });
});
