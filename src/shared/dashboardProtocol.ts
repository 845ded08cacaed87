// The dashboard's messages, written once for both sides: the extension host (src/vscode/dashboardPanel.ts) and the
// webview (webview/). Every message is validated on arrival, whichever side receives it: the webview is a trust
// boundary (it renders agent output), and the host must not act on a malformed request.
import { z } from 'zod';
import { OrchestratorEventSchema } from '../core/protocol/events';
import { parseOrThrow } from '../core/protocol/validation';

const SessionIdSchema = z.string().min(1).max(200);

/** What the dashboard shows besides the events: which session, and whether it is still running here. */
export const DashboardSessionSchema = z.object({
  sessionId: SessionIdSchema,
  /** Folder name, for the title; never a full path (the standalone HTML may be shared). */
  workspaceName: z.string(),
  /** True while the run is live in this window: more events will follow. */
  live: z.boolean(),
  /** False in the standalone HTML and for past sessions: hides the buttons that need a host. */
  interactive: z.boolean(),
});
export type DashboardSession = z.infer<typeof DashboardSessionSchema>;

export const RevealTargetSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('handoff'), id: z.string().min(1) }),
  z.object({ kind: z.literal('finding'), id: z.string().min(1) }),
]);
export type RevealTarget = z.infer<typeof RevealTargetSchema>;

export const HostToWebviewMessageSchema = z.discriminatedUnion('type', [
  /** The whole session so far; sent once when the panel (re)opens or shows another session. */
  z.object({ type: z.literal('snapshot'), session: DashboardSessionSchema, events: z.array(OrchestratorEventSchema) }),
  /** New events of the session on screen, in seq order. */
  z.object({ type: z.literal('events'), sessionId: SessionIdSchema, events: z.array(OrchestratorEventSchema) }),
  /** The live run ended in this window (or was detached): no more events will follow. */
  z.object({ type: z.literal('sessionEnded'), sessionId: SessionIdSchema }),
  /** Nothing to show yet (no run in this workspace). */
  z.object({ type: z.literal('empty'), message: z.string() }),
  /** Scroll to and highlight one item (a tree view asked for it). */
  z.object({ type: z.literal('reveal'), target: RevealTargetSchema }),
]);
export type HostToWebviewMessage = z.infer<typeof HostToWebviewMessageSchema>;

export const ReportFormatSchema = z.enum(['markdown', 'json']);
export type ReportFormat = z.infer<typeof ReportFormatSchema>;

export const WebviewToHostMessageSchema = z.discriminatedUnion('type', [
  /** The page has loaded its script and listens: the host sends the snapshot only after this. */
  z.object({ type: z.literal('ready') }),
  /** Open a workspace-relative file at a 1-based line and column (a finding was clicked). */
  z.object({
    type: z.literal('openLocation'),
    file: z.string().min(1).max(4096),
    line: z.number().int().min(1),
    column: z.number().int().min(1),
  }),
  z.object({ type: z.literal('cancelRun'), sessionId: SessionIdSchema }),
  z.object({ type: z.literal('exportReport'), sessionId: SessionIdSchema, format: ReportFormatSchema }),
  /** The empty state's button. */
  z.object({ type: z.literal('orchestrateRequest') }),
  /** Open a proposed change in a diff editor with Apply and Discard (a change's button). */
  z.object({ type: z.literal('reviewChange'), sessionId: SessionIdSchema, changeId: z.string().regex(/^\d{1,9}$/) }),
]);
export type WebviewToHostMessage = z.infer<typeof WebviewToHostMessageSchema>;

/** What the webview keeps with `vscode.setState`, so the panel serializer can restore the same session after a reload. */
export const DashboardWebviewStateSchema = z.object({ sessionId: SessionIdSchema.nullable() });
export type DashboardWebviewState = z.infer<typeof DashboardWebviewStateSchema>;

/** The session embedded in a standalone HTML dashboard (`agent-orchestrator show <id> --html`). */
export const StandaloneDashboardDataSchema = z.object({
  session: DashboardSessionSchema,
  events: z.array(OrchestratorEventSchema),
});
export type StandaloneDashboardData = z.infer<typeof StandaloneDashboardDataSchema>;

/** Id of the `<script type="application/json">` element that carries StandaloneDashboardData. */
export const STANDALONE_DATA_ELEMENT_ID = 'agent-orchestrator-session';

export function parseHostToWebviewMessage(value: unknown): HostToWebviewMessage {
  return parseOrThrow(HostToWebviewMessageSchema, value, 'message from the extension');
}

export function parseWebviewToHostMessage(value: unknown): WebviewToHostMessage {
  return parseOrThrow(WebviewToHostMessageSchema, value, 'message from the dashboard');
}

export function parseStandaloneDashboardData(value: unknown): StandaloneDashboardData {
  return parseOrThrow(StandaloneDashboardDataSchema, value, 'embedded session');
}
