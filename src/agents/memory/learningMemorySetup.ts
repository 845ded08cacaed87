// Which memory server keeps the learnings, and whether it may be started: one decision for the CLI, the engine
// host and the MCP server, so they cannot disagree.
import type { LearningRepository } from '../../core/ports';
import type { OrchestratorConfig } from '../../core/protocol/config';
import type { McpServerConfigs } from '../mcp/mcpServerConfig';
import { MemoryServerLearnings } from './memoryServerLearnings';

/** Server names taken as the memory server when `learning.memoryServer` names none. */
export const CONVENTIONAL_MEMORY_SERVER_NAMES = ['memory', 'memory-bank', 'memoryBank'] as const;

export interface LearningMemorySetup {
  workspaceRoot: string;
  /** The workspace's MCP servers, as loadMcpServerConfigs read them. */
  configs: McpServerConfigs;
  config: OrchestratorConfig;
  /** The user's consent to start the workspace's MCP servers (CLI --allow-mcp); without it nothing is started. */
  allowed: boolean;
  repository: LearningRepository;
  warn: (message: string) => void;
  connectTimeoutMs?: number;
  callTimeoutMs?: number;
}

/** The mirror, started in the background; null when learnings stay local only (with a warning saying why, if useful). */
export function startLearningMemory(setup: LearningMemorySetup): MemoryServerLearnings | null {
  const { config } = setup;
  if (!config.learning.mcpIntegration || !config.orchestration.enableLearning) return null;
  const { servers, problems } = setup.configs;
  const named = config.learning.memoryServer;
  const name = named ?? CONVENTIONAL_MEMORY_SERVER_NAMES.find((candidate) => servers.has(candidate) || problems.some((p) => p.server === candidate));
  if (name === undefined) return null;
  const problem = problems.find((p) => p.server === name);
  if (problem) {
    setup.warn(`${problem.message}; learnings stay in the local store only`);
    return null;
  }
  const server = servers.get(name);
  if (!server) {
    setup.warn(`learning.memoryServer is "${name}", but no server of that name is in .mcp.json, .vscode/mcp.json or the config's mcpServers; learnings stay in the local store only`);
    return null;
  }
  if (!setup.allowed) {
    setup.warn(`The memory server "${name}" (${server.source}) was not started: starting a workspace's MCP servers needs your consent (--allow-mcp). Learnings stay in the local store only.`);
    return null;
  }
  return MemoryServerLearnings.start({
    server,
    repository: setup.repository,
    workspaceRoot: setup.workspaceRoot,
    onWarning: setup.warn,
    ...(setup.connectTimeoutMs !== undefined ? { connectTimeoutMs: setup.connectTimeoutMs } : {}),
    ...(setup.callTimeoutMs !== undefined ? { callTimeoutMs: setup.callTimeoutMs } : {}),
  });
}
