// The orchestrator as an MCP server: tools and resources over OrchestratorService, an adapter like the CLI and never a
// second engine. Arguments are checked by zod schemas, so a bad call is answered with an error naming the field.
import { McpServer, ResourceTemplate } from '@modelcontextprotocol/sdk/server/mcp.js';
import { ErrorCode, McpError, type CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import { SeveritySchema } from '../core/protocol/findings';
import { RequestRefusedError, type OrchestratorService, type SessionDocumentKind } from './orchestratorService';

export const MCP_SERVER_NAME = 'agent-orchestrator';
export const RESOURCE_SCHEME = 'agent-orchestrator';
/** Sessions offered in resources/list; older ones stay readable by their URI. */
const LISTED_SESSIONS = 50;
/** JSON-RPC code for a resource that does not exist (MCP specification, resources). */
const RESOURCE_NOT_FOUND = -32002;

const SESSION_ID = /^session_\d{8}_\d{6}_[0-9a-f]{6}$/;
const sessionIdSchema = z
  .string()
  .refine((value) => value === 'latest' || SESSION_ID.test(value), { message: 'sessionId must be a session id like session_20250130_102345_ab12cd, or "latest"' })
  .describe('Session id (from list_sessions or orchestrate_request), or "latest"');
const requestSchema = z.string().trim().min(1, 'request is empty: say what the agents should do').max(10_000).describe('What the agents should do, e.g. "Fix security vulnerability in authentication endpoint"');
const agentsSchema = z.array(z.string().min(1).max(100)).min(1).max(64).optional().describe('Agents to run instead of the planner\'s choice');

function jsonResult(value: Record<string, unknown>): CallToolResult {
  return { content: [{ type: 'text', text: JSON.stringify(value, null, 2) }], structuredContent: value };
}

const DOCUMENTS: Record<SessionDocumentKind, { title: string; description: string }> = {
  log: { title: 'Session log', description: 'The live Markdown log of the session: every event in order.' },
  report: { title: 'Session report', description: 'The execution report: agents, findings, changes, validations, metrics and recommendations.' },
  dashboard: { title: 'Session dashboard', description: 'The dashboard as Markdown: progress, agent flow (Mermaid), findings and metrics.' },
};

export function sessionResourceUri(sessionId: string, kind: SessionDocumentKind): string {
  return `${RESOURCE_SCHEME}://sessions/${sessionId}/${kind}`;
}

export function createMcpServer(service: OrchestratorService, version: string): McpServer {
  const server = new McpServer(
    { name: MCP_SERVER_NAME, version },
    {
      instructions:
        `Agent Orchestrator for the workspace ${service.workspaceRoot}: plan a request (plan_request), run it with several agents ` +
        '(orchestrate_request; changes are diffs unless the server allows --allow-apply), then read sessions, findings and learnings.',
    },
  );

  server.registerTool(
    'plan_request',
    {
      title: 'Plan a request',
      description: 'Plans which agents would work on a request, in which order, with duration estimates from past runs. Runs nothing.',
      inputSchema: { request: requestSchema, agents: agentsSchema },
      annotations: { readOnlyHint: true, openWorldHint: false },
    },
    async ({ request, agents }) => jsonResult(await service.plan(request, agents)),
  );

  server.registerTool(
    'orchestrate_request',
    {
      title: 'Run a request with the agents',
      description:
        'Runs a request with several agents and returns the session id, status, summary, findings and changes. Sends progress notifications ' +
        'when given a progressToken. apply (write changes to disk) and allowCommands (run processes such as tests) are refused unless the ' +
        `server was started with --allow-apply / --allow-commands (this server: apply ${service.consent.apply ? 'allowed' : 'not allowed'}, ` +
        `commands ${service.consent.allowCommands ? 'allowed' : 'not allowed'}).`,
      inputSchema: {
        request: requestSchema,
        agents: agentsSchema,
        apply: z.boolean().default(false).describe('Write the agents\' changes to disk (needs --allow-apply); otherwise they are diffs'),
        allowCommands: z.boolean().default(false).describe('Let agents run processes such as the test command (needs --allow-commands)'),
        timeoutMs: z.number().int().min(100).max(2_147_483_647).optional().describe('Limit for the whole run in milliseconds'),
      },
      annotations: { readOnlyHint: false, destructiveHint: service.consent.apply, openWorldHint: false },
    },
    async ({ request, agents, apply, allowCommands, timeoutMs }, extra) => {
      const progressToken = extra._meta?.progressToken;
      const outcome = await service.orchestrate(
        { request, agents, apply, allowCommands, timeoutMs },
        {
          signal: extra.signal,
          onProgress:
            progressToken === undefined
              ? undefined
              : (update) =>
                  void extra
                    .sendNotification({ method: 'notifications/progress', params: { progressToken, progress: update.progress, total: update.total, message: update.message } })
                    .catch(() => undefined),
        },
      );
      // A failed or cancelled run is a result (its status says so), not a tool error.
      return jsonResult({ ...outcome });
    },
  );

  server.registerTool(
    'cancel_run',
    {
      title: 'Cancel a run',
      description: 'Cancels the running request of a session (its agents stop, the session is recorded as cancelled) and waits until it has ended.',
      inputSchema: { sessionId: sessionIdSchema },
      annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: false },
    },
    async ({ sessionId }) => jsonResult(await service.cancel(sessionId)),
  );

  server.registerTool(
    'list_sessions',
    {
      title: 'List sessions',
      description: 'Past and running sessions of the workspace, newest first.',
      inputSchema: { limit: z.number().int().min(1).max(1000).optional().describe('At most this many sessions') },
      annotations: { readOnlyHint: true, openWorldHint: false },
    },
    async ({ limit }) => jsonResult({ sessions: await service.listSessions(limit) }),
  );

  server.registerTool(
    'get_session',
    {
      title: 'Get a session',
      description: 'One session: its summary, agents, findings and changes (diffs).',
      inputSchema: { sessionId: sessionIdSchema },
      annotations: { readOnlyHint: true, openWorldHint: false },
    },
    async ({ sessionId }) => jsonResult(await service.getSession(sessionId)),
  );

  server.registerTool(
    'get_findings',
    {
      title: 'Get findings',
      description: 'The findings of a session (file, line, severity, rule, message), optionally only some severities.',
      inputSchema: { sessionId: sessionIdSchema, severity: z.array(SeveritySchema).max(5).optional().describe('Only these severities') },
      annotations: { readOnlyHint: true, openWorldHint: false },
    },
    async ({ sessionId, severity }) => jsonResult(await service.getFindings(sessionId, severity)),
  );

  server.registerTool(
    'query_learnings',
    {
      title: 'Query learnings',
      description:
        'What the agents learned from past runs. With an agent: its recommended approach, pitfalls, tips and duration estimate; without: every agent with history and the mined patterns.' +
        (service.consent.mcpServers ? ' For an agent, merged with what the memory server knows when one is configured (each pitfall names its source; memoryServer lists what only the server holds).' : ''),
      inputSchema: {
        agent: z.string().min(1).max(100).optional().describe('Agent name'),
        taskType: z.string().min(1).max(100).optional().describe('Look at runs of this task type first, e.g. security-fix'),
      },
      annotations: { readOnlyHint: true, openWorldHint: false },
    },
    async ({ agent, taskType }) => jsonResult((await service.queryLearnings(agent, taskType)) as Record<string, unknown>),
  );

  for (const kind of Object.keys(DOCUMENTS) as SessionDocumentKind[]) {
    const document = DOCUMENTS[kind];
    server.registerResource(
      `session-${kind}`,
      new ResourceTemplate(`${RESOURCE_SCHEME}://sessions/{sessionId}/${kind}`, {
        list: async () => ({
          resources: (await service.listSessions(LISTED_SESSIONS)).map((session) => ({
            uri: sessionResourceUri(session.sessionId, kind),
            name: `${session.sessionId}/${kind}`,
            title: `${document.title}: ${session.request.slice(0, 80)}`,
            mimeType: 'text/markdown',
          })),
        }),
      }),
      { title: document.title, description: document.description, mimeType: 'text/markdown' },
      async (uri, variables) => {
        const sessionId = Array.isArray(variables.sessionId) ? variables.sessionId[0] : variables.sessionId;
        const parsed = sessionIdSchema.safeParse(sessionId);
        if (!parsed.success) throw new McpError(ErrorCode.InvalidParams, `${uri.href}: ${parsed.error.issues[0]?.message ?? 'bad session id'}`);
        try {
          const { text } = await service.sessionDocument(parsed.data, kind);
          return { contents: [{ uri: uri.href, mimeType: 'text/markdown', text }] };
        } catch (error) {
          if (error instanceof RequestRefusedError) throw new McpError(RESOURCE_NOT_FOUND, `${uri.href}: ${error.message}`);
          throw error;
        }
      },
    );
  }

  return server;
}
