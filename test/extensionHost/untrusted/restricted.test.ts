// The harness opens this window without --disable-workspace-trust: the fixture folder is in Restricted Mode. It
// recorded one session with the CLI first. Nothing may run agents or write: Orchestrate Request, Clear Learnings
// and deletions refuse (and say why), while that history stays viewable. Every test checks that the store's files
// are exactly as the CLI left them.
import { strict as assert } from 'node:assert';
import { existsSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as vscode from 'vscode';
import type { AgentOrchestratorApi } from '../../../src/vscode/extensionApi';
import { chatContext, chatRequest, RecordingStream } from '../chatRecorder';

const EXTENSION_ID = 'agent-orchestrator.agent-orchestrator';
const REQUEST = 'Fix security vulnerability in authentication endpoint';

function storeDir(): string {
  const folder = vscode.workspace.workspaceFolders?.[0];
  assert.ok(folder, 'no workspace folder open');
  return path.join(folder.uri.fsPath, '.agent-orchestrator');
}

/** Every file of the store with its size and modification time: any write changes it. */
function storeSnapshot(): Record<string, string> {
  const dir = storeDir();
  const files = (readdirSync(dir, { recursive: true }) as string[]).filter((name) => statSync(path.join(dir, name)).isFile()).sort();
  return Object.fromEntries(files.map((name) => {
    const stat = statSync(path.join(dir, name));
    return [name, `${stat.size} bytes, modified ${stat.mtimeMs}`];
  }));
}

function labelOf(item: vscode.TreeItem): string {
  return typeof item.label === 'string' ? item.label : (item.label?.label ?? '');
}

describe('extension in a Restricted Mode window', function () {
  this.timeout(60_000);
  let api: AgentOrchestratorApi;
  let recorded: Record<string, string>;

  before(async () => {
    const extension = vscode.extensions.getExtension(EXTENSION_ID);
    assert.ok(extension, `extension ${EXTENSION_ID} is not loaded`);
    api = (await extension.activate()) as AgentOrchestratorApi;
    recorded = storeSnapshot();
  });

  afterEach(() => {
    assert.deepEqual(storeSnapshot(), recorded, 'the store was written in Restricted Mode');
  });

  it('runs with the fixture workspace untrusted, its store holding the session the CLI recorded', () => {
    assert.equal(vscode.workspace.isTrusted, false);
    assert.ok(Object.keys(recorded).some((name) => name === 'orchestrator.sqlite'), `store files: ${Object.keys(recorded).join(', ')}`);
  });

  it('still lets the user view the history: the recorded session and its learned patterns', async () => {
    const sessions = await api.trees.sessions.getChildren();
    assert.deepEqual(sessions.map(labelOf), [REQUEST]);
    const patterns = await api.trees.patterns.getChildren();
    assert.ok(patterns.length > 0 && patterns.every((item) => item.contextValue === 'pattern'), `patterns: ${patterns.map(labelOf).join('; ')}`);
    const sessionId = (sessions[0] as vscode.TreeItem & { sessionId?: string }).sessionId;
    assert.ok(sessionId, 'the session item carries its id');
    assert.equal(await vscode.commands.executeCommand<boolean>('agentOrchestrator.openSession', sessionId), true);
    assert.equal(api.sessionModel.sessionId, sessionId);
  });

  it('refuses Orchestrate Request, with or without arguments', async () => {
    const withArgs = await vscode.commands.executeCommand('agentOrchestrator.orchestrateRequest', { request: REQUEST, apply: false, allowCommands: false });
    assert.equal(withArgs, undefined);
    // Without arguments it must refuse before any picker opens (a picker would keep this call pending).
    const withoutArgs = await vscode.commands.executeCommand('agentOrchestrator.orchestrateRequest');
    assert.equal(withoutArgs, undefined);
    assert.equal((await api.trees.sessions.getChildren()).length, 1, 'a second session was recorded');
  });

  it('starts none of the MCP servers the workspace names, whatever a run asks', async () => {
    const folder = vscode.workspace.workspaceFolders![0]!.uri.fsPath;
    // A "server" that only leaves a mark: if anything started it, the mark would be there.
    const marker = path.join(os.tmpdir(), `ao-restricted-mcp-${process.pid}-${Date.now()}`);
    const script = `require('fs').writeFileSync(${JSON.stringify(marker)}, 'started')`;
    writeFileSync(path.join(folder, '.mcp.json'), JSON.stringify({ mcpServers: { memory: { command: process.execPath, args: ['-e', script] } } }));
    try {
      assert.equal(await vscode.commands.executeCommand('agentOrchestrator.orchestrateRequest', { request: REQUEST, apply: false, allowCommands: false }), undefined);
      assert.equal(existsSync(marker), false, 'an MCP server was started in Restricted Mode');
    } finally {
      rmSync(path.join(folder, '.mcp.json'), { force: true });
      rmSync(marker, { force: true });
    }
  });

  it('refuses Clear Learnings and deleting the session or a pattern, without asking for confirmation', async () => {
    const [session] = await api.trees.sessions.getChildren();
    const patternsBefore = await api.trees.patterns.getChildren();
    const [pattern] = patternsBefore;
    assert.ok(session && pattern);
    assert.equal(await vscode.commands.executeCommand('agentOrchestrator.clearLearnings'), undefined);
    assert.equal(await vscode.commands.executeCommand('agentOrchestrator.deleteSession', session, false), false);
    assert.equal(await vscode.commands.executeCommand('agentOrchestrator.deletePattern', pattern), false);
    assert.equal((await api.trees.sessions.getChildren()).length, 1, 'the session is still listed');
    assert.deepEqual((await api.trees.patterns.getChildren()).map(labelOf), patternsBefore.map(labelOf), 'the patterns are all still listed');
  });

  it('refuses Apply Changes and Apply or Discard of a proposed change, and writes no file', async () => {
    const [session] = await api.trees.sessions.getChildren();
    const sessionId = (session as vscode.TreeItem & { sessionId?: string }).sessionId;
    assert.ok(sessionId);
    const folder = vscode.workspace.workspaceFolders![0]!.uri.fsPath;
    const auth = path.join(folder, 'src', 'routes', 'auth.ts');
    const before = readFileSync(auth, 'utf8');
    assert.equal(await vscode.commands.executeCommand('agentOrchestrator.applyChanges', sessionId, { changeIds: ['1'], confirm: false }), undefined);
    const proposed = vscode.Uri.from({ scheme: 'agent-orchestrator-proposed', path: '/src/routes/auth.ts', query: new URLSearchParams({ session: sessionId, change: '1' }).toString() });
    assert.equal(await vscode.commands.executeCommand('agentOrchestrator.applyProposedChange', proposed), undefined);
    assert.equal(await vscode.commands.executeCommand('agentOrchestrator.discardProposedChange', proposed), undefined);
    assert.equal(readFileSync(auth, 'utf8'), before);
  });

  it('@orchestrator refuses /run and /plan and says why, while /status still shows the recorded run', async () => {
    const participant = api.chat.participant;
    assert.ok(participant, 'no chat participant was registered');
    const send = async (command: string, prompt: string): Promise<RecordingStream> => {
      const stream = new RecordingStream();
      await participant.requestHandler(chatRequest(command, prompt), chatContext(), stream, new vscode.CancellationTokenSource().token);
      return stream;
    };
    for (const [command, action] of [['run', 'start a run'], ['plan', 'plan a request']] as const) {
      const stream = await send(command, `--dry-run ${REQUEST}`.replace(command === 'plan' ? '--dry-run ' : '', ''));
      assert.match(stream.text, new RegExp(`^Agent Orchestrator cannot ${action} in Restricted Mode: agents read the workspace`), stream.text);
      assert.deepEqual(stream.buttons.map((button) => button.command), ['workbench.trust.manage']);
      assert.deepEqual(stream.anchors, []);
    }
    assert.equal((await api.trees.sessions.getChildren()).length, 1, 'a session was recorded');
    const status = await send('status', '');
    assert.match(status.text, /^Last run: Fix security vulnerability in authentication endpoint/);
  });

  it('starts no findings language server in Restricted Mode, even with a session shown', () => {
    assert.ok(api.sessionModel.sessionId, 'a session is shown (an earlier test opened it)');
    assert.equal(api.problems.serverState, 'stopped');
  });
});
