import { strict as assert } from 'node:assert';
import { AgentCommunicationBus } from '../../../src/core/bus/agentCommunicationBus';
import { UnknownAgentError } from '../../../src/core/bus/errors';
import { AgentHandoffSystem, countContextItems, type HandoffObserver } from '../../../src/core/handoff/agentHandoffSystem';
import { HandoffAlreadyReceivedError, HandoffRecipientError, UnknownHandoffError } from '../../../src/core/handoff/errors';
import type { Finding } from '../../../src/core/protocol/findings';
import { HandoffPackageSchema, type HandoffPackage, type HandoffRequest } from '../../../src/core/protocol/handoff';
import type { Message } from '../../../src/core/protocol/messages';
import { ProtocolValidationError } from '../../../src/core/protocol/validation';
import { rejectsWith } from '../../helpers/rejectsWith';

const finding: Finding = {
  id: 'f1',
  ruleId: 'missing-org-check',
  severity: 'high',
  message: 'Missing organizationId validation',
  file: 'auth.ts',
  line: 42,
  column: 3,
  recommendation: 'Add organizationId validation',
  fixable: false,
};

// The seed's example, in its short form.
const seedRequest: HandoffRequest = {
  task: 'Fix security vulnerability',
  outputs: { filesRead: ['auth.ts'], securityIssuesFound: 2 },
  recommendations: {
    nextActions: ['Add organizationId validation', 'Update tests'],
    securityReview: true,
  },
  urgency: 'high',
};

function setup(observer?: HandoffObserver) {
  let now = 1_738_226_625_000;
  const clock = { now: () => now };
  const bus = new AgentCommunicationBus({ clock });
  bus.registerAgent('security-auditor', ['security_audit']);
  bus.registerAgent('backend-api-developer', ['backend_development']);
  bus.registerAgent('test-engineer', ['testing']);
  let n = 0;
  const handoffs = new AgentHandoffSystem(bus, { clock, newId: () => `h${++n}`, ...(observer ? { observer } : {}) });
  return { bus, handoffs, advance: (ms: number) => (now += ms) };
}

describe('AgentHandoffSystem', () => {
  it("expands the seed's short form into the seed's package structure", async () => {
    const { handoffs } = setup();
    const pkg = await handoffs.initiateHandoff('security-auditor', 'backend-api-developer', seedRequest);

    assert.deepEqual(pkg, {
      id: 'h1',
      timestamp: 1_738_226_625_000,
      from: 'security-auditor',
      to: 'backend-api-developer',
      executionContext: {
        task: 'Fix security vulnerability',
        filesModified: [],
        filesRead: ['auth.ts'],
        searchResults: [],
        decisions: [],
        warnings: [],
        // An output the package has no field for is kept as a discovery rather than dropped.
        discoveries: ['securityIssuesFound: 2'],
        findings: [],
      },
      mcpData: {},
      recommendations: {
        nextActions: ['Add organizationId validation', 'Update tests'],
        potentialIssues: [],
        optimizations: [],
        testingNeeded: false,
        securityReview: true,
      },
      urgency: 'high',
      requiresValidation: false,
      blockingIssues: [],
      dependencies: { completedTasks: [], requiredInputs: [], optionalInputs: [] },
    });
    assert.ok(HandoffPackageSchema.safeParse(pkg).success);
  });

  it('announces the handoff to the recipient with a HANDOFF message, after telling the observer', async () => {
    const order: string[] = [];
    const { bus, handoffs } = setup({ onInitiated: (pkg) => order.push(`initiated ${pkg.id}`) });
    const received: Message[] = [];
    bus.subscribe('backend-api-developer', (m) => {
      order.push(`message ${m.type}`);
      received.push(m);
    });

    const pkg = await handoffs.initiateHandoff('security-auditor', 'backend-api-developer', seedRequest);

    assert.deepEqual(order, ['initiated h1', 'message handoff']);
    const message = received[0] as Message;
    assert.equal(message.from, 'security-auditor');
    assert.equal(message.priority, 'high');
    assert.deepEqual(message.type === 'handoff' && message.payload, {
      handoffId: pkg.id,
      task: 'Fix security vulnerability',
      urgency: 'high',
      contextItems: 4,
    });
    assert.deepEqual(handoffs.pendingFor('backend-api-developer'), [pkg]);
    assert.deepEqual(handoffs.pendingFor('test-engineer'), []);
  });

  it('receiveHandoff returns the inherited context and marks the handoff received', async () => {
    const observed: unknown[] = [];
    const { handoffs, advance } = setup({ onReceived: (info) => observed.push(info) });
    const pkg = await handoffs.initiateHandoff('security-auditor', 'backend-api-developer', {
      task: 'Fix security vulnerability',
      outputs: {
        filesRead: ['auth.ts'],
        decisions: ['Add organizationId validation'],
        warnings: ['Breaking change in auth flow'],
        discoveries: ['Missing index on organizationId'],
        findings: [finding],
      },
      mcpData: { githubContext: { pr: 12 }, postgresQueries: [] },
      recommendations: { nextActions: ['Add organizationId validation middleware'], optimizations: ['Consider caching user organizations'], testingNeeded: true, securityReview: true },
      urgency: 'high',
      requiresValidation: true,
      dependencies: { completedTasks: ['Security analysis'], requiredInputs: ['auth.ts file path'], optionalInputs: [] },
    });
    advance(250);

    const context = await handoffs.receiveHandoff('backend-api-developer', pkg);

    assert.equal(context.handoffId, 'h1');
    assert.equal(context.from, 'security-auditor');
    assert.equal(context.task, 'Fix security vulnerability');
    assert.deepEqual(context.findings, [finding]);
    assert.deepEqual(context.filesRead, ['auth.ts']);
    assert.deepEqual(context.decisions, ['Add organizationId validation']);
    assert.deepEqual(context.warnings, ['Breaking change in auth flow']);
    assert.deepEqual(context.discoveries, ['Missing index on organizationId']);
    assert.deepEqual(context.nextActions, ['Add organizationId validation middleware']);
    assert.deepEqual(context.optimizations, ['Consider caching user organizations']);
    assert.deepEqual(context.completedTasks, ['Security analysis']);
    assert.deepEqual(context.requiredInputs, ['auth.ts file path']);
    assert.equal(context.testingNeeded, true);
    assert.equal(context.securityReview, true);
    assert.equal(context.requiresValidation, true);
    assert.equal(context.urgency, 'high');
    assert.deepEqual(context.mcpData, { githubContext: { pr: 12 }, postgresQueries: [] });
    // filesRead 1 + decisions 1 + warnings 1 + discoveries 1 + findings 1 + nextActions 1 + optimizations 1
    // + completedTasks 1 + requiredInputs 1 + githubContext 1 (the empty postgresQueries is not counted) = 10
    assert.equal(context.contextItems, 10);
    assert.deepEqual(observed, [{ handoffId: 'h1', from: 'security-auditor', to: 'backend-api-developer', contextItems: 10 }]);
    assert.deepEqual(handoffs.pendingFor('backend-api-developer'), []);

    const [entry] = handoffs.getHandoffHistory();
    assert.equal(entry?.initiatedAt, 1_738_226_625_000);
    assert.equal(entry?.receivedAt, 1_738_226_625_250);
  });

  it('can be received by id, from inside the HANDOFF subscriber', async () => {
    const { bus, handoffs } = setup();
    const inherited: string[] = [];
    bus.subscribe('backend-api-developer', (m) => {
      if (m.type === 'handoff') return handoffs.receiveHandoff('backend-api-developer', m.payload.handoffId).then((c) => void inherited.push(...c.filesRead));
    });
    await handoffs.initiateHandoff('security-auditor', 'backend-api-developer', seedRequest);
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(inherited, ['auth.ts']);
    assert.equal(handoffs.getStatistics().received, 1);
  });

  it('rejects a malformed package, naming the field', async () => {
    const { handoffs } = setup();
    const pkg = await handoffs.initiateHandoff('security-auditor', 'backend-api-developer', seedRequest);
    const broken = { ...pkg, urgency: 'asap', executionContext: { ...pkg.executionContext, task: '' } } as unknown as HandoffPackage;
    await rejectsWith(handoffs.receiveHandoff('backend-api-developer', broken), (error) => {
      assert.ok(error instanceof ProtocolValidationError);
      assert.deepEqual(error.issues.map((i) => i.path).sort(), ['executionContext.task', 'urgency']);
    });
    assert.equal(handoffs.pendingFor('backend-api-developer').length, 1, 'still pending');
  });

  it('rejects an invalid request, naming the field', async () => {
    const { handoffs } = setup();
    const bad = { ...seedRequest, urgency: 'immediate' } as unknown as HandoffRequest;
    await rejectsWith(handoffs.initiateHandoff('security-auditor', 'backend-api-developer', bad), (error) => {
      assert.ok(error instanceof ProtocolValidationError);
      assert.deepEqual(error.issues.map((i) => i.path), ['urgency']);
    });
    assert.equal(handoffs.getStatistics().total, 0);
  });

  it('rejects a handoff received by someone else, an unknown id, and a second receipt', async () => {
    const { handoffs } = setup();
    const pkg = await handoffs.initiateHandoff('security-auditor', 'backend-api-developer', seedRequest);
    await rejectsWith(handoffs.receiveHandoff('test-engineer', pkg), (error) => {
      assert.ok(error instanceof HandoffRecipientError);
      assert.match(error.message, /addressed to "backend-api-developer", not "test-engineer"/);
    });
    await rejectsWith(handoffs.receiveHandoff('test-engineer', pkg.id), (e) => assert.ok(e instanceof HandoffRecipientError));
    await rejectsWith(handoffs.receiveHandoff('backend-api-developer', 'h404'), (e) => assert.ok(e instanceof UnknownHandoffError));
    await handoffs.receiveHandoff('backend-api-developer', pkg.id);
    await rejectsWith(handoffs.receiveHandoff('backend-api-developer', pkg), (e) => assert.ok(e instanceof HandoffAlreadyReceivedError));
  });

  it('refuses a handoff to or from an unregistered agent', async () => {
    const { handoffs } = setup();
    await rejectsWith(handoffs.initiateHandoff('security-auditor', 'frontend-developer', seedRequest), (error) => {
      assert.ok(error instanceof UnknownAgentError);
      assert.match(error.message, /recipient "frontend-developer"/);
    });
    assert.equal(handoffs.getStatistics().total, 0);
  });

  it('keeps history and statistics', async () => {
    const { handoffs } = setup();
    const a = await handoffs.initiateHandoff('security-auditor', 'backend-api-developer', seedRequest);
    await handoffs.initiateHandoff('security-auditor', 'backend-api-developer', { task: 'Review the fix' });
    await handoffs.initiateHandoff('backend-api-developer', 'test-engineer', { task: 'Update tests', urgency: 'low' });
    await handoffs.receiveHandoff('backend-api-developer', a.id);

    assert.deepEqual(handoffs.getStatistics(), {
      total: 3,
      received: 1,
      pending: 2,
      byPair: { 'security-auditor->backend-api-developer': 2, 'backend-api-developer->test-engineer': 1 },
    });
    assert.deepEqual(
      handoffs.getHandoffHistory().map((h) => [h.id, h.from, h.to, h.task, h.urgency, h.receivedAt === null, h.contextItems]),
      [
        ['h1', 'security-auditor', 'backend-api-developer', 'Fix security vulnerability', 'high', false, 4],
        ['h2', 'security-auditor', 'backend-api-developer', 'Review the fix', 'normal', true, 0],
        ['h3', 'backend-api-developer', 'test-engineer', 'Update tests', 'low', true, 0],
      ],
    );
  });

  it('bounds the history of received handoffs but never forgets a pending one', async () => {
    const { bus } = setup();
    let n = 0;
    const handoffs = new AgentHandoffSystem(bus, { newId: () => `k${++n}`, maxHistory: 1 });
    const first = await handoffs.initiateHandoff('security-auditor', 'backend-api-developer', { task: 'one' });
    const second = await handoffs.initiateHandoff('security-auditor', 'backend-api-developer', { task: 'two' });
    await handoffs.initiateHandoff('security-auditor', 'backend-api-developer', { task: 'three' });
    await handoffs.receiveHandoff('backend-api-developer', first.id);
    await handoffs.receiveHandoff('backend-api-developer', second.id);

    assert.deepEqual(handoffs.getHandoffHistory().map((h) => h.task), ['two', 'three']);
    assert.equal(handoffs.getStatistics().total, 3, 'statistics still count the forgotten one');
  });

  it('counts only non-empty context entries', () => {
    const pkg = HandoffPackageSchema.parse({
      id: 'x',
      timestamp: 0,
      from: 'a',
      to: 'b',
      executionContext: { task: 't', filesRead: ['a.ts', '  '], decisions: [''], findings: [finding] },
      mcpData: { empty: {}, none: null, some: 'value' },
      recommendations: { nextActions: ['go'] },
    });
    assert.equal(countContextItems(pkg), 4);
  });
});
