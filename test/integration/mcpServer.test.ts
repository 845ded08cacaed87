// `agent-orchestrator mcp` as an MCP client sees it: the built CLI (dist/cli.js) started by the SDK's Client over
// stdio, on a copy of the example workspace; one test over Streamable HTTP on 127.0.0.1 with and without the token.
import { strict as assert } from 'node:assert';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { rmSync } from 'node:fs';
import path from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { McpError, type CallToolResult, type Progress } from '@modelcontextprotocol/sdk/types.js';
import { SessionStore, storeDirFor } from '../../src/core/store/sessionStore';
import { mcpServerLaunch } from '../../src/vscode/mcpServerLaunch';
import { scratchCopyOfExample } from '../helpers/exampleWorkspace';

const repoRoot = path.resolve(__dirname, '..', '..');
const CLI = path.join(repoRoot, 'dist', 'cli.js');
const REQUEST = 'Fix security vulnerability in authentication endpoint';

function connectStdio(workspace: string, stderr: string[], extraArgs: string[] = []): Promise<Client> {
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [CLI, 'mcp', '--workspace', workspace, ...extraArgs],
    cwd: repoRoot,
    env: { ...(process.env as Record<string, string>), NO_COLOR: '1' },
    stderr: 'pipe',
  });
  transport.stderr?.on('data', (chunk: Buffer) => stderr.push(chunk.toString('utf8')));
  const client = new Client({ name: 'mcp-server-test', version: '1.0.0' });
  return client.connect(transport).then(() => client);
}

function textOf(result: CallToolResult): string {
  return result.content.map((part) => (part.type === 'text' ? part.text : '')).join('\n');
}

async function call<T>(client: Client, name: string, args: Record<string, unknown>): Promise<T> {
  const result = (await client.callTool({ name, arguments: args })) as CallToolResult;
  assert.notEqual(result.isError, true, `${name} failed: ${textOf(result)}`);
  return result.structuredContent as T;
}

async function callError(client: Client, name: string, args: Record<string, unknown>): Promise<string> {
  const result = (await client.callTool({ name, arguments: args })) as CallToolResult;
  assert.equal(result.isError, true, `${name} should have failed, got ${textOf(result)}`);
  return textOf(result);
}

interface RunOutcome {
  sessionId: string;
  status: string;
  success: boolean;
  summary: { request: string; findings: number; agents: number };
  findings: { file: string; severity: string; ruleId: string }[];
  changes: { file: string; applied: boolean; diff: string }[];
}

interface SessionSummary {
  sessionId: string;
  status: string;
  request: string;
}

describe('agent-orchestrator mcp (stdio, SDK client)', function () {
  let workspace: string;
  let client: Client;
  const stderr: string[] = [];
  let completed: RunOutcome;

  before(async () => {
    workspace = scratchCopyOfExample();
    client = await connectStdio(workspace, stderr);
  });

  after(async () => {
    await client?.close();
    rmSync(workspace, { recursive: true, force: true });
  });

  it('offers the orchestrator tools and the session resource templates', async () => {
    const { tools } = await client.listTools();
    assert.deepEqual(tools.map((tool) => tool.name).sort(), ['cancel_run', 'get_findings', 'get_session', 'list_sessions', 'orchestrate_request', 'plan_request', 'query_learnings']);
    const orchestrate = tools.find((tool) => tool.name === 'orchestrate_request');
    assert.deepEqual((orchestrate?.inputSchema.required ?? []).slice().sort(), ['request']);
    const { resourceTemplates } = await client.listResourceTemplates();
    assert.deepEqual(resourceTemplates.map((template) => template.uriTemplate).sort(), [
      'agent-orchestrator://sessions/{sessionId}/dashboard',
      'agent-orchestrator://sessions/{sessionId}/log',
      'agent-orchestrator://sessions/{sessionId}/report',
    ]);
  });

  it('plans the seed request without running anything', async () => {
    const planned = await call<{ plan: { agents: { name: string }[] }; roster: { name: string }[] }>(client, 'plan_request', { request: REQUEST });
    assert.deepEqual(planned.plan.agents.map((agent) => agent.name), ['security-auditor', 'backend-api-developer', 'test-suite-developer', 'docs-writer']);
    assert.ok(planned.roster.some((agent) => agent.name === 'api-reviewer'), 'the workspace agent file is in the roster');
    assert.deepEqual((await call<{ sessions: unknown[] }>(client, 'list_sessions', {})).sessions, []);
  });

  it('runs a request with progress notifications and answers with the session, its summary and findings; the lock is released after', async () => {
    const updates: Progress[] = [];
    const result = (await client.callTool({ name: 'orchestrate_request', arguments: { request: REQUEST } }, undefined, {
      onprogress: (progress) => updates.push(progress),
    })) as CallToolResult;
    completed = result.structuredContent as unknown as RunOutcome;
    assert.equal(completed.status, 'completed', textOf(result));
    assert.match(completed.sessionId, /^session_\d{8}_\d{6}_[0-9a-f]{6}$/);
    assert.equal(completed.summary.request, REQUEST);
    assert.ok(completed.findings.some((finding) => finding.file === 'src/routes/auth.ts'), 'the auth endpoint finding is in the result');
    assert.ok(completed.changes.length > 0 && completed.changes.every((change) => !change.applied), 'changes are proposed as diffs, not written');

    const messages = updates.map((update) => update.message);
    assert.equal(messages[0], `Session ${completed.sessionId} started`);
    assert.ok(messages.includes('security-auditor started') && messages.includes('security-auditor completed'), messages.join(' | '));
    assert.equal(messages.at(-1), 'Run completed');
    assert.ok(updates.every((update, i) => i === 0 || update.progress > (updates[i - 1] as Progress).progress), 'progress grows with every notification');
    assert.equal(updates.at(-1)?.progress, updates.at(-1)?.total);

    // The server holds the store's write lock only during the run: the CLI or VS Code can take it now.
    const store = await SessionStore.open({ dir: storeDirFor(workspace), mode: 'write' });
    await store.close();
  });

  it('refuses apply and allowCommands unless the server was started with --allow-apply / --allow-commands', async () => {
    const before = (await call<{ sessions: SessionSummary[] }>(client, 'list_sessions', {})).sessions.length;
    assert.match(await callError(client, 'orchestrate_request', { request: REQUEST, apply: true }), /^apply: .*--allow-apply/);
    assert.match(await callError(client, 'orchestrate_request', { request: REQUEST, allowCommands: true }), /^allowCommands: .*--allow-commands/);
    assert.equal((await call<{ sessions: SessionSummary[] }>(client, 'list_sessions', {})).sessions.length, before, 'no run was started');
  });

  it('cancels a running request by its session id', async () => {
    let cancelled: Promise<{ sessionId: string; status: string }> | undefined;
    let sessionId = '';
    const run = client.callTool({ name: 'orchestrate_request', arguments: { request: REQUEST } }, undefined, {
      onprogress: (progress) => {
        const started = /^Session (\S+) started$/.exec(progress.message ?? '');
        if (started) sessionId = started[1] as string;
        // Cancelled once the first agent works: the run is then surely in progress.
        if (!cancelled && progress.message?.endsWith(' started') && !started) cancelled = call(client, 'cancel_run', { sessionId });
      },
    });
    const outcome = ((await run) as CallToolResult).structuredContent as unknown as RunOutcome;
    assert.ok(cancelled, 'an agent started');
    assert.deepEqual(await cancelled, { sessionId, status: 'cancelled' });
    assert.equal(outcome.sessionId, sessionId);
    assert.equal(outcome.status, 'cancelled');
    const sessions = (await call<{ sessions: SessionSummary[] }>(client, 'list_sessions', {})).sessions;
    assert.equal(sessions.find((session) => session.sessionId === sessionId)?.status, 'cancelled');
    assert.match(await callError(client, 'cancel_run', { sessionId }), /is not running here \(its status is cancelled\)/);
  });

  it('lists sessions, gets one with its agents, findings and changes, filters findings and queries learnings', async () => {
    const { sessions } = await call<{ sessions: SessionSummary[] }>(client, 'list_sessions', { limit: 5 });
    assert.ok(sessions.some((session) => session.sessionId === completed.sessionId && session.status === 'completed'));

    const session = await call<{ session: SessionSummary; summary: { findings: number; status: string }; agents: { name: string; status: string }[]; findings: unknown[]; changes: { diff: string }[] }>(
      client,
      'get_session',
      { sessionId: completed.sessionId },
    );
    assert.equal(session.session.sessionId, completed.sessionId);
    assert.equal(session.summary.status, 'completed');
    assert.equal(session.summary.findings, completed.findings.length);
    assert.deepEqual(session.findings, completed.findings);
    assert.ok(session.agents.some((agent) => agent.name === 'security-auditor' && agent.status === 'completed'));
    assert.ok(session.changes.some((change) => change.diff.includes('@@')), 'changes carry their diffs');

    const severities = [...new Set(completed.findings.map((finding) => finding.severity))];
    const picked = severities[0] as string;
    const filtered = await call<{ sessionId: string; findings: { severity: string }[] }>(client, 'get_findings', { sessionId: completed.sessionId, severity: [picked] });
    assert.equal(filtered.findings.length, completed.findings.filter((finding) => finding.severity === picked).length);
    assert.ok(filtered.findings.every((finding) => finding.severity === picked));

    const learnings = await call<{ agent: string; sampleSize: number }>(client, 'query_learnings', { agent: 'security-auditor' });
    assert.equal(learnings.agent, 'security-auditor');
    assert.ok(learnings.sampleSize >= 1, 'the completed run was recorded');
    const all = await call<{ agents: { name: string }[] }>(client, 'query_learnings', {});
    assert.ok(all.agents.some((agent) => agent.name === 'security-auditor'));
  });

  it('reads the log, report and dashboard of a session as Markdown resources', async () => {
    const { resources } = await client.listResources();
    for (const kind of ['log', 'report', 'dashboard']) {
      const uri = `agent-orchestrator://sessions/${completed.sessionId}/${kind}`;
      assert.ok(resources.some((resource) => resource.uri === uri), `${uri} is listed`);
      const { contents } = await client.readResource({ uri });
      assert.equal(contents[0]?.mimeType, 'text/markdown');
      const text = (contents[0] as { text: string }).text;
      assert.ok(text.includes('security-auditor'), `${kind} names the agent`);
    }
    const report = ((await client.readResource({ uri: `agent-orchestrator://sessions/${completed.sessionId}/report` })).contents[0] as { text: string }).text;
    assert.ok(report.includes('src/routes/auth.ts'), 'the report lists the finding');
  });

  it('answers bad arguments with an error that names the field', async () => {
    assert.match(await callError(client, 'plan_request', { request: 42 }), /expected string, received number at request$/);
    assert.match(await callError(client, 'plan_request', {}), /at request$/);
    assert.match(await callError(client, 'orchestrate_request', { request: '   ' }), /request is empty/);
    assert.match(await callError(client, 'get_session', { sessionId: '../../etc/passwd' }), /sessionId must be a session id .* at sessionId$/);
    assert.match(await callError(client, 'list_sessions', { limit: 0 }), /at limit$/);
    assert.match(await callError(client, 'get_findings', { sessionId: 'latest', severity: ['urgent'] }), /at severity\[0\]$/);
    assert.match(await callError(client, 'orchestrate_request', { request: REQUEST, apply: 'yes' }), /expected boolean, received string at apply$/);
  });

  it('says clearly that a session does not exist, for tools and resources', async () => {
    const missing = 'session_20990101_000000_abcdef';
    assert.match(await callError(client, 'get_session', { sessionId: missing }), new RegExp(`sessionId: no session ${missing}`));
    assert.match(await callError(client, 'cancel_run', { sessionId: missing }), new RegExp(`No session ${missing}`));
    await assert.rejects(client.readResource({ uri: `agent-orchestrator://sessions/${missing}/report` }), (error: unknown) => {
      assert.ok(error instanceof McpError);
      assert.equal(error.code, -32002);
      assert.match(error.message, new RegExp(`no session ${missing}`));
      return true;
    });
    assert.equal(stderr.join('').includes('Error'), false, stderr.join(''));
  });
});

describe('agent-orchestrator mcp stopped by its client', function () {
  let workspace: string;

  before(() => {
    workspace = scratchCopyOfExample();
  });

  after(() => {
    rmSync(workspace, { recursive: true, force: true });
  });

  it('records a run in progress as cancelled and releases the store when terminated (SIGTERM) mid-run', async () => {
    const transport = new StdioClientTransport({ command: process.execPath, args: [CLI, 'mcp', '--workspace', workspace], cwd: repoRoot, stderr: 'pipe' });
    const client = new Client({ name: 'mcp-sigterm-test', version: '1.0.0' });
    await client.connect(transport);
    const exited = new Promise<void>((resolve) => (client.onclose = resolve));
    let sessionId = '';
    let terminated = false;
    const run = client
      .callTool({ name: 'orchestrate_request', arguments: { request: REQUEST } }, undefined, {
        onprogress: (progress) => {
          const started = /^Session (\S+) started$/.exec(progress.message ?? '');
          if (started) sessionId = started[1] as string;
          else if (!terminated && progress.message?.endsWith(' started')) {
            terminated = true;
            process.kill(transport.pid as number, 'SIGTERM');
          }
        },
      })
      .then(
        () => 'answered',
        () => 'connection closed',
      );
    await exited;
    await run;
    assert.ok(terminated && sessionId, 'an agent had started when the server was terminated');
    // The write lock is free again and the session was ended as cancelled, not left running.
    const store = await SessionStore.open({ dir: storeDirFor(workspace), mode: 'write' });
    try {
      assert.equal(store.getSession(sessionId)?.status, 'cancelled');
    } finally {
      await store.close();
    }
  });
});

describe('the MCP server definition VS Code is given', function () {
  let workspace: string;

  before(() => {
    workspace = scratchCopyOfExample();
  });

  after(() => {
    rmSync(workspace, { recursive: true, force: true });
  });

  it('starts the bundled CLI as a working MCP server on the workspace folder', async () => {
    // Extension root = repository root: dist/cli.js is where the VSIX has it.
    const launch = mcpServerLaunch(repoRoot, workspace, process.execPath);
    assert.match(launch.label, new RegExp(path.basename(workspace)));
    const client = new Client({ name: 'vscode-like', version: '1.0.0' });
    await client.connect(new StdioClientTransport({ command: launch.command, args: launch.args, env: { ...(process.env as Record<string, string>), ...launch.env }, stderr: 'pipe' }));
    try {
      const planned = await call<{ plan: { agents: { name: string }[] } }>(client, 'plan_request', { request: REQUEST });
      assert.equal(planned.plan.agents[0]?.name, 'security-auditor');
      assert.equal(client.getServerVersion()?.name, 'agent-orchestrator');
    } finally {
      await client.close();
    }
  });
});

describe('agent-orchestrator mcp --http (Streamable HTTP on 127.0.0.1)', function () {
  let workspace: string;
  let child: ChildProcess;
  const TOKEN = 'test-token-0123456789abcdef';

  before(() => {
    workspace = scratchCopyOfExample();
  });

  after(async () => {
    if (child && child.exitCode === null && child.signalCode === null) {
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      await exited;
    }
    rmSync(workspace, { recursive: true, force: true });
  });

  it('answers only requests that carry the token', async () => {
    child = spawn(process.execPath, [CLI, 'mcp', '--http', '0', '--workspace', workspace], {
      cwd: repoRoot,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, NO_COLOR: '1', AGENT_ORCHESTRATOR_MCP_TOKEN: TOKEN },
    });
    let stdout = '';
    child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    const url = await new Promise<string>((resolve, reject) => {
      let stderr = '';
      child.stderr?.on('data', (chunk: Buffer) => {
        stderr += chunk.toString('utf8');
        const match = /URL: +(http:\/\/127\.0\.0\.1:\d+\/mcp)/.exec(stderr);
        if (match) resolve(match[1] as string);
      });
      child.once('exit', (code) => reject(new Error(`the server exited (${code}): ${stderr}`)));
    });
    assert.equal(new URL(url).hostname, '127.0.0.1');

    const body = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list', params: {} });
    const headers = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };
    assert.equal((await fetch(url, { method: 'POST', headers, body })).status, 401);
    assert.equal((await fetch(url, { method: 'POST', headers: { ...headers, authorization: 'Bearer wrong-token-0123456789ab' }, body })).status, 401);

    const client = new Client({ name: 'mcp-http-test', version: '1.0.0' });
    await client.connect(new StreamableHTTPClientTransport(new URL(url), { requestInit: { headers: { authorization: `Bearer ${TOKEN}` } } }));
    try {
      const planned = await call<{ plan: { agents: { name: string }[] } }>(client, 'plan_request', { request: REQUEST });
      assert.equal(planned.plan.agents[0]?.name, 'security-auditor');
      assert.deepEqual((await call<{ sessions: unknown[] }>(client, 'list_sessions', {})).sessions, []);
    } finally {
      await client.close();
    }
    assert.equal(stdout, '', 'nothing but the protocol, and over HTTP nothing at all, goes to stdout');
  });
});
