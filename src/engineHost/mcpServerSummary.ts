// What the VS Code consent dialog names before the workspace's MCP servers may start: each server with what would
// be started (its command line or URL). Nothing is started here. The fingerprint covers everything that decides
// what runs (command, arguments, environment, folder, URL, headers), so a consent given for one list does not
// carry over to a changed one; it is a hash, so no secret leaves the engine through it.
import { createHash } from 'node:crypto';
import { escapeControl } from '../core/files/safeFiles';
import { loadConfig } from '../core/config/loadConfig';
import { maskSecrets } from '../core/security/secretMasking';
import { loadMcpServerConfigs, type McpServerDefinition } from '../agents/mcp/mcpServerConfig';
import type { EngineResult, McpServerSummary } from '../shared/engineProtocol';

const MAX_LAUNCH_CHARS = 500;

export function describeMcpServers(workspaceRoot: string, env: NodeJS.ProcessEnv): EngineResult<'mcpServers'> {
  const config = loadConfig({ workspaceRoot, env });
  const { servers, problems } = loadMcpServerConfigs(workspaceRoot, env, config.config.mcpServers ?? {});
  const definitions = [...servers.values()].sort((a, b) => a.name.localeCompare(b.name));
  return {
    servers: definitions.map((definition) => summaryOf(definition, workspaceRoot)),
    problems: problems.map((problem) => escapeControl(maskSecrets(problem.message))),
    fingerprint: fingerprintOf(definitions),
  };
}

function summaryOf(definition: McpServerDefinition, workspaceRoot: string): McpServerSummary {
  const launch =
    definition.transport === 'stdio'
      ? [
          [definition.command, ...definition.args].map(quoted).join(' '),
          definition.cwd !== workspaceRoot ? `(in ${definition.cwd})` : '',
          Object.keys(definition.env).length > 0 ? `(environment: ${Object.keys(definition.env).join(', ')})` : '',
        ].filter(Boolean).join(' ')
      : definition.url;
  const shown = escapeControl(maskSecrets(launch));
  return {
    name: definition.name,
    source: definition.source,
    transport: definition.transport,
    launch: shown.length > MAX_LAUNCH_CHARS ? `${shown.slice(0, MAX_LAUNCH_CHARS)}…` : shown,
  };
}

function quoted(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

function fingerprintOf(definitions: readonly McpServerDefinition[]): string {
  const hash = createHash('sha256');
  for (const definition of definitions) {
    const { source: _source, ...launched } = definition;
    hash.update(JSON.stringify(launched, Object.keys(launched).sort()));
    hash.update(JSON.stringify(definition.transport === 'stdio' ? definition.env : definition.headers));
    hash.update('\n');
  }
  return hash.digest('hex');
}
