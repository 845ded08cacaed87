import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync, existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { OrchestratorConfigSchema } from '../../../src/core/protocol/config';
import { ExecutionOrchestrator } from '../../../src/core/orchestrator/executionOrchestrator';
import type { AgentContext, AgentOutcome, AgentRuntime } from '../../../src/core/orchestrator/agentRuntime';
import type { PlannableAgent } from '../../../src/core/planning/planner';
import type { WorkspaceFiles } from '../../../src/core/ports';
import type { OrchestratorEvent } from '../../../src/core/protocol/events';
import { MemoryStore } from '../../helpers/memoryStore';

const roster: PlannableAgent[] = [
  { name: 'scanner', description: 'finds problems', capabilities: ['security_audit', 'validation'], stage: 'analysis', runtime: 'offline', model: null },
  { name: 'fixer', description: 'fixes problems', capabilities: ['backend_development'], stage: 'implementation', runtime: 'offline', model: null },
  { name: 'tester', description: 'runs tests', capabilities: ['testing'], stage: 'verification', runtime: 'offline', model: null },
  { name: 'writer', description: 'writes docs', capabilities: ['documentation'], stage: 'documentation', runtime: 'offline', model: null },
  { name: 'reviewer', description: 'reviews with a model', capabilities: ['code_review', 'security_audit'], stage: 'analysis', runtime: 'model', model: 'sonnet' },
];

const workspace: WorkspaceFiles = {
  root: '/nonexistent-workspace',
  listFiles: async () => [],
  readFile: async (file) => { throw new Error(`no ${file}`); },
  writeFile: async () => {},
  exists: async () => false,
  resolve: (file) => `/nonexistent-workspace/${file}`,
};

type Behaviour = (context: AgentContext) => Promise<AgentOutcome>;

function agent(name: string, behaviour: Behaviour, services?: AgentRuntime['services']): AgentRuntime {
  return { name, capabilities: roster.find((a) => a.name === name)?.capabilities ?? [], services, run: behaviour };
}

const sleep = (ms: number, signal?: AbortSignal): Promise<void> =>
  new Promise((resolve, reject) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => { clearTimeout(timer); reject(signal.reason); }, { once: true });
  });

const quick: Behaviour = async (context) => {
  await context.useTool('Read', { file: 'a.ts' }, async () => 'text');
  return { summary: `${context.agent} done` };
};

describe('ExecutionOrchestrator', () => {
  let logDir: string;
  beforeEach(() => { logDir = mkdtempSync(path.join(os.tmpdir(), 'ao-orch-')); });
  afterEach(() => rmSync(logDir, { recursive: true, force: true }));

  function build(runtimes: AgentRuntime[], orchestration: Record<string, unknown> = {}, store = new MemoryStore()) {
    const config = OrchestratorConfigSchema.parse({ orchestration: { agentTimeout: 5000, ...orchestration } });
    const orchestrator = new ExecutionOrchestrator({ workspace, store, roster, runtimes, config, logDir });
    return { orchestrator, store };
  }

  const names = (events: OrchestratorEvent[], type: OrchestratorEvent['type']): string[] =>
    events.filter((e) => e.type === type).map((e) => (e.payload as { agent: string }).agent);

  it('runs the phases in order, independent agents in parallel, and writes the log, dashboard and report', async () => {
    let running = 0;
    let maxRunning = 0;
    const overlapping: Behaviour = async () => {
      running += 1;
      maxRunning = Math.max(maxRunning, running);
      await sleep(60);
      running -= 1;
      return { summary: 'ok' };
    };
    const { orchestrator, store } = build([agent('scanner', quick), agent('fixer', quick), agent('tester', overlapping), agent('writer', overlapping)]);
    const result = await orchestrator.executeRequest('Fix security bug in the login endpoint');
    assert.equal(result.success, true);
    assert.deepEqual(result.plan.phases, [['scanner'], ['fixer'], ['tester', 'writer']]);
    assert.equal(maxRunning, 2, 'tester and writer overlap');
    const events = store.eventsOf(result.sessionId);
    const started = names(events, 'agent.started');
    assert.deepEqual(started.slice(0, 2), ['scanner', 'fixer']);
    const fixerDone = events.findIndex((e) => e.type === 'agent.completed' && e.payload.agent === 'fixer');
    const testerStart = events.findIndex((e) => e.type === 'agent.started' && e.payload.agent === 'tester');
    assert.ok(fixerDone < testerStart, 'verification starts after implementation completes');
    assert.deepEqual(events.map((e) => e.seq), events.map((_, i) => i + 1), 'seq increases by one');
    assert.equal(events.at(-1)?.type, 'run.completed');
    for (const file of [result.logFile, result.dashboardFile, result.reportFile]) assert.ok(existsSync(file), `${file} exists`);
  });

  it('lists a model-only agent as skipped with a warning when no model is configured', async () => {
    const { orchestrator, store } = build([agent('scanner', quick), agent('fixer', quick), agent('tester', quick), agent('writer', quick)]);
    const result = await orchestrator.executeRequest('Fix security bug');
    assert.deepEqual(result.plan.skipped.map((s) => s.name), ['reviewer']);
    assert.match(result.plan.warnings.join('\n'), /reviewer skipped: needs a language model/);
    assert.deepEqual(names(store.eventsOf(result.sessionId), 'agent.skipped'), ['reviewer']);
  });

  it('honours maxParallelAgents', async () => {
    let running = 0;
    let maxRunning = 0;
    const overlapping: Behaviour = async () => {
      running += 1;
      maxRunning = Math.max(maxRunning, running);
      await sleep(30);
      running -= 1;
      return { summary: 'ok' };
    };
    const { orchestrator } = build([agent('scanner', quick), agent('fixer', quick), agent('tester', overlapping), agent('writer', overlapping)], { maxParallelAgents: 1 });
    const result = await orchestrator.executeRequest('Fix security bug');
    assert.equal(result.success, true);
    assert.equal(maxRunning, 1);
  });

  it('fails an agent that exceeds its timeout and fails its dependants without running them', async () => {
    let testerRan = false;
    const hangs: Behaviour = async (context) => { await sleep(60_000, context.signal); return { summary: 'never' }; };
    const { orchestrator, store } = build([
      agent('scanner', quick), agent('fixer', hangs),
      agent('tester', async () => { testerRan = true; return { summary: '' }; }), agent('writer', quick),
    ], { agentTimeout: 150 });
    const result = await orchestrator.executeRequest('Fix security bug');
    assert.equal(result.success, false);
    assert.equal(result.status, 'failed');
    const failures = store.eventsOf(result.sessionId).filter((e) => e.type === 'agent.failed');
    assert.deepEqual(failures.map((e) => [e.payload.agent, e.payload.reason]), [['fixer', 'timeout'], ['tester', 'dependency_failed'], ['writer', 'dependency_failed']]);
    assert.equal(testerRan, false);
    assert.match(result.error ?? '', /fixer/);
  });

  it('reports an agent that throws as failed with its error', async () => {
    const { orchestrator, store } = build([agent('scanner', async () => { throw new Error('disk on fire'); }), agent('fixer', quick), agent('tester', quick), agent('writer', quick)]);
    const result = await orchestrator.executeRequest('Fix security bug');
    const failed = store.eventsOf(result.sessionId).find((e) => e.type === 'agent.failed' && e.payload.agent === 'scanner');
    assert.ok(failed && failed.type === 'agent.failed');
    assert.equal(failed.payload.reason, 'error');
    assert.match(failed.payload.error, /disk on fire/);
    const completed = store.eventsOf(result.sessionId).at(-1);
    assert.ok(completed?.type === 'run.completed' && completed.payload.success === false);
  });

  it('cancels cleanly: the running agent is aborted, the rest are cancelled, the run ends as cancelled', async () => {
    const controller = new AbortController();
    let sawAbort = false;
    const slow: Behaviour = async (context) => {
      setTimeout(() => controller.abort(), 20);
      try { await sleep(60_000, context.signal); } catch (error) { sawAbort = true; throw error; }
      return { summary: '' };
    };
    const { orchestrator, store } = build([agent('scanner', quick), agent('fixer', slow), agent('tester', quick), agent('writer', quick)]);
    const result = await orchestrator.executeRequest('Fix security bug', { signal: controller.signal });
    assert.equal(result.status, 'cancelled');
    assert.equal(sawAbort, true);
    const failures = store.eventsOf(result.sessionId).filter((e) => e.type === 'agent.failed');
    assert.deepEqual(failures.map((e) => [e.payload.agent, e.payload.reason]).sort(), [['fixer', 'cancelled'], ['tester', 'cancelled'], ['writer', 'cancelled']]);
  });

  it('ends a run that exceeds its overall timeout as timed_out', async () => {
    const slow: Behaviour = async (context) => { await sleep(60_000, context.signal); return { summary: '' }; };
    const { orchestrator } = build([agent('scanner', slow), agent('fixer', quick), agent('tester', quick), agent('writer', quick)]);
    const result = await orchestrator.executeRequest('Fix security bug', { timeout: 100 });
    assert.equal(result.status, 'timed_out');
    assert.equal(result.success, false);
  });

  it('carries messages, handoffs and validation between agents as events', async () => {
    const scanner = agent('scanner', async (context) => {
      await context.reportFinding({ id: 'f1', ruleId: 'r', severity: 'high', message: 'Missing organizationId validation', file: 'auth.ts', line: 42, column: 3, recommendation: 'add it', fixable: true });
      return { summary: 'found 1', handoffs: [{ to: 'fixer', request: { task: 'Fix it', urgency: 'high', requiresValidation: true, outputs: { filesRead: ['auth.ts'] } } }] };
    }, {
      validate: async (request) => ({ approved: request.filesModified.includes('auth.ts'), reasons: ['checked'], filesChecked: request.filesModified, remainingFindings: [] }),
    });
    let inherited = '';
    const fixer = agent('fixer', async (context) => {
      inherited = context.handoffs.map((h) => `${h.from}:${h.task}:${h.filesRead.join(',')}`).join(';');
      const verdict = await context.requestValidation('scanner', { changesImplemented: ['x'], filesModified: ['auth.ts'], requestingReview: true, findingIds: ['f1'] });
      return { summary: verdict.approved ? 'approved' : 'rejected' };
    });
    const { orchestrator, store } = build([scanner, fixer, agent('tester', quick), agent('writer', quick)]);
    const result = await orchestrator.executeRequest('Fix security bug');
    assert.equal(result.success, true);
    assert.equal(inherited, 'scanner:Fix it:auth.ts');
    const events = store.eventsOf(result.sessionId);
    const order = events.map((e) => (e.type === 'message.sent' ? `msg:${e.payload.message.type}:${e.payload.message.from}->${e.payload.message.to}` : e.type === 'handoff.initiated' ? `handoff:${e.payload.package.from}->${e.payload.package.to}` : e.type)).filter((s) => s.startsWith('msg:finding') || s.startsWith('msg:validation') || s.startsWith('handoff:'));
    assert.deepEqual(order, ['msg:finding_report:scanner->all', 'handoff:scanner->fixer', 'msg:validation_request:fixer->scanner', 'msg:validation_result:scanner->fixer']);
    const verdict = events.find((e) => e.type === 'validation.result');
    assert.ok(verdict?.type === 'validation.result' && verdict.payload.approved);
  });

  it('records what each agent did and estimates the next plan from it', async () => {
    const store = new MemoryStore();
    const runtimes = [agent('scanner', quick), agent('fixer', quick), agent('tester', quick), agent('writer', quick)];
    const first = await build(runtimes, {}, store).orchestrator.executeRequest('Fix security bug');
    assert.equal(first.plan.estimatedDuration, null, 'no history before the first run');
    const records = store.eventsOf(first.sessionId).filter((e) => e.type === 'learning.recorded');
    assert.deepEqual(records.map((e) => e.type === 'learning.recorded' && e.payload.record.agent).sort(), ['fixer', 'scanner', 'tester', 'writer']);
    const scannerRecord = records.find((e) => e.type === 'learning.recorded' && e.payload.record.agent === 'scanner');
    assert.ok(scannerRecord?.type === 'learning.recorded');
    assert.deepEqual(scannerRecord.payload.record.successPatterns.toolSequence, ['Read']);
    const second = await build(runtimes, {}, store).orchestrator.executeRequest('Fix security bug');
    assert.ok(second.plan.estimatedDuration, 'the second plan carries a learned estimate');
    assert.equal(second.plan.estimatedDuration.samples, 1);
  });

  it('rejects an empty request before doing anything', async () => {
    const { orchestrator } = build([agent('scanner', quick), agent('fixer', quick), agent('tester', quick), agent('writer', quick)]);
    await assert.rejects(orchestrator.executeRequest('   '), /request is empty/);
  });
});
