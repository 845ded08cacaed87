// Model agents: the tool loop's cost per model turn against the same adapter call made directly (same local SSE
// server, same reply), events journaled per turn, heap per running agent with 10 model agents in parallel, and the
// time of a replay against the run it replays. The server is the tests' scripted OpenAI-compatible endpoint.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { openWorkspaceEngine } from '../src/agents/workspaceEngine';
import { createModelResolver } from '../src/models/modelResolver';
import { createHttpModelClient } from '../src/models/sdkModelClient';
import { replaySession } from '../src/cli/replay';
import { startScriptedModelServer, type AgentScripts } from '../test/helpers/scriptedModelServer';
import type { Bench, BenchRow } from './harness';

const TURNS = 20;
const PARALLEL = 10;

function workspaceWith(agents: readonly string[]): string {
  const workspace = fs.mkdtempSync(path.join(os.tmpdir(), 'model-bench-'));
  fs.writeFileSync(path.join(workspace, 'notes.md'), 'notes\n');
  fs.mkdirSync(path.join(workspace, '.claude', 'agents'), { recursive: true });
  for (const name of agents) fs.writeFileSync(path.join(workspace, '.claude', 'agents', `${name}.md`), `---\nname: ${name}\ndescription: Reads notes for the benchmark.\ntools: Read\n---\nRead notes.md when asked.\n`);
  return workspace;
}

const reading = (turns: number): AgentScripts[string] => [...Array.from({ length: turns - 1 }, () => ({ calls: [{ name: 'Read', input: { file_path: 'notes.md' } }] })), { text: 'done' }];

async function run(workspace: string, baseUrl: string, agents: string[], onEvent?: () => void): Promise<{ ms: number; sessionId: string; events: number }> {
  const engine = await openWorkspaceEngine({ workspaceRoot: workspace, mode: 'write', env: { OPENAI_API_KEY: 'bench' }, modelOverrides: { provider: 'openai-compatible', model: 'test-model', baseUrl }, createModelResolver, configOverrides: { orchestration: { maxParallelAgents: PARALLEL } } });
  try {
    const started = performance.now();
    const result = await engine.orchestrator.executeRequest('Read the notes', { agents, ...(onEvent ? { onEvent } : {}) });
    const ms = performance.now() - started;
    if (!result.success) throw new Error(`bench run failed: ${result.error}`);
    return { ms, sessionId: result.sessionId, events: engine.store.getEvents(result.sessionId).length };
  } finally {
    await engine.close();
  }
}

export const modelLoopBench: Bench = async () => {
  const rows: BenchRow[] = [];
  const single = workspaceWith(['reader']);
  const many = Array.from({ length: PARALLEL }, (_, index) => `reader-${index}`);
  const parallel = workspaceWith(many);
  const scripts: AgentScripts = { reader: reading(TURNS), ...Object.fromEntries(many.map((name) => [name, reading(10)])) };
  const server = await startScriptedModelServer(scripts);
  try {
    // Direct: the adapter alone, TURNS calls with a request as long as the loop's, against the same reply.
    const client = createHttpModelClient({ provider: 'openai-compatible', modelId: 'test-model', baseUrl: server.baseUrl, apiKey: 'bench' });
    const request = { messages: [{ role: 'system' as const, content: 'You are the agent "reader" in a team.' }, { role: 'user' as const, content: 'Read the notes' }] };
    for (let i = 0; i < 3; i++) for await (const _part of client.stream(request)) { /* drain */ }
    const directStart = performance.now();
    for (let i = 0; i < TURNS; i++) for await (const _part of client.stream(request)) { /* drain */ }
    const directPerTurn = (performance.now() - directStart) / TURNS;
    await run(single, server.baseUrl, ['reader']); // warm-up: loads the engine's modules
    const loop = await run(single, server.baseUrl, ['reader']);
    rows.push({ name: `tool loop per model turn (${TURNS} turns, Read each, events journaled)`, value: Number((loop.ms / TURNS).toFixed(3)), unit: 'ms', baseline: { name: 'same adapter call made directly', value: Number(directPerTurn.toFixed(3)) } });
    rows.push({ name: 'events journaled per model turn', value: Number((loop.events / TURNS).toFixed(2)), unit: 'events' });

    // Memory: heap while 10 model agents run at once, against the heap just before.
    global.gc?.();
    const before = process.memoryUsage().heapUsed;
    let peak = before;
    const parallelRun = await run(parallel, server.baseUrl, many, () => { peak = Math.max(peak, process.memoryUsage().heapUsed); });
    rows.push({ name: `heap per running model agent (${PARALLEL} in parallel, 10 turns each)`, value: Number(((peak - before) / PARALLEL / 1024).toFixed(1)), unit: 'KiB', note: global.gc ? 'after gc' : 'no --expose-gc: includes garbage' });

    const replayStart = performance.now();
    const { SessionStore, storeDirFor } = await import('../src/core/store/sessionStore');
    const store = await SessionStore.open({ dir: storeDirFor(parallel), root: parallel, mode: 'read' });
    const events = store.getEvents(parallelRun.sessionId);
    await store.close();
    const outcome = await replaySession({ workspaceRoot: parallel, sessionId: parallelRun.sessionId, events });
    if (!outcome.same) throw new Error(`replay diverged: ${JSON.stringify(outcome.divergence)}`);
    rows.push({ name: `replay of the ${PARALLEL}-agent run (copy, run, compare)`, value: Number((performance.now() - replayStart).toFixed(1)), unit: 'ms', baseline: { name: 'the original run', value: Number(parallelRun.ms.toFixed(1)) } });
  } finally {
    await server.close();
    fs.rmSync(single, { recursive: true, force: true });
    fs.rmSync(parallel, { recursive: true, force: true });
  }
  return rows;
};
