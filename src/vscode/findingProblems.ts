// The shown session's findings in the Problems panel, with hovers (the explanation and the agent) and quick fixes
// (open the proposed change for review), all served by the findings language server (src/lsp) through
// vscode-languageclient: the same server Neovim, Helix and Zed users run with `agent-orchestrator lsp`.
//
// The client starts when a session is first shown in a trusted workspace, not at activation (its library lives in
// dist/findingsClient.js), and stops on deactivate. The server shows the session the views show, told by a custom
// notification with its id: the server alone cannot know whether the user opened a past session or a run is going
// on. During a live run the server reads the new findings from the store as the engine writes them; a finding or a
// change reaching the session model nudges it (at most every REFRESH_INTERVAL_MS, as the views refresh) so Problems
// follows the run as closely as the views do, rather than at the server's own one-second poll.
import * as vscode from 'vscode';
import type { OrchestratorEvent } from '../core/protocol/events';
import type { FindingsClient, FindingsClientOptions } from './findingsLanguageClient';
import type { SessionModel } from './sessionModel';
import { REFRESH_INTERVAL_MS } from './sessionTreeRefresh';
import { Throttle } from './throttle';
import type { WorkspaceTrustGate } from './workspaceTrust';

/** The command a quick fix runs: the change opens in its diff editor, where Apply is the user's consent. */
export const REVIEW_CHANGE_COMMAND = 'agentOrchestrator.openChangeDiff';

const NUDGING_EVENTS: ReadonlySet<OrchestratorEvent['type']> = new Set(['finding.reported', 'change.proposed', 'change.applied', 'change.discarded']);

/** Loads the client bundle on first use (esbuild turns this require into dist/findingsClient.js). */
let clientModule: typeof import('./findingsLanguageClient') | undefined;
const loadClientModule = (): typeof import('./findingsLanguageClient') =>
  (clientModule ??= require('./findingsLanguageClient') as typeof import('./findingsLanguageClient'));

export interface FindingProblemsDependencies {
  sessionModel: SessionModel;
  trust: WorkspaceTrustGate;
  /** Absolute path of dist/lspServer.js. */
  serverModule: string;
  log: vscode.LogOutputChannel;
}

export class FindingProblems implements vscode.Disposable {
  readonly #deps: FindingProblemsDependencies;
  readonly #disposables: vscode.Disposable[] = [];
  readonly #throttle: Throttle;
  #client: Promise<FindingsClient | null> | null = null;
  #started: FindingsClient | null = null;
  /** Notifications go out in order, each once the client is up. */
  #queue: Promise<void> = Promise.resolve();
  #disposed = false;

  constructor(deps: FindingProblemsDependencies) {
    this.#deps = deps;
    this.#throttle = new Throttle(() => this.#send((client) => client.sessionChanged()), REFRESH_INTERVAL_MS);
    this.#disposables.push(
      this.#throttle,
      deps.sessionModel.onDidChangeSession(() => this.#showShownSession()),
      deps.sessionModel.onDidAppendEvents((events) => {
        if (this.#client && events.some((event) => NUDGING_EVENTS.has(event.type))) this.#throttle.schedule();
      }),
      deps.sessionModel.onDidEndLive(() => this.#throttle.flush()),
      // Trusted later: a session shown meanwhile gets its Problems now.
      deps.trust.onDidGrant(() => this.#showShownSession()),
    );
  }

  /** The language server: stopped before the first session is shown (and in Restricted Mode), then starting, running. */
  get serverState(): 'stopped' | 'starting' | 'running' {
    if (this.#started?.running) return 'running';
    return this.#client && !this.#started ? 'starting' : 'stopped';
  }

  #showShownSession(): void {
    // Nothing shown and no server yet: nothing to clear, and no reason to start one.
    if (!this.#client && this.#deps.sessionModel.sessionId === null) return;
    this.#send((client) => client.showSession(this.#deps.sessionModel.sessionId));
  }

  #send(notify: (client: FindingsClient) => Promise<void>): void {
    const client = this.#ensureClient();
    if (!client) return;
    this.#queue = this.#queue.then(async () => {
      const started = await client;
      if (!started || this.#disposed) return;
      await notify(started).catch((error: unknown) => this.#deps.log.warn(`Findings language server: ${String(error)}`));
    });
  }

  #ensureClient(): Promise<FindingsClient | null> | null {
    if (this.#client) return this.#client;
    // Restricted Mode: no server process (it reads the workspace's store); trusting the workspace starts it.
    if (this.#disposed || !this.#deps.trust.trusted) return null;
    const folder = vscode.workspace.workspaceFolders?.[0];
    if (!folder || folder.uri.scheme !== 'file') return null;
    const options: FindingsClientOptions = { serverModule: this.#deps.serverModule, workspaceFolder: folder, log: this.#deps.log, reviewChangeCommand: REVIEW_CHANGE_COMMAND };
    // Inside then(): a client bundle that fails to load is reported like a server that fails to start.
    this.#client = Promise.resolve().then(() => loadClientModule().startFindingsClient(options)).then(
      (client) => {
        this.#started = client;
        return client;
      },
      (error: unknown) => {
        // The next session shown tries again.
        this.#client = null;
        this.#deps.log.error(`The findings language server did not start, so findings are not in the Problems panel: ${error instanceof Error ? error.message : String(error)}`);
        return null;
      },
    );
    return this.#client;
  }

  /** Stops the server (deactivate awaits it, so the process is gone before the extension host exits). */
  async stop(): Promise<void> {
    this.#disposed = true;
    const client = await this.#client;
    this.#client = null;
    this.#started = null;
    await client?.stop().catch((error: unknown) => this.#deps.log.warn(`Stopping the findings language server: ${String(error)}`));
  }

  dispose(): void {
    for (const disposable of this.#disposables) disposable.dispose();
    void this.stop();
  }
}
