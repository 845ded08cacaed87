import { strict as assert } from 'node:assert';
import {
  AGENT_STATUS_ICONS,
  agentDescription,
  agentTooltip,
  handoffDescription,
  handoffSections,
  messageDescription,
  messageLabel,
  patternDescription,
  sessionDescription,
} from '../../../src/vscode/treePresentation';
import { EventLog, sampleRun, T0 } from './sampleRun';

describe('sidebar tree presentation', () => {
  it('describes each agent with its status and duration, and an icon per status', () => {
    const state = sampleRun().state();
    const byName = new Map(state.agents.map((agent) => [agent.name, agent]));
    assert.equal(agentDescription(byName.get('security-auditor')!, state.lastEventAt), 'completed · 98 ms');
    assert.equal(agentDescription(byName.get('test-suite-developer')!, state.lastEventAt), 'skipped');
    assert.equal(AGENT_STATUS_ICONS.completed.icon, 'pass');
    assert.equal(AGENT_STATUS_ICONS.failed.color, 'testing.iconFailed');
    const tooltip = agentTooltip(byName.get('test-suite-developer')!, state.lastEventAt);
    assert.match(tooltip, /Task: Run the tests/);
    assert.match(tooltip, /Capabilities: testing/);
    assert.match(tooltip, /Skipped: running commands needs consent/);
  });

  it('shows a running agent\'s elapsed time up to the newest event', () => {
    const log = new EventLog();
    const full = sampleRun().events;
    for (const event of full.slice(0, 3)) log.events.push(event);
    log.add('agent.tool_called', { agent: 'security-auditor', tool: 'Scan', params: {}, status: 'success', durationMs: 5 }, 1202);
    const state = log.state();
    assert.equal(agentDescription(state.agents[0]!, state.lastEventAt), 'running · 1.2 s');
    assert.equal(agentDescription(state.agents[1]!, state.lastEventAt), 'pending');
  });

  it('says a running agent is waiting for approval, and what for, until it is answered', () => {
    const log = new EventLog();
    for (const event of sampleRun().events.slice(0, 3)) log.events.push(event);
    log.add('agent.waiting', { agent: 'security-auditor', waitingFor: 'approval', detail: 'edit src/routes/auth.ts' }, 1202);
    let state = log.state();
    assert.equal(agentDescription(state.agents[0]!, state.lastEventAt), 'waiting for approval · edit src/routes/auth.ts');
    log.add('agent.waiting', { agent: 'security-auditor', waitingFor: null, detail: '' }, 1300);
    state = log.state();
    assert.equal(agentDescription(state.agents[0]!, state.lastEventAt), 'running · 1.3 s');
  });

  it('labels messages "TYPE from → to" with priority and gist', () => {
    const state = sampleRun().state();
    const message = state.messages[0]!;
    assert.equal(messageLabel(message), 'FINDING_REPORT security-auditor → all');
    assert.equal(messageDescription(message), 'high · high agent-orchestrator/missing-tenant-filter at src/routes/auth.ts:31');
  });

  it('describes a handoff and expands its package into non-empty sections', () => {
    const state = sampleRun().state();
    const handoff = state.handoffs[0]!;
    assert.equal(handoffDescription(handoff), 'Fix 1 security finding · 5 context items');
    const sections = handoffSections(handoff.package);
    assert.deepEqual(sections.map((section) => section.title), ['Findings', 'Files read', 'Decisions', 'Recommendations']);
    assert.deepEqual(sections[0]!.items[0], {
      label: 'high agent-orchestrator/missing-tenant-filter at src/routes/auth.ts:31',
      finding: { file: 'src/routes/auth.ts', line: 31, column: 22 },
    });
    assert.deepEqual(sections[3]!.items.map((item) => item.label), ['Next: add the tenant filter', 'Testing needed']);
  });

  it('describes patterns by confidence, support and agent', () => {
    const state = sampleRun().state();
    assert.equal(patternDescription(state.patterns[0]!), '100% · support 2');
    assert.equal(patternDescription({ ...state.patterns[0]!, agent: 'security-auditor', confidence: 72.4 }), '72% · support 2 · security-auditor');
  });

  it('describes sessions by status and age', () => {
    const session = { sessionId: 's', request: 'r', workspace: 'w', startedAt: T0, completedAt: T0 + 1000, status: 'timed_out' as const, success: false, eventCount: 3, agents: [] };
    assert.equal(sessionDescription(session, T0 + 2 * 3_600_000), 'timed out · 2 h ago');
  });
});
