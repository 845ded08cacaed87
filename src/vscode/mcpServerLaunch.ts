// How VS Code starts the orchestrator's MCP server for a workspace folder (no vscode import: unit-tested in Node).
import path from 'node:path';

export const MCP_PROVIDER_ID = 'agentOrchestrator.mcp';

export interface McpServerLaunch {
  label: string;
  command: string;
  args: string[];
  env: Record<string, string>;
}

/**
 * The extension host's own runtime starts the bundled CLI, so no Node installation is needed: in desktop VS Code
 * that is Electron, which runs as plain Node with ELECTRON_RUN_AS_NODE (and plain Node ignores the variable).
 */
export function mcpServerLaunch(extensionPath: string, folderPath: string, runtimePath: string, options: { allowMcpServers?: boolean } = {}): McpServerLaunch {
  return {
    label: `Agent Orchestrator (${path.basename(folderPath) || folderPath})`,
    command: runtimePath,
    // --allow-mcp only with the window's consent to this workspace's MCP servers (McpConsent): query_learnings then
    // merges the memory server's learnings, as the CLI's `learnings --allow-mcp` does.
    args: [path.join(extensionPath, 'dist', 'cli.js'), 'mcp', '--workspace', folderPath, ...(options.allowMcpServers ? ['--allow-mcp'] : [])],
    env: { ELECTRON_RUN_AS_NODE: '1' },
  };
}
