import { strict as assert } from 'node:assert';
import type { ExecutionPlan } from '../../../src/core/protocol/plan';
import type { LearnedPattern } from '../../../src/core/protocol/learning';
import {
  chatText,
  costText,
  findingAnchorTitle,
  findingMarkdown,
  findingsToShow,
  learningsMarkdown,
  outcomeText,
  parseRunPrompt,
  planMarkdown,
  sessionIdIn,
} from '../../../src/vscode/chatPresentation';
import { sampleRun, tenantFinding } from './sampleRun';

const estimate = (estimated: number, confidence: number, samples: number) => ({ estimated, min: estimated / 2, max: estimated * 2, confidence, samples });

const plan: ExecutionPlan = {
  request: 'Fix security vulnerability in authentication endpoint',
  taskType: 'security_fix',
  agents: [
    { name: 'security-auditor', task: 'Audit', phase: 0, dependsOn: [], capabilities: ['security_audit'], runtime: 'offline', estimatedDuration: estimate(400, 55, 3) },
    { name: 'backend-api-developer', task: 'Fix <img src=x onerror=alert(1)> [click](https://evil.example)', phase: 1, dependsOn: ['security-auditor'], capabilities: ['backend_development'], runtime: 'offline', estimatedDuration: null },
  ],
  phases: [['security-auditor'], ['backend-api-developer']],
  skipped: [{ name: 'api-reviewer', reason: 'needs a language model' }],
  warnings: [],
  estimatedDuration: estimate(1800, 55, 3),
  mcpServers: [],
};

function pattern(overrides: Partial<LearnedPattern>): LearnedPattern {
  return { id: 'p', type: 'security', name: 'pattern', support: 2, confidence: 80, discoveredAt: 0, sequence: [], ...overrides } as LearnedPattern;
}

describe('chat presentation (@orchestrator)', () => {
  describe('/run prompt', () => {
    it('reads a leading consent flag, and no flag as "ask the user"', () => {
      assert.deepEqual(parseRunPrompt('--dry-run Fix the login'), { ok: true, request: 'Fix the login', mode: 'dryRun' });
      assert.deepEqual(parseRunPrompt('  --apply   Fix the login '), { ok: true, request: 'Fix the login', mode: 'applyAndTest' });
      assert.deepEqual(parseRunPrompt('--ask Fix the login'), { ok: true, request: 'Fix the login', mode: 'askEach' });
      assert.deepEqual(parseRunPrompt('Fix the login --apply'), { ok: true, request: 'Fix the login --apply', mode: null });
    });

    it('names an unknown flag, conflicting flags and a missing request', () => {
      const unknown = parseRunPrompt('--yes Fix it');
      assert.ok(!unknown.ok && /Unknown option --yes/.test(unknown.error));
      const both = parseRunPrompt('--dry-run --apply Fix it');
      assert.ok(!both.ok && /one of --dry-run, --apply and --ask/.test(both.error));
      const empty = parseRunPrompt('--apply');
      assert.ok(!empty.ok && /Say what the agents should do/.test(empty.error));
    });
  });

  it('shows the plan as the palette does: title with the learned estimate, agents by phase, skipped agents', () => {
    const text = planMarkdown({ plan, roster: [], warnings: ['agent file .claude/agents/bad.md ignored'], model: 'offline' });
    // Escaped Markdown (`\~`, `\(`) renders as the plain characters.
    assert.match(text, /\*\*Plan: 2 agents in 2 phases · \\~1\.8 s \\\(medium confidence, from 3 runs\\\)\*\*/);
    assert.match(text, /\*Phase 1\*\n\n- \*\*security-auditor\*\*: Audit \(built-in offline agent · security\\_audit · \\~400 ms\)/);
    assert.match(text, /- api-reviewer: skipped, needs a language model/);
    assert.match(text, /⚠ agent file \.claude\/agents\/bad\.md ignored/);
    // Text from an agent file is shown, never rendered: no HTML element, no link.
    assert.doesNotMatch(text, /<img/);
    assert.match(text, /&lt;img src=x onerror=alert\\\(1\\\)&gt; \\\[click\\\]\\\(https:\/\/evil\.example\\\)/);
  });

  it('keeps untrusted text on one line, masked and with control characters visible', () => {
    const text = chatText('token: ghp_abcdefghijklmnopqrstuvwxyz0123456789 \u001b[2J\nnext `code` **bold**');
    assert.doesNotMatch(text, /abcdefghijklmnopqrstuvwxyz0123456789/);
    assert.doesNotMatch(text, /[\u001b\n]/);
    assert.match(text, /\\\\u001b\\\[2J next \\`code\\` \\\*\\\*bold\\\*\\\*/);
  });

  it('orders findings worst first and anchors them by file and line', () => {
    const low = { ...tenantFinding, id: 'f2', severity: 'low' as const, file: 'a.ts', line: 3 };
    const critical = { ...tenantFinding, id: 'f3', severity: 'critical' as const, file: 'z.ts', line: 9 };
    assert.deepEqual(findingsToShow([low, tenantFinding, critical], 2).map((finding) => finding.id), ['f3', 'f1']);
    assert.equal(findingAnchorTitle(tenantFinding), 'src/routes/auth.ts:31');
    assert.equal(findingAnchorTitle({ ...tenantFinding, file: 'evil\u001b]8;;x.ts' }), 'evil\\u001b]8;;x.ts:31');
    assert.match(findingMarkdown({ ...tenantFinding, agent: 'security-auditor' }), /^- \*\*high\*\* agent-orchestrator\/missing-tenant-filter: Missing organizationId validation: .* \(security-auditor\) $/);
  });

  it('says how a stored run ended, and its cost', () => {
    const state = sampleRun().state();
    assert.equal(outcomeText(null, state), 'The run completed in 1.8 s: 1 finding \\(1 high\\), 1 fix proposed as diffs to 1 file \\(not applied\\).');
    assert.equal(costText(state), 'Cost: no model calls (offline agents only).');
    const cancelled = sampleRun('cancelled').state();
    assert.match(outcomeText(null, cancelled), /^The run cancelled after 1 of 3 agents/);
  });

  it('lists learned patterns strongest first, and one agent\'s on request', () => {
    const patterns = [
      pattern({ id: 'a', name: 'weak', confidence: 40, agent: 'docs-writer' }),
      pattern({ id: 'b', name: 'missing-organizationId-validation', confidence: 90, agent: 'security-auditor', solution: 'filter by tenant' }),
      pattern({ id: 'c', type: 'agent_sequence', name: 'order', confidence: 70, sequence: ['security-auditor', 'backend-api-developer'] }),
    ];
    const all = learningsMarkdown(patterns, undefined);
    assert.ok(all.indexOf('missing-organizationId-validation') < all.indexOf('order') && all.indexOf('order') < all.indexOf('weak'), all);
    const auditor = learningsMarkdown(patterns, 'Security-Auditor');
    assert.match(auditor, /2 learned patterns involving Security-Auditor/);
    assert.doesNotMatch(auditor, /weak/);
    assert.match(auditor, /solution: filter by tenant/);
    assert.match(learningsMarkdown(patterns, 'nobody'), /No learned pattern involves nobody yet \(3 patterns in all\)/);
    assert.match(learningsMarkdown([], undefined), /Nothing learned yet/);
  });

  it('finds a session id named in a question', () => {
    assert.equal(sessionIdIn('why did session_20260110_120000_ab12cd fail?'), 'session_20260110_120000_ab12cd');
    assert.equal(sessionIdIn('why did the validation fail?'), null);
  });
});
