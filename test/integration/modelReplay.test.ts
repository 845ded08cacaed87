// The seed's Example 1 with model agents: dist/cli.js runs against a local OpenAI-compatible server playing a
// script per agent; then, with the server stopped, `replay` re-executes the session from its journal alone.
import { strict as assert } from 'node:assert';
import { execFile } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { scratchCopyOfExample } from '../helpers/exampleWorkspace';
import { startScriptedModelServer, type AgentScripts } from '../helpers/scriptedModelServer';
import type { OrchestratorEvent } from '../../src/core/protocol/events';

const repoRoot = path.resolve(__dirname, '..', '..');
const cli = path.join(repoRoot, 'dist', 'cli.js');
const REQUEST = 'Fix security vulnerability in authentication endpoint';
const scripts = JSON.parse(readFileSync(path.join(repoRoot, 'test', 'fixtures', 'recorded', 'example1.replies.json'), 'utf8')) as AgentScripts;

interface CliResult { code: number; stdout: string; stderr: string }

// Asynchronous: the scripted server runs in this process and must keep answering while the CLI waits on it.
async function runCli(args: string[]): Promise<CliResult> {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [cli, ...args], { env: { ...process.env, OPENAI_API_KEY: 'test-key', NO_COLOR: '1' }, encoding: 'utf8' });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

describe('model agents: the seed\'s Example 1 recorded and replayed (integration)', function () {
  this.timeout(240_000);
  let workspace: string;
  let events: OrchestratorEvent[];

  before(async () => {
    workspace = scratchCopyOfExample();
    // The rule planner plans this run, so the recorded turns are the agents' own (a model-made plan has its own test).
    mkdirSync(path.join(workspace, '.agent-orchestrator'), { recursive: true });
    writeFileSync(path.join(workspace, '.agent-orchestrator', 'config.json'), JSON.stringify({ models: { agents: { orchestrator: { provider: 'offline' } } } }));
    const server = await startScriptedModelServer(scripts);
    let run: CliResult;
    try {
      run = await runCli(['run', REQUEST, '-w', workspace, '--provider', 'openai-compatible', '--base-url', server.baseUrl, '--model', 'test-model', '--apply']);
    } finally {
      await server.close();
    }
    assert.equal(run.code, 0, run.stdout + run.stderr);
    events = JSON.parse((await runCli(['show', 'latest', '-w', workspace, '--json'])).stdout) as OrchestratorEvent[];
  });
  after(() => rmSync(workspace, { recursive: true, force: true }));

  it('the auditor reports the missing tenant filter and tells the developer, who fixes it, asks for validation, hands off to tests; docs are written', () => {
    const finding = events.find((event) => event.type === 'finding.reported');
    assert.equal(finding?.type === 'finding.reported' && `${finding.payload.agent} ${finding.payload.finding.ruleId} ${finding.payload.finding.file}:${finding.payload.finding.line}`, 'security-auditor missing-tenant-filter src/routes/invoices.ts:20');
    const messages = events.flatMap((event) => (event.type === 'message.sent' ? [`${event.payload.message.type}:${event.payload.message.from}->${event.payload.message.to}`] : []));
    assert.ok(messages.includes('context_share:security-auditor->backend-api-developer'), messages.join(', '));
    const validation = events.find((event) => event.type === 'validation.requested');
    assert.deepEqual(validation?.type === 'validation.requested' && [validation.payload.from, validation.payload.to, validation.payload.files], ['backend-api-developer', 'security-auditor', ['src/routes/invoices.ts']]);
    const handoff = events.find((event) => event.type === 'handoff.initiated');
    assert.deepEqual(handoff?.type === 'handoff.initiated' && [handoff.payload.package.from, handoff.payload.package.to], ['backend-api-developer', 'test-suite-developer']);
    const turns = events.filter((event) => event.type === 'model.exchange').length;
    assert.equal(turns, Object.values(scripts).reduce((sum, list) => sum + list.length, 0) + 1, 'one journaled exchange per model turn (api-reviewer has one unscripted turn)');
    assert.match(readFileSync(path.join(workspace, 'src', 'routes', 'invoices.ts'), 'utf8'), /findFirst\(\{ where: \{ id: req\.params\.id, organizationId: req\.user\.organizationId \} \}\)/);
    assert.match(readFileSync(path.join(workspace, 'SECURITY-FIX.md'), 'utf8'), /filters by the caller's organization/);
  });

  it('journals the config file the auditor read with its JWT key masked', () => {
    const exchanges = events.filter((event) => event.type === 'model.exchange').map((event) => JSON.stringify(event.payload));
    assert.ok(exchanges.some((text) => text.includes('jwtSecret')), 'the auditor read src/config.ts');
    assert.ok(!exchanges.some((text) => text.includes('jwt-signing-key-7f3c9a1e5b2d8046')));
  });

  // Also proves the comparison masks the live request: the replayed Read returns the real key, the journal the masked one.
  it('replays the session with no server: same events and the same file changes, exit 0', async () => {
    const replay = await runCli(['replay', 'latest', '-w', workspace, '--json']);
    assert.equal(replay.code, 0, replay.stdout + replay.stderr);
    const outcome = JSON.parse(replay.stdout) as { same: boolean; modelTurns: number; events: { recorded: number; replayed: number }; filesChanged: string[] };
    assert.equal(outcome.same, true);
    assert.equal(outcome.events.replayed, outcome.events.recorded);
    assert.deepEqual(outcome.filesChanged.sort(), ['SECURITY-FIX.md', 'src/routes/invoices.ts']);
  });

  it('a changed prompt makes replay name the agent and the first turn that diverges, exit 1', async () => {
    const agentFile = path.join(workspace, '.claude', 'agents', 'api-reviewer.md');
    const original = readFileSync(agentFile, 'utf8');
    writeFileSync(agentFile, original.replace(/\n---\n/, '\n---\nAlso check rate limits.\n'));
    try {
      const replay = await runCli(['replay', 'latest', '-w', workspace]);
      assert.equal(replay.code, 1, replay.stdout + replay.stderr);
      assert.match(replay.stdout, /Diverges: api-reviewer, model turn 1: message 1 \(system\) differs/);
    } finally {
      writeFileSync(agentFile, original);
    }
  });

  it('a changed tool list makes replay report the tools of the first turn, exit 1', async () => {
    const agentFile = path.join(workspace, '.claude', 'agents', 'api-reviewer.md');
    const original = readFileSync(agentFile, 'utf8');
    writeFileSync(agentFile, original.replace('tools: Read, Grep, Glob', 'tools: Read, Grep'));
    try {
      const replay = await runCli(['replay', 'latest', '-w', workspace]);
      assert.equal(replay.code, 1, replay.stdout + replay.stderr);
      assert.match(replay.stdout, /Diverges: api-reviewer, model turn 1: tools offered: recorded \[Read, Glob, Grep, report_finding[^\]]*\], now \[Read, Grep, report_finding/);
    } finally {
      writeFileSync(agentFile, original);
    }
  });

  // Runs last in this suite: it adds a second session, recorded while the store already held the first run's learnings.
  it('replays a session recorded after earlier runs, whose prompts carried what past runs teach, exit 0', async () => {
    const server = await startScriptedModelServer(scripts);
    let second: CliResult;
    try {
      second = await runCli(['run', REQUEST, '-w', workspace, '--provider', 'openai-compatible', '--base-url', server.baseUrl, '--model', 'test-model', '--json']);
    } finally {
      await server.close();
    }
    const secondEvents = JSON.parse((await runCli(['show', 'latest', '-w', workspace, '--json'])).stdout) as OrchestratorEvent[];
    const taught = secondEvents.some((event) => event.type === 'model.exchange' && JSON.stringify(event.payload).includes('What past runs teach'));
    assert.ok(taught, `the second run's prompts carried learnings (run output: ${second.stdout.slice(0, 300)})`);
    const replay = await runCli(['replay', 'latest', '-w', workspace, '--json']);
    assert.equal(replay.code, 0, replay.stdout + replay.stderr);
    assert.equal((JSON.parse(replay.stdout) as { same: boolean }).same, true);
  });
});

describe('model agents: the seed\'s Example 2, parallel feature development, recorded and replayed (integration)', function () {
  this.timeout(240_000);
  const SEED_AGENTS = ['security-auditor', 'database-optimizer', 'backend-api-developer', 'frontend-builder', 'test-suite-developer', 'docs-writer'];
  const example2 = JSON.parse(readFileSync(path.join(repoRoot, 'test', 'fixtures', 'recorded', 'example2.replies.json'), 'utf8')) as AgentScripts;
  let workspace: string;
  let events: OrchestratorEvent[];

  before(async () => {
    workspace = scratchCopyOfExample();
    // The seed's database-optimizer and frontend-builder are not built in: model agents, as a user would write them.
    writeFileSync(path.join(workspace, '.claude', 'agents', 'database-optimizer.md'), '---\nname: database-optimizer\ndescription: Designs schemas and indexes and optimizes database queries.\ntools: Read, Grep, Glob, send_message\ncapabilities: database_optimization\nstage: analysis\n---\nDesign the schema the feature needs and tell the backend developer.\n');
    // Stage verification: the seed builds the UI once the endpoint exists, beside the tests and the docs.
    writeFileSync(path.join(workspace, '.claude', 'agents', 'frontend-builder.md'), '---\nname: frontend-builder\ndescription: Builds UI components and pages.\ntools: Read, Grep, Glob, Write, Edit\ncapabilities: frontend_development\nstage: verification\n---\nBuild the UI for the new endpoint.\n');
    const server = await startScriptedModelServer(example2);
    let run: CliResult;
    try {
      run = await runCli(['run', 'Build new API endpoint with frontend UI and database optimization', '-w', workspace, '--agents', SEED_AGENTS.join(','), '--provider', 'openai-compatible', '--base-url', server.baseUrl, '--model', 'test-model', '--apply']);
    } finally {
      await server.close();
    }
    assert.equal(run.code, 0, run.stdout + run.stderr);
    events = JSON.parse((await runCli(['show', 'latest', '-w', workspace, '--json'])).stdout) as OrchestratorEvent[];
  });
  after(() => rmSync(workspace, { recursive: true, force: true }));

  it('runs the seed\'s phases: auditor and database optimizer in parallel, then the API, then UI, tests and docs in parallel', () => {
    const plan = events.find((event) => event.type === 'plan.created');
    assert.deepEqual(plan?.type === 'plan.created' && plan.payload.plan.phases.map((phase) => [...phase].sort()), [['database-optimizer', 'security-auditor'], ['backend-api-developer'], ['docs-writer', 'frontend-builder', 'test-suite-developer']]);
    const messages = events.flatMap((event) => (event.type === 'message.sent' ? [`${event.payload.message.type}:${event.payload.message.from}->${event.payload.message.to}`] : []));
    for (const expected of ['context_share:security-auditor->backend-api-developer', 'context_share:database-optimizer->backend-api-developer']) assert.ok(messages.includes(expected), `${expected} in ${messages.join(', ')}`);
    const handoff = events.find((event) => event.type === 'handoff.initiated');
    assert.deepEqual(handoff?.type === 'handoff.initiated' && [handoff.payload.package.from, handoff.payload.package.to], ['backend-api-developer', 'frontend-builder']);
    const completed = events.flatMap((event) => (event.type === 'agent.completed' ? [event.payload.agent] : []));
    assert.deepEqual([...completed].sort(), [...SEED_AGENTS].sort());
    assert.match(readFileSync(path.join(workspace, 'src', 'routes', 'reports.ts'), 'utf8'), /organizationId: req\.user\.organizationId/);
    assert.match(readFileSync(path.join(workspace, 'public', 'reports.html'), 'utf8'), /fetch\('\/reports'\)/);
    assert.ok(readFileSync(path.join(workspace, 'test', 'reports.test.ts'), 'utf8').length > 0);
    assert.match(readFileSync(path.join(workspace, 'docs', 'reports.md'), 'utf8'), /GET \/reports/);
  });

  it('replays with no server: the same events per agent and the same four new files', async () => {
    const replay = await runCli(['replay', 'latest', '-w', workspace, '--json']);
    assert.equal(replay.code, 0, replay.stdout + replay.stderr);
    const outcome = JSON.parse(replay.stdout) as { same: boolean; events: { recorded: number; replayed: number }; filesChanged: string[] };
    assert.equal(outcome.same, true);
    assert.equal(outcome.events.replayed, outcome.events.recorded);
    assert.deepEqual(outcome.filesChanged.sort(), ['docs/reports.md', 'public/reports.html', 'src/routes/reports.ts', 'test/reports.test.ts']);
  });

  it('refuses, naming the file, when a file the run changed was changed again since', async () => {
    const file = path.join(workspace, 'src', 'routes', 'reports.ts');
    const original = readFileSync(file, 'utf8');
    writeFileSync(file, `${original}// edited by hand\n`);
    try {
      const replay = await runCli(['replay', 'latest', '-w', workspace]);
      assert.equal(replay.code, 2, replay.stdout + replay.stderr);
      assert.match(replay.stderr, /src\/routes\/reports\.ts changed since the session applied its change/);
    } finally {
      writeFileSync(file, original);
    }
  });
});
