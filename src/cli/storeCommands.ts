// The store alone, for commands that only read sessions (`sessions`): sql.js and the config, without the agents and
// their analyzers. Required by main.ts on first use; a file of its own in the build (dist/cliStore.js).
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { loadConfig } from '../core/config/loadConfig';
import { escapeControl } from '../core/files/safeFiles';
import { SessionStore, storeDirFor } from '../core/store/sessionStore';

/** Opens the workspace's store read-only, after the same checks as the engine: the folder, then its config. */
export async function openWorkspaceStoreForReading(workspace: string, onWarning: (message: string) => void): Promise<SessionStore> {
  const workspaceRoot = path.resolve(workspace);
  const stat = await fs.stat(workspaceRoot).catch(() => null);
  if (!stat) throw new Error(`Workspace folder not found: ${escapeControl(workspaceRoot)}`);
  if (!stat.isDirectory()) {
    throw new Error(`The workspace ${escapeControl(workspaceRoot)} is a file, not a folder: pass the folder that holds your project`);
  }
  // A bad config is reported here as it is for every other command, even though listing sessions needs none of it.
  loadConfig({ workspaceRoot });
  return SessionStore.open({ dir: storeDirFor(workspaceRoot), root: workspaceRoot, mode: 'read', onWarning });
}
