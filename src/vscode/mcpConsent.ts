// Whether a run in this window may start the workspace's MCP servers (.mcp.json, .vscode/mcp.json, the config's
// mcpServers): the VS Code counterpart of the CLI's --allow-mcp. A workspace file names commands that would run with
// the user's permissions, so the first run that would start them asks, in a modal dialog that names each server and
// what it starts; the answer is kept per workspace for exactly that list (a changed command asks again). Never in
// Restricted Mode, never when the setting says `never`. No `vscode` import: the dialog and the storage are given.
import type { EngineResult } from '../shared/engineProtocol';

export type McpServersSetting = 'ask' | 'never';

/** The servers as the engine describes them (engine method mcpServers). */
export type McpServerList = EngineResult<'mcpServers'>;

export interface McpConsentDependencies {
  setting(): McpServersSetting;
  trusted(): boolean;
  /** The workspace's servers, nothing started. */
  servers(): Promise<McpServerList>;
  /** The consent kept for this workspace: the fingerprint of the list the user allowed, or undefined. */
  stored(): string | undefined;
  store(fingerprint: string): Thenable<void> | Promise<void>;
  /** The modal dialog; true only when the user chose to allow. */
  confirm(message: string, detail: string): Promise<boolean>;
  log(line: string): void;
}

export const ALLOW_MCP_SERVERS_LABEL = 'Allow for This Workspace';

export class McpConsent {
  readonly #deps: McpConsentDependencies;
  /** Asked once at a time: two runs started together share one dialog. */
  #pending: Promise<boolean> | null = null;

  constructor(deps: McpConsentDependencies) {
    this.#deps = deps;
  }

  /** Called whenever a consent is stored (the orchestrator's own MCP server then restarts with --allow-mcp). */
  readonly #listeners = new Set<() => void>();

  onDidChange(listener: () => void): { dispose(): void } {
    this.#listeners.add(listener);
    return { dispose: () => this.#listeners.delete(listener) };
  }

  /** True when the user already allowed exactly the workspace's current list; never asks. */
  async alreadyAllowed(): Promise<boolean> {
    const deps = this.#deps;
    if (!deps.trusted() || deps.setting() === 'never') return false;
    const stored = deps.stored();
    if (stored === undefined) return false;
    const list = await deps.servers();
    return list.servers.length > 0 && list.fingerprint === stored;
  }

  /** True when this run may start the workspace's MCP servers; asks the user the first time (per list). */
  allowsServers(): Promise<boolean> {
    this.#pending ??= this.#decide().finally(() => {
      this.#pending = null;
    });
    return this.#pending;
  }

  async #decide(): Promise<boolean> {
    const deps = this.#deps;
    if (!deps.trusted() || deps.setting() === 'never') return false;
    let list: McpServerList;
    try {
      list = await deps.servers();
    } catch (error) {
      deps.log(`The workspace's MCP servers could not be read, so none is started: ${error instanceof Error ? error.message : String(error)}`);
      return false;
    }
    if (list.servers.length === 0) return false;
    if (deps.stored() === list.fingerprint) return true;
    const { message, detail } = consentText(list);
    const allowed = await deps.confirm(message, detail);
    // The dialog took time: the workspace may have lost its trust meanwhile.
    if (!allowed || !deps.trusted()) {
      deps.log('The MCP servers of this workspace were not allowed; this run starts none (you are asked again next run).');
      return false;
    }
    await deps.store(list.fingerprint);
    for (const listener of this.#listeners) listener();
    deps.log(`MCP servers allowed for this workspace: ${list.servers.map((server) => server.name).join(', ')}.`);
    return true;
  }
}

/** The dialog's text: each server with its source and what it starts (already masked and escaped by the engine). */
export function consentText(list: McpServerList): { message: string; detail: string } {
  const count = list.servers.length;
  const message = `Let the agents start ${count === 1 ? 'the MCP server' : `the ${count} MCP servers`} this workspace names?`;
  const lines = list.servers.map((server) => `• ${server.name} (${server.source}, ${server.transport}): ${server.launch}`);
  const problems = list.problems.length > 0 ? ['', 'Not usable (left out):', ...list.problems.map((problem) => `• ${problem}`)] : [];
  const detail = [
    ...lines,
    ...problems,
    '',
    'They run with your permissions until the run ends. Agents may call their tools; a tool its server does not declare read-only is still asked for, call by call.',
  ].join('\n');
  return { message, detail };
}
