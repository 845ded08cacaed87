// Plans made by a model, through the real orchestrator: the model's plan decides who runs and in which order; an
// invalid plan is sent back once with the errors, then the rule planner takes over with a warning.
import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { NodeWorkspaceFiles } from '../../../src/agents/workspace/nodeWorkspaceFiles';
import { foldEvents } from '../../../src/core/logging/runState';
import type { AgentRuntime } from '../../../src/core/orchestrator/agentRuntime';
import { ExecutionOrchestrator } from '../../../src/core/orchestrator/executionOrchestrator';
import { validateModelPlan, type ModelPlan } from '../../../src/core/planning/modelPlanner';
import type { PlannableAgent } from '../../../src/core/planning/planner';
import { ModelError, type ModelClient, type ModelRequest, type ModelStreamPart } from '../../../src/core/ports';
import { OrchestratorConfigSchema } from '../../../src/core/protocol/config';
import { planTitle } from '../../../src/vscode/planPresentation';
import { MemoryStore } from '../../helpers/memoryStore';

const usage = { inputTokens: 100, outputTokens: 20, cachedInputTokens: 0 };
const submit = (plan: unknown): ModelStreamPart[] => [
  { type: 'tool-call', call: { id: `plan_${Math.random().toString(36).slice(2)}`, name: 'submit_plan', input: plan, inputText: JSON.stringify(plan) } },
  { type: 'finish', reason: 'tool-calls', usage },
];

class ScriptedPlanner implements ModelClient {
  readonly provider = 'scripted';
  readonly modelId = 'planner-1';
  readonly requests: ModelRequest[] = [];
  readonly #turns: (() => ModelStreamPart[])[];
  constructor(turns: (() => ModelStreamPart[])[]) {
    this.#turns = [...turns];
  }
  async *stream(request: ModelRequest): AsyncIterable<ModelStreamPart> {
    this.requests.push(request);
    const turn = this.#turns.shift();
    if (!turn) throw new Error('the script has no more turns');
    for (const part of turn()) yield part;
  }
}

const roster: PlannableAgent[] = [
  { name: 'auditor', description: 'Finds vulnerabilities', capabilities: ['security_audit'], stage: 'analysis', runtime: 'offline', model: null },
  { name: 'developer', description: 'Fixes code', capabilities: ['backend_development'], stage: 'implementation', runtime: 'offline', model: null },
  { name: 'tester', description: 'Runs tests', capabilities: ['testing'], stage: 'verification', runtime: 'offline', model: null },
  { name: 'writer', description: 'Writes summaries', capabilities: ['documentation'], stage: 'documentation', runtime: 'offline', model: null },
];

describe('Plans made by a model', () => {
  let root: string;
  let logDir: string;
  beforeEach(() => {
    root = mkdtempSync(path.join(os.tmpdir(), 'ao-plan-ws-'));
    logDir = mkdtempSync(path.join(os.tmpdir(), 'ao-plan-log-'));
  });
  afterEach(() => {
    rmSync(root, { recursive: true, force: true });
    rmSync(logDir, { recursive: true, force: true });
  });

  async function run(planner: ModelClient | null, request = 'Fix the security bug in the login endpoint') {
    const started: string[] = [];
    const runtimes: AgentRuntime[] = roster.map((agent) => ({
      name: agent.name,
      capabilities: agent.capabilities,
      async run(context) {
        started.push(`${agent.name}: ${context.task}`);
        return { summary: `${agent.name} done` };
      },
    }));
    const store = new MemoryStore();
    const orchestrator = new ExecutionOrchestrator({
      workspace: new NodeWorkspaceFiles(root), store, roster, runtimes, logDir,
      config: OrchestratorConfigSchema.parse({ orchestration: { maxParallelAgents: 1 } }),
      planModel: planner ? { client: planner, estimateCostUsd: () => 0.001 } : null,
    });
    const result = await orchestrator.executeRequest(request);
    const events = store.eventsOf(result.sessionId);
    return { result, events, started, state: foldEvents(result.sessionId, events) };
  }

  it("runs the agents the model planned, in its order, with its tasks, and records the planning call for replay", async () => {
    // The rule planner would run the auditor first and add the writer; the model chose otherwise.
    const planner = new ScriptedPlanner([() => submit({
      taskType: 'security-fix',
      agents: [
        { name: 'developer', task: 'Parameterise the login query', dependsOn: [] },
        { name: 'auditor', task: 'Re-scan the login endpoint', dependsOn: ['developer'] },
        { name: 'tester', task: 'Run the login tests', dependsOn: ['auditor'] },
      ],
      phases: [['developer'], ['auditor'], ['tester']],
    })]);
    const { result, events, started, state } = await run(planner);
    assert.equal(result.success, true, result.error);
    assert.deepEqual(started, ['developer: Parameterise the login query', 'auditor: Re-scan the login endpoint', 'tester: Run the login tests']);
    assert.deepEqual(result.plan.source, { kind: 'model', provider: 'scripted', model: 'planner-1' });
    assert.deepEqual(result.plan.phases, [['developer'], ['auditor'], ['tester']]);
    const created = events.find((e) => e.type === 'plan.created');
    assert.ok(created && created.type === 'plan.created' && created.payload.plan.source?.kind === 'model');
    const called = events.filter((e) => e.type === 'model.called');
    assert.deepEqual(called.map((e) => e.type === 'model.called' && [e.payload.agent, e.payload.turn]), [['orchestrator', 1]]);
    assert.equal(events.filter((e) => e.type === 'model.exchange' && e.payload.agent === 'orchestrator').length, 1, 'journaled for replay');
    const types = events.map((e) => e.type);
    assert.ok(types.indexOf('model.called') < types.indexOf('plan.created'), 'the planning call comes before the plan');
    // The model saw the roster (names, descriptions, capabilities) and was offered submit_plan with the plan's schema.
    const prompt = JSON.stringify(planner.requests[0]?.messages);
    assert.match(prompt, /Finds vulnerabilities/);
    assert.match(prompt, /security_audit/);
    assert.deepEqual(planner.requests[0]?.tools?.map((t) => t.name), ['submit_plan']);
    assert.ok(JSON.stringify(planner.requests[0]?.tools?.[0]?.inputSchema).includes('dependsOn'));
    // Its cost counts in the run's totals, but the planner is not listed as an agent.
    assert.equal(state.usage.modelCalls, 1);
    assert.equal(state.agents.some((a) => a.name === 'orchestrator'), false);
    assert.match(planTitle(result.plan), /planned by scripted\/planner-1/);
  });

  it('sends an invalid plan back once with the errors, and uses the corrected one', async () => {
    const planner = new ScriptedPlanner([
      () => submit({ taskType: 'security-fix', agents: [{ name: 'hacker', task: 'x', dependsOn: [] }], phases: [['hacker']] }),
      () => submit({ taskType: 'security-fix', agents: [{ name: 'auditor', task: 'Audit the login', dependsOn: [] }], phases: [['auditor']] }),
    ]);
    const { result, started, events } = await run(planner);
    assert.equal(result.success, true, result.error);
    assert.deepEqual(started, ['auditor: Audit the login']);
    const retry = planner.requests[1]?.messages.find((m) => m.role === 'tool');
    assert.ok(retry && retry.role === 'tool' && retry.isError);
    assert.match(retry.content, /agents\[0\]\.name: unknown agent "hacker"/);
    assert.equal(events.filter((e) => e.type === 'model.called').length, 2);
  });

  it('falls back to the rule planner with a warning saying why when the plan is invalid twice', async () => {
    const cyclic = {
      taskType: 'security-fix',
      agents: [
        { name: 'auditor', task: 'Audit', dependsOn: ['developer'] },
        { name: 'developer', task: 'Fix', dependsOn: ['auditor'] },
      ],
      phases: [['auditor', 'developer']],
    };
    const planner = new ScriptedPlanner([() => submit(cyclic), () => submit(cyclic)]);
    const { result, started, events } = await run(planner);
    assert.equal(result.success, true, result.error);
    assert.equal(planner.requests.length, 2, 'retried exactly once');
    assert.deepEqual(result.plan.source, { kind: 'rules' });
    assert.ok(result.plan.warnings.some((w) => /model's plan was not used.*invalid twice.*dependency cycle auditor -> developer -> auditor/.test(w)), result.plan.warnings.join('\n'));
    // The rule plan: analysis, then the fix, then tests and the summary.
    assert.equal(started[0], 'auditor: Analyze the workspace for: Fix the security bug in the login endpoint');
    assert.ok(started.some((s) => s.startsWith('writer:')));
    assert.equal(events.filter((e) => e.type === 'model.exchange').length, 2);
  });

  it('falls back to the rule planner when the model call fails, and plans by rules without a planning model', async () => {
    const failing: ModelClient = {
      provider: 'scripted', modelId: 'down',
      // eslint-disable-next-line require-yield
      async *stream() {
        throw new ModelError('auth', 'scripted', 'invalid API key', { status: 401 });
      },
    };
    const { result, events } = await run(failing);
    assert.equal(result.success, true, result.error);
    assert.ok(result.plan.warnings.some((w) => /planning call failed: scripted failed \(auth\): invalid API key/.test(w)));
    assert.ok(events.some((e) => e.type === 'model.called' && e.payload.errorKind === 'auth'));

    const offline = await run(null);
    assert.equal(offline.result.plan.source, undefined);
    assert.equal(offline.events.some((e) => e.type === 'model.called'), false);
  });

  it('names the field of each error: unknown agents, cycles, missing phases, dependencies not in an earlier phase', () => {
    const plan = (p: Partial<ModelPlan>): ModelPlan => ({ taskType: 't', agents: [], phases: [], ...p });
    assert.deepEqual(validateModelPlan(plan({ agents: [{ name: 'auditor', task: 't', dependsOn: [] }], phases: [] }), roster), ['phases: "auditor" is in agents but in no phase']);
    assert.match(validateModelPlan(plan({ agents: [{ name: 'auditor', task: 't', dependsOn: ['ghost'] }], phases: [['auditor']] }), roster).join('\n'), /agents\[0\]\.dependsOn\[0\]: "ghost" is not an agent of this plan/);
    assert.match(validateModelPlan(plan({
      agents: [{ name: 'auditor', task: 't', dependsOn: [] }, { name: 'developer', task: 't', dependsOn: ['auditor'] }],
      phases: [['auditor', 'developer']],
    }), roster).join('\n'), /agents\[1\]\.dependsOn\[0\]: "auditor" \(phase 0\) must be in an earlier phase than "developer" \(phase 0\)/);
    assert.match(validateModelPlan(plan({ agents: [{ name: 'auditor', task: 't', dependsOn: [] }], phases: [['auditor'], ['tester']] }), roster).join('\n'), /phases\[1\]\[0\]: "tester" is not in agents/);
  });
});
