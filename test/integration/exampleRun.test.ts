// The seed's Example 1, end to end on the bundled example workspace: real scanner, real store, real test run.
import { strict as assert } from 'node:assert';
import { readFileSync, rmSync, existsSync } from 'node:fs';
import path from 'node:path';
import { scratchCopyOfExample } from '../helpers/exampleWorkspace';
import { openWorkspaceEngine } from '../../src/agents/workspaceEngine';
import type { OrchestratorEvent } from '../../src/core/protocol/events';

const REQUEST = 'Fix security vulnerability in authentication endpoint';


function label(event: OrchestratorEvent): string {
  switch (event.type) {
    case 'agent.started':
    case 'agent.completed':
      return `${event.type}:${event.payload.agent}`;
    case 'message.sent':
      return `${event.payload.message.type}:${event.payload.message.from}->${event.payload.message.to}`;
    case 'handoff.initiated':
      return `handoff:${event.payload.package.from}->${event.payload.package.to}`;
    default:
      return event.type;
  }
}

describe('Example 1 on examples/vulnerable-api (integration)', function () {
  this.timeout(120_000);
  let workspace: string;
  before(() => { workspace = scratchCopyOfExample(); });
  after(() => rmSync(workspace, { recursive: true, force: true }));

  it('audits, hands off, fixes, validates, tests and documents in the seed\'s order, then learns', async () => {
    const engine = await openWorkspaceEngine({ workspaceRoot: workspace, mode: 'write', allowCommands: true, env: {} });
    let events: OrchestratorEvent[];
    try {
      const result = await engine.orchestrator.executeRequest(REQUEST, { apply: true, allowCommands: true });
      assert.equal(result.success, true, result.error);
      events = engine.store.getEvents(result.sessionId);
      assert.deepEqual(result.plan.phases, [['security-auditor'], ['backend-api-developer'], ['test-suite-developer', 'docs-writer']]);
      assert.deepEqual(result.plan.skipped.map((s) => s.name), ['api-reviewer'], 'the example\'s model-only agent is skipped, not dropped');
      for (const file of [result.logFile, result.dashboardFile, result.reportFile]) assert.ok(existsSync(file));
    } finally {
      await engine.close();
    }

    const labels = events.map(label);
    const at = (needle: string): number => {
      const index = labels.indexOf(needle);
      assert.notEqual(index, -1, `expected ${needle} in the event stream`);
      return index;
    };
    const order = [
      'agent.started:security-auditor',
      'finding_report:security-auditor->all',
      'agent.completed:security-auditor',
      'handoff:security-auditor->backend-api-developer',
      'agent.started:backend-api-developer',
      'validation_request:backend-api-developer->security-auditor',
      'validation_result:security-auditor->backend-api-developer',
      'agent.completed:backend-api-developer',
    ].map(at);
    assert.deepEqual(order, [...order].sort((a, b) => a - b), `seed order, got ${labels.filter((l) => order.includes(labels.indexOf(l))).join(' > ')}`);

    // Tests and docs start after the fix and overlap each other.
    const testsStart = at('agent.started:test-suite-developer');
    const docsStart = at('agent.started:docs-writer');
    const firstOfTwoDone = Math.min(at('agent.completed:test-suite-developer'), at('agent.completed:docs-writer'));
    assert.ok(testsStart > order[7]! && docsStart > order[7]!);
    assert.ok(Math.max(testsStart, docsStart) < firstOfTwoDone, 'test-suite-developer and docs-writer run in parallel');

    const headline = events.find((e) => e.type === 'finding.reported' && e.payload.finding.file === 'src/routes/auth.ts' && /organizationId/.test(e.payload.finding.message));
    assert.ok(headline, 'the missing organizationId check in the auth endpoint is reported');

    const verdict = events.find((e) => e.type === 'message.sent' && e.payload.message.type === 'validation_result');
    assert.ok(verdict?.type === 'message.sent' && verdict.payload.message.type === 'validation_result' && verdict.payload.message.payload.approved);

    const testResults = events.find((e) => e.type === 'message.sent' && e.payload.message.type === 'context_share' && e.payload.message.payload.topic === 'test-results');
    assert.ok(testResults?.type === 'message.sent' && testResults.payload.message.type === 'context_share');
    assert.equal(testResults.payload.message.payload.data.exitCode, 0, 'the example\'s tests pass after the fix');

    const fixed = readFileSync(path.join(workspace, 'src', 'routes', 'auth.ts'), 'utf8');
    assert.match(fixed, /organizationId: req\.user\.organizationId/);

    const lastAgentDone = Math.max(at('agent.completed:test-suite-developer'), at('agent.completed:docs-writer'));
    const learned = labels.map((l, i) => (l === 'learning.recorded' ? i : -1)).filter((i) => i >= 0);
    assert.equal(learned.length, 4, 'one learning record per agent');
    assert.ok(learned.every((i) => i > lastAgentDone));
    const patterns = events.filter((e) => e.type === 'pattern.discovered');
    // One run proves nothing: no agent order or tool sequence is presented as learned from it.
    const mined = patterns.filter((e) => e.type === 'pattern.discovered' && e.payload.pattern.type !== 'security');
    assert.deepEqual(mined.map((e) => e.type === 'pattern.discovered' && e.payload.pattern.name), []);
    const security = patterns.find((e) => e.type === 'pattern.discovered' && e.payload.pattern.type === 'security');
    assert.ok(security?.type === 'pattern.discovered', 'the auditor shares the recurring missing-organizationId pattern');
    assert.equal(security.payload.pattern.name, 'missing-organizationId-validation');
    assert.ok(events.indexOf(security) < at('agent.completed:security-auditor'));
    assert.equal(events.at(-1)?.type, 'run.completed');
  });

  it('plans the second identical run with a duration learned from the first', async () => {
    const engine = await openWorkspaceEngine({ workspaceRoot: workspace, mode: 'read', env: {} });
    try {
      const plan = engine.orchestrator.plan(REQUEST);
      assert.ok(plan.estimatedDuration, 'estimate present');
      assert.equal(plan.estimatedDuration.samples, 1);
      assert.ok(plan.estimatedDuration.estimated > 0);
      assert.ok(plan.agents.every((agent) => agent.estimatedDuration !== null));
    } finally {
      await engine.close();
    }
  });
});
