import { strict as assert } from 'node:assert';
import type { ExecutionPlan } from '../../../src/core/protocol/plan';
import { formatDuration, formatEstimate, relativeTime } from '../../../src/vscode/format';
import { planRows, planTitle } from '../../../src/vscode/planPresentation';

const estimate = (estimated: number, confidence: number, samples: number) => ({ estimated, min: estimated / 2, max: estimated * 2, confidence, samples });

const plan: ExecutionPlan = {
  request: 'Fix security vulnerability in authentication endpoint',
  taskType: 'security_fix',
  agents: [
    { name: 'security-auditor', task: 'Audit', phase: 0, dependsOn: [], capabilities: ['security_audit'], runtime: 'offline', estimatedDuration: estimate(400, 55, 3) },
    { name: 'backend-api-developer', task: 'Fix', phase: 1, dependsOn: ['security-auditor'], capabilities: ['backend_development'], runtime: 'offline', estimatedDuration: null },
    { name: 'test-suite-developer', task: 'Test', phase: 2, dependsOn: ['backend-api-developer'], capabilities: ['testing'], runtime: 'offline', estimatedDuration: estimate(90, 55, 3) },
    { name: 'docs-writer', task: 'Document', phase: 2, dependsOn: ['backend-api-developer'], capabilities: ['documentation'], runtime: 'offline', estimatedDuration: estimate(20, 55, 3) },
  ],
  phases: [['security-auditor'], ['backend-api-developer'], ['test-suite-developer', 'docs-writer']],
  skipped: [{ name: 'api-reviewer', reason: 'needs a language model' }],
  warnings: ['agent file .claude/agents/bad.md ignored'],
  estimatedDuration: estimate(1800, 55, 3),
  mcpServers: [],
};

describe('plan presentation (the plan picker)', () => {
  it('titles the plan with agent and phase counts and the learned estimate in words', () => {
    assert.equal(planTitle(plan), 'Plan: 4 agents in 3 phases · ~1.8 s (medium confidence, from 3 runs)');
    assert.equal(planTitle({ ...plan, estimatedDuration: null }), 'Plan: 4 agents in 3 phases · no estimate yet (no past runs)');
  });

  it('words estimates by confidence and says how many runs they come from', () => {
    assert.equal(formatEstimate(estimate(700, 20, 1)), '~700 ms (low confidence, from 1 run)');
    assert.equal(formatEstimate(estimate(65_000, 90, 12)), '~1 min 05 s (high confidence, from 12 runs)');
    assert.equal(formatEstimate(estimate(700, 0, 0)), null, 'no samples means no estimate');
  });

  it('lists what the request asked for and no agent will do, once, before the skipped agents', () => {
    const uncovered = { capability: 'frontend_development', requestedAs: 'frontend UI', coveredBy: [], reason: 'writing new code needs a language model' };
    const rows = planRows({ ...plan, uncovered: [uncovered], warnings: [...plan.warnings, 'Not covered: frontend development ("frontend UI"): writing new code needs a language model.'] }, []);
    const labels = rows.map((row) => `${row.kind}:${row.label}`);
    const at = labels.indexOf('separator:Not covered: will not be done');
    assert.ok(at > 0 && at < labels.indexOf('separator:Skipped'), labels.join('\n'));
    assert.equal(labels[at + 1], 'warning:frontend development ("frontend UI"): writing new code needs a language model');
    assert.equal(labels.filter((label) => label.includes('frontend UI')).length, 1, 'not repeated among the warnings');
  });

  it('groups agents by phase, marks parallel phases, then lists skipped agents and warnings', () => {
    const rows = planRows(plan, []);
    assert.deepEqual(rows.map((row) => `${row.kind}:${row.label}`), [
      'separator:Phase 1',
      'agent:security-auditor',
      'separator:Phase 2',
      'agent:backend-api-developer',
      'separator:Phase 3 (parallel)',
      'agent:test-suite-developer',
      'agent:docs-writer',
      'separator:Skipped',
      'skipped:api-reviewer',
      'separator:Warnings',
      'warning:agent file .claude/agents/bad.md ignored',
    ]);
    const auditor = rows[1];
    assert.ok(auditor?.kind === 'agent');
    assert.equal(auditor.description, 'Audit');
    assert.equal(auditor.detail, 'built-in offline agent · security_audit · ~400 ms');
    const developer = rows[3];
    assert.ok(developer?.kind === 'agent');
    assert.match(developer.detail, /no estimate yet · after security-auditor/);
    const skipped = rows[8];
    assert.ok(skipped?.kind === 'skipped' && skipped.description === 'needs a language model');
  });

  it('names a workspace agent file as the agent source', () => {
    const rows = planRows(plan, [{ name: 'docs-writer', description: '', capabilities: [], tools: [], source: '.claude/agents/docs.md', runtime: 'offline' }]);
    const docs = rows.find((row) => row.kind === 'agent' && row.name === 'docs-writer');
    assert.ok(docs?.kind === 'agent' && docs.detail.endsWith('.claude/agents/docs.md'));
  });

  it('formats durations and relative times for people', () => {
    assert.equal(formatDuration(63), '63 ms');
    assert.equal(formatDuration(1840), '1.8 s');
    assert.equal(formatDuration(125_000), '2 min 05 s');
    const now = Date.UTC(2026, 0, 10, 12);
    assert.equal(relativeTime(now, now - 10_000), 'just now');
    assert.equal(relativeTime(now, now - 5 * 60_000), '5 min ago');
    assert.equal(relativeTime(now, now - 3 * 3_600_000), '3 h ago');
    assert.equal(relativeTime(now, now - 26 * 3_600_000), 'yesterday');
    assert.equal(relativeTime(now, now - 40 * 86_400_000), '2025-12-01');
  });
});
