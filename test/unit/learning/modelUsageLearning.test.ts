// A model agent's turns, tokens and cost are learned like its duration, and the plan shows the estimate before
// the next run: in the plan picker, and in the CLI's plan line.
import { strict as assert } from 'node:assert';
import { builtinAgents } from '../../../src/agents/definitions/builtinAgents';
import { planRequest, type PlannableAgent } from '../../../src/core/planning/planner';
import { describeEvent } from '../../../src/cli/terminalReporter';
import { planRows, planTitle } from '../../../src/vscode/planPresentation';
import type { OrchestratorEvent } from '../../../src/core/protocol/events';
import { createFixture } from './helpers';

const reviewer: PlannableAgent = {
  name: 'code-reviewer',
  description: 'Reviews code with a language model',
  capabilities: ['code_review'],
  stage: 'analysis',
  runtime: 'model',
  model: 'sonnet',
};

function modelRun(sessionId: string, turns: number, inputTokens: number, outputTokens: number, costUsd: number | null) {
  return {
    sessionId,
    taskType: 'code-review',
    duration: 4000,
    toolSequence: ['Read', 'Edit'],
    success: true,
    filesModified: [],
    errors: [],
    collaborators: [],
    modelUsage: { model: 'openai/gpt-4o-mini', turns, inputTokens, outputTokens, cachedInputTokens: 0, costUsd },
  };
}

describe('learning model usage', () => {
  it('records a model agent\'s turns, tokens and cost, and none for an offline agent', () => {
    const { system } = createFixture();
    const record = system.recordAgentExecution('code-reviewer', modelRun('s1', 3, 30_000, 1000, 0.004));
    assert.deepEqual(record.modelUsage, { model: 'openai/gpt-4o-mini', turns: 3, inputTokens: 30_000, outputTokens: 1000, cachedInputTokens: 0, costUsd: 0.004 });
    const offline = system.recordAgentExecution('security-auditor', { ...modelRun('s1', 1, 1, 1, null), modelUsage: null });
    assert.equal(offline.modelUsage ?? null, null);
    assert.equal(system.queryLearnings('security-auditor').estimatedUsage, null, 'no model history, no usage estimate');
  });

  it('estimates turns, tokens and cost from past model runs, the cost only from runs with a price', () => {
    const { system, clock } = createFixture();
    system.recordAgentExecution('code-reviewer', modelRun('s1', 3, 30_000, 1000, 0.004));
    clock.advance(1000);
    system.recordAgentExecution('code-reviewer', modelRun('s2', 5, 50_000, 2000, 0.006));
    clock.advance(1000);
    const once = system.queryLearnings('code-reviewer').estimatedUsage;
    assert.ok(once);
    assert.deepEqual([once.turns.estimated, once.turns.samples], [4, 2]);
    assert.equal(once.tokens.estimated, 41_500);
    assert.deepEqual([once.costUsd?.estimated, once.costUsd?.samples], [0.005, 2]);
    // Each range is a prediction interval for the next run: it holds both runs seen so far.
    assert.ok(once.turns.min <= 3 && once.turns.max >= 5);
    assert.ok(once.tokens.min <= 31_000 && once.tokens.max >= 52_000);
    assert.ok((once.costUsd?.min ?? 1) <= 0.004 && (once.costUsd?.max ?? 0) >= 0.006);

    system.recordAgentExecution('code-reviewer', modelRun('s3', 4, 40_000, 1500, null));
    const later = system.queryLearnings('code-reviewer').estimatedUsage;
    assert.equal(later?.tokens.samples, 3);
    assert.equal(later?.costUsd?.samples, 2, 'an unpriced run does not count towards the cost');
  });

  it('shows the estimate in the plan after two recorded runs: the plan picker and the CLI plan line', () => {
    const { system, clock } = createFixture();
    const planFor = () => planRequest({
      request: 'Review the code quality',
      roster: [...builtinAgents(), reviewer],
      modelAvailable: true,
      estimate: (agent, taskType) => system.estimateDuration(agent, taskType),
      estimateUsage: (agent, taskType) => system.queryLearnings(agent, { taskType }).estimatedUsage,
    });
    const before = planFor();
    assert.equal(before.estimatedUsage, null);
    assert.doesNotMatch(planTitle(before), /tokens/);

    system.recordAgentExecution('code-reviewer', { ...modelRun('s1', 3, 30_000, 1000, 0.004), taskType: before.taskType });
    clock.advance(1000);
    system.recordAgentExecution('code-reviewer', { ...modelRun('s2', 5, 50_000, 2000, 0.006), taskType: before.taskType });
    const plan = planFor();
    const planned = plan.agents.find((agent) => agent.name === 'code-reviewer');
    assert.equal(planned?.estimatedUsage?.tokens.estimated, 41_500);
    assert.equal(plan.estimatedUsage?.costUsd?.estimated, 0.005);
    assert.match(planTitle(plan), / · models ~4 turns, ~41\.5k tokens, ~\$0\.0050$/);
    const row = planRows(plan, []).find((r) => r.kind === 'agent' && r.name === 'code-reviewer');
    assert.ok(row && row.kind === 'agent');
    assert.match(row.detail, /~4 turns, ~41\.5k tokens, ~\$0\.0050/);

    const event = { sessionId: 's3', seq: 2, ts: 0, type: 'plan.created', payload: { plan } } as OrchestratorEvent;
    const line = (describeEvent(event) ?? '').replace(/\x1b\[[0-9;]*m/g, '');
    assert.match(line, /models: ~4 turns, ~41\.5k tokens, ~\$0\.0050 expected from past runs \(code-reviewer ~4 turns, ~41\.5k tokens, ~\$0\.0050\)/);
  });
});
