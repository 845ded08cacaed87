// What the orchestrator does when something goes wrong around the agents (review findings turned into tests).
import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { OrchestratorConfigSchema } from '../../../src/core/protocol/config';
import { ExecutionOrchestrator } from '../../../src/core/orchestrator/executionOrchestrator';
import { OverlayWorkspace } from '../../../src/core/orchestrator/overlayWorkspace';
import type { AgentContext, AgentOutcome, AgentRuntime } from '../../../src/core/orchestrator/agentRuntime';
import type { PlanModel } from '../../../src/core/planning/modelPlanner';
import type { PlannableAgent } from '../../../src/core/planning/planner';
import type { Clock, ModelClient, ModelRequest, ModelStreamPart, WorkspaceFiles } from '../../../src/core/ports';
import type { OrchestratorEvent } from '../../../src/core/protocol/events';
import { MemoryStore } from '../../helpers/memoryStore';

const roster: PlannableAgent[] = [
  { name: 'scanner', description: '', capabilities: ['security_audit'], stage: 'analysis', runtime: 'offline', model: null },
  { name: 'fixer', description: '', capabilities: ['backend_development'], stage: 'implementation', runtime: 'offline', model: null },
  { name: 'reviewer', description: '', capabilities: ['code_review'], stage: 'analysis', runtime: 'model', model: 'sonnet' },
  { name: 'slowpoke', description: '', capabilities: ['performance'], stage: 'analysis', runtime: 'offline', model: null },
];

/** An in-memory workspace that records what reached "disk". */
class MemoryWorkspace implements WorkspaceFiles {
  readonly root = '/ws';
  readonly disk = new Map<string, string>([['src/a.ts', 'original']]);
  listFiles = async (): Promise<string[]> => [...this.disk.keys()].sort();
  readFile = async (file: string): Promise<string> => {
    const text = this.disk.get(this.#key(file));
    if (text === undefined) throw new Error(`no ${file}`);
    return text;
  };
  writeFile = async (file: string, content: string): Promise<void> => { this.disk.set(this.#key(file), content); };
  exists = async (file: string): Promise<boolean> => this.disk.has(this.#key(file));
  resolve = (file: string): string => {
    const absolute = path.posix.resolve(this.root, file);
    if (!absolute.startsWith(`${this.root}/`)) throw new Error(`outside: ${file}`);
    return absolute;
  };
  #key(file: string): string {
    return path.posix.relative(this.root, this.resolve(file));
  }
}

const sleep = (ms: number, signal?: AbortSignal): Promise<void> =>
  new Promise((resolve, reject) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => { clearTimeout(timer); reject(signal.reason); }, { once: true });
  });

/** A planning model that answers only when stopped (or, on code that never stops it, after a few seconds). */
class SlowPlanner implements ModelClient {
  readonly provider = 'scripted';
  readonly modelId = 'slow-planner';
  asked = false;
  #onAsked: (() => void) | null = null;
  readonly askedOnce = new Promise<void>((resolve) => { this.#onAsked = resolve; });
  async *stream(request: ModelRequest): AsyncIterable<ModelStreamPart> {
    this.asked = true;
    this.#onAsked?.();
    await sleep(3000, request.signal);
    throw new Error('no plan');
  }
}

const agent = (name: string, run: (context: AgentContext) => Promise<AgentOutcome>): AgentRuntime => ({ name, capabilities: [], run });
const finding = { id: 'f1', ruleId: 'r', severity: 'high' as const, message: 'm', file: 'src/a.ts', line: 1, column: 1, recommendation: 'fix', fixable: false };

describe('ExecutionOrchestrator robustness', () => {
  let logDir: string;
  beforeEach(() => { logDir = mkdtempSync(path.join(os.tmpdir(), 'ao-robust-')); });
  afterEach(() => rmSync(logDir, { recursive: true, force: true }));

  function build(runtimes: AgentRuntime[], config: Record<string, Record<string, unknown>> = {}, extra: { store?: MemoryStore; workspace?: WorkspaceFiles; clock?: Clock; onWarning?: (m: string) => void; planModel?: PlanModel } = {}) {
    const store = extra.store ?? new MemoryStore();
    const parsed = OrchestratorConfigSchema.parse({ ...config, orchestration: { agentTimeout: 5000, ...(config.orchestration ?? {}) } });
    const orchestrator = new ExecutionOrchestrator({
      workspace: extra.workspace ?? new MemoryWorkspace(), store, runtimes,
      roster: roster.filter((entry) => entry.runtime === 'model' || runtimes.some((runtime) => runtime.name === entry.name)), config: parsed, logDir, clock: extra.clock, onWarning: extra.onWarning,
      ...(extra.planModel ? { planModel: extra.planModel } : {}),
    });
    return { orchestrator, store };
  }
  const quick = async (): Promise<AgentOutcome> => ({ summary: 'ok' });

  it('still runs, without broadcasting, when broadcasts are switched off', async () => {
    const reporter = agent('scanner', async (context) => {
      await context.reportFinding(finding);
      await context.broadcast({ type: 'warning', payload: { message: 'heads up' } });
      return { summary: 'reported' };
    });
    const { orchestrator, store } = build([reporter, agent('fixer', quick)], { communication: { broadcastEnabled: false } });
    const result = await orchestrator.executeRequest('Fix security bug');
    assert.equal(result.success, true, result.error);
    const events = store.eventsOf(result.sessionId);
    assert.ok(events.some((e) => e.type === 'finding.reported'), 'the finding is still recorded');
    assert.equal(events.filter((e) => e.type === 'message.sent' && e.payload.message.to === 'all').length, 0);
  });

  it('refuses the writes and reports of an agent that outlived its timeout', async () => {
    const workspace = new MemoryWorkspace();
    let lateWrite: unknown = 'not attempted';
    const stubborn = agent('scanner', async (context) => {
      await new Promise((resolve) => setTimeout(resolve, 130)); // ignores its signal; its timeout is 100 ms
      lateWrite = await context.workspace.writeFile('src/a.ts', 'late').then(() => 'written', (error: Error) => error.message);
      await context.reportFinding(finding).catch(() => undefined);
      return { summary: 'too late' };
    });
    // One agent at a time: slowpoke starts when scanner times out (~100 ms) and runs 90 ms, so the run is still open
    // when scanner acts at 130 ms. Timers fire in due order, so this holds on a slow machine too.
    const slowpoke = agent('slowpoke', async () => { await sleep(90); return { summary: 'ok' }; });
    const { orchestrator, store } = build([stubborn, slowpoke], { orchestration: { agentTimeout: 100, maxParallelAgents: 1 } }, { workspace });
    const result = await orchestrator.executeRequest('Fix security bug', { apply: true, agents: ['scanner', 'slowpoke'] });
    assert.equal(result.status, 'failed');
    assert.match(String(lateWrite), /timeout/);
    assert.equal(workspace.disk.get('src/a.ts'), 'original');
    assert.equal(store.eventsOf(result.sessionId).filter((e) => e.type === 'finding.reported').length, 0);
  });

  it('records as timed out an agent that held the event loop past its timeout and then returned', async () => {
    // Like ESLint on a huge file: synchronous work, so the timeout timer cannot fire until the agent has returned.
    const blocking = agent('scanner', async () => {
      const start = performance.now();
      while (performance.now() - start < 250) { /* busy past the 100 ms timeout */ }
      return { summary: 'finished anyway' };
    });
    const { orchestrator, store } = build([blocking, agent('fixer', quick)], { orchestration: { agentTimeout: 100 } });
    const result = await orchestrator.executeRequest('Fix security bug', { agents: ['scanner'] });
    assert.equal(result.status, 'failed');
    const about = store.eventsOf(result.sessionId).filter((e) => (e.type === 'agent.completed' || e.type === 'agent.failed') && e.payload.agent === 'scanner');
    assert.deepEqual(about.map((e) => e.type), ['agent.failed']);
    assert.ok(about[0]?.type === 'agent.failed' && about[0].payload.reason === 'timeout', JSON.stringify(about[0]));
    const learned = store.eventsOf(result.sessionId).find((e) => e.type === 'learning.recorded' && e.payload.record.agent === 'scanner');
    assert.ok(learned?.type === 'learning.recorded' && !learned.payload.record.outcomes.success, JSON.stringify(learned?.payload));
  });

  it('counts planning against the run timeout and ends the run as timed out, not failed', async () => {
    const planner = new SlowPlanner();
    const { orchestrator, store } = build([agent('scanner', quick), agent('fixer', quick)], {}, { planModel: { client: planner } });
    const result = await orchestrator.executeRequest('Fix security bug', { timeout: 100 });
    assert.ok(planner.asked);
    assert.equal(result.status, 'timed_out');
    assert.match(result.error ?? '', /exceeded its 100 ms timeout \(while planning\)/);
    const events = store.eventsOf(result.sessionId);
    assert.equal(events.filter((e) => e.type === 'agent.started').length, 0);
    const completed = events.find((e) => e.type === 'run.completed');
    assert.ok(completed?.type === 'run.completed' && completed.payload.status === 'timed_out', JSON.stringify(completed));
  });

  it('ends a run cancelled while planning as cancelled, with a result', async () => {
    const planner = new SlowPlanner();
    const { orchestrator } = build([agent('scanner', quick), agent('fixer', quick)], {}, { planModel: { client: planner } });
    const cancel = new AbortController();
    const running = orchestrator.executeRequest('Fix security bug', { signal: cancel.signal });
    await planner.askedOnce;
    cancel.abort();
    const result = await running;
    assert.equal(result.status, 'cancelled');
    assert.equal(result.success, false);
  });

  it('starts no agent once the run deadline passed while an agent held the event loop, and learns no duration from it', async () => {
    const blocking = agent('scanner', async () => {
      const start = performance.now();
      while (performance.now() - start < 300) { /* synchronous work past the run's 100 ms limit */ }
      return { summary: 'finished anyway' };
    });
    const { orchestrator, store } = build([blocking, agent('fixer', quick)]);
    const result = await orchestrator.executeRequest('Fix security bug and implement the endpoint', { timeout: 100, agents: ['scanner', 'fixer'] });
    assert.equal(result.status, 'timed_out');
    const events = store.eventsOf(result.sessionId);
    assert.deepEqual(events.filter((e) => e.type === 'agent.started').map((e) => e.payload.agent), ['scanner']);
    const learned = events.find((e) => e.type === 'learning.recorded' && e.payload.record.agent === 'scanner');
    assert.ok(learned?.type === 'learning.recorded' && learned.payload.record.outcomes.ending === 'timed_out', JSON.stringify(learned?.payload));
    assert.equal(orchestrator.learningSystem.estimateDuration('scanner').samples, 0);
  });

  it('keeps and shows only the discoveries that meet the pattern confidence threshold', async () => {
    const sharing = agent('scanner', async (context) => {
      await context.sharePattern({ name: 'hunch', type: 'security', context: 'seen once', confidence: 33, support: 1 });
      await context.sharePattern({ name: 'missing-tenant-filter', type: 'security', context: 'every audit', confidence: 90, support: 4 });
      return { summary: 'shared' };
    });
    const { orchestrator, store } = build([sharing, agent('fixer', quick)]);
    const result = await orchestrator.executeRequest('Fix security bug', { agents: ['scanner'] });
    const shown = store.eventsOf(result.sessionId).flatMap((e) => (e.type === 'pattern.discovered' ? [e.payload.pattern.name] : []));
    assert.deepEqual(shown, ['missing-tenant-filter']);
    assert.deepEqual(result.learnedPatterns.map((p) => p.name), ['missing-tenant-filter']);
  });

  it('accepts the next run after a run whose journal write failed', async () => {
    const store = new MemoryStore();
    let failNext = true;
    const append = store.append.bind(store);
    store.append = (event: OrchestratorEvent): void => {
      if (failNext && event.type === 'run.started') { failNext = false; throw new Error('ENOSPC: no space left on device'); }
      append(event);
    };
    const { orchestrator } = build([agent('scanner', quick), agent('fixer', quick)], {}, { store });
    await assert.rejects(orchestrator.executeRequest('Fix security bug'), /ENOSPC/);
    const second = await orchestrator.executeRequest('Fix security bug');
    assert.equal(second.success, true, second.error);
  });

  it('survives the wall clock stepping backwards', async () => {
    let now = 1_700_000_000_000;
    const clock: Clock = { now: () => (now -= 7) };
    const { orchestrator } = build([agent('scanner', async (c) => { await c.useTool('Read', {}, async () => 'x'); return { summary: 'ok' }; }), agent('fixer', quick)], {}, { clock });
    const result = await orchestrator.executeRequest('Fix security bug');
    assert.equal(result.success, true, result.error);
  });

  it('fails, without first completing, an agent whose handoff package is malformed', async () => {
    const handsOffBadly = agent('scanner', async () => ({ summary: 'done', handoffs: [{ to: 'fixer', request: { task: '' } }] }));
    const { orchestrator, store } = build([handsOffBadly, agent('fixer', quick)]);
    const result = await orchestrator.executeRequest('Fix security bug');
    const about = store.eventsOf(result.sessionId).filter((e) => (e.type === 'agent.completed' || e.type === 'agent.failed') && e.payload.agent === 'scanner');
    assert.deepEqual(about.map((e) => e.type), ['agent.failed']);
    assert.ok(about[0]?.type === 'agent.failed' && /handoff from scanner to fixer/.test(about[0].payload.error));
  });

  it('reports a view that failed to update instead of hiding it', async () => {
    const warnings: string[] = [];
    const { orchestrator } = build([agent('scanner', quick), agent('fixer', quick)], {}, { onWarning: (m) => warnings.push(m) });
    const result = await orchestrator.executeRequest('Fix security bug', { onEvent: (e) => { if (e.type === 'agent.started') throw new Error('view broke'); } });
    assert.equal(result.success, true);
    assert.match(result.warnings.join('\n'), /view broke/);
    assert.match(warnings.join('\n'), /agent.started: view broke/);
  });

  it('fails a run in which no agent can run', async () => {
    const { orchestrator } = build([agent('scanner', quick), agent('fixer', quick)]);
    const result = await orchestrator.executeRequest('Review the code', { agents: ['reviewer'] });
    assert.equal(result.success, false);
    // The request asked for a review and only the reviewer could do it: the error says so, and why it could not run.
    assert.match(result.error ?? '', /Nothing the request asked for can be done: code review .*reviewer needs a language model/);
  });

  it('cancels the active run on shutdown', async () => {
    const { orchestrator } = build([agent('scanner', async (c) => { await sleep(60_000, c.signal); return { summary: '' }; }), agent('fixer', quick)]);
    const running = orchestrator.executeRequest('Fix security bug');
    await sleep(30);
    await orchestrator.shutdown();
    const result = await running;
    assert.equal(result.status, 'cancelled');
  });
});

describe('OverlayWorkspace', () => {
  it('finds a proposed change however its path is spelled, and lists files the run created', async () => {
    const base = new MemoryWorkspace();
    const overlay = new OverlayWorkspace(base, false);
    await overlay.writeFile('src/a.ts', 'proposed');
    await overlay.writeFile('src/new.ts', 'created');
    for (const spelling of ['src/a.ts', './src/a.ts', 'src//a.ts', 'src/./a.ts', 'lib/../src/a.ts', '/ws/src/a.ts']) {
      assert.equal(await overlay.readFile(spelling), 'proposed', spelling);
    }
    assert.equal(base.disk.get('src/a.ts'), 'original', 'a dry run never touches disk');
    assert.deepEqual(await overlay.listFiles({ extensions: ['.ts'] }), ['src/a.ts', 'src/new.ts']);
  });
});
