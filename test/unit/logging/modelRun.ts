// A small run with a model agent, built event by event: code-reviewer talks to openai/gpt-4o-mini for three turns
// (one without a known price), waits for approval of an edit, then finishes; security-auditor runs offline.
import type { ExecutionPlan } from '../../../src/core/protocol/plan';
import { createStream, fakeClock, type FakeClock } from './example1';
import type { RunEventStream } from '../../../src/core/events/runEventStream';

export const MODEL_SESSION = 'session_model_run';

export const MODEL_PLAN: ExecutionPlan = {
  request: 'Review the authentication code',
  taskType: 'code-review',
  agents: [
    { name: 'security-auditor', task: 'Scan for vulnerabilities', phase: 0, dependsOn: [], capabilities: ['security_audit'], runtime: 'offline', estimatedDuration: null },
    { name: 'code-reviewer', task: 'Review and fix the code', phase: 0, dependsOn: [], capabilities: ['code_review'], runtime: 'model', estimatedDuration: null },
  ],
  phases: [['security-auditor', 'code-reviewer']],
  skipped: [],
  warnings: [],
  estimatedDuration: null,
  mcpServers: [],
};

export interface ModelRunOptions {
  /** Stop while code-reviewer waits for approval of an edit. @default false */
  stopWaiting?: boolean;
  /** Run only the offline agent: no model event at all. @default false */
  offline?: boolean;
}

function modelCall(turn: number, inputTokens: number, outputTokens: number, cachedInputTokens: number, costUsd: number | null) {
  return {
    agent: 'code-reviewer', provider: 'openai', model: 'gpt-4o-mini', turn, inputTokens, outputTokens, cachedInputTokens,
    durationMs: 800, costUsd, finishReason: 'tool-calls' as const, errorKind: null,
  };
}

export function runModelExample(stream: RunEventStream, clock: FakeClock, options: ModelRunOptions = {}): void {
  const plan = options.offline ? { ...MODEL_PLAN, agents: [MODEL_PLAN.agents[0]], phases: [['security-auditor']] } : MODEL_PLAN;
  clock.set(0);
  stream.emit('run.started', {
    request: plan.request,
    workspace: '/work/example',
    options: { apply: true, allowCommands: false, maxParallelAgents: 2, agentTimeout: 30_000, timeout: null },
  });
  stream.emit('plan.created', { plan });
  stream.emit('agent.started', { agent: 'security-auditor', task: 'Scan for vulnerabilities', phase: 0, parallelWith: [], mcpServers: [] });
  if (!options.offline) {
    stream.emit('agent.started', { agent: 'code-reviewer', task: 'Review and fix the code', phase: 0, parallelWith: ['security-auditor'], mcpServers: [] });
    stream.emit('agent.waiting', { agent: 'code-reviewer', waitingFor: 'model', detail: 'turn 1' });
    clock.set(800);
    stream.emit('model.called', modelCall(1, 12_000, 400, 8_000, 0.0021));
    stream.emit('agent.waiting', { agent: 'code-reviewer', waitingFor: null, detail: '' });
    stream.emit('agent.tool_called', { agent: 'code-reviewer', tool: 'Read', params: { path: 'src/auth.ts' }, status: 'success', durationMs: 5 });
    clock.set(1700);
    stream.emit('model.called', modelCall(2, 13_500, 900, 0, 0.0035));
    stream.emit('agent.tool_called', { agent: 'code-reviewer', tool: 'Edit', params: { path: 'src/auth.ts' }, status: 'success', durationMs: 5 });
    stream.emit('agent.waiting', { agent: 'code-reviewer', waitingFor: 'approval', detail: 'Edit src/auth.ts' });
  }
  clock.set(2000);
  stream.emit('agent.completed', { agent: 'security-auditor', durationMs: 2000, summary: 'no findings' });
  if (options.stopWaiting) return;
  if (!options.offline) {
    clock.set(3000);
    stream.emit('agent.waiting', { agent: 'code-reviewer', waitingFor: null, detail: '' });
    clock.set(3600);
    stream.emit('model.called', modelCall(3, 14_000, 250, 0, null));
    stream.emit('agent.completed', { agent: 'code-reviewer', durationMs: 3600, summary: 'Reviewed', filesModified: ['src/auth.ts'] });
  }
  clock.set(4000);
  stream.emit('run.completed', { success: true, status: 'completed', durationMs: 4000 });
}

export function modelRunEvents(options: ModelRunOptions = {}, sessionId = MODEL_SESSION): RunEventStream['events'] {
  const { stream, clock } = createStream(sessionId, fakeClock());
  runModelExample(stream, clock, options);
  return stream.events;
}
