// A workspace's .claude/agents model agents run in the tool loop when the host gives them a model, and stay skipped
// (with today's reason) when it does not; built-in agents keep their offline runtime without a model.
import { strict as assert } from 'node:assert';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openWorkspaceEngine } from '../../../src/agents/workspaceEngine';
import type { ModelClient, ModelRequest, ModelResolver, ModelStreamPart } from '../../../src/core/ports';

class OneLineModel implements ModelClient {
  readonly provider = 'scripted';
  readonly modelId = 'fake-1';
  readonly requests: ModelRequest[] = [];
  async *stream(request: ModelRequest): AsyncIterable<ModelStreamPart> {
    this.requests.push(request);
    yield { type: 'text', text: 'Reviewed: nothing to change.' };
    yield { type: 'finish', reason: 'stop', usage: { inputTokens: 100, outputTokens: 10, cachedInputTokens: 0 } };
  }
}

describe('planning model agents', () => {
  let root: string;
  beforeEach(() => {
    root = mkdtempSync(path.join(os.tmpdir(), 'ao-model-plan-'));
    mkdirSync(path.join(root, '.claude', 'agents'), { recursive: true });
    writeFileSync(path.join(root, '.claude', 'agents', 'style-reviewer.md'), [
      '---', 'name: style-reviewer', 'description: Reviews code style of the code review request', 'tools: Read, Grep', 'model: sonnet', '---',
      'You review code style. Be brief.', '',
    ].join('\n'));
    writeFileSync(path.join(root, 'a.ts'), 'export const a = 1;\n');
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('skips a file agent with no model, and runs it in the tool loop with its prompt and tools when a model is given', async () => {
    const offline = await openWorkspaceEngine({ workspaceRoot: root, mode: 'write', env: {} });
    try {
      const plan = offline.orchestrator.plan('review the code', ['style-reviewer']);
      assert.match(plan.skipped.find((s) => s.name === 'style-reviewer')?.reason ?? '', /needs a language model/);
    } finally {
      await offline.close();
    }

    const model = new OneLineModel();
    const asked: { name: string; model: string | null | undefined }[] = [];
    const engine = await openWorkspaceEngine({
      workspaceRoot: root, mode: 'write', env: {},
      models: { forAgent: (name, agentModel) => { asked.push({ name, model: agentModel }); return name === 'style-reviewer' ? model : null; }, estimateCostUsd: () => 0.001 },
    });
    try {
      const result = await engine.orchestrator.executeRequest('review the code', { agents: ['style-reviewer'] });
      assert.equal(result.success, true, result.error);
      assert.deepEqual(asked.find((a) => a.name === 'style-reviewer'), { name: 'style-reviewer', model: 'sonnet' });
      assert.match(String(model.requests[0]?.messages[0]?.content), /You review code style/);
      assert.deepEqual(model.requests[0]?.tools?.map((t) => t.name).filter((n) => /^[A-Z]/.test(n)), ['Read', 'Grep']);
      const events = engine.store.getEvents(result.sessionId);
      const called = events.find((e) => e.type === 'model.called');
      assert.ok(called && called.type === 'model.called' && called.payload.costUsd === 0.001 && called.payload.agent === 'style-reviewer');
      // Built-in agents without a model keep their offline runtime.
      assert.equal(engine.orchestrator.plan('Fix security bug').agents.some((a) => a.name === 'security-auditor'), true);
    } finally {
      await engine.close();
    }
  });

  it("plans runs with the resolver's model for the orchestrator, and by rules when that model is switched off", async () => {
    const planner: ModelClient & { requests: ModelRequest[] } = {
      provider: 'scripted', modelId: 'planner-1', requests: [],
      async *stream(request) {
        this.requests.push(request);
        const plan = { taskType: 'security-audit', agents: [{ name: 'security-auditor', task: 'Audit a.ts', dependsOn: [] }], phases: [['security-auditor']] };
        yield { type: 'tool-call', call: { id: 'p1', name: 'submit_plan', input: plan, inputText: JSON.stringify(plan) } };
        yield { type: 'finish', reason: 'tool-calls', usage: { inputTokens: 10, outputTokens: 5, cachedInputTokens: 0 } };
      },
    };
    const resolver = (orchestrator: ModelClient | null): ModelResolver => ({
      // Only the planner has a model here: the agents stay offline.
      forAgent: (agent) => (agent === 'orchestrator' ? orchestrator : null),
      describe: () => 'scripted', estimateCostUsd: () => 0, runLimits: {}, limitsFor: () => ({}),
    });
    const engine = await openWorkspaceEngine({ workspaceRoot: root, mode: 'write', env: {}, createModelResolver: () => resolver(planner) });
    try {
      const result = await engine.orchestrator.executeRequest('review the code');
      assert.deepEqual(result.plan.source, { kind: 'model', provider: 'scripted', model: 'planner-1' });
      assert.deepEqual(result.plan.phases, [['security-auditor']]);
      assert.equal(planner.requests.length, 1);
      const prompt = JSON.stringify(planner.requests[0]?.messages);
      assert.match(prompt, /docs-writer/, 'the model sees the agents that can run');
      assert.doesNotMatch(prompt, /style-reviewer/, 'not an agent that has no model to run on');
      assert.ok(result.plan.skipped.some((skipped) => skipped.name === 'style-reviewer'));
    } finally {
      await engine.close();
    }
    const rules = await openWorkspaceEngine({ workspaceRoot: root, mode: 'write', env: {}, createModelResolver: () => resolver(null) });
    try {
      assert.equal((await rules.orchestrator.planRun('review the code')).source, undefined);
    } finally {
      await rules.close();
    }
  });
});
