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
import { diagnosticMessage, findingLabel, findingTooltipLines, scanCoverageLines, scanCoverageSummary } from '../../../src/core/logging/findingPresentation';
import type { ScanCoverage } from '../../../src/core/protocol/findings';
import { DashboardModel } from '../../../webview/src/dashboardModel';
import { EventLog, sampleRun, T0, tenantFinding } from './sampleRun';

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
    const { tooltip, ...entry } = sections[0]!.items[0]!;
    assert.deepEqual(entry, {
      label: 'high agent-orchestrator/missing-tenant-filter at src/routes/auth.ts:31',
      finding: { file: 'src/routes/auth.ts', line: 31, column: 22 },
    });
    assert.match(tooltip ?? '', /^Fix: automatic$/m);
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

describe('findings and scan coverage where a VS Code user looks', () => {
  const coverage: ScanCoverage = {
    filesScanned: 42,
    skipped: [
      { category: 'minified', count: 5, reason: 'minified or bundled code (a .min.js file, very long lines)', paths: ['public/app.min.js', 'public/vendor.min.js', 'dist/a.js', 'dist/b.js'] },
      { category: 'vendored', count: 1, reason: 'vendored third-party code', paths: ['vendor/'] },
    ],
    parseErrors: [{ file: 'src/broken\u001b[31m.js', message: 'Unexpected token (3:7)\n<img src=x onerror=alert(1)>' }],
    findingsInTests: 2,
  };
  const manual = { ...tenantFinding, fixable: false, manualFixReason: 'the model has no organizationId field\u0007', inTest: true };

  it('labels a finding in a test as such and says why it needs a model or a person, in the tooltip and the Problems panel', () => {
    assert.equal(findingLabel(manual), 'high agent-orchestrator/missing-tenant-filter at src/routes/auth.ts:31 (in a test)');
    const tooltip = findingTooltipLines(manual).join('\n');
    assert.match(tooltip, /^Fix: needs a model or a person: the model has no organizationId field$/m);
    assert.match(tooltip, /^In a test: /m);
    assert.doesNotMatch(tooltip, /\u0007/);
    assert.match(diagnosticMessage(manual), /\nNeeds a model or a person: the model has no organizationId field\nIn a test: reported apart, at a lower severity\.$/);
    assert.equal(diagnosticMessage(tenantFinding), `${tenantFinding.message}\nFix: ${tenantFinding.recommendation}`);
  });

  it('shows the handoff\'s findings with those details on hover', () => {
    const log = sampleRun();
    const handoff = log.state().handoffs[0]!;
    const sections = handoffSections({ ...handoff.package, executionContext: { ...handoff.package.executionContext, findings: [manual] } });
    assert.equal(sections[0]!.items[0]!.label, findingLabel(manual));
    assert.match(sections[0]!.items[0]!.tooltip ?? '', /needs a model or a person: the model has no organizationId field/);
  });

  it('lists what a scan left out by reason and what did not parse, as plain one-line text', () => {
    const lines = scanCoverageLines(coverage);
    assert.deepEqual(lines, [
      'Scanned 42 files',
      'Not scanned, minified: 5, minified or bundled code (a .min.js file, very long lines) (public/app.min.js, public/vendor.min.js, dist/a.js, and 2 more)',
      'Not scanned, vendored: 1, vendored third-party code (vendor/)',
      'Could not parse 1 file (not checked):',
      '  src/broken [31m.js: Unexpected token (3:7) <img src=x onerror=alert(1)>',
      '2 findings in tests, reported apart at a lower severity',
    ]);
    assert.equal(scanCoverageSummary(coverage), '42 files scanned · 6 skipped · 1 did not parse');
  });

  it('adds the scan coverage to the scanning agent\'s tooltip', () => {
    const log = new EventLog();
    for (const event of sampleRun().events.slice(0, 3)) log.events.push(event);
    log.add('agent.completed', { agent: 'security-auditor', durationMs: 90, summary: 'scanned', scanCoverage: coverage }, 100);
    const auditor = log.state().agents.find((agent) => agent.name === 'security-auditor')!;
    const tooltip = agentTooltip(auditor, log.state().lastEventAt);
    assert.match(tooltip, /^Not scanned, vendored: 1, vendored third-party code \(vendor\/\)$/m);
    assert.match(tooltip, /^ {2}src\/broken \[31m\.js: Unexpected token/m);
    assert.doesNotMatch(tooltip, /\u001b/);
  });

  it('redraws the dashboard\'s findings section when an agent completes with its scan coverage', () => {
    const model = new DashboardModel();
    const events = sampleRun().events;
    model.loadSession({ sessionId: events[0]!.sessionId, workspaceName: 'w', live: true, interactive: true }, events.slice(0, 3));
    model.takeWork();
    const completed = events.find((event) => event.type === 'agent.completed')!;
    model.applyEvents(completed.sessionId, [completed]);
    assert.ok(model.takeWork().dirty.has('findings'));
  });
});
