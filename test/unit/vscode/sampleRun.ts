// A small, realistic run as events (validated by the real schema), for the presentation tests.
import { OrchestratorEventSchema, type EventPayloadInput, type EventType, type OrchestratorEvent } from '../../../src/core/protocol/events';
import { foldEvents, type RunState } from '../../../src/core/logging/runState';

export const SESSION_ID = 'session_test_1';
export const T0 = Date.UTC(2026, 0, 10, 12, 0, 0);

export class EventLog {
  readonly events: OrchestratorEvent[] = [];

  add<K extends EventType>(type: K, payload: EventPayloadInput<K>, at: number): OrchestratorEvent {
    const event = OrchestratorEventSchema.parse({ sessionId: SESSION_ID, seq: this.events.length + 1, ts: T0 + at, type, payload });
    this.events.push(event);
    return event;
  }

  state(): RunState {
    return foldEvents(SESSION_ID, this.events);
  }
}

export const tenantFinding = {
  id: 'f1',
  ruleId: 'agent-orchestrator/missing-tenant-filter',
  severity: 'high' as const,
  message: 'Missing organizationId validation: user.findFirst in a request handler has no organizationId filter',
  file: 'src/routes/auth.ts',
  line: 31,
  column: 22,
  endLine: 31,
  endColumn: 39,
  recommendation: 'Filter by req.user.organizationId',
  fixable: true,
};

/** Auditor finds, hands off to the developer who proposes a fix (dry run); the tester is skipped. */
export function sampleRun(status: 'completed' | 'cancelled' = 'completed'): EventLog {
  const log = new EventLog();
  log.add('run.started', {
    request: 'Fix security vulnerability in authentication endpoint',
    workspace: '/work/example',
    options: { apply: false, allowCommands: false, maxParallelAgents: 5, agentTimeout: 120000, timeout: null },
  }, 0);
  log.add('plan.created', {
    plan: {
      request: 'Fix security vulnerability in authentication endpoint',
      taskType: 'security_fix',
      agents: [
        { name: 'security-auditor', task: 'Audit the endpoint', phase: 0, dependsOn: [], capabilities: ['security_audit'], runtime: 'offline', estimatedDuration: null },
        { name: 'backend-api-developer', task: 'Fix the findings', phase: 1, dependsOn: ['security-auditor'], capabilities: ['backend_development'], runtime: 'offline', estimatedDuration: null },
        { name: 'test-suite-developer', task: 'Run the tests', phase: 2, dependsOn: ['backend-api-developer'], capabilities: ['testing'], runtime: 'offline', estimatedDuration: null },
      ],
      phases: [['security-auditor'], ['backend-api-developer'], ['test-suite-developer']],
      skipped: [],
      warnings: [],
      estimatedDuration: null,
      mcpServers: [],
    },
  }, 1);
  log.add('agent.started', { agent: 'security-auditor', task: 'Audit the endpoint', phase: 0, parallelWith: [] }, 2);
  log.add('finding.reported', { agent: 'security-auditor', finding: tenantFinding }, 50);
  log.add('message.sent', {
    message: { id: 'm1', from: 'security-auditor', to: 'all', timestamp: T0 + 51, type: 'finding_report', priority: 'high', payload: tenantFinding },
  }, 51);
  log.add('agent.completed', { agent: 'security-auditor', durationMs: 98, summary: '1 finding' }, 100);
  log.add('handoff.initiated', {
    package: {
      id: 'h1',
      timestamp: T0 + 101,
      from: 'security-auditor',
      to: 'backend-api-developer',
      executionContext: { task: 'Fix 1 security finding', filesRead: ['src/routes/auth.ts'], decisions: ['fix mechanically'], findings: [tenantFinding] },
      recommendations: { nextActions: ['add the tenant filter'], testingNeeded: true },
      urgency: 'high',
    },
  }, 101);
  log.add('agent.started', { agent: 'backend-api-developer', task: 'Fix the findings', phase: 1, parallelWith: [] }, 110);
  log.add('handoff.received', { handoffId: 'h1', from: 'security-auditor', to: 'backend-api-developer', contextItems: 5 }, 111);
  log.add('change.proposed', { agent: 'backend-api-developer', file: 'src/routes/auth.ts', diff: '--- a\n+++ b\n-x\n+y\n', applied: false, findingIds: ['f1'] }, 150);
  if (status === 'cancelled') {
    log.add('agent.failed', { agent: 'backend-api-developer', durationMs: 60, reason: 'cancelled', error: 'cancelled' }, 170);
    log.add('run.completed', { success: false, status: 'cancelled', durationMs: 171 }, 171);
    return log;
  }
  log.add('agent.completed', { agent: 'backend-api-developer', durationMs: 63, summary: '1 fix proposed' }, 173);
  log.add('agent.skipped', { agent: 'test-suite-developer', reason: 'running commands needs consent' }, 174);
  log.add('pattern.discovered', {
    pattern: { id: 'p1', type: 'agent_sequence', name: 'security-auditor → backend-api-developer', support: 2, confidence: 100, discoveredAt: T0 + 180 },
  }, 180);
  log.add('run.completed', { success: true, status: 'completed', durationMs: 1840 }, 1840);
  return log;
}
