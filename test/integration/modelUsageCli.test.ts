// Model usage through the CLI against a local OpenAI-compatible server: `run --json` and the .report.json carry
// each agent's model, turns, tokens and cost and the run's totals; after two runs the next plan shows the learned
// token estimate, and the live run ends with the model summary.
import { strict as assert } from 'node:assert';
import { execFile } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { scratchCopyOfExample } from '../helpers/exampleWorkspace';
import { OPENAI_DONE, openaiFinish, openaiText, openaiUsage, sse, startFakeServer, type FakeServer } from '../unit/models/fakeProviders';

const run = promisify(execFile);
const CLI = path.resolve(__dirname, '..', '..', 'dist', 'cli.js');
const REQUEST = 'Fix security vulnerability in authentication endpoint';

interface UsageJson { modelCalls: number; inputTokens: number; outputTokens: number; cachedInputTokens: number; costUsd: number; unpricedCalls: number }

describe('model usage in the CLI (run --json, report, plan estimate, summary)', function () {
  this.timeout(240_000);
  let workspace: string;
  let server: FakeServer;

  before(async () => {
    workspace = scratchCopyOfExample();
    // The rule planner plans these runs: the totals checked below are the agents' own (the planner's turns count in
    // the run's totals too; test/unit/planning/modelPlanner.test.ts covers that).
    mkdirSync(path.join(workspace, '.agent-orchestrator'), { recursive: true });
    writeFileSync(path.join(workspace, '.agent-orchestrator', 'config.json'), JSON.stringify({ models: { agents: { orchestrator: { provider: 'offline' } } } }));
    // Every turn: a final answer with 1200 input (200 cached) and 300 output tokens.
    server = await startFakeServer([(_request, res) => sse(res, [openaiText('Done.'), openaiFinish('stop'), openaiUsage(1200, 300, 200), OPENAI_DONE])]);
  });

  after(async () => {
    await server.close();
    rmSync(workspace, { recursive: true, force: true });
  });

  async function cli(...args: string[]): Promise<string> {
    const { stdout } = await run(
      process.execPath,
      [CLI, 'run', REQUEST, '--workspace', workspace, '--provider', 'openai-compatible', '--model', 'test-model', '--base-url', server.baseUrl, ...args],
      { env: { ...process.env, AGENT_ORCHESTRATOR_API_KEY: 'test-key', NO_COLOR: '1' }, maxBuffer: 64 * 1024 * 1024 },
    );
    return stdout;
  }

  it('carries per-agent and per-run usage in run --json and the report, then estimates the next run\'s tokens', async () => {
    for (let i = 0; i < 2; i++) {
      const result = JSON.parse(await cli('--json')) as { agents: { name: string; model: string | null; usage: UsageJson }[]; usage: UsageJson; reportFile: string };
      const withModel = result.agents.filter((agent) => agent.model !== null);
      assert.ok(withModel.length > 0, 'some agent ran on the model');
      for (const agent of withModel) {
        assert.equal(agent.model, 'openai-compatible/test-model');
        assert.equal(agent.usage.inputTokens, 1200 * agent.usage.modelCalls, agent.name);
        assert.equal(agent.usage.outputTokens, 300 * agent.usage.modelCalls, agent.name);
        assert.equal(agent.usage.cachedInputTokens, 200 * agent.usage.modelCalls, agent.name);
      }
      const calls = withModel.reduce((sum, agent) => sum + agent.usage.modelCalls, 0);
      assert.equal(result.usage.modelCalls, calls);
      assert.equal(result.usage.inputTokens, 1200 * calls);
      assert.equal(result.usage.costUsd, 0, 'a model on a loopback address costs nothing');
      assert.equal(result.usage.unpricedCalls, 0);
      const report = JSON.parse(readFileSync(result.reportFile, 'utf8')) as { usage: UsageJson; agents: { model: string | null }[] };
      assert.deepEqual(report.usage, result.usage, 'the .report.json carries the same totals');
      assert.deepEqual(report.agents.map((a) => a.model), result.agents.map((a) => a.model));
    }

    const live = await cli();
    assert.match(live, /models: ~\d+ turns?, ~[\d.]+k tokens, ~\$0\.0000 expected from past runs \(security-auditor ~1 turn, ~1\.5k tokens, ~\$0\.0000[;)]/, `the plan shows the learned estimate:\n${live}`);
    assert.match(live, /🧠 Models: +\d+ turns?, [\d.]+k in \([\d.]+k? cached\) \/ [\d.]+k? out tokens, cost \$0\.0000/);
    assert.match(live, /security-auditor \(openai-compatible\/test-model\): 1 turn, 1\.2k in \(200 cached\) \/ 300 out tokens/);

    const { stdout: learned } = await run(process.execPath, [CLI, 'learnings', 'security-auditor', '--workspace', workspace], { env: { ...process.env, NO_COLOR: '1' } });
    assert.match(learned, /Model usage per run: ~1 turn, ~1\.5k tokens, ~\$0\.0000/);
  });
});
