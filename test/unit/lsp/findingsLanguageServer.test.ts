// The findings language server over an in-memory connection, on a store written here: what VS Code's client relies
// on beyond what any editor gets (a finding without an end flagged as running to the end of its line; the same
// message as the Problems panel), and a finding outside the workspace left out and logged once, not per publish.
import { strict as assert } from 'node:assert';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { pathToFileURL } from 'node:url';
import { createMessageConnection, StreamMessageReader, StreamMessageWriter, type MessageConnection } from 'vscode-jsonrpc/node';
import { ProposedFeatures, createConnection, type Connection } from 'vscode-languageserver/node';
import { startFindingsLanguageServer } from '../../../src/lsp/findingsLanguageServer';
import { OrchestratorEventSchema, type OrchestratorEvent } from '../../../src/core/protocol/events';
import { SessionStore, storeDirFor } from '../../../src/core/store/sessionStore';

const SESSION = 'session_20260101_000000_abcdef';

interface Diagnostic { range: { start: { line: number; character: number }; end: { line: number; character: number } }; message: string; data: { findingId: string; toEndOfLine?: boolean } }

describe('findings language server: diagnostics as VS Code shows them', () => {
  let root: string;
  let client: MessageConnection;
  let server: Connection;
  const published = new Map<string, Diagnostic[]>();
  const warnings: string[] = [];
  let onPublish: (() => void) | null = null;
  const all = (): Diagnostic[] => [...published.values()].flat();
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
    root = mkdtempSync(path.join(os.tmpdir(), 'ao-lsp-'));
    mkdirSync(path.join(root, 'src'));
    writeFileSync(path.join(root, 'src', 'a.ts'), 'const a = 1;\nconst b = 2;\n');
    const store = await SessionStore.open({ dir: storeDirFor(root), root, mode: 'write' });
    let seq = 0;
    const add = (type: string, payload: Record<string, unknown>): void =>
      void store.append(OrchestratorEventSchema.parse({ sessionId: SESSION, seq: ++seq, ts: 1_000 + seq, type, payload }) as OrchestratorEvent);
    const finding = (id: string, file: string, extra: Record<string, unknown>) => ({ id, ruleId: `rule/${id}`, severity: 'medium', message: `finding ${id}`, file, line: 1, column: 7, fixable: false, recommendation: '', ...extra });
    add('run.started', { request: 'audit', workspace: root, options: { apply: false, allowCommands: false, maxParallelAgents: 1, agentTimeout: 1000, timeout: null } });
    add('finding.reported', { agent: 'auditor', finding: finding('endless', 'src/a.ts', { recommendation: 'Use a constant' }) });
    add('finding.reported', { agent: 'auditor', finding: finding('ranged', 'src/a.ts', { line: 2, endLine: 2, endColumn: 8 }) });
    add('finding.reported', { agent: 'auditor', finding: finding('outside', '../outside.ts', {}) });
    add('run.completed', { success: true, status: 'completed', durationMs: 5 });
    await store.close();

    const toServer = new PassThrough();
    const toClient = new PassThrough();
    server = startFindingsLanguageServer({ connection: createConnection(ProposedFeatures.all, toServer, toClient) });
    client = createMessageConnection(new StreamMessageReader(toClient), new StreamMessageWriter(toServer));
    client.onNotification('textDocument/publishDiagnostics', (params: { uri: string; diagnostics: Diagnostic[] }) => {
      published.set(params.uri, params.diagnostics);
      onPublish?.();
    });
    client.onNotification('window/logMessage', (params: { message: string }) => void warnings.push(params.message));
    client.listen();
    const rootUri = pathToFileURL(root).toString();
    await client.sendRequest('initialize', { processId: null, rootUri, workspaceFolders: [{ uri: rootUri, name: 'ws' }], capabilities: {}, initializationOptions: { followClientSession: true } });
    await client.sendNotification('initialized', {});
  });

  after(async () => {
    await client.sendRequest('shutdown').catch(() => undefined);
    client.dispose();
    server.dispose();
    rmSync(root, { recursive: true, force: true });
  });

  it('flags a finding without an end as running to the end of its line, and says what to do in the message', async () => {
    await client.sendNotification('agentOrchestrator/showSession', { sessionId: SESSION });
    await until(() => all().length === 2);
    const endless = all().find((d) => d.data.findingId === 'endless')!;
    assert.deepEqual([endless.range, endless.data.toEndOfLine], [{ start: { line: 0, character: 6 }, end: { line: 1, character: 0 } }, true]);
    assert.equal(endless.message, 'finding endless\nFix: Use a constant');
    const ranged = all().find((d) => d.data.findingId === 'ranged')!;
    assert.deepEqual([ranged.range, ranged.data.toEndOfLine], [{ start: { line: 1, character: 6 }, end: { line: 1, character: 7 } }, undefined]);
    assert.equal(ranged.message, 'finding ranged');
  });

  it('leaves out a finding outside the workspace and logs it once, however often the session is published', async () => {
    assert.equal(warnings.filter((w) => w.includes('rule/outside')).length, 1, warnings.join('\n'));
    published.clear();
    await client.sendNotification('agentOrchestrator/sessionChanged', {});
    await until(() => all().length === 2);
    assert.equal(warnings.filter((w) => w.includes('rule/outside')).length, 1, warnings.join('\n'));
  });
});
