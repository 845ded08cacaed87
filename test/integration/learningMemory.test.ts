// Learnings mirrored to MCP memory servers started by the test over stdio: the reference knowledge-graph server
// (@modelcontextprotocol/server-memory) and a Memory Bank server of our own. The local store stays the source of
// truth: a server that is missing, hangs or answers nonsense costs a warning, never a record.
import { strict as assert } from 'node:assert';
import { execFile } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import type { McpServerDefinition } from '../../src/agents/mcp/mcpServerConfig';
import { MemoryServerLearnings, mergeLearnings } from '../../src/agents/memory/memoryServerLearnings';
import { AgentLearningSystem } from '../../src/core/learning/agentLearningSystem';
import { InMemoryLearningRepository } from '../../src/core/learning/inMemoryLearningRepository';
import { LearningRecordSchema, type LearningRecord } from '../../src/core/protocol/learning';
import { scratchCopyOfExample } from '../helpers/exampleWorkspace';

const run = promisify(execFile);
const CLI = path.resolve(__dirname, '..', '..', 'dist', 'cli.js');
const MEMORY_SERVER = require.resolve('@modelcontextprotocol/server-memory/dist/index.js');
const FAKE_SERVERS = path.resolve(__dirname, '..', 'fixtures', 'mcp', 'fakeMemoryServers.mjs');

function record(agent: string, sessionId: string, timestamp: number, options: { success?: boolean; duration?: number; errors?: string[] } = {}): LearningRecord {
  return LearningRecordSchema.parse({
    agent,
    timestamp,
    sessionId,
    taskType: 'security-fix',
    successPatterns: { toolSequence: ['Read', 'Grep', 'Edit'], duration: options.duration ?? 1200 },
    failures: { errors: options.errors ?? [] },
    outcomes: { success: options.success ?? true },
  });
}

function stdioServer(name: string, script: string, env: Record<string, string>): McpServerDefinition {
  return { name, source: '.mcp.json', transport: 'stdio', command: process.execPath, args: [script], env, cwd: os.tmpdir() };
}

function graphLines(file: string): { type: string; name?: string; observations?: string[]; from?: string; to?: string; relationType?: string }[] {
  return readFileSync(file, 'utf8').split('\n').filter((line) => line.trim()).map((line) => JSON.parse(line) as { type: string });
}

describe('learnings in an MCP memory server', function () {
  this.timeout(60_000);
  let dir: string;
  let warnings: string[];
  const open: MemoryServerLearnings[] = [];

  beforeEach(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'ao-memory-'));
    warnings = [];
  });
  afterEach(async () => {
    for (const memory of open.splice(0)) await memory.close(0);
    rmSync(dir, { recursive: true, force: true });
  });

  function start(server: McpServerDefinition, repository = new InMemoryLearningRepository(), options: { connectTimeoutMs?: number } = {}): MemoryServerLearnings {
    const memory = MemoryServerLearnings.start({ server, repository, workspaceRoot: dir, onWarning: (m) => warnings.push(m), callTimeoutMs: 10_000, ...options });
    open.push(memory);
    return memory;
  }

  it('writes executions, pitfalls and patterns to the reference server as a knowledge graph, and reads them back', async () => {
    const graphFile = path.join(dir, 'memory.jsonl');
    const server = stdioServer('memory', MEMORY_SERVER, { MEMORY_FILE_PATH: graphFile });
    const memory = start(server);
    memory.recordExecution(record('security-auditor', 'session_20261201_010000_aaaaaa', 1_000, { success: false, errors: ['Test command failed in test/auth.test.ts'] }));
    memory.recordExecution(record('security-auditor', 'session_20261201_020000_bbbbbb', 2_000));
    memory.recordPattern({ id: 'tool_sequence:security-auditor:Read>Grep>Edit', type: 'tool_sequence', name: 'Read → Grep → Edit', agent: 'security-auditor', sequence: ['Read', 'Grep', 'Edit'], context: '', support: 2, confidence: 80, discoveredAt: 2_000, sessionId: 'session_20261201_020000_bbbbbb' });
    await memory.flush(30_000);
    assert.equal(memory.state, 'ready', warnings.join('\n'));

    const lines = graphLines(graphFile);
    const agent = lines.find((line) => line.name === 'agent-orchestrator:agent:security-auditor');
    assert.ok(agent, 'an entity for the agent');
    assert.equal(agent.observations?.filter((o) => o.startsWith('execution in session ')).length, 2);
    assert.ok(agent.observations?.some((o) => o.includes('session_20261201_010000_aaaaaa') && o.includes('failed in 1200 ms')));
    const pitfall = lines.find((line) => line.name?.startsWith('agent-orchestrator:pitfall:security-auditor:'));
    assert.ok(pitfall?.observations?.includes('issue: Test command failed in test/auth.test.ts'));
    assert.ok(lines.some((line) => line.type === 'relation' && line.relationType === 'ran_into' && line.to === pitfall?.name));
    assert.ok(lines.some((line) => line.type === 'relation' && line.relationType === 'learned_from' && line.from === 'agent-orchestrator:pattern:tool_sequence:security-auditor:Read>Grep>Edit'));

    // Another machine, with an empty local store, learns from the same server and is told where each item came from.
    await memory.close();
    const elsewhere = start(server);
    const knowledge = await elsewhere.knowledgeFor('security-auditor');
    assert.ok(knowledge);
    assert.equal(knowledge.executions.length, 2);
    const repository = new InMemoryLearningRepository();
    const learning = new AgentLearningSystem({ repository, persist: (r) => repository.add(r) });
    learning.recordAgentExecution('security-auditor', record('security-auditor', 'session_20261201_030000_cccccc', 3_000, { success: false, errors: ['Test command failed in test/users.test.ts'] }));
    const merged = mergeLearnings(learning.queryLearnings('security-auditor'), knowledge, { name: 'memory', problem: null }, new Set(['session_20261201_030000_cccccc']));
    assert.equal(merged.memoryServer.status, 'ok');
    assert.deepEqual(merged.memoryServer.executionsOnlyInServer.map((e) => e.sessionId).sort(), ['session_20261201_010000_aaaaaa', 'session_20261201_020000_bbbbbb']);
    // The same pitfall (another file, same problem) is known to both: one item, marked as such.
    assert.deepEqual(merged.commonPitfalls.map((p) => p.source), ['both']);
    assert.equal(merged.memoryServer.patterns[0]?.name, 'Read → Grep → Edit');
    assert.equal(merged.memoryServer.patterns[0]?.source, 'memory-server');
  });

  it('loses nothing while the server is down: a later start writes the local store\'s executions it lacks', async () => {
    const repository = new InMemoryLearningRepository();
    repository.add(record('docs-writer', 'session_20261201_040000_dddddd', 4_000));
    const down = start(stdioServer('memory', path.join(dir, 'no-such-server.js'), {}));
    down.recordExecution(record('docs-writer', 'session_20261201_050000_eeeeee', 5_000));
    repository.add(record('docs-writer', 'session_20261201_050000_eeeeee', 5_000));
    await down.flush(30_000);
    assert.equal(down.state, 'unavailable');
    assert.match(warnings.join('\n'), /MCP server "memory": could not start .*Learnings stay in the local store/s);

    const graphFile = path.join(dir, 'memory.jsonl');
    const up = start(stdioServer('memory', MEMORY_SERVER, { MEMORY_FILE_PATH: graphFile }), repository);
    await up.flush(30_000);
    assert.equal(up.state, 'ready', warnings.join('\n'));
    const agent = graphLines(graphFile).find((line) => line.name === 'agent-orchestrator:agent:docs-writer');
    const sessions = (agent?.observations ?? []).map((o) => /session (\S+)/.exec(o)?.[1]).sort();
    assert.deepEqual(sessions, ['session_20261201_040000_dddddd', 'session_20261201_050000_eeeeee']);
  });

  it('gives up on a server that never answers, within the time limit, and stops its process', async () => {
    const pidFile = path.join(dir, 'hung.pid');
    const hung = start(stdioServer('memory', FAKE_SERVERS, { FAKE_MEMORY_MODE: 'hang', FAKE_PID_FILE: pidFile }), new InMemoryLearningRepository(), { connectTimeoutMs: 1_000 });
    hung.recordExecution(record('security-auditor', 'session_20261201_060000_ffffff', 6_000));
    await hung.flush(30_000);
    assert.equal(hung.state, 'unavailable');
    assert.match(hung.problem ?? '', /did not answer within 1000 ms/);
    assert.equal(await hung.knowledgeFor('security-auditor'), null);
    const pid = Number(readFileSync(pidFile, 'utf8'));
    assert.throws(() => process.kill(pid, 0), /ESRCH/, 'the hung server was stopped');
  });

  it('reports a server whose answers are not a graph, by name, instead of failing later', async () => {
    const malformed = start(stdioServer('memory', FAKE_SERVERS, { FAKE_MEMORY_MODE: 'malformed' }));
    await malformed.flush(30_000);
    assert.equal(malformed.state, 'unavailable');
    assert.match(malformed.problem ?? '', /MCP server "memory": returned something that is not JSON: <html>502/);
  });

  it('keeps the learnings in a Memory Bank server\'s file tools, as one file in a project named after the workspace', async () => {
    const bankRoot = path.join(dir, 'bank');
    const server = stdioServer('memory-bank', FAKE_SERVERS, { FAKE_MEMORY_MODE: 'bank', MEMORY_BANK_ROOT: bankRoot });
    const memory = start(server);
    memory.recordExecution(record('test-suite-developer', 'session_20261201_070000_abcdef', 7_000));
    await memory.flush(30_000);
    memory.recordExecution(record('test-suite-developer', 'session_20261201_080000_abcdef', 8_000));
    await memory.flush(30_000);
    assert.equal(memory.state, 'ready', warnings.join('\n'));
    const file = path.join(bankRoot, path.basename(dir), 'agent-orchestrator-learnings.json');
    assert.ok(existsSync(file));
    const knowledge = await memory.knowledgeFor('test-suite-developer');
    assert.deepEqual(knowledge?.executions.map((e) => e.sessionId), ['session_20261201_070000_abcdef', 'session_20261201_080000_abcdef']);
  });
});

describe('the CLI with a memory server in .mcp.json', function () {
  this.timeout(240_000);
  let workspace: string;
  let graphFile: string;

  before(() => {
    workspace = scratchCopyOfExample();
    graphFile = path.join(workspace, '..', `${path.basename(workspace)}-memory.jsonl`);
    writeFileSync(path.join(workspace, '.mcp.json'), JSON.stringify({
      mcpServers: { memory: { command: process.execPath, args: [MEMORY_SERVER], env: { MEMORY_FILE_PATH: '${AO_TEST_MEMORY_FILE}' } } },
    }));
    mkdirSync(path.join(workspace, '.agent-orchestrator'), { recursive: true });
  });
  after(() => {
    rmSync(workspace, { recursive: true, force: true });
    rmSync(graphFile, { force: true });
  });

  const cli = async (...args: string[]) => run(process.execPath, [CLI, ...args, '--workspace', workspace], { env: { ...process.env, AO_TEST_MEMORY_FILE: graphFile, NO_COLOR: '1' }, maxBuffer: 32 * 1024 * 1024 });

  it('starts the memory server only with --allow-mcp, mirrors the run\'s learnings, and merges them into `learnings`', async () => {
    const withoutConsent = await cli('run', 'Fix security vulnerability in authentication endpoint', '--json');
    assert.match(withoutConsent.stderr, /The memory server "memory" \(\.mcp\.json\) was not started: .*--allow-mcp/);
    assert.equal(existsSync(graphFile), false, 'nothing was started without consent');

    const withConsent = await cli('run', 'Fix security vulnerability in authentication endpoint', '--json', '--allow-mcp');
    const result = JSON.parse(withConsent.stdout) as { sessionId: string };
    const lines = graphLines(graphFile);
    const agents = lines.filter((line) => line.name?.startsWith('agent-orchestrator:agent:'));
    assert.ok(agents.length >= 2, 'an entity per agent that ran');
    // Both runs are there: the first one's executions were written by the backfill of the second.
    const sessions = new Set(agents.flatMap((a) => a.observations ?? []).map((o) => /session (\S+)/.exec(o)?.[1]));
    assert.ok(sessions.has(result.sessionId));
    assert.equal(sessions.size, 2);

    const learnings = JSON.parse((await cli('learnings', 'security-auditor', '--json', '--allow-mcp')).stdout) as { sampleSize: number; memoryServer: { status: string; server: string; executionsOnlyInServer: unknown[] } };
    assert.equal(learnings.memoryServer.status, 'ok');
    assert.equal(learnings.memoryServer.server, 'memory');
    assert.equal(learnings.memoryServer.executionsOnlyInServer.length, 0, 'the server holds nothing the local store lacks');
    assert.equal(learnings.sampleSize, 2);
  });

  it('merges the memory server\'s learnings into query_learnings of `agent-orchestrator mcp --allow-mcp`, naming the source', async () => {
    // The same project (same folder name) on another machine: its store is empty, the memory server knows two runs.
    const elsewhere = path.join(mkdtempSync(path.join(os.tmpdir(), 'ao-elsewhere-')), path.basename(workspace));
    cpSync(workspace, elsewhere, { recursive: true, filter: (source) => !source.includes(`${path.sep}.agent-orchestrator`) });
    const query = async (...flags: string[]): Promise<Record<string, unknown>> => {
      const client = new Client({ name: 'learnings-test', version: '1.0.0' });
      await client.connect(new StdioClientTransport({
        command: process.execPath,
        args: [CLI, 'mcp', '--workspace', elsewhere, ...flags],
        env: { ...process.env, AO_TEST_MEMORY_FILE: graphFile, NO_COLOR: '1' } as Record<string, string>,
        stderr: 'pipe',
      }));
      try {
        const result = await client.callTool({ name: 'query_learnings', arguments: { agent: 'security-auditor' } });
        assert.notEqual(result.isError, true, JSON.stringify(result.content));
        return result.structuredContent as Record<string, unknown>;
      } finally {
        await client.close();
      }
    };
    try {
      const localOnly = await query();
      assert.equal(localOnly.sampleSize, 0);
      assert.equal(localOnly.memoryServer, undefined, 'without --allow-mcp the memory server is not started');

      const merged = await query('--allow-mcp') as { sampleSize: number; memoryServer: { server: string; status: string; executionsOnlyInServer: { sessionId: string }[] } };
      assert.equal(merged.sampleSize, 0, 'the local store stays as it was');
      assert.equal(merged.memoryServer.server, 'memory');
      assert.equal(merged.memoryServer.status, 'ok');
      assert.equal(merged.memoryServer.executionsOnlyInServer.length, 2, JSON.stringify(merged.memoryServer));
    } finally {
      rmSync(path.dirname(elsewhere), { recursive: true, force: true });
    }
  });
});
