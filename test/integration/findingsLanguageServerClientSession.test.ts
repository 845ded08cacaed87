// The language server as the VS Code extension runs it: the bundle dist/lspServer.js forked over Node IPC, started
// with the extension's initialization options. It shows nothing until the client names a session, then exactly that
// session (not the latest), with the same messages as the Problems panel always had; its quick fix runs the
// client's review command instead of editing the buffer; and naming no session clears every diagnostic.
import { strict as assert } from 'node:assert';
import { execFile, fork, type ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { createMessageConnection, IPCMessageReader, IPCMessageWriter, type MessageConnection } from 'vscode-jsonrpc/node';
import { diagnosticMessageOf, findingRange } from '../../src/core/logging/diagnosticMapping';
import { foldEvents } from '../../src/core/logging/runState';
import type { Finding } from '../../src/core/protocol/findings';
import { SessionStore, storeDirFor } from '../../src/core/store/sessionStore';
import { scratchCopyOfExample } from '../helpers/exampleWorkspace';

const run = promisify(execFile);
const CLI = path.resolve(__dirname, '..', '..', 'dist', 'cli.js');
const SERVER = path.resolve(__dirname, '..', '..', 'dist', 'lspServer.js');
const REVIEW_COMMAND = 'test.reviewChange';

interface Position { line: number; character: number }
interface Diagnostic { range: { start: Position; end: Position }; code: string; message: string; data: { findingId: string; sessionId: string; toEndOfLine?: boolean } }
interface CodeAction { title: string; edit?: unknown; disabled?: unknown; command?: { command: string; arguments: unknown[] } }

describe('the findings language server as the VS Code extension runs it (dist/lspServer.js over IPC)', function () {
  this.timeout(240_000);
  let workspace: string;
  let server: ChildProcess;
  let connection: MessageConnection;
  const diagnostics = new Map<string, Diagnostic[]>();
  /** Every non-empty publish, in order: which session each came from. */
  const publishedSessions: string[] = [];
  let onPublish: (() => void) | null = null;
  let older: { sessionId: string; findings: Finding[] };
  let latest: { sessionId: string; findings: Finding[] };

  /** Runs the example request with the CLI; the session's findings as stored (with their recommendations). */
  const orchestrate = async (): Promise<{ sessionId: string; findings: Finding[] }> => {
    const { sessionId } = JSON.parse((await run(process.execPath, [CLI, 'run', 'Fix security vulnerability in authentication endpoint', '--workspace', workspace, '--json'], { maxBuffer: 64 * 1024 * 1024 })).stdout) as { sessionId: string };
    const store = await SessionStore.open({ dir: storeDirFor(workspace), root: workspace, mode: 'read' });
    try {
      return { sessionId, findings: foldEvents(sessionId, store.getEvents(sessionId)).findings };
    } finally {
      await store.close();
    }
  };

  const all = () => [...diagnostics.entries()].flatMap(([uri, list]) => list.map((d) => ({ uri, ...d })));

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
    older = await orchestrate();
    latest = await orchestrate();
    assert.notEqual(older.sessionId, latest.sessionId);
    server = fork(SERVER, ['--node-ipc', `--clientProcessId=${process.pid}`], { cwd: workspace, stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
    connection = createMessageConnection(new IPCMessageReader(server), new IPCMessageWriter(server));
    connection.onNotification('textDocument/publishDiagnostics', (params: { uri: string; diagnostics: Diagnostic[] }) => {
      diagnostics.set(params.uri, params.diagnostics);
      for (const d of params.diagnostics) publishedSessions.push(d.data.sessionId);
      onPublish?.();
    });
    connection.listen();
    const rootUri = pathToFileURL(workspace).toString();
    await connection.sendRequest('initialize', {
      processId: process.pid,
      rootUri,
      workspaceFolders: [{ uri: rootUri, name: 'ws' }],
      capabilities: {},
      initializationOptions: { followClientSession: true, reviewChangeCommand: REVIEW_COMMAND },
    });
    await connection.sendNotification('initialized', {});
  });

  after(async () => {
    await connection.sendRequest('shutdown').catch(() => undefined);
    await connection.sendNotification('exit').catch(() => undefined);
    connection.dispose();
    server.kill();
    rmSync(workspace, { recursive: true, force: true });
  });

  it('shows the session the client names, not the latest, with the messages and ranges of the Problems panel', async () => {
    await connection.sendNotification('agentOrchestrator/showSession', { sessionId: older.sessionId });
    await until(() => all().length === older.findings.length);
    assert.ok(publishedSessions.length > 0 && publishedSessions.every((id) => id === older.sessionId), `published sessions: ${[...new Set(publishedSessions)].join(', ')}`);

    const withAdvice = older.findings.find((finding) => finding.recommendation);
    assert.ok(withAdvice, 'a finding of the example says what to do');
    const shown = all().find((d) => d.data.findingId === withAdvice.id);
    assert.ok(shown, `no diagnostic for ${withAdvice.ruleId} at line ${withAdvice.line}`);
    // The message, what to do, then (where they apply) why no mechanical fix is offered and that it is in a test.
    assert.equal(shown.message, diagnosticMessageOf(withAdvice));
    assert.ok(shown.message.startsWith(`${withAdvice.message}\nFix: ${withAdvice.recommendation}\n`) || shown.message === `${withAdvice.message}\nFix: ${withAdvice.recommendation}`);
    for (const d of all()) {
      const finding = older.findings.find((candidate) => candidate.id === d.data.findingId);
      assert.ok(finding, `a diagnostic for no finding: ${d.code} at ${d.range.start.line}`);
      assert.deepEqual([d.code, d.range.start], [finding.ruleId, { line: finding.line - 1, character: finding.column - 1 }]);
      // No end: to the end of the line, flagged so VS Code can say so exactly.
      if (findingRange(finding).endCharacter === 'endOfLine') {
        assert.deepEqual([d.data.toEndOfLine, d.range.end], [true, { line: d.range.start.line + 1, character: 0 }]);
      } else {
        assert.equal(d.data.toEndOfLine, undefined);
      }
    }
  });

  it("offers a proposed change as the client's review command, never as an edit of the buffer", async () => {
    const offered: CodeAction[] = [];
    for (const d of all()) {
      const actions = await connection.sendRequest('textDocument/codeAction', { textDocument: { uri: d.uri }, range: d.range, context: { diagnostics: [d] } }) as CodeAction[];
      offered.push(...actions);
    }
    assert.ok(offered.length > 0, 'the example has a finding with a proposed change');
    for (const action of offered) {
      assert.equal(action.edit, undefined, `${action.title} edits the buffer`);
      assert.equal(action.command?.command, REVIEW_COMMAND, action.title);
      const [target] = action.command.arguments as [{ sessionId: string; changeId: string }];
      assert.equal(target.sessionId, older.sessionId);
      assert.match(target.changeId, /^\d+$/);
    }
  });

  it('clears every diagnostic when the client names no session, and shows another one it names', async () => {
    await connection.sendNotification('agentOrchestrator/showSession', { sessionId: null });
    await until(() => all().length === 0);
    await connection.sendNotification('agentOrchestrator/showSession', { sessionId: latest.sessionId });
    await until(() => all().length === latest.findings.length && all().every((d) => d.data.sessionId === latest.sessionId));
  });

  it('ignores a malformed notification and keeps what it shows', async () => {
    await connection.sendNotification('agentOrchestrator/showSession', { sessionId: 42 });
    // A request after the notification is answered after it was handled: the hover still sees the shown session.
    const d = all()[0]!;
    const hover = await connection.sendRequest('textDocument/hover', { textDocument: { uri: d.uri }, position: d.range.start }) as { contents: { value: string } } | null;
    assert.ok(hover?.contents.value.replace(/\\/g, '').includes(`session ${latest.sessionId}`), hover?.contents.value);
    assert.ok(all().every((d) => d.data.sessionId === latest.sessionId));
  });
});
