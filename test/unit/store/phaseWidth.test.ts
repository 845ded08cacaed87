// What a run stores per agent does not grow with the width of its phase: who ran alongside whom is stored once per
// phase (the plan), not listed again in every agent's learning record. Learning still finds who ran alongside, and
// records stored in the old shape (with their lists) still count.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { AgentLearningSystem } from '../../../src/core/learning/agentLearningSystem';
import { renderMarkdownLog } from '../../../src/core/logging/markdownLog';
import { ExecutionOrchestrator } from '../../../src/core/orchestrator/executionOrchestrator';
import type { EventJournal, LearningRepository, WorkspaceFiles } from '../../../src/core/ports';
import { OrchestratorConfigSchema } from '../../../src/core/protocol/config';
import type { OrchestratorEvent } from '../../../src/core/protocol/events';
import type { ExecutionPlan } from '../../../src/core/protocol/plan';
import { SessionStore } from '../../../src/core/store/sessionStore';
import { MemoryStore } from '../../helpers/memoryStore';
import { EventFactory, learningRecord, makeTempDir, removeDir } from './storeTestHelpers';

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

/** Agent names of one length whatever the width, so sizes compare like with like. */
function names(width: number): string[] {
  return Array.from({ length: width }, (_, i) => `agent-${String(i).padStart(4, '0')}`);
}

/** Runs one phase of `agents` through the orchestrator on `store`; returns the session's id. */
async function runPhase(store: EventJournal & LearningRepository, agents: readonly string[], logDir: string): Promise<string> {
  const config = OrchestratorConfigSchema.parse({ orchestration: { maxParallelAgents: 64, dashboardEnabled: false } });
  const orchestrator = new ExecutionOrchestrator({
    workspace,
    store,
    roster: agents.map((name) => ({ name, description: name, capabilities: ['work'], stage: 'analysis', runtime: 'offline', model: null })),
    runtimes: agents.map((name) => ({ name, capabilities: ['work'], run: async () => ({ summary: 'done' }) })),
    config,
    logDir,
  });
  const plan: ExecutionPlan = {
    request: 'work',
    taskType: 'general',
    agents: agents.map((name) => ({ name, task: 'work', phase: 0, dependsOn: [], capabilities: ['work'], runtime: 'offline', estimatedDuration: null })),
    phases: [[...agents]],
    skipped: [],
    warnings: [],
    estimatedDuration: null,
    mcpServers: [],
  };
  const result = await orchestrator.executeRequest('work', { plan });
  assert.equal(result.success, true, result.error);
  await orchestrator.shutdown();
  return result.sessionId;
}

function bytesPerAgent(events: readonly OrchestratorEvent[], width: number): number {
  return events.reduce((sum, event) => sum + JSON.stringify(event).length, 0) / width;
}

describe('event size per agent and the width of a phase', () => {
  let root: string;

  beforeEach(() => {
    root = makeTempDir();
  });

  afterEach(() => removeDir(root));

  it('stores as many bytes per agent for a phase of 1,000 agents as for one of 100', async function () {
    this.timeout(120_000);
    const narrowStore = new MemoryStore();
    const narrow = narrowStore.eventsOf(await runPhase(narrowStore, names(100), path.join(root, 'narrow')));
    const wideStore = new MemoryStore();
    const wide = wideStore.eventsOf(await runPhase(wideStore, names(1000), path.join(root, 'wide')));

    const learned = (events: readonly OrchestratorEvent[]): number[] =>
      // The session id (random) and numbers (durations, times) vary from run to run by a few characters; every other
      // byte is what a record holds.
      events.flatMap((e) => (e.type === 'learning.recorded' ? [JSON.stringify({ ...e.payload.record, sessionId: '' }).replace(/\d+/g, '0').length] : []));
    assert.equal(learned(wide).length, 1000);
    assert.equal(Math.max(...learned(wide)), Math.max(...learned(narrow)), 'a learning record does not list its phase');

    const narrowBytes = bytesPerAgent(narrow, 100);
    const wideBytes = bytesPerAgent(wide, 1000);
    // What a run stores once (run.started, run.completed) is shared by fewer agents at 100: a few bytes each.
    assert.ok(Math.abs(wideBytes - narrowBytes) <= 32, `${wideBytes.toFixed(1)} B per agent at 1,000 agents, ${narrowBytes.toFixed(1)} B at 100`);

    // The run's log, a projection of those events, is stored too: it names each agent's phase once, not per agent.
    const narrowLog = Buffer.byteLength(renderMarkdownLog(narrow)) / 100;
    const wideLog = Buffer.byteLength(renderMarkdownLog(wide)) / 1000;
    assert.ok(Math.abs(wideLog - narrowLog) <= 32, `log: ${wideLog.toFixed(1)} B per agent at 1,000 agents, ${narrowLog.toFixed(1)} B at 100`);
  });

  it('still learns who ran alongside, from the phase stored once, live and after reopening the store', async function () {
    this.timeout(60_000);
    const dir = path.join(root, '.agent-orchestrator');
    const store = await SessionStore.open({ dir, mode: 'write' });
    try {
      for (let run = 0; run < 2; run++) await runPhase(store, ['scanner', 'reviewer', 'fixer'], path.join(root, 'logs'));
      const recorded = store.recentExecutions('scanner', 10);
      assert.equal(recorded.length, 2);
      assert.deepEqual(recorded[0]?.successPatterns.parallelExecutions, [], 'the record does not list the phase');
      assert.equal(recorded[0]?.successPatterns.phase, 0);
    } finally {
      await store.close();
    }
    const reopened = await SessionStore.open({ dir, mode: 'read' });
    try {
      const learning = new AgentLearningSystem({ repository: reopened, persist: () => {} });
      assert.deepEqual(learning.queryLearnings('scanner').recommendedApproach.parallelOpportunities, ['fixer', 'reviewer']);
    } finally {
      await reopened.close();
    }
  });

  it('counts records stored in the old shape, listing who ran alongside, together with new ones', async () => {
    const dir = path.join(root, '.agent-orchestrator');
    const factory = new EventFactory();
    const old = learningRecord('old-session', 'scanner', 1_700_000_000_000);
    old.successPatterns.parallelExecutions = ['reviewer', 'fixer'];
    delete (old.successPatterns as { phase?: number }).phase;
    // As an older version wrote it: straight into the journal, replayed on open.
    fs.mkdirSync(dir, { recursive: true });
    const lines = [factory.runStarted('old-session'), { ...factory.learningRecorded('old-session', 'scanner', old.timestamp), payload: { record: old } }];
    fs.writeFileSync(path.join(dir, 'orchestrator.journal'), lines.map((e) => `${JSON.stringify(e)}\n`).join(''));
    const store = await SessionStore.open({ dir, mode: 'write' });
    try {
      await runPhase(store, ['scanner', 'reviewer'], path.join(root, 'logs'));
      const learning = new AgentLearningSystem({ repository: store, persist: () => {} });
      assert.deepEqual(learning.queryLearnings('scanner').recommendedApproach.parallelOpportunities, ['reviewer'], 'reviewer in 2 runs, fixer in 1');
    } finally {
      await store.close();
    }
  });

  it('drops a phase once neither its session nor any execution that ran in it is stored', async function () {
    this.timeout(60_000);
    const dir = path.join(root, '.agent-orchestrator');
    const store = await SessionStore.open({ dir, mode: 'write', maxExecutionsPerAgent: 1, retention: { maxSessions: 1 } });
    try {
      const first = await runPhase(store, ['scanner', 'reviewer'], path.join(root, 'logs'));
      assert.deepEqual(store.phaseAgents(first, 0), ['scanner', 'reviewer']);
      await runPhase(store, ['scanner', 'reviewer'], path.join(root, 'logs'));
      // The first session was pruned (one kept) and its executions folded out (one per agent kept).
      assert.equal(store.getSession(first), undefined);
      assert.deepEqual(store.phaseAgents(first, 0), []);
    } finally {
      await store.close();
    }
  });
});
