// `agent-orchestrator lsp` driven by a JSON-RPC client over stdio, as an editor's LSP client would: the latest
// session's findings arrive as diagnostics, a hover explains one, a quick fix carries the proposed change (and is
// disabled once the file changed), and a run that completes while the server runs replaces the diagnostics.
import { strict as assert } from 'node:assert';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { createMessageConnection, StreamMessageReader, StreamMessageWriter, type MessageConnection } from 'vscode-jsonrpc/node';
import { scratchCopyOfExample } from '../helpers/exampleWorkspace';

const run = promisify(execFile);
const CLI = path.resolve(__dirname, '..', '..', 'dist', 'cli.js');

interface Position { line: number; character: number }
interface Diagnostic { range: { start: Position; end: Position }; severity: number; source: string; code: string; message: string; data: { findingId: string; sessionId: string } }
interface CodeAction { title: string; disabled?: { reason: string }; edit?: { changes: Record<string, { newText: string }[]> } }

describe('the findings language server (agent-orchestrator lsp)', function () {
  this.timeout(240_000);
  let workspace: string;
  let server: ChildProcess;
  let connection: MessageConnection;
  const diagnostics = new Map<string, Diagnostic[]>();
  let onPublish: (() => void) | null = null;
  /** Findings of the first run: the server publishes them file by file. */
  let findingCount = 0;

  const orchestrate = async (...extra: string[]) => JSON.parse((await run(process.execPath, [CLI, 'run', 'Fix security vulnerability in authentication endpoint', '--workspace', workspace, '--json', ...extra], { maxBuffer: 64 * 1024 * 1024 })).stdout) as { sessionId: string; findings: { file: string; line: number; ruleId: string }[] };

  /** Resolves once `condition` holds on the diagnostics received so far (each publish re-checks it). */
  const until = (condition: () => boolean): Promise<void> =>
    new Promise((resolve) => {
      if (condition()) return resolve();
      onPublish = () => {
        if (condition()) {
          onPublish = null;
          resolve();
        }
      };
    });

  before(async () => {
    workspace = scratchCopyOfExample();
    findingCount = (await orchestrate()).findings.length;
    server = spawn(process.execPath, [CLI, 'lsp', '--stdio'], { cwd: workspace, stdio: ['pipe', 'pipe', 'inherit'] });
    connection = createMessageConnection(new StreamMessageReader(server.stdout!), new StreamMessageWriter(server.stdin!));
    connection.onNotification('textDocument/publishDiagnostics', (params: { uri: string; diagnostics: Diagnostic[] }) => {
      diagnostics.set(params.uri, params.diagnostics);
      onPublish?.();
    });
    connection.listen();
    const rootUri = pathToFileURL(workspace).toString();
    const init = await connection.sendRequest('initialize', { processId: process.pid, rootUri, workspaceFolders: [{ uri: rootUri, name: 'ws' }], capabilities: {} }) as { capabilities: { hoverProvider: boolean; codeActionProvider: unknown } };
    assert.equal(init.capabilities.hoverProvider, true);
    await connection.sendNotification('initialized', {});
  });

  after(async () => {
    await connection.sendRequest('shutdown').catch(() => undefined);
    await connection.sendNotification('exit').catch(() => undefined);
    connection.dispose();
    server.kill();
    rmSync(workspace, { recursive: true, force: true });
  });

  const all = () => [...diagnostics.entries()].flatMap(([uri, list]) => list.map((d) => ({ uri, ...d })));

  it('publishes the latest session\'s findings as diagnostics, explains one on hover, and offers its proposed change', async () => {
    assert.ok(findingCount > 0, 'the run found something');
    await until(() => all().length === findingCount);
    const shown = all();
    const sessionIds = new Set(shown.map((d) => d.data.sessionId));
    assert.equal(sessionIds.size, 1);
    for (const d of shown) {
      assert.equal(d.source, 'Agent Orchestrator');
      assert.ok(d.uri.startsWith(pathToFileURL(workspace).toString()));
    }

    const first = shown[0]!;
    const hover = await connection.sendRequest('textDocument/hover', { textDocument: { uri: first.uri }, position: first.range.start }) as { contents: { kind: string; value: string } };
    assert.equal(hover.contents.kind, 'markdown');
    assert.ok(hover.contents.value.includes(first.code.replace(/_/g, '\\_')), hover.contents.value);
    assert.match(hover.contents.value, /found by \*\*[a-z-]+\*\*/);

    // Some finding of the example has a proposed change: its quick fix carries the content the change writes.
    let fixed: { uri: string; newText: string } | null = null;
    for (const d of shown) {
      const actions = await connection.sendRequest('textDocument/codeAction', { textDocument: { uri: d.uri }, range: d.range, context: { diagnostics: [d] } }) as CodeAction[];
      const action = actions.find((a) => a.edit);
      if (action) {
        fixed = { uri: d.uri, newText: action.edit!.changes[d.uri]![0]!.newText };
        break;
      }
    }
    assert.ok(fixed, 'a quick fix with an edit');
    const file = new URL(fixed.uri);
    const before = readFileSync(file, 'utf8');
    assert.notEqual(fixed.newText, before);

    // Once the file changed, the same quick fix is offered disabled, with the reason.
    writeFileSync(file, `${before}\n// edited by hand\n`);
    const d = all().find((x) => x.uri === fixed!.uri)!;
    const actions = await connection.sendRequest('textDocument/codeAction', { textDocument: { uri: d.uri }, range: d.range, context: { diagnostics: all().filter((x) => x.uri === d.uri) } }) as CodeAction[];
    assert.ok(actions.every((a) => !a.edit));
    assert.match(actions.find((a) => a.disabled)?.disabled?.reason ?? '', /changed since the run/);
    writeFileSync(file, before);
  });

  it('follows a run that completes while it is running', async () => {
    const previous = all()[0]!.data.sessionId;
    const { sessionId } = await orchestrate();
    assert.notEqual(sessionId, previous);
    await until(() => all().length > 0 && all().every((d) => d.data.sessionId === sessionId));
  });
});
