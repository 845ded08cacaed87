// The seed's Example 1 ("Fix security vulnerability in authentication endpoint") as a real event stream, with a
// fake clock so times and durations are exact: security-auditor finds a tenant-isolation issue, reports it to all,
// hands off to backend-api-developer, which fixes it and gets the fix validated; then test-suite-developer and
// docs-writer run (in parallel or one after the other); a pattern is shared and the run completes.
import { RunEventStream } from '../../../src/core/events/runEventStream';
import type { EventPayloadInput } from '../../../src/core/protocol/events';
import type { Finding } from '../../../src/core/protocol/findings';
import type { ExecutionPlan } from '../../../src/core/protocol/plan';

/** 2025-01-30T10:23:45.123Z, the seed's example start. */
export const T0 = Date.UTC(2025, 0, 30, 10, 23, 45, 123);
export const SESSION = 'session_20250130_abc123';
export const REQUEST = 'Fix security vulnerability in authentication endpoint';

export interface FakeClock {
  now(): number;
  set(ms: number): void;
}

export function fakeClock(start = T0): FakeClock {
  let now = start;
  return { now: () => now, set: (ms) => (now = start + ms) };
}

export function createStream(sessionId = SESSION, clock: FakeClock = fakeClock()): { stream: RunEventStream; clock: FakeClock } {
  return { stream: new RunEventStream(sessionId, { append() {} }, clock), clock };
}

export const FINDING: Finding = {
  id: 'F1',
  ruleId: 'tenant-isolation',
  severity: 'high',
  message: 'Missing organizationId validation',
  file: 'src/auth.ts',
  line: 42,
  column: 5,
  recommendation: 'Add organization isolation check',
  fixable: true,
};

export const PLAN: ExecutionPlan = {
  request: REQUEST,
  taskType: 'security-fix',
  agents: [
    { name: 'security-auditor', task: 'Analyze authentication security', phase: 0, dependsOn: [], capabilities: ['security_audit'], runtime: 'offline', estimatedDuration: null },
    { name: 'backend-api-developer', task: 'Implement security fixes', phase: 1, dependsOn: ['security-auditor'], capabilities: ['backend_development'], runtime: 'offline', estimatedDuration: null },
    { name: 'test-suite-developer', task: 'Verify the changes with tests', phase: 2, dependsOn: ['backend-api-developer'], capabilities: ['testing'], runtime: 'offline', estimatedDuration: null },
    { name: 'docs-writer', task: 'Summarize the fix', phase: 2, dependsOn: ['backend-api-developer'], capabilities: ['documentation'], runtime: 'offline', estimatedDuration: null },
  ],
  phases: [['security-auditor'], ['backend-api-developer'], ['test-suite-developer', 'docs-writer']],
  skipped: [],
  warnings: [],
  estimatedDuration: null,
  mcpServers: ['memory-bank'],
};

export interface ExampleOptions {
  /** test-suite-developer and docs-writer overlap in time. @default true */
  parallel?: boolean;
  /** backend-api-developer fails; the last phase is skipped and the run fails. @default false */
  failBackend?: boolean;
  /** The validator rejects the fix. @default false */
  reject?: boolean;
  apply?: boolean;
  allowCommands?: boolean;
  maxParallelAgents?: number;
}

type RunOptionsInput = EventPayloadInput<'run.started'>['options'];

export function runExample1(stream: RunEventStream, clock: FakeClock, options: ExampleOptions = {}): void {
  const parallel = options.parallel ?? true;
  const runOptions: RunOptionsInput = {
    apply: options.apply ?? true,
    allowCommands: options.allowCommands ?? true,
    maxParallelAgents: options.maxParallelAgents ?? 5,
    agentTimeout: 30_000,
    timeout: null,
  };
  let messageId = 0;
  const send = (from: string, to: string, input: Omit<EventPayloadInput<'message.sent'>['message'], 'id' | 'from' | 'to' | 'timestamp'>): void => {
    messageId++;
    stream.emit('message.sent', { message: { id: `m${messageId}`, from, to, timestamp: clock.now(), ...input } as EventPayloadInput<'message.sent'>['message'] });
  };

  clock.set(0);
  stream.emit('run.started', { request: REQUEST, workspace: '/work/example', options: runOptions });
  stream.emit('plan.created', { plan: PLAN });
  stream.emit('agent.started', { agent: 'security-auditor', task: 'Analyze authentication security', phase: 0, parallelWith: [], mcpServers: ['memory-bank'] });
  clock.set(2333);
  stream.emit('agent.tool_called', { agent: 'security-auditor', tool: 'Read', params: { path: 'src/auth.ts' }, status: 'success', durationMs: 234 });
  clock.set(4666);
  stream.emit('finding.reported', { agent: 'security-auditor', finding: FINDING });
  send('security-auditor', 'all', { type: 'finding_report', priority: 'high', payload: FINDING });
  clock.set(7000);
  stream.emit('agent.completed', { agent: 'security-auditor', durationMs: 7000, summary: '1 finding', filesRead: ['src/auth.ts'], nextAgents: ['backend-api-developer'] });

  clock.set(7077);
  stream.emit('handoff.initiated', {
    package: {
      id: 'h1',
      timestamp: clock.now(),
      from: 'security-auditor',
      to: 'backend-api-developer',
      executionContext: { task: 'Fix authentication security vulnerability', filesRead: ['src/auth.ts'], decisions: ['Add organizationId validation'], findings: [FINDING] },
      recommendations: { nextActions: [] },
      urgency: 'high',
    },
  });
  send('security-auditor', 'backend-api-developer', { type: 'handoff', priority: 'high', payload: { handoffId: 'h1', task: 'Fix authentication security vulnerability', urgency: 'high', contextItems: 3 } });
  clock.set(7177);
  stream.emit('agent.started', { agent: 'backend-api-developer', task: 'Implement security fixes', phase: 1, parallelWith: [], mcpServers: ['memory-bank'] });
  stream.emit('handoff.received', { handoffId: 'h1', from: 'security-auditor', to: 'backend-api-developer', contextItems: 3 });

  if (options.failBackend) {
    clock.set(9000);
    stream.emit('agent.tool_called', { agent: 'backend-api-developer', tool: 'Edit', params: { path: 'src/auth.ts' }, status: 'error', durationMs: 120, summary: 'model unavailable' });
    stream.emit('agent.failed', { agent: 'backend-api-developer', durationMs: 1823, reason: 'error', error: 'Model request failed: 503 Service Unavailable' });
    stream.emit('agent.skipped', { agent: 'test-suite-developer', reason: 'backend-api-developer failed' });
    stream.emit('agent.skipped', { agent: 'docs-writer', reason: 'backend-api-developer failed' });
    clock.set(9100);
    stream.emit('run.completed', { success: false, status: 'failed', durationMs: 9100, error: 'backend-api-developer failed' });
    return;
  }

  clock.set(10_333);
  stream.emit('agent.tool_called', { agent: 'backend-api-developer', tool: 'Edit', params: { path: 'src/auth.ts' }, status: 'success', durationMs: 234 });
  stream.emit('change.proposed', {
    agent: 'backend-api-developer',
    file: 'src/auth.ts',
    diff: '--- a/src/auth.ts\n+++ b/src/auth.ts\n@@ -42 +42,2 @@\n-  return user;\n+  assertSameOrganization(user, ctx);\n+  return user;\n',
    applied: runOptions.apply,
    findingIds: ['F1'],
  });
  clock.set(11_666);
  stream.emit('validation.requested', { requestId: 'v1', from: 'backend-api-developer', to: 'security-auditor', files: ['src/auth.ts'] });
  send('backend-api-developer', 'security-auditor', {
    type: 'validation_request',
    priority: 'high',
    correlationId: 'v1',
    payload: { changesImplemented: ['Added organizationId check'], filesModified: ['src/auth.ts'], requestingReview: true },
  });
  clock.set(13_000);
  const approved = !options.reject;
  const reasons = approved ? [] : ['tenant-isolation still reported at src/auth.ts:42'];
  send('security-auditor', 'backend-api-developer', {
    type: 'validation_result',
    priority: 'high',
    correlationId: 'v1',
    payload: { approved, reasons, filesChecked: ['src/auth.ts'] },
  });
  stream.emit('validation.result', { requestId: 'v1', from: 'security-auditor', to: 'backend-api-developer', approved, reasons });
  clock.set(15_333);
  stream.emit('agent.completed', {
    agent: 'backend-api-developer',
    durationMs: 8156,
    summary: 'Fixed 1 finding',
    filesModified: runOptions.apply ? ['src/auth.ts'] : [],
    nextAgents: ['test-suite-developer', 'docs-writer'],
  });

  clock.set(15_400);
  stream.emit('agent.started', { agent: 'test-suite-developer', task: 'Verify the changes with tests', phase: 2, parallelWith: ['docs-writer'], mcpServers: [] });
  if (parallel) {
    stream.emit('agent.started', { agent: 'docs-writer', task: 'Summarize the fix', phase: 2, parallelWith: ['test-suite-developer'], mcpServers: [] });
    clock.set(16_000);
    stream.emit('agent.tool_called', { agent: 'test-suite-developer', tool: 'mcp__memory-bank__search', params: {}, status: 'success', durationMs: 100 });
    clock.set(18_000);
    stream.emit('agent.completed', { agent: 'docs-writer', durationMs: 2600, summary: 'Wrote summary' });
    clock.set(20_634);
    stream.emit('agent.completed', { agent: 'test-suite-developer', durationMs: 5234, summary: 'Tests pass' });
  } else {
    clock.set(16_000);
    stream.emit('agent.tool_called', { agent: 'test-suite-developer', tool: 'mcp__memory-bank__search', params: {}, status: 'success', durationMs: 100 });
    clock.set(20_634);
    stream.emit('agent.completed', { agent: 'test-suite-developer', durationMs: 5234, summary: 'Tests pass' });
    clock.set(20_700);
    stream.emit('agent.started', { agent: 'docs-writer', task: 'Summarize the fix', phase: 2, parallelWith: ['test-suite-developer'], mcpServers: [] });
    clock.set(23_300);
    stream.emit('agent.completed', { agent: 'docs-writer', durationMs: 2600, summary: 'Wrote summary' });
  }

  clock.set(30_666);
  stream.emit('pattern.discovered', {
    agent: 'security-auditor',
    pattern: {
      id: 'p1',
      type: 'agent_sequence',
      name: 'security-fix sequence',
      sequence: ['security-auditor', 'backend-api-developer', 'test-suite-developer'],
      context: 'security-fix',
      support: 3,
      confidence: 85,
      discoveredAt: clock.now(),
    },
  });
  send('security-auditor', 'all', {
    type: 'pattern_discovered',
    priority: 'normal',
    payload: { pattern: 'security-fix sequence', type: 'agent_sequence', context: 'security-fix', confidence: 85, support: 3 },
  });
  clock.set(35_000);
  stream.emit('run.completed', { success: true, status: 'completed', durationMs: 35_000 });
}

/** Events of a whole Example 1 run. */
export function example1Events(options: ExampleOptions = {}, sessionId = SESSION): RunEventStream['events'] {
  const { stream, clock } = createStream(sessionId);
  runExample1(stream, clock, options);
  return stream.events;
}
