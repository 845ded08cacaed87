// What the VS Code extension and `agent-orchestrator lsp` agree on beyond LSP itself. Other editors send none of it:
// without these options the server shows the latest session (or --session) and a quick fix is an edit of the buffer.
// Types and names only: the extension's client bundle stays free of the validation library (the server validates).

/** `initializationOptions` of the initialize request. */
export interface FindingsServerInitializationOptions {
  /**
   * The client names the session to show with SHOW_SESSION (the one its views show, live or past), and the server
   * shows none until it does.
   */
  followClientSession?: boolean;
  /**
   * A command of the client that opens a proposed change for review, run with { sessionId, changeId }: the quick fix
   * runs it instead of carrying an edit, so applying goes through the client's own consent (VS Code: the diff
   * editor's Apply, refused in Restricted Mode).
   */
  reviewChangeCommand?: string;
}

/** Client to server: show this session's findings (ShowSessionParams; sessionId null: none). */
export const SHOW_SESSION_NOTIFICATION = 'agentOrchestrator/showSession';
/** Client to server: the shown session got findings or changes (a live run): read the store now. */
export const SESSION_CHANGED_NOTIFICATION = 'agentOrchestrator/sessionChanged';

export interface ShowSessionParams {
  sessionId: string | null;
}

/** What every diagnostic of the server carries in `data` (clients return it with code action requests). */
export interface FindingDiagnosticData {
  findingId: string;
  sessionId: string | null;
  /**
   * The finding has no end: the range runs to the end of its line. LSP has no "end of line" position, so the
   * range ends at the start of the next line, which every client understands; a client that can say "end of line"
   * (VS Code) uses this.
   */
  toEndOfLine?: true;
}
