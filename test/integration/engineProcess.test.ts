// The engine process as the extension host uses it: a real forked Node process speaking JSON-RPC over IPC,
// a real store in a copy of the example workspace. Only the extension host itself is absent.
import { strict as assert } from 'node:assert';
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import type { OrchestratorEvent } from '../../src/core/protocol/events';
import type { EngineResult } from '../../src/shared/engineProtocol';
import { SessionStore, storeDirFor } from '../../src/core/store/sessionStore';
import { sessionFileBase } from '../../src/core/logging/sessionArtifacts';
import { EngineProcess, EngineRequestError } from '../../src/vscode/engineClient';
import { scratchCopyOfExample } from '../helpers/exampleWorkspace';

const repoRoot = path.resolve(__dirname, '..', '..');
const REQUEST = 'Fix security vulnerability in authentication endpoint';

function startEngine(workspaceRoot: string | null, log: string[] = []): EngineProcess {
  return new EngineProcess({
    scriptPath: path.join(repoRoot, 'src', 'engineHost', 'main.ts'),
    execArgv: ['--import', 'tsx'],
    workspaceRoot,
    wasmPath: path.join(repoRoot, 'node_modules', 'sql.js', 'dist', 'sql-wasm.wasm'),
    log: (line) => log.push(line),
  });
}

describe('engine process (forked, JSON-RPC over IPC)', function () {
  let workspace: string;
  let engine: EngineProcess;
  const log: string[] = [];

  before(() => {
    workspace = scratchCopyOfExample();
    engine = startEngine(workspace, log);
  });

  after(async () => {
    await engine.dispose();
    rmSync(workspace, { recursive: true, force: true });
  });

  it('plans the seed request with the roster and without taking the store lock', async () => {
    // Another writer holds the store for the whole request: planning only reads.
    const holder = await SessionStore.open({ dir: storeDirFor(workspace), mode: 'write' });
    let planned: EngineResult<'plan'>;
    try {
      planned = await engine.request('plan', { request: REQUEST, config: {} });
    } finally {
      await holder.close();
    }
    const { plan, roster } = planned;
    assert.deepEqual(
      plan.agents.map((agent) => agent.name),
      ['security-auditor', 'backend-api-developer', 'test-suite-developer', 'docs-writer'],
    );
    assert.ok(roster.some((agent) => agent.name === 'api-reviewer' && agent.source === '.claude/agents/api-reviewer.md'));
    assert.equal(existsSync(path.join(storeDirFor(workspace), 'orchestrator.lock')), false);
  });

  it('streams every durable event of a run in order, then answers with the result; the lock is released after', async () => {
    const events: OrchestratorEvent[] = [];
    const unsubscribe = engine.onEvent((event) => events.push(event));
    const result = await engine.request('run', { request: REQUEST, apply: false, allowCommands: false, config: {} });
    unsubscribe();
    assert.equal(result.status, 'completed', result.error);
    assert.equal(events[0]?.type, 'run.started');
    assert.equal(events.at(-1)?.type, 'run.completed');
    assert.ok(events.every((event, i) => event.seq === i + 1 && event.sessionId === result.sessionId));
    assert.ok(events.some((event) => event.type === 'finding.reported' && event.payload.finding.file === 'src/routes/auth.ts'));

    const sessions = await engine.request('listSessions', {});
    assert.equal(sessions[0]?.sessionId, result.sessionId);
    const stored = await engine.request('sessionEvents', { sessionId: result.sessionId });
    assert.equal(stored.events.length, events.length);

    // The CLI can take the store now: the engine holds the lock only during the run.
    const store = await SessionStore.open({ dir: storeDirFor(workspace), mode: 'write' });
    await store.close();
  });

  it('exports the report of a stored session as Markdown and as JSON', async () => {
    const [latest] = await engine.request('listSessions', { limit: 1 });
    assert.ok(latest);
    const markdown = await engine.request('exportReport', { sessionId: latest.sessionId, format: 'markdown' });
    assert.match(markdown.content, /security-auditor/);
    assert.equal(markdown.fileName, `${latest.sessionId}.report.md`);
    const json = await engine.request('exportReport', { sessionId: latest.sessionId, format: 'json' });
    assert.equal((JSON.parse(json.content) as { sessionId: string }).sessionId, latest.sessionId);
  });

  it('reviews the dry run\'s changes and applies one, writing exactly the content it previewed; the lock is released after', async () => {
    const [latest] = await engine.request('listSessions', { limit: 1 });
    assert.ok(latest);
    const { changes } = await engine.request('reviewChanges', { sessionId: latest.sessionId });
    const first = changes[0];
    assert.ok(first && first.status === 'pending' && first.proposedContent !== null, JSON.stringify(changes.map((c) => [c.id, c.status, c.problem])));
    const { results, allApplied } = await engine.request('applyChanges', { sessionId: latest.sessionId, only: [first.id] });
    assert.deepEqual(results.map((r) => [r.id, r.outcome]), [[first.id, 'applied']]);
    assert.equal(allApplied, true);
    assert.equal(readFileSync(path.join(workspace, first.file), 'utf8'), first.proposedContent);
    const after = await engine.request('reviewChanges', { sessionId: latest.sessionId });
    assert.equal(after.changes[0]?.status, 'applied');
    await assert.rejects(engine.request('applyChanges', { sessionId: latest.sessionId, only: ['99'] }), (error: unknown) => error instanceof EngineRequestError && error.code === 'not-found' && /No change 99/.test(error.message));
    const store = await SessionStore.open({ dir: storeDirFor(workspace), mode: 'write' });
    await store.close();
  });

  it('cancels a run through the abort signal (JSON-RPC cancellation)', async () => {
    const abort = new AbortController();
    const unsubscribe = engine.onEvent((event) => {
      if (event.type === 'agent.started') abort.abort();
    });
    const result = await engine.request('run', { request: REQUEST, apply: false, allowCommands: false, config: {} }, abort.signal);
    unsubscribe();
    assert.equal(result.status, 'cancelled');
    const stored = await engine.request('sessionEvents', { sessionId: result.sessionId });
    assert.equal(stored.session.status, 'cancelled');
  });

  it('lets a deletion sent while a run takes the store wait for its turn instead of failing as locked', async () => {
    const run = engine.request('run', { request: REQUEST, apply: false, allowCommands: false, config: {} });
    // The run opens its store within a few tens of milliseconds: deletions every 3 ms cover that window.
    const deletions = Array.from({ length: 20 }, (_, index) =>
      new Promise((resolve) => setTimeout(resolve, index * 3)).then(() =>
        engine.request('clearLearnings', {}).then(() => 'cleared', (error: Error) => error.message),
      ),
    );
    const [result, outcomes] = await Promise.all([run, Promise.all(deletions)]);
    assert.equal(result.status, 'completed');
    assert.deepEqual(outcomes.filter((outcome) => outcome !== 'cleared'), [], 'every deletion should have waited for its turn');
  });

  it('says the store is in use when another process holds it, and keeps working after', async () => {
    const holder = await SessionStore.open({ dir: storeDirFor(workspace), mode: 'write' });
    try {
      const error = await engineError(engine.request('run', { request: REQUEST, apply: false, allowCommands: false, config: {} }));
      assert.equal(error.code, 'store-locked');
    } finally {
      await holder.close();
    }
    const sessions = await engine.request('listSessions', {});
    assert.ok(sessions.length >= 2);
  });

  it('rejects bad parameters and bad settings with an error naming the field', async () => {
    const bad = await engineError(engine.request('run', { request: '', apply: false, allowCommands: false, config: {} }));
    assert.equal(bad.code, 'invalid-params');
    assert.match(bad.message, /request/);
    const config = await engineError(
      engine.request('plan', { request: REQUEST, config: { orchestration: { maxParallelAgents: 0 } } }),
    );
    assert.equal(config.code, 'config');
    assert.match(config.message, /maxParallelAgents/);
  });

  it('deletes a session and clears learnings', async () => {
    const [latest] = await engine.request('listSessions', { limit: 1 });
    assert.ok(latest);
    const logDir = path.join(storeDirFor(workspace), 'logs');
    const logsOf = (sessionId: string): string[] => readdirSync(logDir).filter((name) => name.startsWith(sessionFileBase(sessionId)));
    const others = readdirSync(logDir).filter((name) => !name.startsWith(sessionFileBase(latest.sessionId)));
    assert.ok(logsOf(latest.sessionId).length > 0, 'precondition: the run wrote its log files');
    assert.deepEqual(await engine.request('deleteSession', { sessionId: latest.sessionId }), { deleted: true });
    assert.deepEqual(logsOf(latest.sessionId), [], 'the deleted session\'s log files (its findings and diffs) are gone with it');
    assert.deepEqual(readdirSync(logDir).filter((name) => !name.startsWith(sessionFileBase(latest.sessionId))), others, 'other files are kept');
    assert.ok(!(await engine.request('listSessions', {})).some((s) => s.sessionId === latest.sessionId));
    const missing = await engineError(engine.request('sessionEvents', { sessionId: latest.sessionId }));
    assert.equal(missing.code, 'not-found');
    const cleared = await engine.request('clearLearnings', {});
    assert.ok(cleared.executionsRemoved > 0);
    assert.deepEqual(await engine.request('patterns', {}), []);
  });

  it('refuses every request without a local folder, and starts no process', async () => {
    const folderless = startEngine(null);
    try {
      const error = await engineError(folderless.request('listSessions', {}));
      assert.equal(error.code, 'no-workspace');
      assert.match(error.message, /open a local folder/);
      assert.equal((await enginePids()).length, 1, 'only the suite\'s own engine process runs');
    } finally {
      await folderless.dispose();
    }
  });

  it('says the engine stopped when it dies during a run, then restarts and lists that run as interrupted', async () => {
    await engine.request('listSessions', {});
    const pid = await findEnginePid();
    let sessionId = '';
    const unsubscribe = engine.onEvent((event) => {
      sessionId ||= event.sessionId;
      if (event.type === 'agent.started') process.kill(pid, 'SIGKILL');
    });
    const error = await engineError(engine.request('run', { request: REQUEST, apply: false, allowCommands: false, config: {} }));
    unsubscribe();
    assert.equal(error.code, 'engine-stopped');
    assert.match(error.message, /stopped unexpectedly \(SIGKILL\) during "run"/);
    assert.ok(log.some((line) => /exited \(SIGKILL\)/.test(line)), 'the exit is logged');

    const sessions = await engine.request('listSessions', {});
    assert.equal(sessions.find((session) => session.sessionId === sessionId)?.status, 'interrupted');
  });
});

/** The pids of this process's children running engineHost. */
async function enginePids(): Promise<number[]> {
  const { execFileSync } = await import('node:child_process');
  const out = execFileSync('ps', ['-o', 'pid=,args=', '--ppid', String(process.pid)], { encoding: 'utf8' });
  return out.split('\n').filter((line) => line.includes('engineHost')).map((line) => Number(line.trim().split(/\s+/)[0]));
}

/** The forked engine is this process's only child running engineHost. */
async function findEnginePid(): Promise<number> {
  const [pid, ...others] = await enginePids();
  assert.ok(pid !== undefined && others.length === 0, `expected one engine child, found ${others.length + (pid === undefined ? 0 : 1)}`);
  return pid;
}

async function engineError(promise: Promise<unknown>): Promise<EngineRequestError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof EngineRequestError, `expected an EngineRequestError, got ${String(error)}`);
    return error;
  }
  assert.fail('expected the engine to refuse');
}
