/*
 * `agent-orchestrator lsp`: the findings of a session as a language server over stdio, so any editor with an LSP
 * client (Neovim, Helix, Zed, VS Code) shows them as diagnostics, with a hover that explains each one (severity,
 * rule, the agent that found it, what to do) and, where the session proposed a change for the finding, a quick fix
 * that applies it. The quick fix is an edit the editor applies to its buffer when the user picks it: that choice
 * is the consent, and nothing is written to disk by the server. A change is offered only while the file still holds
 * the content the change was made against.
 *
 * The session is the latest one (or the one given with --session); the server re-reads the store when its files
 * change, so the diagnostics follow a run that completes while the editor is open.
 *
 * The VS Code extension starts it with initialization options (src/core/protocol/findingsLanguageServer.ts): it names
 * the session its views show (a past one, or a run still going, whose findings then appear as they are stored), and
 * its quick fix opens the change in the extension's review (a diff editor with Apply) instead of editing the buffer.
 */
import { statSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import {
  CodeActionKind,
  DiagnosticSeverity,
  ProposedFeatures,
  TextDocumentSyncKind,
  createConnection,
  type CodeAction,
  type Connection,
  type Diagnostic,
  type InitializeResult,
} from 'vscode-languageserver/node';
import { z } from 'zod';
import { proposedContentFor } from '../core/review/changeReview';
import { DIAGNOSTIC_SOURCE, diagnosticLevelOf, diagnosticMessageOf, findingRange, type DiagnosticLevel } from '../core/logging/diagnosticMapping';
import { foldEvents, type ChangeView } from '../core/logging/runState';
import { escapeControl, readFileNoFollow, realPathInside } from '../core/files/safeFiles';
import type { Finding } from '../core/protocol/findings';
import {
  SESSION_CHANGED_NOTIFICATION,
  SHOW_SESSION_NOTIFICATION,
  type FindingDiagnosticData,
  type FindingsServerInitializationOptions,
  type ShowSessionParams,
} from '../core/protocol/findingsLanguageServer';
import { SessionStore, storeDirFor } from '../core/store/sessionStore';

const initializationOptionsSchema = z.object({
  followClientSession: z.boolean().optional(),
  reviewChangeCommand: z.string().min(1).max(200).optional(),
}) satisfies z.ZodType<FindingsServerInitializationOptions>;

const showSessionParamsSchema = z.object({ sessionId: z.string().min(1).max(200).nullable() }) satisfies z.ZodType<ShowSessionParams>;

const SEVERITY: Record<DiagnosticLevel, DiagnosticSeverity> = {
  error: DiagnosticSeverity.Error,
  warning: DiagnosticSeverity.Warning,
  information: DiagnosticSeverity.Information,
  hint: DiagnosticSeverity.Hint,
};

/** How often the store's files are checked for a new or finished run. */
const STORE_POLL_MS = 1_000;
/** A file bigger than this gets no quick fix (it is read whole to check it still matches the change). */
const MAX_FIXABLE_FILE_BYTES = 2 * 1024 * 1024;

export interface FindingsLanguageServerOptions {
  /** The workspace when the client names none (--workspace). */
  workspaceRoot?: string;
  /** A session id (or unique prefix); absent: the latest session. */
  session?: string;
  wasmPath?: string;
  /** A connection for tests; absent: stdio. */
  connection?: Connection;
}

interface SessionFindings {
  sessionId: string | null;
  findings: Finding[];
  changes: ChangeView[];
}

export function startFindingsLanguageServer(options: FindingsLanguageServerOptions = {}): Connection {
  const connection = options.connection ?? createConnection(ProposedFeatures.all, process.stdin, process.stdout);
  let root: string | null = options.workspaceRoot ? path.resolve(options.workspaceRoot) : null;
  let clientOptions: FindingsServerInitializationOptions = {};
  /** The session to show: an id (or prefix), undefined for the latest, null for none (the client named none yet). */
  let wanted: string | null | undefined = options.session;
  let current: SessionFindings = { sessionId: null, findings: [], changes: [] };
  /** Findings not shown because their path leaves the workspace: each is logged once. */
  const refused = new Set<string>();
  /** Files (URIs) diagnostics were published for, to clear those that have none any more. */
  let published = new Set<string>();
  let storeStamp = '';
  let poll: NodeJS.Timeout | undefined;
  let reloadRunning = false;
  let reloadAgain = false;

  const log = (message: string): void => connection.console.log(escapeControl(message));

  connection.onInitialize((params): InitializeResult => {
    const folder = params.workspaceFolders?.[0]?.uri ?? params.rootUri ?? null;
    if (folder?.startsWith('file:')) root = fileURLToPath(folder);
    const parsed = initializationOptionsSchema.safeParse(params.initializationOptions ?? {});
    if (parsed.success) clientOptions = parsed.data;
    else log(`Ignoring the initialization options: ${parsed.error.issues.map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`).join('; ')}`);
    if (clientOptions.followClientSession) wanted = null;
    return {
      capabilities: {
        textDocumentSync: TextDocumentSyncKind.None,
        hoverProvider: true,
        codeActionProvider: { codeActionKinds: [CodeActionKind.QuickFix] },
      },
      serverInfo: { name: 'agent-orchestrator', version: '0.1.0' },
    };
  });

  connection.onInitialized(() => {
    if (!root) {
      connection.window.showErrorMessage('Agent Orchestrator: no workspace folder: open a folder, or start the server with --workspace DIR.');
      return;
    }
    reload();
    poll = setInterval(() => {
      const stamp = storeStampOf(root!);
      if (stamp !== storeStamp) reload();
    }, STORE_POLL_MS);
  });

  connection.onShutdown(() => clearInterval(poll));
  connection.onExit(() => clearInterval(poll));

  connection.onNotification(SHOW_SESSION_NOTIFICATION, (params: unknown) => {
    const parsed = showSessionParamsSchema.safeParse(params);
    if (!parsed.success) return log(`Ignoring ${SHOW_SESSION_NOTIFICATION}: it needs { sessionId: string | null }.`);
    if (parsed.data.sessionId !== wanted) refused.clear();
    wanted = parsed.data.sessionId;
    reload();
  });
  connection.onNotification(SESSION_CHANGED_NOTIFICATION, () => reload());

  /** Reads the store and publishes; calls while a read runs are folded into one more read after it. */
  function reload(): void {
    if (reloadRunning) {
      reloadAgain = true;
      return;
    }
    reloadRunning = true;
    void (async () => {
      do {
        reloadAgain = false;
        await reloadOnce();
      } while (reloadAgain);
      reloadRunning = false;
    })();
  }

  async function reloadOnce(): Promise<void> {
    if (!root) return;
    storeStamp = storeStampOf(root);
    const session = wanted;
    let read: SessionFindings;
    try {
      read = session === null ? { sessionId: null, findings: [], changes: [] } : await readSession(root, session, clientOptions.followClientSession === true, options.wasmPath);
    } catch (error) {
      log(`Could not read the sessions: ${error instanceof Error ? error.message : String(error)}`);
      // Read again at the next poll even if the store does not change meanwhile (a run's last write may be the
      // one this read raced with).
      storeStamp = '';
      return;
    }
    // The client named another session while this one was read: its read follows (reloadAgain).
    if (session !== wanted) return;
    current = read;
    publish();
  }

  function publish(): void {
    const byUri = new Map<string, Diagnostic[]>();
    for (const finding of current.findings) {
      const uri = uriOf(root!, finding.file);
      if (!uri) {
        if (!refused.has(finding.id)) {
          refused.add(finding.id);
          connection.console.warn(escapeControl(`Finding ${finding.ruleId} not shown: its file ${finding.file} is outside the workspace folder or reached through a link.`));
        }
        continue;
      }
      const range = findingRange(finding);
      const data: FindingDiagnosticData = { findingId: finding.id, sessionId: current.sessionId, ...(range.endCharacter === 'endOfLine' ? { toEndOfLine: true as const } : {}) };
      const diagnostic: Diagnostic = {
        range: {
          start: { line: range.startLine, character: range.startCharacter },
          // To the end of the line: the start of the next one, which every client understands.
          end: range.endCharacter === 'endOfLine' ? { line: range.endLine + 1, character: 0 } : { line: range.endLine, character: range.endCharacter },
        },
        severity: SEVERITY[diagnosticLevelOf(finding.severity)],
        source: DIAGNOSTIC_SOURCE,
        code: finding.ruleId,
        message: diagnosticMessageOf(finding),
        data,
      };
      const list = byUri.get(uri) ?? [];
      list.push(diagnostic);
      byUri.set(uri, list);
    }
    for (const uri of published) if (!byUri.has(uri)) void connection.sendDiagnostics({ uri, diagnostics: [] });
    for (const [uri, diagnostics] of byUri) void connection.sendDiagnostics({ uri, diagnostics });
    published = new Set(byUri.keys());
  }

  connection.onHover((params) => {
    if (!root) return null;
    const file = relativeFileOf(root, params.textDocument.uri);
    if (!file) return null;
    const line = params.position.line + 1;
    const here = current.findings.filter((finding) => finding.file === file && finding.line <= line && (finding.endLine ?? finding.line) >= line);
    if (here.length === 0) return null;
    const text = here.map((finding) => [
      `**${escapeMarkdown(finding.severity.toUpperCase())}** \`${escapeMarkdown(finding.ruleId)}\`${finding.agent ? ` — found by **${escapeMarkdown(finding.agent)}**` : ''}`,
      '',
      escapeMarkdown(finding.message),
      ...(finding.recommendation ? ['', `*What to do:* ${escapeMarkdown(finding.recommendation)}`] : []),
      ...(changeFor(finding) ? ['', '*A proposed change is available as a quick fix.*'] : []),
    ].join('\n')).join('\n\n---\n\n');
    return { contents: { kind: 'markdown', value: `${text}\n\n_Agent Orchestrator, session ${escapeMarkdown(current.sessionId ?? '?')}_` } };
  });

  connection.onCodeAction((params) => {
    if (!root) return [];
    const file = relativeFileOf(root, params.textDocument.uri);
    if (!file) return [];
    const actions: CodeAction[] = [];
    const offered = new Set<string>();
    for (const diagnostic of params.context.diagnostics) {
      if (diagnostic.source !== DIAGNOSTIC_SOURCE) continue;
      const findingId = (diagnostic.data as { findingId?: unknown } | undefined)?.findingId;
      const finding = current.findings.find((candidate) => candidate.id === findingId && candidate.file === file);
      const change = finding ? changeFor(finding) : undefined;
      if (!finding || !change || offered.has(change.id)) continue;
      const text = readWorkspaceText(root, file);
      if (text === null) continue;
      const proposed = proposedContentFor(change, text);
      if (!proposed.ok) {
        actions.push({ title: `Apply the agents' change to ${file}`, kind: CodeActionKind.QuickFix, diagnostics: [diagnostic], disabled: { reason: proposed.message } });
        continue;
      }
      offered.add(change.id);
      if (clientOptions.reviewChangeCommand) {
        actions.push({
          title: `Review and apply the change ${change.agent} proposed (change ${change.id})`,
          kind: CodeActionKind.QuickFix,
          diagnostics: [diagnostic],
          isPreferred: true,
          command: { title: 'Review the proposed change', command: clientOptions.reviewChangeCommand, arguments: [{ sessionId: current.sessionId, changeId: change.id }] },
        });
        continue;
      }
      const lines = text.split('\n');
      actions.push({
        title: `Apply the change ${change.agent} proposed (change ${change.id})`,
        kind: CodeActionKind.QuickFix,
        diagnostics: [diagnostic],
        isPreferred: true,
        edit: {
          changes: {
            [params.textDocument.uri]: [{ range: { start: { line: 0, character: 0 }, end: { line: lines.length - 1, character: lines[lines.length - 1]!.length } }, newText: proposed.content }],
          },
        },
      });
    }
    return actions;
  });

  function changeFor(finding: Finding): ChangeView | undefined {
    return current.changes.find((change) => change.file === finding.file && change.findingIds.includes(finding.id) && !change.applied && change.review === null);
  }

  connection.listen();
  return connection;
}

/** `exact`: the id names the session (the client's), never a prefix of another. */
async function readSession(root: string, wanted: string | undefined, exact: boolean, wasmPath: string | undefined): Promise<SessionFindings> {
  const dir = storeDirFor(root);
  const store = await SessionStore.open({ dir, root, mode: 'read', ...(wasmPath ? { wasmPath } : {}) });
  try {
    const sessions = store.listSessions();
    const session = wanted ? sessions.find((s) => s.sessionId === wanted) ?? (exact ? undefined : sessions.find((s) => s.sessionId.startsWith(wanted))) : sessions[0];
    if (!session) return { sessionId: null, findings: [], changes: [] };
    const state = foldEvents(session.sessionId, store.getEvents(session.sessionId));
    return { sessionId: session.sessionId, findings: state.findings, changes: state.changes };
  } finally {
    await store.close();
  }
}

/** Changes whenever a run writes to the store (its database or journal). */
function storeStampOf(root: string): string {
  const dir = storeDirFor(root);
  try {
    return readdirSync(dir)
      .filter((name) => !name.startsWith('.'))
      .sort()
      .map((name) => {
        const stat = statSync(path.join(dir, name));
        return `${name}:${stat.size}:${stat.mtimeMs}`;
      })
      .join('|');
  } catch {
    return '';
  }
}

function uriOf(root: string, file: string): string | null {
  try {
    return pathToFileURL(realPathInside(root, file)).toString();
  } catch {
    return null; // outside the workspace or through a link: not shown
  }
}

function relativeFileOf(root: string, uri: string): string | null {
  if (!uri.startsWith('file:')) return null;
  const relative = path.relative(root, fileURLToPath(uri));
  if (relative.startsWith('..') || path.isAbsolute(relative)) return null;
  return relative.split(path.sep).join('/');
}

function readWorkspaceText(root: string, file: string): string | null {
  try {
    const absolute = realPathInside(root, file);
    if (statSync(absolute).size > MAX_FIXABLE_FILE_BYTES) return null;
    return readFileNoFollow(absolute)?.toString('utf8') ?? null;
  } catch {
    return null;
  }
}

function escapeMarkdown(text: string): string {
  return escapeControl(text).replace(/([\\`*_{}[\]()#+!|<>])/g, '\\$1');
}
