// Who runs alongside an agent is stored once, in the plan, not in every agent.started event, and a learning record
// names a bounded number of them: a phase's events grow with its width, not its square. Views derive the list from the plan; sessions stored in the old shape still
// load and render with the list they carry.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { renderMarkdownLog } from '../../../src/core/logging/markdownLog';
import { foldEvents } from '../../../src/core/logging/runState';
import { ExecutionOrchestrator } from '../../../src/core/orchestrator/executionOrchestrator';
import type { WorkspaceFiles } from '../../../src/core/ports';
import { OrchestratorConfigSchema } from '../../../src/core/protocol/config';
import type { OrchestratorEvent } from '../../../src/core/protocol/events';
import { MAX_PARALLEL_NAMED, type ExecutionPlan } from '../../../src/core/protocol/plan';
import { SessionStore } from '../../../src/core/store/sessionStore';
import { MemoryStore } from '../../helpers/memoryStore';
import { EventFactory } from '../store/storeTestHelpers';

const workspace: WorkspaceFiles = {
  root: '/nonexistent-workspace',
  listFiles: async () => [],
  readFile: async (file) => {
    throw new Error(`no ${file}`);
  },
  writeFile: async () => {},
  exists: async () => false,
  resolve: (file) => `/nonexistent-workspace/${file}`,
};

/** Runs one phase of `width` agents through the orchestrator and returns the session's events. */
async function runPhase(width: number, logDir: string, maxParallelAgents = 5): Promise<OrchestratorEvent[]> {
  const names = Array.from({ length: width }, (_, i) => `agent-${String(i).padStart(3, '0')}`);
  const store = new MemoryStore();
  const config = OrchestratorConfigSchema.parse({ orchestration: { maxParallelAgents } });
  const orchestrator = new ExecutionOrchestrator({
    workspace,
    store,
    roster: names.map((name) => ({ name, description: name, capabilities: ['work'], stage: 'analysis', runtime: 'offline', model: null })),
    runtimes: names.map((name) => ({ name, capabilities: ['work'], run: async () => ({ summary: 'done' }) })),
    config,
    logDir,
  });
  const plan: ExecutionPlan = {
    request: 'work',
    taskType: 'general',
    agents: names.map((name) => ({ name, task: 'work', phase: 0, dependsOn: [], capabilities: ['work'], runtime: 'offline', estimatedDuration: null })),
    phases: [names],
    skipped: [],
    warnings: [],
    estimatedDuration: null,
    mcpServers: [],
  };
  const result = await orchestrator.executeRequest('work', { plan });
  assert.equal(result.success, true, result.error);
  await orchestrator.shutdown();
  return store.eventsOf(result.sessionId);
}

describe('compact agent.started events', () => {
  let root: string;

  beforeEach(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'ao-compact-'));
  });

  afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

  it('keeps an agent.started event the same size however wide its phase, and still shows who ran alongside', async () => {
    const started = (events: OrchestratorEvent[]): OrchestratorEvent[] => events.filter((e) => e.type === 'agent.started');
    const narrow = await runPhase(3, path.join(root, 'narrow'));
    const wide = await runPhase(60, path.join(root, 'wide'));
    const size = (event: OrchestratorEvent | undefined): number => JSON.stringify(event?.payload).length;
    assert.equal(size(started(wide)[0]), size(started(narrow)[0]), 'the payload does not list the phase');

    const log = renderMarkdownLog(narrow);
    assert.match(log, /AGENT START: agent-000\n {2}Task: work\n {2}MCP Servers: none\n {2}Parallel with: agent-001, agent-002\n/);
    const state = foldEvents(narrow[0]!.sessionId, narrow);
    assert.deepEqual(state.agents.find((a) => a.name === 'agent-001')?.parallelWith, ['agent-000', 'agent-002']);
  });

  it('keeps a learning record the same size however wide its phase; views name the nearest agents of a wide one and how many more ran', async () => {
    const records = (events: OrchestratorEvent[]) => events.flatMap((e) => (e.type === 'learning.recorded' ? [e.payload.record] : []));
    const narrow = await runPhase(40, path.join(root, 'narrow'));
    const wide = await runPhase(200, path.join(root, 'wide'));
    // The session id (random) and numbers (durations, times) vary by a character or two from run to run.
    const largest = (events: OrchestratorEvent[]): number => Math.max(...records(events).map((record) => JSON.stringify({ ...record, sessionId: '' }).replace(/\d+/g, '0').length));
    assert.equal(records(wide).length, 200);
    assert.ok(largest(wide) <= largest(narrow), `a record of a 200-wide phase (${largest(wide)} B) outgrew one of a 40-wide phase (${largest(narrow)} B)`);

    // Who ran alongside is stored once per phase (execution_phases); a record names its phase, not the agents.
    const middle = records(wide).find((record) => record.agent === 'agent-100');
    assert.equal(middle?.successPatterns.phase, 0);
    assert.deepEqual(middle.successPatterns.parallelExecutions, []);

    const state = foldEvents(wide[0]!.sessionId, wide);
    assert.equal(state.agents.find((a) => a.name === 'agent-100')?.parallelWith.length, MAX_PARALLEL_NAMED);
    assert.match(renderMarkdownLog(wide), /AGENT START: agent-000\n(.*\n){2} {2}Parallel with: agent-001, .*, agent-032 and 167 more of its phase\n/);
  });

  it('adds one abort listener per run, not one per running agent (no MaxListenersExceededWarning on a wide phase)', async () => {
    const warnings: string[] = [];
    const onWarning = (warning: Error): void => {
      if (warning.name === 'MaxListenersExceededWarning') warnings.push(warning.message);
    };
    process.on('warning', onWarning);
    try {
      // maxParallelAgents 5 in runPhase: widen it so that more than 10 agents run at once.
      await runPhase(30, path.join(root, 'listeners'), 30);
      // Warnings are emitted on the next tick.
      await new Promise((resolve) => setImmediate(resolve));
    } finally {
      process.off('warning', onWarning);
    }
    assert.deepEqual(warnings, []);
  });

  it('loads and renders a stored session whose events list parallelWith themselves (the old shape)', async () => {
    const dir = path.join(root, '.agent-orchestrator');
    const factory = new EventFactory();
    const runStarted = factory.runStarted('old-session');
    const old = factory.agentStarted('old-session', 'scanner') as OrchestratorEvent & { payload: { parallelWith?: string[] } };
    old.payload.parallelWith = ['reviewer'];
    // Written as an older version wrote it: straight into the journal, replayed on open.
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, 'orchestrator.journal'), [runStarted, old].map((e) => `${JSON.stringify(e)}\n`).join(''));
    const store = await SessionStore.open({ dir, mode: 'read' });
    try {
      const events = store.getEvents('old-session');
      const loaded = events.find((e) => e.type === 'agent.started');
      assert.ok(loaded?.type === 'agent.started');
      assert.deepEqual(loaded.payload.parallelWith, ['reviewer']);
      assert.match(renderMarkdownLog(events), /AGENT START: scanner\n(.*\n){2} {2}Parallel with: reviewer\n/);
      assert.deepEqual(foldEvents('old-session', events).agents.find((a) => a.name === 'scanner')?.parallelWith, ['reviewer']);
    } finally {
      await store.close();
    }
  });
});
