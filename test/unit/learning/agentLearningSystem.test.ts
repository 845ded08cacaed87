import { strict as assert } from 'node:assert';
import { AgentLearningSystem } from '../../../src/core/learning/agentLearningSystem';
import { InMemoryLearningRepository } from '../../../src/core/learning/inMemoryLearningRepository';
import type { LearningRecord } from '../../../src/core/protocol/learning';
import { ProtocolValidationError } from '../../../src/core/protocol/validation';
import { ManualClock, createFixture, makeRecord } from './helpers';

const AGENT = 'backend-api-developer';

describe('AgentLearningSystem queries', () => {
  it('answers with empty lists, zero confidence and no samples when there is no history', () => {
    const { system } = createFixture();
    const result = system.queryLearnings(AGENT, { taskType: 'api-creation', complexity: 'medium' });
    assert.deepEqual(result.recommendedApproach, { toolSequence: [], support: 0, mcpServers: [], parallelOpportunities: [], confidence: 0 });
    assert.deepEqual(result.commonPitfalls, []);
    assert.deepEqual(result.optimizationTips, []);
    assert.deepEqual(result.collaborationPatterns, { frequentCollaborators: {}, effectiveHandoffs: [], communicationEfficiency: 0 });
    assert.deepEqual(result.estimatedDuration, { estimated: 0, min: 0, max: 0, confidence: 0, samples: 0 });
    assert.equal(result.confidenceScore, 0);
    assert.equal(result.sampleSize, 0);
    assert.deepEqual(system.minePatterns(), []);
  });

  it('estimates from a single run with one sample and low confidence', () => {
    const { system } = createFixture();
    system.recordAgentExecution(AGENT, { sessionId: 'session_123', duration: 5000, toolSequence: ['Read', 'Edit', 'Write'], success: true, qualityScore: 90 });
    const estimate = system.estimateDuration(AGENT);
    assert.equal(estimate.samples, 1);
    assert.equal(estimate.estimated, 5000);
    assert.equal(estimate.min, 5000);
    assert.equal(estimate.max, 5000);
    assert.ok(estimate.confidence > 0 && estimate.confidence < 50, `confidence ${estimate.confidence} should be low`);
  });

  it('grows the estimate confidence as consistent samples accumulate, never reaching certainty', () => {
    const { system } = createFixture();
    const confidences: number[] = [];
    for (let i = 1; i <= 40; i++) {
      system.recordAgentExecution(AGENT, { sessionId: `s${i}`, duration: 5000 + (i % 3) * 100, success: true });
      if (i === 1 || i === 5 || i === 20 || i === 40) confidences.push(system.estimateDuration(AGENT).confidence);
    }
    for (let i = 1; i < confidences.length; i++) assert.ok((confidences[i] as number) >= (confidences[i - 1] as number), `${confidences.join(' <= ')}`);
    assert.ok((confidences[2] as number) > (confidences[0] as number));
    assert.ok((confidences[3] as number) <= 95);
  });

  it('is less confident about widely spread durations than about steady ones', () => {
    const steady = createFixture();
    const spread = createFixture();
    [5000, 5100, 4900, 5050, 4950].forEach((duration, i) => steady.system.recordAgentExecution(AGENT, { sessionId: `s${i}`, duration, success: true }));
    [1000, 9000, 2000, 15000, 5000].forEach((duration, i) => spread.system.recordAgentExecution(AGENT, { sessionId: `s${i}`, duration, success: true }));
    assert.ok(spread.system.estimateDuration(AGENT).confidence < steady.system.estimateDuration(AGENT).confidence);
  });

  it('takes the median as estimate and a prediction interval around what was observed', () => {
    const { system } = createFixture();
    [4000, 9000, 5000].forEach((duration, i) => system.recordAgentExecution(AGENT, { sessionId: `s${i}`, duration, success: true }));
    const estimate = system.estimateDuration(AGENT);
    assert.equal(estimate.estimated, 5000);
    assert.equal(estimate.samples, 3);
    // Three runs say little about the spread: the interval for the next run reaches beyond what was seen.
    assert.ok(estimate.min < 4000 && estimate.max > 9000, `${estimate.min}..${estimate.max}`);
  });

  it('narrows the interval as steady runs accumulate, and one outlier does not set the maximum', () => {
    const { system } = createFixture();
    const widths: number[] = [];
    for (let i = 0; i < 19; i++) {
      system.recordAgentExecution(AGENT, { sessionId: `s${i}`, duration: 1000 + (i % 5) * 40, success: true });
      if (i === 2 || i === 18) widths.push(system.estimateDuration(AGENT).max - system.estimateDuration(AGENT).min);
    }
    assert.ok((widths[1] as number) < (widths[0] as number), `width ${widths.join(' -> ')}`);
    system.recordAgentExecution(AGENT, { sessionId: 'slow', duration: 60_000, success: true });
    const estimate = system.estimateDuration(AGENT);
    assert.equal(estimate.samples, 20);
    assert.ok(estimate.max < 60_000, `max ${estimate.max}`);
    assert.ok(estimate.min < 1000 + 80 && estimate.max > 1160, `${estimate.min}..${estimate.max}`);
  });

  it('holds the next run in at least 80% of cases once five runs are recorded, unlike the observed min..max', () => {
    // Durations with the spread of real runs of the example (log-normal, sd of the log about 0.25), seeded.
    const next = seeded(7);
    const normal = (): number => Math.sqrt(-2 * Math.log(1 - next())) * Math.cos(2 * Math.PI * next());
    let held = 0;
    let heldByObservedRange = 0;
    let trials = 0;
    for (let trial = 0; trial < 200; trial++) {
      const durations = Array.from({ length: 6 }, () => Math.round(3000 * Math.exp(0.25 * normal())));
      const { system } = createFixture();
      durations.slice(0, 5).forEach((duration, i) => system.recordAgentExecution(AGENT, { sessionId: `s${i}`, duration, success: true }));
      const estimate = system.estimateDuration(AGENT);
      const actual = durations[5] as number;
      trials++;
      if (actual >= estimate.min && actual <= estimate.max) held++;
      const seen = durations.slice(0, 5);
      if (actual >= Math.min(...seen) && actual <= Math.max(...seen)) heldByObservedRange++;
    }
    assert.ok(held / trials >= 0.8, `held ${held} of ${trials}`);
    assert.ok(heldByObservedRange / trials < 0.75, `the observed range held ${heldByObservedRange} of ${trials}`);
  });

  it('estimates from successful runs, and from failed ones only when nothing succeeded', () => {
    const { system } = createFixture();
    system.recordAgentExecution(AGENT, { sessionId: 'f1', duration: 100, success: false });
    assert.equal(system.estimateDuration(AGENT).estimated, 100);
    system.recordAgentExecution(AGENT, { sessionId: 'ok1', duration: 8000, success: true });
    system.recordAgentExecution(AGENT, { sessionId: 'f2', duration: 200, success: false });
    const estimate = system.estimateDuration(AGENT);
    assert.equal(estimate.estimated, 8000);
    assert.equal(estimate.samples, 1);
  });

  it('learns no duration from runs cut off by a time limit or cancelled, but keeps them as pitfalls', () => {
    const { system } = createFixture();
    // A 3.5 s agent that fails its tests on its own, and three runs cut off by --agent-timeout 500 / --timeout.
    system.recordAgentExecution(AGENT, { sessionId: 'own1', duration: 3500, success: false, errors: ['Tests fail: 0 passed, 4 failed'] });
    system.recordAgentExecution(AGENT, { sessionId: 'cut1', duration: 500, success: false, ending: 'timed_out', errors: [`${AGENT} did not finish within its 500 ms timeout`] });
    system.recordAgentExecution(AGENT, { sessionId: 'cut2', duration: 480, success: false, ending: 'timed_out', errors: ['The run exceeded its 1500 ms timeout'] });
    system.recordAgentExecution(AGENT, { sessionId: 'own2', duration: 3600, success: false, errors: ['Tests fail: 1 passed, 3 failed'] });
    system.recordAgentExecution(AGENT, { sessionId: 'stop', duration: 120, success: false, ending: 'cancelled', errors: ['The run was cancelled'] });
    const result = system.queryLearnings(AGENT);
    assert.equal(result.estimatedDuration.samples, 2);
    assert.equal(result.estimatedDuration.estimated, 3550);
    assert.equal(result.sampleSize, 5);
    assert.ok(result.commonPitfalls.some((p) => /did not finish within its <n> ms timeout/.test(p.issue)), JSON.stringify(result.commonPitfalls));
  });

  it('recognises cut-off runs stored before the ending was recorded by their error text', () => {
    const { system } = createFixture();
    system.recordAgentExecution(AGENT, makeRecord(AGENT, { duration: 500, success: false, errors: [`${AGENT} did not finish within its 500 ms timeout`] }));
    system.recordAgentExecution(AGENT, makeRecord(AGENT, { duration: 900, success: false, errors: ['The run was cancelled'] }));
    system.recordAgentExecution(AGENT, makeRecord(AGENT, { duration: 3500, success: false, errors: ['Tests fail'] }));
    const estimate = system.estimateDuration(AGENT);
    assert.deepEqual([estimate.estimated, estimate.samples], [3500, 1]);
  });

  it('has no duration estimate when every run was cut off', () => {
    const { system } = createFixture();
    system.recordAgentExecution(AGENT, { sessionId: 'cut', duration: 500, success: false, ending: 'timed_out' });
    assert.equal(system.estimateDuration(AGENT).samples, 0);
  });

  it('prefers executions of the asked task type and falls back to all of them when there are none', () => {
    const { system } = createFixture();
    for (let i = 0; i < 3; i++) system.recordAgentExecution(AGENT, { sessionId: `api${i}`, taskType: 'api-creation', duration: 2000, toolSequence: ['Read', 'Write'], success: true });
    for (let i = 0; i < 5; i++) system.recordAgentExecution(AGENT, { sessionId: `doc${i}`, taskType: 'documentation', duration: 9000, toolSequence: ['Grep'], success: true });

    const api = system.queryLearnings(AGENT, { taskType: 'api-creation' });
    assert.equal(api.sampleSize, 3);
    assert.equal(api.estimatedDuration.estimated, 2000);
    assert.deepEqual(api.recommendedApproach.toolSequence, ['Read', 'Write']);

    const unknown = system.queryLearnings(AGENT, { taskType: 'database-migration' });
    assert.equal(unknown.sampleSize, 8);
    assert.deepEqual(unknown.recommendedApproach.toolSequence, ['Grep']);
    assert.equal(system.estimateDuration(AGENT, 'documentation').estimated, 9000);
  });

  it('only looks at the newest maxExecutionsPerAgent executions', () => {
    const { system } = createFixture({ maxExecutionsPerAgent: 5 });
    for (let i = 0; i < 10; i++) system.recordAgentExecution(AGENT, { sessionId: `old${i}`, duration: 50_000, success: true });
    for (let i = 0; i < 5; i++) system.recordAgentExecution(AGENT, { sessionId: `new${i}`, duration: 1000, success: true });
    const result = system.queryLearnings(AGENT);
    assert.equal(result.sampleSize, 5);
    assert.equal(result.estimatedDuration.max, 1000);
  });

  it('groups recorded errors that differ only by numbers and paths, counting how often they happen', () => {
    const { system } = createFixture();
    const errors = [
      ['Timeout after 3000ms reading src/auth/login.ts'],
      ['Timeout after 4500ms reading lib/db.ts', 'Prisma client not generated'],
      ['Timeout after 12000ms reading C:\\work\\app\\index.ts'],
      [],
      ['Prisma client not generated'],
      [],
      [],
      [],
      [],
      ['Port 3000 already in use'],
    ];
    errors.forEach((list, i) => system.recordAgentExecution(AGENT, { sessionId: `s${i}`, duration: 1000, success: list.length === 0, errors: list }));
    const pitfalls = system.queryLearnings(AGENT).commonPitfalls;
    assert.equal(pitfalls.length, 3);
    const [first, second, third] = pitfalls;
    assert.match(first?.issue ?? '', /^Timeout after .*ms reading /);
    assert.doesNotMatch(first?.issue ?? '', /3000|login\.ts/);
    assert.deepEqual([first?.frequency, first?.severity], [3, 'medium']);
    assert.deepEqual([second?.issue, second?.frequency, second?.severity], ['Prisma client not generated', 2, 'medium']);
    assert.deepEqual([third?.frequency, third?.severity], [1, 'low']);
  });

  it('marks a pitfall seen in at least half of the executions as high severity and counts bottlenecks', () => {
    const { system } = createFixture();
    system.recordAgentExecution(AGENT, makeRecord(AGENT, { bottlenecks: ['Waiting 12s for test-suite-developer'] }));
    system.recordAgentExecution(AGENT, makeRecord(AGENT, { bottlenecks: ['Waiting 40s for test-suite-developer'] }));
    system.recordAgentExecution(AGENT, makeRecord(AGENT, {}));
    const [pitfall] = system.queryLearnings(AGENT).commonPitfalls;
    assert.deepEqual([pitfall?.frequency, pitfall?.severity], [2, 'high']);
  });

  it('recommends the most frequent tool sequence among successful runs, with its support', () => {
    const { system } = createFixture();
    const runs: [string[], boolean][] = [
      [['Read', 'Edit', 'Write'], true],
      [['Grep', 'Read'], true],
      [['Read', 'Edit', 'Write'], true],
      [['Bash'], false],
      [['Bash'], false],
      [['Bash'], false],
      [['Read', 'Edit', 'Write'], true],
    ];
    runs.forEach(([toolSequence, success], i) => system.recordAgentExecution(AGENT, { sessionId: `s${i}`, duration: 1000, toolSequence, success }));
    const approach = system.queryLearnings(AGENT).recommendedApproach;
    assert.deepEqual(approach.toolSequence, ['Read', 'Edit', 'Write']);
    assert.equal(approach.support, 3);
    assert.ok(approach.confidence > 0 && approach.confidence < 75, `confidence ${approach.confidence}`);
  });

  it('lists MCP servers used in at least half the successful runs and agents run in parallel at least twice', () => {
    const { system } = createFixture();
    const usage: [Record<string, boolean>, string[]][] = [
      [{ 'PostgreSQL MCP': true, 'GitHub MCP': true }, ['security-auditor']],
      [{ 'PostgreSQL MCP': true, 'GitHub MCP': false }, ['security-auditor', 'docs-writer']],
      [{ 'PostgreSQL MCP': false, 'Slack MCP': true }, []],
      [{ 'PostgreSQL MCP': true }, []],
    ];
    for (const [mcpUsage, parallelExecutions] of usage) system.recordAgentExecution(AGENT, makeRecord(AGENT, { mcpUsage, parallelExecutions }));
    const approach = system.queryLearnings(AGENT).recommendedApproach;
    assert.deepEqual(approach.mcpServers, ['PostgreSQL MCP']);
    assert.deepEqual(approach.parallelOpportunities, ['security-auditor']);
  });

  it('gives no optimization tips from a single run', () => {
    const { system } = createFixture();
    system.recordAgentExecution(AGENT, makeRecord(AGENT, { duration: 1000, mcpUsage: { 'GitHub MCP': true } }));
    assert.deepEqual(system.queryLearnings(AGENT).optimizationTips, []);
  });

  it('suggests a tool sequence that was clearly faster, quoting the saving and the number of runs', () => {
    const { system } = createFixture();
    const runs: [string[], number][] = [
      [['Read', 'Edit'], 4000],
      [['Read', 'Edit'], 4200],
      [['Grep', 'Read', 'Edit'], 2000],
      [['Grep', 'Read', 'Edit'], 2200],
      [['Read', 'Edit'], 4100],
    ];
    runs.forEach(([toolSequence, duration], i) => system.recordAgentExecution(AGENT, { sessionId: `s${i}`, duration, toolSequence, success: true }));
    const tips = system.queryLearnings(AGENT).optimizationTips;
    assert.equal(tips.length, 1);
    assert.equal(tips[0]?.type, 'tool_sequence');
    assert.equal(tips[0]?.tip, 'Sequence Grep → Read → Edit is ~48% faster (n=2)');
    assert.ok((tips[0]?.confidence ?? 0) > 0);
  });

  it('gives no tip when the faster sequence saves less than 20%', () => {
    const { system } = createFixture();
    const runs: [string[], number][] = [
      [['Read', 'Edit'], 4000],
      [['Read', 'Edit'], 4000],
      [['Grep', 'Edit'], 3600],
      [['Grep', 'Edit'], 3600],
    ];
    runs.forEach(([toolSequence, duration], i) => system.recordAgentExecution(AGENT, { sessionId: `s${i}`, duration, toolSequence, success: true }));
    assert.deepEqual(system.queryLearnings(AGENT).optimizationTips, []);
  });

  it('points out an MCP server whose runs were faster', () => {
    const { system } = createFixture();
    for (const duration of [2000, 2500]) system.recordAgentExecution(AGENT, makeRecord(AGENT, { duration, mcpUsage: { 'PostgreSQL MCP': true } }));
    for (const duration of [5000, 5500, 6000]) system.recordAgentExecution(AGENT, makeRecord(AGENT, { duration }));
    const tips = system.queryLearnings(AGENT).optimizationTips.filter((tip) => tip.type === 'mcp_usage');
    assert.deepEqual(tips.map((tip) => tip.tip), ['Runs using PostgreSQL MCP are ~59% faster (n=2 with, 3 without)']);
  });

  it('reports collaborators, handoff success and communication efficiency', () => {
    const { system } = createFixture();
    system.recordAgentExecution(AGENT, makeRecord(AGENT, { collaborators: ['security-auditor', 'test-suite-developer'], handoffs: [{ from: 'security-auditor', timestamp: 1 }], messagesSent: 2, success: true }));
    system.recordAgentExecution(AGENT, makeRecord(AGENT, { collaborators: ['security-auditor'], handoffs: [{ from: 'security-auditor', timestamp: 2 }], messagesReceived: 1, success: false }));
    system.recordAgentExecution(AGENT, makeRecord(AGENT, { collaborators: ['security-auditor'], handoffs: [{ from: 'planner', timestamp: 3 }], success: true }));
    system.recordAgentExecution(AGENT, makeRecord(AGENT, { messagesSent: 1, messagesReceived: 1, success: true }));
    const collaboration = system.queryLearnings(AGENT).collaborationPatterns;
    assert.deepEqual(collaboration.frequentCollaborators, { 'security-auditor': 3, 'test-suite-developer': 1 });
    assert.deepEqual(collaboration.effectiveHandoffs, [
      { from: 'security-auditor', count: 2, successRate: 50 },
      { from: 'planner', count: 1, successRate: 100 },
    ]);
    // 3 executions exchanged messages, 2 of them succeeded.
    assert.equal(collaboration.communicationEfficiency, 67);
  });

  it('is more confident overall with more runs and with more of them succeeding', () => {
    const good = createFixture();
    const bad = createFixture();
    for (let i = 0; i < 10; i++) {
      good.system.recordAgentExecution(AGENT, { sessionId: `s${i}`, duration: 1000, success: true });
      bad.system.recordAgentExecution(AGENT, { sessionId: `s${i}`, duration: 1000, success: i < 2 });
    }
    const fewer = createFixture();
    for (let i = 0; i < 2; i++) fewer.system.recordAgentExecution(AGENT, { sessionId: `s${i}`, duration: 1000, success: true });
    const score = (fixture: ReturnType<typeof createFixture>): number => fixture.system.queryLearnings(AGENT).confidenceScore;
    assert.ok(score(good) > score(bad), `${score(good)} > ${score(bad)}`);
    assert.ok(score(good) > score(fewer), `${score(good)} > ${score(fewer)}`);
    assert.ok(score(good) <= 95);
  });

  it('hands out results that cannot be changed by one caller behind the back of the next', () => {
    const { system } = createFixture();
    system.recordAgentExecution(AGENT, makeRecord(AGENT, {}));
    const first = system.queryLearnings(AGENT);
    assert.throws(() => {
      (first.recommendedApproach.toolSequence as string[]).push('Bash');
    }, TypeError);
    assert.deepEqual(system.queryLearnings(AGENT).recommendedApproach.toolSequence, ['Read', 'Edit', 'Write']);
  });
});

describe('AgentLearningSystem recording', () => {
  it('accepts the seed short form, stores a full record and shows it in the next query', () => {
    const { system, repository, clock } = createFixture();
    assert.equal(system.queryLearnings(AGENT).sampleSize, 0);
    const record = system.recordAgentExecution(AGENT, { sessionId: 'session_123', duration: 5000, toolSequence: ['Read', 'Edit', 'Write'], success: true, qualityScore: 90 });
    assert.equal(record.agent, AGENT);
    assert.equal(record.timestamp, clock.now());
    assert.equal(record.taskType, 'general');
    assert.equal(record.outcomes.qualityScore, 90);
    assert.deepEqual(repository.recentExecutions(AGENT, 10), [record]);
    assert.equal(system.queryLearnings(AGENT).sampleSize, 1);
  });

  it('keeps two runs recorded in the same millisecond apart', () => {
    const { system } = createFixture();
    system.recordAgentExecution(AGENT, { sessionId: 'same', duration: 1, success: true });
    system.recordAgentExecution(AGENT, { sessionId: 'same', duration: 2, success: true });
    assert.equal(system.queryLearnings(AGENT).sampleSize, 2);
  });

  it('rejects an invalid short-form execution naming the field, and stores nothing', () => {
    const { system, repository } = createFixture();
    assert.throws(
      () => system.recordAgentExecution(AGENT, { sessionId: 's1', duration: -5, success: true }),
      (error: unknown) => error instanceof ProtocolValidationError && error.issues.some((issue) => issue.path === 'duration') && /duration/.test(error.message),
    );
    assert.equal(repository.executionCount(), 0);
  });

  it('rejects an invalid full record naming the nested field', () => {
    const { system } = createFixture();
    const record = makeRecord(AGENT, {});
    const broken = { ...record, outcomes: { ...record.outcomes, qualityScore: 140 } };
    assert.throws(() => system.recordAgentExecution(AGENT, broken), /outcomes\.qualityScore/);
  });

  it('rejects a bad agent name and a record recorded for another agent', () => {
    const { system } = createFixture();
    assert.throws(() => system.recordAgentExecution('not an agent!', { sessionId: 's', duration: 1, success: true }), /learning record: agent: /);
    assert.throws(() => system.recordAgentExecution(AGENT, makeRecord('security-auditor', {})), /agent: record is for "security-auditor"/);
  });

  it('keeps a just-recorded execution visible while the repository lags, without counting it twice later', () => {
    const repository = new InMemoryLearningRepository();
    const queued: LearningRecord[] = [];
    const system = new AgentLearningSystem({ repository, persist: (record) => queued.push(record), clock: new ManualClock() });
    system.recordAgentExecution(AGENT, { sessionId: 's1', duration: 3000, success: true });
    assert.equal(system.queryLearnings(AGENT).sampleSize, 1);
    assert.equal(system.getStatistics().totalExecutions, 1);

    for (const record of queued.splice(0)) repository.add(record);
    system.invalidate(AGENT);
    assert.equal(system.queryLearnings(AGENT).sampleSize, 1);
    assert.equal(system.getStatistics().totalExecutions, 1);

    system.recordAgentExecution(AGENT, { sessionId: 's2', duration: 5000, success: true });
    assert.equal(system.queryLearnings(AGENT).sampleSize, 2);
  });

  it('answers repeated queries from its cache and recomputes after a new record for that agent', () => {
    const { system } = createFixture();
    system.recordAgentExecution(AGENT, { sessionId: 's1', duration: 1000, success: true });
    system.queryLearnings(AGENT);
    system.queryLearnings(AGENT);
    system.queryLearnings('security-auditor');
    assert.deepEqual(
      (({ cacheHits, cacheMisses }) => ({ cacheHits, cacheMisses }))(system.getStatistics()),
      { cacheHits: 1, cacheMisses: 2 },
    );
    system.recordAgentExecution(AGENT, { sessionId: 's2', duration: 3000, success: true });
    assert.equal(system.queryLearnings(AGENT).estimatedDuration.estimated, 2000);
    const stats = system.getStatistics();
    assert.deepEqual([stats.totalExecutions, stats.agents, stats.cacheHits, stats.cacheMisses], [2, 1, 1, 3]);
  });
});

/** Deterministic PRNG (mulberry32), so the statistical test cannot flake. */
function seeded(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
