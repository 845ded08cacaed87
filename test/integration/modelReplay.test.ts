// The seed's Example 1 with model agents: dist/cli.js runs against a local OpenAI-compatible server playing a
// script per agent; then, with the server stopped, `replay` re-executes the session from its journal alone.
import { strict as assert } from 'node:assert';
import { execFile } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
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
});
