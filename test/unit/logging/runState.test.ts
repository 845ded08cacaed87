import { strict as assert } from 'node:assert';
import {
  applyEvent,
  createRunState,
  foldEvents,
  metricsOf,
  progressOf,
  recommendationsOf,
} from '../../../src/core/logging/runState';
import { SESSION, T0, example1Events } from './example1';

function agent(state: ReturnType<typeof foldEvents>, name: string) {
  const view = state.agents.find((a) => a.name === name);
  assert.ok(view, `agent ${name} is in the state`);
  return view;
}

describe('run state projection', () => {
  it('follows the seed Example 1 run: statuses, durations, files and progress', () => {
    const state = foldEvents(SESSION, example1Events());
    assert.equal(state.status, 'completed');
    assert.equal(state.success, true);
    assert.equal(state.request, 'Fix security vulnerability in authentication endpoint');
    assert.equal(state.startedAt, T0);
    assert.deepEqual(
      state.agents.map((a) => [a.name, a.status, a.durationMs]),
      [
        ['security-auditor', 'completed', 7000],
        ['backend-api-developer', 'completed', 8156],
        ['test-suite-developer', 'completed', 5234],
        ['docs-writer', 'completed', 2600],
      ],
    );
    assert.deepEqual(agent(state, 'backend-api-developer').filesModified, ['src/auth.ts']);
    assert.equal(agent(state, 'security-auditor').toolCalls, 1);
    assert.deepEqual(progressOf(state), { done: 4, total: 4, percent: 100 });
    assert.equal(metricsOf(state).totalDurationMs, 35_000);
  });

  it('shows partial progress while the run is going', () => {
    const events = example1Events();
    const firstDone = events.findIndex((e) => e.type === 'agent.completed');
    const state = foldEvents(SESSION, events.slice(0, firstDone + 1));
    assert.equal(state.status, 'running');
    assert.deepEqual(progressOf(state), { done: 1, total: 4, percent: 25 });
    assert.equal(agent(state, 'backend-api-developer').status, 'pending');
  });

  it('counts messages by type and builds the communication flow', () => {
    const state = foldEvents(SESSION, example1Events());
    assert.equal(state.messageCount, 5);
    assert.deepEqual(state.messageCountsByType, {
      finding_report: 1,
      handoff: 1,
      validation_request: 1,
      validation_result: 1,
      pattern_discovered: 1,
    });
    assert.deepEqual(
      state.flow.map((e) => [`${e.from}->${e.to}`, e.count, e.types]),
      [
        ['security-auditor->all', 2, ['finding_report', 'pattern_discovered']],
        ['security-auditor->backend-api-developer', 2, ['handoff', 'validation_result']],
        ['backend-api-developer->security-auditor', 1, ['validation_request']],
      ],
    );
    // Broadcasts reach every other agent.
    assert.equal(agent(state, 'docs-writer').messagesReceived, 2);
    assert.equal(agent(state, 'security-auditor').messagesSent, 4);
  });

  it('records the handoff, finding, validation, change and pattern', () => {
    const state = foldEvents(SESSION, example1Events());
    assert.deepEqual(
      state.handoffs.map((h) => [h.from, h.to, h.task, h.urgency, h.contextItems, h.receivedAt !== null]),
      [['security-auditor', 'backend-api-developer', 'Fix authentication security vulnerability', 'high', 3, true]],
    );
    assert.deepEqual(state.findings.map((f) => [f.id, f.agent]), [['F1', 'security-auditor']]);
    assert.deepEqual(state.validations, [
      { requestId: 'v1', from: 'backend-api-developer', to: 'security-auditor', files: ['src/auth.ts'], approved: true, reasons: [] },
    ]);
    assert.deepEqual(state.changes.map((c) => [c.file, c.applied, c.findingIds]), [['src/auth.ts', true, ['F1']]]);
    assert.deepEqual(state.patterns.map((p) => [p.name, p.confidence, p.support, p.agent]), [['security-fix sequence', 85, 3, 'security-auditor']]);
  });

  it('reports parallel execution only when agents overlapped in time', () => {
    const parallel = metricsOf(foldEvents(SESSION, example1Events({ parallel: true })));
    const sequential = metricsOf(foldEvents(SESSION, example1Events({ parallel: false })));
    assert.ok(parallel.parallelExecutionPercent > 0, `expected overlap, got ${parallel.parallelExecutionPercent}%`);
    // docs-writer (2600ms) ran entirely inside test-suite-developer's 5234ms: 2 x 2600 of 22834 agent-ms.
    assert.equal(parallel.parallelExecutionPercent, Math.round((2 * 2600 * 100) / (7000 + 8156 + 5234 + 2600)));
    assert.equal(sequential.parallelExecutionPercent, 0);
  });

  it('computes tool metrics from the calls', () => {
    const metrics = metricsOf(foldEvents(SESSION, example1Events()));
    assert.equal(metrics.toolCalls, 3);
    assert.equal(metrics.avgToolMs, Math.round((234 + 234 + 100) / 3));
    assert.equal(metrics.mcpUtilizationPercent, 33);
    assert.deepEqual(metrics.findingsBySeverity, { high: 1 });
  });

  it('gives the same state when events are replayed twice', () => {
    const events = example1Events();
    const once = foldEvents(SESSION, events);
    const twice = foldEvents(SESSION, [...events, ...events]);
    assert.deepEqual(twice, once);
    // Replaying an overlapping tail onto a live state changes nothing either.
    const live = foldEvents(SESSION, events);
    for (const event of events.slice(5)) applyEvent(live, event);
    assert.deepEqual(live, once);
  });

  it('ignores events of another session', () => {
    const mine = example1Events();
    const other = example1Events({ failBackend: true }, 'session_other');
    const mixed = mine.flatMap((event, i) => (other[i] ? [other[i], event] : [event]));
    assert.deepEqual(foldEvents(SESSION, mixed), foldEvents(SESSION, mine));
  });

  it('is plain data: a JSON copy keeps folding to the same result', () => {
    const events = example1Events();
    const half = foldEvents(SESSION, events.slice(0, 15));
    const copy = JSON.parse(JSON.stringify(half)) as typeof half;
    assert.deepEqual(copy, half);
    for (const event of events.slice(15)) applyEvent(copy, event);
    assert.deepEqual(copy, foldEvents(SESSION, events));
  });

  it('keeps only the newest messages and tool calls but counts them all', () => {
    const state = createRunState(SESSION, { maxMessages: 2, maxToolCalls: 1 });
    for (const event of example1Events()) applyEvent(state, event);
    assert.equal(state.messageCount, 5);
    assert.deepEqual(state.messages.map((m) => m.type), ['validation_result', 'pattern_discovered']);
    assert.equal(state.toolCallCount, 3);
    assert.deepEqual(state.toolCalls.map((c) => c.tool), ['mcp__memory-bank__search']);
  });

  describe('recommendations', () => {
    it('names the failed agent and the skipped ones in a failed run', () => {
      const state = foldEvents(SESSION, example1Events({ failBackend: true }));
      assert.equal(state.status, 'failed');
      assert.equal(agent(state, 'backend-api-developer').error, 'Model request failed: 503 Service Unavailable');
      assert.deepEqual(progressOf(state), { done: 4, total: 4, percent: 100 });
      const recs = recommendationsOf(state);
      assert.equal(recs[0].priority, 'high');
      assert.match(recs[0].message, /backend-api-developer failed: Model request failed: 503/);
      assert.ok(recs.some((r) => r.type === 'coverage' && r.message.includes('test-suite-developer was skipped')));
      assert.ok(recs.some((r) => r.type === 'tools' && r.message.includes('backend-api-developer → Edit')));
    });

    it('asks for --apply after a dry run and for --allow-commands when tests could not run', () => {
      const recs = recommendationsOf(foldEvents(SESSION, example1Events({ apply: false, allowCommands: false })));
      const apply = recs.find((r) => r.type === 'apply');
      assert.ok(apply);
      assert.match(apply.message, /src\/auth\.ts.*dry run.*--apply/);
      const testing = recs.find((r) => r.type === 'testing');
      assert.ok(testing);
      assert.match(testing.message, /test-suite-developer.*--allow-commands/);
    });

    it('reports a rejected validation', () => {
      const recs = recommendationsOf(foldEvents(SESSION, example1Events({ reject: true })));
      const rejected = recs.find((r) => r.type === 'validation');
      assert.ok(rejected);
      assert.equal(rejected.priority, 'high');
      assert.match(rejected.message, /security-auditor rejected the changes by backend-api-developer to src\/auth\.ts: tenant-isolation still reported/);
    });

    it('points at a phase that ran sequentially because of maxParallelAgents', () => {
      const recs = recommendationsOf(foldEvents(SESSION, example1Events({ parallel: false, maxParallelAgents: 1 })));
      const tip = recs.find((r) => r.type === 'parallelization');
      assert.ok(tip);
      assert.match(tip.message, /Phase 3 .*maxParallelAgents is 1.*raise maxParallelAgents to 2/);
      // With room for both, running them one after the other was not caused by the limit.
      const roomy = recommendationsOf(foldEvents(SESSION, example1Events({ parallel: false, maxParallelAgents: 5 })));
      assert.equal(roomy.find((r) => r.type === 'parallelization'), undefined);
    });

    it('asks for a model when a finding has no autofix and stayed open', () => {
      const events = example1Events({ apply: false }).map((event) =>
        event.type === 'finding.reported' ? { ...event, payload: { ...event.payload, finding: { ...event.payload.finding, fixable: false } } } : event,
      );
      const recs = recommendationsOf(foldEvents(SESSION, events));
      const model = recs.find((r) => r.type === 'model');
      assert.ok(model);
      assert.match(model.message, /tenant-isolation at src\/auth\.ts:42/);
    });

    it('says nothing for a clean run with everything allowed', () => {
      assert.deepEqual(recommendationsOf(foldEvents(SESSION, example1Events())), []);
    });
  });
});
