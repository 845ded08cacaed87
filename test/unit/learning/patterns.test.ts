import { strict as assert } from 'node:assert';
import { AgentLearningSystem } from '../../../src/core/learning/agentLearningSystem';
import { InMemoryLearningRepository } from '../../../src/core/learning/inMemoryLearningRepository';
import { LearnedPatternSchema } from '../../../src/core/protocol/learning';
import { MessageInputSchema, type MessageInput } from '../../../src/core/protocol/messages';
import { ProtocolValidationError } from '../../../src/core/protocol/validation';
import { ManualClock, createFixture, makeRecord } from './helpers';

const SECURITY = 'security-auditor';
const BACKEND = 'backend-api-developer';
const TESTS = 'test-suite-developer';

/** Six finished security-fix sessions and two documentation sessions, with known agent orders. */
function craftedSessions(repository: InMemoryLearningRepository): void {
  const add = (sessionId: string, taskType: string, agents: string[], success: boolean): void =>
    repository.addSession({ sessionId, taskType, agents, success });
  add('s1', 'security-fix', [SECURITY, BACKEND, TESTS], true);
  add('s2', 'security-fix', [SECURITY, BACKEND, TESTS], true);
  add('s3', 'security-fix', [SECURITY, BACKEND, TESTS], true);
  add('s4', 'security-fix', [SECURITY, BACKEND, TESTS], true);
  add('s5', 'security-fix', [BACKEND, TESTS], true);
  // Failed: counts as a security-fix session but never as support for its order.
  add('s6', 'security-fix', [SECURITY, BACKEND, TESTS], false);
  add('d1', 'documentation', ['docs-writer'], true);
  add('d2', 'documentation', ['docs-writer'], true);
}

describe('AgentLearningSystem pattern mining', () => {
  it('mines agent orders of finished sessions with support and confidence per task type', () => {
    const { system, repository } = createFixture();
    craftedSessions(repository);
    repository.addSession({ sessionId: 's7', taskType: 'security-fix', agents: [SECURITY, BACKEND, TESTS], success: true });
    const patterns = system.minePatterns();
    assert.deepEqual(
      patterns.map(({ id, name, sequence, context, support, confidence }) => ({ id, name, sequence, context, support, confidence })),
      [
        {
          id: 'agent_sequence:security-fix:security-auditor>backend-api-developer>test-suite-developer',
          name: 'security-auditor → backend-api-developer → test-suite-developer',
          sequence: [SECURITY, BACKEND, TESTS],
          context: 'security-fix',
          // 5 successful sessions with this order out of 7 security-fix sessions; the other order (1 of 7) is
          // below the threshold, and one-agent documentation sessions are no ordering at all.
          support: 5,
          confidence: 71,
        },
      ],
    );
  });

  it('returns patterns below the default threshold only when the threshold is lowered', () => {
    const strict = createFixture();
    craftedSessions(strict.repository);
    assert.deepEqual(strict.system.minePatterns(), []);

    const lenient = createFixture({ patternConfidenceThreshold: 10 });
    craftedSessions(lenient.repository);
    const found = lenient.system.minePatterns();
    assert.deepEqual(
      found.map((p) => [p.name, p.support, p.confidence]),
      [
        ['security-auditor → backend-api-developer → test-suite-developer', 4, 67],
        ['backend-api-developer → test-suite-developer', 1, 17],
      ],
    );
    for (const pattern of found) LearnedPatternSchema.parse(pattern);
  });

  it('mines each agent\'s frequent tool sequence from its successful executions', () => {
    const { system, clock } = createFixture();
    for (let i = 0; i < 4; i++) system.recordAgentExecution(BACKEND, makeRecord(BACKEND, { toolSequence: ['Read', 'Edit', 'Write'] }));
    system.recordAgentExecution(BACKEND, makeRecord(BACKEND, { toolSequence: ['Grep'] }));
    // A failing run with the same sequence lowers its confidence instead of supporting it.
    system.recordAgentExecution(SECURITY, makeRecord(SECURITY, { toolSequence: ['Grep', 'Read'], success: false }));
    system.recordAgentExecution(SECURITY, makeRecord(SECURITY, { toolSequence: ['Grep', 'Read'] }));

    const patterns = system.minePatterns();
    assert.equal(patterns.length, 1);
    const [pattern] = patterns;
    assert.deepEqual(pattern, {
      id: 'tool_sequence:backend-api-developer:Read>Edit>Write',
      type: 'tool_sequence',
      name: 'Read → Edit → Write',
      agent: BACKEND,
      sequence: ['Read', 'Edit', 'Write'],
      context: 'Common tool usage pattern for backend-api-developer',
      support: 4,
      confidence: 80,
      discoveredAt: clock.now(),
    });
  });

  it('gives the same pattern the same id when mined again later, so storing it again updates it', () => {
    const { system, repository, clock } = createFixture();
    craftedSessions(repository);
    repository.addSession({ sessionId: 's7', taskType: 'security-fix', agents: [SECURITY, BACKEND, TESTS], success: true });
    for (let i = 0; i < 3; i++) system.recordAgentExecution(BACKEND, makeRecord(BACKEND, {}));
    const first = system.minePatterns();
    clock.advance(60_000);
    system.recordAgentExecution(BACKEND, makeRecord(BACKEND, {}));
    const second = system.minePatterns();
    assert.ok(first.length >= 2);
    assert.deepEqual(second.map((p) => p.id), first.map((p) => p.id));
    assert.ok(second.every((p) => p.discoveredAt === clock.now()));
    for (const pattern of [...first, ...second]) repository.upsertPattern(pattern);
    assert.equal(repository.patterns().length, first.length);
    assert.equal(system.getStatistics().patterns, first.length);
  });
});

describe('AgentLearningSystem.shareDiscovery', () => {
  it('broadcasts a valid PATTERN_DISCOVERED message from the discovering agent and returns the pattern', async () => {
    const sent: { from: string; message: MessageInput }[] = [];
    const clock = new ManualClock();
    const system = new AgentLearningSystem({
      repository: new InMemoryLearningRepository(),
      persist: () => {},
      clock,
      broadcast: async (from, message) => {
        sent.push({ from, message });
      },
    });
    const pattern = await system.shareDiscovery(SECURITY, {
      pattern: { name: 'missing-organizationId', type: 'security' },
      context: 'authentication endpoints',
      confidence: 95,
      solution: 'organizationProcedure middleware',
    });

    assert.equal(sent.length, 1);
    assert.equal(sent[0]?.from, SECURITY);
    const message = MessageInputSchema.parse(sent[0]?.message);
    assert.equal(message.type, 'pattern_discovered');
    if (message.type !== 'pattern_discovered') return;
    assert.deepEqual(message.payload, {
      pattern: 'missing-organizationId',
      type: 'security',
      context: 'authentication endpoints',
      confidence: 95,
      support: 1,
      solution: 'organizationProcedure middleware',
      applicableTo: [],
    });
    assert.deepEqual(pattern, LearnedPatternSchema.parse(pattern));
    assert.equal(pattern.id, 'discovery:security-auditor:security:missing-organizationId');
    assert.equal(pattern.agent, SECURITY);
    assert.equal(pattern.discoveredAt, clock.now());
    assert.equal(system.getStatistics().patterns, 1);
  });

  it('works without a broadcaster', async () => {
    const { system } = createFixture();
    const pattern = await system.shareDiscovery(SECURITY, { pattern: { name: 'n+1-query', type: 'performance' }, context: 'list endpoints', confidence: 80, support: 3 });
    assert.equal(pattern.support, 3);
  });

  it('rejects an invalid discovery naming the field, and broadcasts nothing', async () => {
    let broadcasts = 0;
    const system = new AgentLearningSystem({
      repository: new InMemoryLearningRepository(),
      persist: () => {},
      broadcast: async () => {
        broadcasts++;
      },
    });
    await assert.rejects(
      system.shareDiscovery(SECURITY, { pattern: { name: 'x', type: 'security' }, context: 'c', confidence: 150 }),
      (error: unknown) => error instanceof ProtocolValidationError && error.issues.some((issue) => issue.path === 'confidence'),
    );
    await assert.rejects(system.shareDiscovery(SECURITY, { pattern: { name: '', type: 'security' }, context: 'c', confidence: 50 }), /pattern\.name/);
    assert.equal(broadcasts, 0);
  });
});
