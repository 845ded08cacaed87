// The language client of the findings server. Built as a bundle of its own (dist/findingsClient.js, see esbuild.mjs)
// and required only when the first session is shown: vscode-languageclient alone is larger than the rest of the
// extension, and activation should not parse it.
//
// The server is dist/lspServer.js (src/lsp/main.ts), forked with VS Code's own Node and spoken to over Node IPC:
// it is in the VSIX (no node_modules needed), and nothing it or sql.js might print on stdout can corrupt a message.
import * as vscode from 'vscode';
import { LanguageClient, TransportKind, type LanguageClientOptions, type ServerOptions } from 'vscode-languageclient/node';
import {
  SESSION_CHANGED_NOTIFICATION,
  SHOW_SESSION_NOTIFICATION,
  type FindingsServerInitializationOptions,
  type ShowSessionParams,
} from '../core/protocol/findingsLanguageServer';

export interface FindingsClientOptions {
  /** Absolute path of dist/lspServer.js. */
  serverModule: string;
  workspaceFolder: vscode.WorkspaceFolder;
  /** The extension's log: the client's and the server's messages go there, not to a channel of their own. */
  log: vscode.LogOutputChannel;
  /** The command the server's quick fix runs with { sessionId, changeId }: the extension's review of a change. */
  reviewChangeCommand: string;
}

export interface FindingsClient {
  /** Shows this session's findings (null: none). */
  showSession(sessionId: string | null): Promise<void>;
  /** The shown session got findings or changes: the server reads the store now rather than at its next poll. */
  sessionChanged(): Promise<void>;
  /** Whether the server process is up and answering. */
  readonly running: boolean;
  stop(): Promise<void>;
}

export async function startFindingsClient(options: FindingsClientOptions): Promise<FindingsClient> {
  const server = { module: options.serverModule, transport: TransportKind.ipc };
  const serverOptions: ServerOptions = { run: server, debug: server };
  const initializationOptions: FindingsServerInitializationOptions = { followClientSession: true, reviewChangeCommand: options.reviewChangeCommand };
  const clientOptions: LanguageClientOptions = {
    // Hovers and quick fixes on files on disk; the server answers nothing outside the workspace folder.
    documentSelector: [{ scheme: 'file' }],
    workspaceFolder: options.workspaceFolder,
    diagnosticCollectionName: 'agentOrchestrator',
    outputChannel: options.log,
    initializationOptions,
    middleware: {
      handleDiagnostics: (uri, diagnostics, next) => {
        for (const diagnostic of diagnostics) runToEndOfLine(diagnostic);
        next(uri, diagnostics);
      },
    },
  };
  const client = new LanguageClient('agentOrchestrator.findings', 'Agent Orchestrator findings', serverOptions, clientOptions);
  await client.start();
  return {
    showSession: (sessionId) => client.sendNotification(SHOW_SESSION_NOTIFICATION, { sessionId } satisfies ShowSessionParams),
    sessionChanged: () => client.sendNotification(SESSION_CHANGED_NOTIFICATION, {}),
    get running() {
      return client.isRunning();
    },
    stop: () => client.stop(),
  };
}

/**
 * A finding without an end runs to the end of its line. LSP cannot say so (the server ends such a range at the
 * start of the next line and flags it); VS Code can, with a character past the end that the editor clamps, as the
 * Problems panel showed before the language server.
 */
export function runToEndOfLine(diagnostic: vscode.Diagnostic): void {
  const data = (diagnostic as { data?: unknown }).data;
  if (typeof data !== 'object' || data === null || (data as { toEndOfLine?: unknown }).toEndOfLine !== true) return;
  const start = diagnostic.range.start;
  diagnostic.range = new vscode.Range(start.line, start.character, start.line, Number.MAX_SAFE_INTEGER);
}
