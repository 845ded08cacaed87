import { strict as assert } from 'node:assert';
import { AgentCommunicationBus, type BusOptions } from '../../../src/core/bus/agentCommunicationBus';
import {
  BusShutdownError,
  NoCapableAgentError,
  NoRequestHandlerError,
  RequestFailedError,
  RequestTimeoutError,
  UnknownAgentError,
} from '../../../src/core/bus/errors';
import type { Finding } from '../../../src/core/protocol/findings';
import { MessageSchema, type Message, type MessageInput } from '../../../src/core/protocol/messages';
import { ProtocolValidationError } from '../../../src/core/protocol/validation';
import { rejectsWith } from '../../helpers/rejectsWith';

function finding(overrides: Partial<Finding> = {}): Finding {
  return {
    id: 'f1',
    ruleId: 'missing-org-check',
    severity: 'high',
    message: 'Missing organizationId validation',
    file: 'src/auth.ts',
    line: 42,
    column: 3,
    recommendation: 'Add organization isolation check',
    fixable: false,
    ...overrides,
  };
}

function findingReport(overrides: Partial<Finding> = {}): MessageInput {
  return { type: 'finding_report', priority: 'high', payload: finding(overrides) };
}

function newBus(options: BusOptions = {}): AgentCommunicationBus {
  let n = 0;
  const bus = new AgentCommunicationBus({ newId: () => `m${++n}`, ...options });
  bus.registerAgent('security-auditor', ['security_audit']);
  bus.registerAgent('backend-api-developer', ['backend_development']);
  bus.registerAgent('database-optimizer', ['database_optimization']);
  return bus;
}

function inbox(bus: AgentCommunicationBus, agent: string, filter?: { types?: Message['type'][] }): Message[] {
  const received: Message[] = [];
  bus.subscribe(agent, (m) => void received.push(m), filter);
  return received;
}

describe('AgentCommunicationBus', () => {
  describe('sending', () => {
    it('delivers a point-to-point message with the envelope filled in', async () => {
      const bus = newBus({ clock: { now: () => 1_738_226_625_000 } });
      const received = inbox(bus, 'backend-api-developer');
      const others = inbox(bus, 'database-optimizer');

      const sent = await bus.sendMessage('security-auditor', 'backend-api-developer', findingReport());

      assert.equal(received.length, 1, 'handlers were called before sendMessage resolved');
      assert.equal(received[0], sent);
      assert.equal(sent.id, 'm1');
      assert.equal(sent.from, 'security-auditor');
      assert.equal(sent.to, 'backend-api-developer');
      assert.equal(sent.timestamp, 1_738_226_625_000);
      assert.equal(sent.type, 'finding_report');
      assert.equal(sent.type === 'finding_report' && sent.payload.file, 'src/auth.ts');
      assert.deepEqual(others, []);
      assert.ok(MessageSchema.safeParse(sent).success, 'a delivered message is a valid protocol Message (the event stream re-validates it)');
      assert.deepEqual(Object.keys(sent).sort(), ['from', 'id', 'payload', 'priority', 'timestamp', 'to', 'type'], 'no undefined optional keys');
    });

    it('applies the protocol defaults (priority normal)', async () => {
      const bus = newBus();
      const sent = await bus.sendMessage('security-auditor', 'backend-api-developer', {
        type: 'warning',
        payload: { message: 'Breaking change in auth flow' },
      });
      assert.equal(sent.priority, 'normal');
    });

    it('rejects an invalid priority, naming the field', async () => {
      const bus = newBus();
      const received = inbox(bus, 'backend-api-developer');
      const bad = { type: 'warning', priority: 'urgent', payload: { message: 'x' } } as unknown as MessageInput;
      await rejectsWith(bus.sendMessage('security-auditor', 'backend-api-developer', bad), (error) => {
        assert.ok(error instanceof ProtocolValidationError);
        assert.deepEqual(error.issues.map((i) => i.path), ['priority']);
        assert.match(error.message, /priority/);
      });
      assert.deepEqual(received, [], 'an invalid message is not delivered');
      assert.equal(bus.getStatistics().totalMessages, 0, 'nor counted');
    });

    it('rejects a finding_report without payload.file, naming the field', async () => {
      const bus = newBus();
      const { file: _omitted, ...withoutFile } = finding();
      const bad = { type: 'finding_report', payload: withoutFile } as unknown as MessageInput;
      await rejectsWith(bus.sendMessage('security-auditor', 'backend-api-developer', bad), (error) => {
        assert.ok(error instanceof ProtocolValidationError);
        assert.ok(error.issues.some((i) => i.path === 'payload.file'), error.message);
        assert.match(error.message, /payload\.file/);
      });
    });

    it('rejects an unknown message type, naming the field', async () => {
      const bus = newBus();
      const bad = { type: 'gossip', payload: {} } as unknown as MessageInput;
      await rejectsWith(bus.broadcastMessage('security-auditor', bad), (error) => {
        assert.ok(error instanceof ProtocolValidationError);
        assert.deepEqual(error.issues.map((i) => i.path), ['type']);
      });
    });

    it('rejects an unknown recipient or sender with a clear error', async () => {
      const bus = newBus();
      await rejectsWith(bus.sendMessage('security-auditor', 'frontend-developer', findingReport()), (error) => {
        assert.ok(error instanceof UnknownAgentError);
        assert.match(error.message, /recipient "frontend-developer"/);
      });
      await rejectsWith(bus.sendMessage('ghost', 'backend-api-developer', findingReport()), (error) => {
        assert.ok(error instanceof UnknownAgentError);
        assert.match(error.message, /sender "ghost"/);
      });
    });

    it('tells the onMessage observer once per accepted message, before delivery', async () => {
      const order: string[] = [];
      const bus = newBus({ onMessage: (m) => order.push(`observed ${m.id}`) });
      bus.subscribe('backend-api-developer', (m) => void order.push(`delivered ${m.id}`));
      await bus.sendMessage('security-auditor', 'backend-api-developer', findingReport());
      await bus.sendMessage('security-auditor', 'backend-api-developer', { type: 'warning', priority: 'bogus' } as unknown as MessageInput).catch(() => {});
      assert.deepEqual(order, ['observed m1', 'delivered m1']);
    });
  });

  describe('broadcast', () => {
    it("reaches every registered agent except the sender, also when sent to 'all'", async () => {
      const bus = newBus();
      const auditor = inbox(bus, 'security-auditor');
      const backend = inbox(bus, 'backend-api-developer');
      const db = inbox(bus, 'database-optimizer');

      const viaBroadcast = await bus.broadcastMessage('security-auditor', {
        type: 'pattern_discovered',
        payload: { pattern: 'missing-validation', context: 'auth endpoints', confidence: 90 },
      });
      const viaAll = await bus.sendMessage('security-auditor', 'all', findingReport());

      assert.deepEqual(auditor, [], 'the sender never gets its own broadcast');
      assert.deepEqual(backend, [viaBroadcast, viaAll]);
      assert.deepEqual(db, [viaBroadcast, viaAll]);
      assert.equal(viaAll.to, 'all');
    });

    it('is refused when broadcasts are disabled', async () => {
      const bus = newBus({ broadcastEnabled: false });
      await rejectsWith(bus.broadcastMessage('security-auditor', findingReport()), (error) => assert.match(error.message, /[Bb]roadcasts are disabled/));
    });
  });

  describe('subscriptions', () => {
    it('filters by message type', async () => {
      const bus = newBus();
      const warnings = inbox(bus, 'backend-api-developer', { types: ['warning'] });
      const everything = inbox(bus, 'backend-api-developer');

      await bus.sendMessage('security-auditor', 'backend-api-developer', findingReport());
      await bus.sendMessage('security-auditor', 'backend-api-developer', { type: 'warning', payload: { message: 'careful' } });

      assert.deepEqual(warnings.map((m) => m.type), ['warning']);
      assert.deepEqual(everything.map((m) => m.type), ['finding_report', 'warning']);
    });

    it('stops delivering after unsubscribe', async () => {
      const bus = newBus();
      const received: Message[] = [];
      const unsubscribe = bus.subscribe('backend-api-developer', (m) => void received.push(m));
      await bus.sendMessage('security-auditor', 'backend-api-developer', findingReport());
      unsubscribe();
      await bus.sendMessage('security-auditor', 'backend-api-developer', findingReport());
      assert.equal(received.length, 1);
    });

    it('rejects a filter with an unknown type and a subscription for an unknown agent', () => {
      const bus = newBus();
      assert.throws(() => bus.subscribe('backend-api-developer', () => {}, { types: ['finding-report' as Message['type']] }), /types\.0: unknown message type "finding-report"/);
      assert.throws(() => bus.subscribe('ghost', () => {}), UnknownAgentError);
    });

    it('isolates a handler that throws or rejects: other handlers still run and the sender does not notice', async () => {
      const failures: string[] = [];
      const bus = newBus({ onHandlerError: (error, message, agent) => failures.push(`${agent}:${message.id}:${(error as Error).message}`) });
      bus.subscribe('backend-api-developer', () => {
        throw new Error('boom');
      });
      bus.subscribe('backend-api-developer', async () => {
        throw new Error('async boom');
      });
      const backend = inbox(bus, 'backend-api-developer');
      const db = inbox(bus, 'database-optimizer');

      await bus.broadcastMessage('security-auditor', findingReport());
      await new Promise((resolve) => setImmediate(resolve));

      assert.equal(backend.length, 1);
      assert.equal(db.length, 1);
      assert.deepEqual(failures.sort(), ['backend-api-developer:m1:async boom', 'backend-api-developer:m1:boom']);
      assert.equal(bus.getStatistics().handlerErrors, 2);
    });
  });

  describe('registration', () => {
    it('validates names and capabilities, naming the field', () => {
      const bus = new AgentCommunicationBus();
      assert.throws(() => bus.registerAgent('bad name!', []), (error: unknown) => error instanceof ProtocolValidationError && /name:/.test(error.message));
      assert.throws(() => bus.registerAgent('ok', ['Security Audit']), /capabilities\.0:/);
      assert.throws(() => bus.registerAgent('all', []), /reserved/);
    });

    it('re-registering updates capabilities and keeps subscriptions', async () => {
      const bus = newBus();
      const received = inbox(bus, 'backend-api-developer');
      bus.registerAgent('backend-api-developer', ['backend_development', 'database_optimization']);
      assert.deepEqual(bus.capabilitiesOf('backend-api-developer'), ['backend_development', 'database_optimization']);
      await bus.sendMessage('security-auditor', 'backend-api-developer', findingReport());
      assert.equal(received.length, 1);
    });

    it('unregistered agents are unknown again', async () => {
      const bus = newBus();
      bus.unregisterAgent('database-optimizer');
      assert.equal(bus.isRegistered('database-optimizer'), false);
      await rejectsWith(bus.sendMessage('security-auditor', 'database-optimizer', findingReport()), (e) => assert.ok(e instanceof UnknownAgentError));
    });
  });

  describe('history', () => {
    it('is bounded: the oldest messages are dropped first and counted', async () => {
      const bus = newBus({ maxHistorySize: 3 });
      for (let i = 1; i <= 5; i++) await bus.sendMessage('security-auditor', 'backend-api-developer', findingReport({ id: `f${i}` }));

      const history = bus.getHistory();
      assert.deepEqual(history.map((m) => m.id), ['m3', 'm4', 'm5']);
      const stats = bus.getStatistics();
      assert.equal(stats.historySize, 3);
      assert.equal(stats.droppedFromHistory, 2);
      assert.equal(stats.totalMessages, 5);
    });

    it('filters by agent and type and keeps the newest `limit`', async () => {
      const bus = newBus();
      await bus.sendMessage('security-auditor', 'backend-api-developer', findingReport());
      await bus.sendMessage('backend-api-developer', 'database-optimizer', { type: 'warning', payload: { message: 'slow query' } });
      await bus.broadcastMessage('database-optimizer', { type: 'progress_update', payload: { progress: 50, status: 'indexing' } });
      await bus.sendMessage('security-auditor', 'backend-api-developer', findingReport({ id: 'f2' }));

      assert.deepEqual(bus.getHistory({ agent: 'security-auditor' }).map((m) => m.id), ['m1', 'm3', 'm4']);
      assert.deepEqual(bus.getHistory({ type: 'warning' }).map((m) => m.id), ['m2']);
      assert.deepEqual(bus.getHistory({ type: 'finding_report', limit: 1 }).map((m) => m.id), ['m4']);
      assert.deepEqual(bus.getHistory({ limit: 2 }).map((m) => m.id), ['m3', 'm4']);
    });
  });

  describe('requests', () => {
    it('correlates a validation request with the reply from handleRequests', async () => {
      const bus = newBus();
      bus.handleRequests('security-auditor', 'validation_request', (request) => ({
        type: 'validation_result',
        payload: {
          approved: true,
          reasons: [`checked ${request.type === 'validation_request' ? request.payload.filesModified.join(',') : ''}`],
          filesChecked: ['auth.ts'],
        },
      }));
      const backendInbox = inbox(bus, 'backend-api-developer');

      const reply = await bus.request('backend-api-developer', 'security-auditor', {
        type: 'validation_request',
        priority: 'high',
        payload: { changesImplemented: ['Added organizationId middleware'], filesModified: ['auth.ts'], requestingReview: true },
      });

      const request = bus.getHistory({ type: 'validation_request' })[0] as Message;
      assert.equal(reply.type, 'validation_result');
      assert.equal(reply.from, 'security-auditor');
      assert.equal(reply.to, 'backend-api-developer');
      assert.equal(reply.correlationId, request.id);
      assert.equal(reply.replyTo, request.id);
      assert.equal(request.correlationId, request.id);
      assert.deepEqual(reply.type === 'validation_result' && reply.payload.reasons, ['checked auth.ts']);
      assert.deepEqual(backendInbox, [reply], 'the reply is also an ordinary delivered message');
      assert.equal(bus.getStatistics().pendingRequests, 0);
    });

    it("keeps a caller's correlation id", async () => {
      const bus = newBus();
      bus.handleRequests('database-optimizer', 'assistance_request', async () => ({ type: 'assistance_response', payload: { resolved: true, answer: {} } }));
      const reply = await bus.request('backend-api-developer', 'database-optimizer', {
        type: 'assistance_request',
        correlationId: 'req-7',
        payload: { capability: 'database_optimization', context: {}, urgency: 'normal' },
      });
      assert.equal(reply.correlationId, 'req-7');
    });

    it('rejects with a RequestTimeoutError naming the agents and the type when no reply comes', async () => {
      const bus = newBus();
      // The handler never answers.
      bus.handleRequests('security-auditor', 'validation_request', () => new Promise<MessageInput>(() => {}));
      await rejectsWith(
        bus.request(
          'backend-api-developer',
          'security-auditor',
          { type: 'validation_request', payload: { changesImplemented: [], filesModified: ['auth.ts'], requestingReview: true } },
          20,
        ),
        (error) => {
          assert.ok(error instanceof RequestTimeoutError);
          assert.match(error.message, /validation_request from "backend-api-developer" to "security-auditor"/);
        },
      );
      assert.equal(bus.getStatistics().pendingRequests, 0);
    });

    it('rejects at once when the recipient has no handler for the type', async () => {
      const bus = newBus();
      await rejectsWith(
        bus.request('backend-api-developer', 'security-auditor', {
          type: 'validation_request',
          payload: { changesImplemented: [], filesModified: [], requestingReview: true },
        }),
        (error) => {
          assert.ok(error instanceof NoRequestHandlerError);
          assert.match(error.message, /"security-auditor" does not answer validation_request/);
        },
      );
    });

    it('rejects when the handler throws or replies with the wrong type', async () => {
      const bus = newBus();
      bus.handleRequests('security-auditor', 'validation_request', () => {
        throw new Error('scanner crashed');
      });
      bus.handleRequests('database-optimizer', 'assistance_request', () => ({ type: 'warning', payload: { message: 'not an answer' } }));
      const validation: MessageInput = { type: 'validation_request', payload: { changesImplemented: [], filesModified: [], requestingReview: true } };
      await rejectsWith(bus.request('backend-api-developer', 'security-auditor', validation), (error) => {
        assert.ok(error instanceof RequestFailedError);
        assert.match(error.message, /scanner crashed/);
      });
      await rejectsWith(bus.requestAssistance('backend-api-developer', 'database_optimization', {}), (error) => {
        assert.ok(error instanceof RequestFailedError);
        assert.match(error.message, /replied with warning, expected assistance_response/);
      });
    });

    it('shutdown rejects pending requests with a clear "bus shut down" error and refuses new sends', async () => {
      const bus = newBus();
      bus.handleRequests('security-auditor', 'validation_request', () => new Promise<MessageInput>(() => {}));
      const pending = bus.request('backend-api-developer', 'security-auditor', {
        type: 'validation_request',
        payload: { changesImplemented: [], filesModified: [], requestingReview: true },
      });
      assert.equal(bus.getStatistics().pendingRequests, 1);

      await bus.shutdown();

      await rejectsWith(pending, (error) => {
        assert.ok(error instanceof BusShutdownError);
        assert.match(error.message, /bus shut down/);
        assert.match(error.message, /validation_request from "backend-api-developer" to "security-auditor"/);
      });
      await rejectsWith(bus.sendMessage('security-auditor', 'backend-api-developer', findingReport()), (e) => assert.ok(e instanceof BusShutdownError));
      assert.equal(bus.getStatistics().pendingRequests, 0);
    });
  });

  describe('requestAssistance', () => {
    it('routes to a registered agent with the capability, never the requester', async () => {
      const bus = newBus();
      bus.registerAgent('backend-api-developer', ['backend_development', 'database_optimization']);
      bus.handleRequests('backend-api-developer', 'assistance_request', () => ({ type: 'assistance_response', payload: { resolved: false, answer: {} } }));
      bus.handleRequests('database-optimizer', 'assistance_request', (request) => ({
        type: 'assistance_response',
        payload: { resolved: true, answer: { index: 'organizationId', asked: request.type === 'assistance_request' ? request.payload.context : null } },
      }));

      const reply = await bus.requestAssistance('backend-api-developer', 'database_optimization', { query: 'Complex JOIN needs optimization' }, 'immediate');

      assert.equal(reply.from, 'database-optimizer');
      assert.equal(reply.type, 'assistance_response');
      assert.deepEqual(reply.type === 'assistance_response' && reply.payload.answer, {
        index: 'organizationId',
        asked: { query: 'Complex JOIN needs optimization' },
      });
      const request = bus.getHistory({ type: 'assistance_request' })[0] as Message;
      assert.equal(request.to, 'database-optimizer');
      assert.equal(request.priority, 'critical', 'immediate urgency is sent as critical priority');
    });

    it('prefers an agent that answers assistance requests', async () => {
      const bus = newBus();
      bus.registerAgent('dba-2', ['database_optimization']);
      bus.handleRequests('dba-2', 'assistance_request', () => ({ type: 'assistance_response', payload: { resolved: true, answer: {} } }));
      const reply = await bus.requestAssistance('backend-api-developer', 'database_optimization', {});
      assert.equal(reply.from, 'dba-2');
    });

    it('throws NoCapableAgentError when nobody else has the capability', async () => {
      const bus = newBus();
      await rejectsWith(bus.requestAssistance('backend-api-developer', 'documentation', {}), (error) => {
        assert.ok(error instanceof NoCapableAgentError);
        assert.match(error.message, /"documentation"/);
      });
      await rejectsWith(bus.requestAssistance('security-auditor', 'security_audit', {}), (e) => assert.ok(e instanceof NoCapableAgentError));
    });
  });

  describe('statistics', () => {
    it('counts messages by type and by agent', async () => {
      let now = 1000;
      const bus = newBus({ clock: { now: () => now } });
      // A subscriber that takes 4 clock ms makes the delivery time observable without timing anything real.
      bus.subscribe('backend-api-developer', () => {
        now += 4;
      });
      await bus.sendMessage('security-auditor', 'backend-api-developer', findingReport());
      await bus.broadcastMessage('security-auditor', { type: 'warning', payload: { message: 'x' } });
      await bus.sendMessage('backend-api-developer', 'security-auditor', { type: 'progress_update', payload: { progress: 10, status: 'started' } });

      const stats = bus.getStatistics();
      assert.deepEqual(stats.activeAgents, ['security-auditor', 'backend-api-developer', 'database-optimizer']);
      assert.equal(stats.totalMessages, 3);
      assert.deepEqual(stats.messagesByType, { finding_report: 1, warning: 1, progress_update: 1 });
      assert.deepEqual(stats.messagesByAgent, {
        'security-auditor': { sent: 2, received: 1 },
        'backend-api-developer': { sent: 1, received: 2 },
        'database-optimizer': { sent: 0, received: 1 },
      });
      assert.equal(stats.pendingRequests, 0);
      assert.equal(stats.historySize, 3);
      assert.equal(stats.droppedFromHistory, 0);
      assert.equal(stats.averageDeliveryMs, 8 / 3);
    });
  });
});
