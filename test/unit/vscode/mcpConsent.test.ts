import { strict as assert } from 'node:assert';
import { mcpServerLaunch } from '../../../src/vscode/mcpServerLaunch';
import { McpConsent, consentText, type McpConsentDependencies, type McpServerList, type McpServersSetting } from '../../../src/vscode/mcpConsent';

const LIST: McpServerList = {
  servers: [
    { name: 'github', source: '.mcp.json', transport: 'stdio', launch: 'npx -y @modelcontextprotocol/server-github (environment: GITHUB_TOKEN)' },
    { name: 'docs', source: '.vscode/mcp.json', transport: 'http', launch: 'https://docs.example.com/mcp' },
  ],
  problems: ['.mcp.json: server "broken": a stdio server needs "command"'],
  fingerprint: 'list-1',
};

/** The consent's collaborators, scripted; records every dialog and what was stored. */
function harness(options: { setting?: McpServersSetting; trusted?: boolean; list?: McpServerList; answer?: () => Promise<boolean> } = {}) {
  const dialogs: { message: string; detail: string }[] = [];
  let stored: string | undefined;
  let listed = 0;
  let list = options.list ?? LIST;
  let trusted = options.trusted ?? true;
  const deps: McpConsentDependencies = {
    setting: () => options.setting ?? 'ask',
    trusted: () => trusted,
    servers: async () => {
      listed += 1;
      return list;
    },
    stored: () => stored,
    store: async (fingerprint) => {
      stored = fingerprint;
    },
    confirm: async (message, detail) => {
      dialogs.push({ message, detail });
      return (options.answer ?? (async () => true))();
    },
    log: () => undefined,
  };
  return {
    consent: new McpConsent(deps),
    dialogs,
    get stored() { return stored; },
    get listed() { return listed; },
    setList(next: McpServerList) { list = next; },
    setTrusted(next: boolean) { trusted = next; },
  };
}

describe('VS Code consent to start the workspace\'s MCP servers', () => {
  it('asks the first time, naming each server and what it starts, and keeps the answer for this list', async () => {
    const h = harness();
    assert.equal(await h.consent.allowsServers(), true);
    assert.equal(h.dialogs.length, 1);
    assert.match(h.dialogs[0]!.message, /start the 2 MCP servers this workspace names/);
    assert.match(h.dialogs[0]!.detail, /github \(\.mcp\.json, stdio\): npx -y @modelcontextprotocol\/server-github \(environment: GITHUB_TOKEN\)/);
    assert.match(h.dialogs[0]!.detail, /docs \(\.vscode\/mcp\.json, http\): https:\/\/docs\.example\.com\/mcp/);
    assert.match(h.dialogs[0]!.detail, /Not usable \(left out\):\n• \.mcp\.json: server "broken"/);
    assert.equal(h.stored, 'list-1');
    assert.equal(await h.consent.allowsServers(), true);
    assert.equal(h.dialogs.length, 1, 'not asked again for the same list');
  });

  it('asks again when the list changed (a new server, another command)', async () => {
    const h = harness();
    await h.consent.allowsServers();
    h.setList({ ...LIST, servers: [...LIST.servers, { name: 'evil', source: '.mcp.json', transport: 'stdio', launch: 'sh -c curl' }], fingerprint: 'list-2' });
    assert.equal(await h.consent.allowsServers(), true);
    assert.equal(h.dialogs.length, 2);
    assert.match(h.dialogs[1]!.detail, /evil \(\.mcp\.json, stdio\): sh -c curl/);
  });

  it('starts nothing when the user does not allow, remembers nothing, and asks again next run', async () => {
    const h = harness({ answer: async () => false });
    assert.equal(await h.consent.allowsServers(), false);
    assert.equal(h.stored, undefined);
    assert.equal(await h.consent.allowsServers(), false);
    assert.equal(h.dialogs.length, 2);
  });

  it('never asks nor even reads the servers in Restricted Mode', async () => {
    const h = harness({ trusted: false });
    assert.equal(await h.consent.allowsServers(), false);
    assert.equal(h.listed, 0);
    assert.equal(h.dialogs.length, 0);
  });

  it('does not keep a consent given while the workspace lost its trust', async () => {
    let setTrusted: (value: boolean) => void = () => undefined;
    const h = harness({ answer: async () => { setTrusted(false); return true; } });
    setTrusted = (value) => h.setTrusted(value);
    assert.equal(await h.consent.allowsServers(), false);
    assert.equal(h.stored, undefined);
  });

  it('never asks when the setting says never, or when the workspace names no server', async () => {
    const never = harness({ setting: 'never' });
    assert.equal(await never.consent.allowsServers(), false);
    assert.equal(never.dialogs.length, 0);
    const none = harness({ list: { servers: [], problems: [], fingerprint: 'empty' } });
    assert.equal(await none.consent.allowsServers(), false);
    assert.equal(none.dialogs.length, 0);
  });

  it('shows one dialog for two runs asking at once', async () => {
    let answer: (value: boolean) => void = () => undefined;
    const h = harness({ answer: () => new Promise<boolean>((resolve) => { answer = resolve; }) });
    const first = h.consent.allowsServers();
    const second = h.consent.allowsServers();
    await new Promise((resolve) => setImmediate(resolve));
    answer(true);
    assert.deepEqual(await Promise.all([first, second]), [true, true]);
    assert.equal(h.dialogs.length, 1);
  });

  it('lets the orchestrator\'s own MCP server use the workspace\'s servers only once they were allowed, and says when that changes', async () => {
    const h = harness();
    let changes = 0;
    h.consent.onDidChange(() => { changes += 1; });
    assert.equal(await h.consent.alreadyAllowed(), false);
    assert.equal(h.listed, 0, 'nothing is read (no engine started) before any consent');
    await h.consent.allowsServers();
    assert.equal(changes, 1);
    assert.equal(await h.consent.alreadyAllowed(), true);
    h.setList({ ...LIST, fingerprint: 'list-2' });
    assert.equal(await h.consent.alreadyAllowed(), false, 'a changed list is not covered');
    assert.equal(h.dialogs.length, 1, 'and checking never asks');
    const args = (allowMcpServers: boolean) => mcpServerLaunch('/ext', '/w', 'node', { allowMcpServers }).args;
    assert.deepEqual(args(true).slice(1), ['mcp', '--workspace', '/w', '--allow-mcp']);
    assert.deepEqual(args(false).slice(1), ['mcp', '--workspace', '/w']);
  });

  it('says "the MCP server" for one', () => {
    assert.match(consentText({ ...LIST, servers: [LIST.servers[0]!], problems: [] }).message, /start the MCP server this workspace names\?/);
  });
});
