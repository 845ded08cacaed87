import { strict as assert } from 'node:assert';
import { builtinAgents } from '../../../src/agents/definitions/builtinAgents';
import { classifyRequest, criticalPathEstimate, planRequest, type PlanInput, type PlannableAgent } from '../../../src/core/planning/planner';
import type { Estimate } from '../../../src/core/protocol/learning';
import type { PlannedAgent } from '../../../src/core/protocol/plan';

const SEED_REQUEST = 'Fix security vulnerability in authentication endpoint';
const NO_HISTORY: Estimate = { estimated: 0, min: 0, max: 0, confidence: 0, samples: 0 };

function plan(overrides: Partial<PlanInput> & { request: string }): ReturnType<typeof planRequest> {
  return planRequest({ roster: builtinAgents(), modelAvailable: false, estimate: () => NO_HISTORY, ...overrides });
}

const reviewer: PlannableAgent = {
  name: 'api-reviewer',
  description: 'Reviews API design with a language model',
  capabilities: ['code_review'],
  stage: 'analysis',
  runtime: 'model',
  model: 'sonnet',
};

describe('planRequest', () => {
  it('plans the seed\'s request as audit, then fix, then tests and docs in parallel', () => {
    const result = plan({ request: SEED_REQUEST });
    assert.equal(result.taskType, 'security-fix');
    assert.deepEqual(result.phases, [['security-auditor'], ['backend-api-developer'], ['test-suite-developer', 'docs-writer']]);
    const dependsOn = Object.fromEntries(result.agents.map((agent) => [agent.name, agent.dependsOn]));
    assert.deepEqual(dependsOn, {
      'security-auditor': [],
      'backend-api-developer': ['security-auditor'],
      'test-suite-developer': ['backend-api-developer'],
      'docs-writer': ['backend-api-developer'],
    });
    assert.equal(result.request, SEED_REQUEST);
    assert.deepEqual(result.skipped, []);
    assert.deepEqual(result.warnings, []);
    assert.equal(result.estimatedDuration, null, 'no history, no estimate');
    assert.ok(result.agents.every((agent) => agent.estimatedDuration === null && agent.task.length > 0));
    assert.ok(result.agents.find((a) => a.name === 'security-auditor')?.task.includes(SEED_REQUEST), 'the analyst is told what to look for');
  });

  it('trims the request', () => {
    assert.equal(plan({ request: `  ${SEED_REQUEST}\n` }).request, SEED_REQUEST);
  });

  it('plans a documentation-only request with the docs writer alone', () => {
    const result = plan({ request: 'Update the README documentation' });
    assert.equal(result.taskType, 'documentation');
    assert.deepEqual(result.phases, [['docs-writer']]);
    assert.deepEqual(result.agents[0]?.dependsOn, []);
  });

  it('classifies requests by what they ask for', () => {
    assert.equal(classifyRequest('Audit the secrets handling').taskType, 'security-audit');
    assert.equal(classifyRequest('Add an endpoint for invoices').taskType, 'feature-development');
    assert.equal(classifyRequest('Increase test coverage').taskType, 'testing');
    assert.equal(classifyRequest('Look around').taskType, 'review', 'a request that names nothing gets a review');
  });

  it('plans a request that names nothing as a review with the auditor and a summary', () => {
    const result = plan({ request: 'Have a look at this repository' });
    assert.equal(result.taskType, 'review');
    assert.deepEqual(result.phases, [['security-auditor'], ['docs-writer']]);
  });

  it('restricts the plan to `only`, keeping the stage order', () => {
    const result = plan({ request: SEED_REQUEST, only: ['docs-writer', 'security-auditor'] });
    assert.deepEqual(result.phases, [['security-auditor'], ['docs-writer']]);
    assert.deepEqual(result.agents.find((a) => a.name === 'docs-writer')?.dependsOn, ['security-auditor']);
    assert.equal(result.taskType, 'security-fix', 'the task type still comes from the request');
  });

  it('rejects unknown names in `only`, naming them and the known agents', () => {
    assert.throws(
      () => plan({ request: SEED_REQUEST, only: ['security-auditor', 'security-audtor'] }),
      (error: unknown) => error instanceof Error && /Unknown agent\(s\): security-audtor\./.test(error.message)
        && error.message.includes('Known: security-auditor, database-optimizer, backend-api-developer, frontend-builder, test-suite-developer, docs-writer'),
    );
  });

  it('skips a model-only agent when no model is configured, with the reason and a warning', () => {
    const result = plan({ request: 'Review the code quality', roster: [...builtinAgents(), reviewer] });
    assert.deepEqual(result.phases, [['security-auditor']]);
    assert.deepEqual(result.skipped.map((s) => s.name), ['api-reviewer']);
    assert.match(result.skipped[0]?.reason ?? '', /needs a language model \(model: sonnet\)/);
    assert.ok(result.warnings.some((w) => w.startsWith('api-reviewer skipped:')), result.warnings.join('\n'));
    assert.ok(!result.agents.some((a) => a.name === 'api-reviewer'));
  });

  it('plans a model-only agent when a model is available', () => {
    const result = plan({ request: 'Review the code quality', roster: [...builtinAgents(), reviewer], modelAvailable: true });
    assert.deepEqual(result.phases, [['security-auditor', 'api-reviewer']]);
    assert.deepEqual(result.skipped, []);
    assert.equal(result.agents.find((a) => a.name === 'api-reviewer')?.runtime, 'model');
  });

  it('warns when no agent can run the request', () => {
    const result = plan({ request: 'Review the code quality', roster: [reviewer] });
    assert.deepEqual(result.phases, []);
    assert.ok(result.warnings.includes('No agent can run this request.'));
  });

  it('rejects an empty request', () => {
    assert.throws(() => plan({ request: '' }), /request is empty/);
    assert.throws(() => plan({ request: '   \n' }), /request is empty/);
  });

  it('estimates the duration as the sum over phases of the slowest agent, from the learned estimates', () => {
    const learned: Record<string, Estimate> = {
      'security-auditor': { estimated: 1000, min: 800, max: 1500, confidence: 80, samples: 4 },
      'backend-api-developer': { estimated: 300, min: 200, max: 400, confidence: 60, samples: 3 },
      'test-suite-developer': { estimated: 2000, min: 1500, max: 2500, confidence: 90, samples: 5 },
      'docs-writer': { estimated: 2100, min: 100, max: 2200, confidence: 70, samples: 6 },
    };
    const seen: string[] = [];
    const result = plan({
      request: SEED_REQUEST,
      estimate: (agent, taskType) => {
        seen.push(`${agent}:${taskType}`);
        return learned[agent] ?? NO_HISTORY;
      },
    });
    assert.ok(seen.includes('security-auditor:security-fix'), 'estimates are asked for the request\'s task type');
    assert.deepEqual(result.agents.find((a) => a.name === 'docs-writer')?.estimatedDuration, learned['docs-writer']);
    assert.deepEqual(result.estimatedDuration, {
      estimated: 1000 + 300 + 2100,
      min: 800 + 200 + 1500,
      max: 1500 + 400 + 2500,
      confidence: 60,
      samples: 3,
    });
  });

  it('lowers the confidence of the estimate by the share of agents without history', () => {
    const result = plan({
      request: SEED_REQUEST,
      estimate: (agent) => (agent === 'security-auditor' ? { estimated: 1000, min: 900, max: 1100, confidence: 80, samples: 2 } : NO_HISTORY),
    });
    assert.equal(result.estimatedDuration?.estimated, 1000);
    assert.equal(result.estimatedDuration?.confidence, 20, '80% × 1 of 4 agents');
    assert.equal(result.agents.filter((a) => a.estimatedDuration === null).length, 3);
  });
});

describe('criticalPathEstimate', () => {
  function agent(name: string, phase: number, estimatedDuration: Estimate | null): PlannedAgent {
    return { name, task: 't', phase, dependsOn: [], capabilities: [], runtime: 'offline', estimatedDuration };
  }

  it('is null when no agent has history', () => {
    assert.equal(criticalPathEstimate([agent('a', 0, null), agent('b', 1, null)]), null);
    assert.equal(criticalPathEstimate([]), null);
  });

  it('sums the per-phase maxima', () => {
    const e = (estimated: number): Estimate => ({ estimated, min: estimated / 2, max: estimated * 2, confidence: 50, samples: 2 });
    const result = criticalPathEstimate([agent('a', 0, e(100)), agent('b', 1, e(40)), agent('c', 1, e(60)), agent('d', 2, e(10))]);
    assert.deepEqual(result, { estimated: 170, min: 85, max: 340, confidence: 50, samples: 2 });
  });

});

describe('planRequest: requested capabilities and who covers them', () => {
    const EXAMPLE_2 = 'Build new API endpoint with frontend UI and database optimization';

    it("offline, the seed's Example 2 runs the database optimizer and the frontend reviewer, and names what will not be done", () => {
      const result = plan({ request: EXAMPLE_2 });
      assert.deepEqual(result.phases, [['database-optimizer'], ['frontend-builder', 'test-suite-developer', 'docs-writer']]);
      assert.deepEqual(result.requested?.map((item) => [item.capability, item.coveredBy]), [
        ['backend_development', []],
        ['database_optimization', ['database-optimizer']],
        ['frontend_development', []],
      ]);
      assert.deepEqual(result.uncovered?.map((item) => item.capability), ['backend_development', 'frontend_development']);
      assert.match(result.uncovered?.[0]?.reason ?? '', /backend-api-developer would not do what was asked: offline it applies the mechanical fixes/);
      assert.match(result.uncovered?.[1]?.reason ?? '', /writing new code needs a language model.*frontend-builder reviews existing components/);
      assert.equal(result.uncovered?.[1]?.requestedAs, 'frontend UI');
      assert.ok(result.skipped.some((item) => item.name === 'backend-api-developer'), 'the backend developer would only re-fix security findings: left out');
      assert.ok(result.warnings.some((warning) => /^Not covered: frontend development \("frontend UI"\)/.test(warning)), result.warnings.join('\n'));
    });

    it('with a model, Example 2 is covered: backend, database, frontend, then tests and docs', () => {
      const result = plan({ request: EXAMPLE_2, modelAvailable: true });
      assert.deepEqual(result.phases, [['database-optimizer'], ['backend-api-developer'], ['frontend-builder', 'test-suite-developer', 'docs-writer']]);
      assert.deepEqual(result.uncovered, []);
    });

    it('picks the database optimizer for queries, indexes and performance, and the frontend builder for components and accessibility', () => {
      assert.deepEqual(plan({ request: 'Find slow queries and missing indexes' }).phases, [['database-optimizer']]);
      assert.deepEqual(plan({ request: 'Improve database performance' }).agents.map((a) => a.name), ['database-optimizer']);
      assert.deepEqual(plan({ request: 'Check the UI components for accessibility' }).phases, [['frontend-builder', 'test-suite-developer', 'docs-writer']]);
    });

    it('plans nothing for a request no agent serves, and says which capability is missing', () => {
      const result = plan({ request: 'deploy to Kubernetes' });
      assert.deepEqual(result.agents, []);
      assert.deepEqual(result.uncovered?.map((item) => [item.capability, item.requestedAs]), [['deployment', 'deploy Kubernetes']]);
      assert.match(result.uncovered?.[0]?.reason ?? '', /no agent in the roster does this/);
      assert.ok(result.warnings.includes('No agent can run this request.'));
    });

    it('an agent file whose description names the work covers it', () => {
      const deployer: PlannableAgent = { name: 'k8s-deployer', description: 'Deploys services to Kubernetes', capabilities: ['deployment'], stage: 'implementation', runtime: 'model', model: 'sonnet' };
      const result = plan({ request: 'deploy to Kubernetes', roster: [...builtinAgents(), deployer], modelAvailable: true });
      assert.deepEqual(result.agents.map((a) => a.name), ['k8s-deployer']);
      assert.deepEqual(result.uncovered, []);
    });

    it("leaves the seed's security request fully covered", () => {
      const result = plan({ request: SEED_REQUEST });
      assert.deepEqual(result.uncovered, []);
      assert.deepEqual(result.requested?.map((item) => item.capability), ['security_audit', 'backend_development']);
    });
});
