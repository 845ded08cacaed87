/*
 * The MCP servers a workspace names, read from the files users already have: Claude Code's `.mcp.json`
 * (`mcpServers`, `${VAR}` and `${VAR:-default}`), VS Code's `.vscode/mcp.json` (`servers`, `${env:VAR}`,
 * `${workspaceFolder}`; `${input:...}` needs VS Code's prompt and is refused here), and the orchestrator's own
 * config (`mcpServers`, same shape as `.mcp.json`). Later sources win by name: config over `.mcp.json` over
 * `.vscode/mcp.json`.
 *
 * Nothing is started here. A server whose entry is broken is reported by name with the reason and left out; the
 * others stay usable, so one bad entry never takes every server down.
 */
import { closeSync, constants, fstatSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parse as parseJsonc, printParseErrorCode, type ParseError } from 'jsonc-parser';
import { z } from 'zod';
import { escapeControl, openNoFollow, realPathInside } from '../../core/files/safeFiles';
import { McpServerEntrySchema, type McpServerEntry } from '../../core/protocol/config';
import { describeIssues } from '../../core/protocol/validation';

export type McpServerSource = '.mcp.json' | '.vscode/mcp.json' | 'config';

export type McpServerDefinition =
  | { name: string; source: McpServerSource; transport: 'stdio'; command: string; args: string[]; env: Record<string, string>; cwd: string }
  | { name: string; source: McpServerSource; transport: 'http'; url: string; headers: Record<string, string> };

export interface McpServerProblem {
  server?: string;
  source: McpServerSource;
  message: string;
}

export interface McpServerConfigs {
  servers: Map<string, McpServerDefinition>;
  problems: McpServerProblem[];
}

/** Far more than any real server list; a bigger file is not read. */
const MAX_FILE_BYTES = 256 * 1024;
const NAME = /^[A-Za-z0-9_.-]{1,64}$/;

const ClaudeFileSchema = z.object({ mcpServers: z.record(z.string(), z.unknown()).default({}) }).passthrough();
const VsCodeFileSchema = z.object({ servers: z.record(z.string(), z.unknown()).default({}), inputs: z.array(z.unknown()).optional() }).passthrough();

/**
 * Reads every source. `configServers` is the orchestrator config's `mcpServers` (already validated by its schema).
 * `env` is what `${VAR}` expands from.
 */
export function loadMcpServerConfigs(workspaceRoot: string, env: NodeJS.ProcessEnv, configServers: Record<string, McpServerEntry> = {}): McpServerConfigs {
  const servers = new Map<string, McpServerDefinition>();
  const problems: McpServerProblem[] = [];
  const add = (source: McpServerSource, entries: Record<string, unknown>, expand: Expander): void => {
    for (const [name, raw] of Object.entries(entries)) {
      if (!NAME.test(name)) {
        problems.push({ source, message: `server name "${escapeControl(name.slice(0, 80))}" must be 1-64 letters, digits, "_", "-" or "."` });
        continue;
      }
      try {
        servers.set(name, definitionFrom(name, source, raw, expand, workspaceRoot));
      } catch (error) {
        problems.push({ server: name, source, message: `${source}: server "${name}": ${error instanceof Error ? error.message : String(error)}` });
      }
    }
  };

  const vscodeFile = readJsonFile(workspaceRoot, path.join('.vscode', 'mcp.json'), '.vscode/mcp.json', problems);
  if (vscodeFile !== undefined) {
    const parsed = VsCodeFileSchema.safeParse(vscodeFile);
    if (parsed.success) add('.vscode/mcp.json', parsed.data.servers, vscodeExpander(env, workspaceRoot));
    else problems.push({ source: '.vscode/mcp.json', message: `.vscode/mcp.json: ${issuesText(parsed.error)}` });
  }
  const claudeFile = readJsonFile(workspaceRoot, '.mcp.json', '.mcp.json', problems);
  if (claudeFile !== undefined) {
    const parsed = ClaudeFileSchema.safeParse(claudeFile);
    if (parsed.success) add('.mcp.json', parsed.data.mcpServers, claudeExpander(env));
    else problems.push({ source: '.mcp.json', message: `.mcp.json: ${issuesText(parsed.error)}` });
  }
  add('config', configServers, claudeExpander(env));
  return { servers, problems };
}

type Expander = (text: string, where: string) => string;

function issuesText(error: z.ZodError): string {
  return describeIssues(error).map((issue) => `${issue.path || '(top level)'}: ${issue.message}`).join('; ');
}

/** Claude Code's expansion: `${VAR}` (must be set) and `${VAR:-default}`. */
function claudeExpander(env: NodeJS.ProcessEnv): Expander {
  return (text, where) =>
    text.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g, (_match, name: string, fallback: string | undefined) => {
      const value = env[name];
      if (value !== undefined && value !== '') return value;
      if (fallback !== undefined) return fallback;
      throw new Error(`${where} uses \${${name}}, which is not set (give a default with \${${name}:-value})`);
    });
}

/** VS Code's variables that make sense outside VS Code; `${input:...}` needs its prompt. */
function vscodeExpander(env: NodeJS.ProcessEnv, workspaceRoot: string): Expander {
  return (text, where) =>
    text.replace(/\$\{([^}]+)\}/g, (match, variable: string) => {
      if (variable === 'workspaceFolder') return workspaceRoot;
      if (variable === 'workspaceFolderBasename') return path.basename(workspaceRoot);
      if (variable === 'userHome') return env.HOME ?? env.USERPROFILE ?? match;
      if (variable === 'pathSeparator' || variable === '/') return path.sep;
      if (variable.startsWith('env:')) return env[variable.slice(4)] ?? '';
      if (variable.startsWith('input:')) {
        throw new Error(`${where} asks for the input "${variable.slice(6)}", which only VS Code can prompt for; outside VS Code, name the server in .mcp.json with \${VAR} instead`);
      }
      throw new Error(`${where} uses the variable ${match}, which is only known inside VS Code`);
    });
}

const RawEntrySchema = z
  .object({
    type: z.enum(['stdio', 'http', 'sse', 'streamable-http']).optional(),
    command: z.string().min(1).optional(),
    args: z.array(z.string()).default([]),
    env: z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()])).default({}),
    cwd: z.string().optional(),
    url: z.string().min(1).optional(),
    headers: z.record(z.string(), z.string()).default({}),
  })
  .passthrough();

function definitionFrom(name: string, source: McpServerSource, raw: unknown, expand: Expander, workspaceRoot: string): McpServerDefinition {
  const parsed = RawEntrySchema.safeParse(raw);
  if (!parsed.success) throw new Error(issuesText(parsed.error));
  const entry = parsed.data;
  const isHttp = entry.type === 'http' || entry.type === 'streamable-http' || entry.type === 'sse' || (entry.type === undefined && entry.url !== undefined && entry.command === undefined);
  if (isHttp) {
    if (entry.type === 'sse') throw new Error('the legacy SSE transport is not supported; use a Streamable HTTP URL ("type": "http")');
    if (!entry.url) throw new Error('an HTTP server needs "url"');
    const url = expand(entry.url, '"url"');
    let parsedUrl: URL;
    try {
      parsedUrl = new URL(url);
    } catch {
      throw new Error(`"url" is not a URL: ${escapeControl(url.slice(0, 200))}`);
    }
    if (parsedUrl.protocol !== 'http:' && parsedUrl.protocol !== 'https:') throw new Error(`"url" must be http or https, not ${parsedUrl.protocol}`);
    const headers: Record<string, string> = {};
    for (const [key, value] of Object.entries(entry.headers)) headers[key] = expand(value, `header "${key}"`);
    return { name, source, transport: 'http', url: parsedUrl.toString(), headers };
  }
  if (!entry.command) throw new Error('a stdio server needs "command" (or "url" for an HTTP server)');
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(entry.env)) {
    if (value === null) continue;
    env[key] = expand(String(value), `env "${key}"`);
  }
  const cwd = entry.cwd ? path.resolve(workspaceRoot, expand(entry.cwd, '"cwd"')) : workspaceRoot;
  return {
    name,
    source,
    transport: 'stdio',
    command: expand(entry.command, '"command"'),
    args: entry.args.map((arg, index) => expand(arg, `args[${index}]`)),
    env,
    cwd,
  };
}

/** A workspace JSON (with comments) file, or undefined when absent; problems name the file and the position. */
function readJsonFile(workspaceRoot: string, relative: string, source: McpServerSource, problems: McpServerProblem[]): unknown {
  const file = path.join(workspaceRoot, relative);
  let real: string;
  try {
    real = realPathInside(workspaceRoot, file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    problems.push({ source, message: `${source}: ${error instanceof Error ? error.message : String(error)}` });
    return undefined;
  }
  let text: string;
  try {
    const fd = openNoFollow(real, constants.O_RDONLY);
    try {
      const size = fstatSync(fd).size;
      if (size > MAX_FILE_BYTES) {
        problems.push({ source, message: `${source} is ${Math.ceil(size / 1024)} KB, more than the ${MAX_FILE_BYTES / 1024} KB read for a server list; it was ignored` });
        return undefined;
      }
      text = readFileSync(fd, 'utf8');
    } finally {
      closeSync(fd);
    }
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    problems.push({ source, message: `${source}: ${error instanceof Error ? error.message : String(error)}` });
    return undefined;
  }
  const errors: ParseError[] = [];
  const value: unknown = parseJsonc(text, errors, { allowTrailingComma: true, disallowComments: false });
  if (errors.length > 0) {
    const first = errors[0]!;
    const before = text.slice(0, first.offset);
    const line = before.split('\n').length;
    const column = first.offset - before.lastIndexOf('\n');
    problems.push({ source, message: `${source}: not valid JSON at line ${line}, column ${column} (${printParseErrorCode(first.error)}); its servers were ignored` });
    return undefined;
  }
  return value;
}

export type { McpServerEntry };
export { McpServerEntrySchema };
