// Offers the orchestrator's MCP server to VS Code's agent mode without any configuration (VS Code 1.101+). The
// @types/vscode this project builds against (1.95) predates the API, so it is looked up at run time and typed here
// with only what is used; on an older VS Code nothing is registered.
import * as vscode from 'vscode';
import { MCP_PROVIDER_ID, mcpServerLaunch } from './mcpServerLaunch';
import type { WorkspaceTrustGate } from './workspaceTrust';

interface McpServerDefinitionProvider {
  readonly onDidChangeMcpServerDefinitions?: vscode.Event<void>;
  provideMcpServerDefinitions(token: vscode.CancellationToken): unknown[] | Promise<unknown[]>;
  resolveMcpServerDefinition?(server: unknown, token: vscode.CancellationToken): unknown;
}

type McpStdioServerDefinitionConstructor = new (label: string, command: string, args?: string[], env?: Record<string, string>, version?: string) => unknown;

interface McpApi {
  lm: { registerMcpServerDefinitionProvider(id: string, provider: McpServerDefinitionProvider): vscode.Disposable };
  McpStdioServerDefinition: McpStdioServerDefinitionConstructor;
}

function mcpApi(): McpApi | null {
  const api = vscode as unknown as Partial<McpApi> & { lm?: object };
  if (!api.lm || !('registerMcpServerDefinitionProvider' in api.lm) || typeof api.McpStdioServerDefinition !== 'function') return null;
  return api as McpApi;
}

/**
 * One stdio server per local workspace folder, only while the workspace is trusted (the server runs agents on it).
 * Returns null when this VS Code has no MCP server API.
 */
export function registerMcpServerProvider(options: {
  extensionPath: string;
  version: string;
  trust: WorkspaceTrustGate;
  log: vscode.LogOutputChannel;
  /** Whether the user already allowed this workspace's MCP servers (never asks), and when that changes. */
  mcpConsent?: { alreadyAllowed(): Promise<boolean>; onDidChange(listener: () => void): vscode.Disposable };
}): vscode.Disposable | null {
  const api = mcpApi();
  if (!api) return null;
  const changed = new vscode.EventEmitter<void>();
  const provider: McpServerDefinitionProvider = {
    onDidChangeMcpServerDefinitions: changed.event,
    provideMcpServerDefinitions: async () => {
      if (!options.trust.trusted) return [];
      const allowMcpServers = (await options.mcpConsent?.alreadyAllowed().catch(() => false)) === true;
      return (vscode.workspace.workspaceFolders ?? [])
        .filter((folder) => folder.uri.scheme === 'file')
        .map((folder) => {
          const launch = mcpServerLaunch(options.extensionPath, folder.uri.fsPath, process.execPath, { allowMcpServers });
          return new api.McpStdioServerDefinition(launch.label, launch.command, launch.args, launch.env, options.version);
        });
    },
    // Checked again when VS Code starts the server: a definition listed earlier must not start in Restricted Mode.
    resolveMcpServerDefinition: (server) => (options.trust.trusted ? server : undefined),
  };
  const disposables: vscode.Disposable[] = [
    changed,
    options.trust.onDidGrant(() => changed.fire()),
    ...(options.mcpConsent ? [options.mcpConsent.onDidChange(() => changed.fire())] : []),
    vscode.workspace.onDidChangeWorkspaceFolders(() => changed.fire()),
  ];
  try {
    disposables.push(api.lm.registerMcpServerDefinitionProvider(MCP_PROVIDER_ID, provider));
  } catch (error) {
    options.log.warn(`The MCP server could not be offered to VS Code's agent mode: ${error instanceof Error ? error.message : String(error)}`);
  }
  return vscode.Disposable.from(...disposables);
}
