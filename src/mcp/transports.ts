// How the MCP server is reached: stdio (the client starts the process) or Streamable HTTP on 127.0.0.1 with a bearer
// token. Over stdio, stdout is the protocol channel: nothing else may write to it.
import { randomBytes, timingSafeEqual } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { createMcpServer } from './mcpServer';
import type { OrchestratorService } from './orchestratorService';
import { MCP_TOKEN_ENV } from './tokenEnv';

export const MCP_HTTP_PATH = '/mcp';
export { MCP_TOKEN_ENV };
/** A request body larger than this is refused before it is read into memory. */
const MAX_BODY_BYTES = 1024 * 1024;

/** Serves until stdin closes (the client went away), then cancels a run in progress and releases the store. */
export async function serveStdio(service: OrchestratorService, version: string): Promise<void> {
  const server = createMcpServer(service, version);
  const closed = new Promise<void>((resolve) => {
    server.server.onclose = () => resolve();
  });
  await server.connect(new StdioServerTransport());
  // The SDK's stdio transport does not notice the end of stdin; a client that exits must not leave us running. A
  // client stopping us by signal gets the same clean end: a run in progress is cancelled and recorded as such.
  let stop = (): void => undefined;
  const stopped = new Promise<void>((resolve) => {
    stop = () => resolve();
    process.stdin.once('end', stop);
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  try {
    await Promise.race([closed, stopped]);
    await service.close();
    await server.close();
  } finally {
    process.stdin.off('end', stop);
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
  }
}

export interface HttpServerHandle {
  url: string;
  token: string;
  close(): Promise<void>;
}

function tokenMatches(header: string | undefined, token: string): boolean {
  const match = /^Bearer (.+)$/.exec(header ?? '');
  if (!match) return false;
  const given = Buffer.from(match[1] as string);
  const expected = Buffer.from(token);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

function refuse(res: http.ServerResponse, status: number, message: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify({ jsonrpc: '2.0', error: { code: -32000, message }, id: null }));
}

/**
 * Streamable HTTP, stateless: every POST gets its own protocol server over the one shared service, so a cancel_run
 * sent on one request reaches the run another request started. Bound to 127.0.0.1 only.
 */
export async function serveHttp(service: OrchestratorService, version: string, options: { port: number; token?: string }): Promise<HttpServerHandle> {
  const token = options.token ?? randomBytes(24).toString('base64url');
  let port = options.port;
  const httpServer = http.createServer((req, res) => {
    void handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) refuse(res, 500, error instanceof Error ? error.message : String(error));
      else res.end();
    });
  });

  async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    if (url.pathname !== MCP_HTTP_PATH) return refuse(res, 404, `Not found: the MCP endpoint is ${MCP_HTTP_PATH}`);
    if (!tokenMatches(req.headers.authorization, token)) {
      return refuse(res, 401, 'Unauthorized: send the token printed at start (or set in ' + MCP_TOKEN_ENV + ') as "Authorization: Bearer <token>"', { 'www-authenticate': 'Bearer' });
    }
    if (req.method !== 'POST') return refuse(res, 405, 'This server is stateless: only POST is supported', { allow: 'POST' });
    const server = createMcpServer(service, version);
    const transport = new StreamableHTTPServerTransport({
      sessionIdGenerator: undefined,
      enableDnsRebindingProtection: true,
      allowedHosts: [`127.0.0.1:${port}`, `localhost:${port}`],
      maxRequestBodySize: MAX_BODY_BYTES,
    });
    res.on('close', () => {
      void transport.close();
      void server.close();
    });
    await server.connect(transport);
    await transport.handleRequest(req, res);
  }

  await new Promise<void>((resolve, reject) => {
    httpServer.once('error', reject);
    httpServer.listen(options.port, '127.0.0.1', () => {
      httpServer.off('error', reject);
      resolve();
    });
  });
  port = (httpServer.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}${MCP_HTTP_PATH}`,
    token,
    async close() {
      await service.close();
      httpServer.closeAllConnections();
      await new Promise<void>((resolve) => httpServer.close(() => resolve()));
    },
  };
}
