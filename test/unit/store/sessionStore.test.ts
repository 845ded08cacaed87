import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import initSqlJs from 'sql.js';
import { SessionStore, StoreLockedError, StoreSchemaTooNewError } from '../../../src/core/store/sessionStore';
import { EventFactory, learningRecord, makeTempDir, pattern, removeDir } from './storeTestHelpers';

describe('SessionStore', () => {
  let root: string;
  let dir: string;
  const open: SessionStore[] = [];

  async function openStore(mode: 'write' | 'read' = 'write'): Promise<SessionStore> {
    // A long debounce: a store abandoned by simulateCrash() must never snapshot behind the next one's back.
    const store = await SessionStore.open({ dir, mode, snapshotDebounceMs: 600_000 });
    open.push(store);
    return store;
  }

  beforeEach(() => {
    root = makeTempDir();
    dir = path.join(root, '.agent-orchestrator');
  });

  afterEach(async () => {
    for (const store of open.splice(0)) await store.close();
    removeDir(root);
  });

  it('returns the same events and sessions after close and reopen', async () => {
    const events = new EventFactory();
    const appended = [
      events.runStarted('s1', 'find bugs'),
      events.planCreated('s1', 'security'),
      events.agentStarted('s1', 'security-auditor'),
      events.agentStarted('s1', 'fixer'),
      events.agentCompleted('s1', 'fixer'),
      events.runCompleted('s1', true),
      events.runStarted('s2', 'write docs'),
    ];
    const writer = await openStore();
    for (const event of appended) writer.append(event);
    const before = writer.listSessions();
    await writer.close();

    assert.ok(fs.existsSync(path.join(dir, 'orchestrator.sqlite')), 'close writes the database');
    assert.ok(!fs.existsSync(path.join(dir, 'orchestrator.lock')), 'close releases the lock');
    const reopened = await openStore();
    assert.deepEqual(reopened.getEvents('s1'), appended.slice(0, 6));
    assert.deepEqual(reopened.getEvents('s2'), appended.slice(6));
    const sessions = reopened.listSessions();
    assert.deepEqual(
      sessions.map((s) => s.sessionId),
      ['s2', 's1'],
      'newest first',
    );
    const s1 = reopened.getSession('s1');
    assert.equal(s1?.request, 'find bugs');
    assert.equal(s1?.status, 'completed');
    assert.equal(s1?.success, true);
    assert.equal(s1?.eventCount, 6);
    assert.deepEqual(s1?.agents, ['security-auditor', 'fixer']);
    assert.equal(before.find((s) => s.sessionId === 's2')?.status, 'running', 'running while its writer has it open');
    assert.equal(reopened.getSession('s2')?.status, 'interrupted', 'never completed and its writer is gone');
    assert.equal(reopened.getSession('s2')?.success, null);
    assert.deepEqual(reopened.warnings, []);
  });

  it('rejects an invalid event without journaling it', async () => {
    const writer = await openStore();
    const bad = { ...new EventFactory().runStarted('s1'), seq: 0 };
    assert.throws(() => writer.append(bad), /seq/);
    assert.deepEqual(writer.listSessions(), []);
  });

  it('drops a torn last journal line and keeps appending cleanly', async () => {
    const events = new EventFactory();
    const writer = await openStore();
    writer.append(events.runStarted('s1'));
    writer.append(events.agentStarted('s1', 'a'));
    fs.appendFileSync(path.join(dir, 'orchestrator.journal'), '{"sessionId":"s1","seq":3,"ts":1,"type":"agent.st');
    simulateCrash(writer);

    const reopened = await openStore();
    assert.deepEqual(
      reopened.getEvents('s1').map((e) => e.seq),
      [1, 2],
    );
    assert.deepEqual(reopened.warnings.filter((w) => !w.includes('stale lock')), [], 'an unacknowledged line is not worth a warning');
    const third = events.agentStarted('s1', 'b');
    reopened.append(third);
    simulateCrash(reopened);

    const again = await openStore();
    assert.deepEqual(
      again.getEvents('s1').map((e) => e.seq),
      [1, 2, 3],
      'the next append did not glue onto the torn line',
    );
  });

  it('skips an invalid line in the middle of the journal with a warning naming the line', async () => {
    const events = new EventFactory();
    const writer = await openStore();
    writer.append(events.runStarted('s1'));
    writer.append(events.agentStarted('s1', 'a'));
    simulateCrash(writer);
    const journalPath = path.join(dir, 'orchestrator.journal');
    const lines = fs.readFileSync(journalPath, 'utf8').split('\n');
    lines.splice(2, 0, 'this is not json');
    fs.writeFileSync(journalPath, lines.join('\n'));

    const reopened = await openStore();
    assert.deepEqual(
      reopened.getEvents('s1').map((e) => e.seq),
      [1, 2],
    );
    // Line 1 is the journal header, line 2 the first event, line 3 the garbage.
    assert.ok(
      reopened.warnings.some((w) => w.includes('line 3')),
      `warnings: ${reopened.warnings.join(' | ')}`,
    );
  });

  it('moves a corrupt database aside, says where, and still recovers the journal', async () => {
    const events = new EventFactory();
    const writer = await openStore();
    writer.append(events.runStarted('old'));
    await writer.close();
    const second = await openStore();
    second.append(events.runStarted('s1'));
    second.append(events.agentStarted('s1', 'a'));
    simulateCrash(second);
    const dbPath = path.join(dir, 'orchestrator.sqlite');
    const garbage = Buffer.from('definitely not a sqlite database '.repeat(200));
    fs.writeFileSync(dbPath, garbage);

    const reopened = await openStore();
    const aside = fs.readdirSync(dir).filter((name) => name.startsWith('orchestrator.sqlite.corrupt-'));
    assert.equal(aside.length, 1);
    const asidePath = path.join(dir, aside[0] as string);
    assert.deepEqual(fs.readFileSync(asidePath), garbage, 'the corrupt file is kept as it was');
    const warning = reopened.warnings.find((w) => w.includes('corrupt'));
    assert.ok(warning?.includes(dbPath) && warning.includes(asidePath), `warning names both paths: ${warning}`);
    assert.deepEqual(
      reopened.getEvents('s1').map((e) => e.seq),
      [1, 2],
    );
    await reopened.close();
    open.splice(0);
    const fresh = await openStore();
    assert.deepEqual(fresh.warnings, [], 'the new database is sound');
    assert.equal(fresh.getEvents('s1').length, 2);
  });

  it('says so, naming the file, when the database was deleted and only its journal is left', async () => {
    const events = new EventFactory();
    const writer = await openStore();
    writer.append(events.runStarted('old'));
    await writer.close();
    open.splice(0);
    const dbPath = path.join(dir, 'orchestrator.sqlite');
    fs.rmSync(dbPath);

    const reopened = await openStore();
    const warning = reopened.warnings.find((w) => w.includes('missing'));
    assert.ok(warning?.includes(dbPath), reopened.warnings.join('\n'));
    assert.match(warning ?? '', /rebuilt from the journal alone, so sessions and learnings saved before .* are not in it/);
    assert.deepEqual(reopened.listSessions(), []);
  });

  it('does not warn about a missing database on a first run that crashed before its first save', async () => {
    const events = new EventFactory();
    const writer = await openStore();
    writer.append(events.runStarted('s1'));
    simulateCrash(writer);
    assert.ok(!fs.existsSync(path.join(dir, 'orchestrator.sqlite')));
    const reopened = await openStore();
    assert.deepEqual(reopened.warnings.filter((w) => w.includes('missing')), [], reopened.warnings.join('\n'));
    assert.deepEqual(reopened.getEvents('s1').map((e) => e.seq), [1]);
  });

  it('refuses a second writer with an error naming the holder pid', async () => {
    await openStore();
    await assert.rejects(openStore(), (error: unknown) => {
      assert.ok(error instanceof StoreLockedError);
      assert.match(error.message, new RegExp(`pid ${process.pid}\\b`));
      assert.match(error.message, /close that window/);
      return true;
    });
  });

  it('takes over a lock left by a process that is gone, with a warning', async () => {
    fs.mkdirSync(dir, { recursive: true });
    const deadPid = deadProcessPid();
    fs.writeFileSync(
      path.join(dir, 'orchestrator.lock'),
      JSON.stringify({ pid: deadPid, hostname: os.hostname(), startedAt: 1, command: 'old run' }),
    );
    const writer = await openStore();
    assert.ok(writer.warnings.some((w) => w.includes(`pid ${deadPid}`)));
    const lock = JSON.parse(fs.readFileSync(path.join(dir, 'orchestrator.lock'), 'utf8')) as { pid: number };
    assert.equal(lock.pid, process.pid);
  });

  it('lets a reader see what a writer appended without taking the lock', async () => {
    const events = new EventFactory();
    const writer = await openStore();
    writer.append(events.runStarted('s1'));
    writer.append(events.agentStarted('s1', 'a'));
    const lockBefore = fs.readFileSync(path.join(dir, 'orchestrator.lock'), 'utf8');

    const reader = await openStore('read');
    assert.deepEqual(
      reader.getEvents('s1').map((e) => e.seq),
      [1, 2],
    );
    assert.equal(reader.getSession('s1')?.status, 'running');
    const third = events.agentStarted('s1', 'b');
    assert.throws(() => reader.append(third), /read-only/);
    assert.equal(fs.readFileSync(path.join(dir, 'orchestrator.lock'), 'utf8'), lockBefore);

    writer.snapshotNow();
    writer.append(third);
    const later = await openStore('read');
    assert.deepEqual(
      later.getEvents('s1').map((e) => e.seq),
      [1, 2, 3],
      'snapshot plus journal tail',
    );
  });

  it('lists the agents a session started while it runs, after a crash, and after a snapshot', async () => {
    const events = new EventFactory();
    const writer = await openStore();
    writer.append(events.runStarted('s1'));
    writer.append(events.agentStarted('s1', 'a'));
    writer.append(events.agentStarted('s1', 'b'));
    writer.append(events.agentStarted('s1', 'a'));
    assert.deepEqual(writer.getSession('s1')?.agents, ['a', 'b'], 'while it runs, each agent once');
    writer.append(events.agentStarted('s1', 'c'));
    assert.deepEqual(writer.listSessions()[0]?.agents, ['a', 'b', 'c']);
    simulateCrash(writer);

    const recovered = await openStore();
    assert.deepEqual(recovered.getSession('s1')?.agents, ['a', 'b', 'c'], 'replayed from the journal');
    recovered.append(events.agentStarted('s1', 'd'));
    recovered.snapshotNow();
    simulateCrash(recovered);
    const reader = await openStore('read');
    assert.deepEqual(reader.getSession('s1')?.agents, ['a', 'b', 'c', 'd'], 'from the snapshot');
  });

  it('shows an empty store without loading the database engine when nothing was ever stored', async () => {
    // In a process of its own, whose module cache says whether sql.js was loaded (`sessions` on a new workspace).
    const script = `const { SessionStore } = require(${JSON.stringify(path.resolve(__dirname, '../../../src/core/store/sessionStore.ts'))});
      SessionStore.open({ dir: ${JSON.stringify(dir)}, mode: 'read' }).then(async (store) => {
        console.log(JSON.stringify({ sessions: store.listSessions(), sqlJsLoaded: Object.keys(require.cache).some((file) => file.includes('sql.js')) }));
        await store.close();
      });`;
    const child = spawnSync(process.execPath, ['--import', 'tsx', '-e', script], { encoding: 'utf8', env: { ...process.env, TSX_DISABLE_CACHE: '1' } });
    assert.equal(child.status, 0, child.stderr);
    assert.deepEqual(JSON.parse(child.stdout), { sessions: [], sqlJsLoaded: false });

    const reader = await SessionStore.open({ dir, mode: 'read' });
    try {
      assert.deepEqual(reader.listSessions(), []);
      assert.equal(reader.getSession('s1'), undefined);
      assert.deepEqual(reader.getEvents('s1'), []);
      assert.equal(reader.executionCount(), 0);
    } finally {
      await reader.close();
    }
    assert.ok(!fs.existsSync(dir));
    // Once something is stored, a reader loads it.
    const writer = await openStore();
    writer.append(new EventFactory().runStarted('s1'));
    const later = await openStore('read');
    assert.deepEqual(later.listSessions().map((session) => session.sessionId), ['s1']);
  });

  it('never creates anything in read mode', async () => {
    const reader = await openStore('read');
    assert.deepEqual(reader.listSessions(), []);
    await reader.close();
    assert.ok(!fs.existsSync(dir));
  });

  it('keeps executions from learning.recorded, newest first per agent', async () => {
    const events = new EventFactory();
    const writer = await openStore();
    writer.append(events.runStarted('s1'));
    for (let i = 0; i < 5; i++) writer.append(events.learningRecorded('s1', 'auditor', 1000 + i, i !== 2));
    writer.append(events.learningRecorded('s1', 'fixer', 2000));
    assert.equal(writer.executionCount(), 6);
    assert.deepEqual(writer.agentsWithHistory(), ['auditor', 'fixer']);
    writer.snapshotNow();
    writer.append(events.learningRecorded('s1', 'fixer', 2001));
    assert.deepEqual(
      writer.recentExecutions('fixer', 10).map((r) => r.timestamp),
      [2001, 2000],
      'still answers after a snapshot',
    );
    await writer.close();

    const reopened = await openStore();
    const recent = reopened.recentExecutions('auditor', 3);
    assert.deepEqual(
      recent.map((r) => r.timestamp),
      [1004, 1003, 1002],
    );
    assert.deepEqual(recent[2], learningRecord('s1', 'auditor', 1002, false));
    assert.equal(reopened.executionCount(), 7);
    assert.deepEqual(reopened.recentExecutions('nobody', 10), []);
  });

  it('keeps the latest version of each discovered pattern', async () => {
    const events = new EventFactory();
    const writer = await openStore();
    writer.append(events.patternDiscovered('s1', pattern('p1', 2)));
    writer.append(events.patternDiscovered('s1', pattern('p2', 3)));
    writer.append(events.patternDiscovered('s1', pattern('p1', 5)));
    simulateCrash(writer);
    const reopened = await openStore();
    const patterns = reopened.patterns();
    assert.equal(patterns.length, 2);
    assert.equal(patterns.find((p) => p.id === 'p1')?.support, 5);
    reopened.deletePatterns(['p2']);
    assert.deepEqual(
      reopened.patterns().map((p) => p.id),
      ['p1'],
    );
  });

  it('reports the agent sequence of each finished session, newest first', async () => {
    const events = new EventFactory();
    const writer = await openStore();
    for (const [id, agents, success] of [
      ['s1', ['auditor', 'fixer'], true],
      ['s2', ['fixer', 'tester', 'fixer'], false],
    ] as const) {
      writer.append(events.runStarted(id));
      writer.append(events.planCreated(id, 'security'));
      for (const agent of agents) writer.append(events.agentStarted(id, agent));
      writer.append(events.runCompleted(id, success));
    }
    writer.append(events.runStarted('s3'));
    writer.append(events.agentStarted('s3', 'auditor'));
    assert.deepEqual(writer.sessionAgentSequences(10), [
      { sessionId: 's2', taskType: 'security', agents: ['fixer', 'tester'], success: false },
      { sessionId: 's1', taskType: 'security', agents: ['auditor', 'fixer'], success: true },
    ]);
    assert.equal(writer.sessionAgentSequences(1).length, 1);
  });

  it('prunes old sessions and their events but keeps the learning history', async () => {
    const events = new EventFactory(1000);
    const writer = await openStore();
    writer.append(events.runStarted('old'));
    writer.append(events.learningRecorded('old', 'auditor', 1));
    writer.append(events.runCompleted('old'));
    const cutoff = Date.now();
    const recent = new EventFactory(cutoff + 1000);
    writer.append(recent.runStarted('new'));
    writer.append(recent.runCompleted('new'));
    assert.equal(writer.pruneSessions(cutoff), 1);
    assert.deepEqual(
      writer.listSessions().map((s) => s.sessionId),
      ['new'],
    );
    simulateCrash(writer);

    const reopened = await openStore();
    assert.deepEqual(
      reopened.listSessions().map((s) => s.sessionId),
      ['new'],
      'the prune was replayed from the journal',
    );
    assert.deepEqual(reopened.getEvents('old'), []);
    assert.equal(reopened.executionCount(), 1);
  });

  it('keeps learnings cleared after a reopen, whether from the journal or the snapshot', async () => {
    const events = new EventFactory();
    const writer = await openStore();
    writer.append(events.learningRecorded('s1', 'auditor', 1));
    writer.append(events.patternDiscovered('s1', pattern('p1', 2)));
    writer.clearLearnings();
    writer.append(events.learningRecorded('s1', 'fixer', 2));
    simulateCrash(writer);

    const fromJournal = await openStore();
    assert.equal(fromJournal.executionCount(), 1);
    assert.deepEqual(fromJournal.agentsWithHistory(), ['fixer']);
    assert.deepEqual(fromJournal.patterns(), []);
    await fromJournal.close();
    open.splice(0);

    const fromSnapshot = await openStore();
    assert.equal(fromSnapshot.executionCount(), 1);
    assert.deepEqual(fromSnapshot.agentsWithHistory(), ['fixer']);
  });

  it('does not replay what a snapshot already holds when the journal was not emptied (crash after rename)', async () => {
    const events = new EventFactory();
    const writer = await openStore();
    writer.append(events.runStarted('s1'));
    writer.append(events.agentStarted('s1', 'a'));
    writer.append(events.learningRecorded('s1', 'a', 1));
    writer.clearLearnings();
    writer.append(events.learningRecorded('s1', 'a', 2));
    const journalPath = path.join(dir, 'orchestrator.journal');
    const journalBeforeSnapshot = fs.readFileSync(journalPath);
    writer.snapshotNow();
    simulateCrash(writer);
    fs.writeFileSync(journalPath, journalBeforeSnapshot);

    const reopened = await openStore();
    assert.equal(reopened.getSession('s1')?.eventCount, 4);
    assert.equal(reopened.executionCount(), 1, 'the clear was not applied a second time');
    assert.deepEqual(
      reopened.recentExecutions('a', 10).map((r) => r.timestamp),
      [2],
    );
  });

  it('skips a damaged learning record, event or pattern with a warning naming the table and row, and keeps the rest', async () => {
    const events = new EventFactory();
    const writer = await openStore();
    writer.append(events.runStarted('s1'));
    writer.append(events.agentStarted('s1', 'auditor'));
    writer.append(events.agentCompleted('s1', 'auditor'));
    for (let i = 0; i < 3; i++) writer.append(events.learningRecorded('s1', 'auditor', 1000 + i));
    writer.append(events.patternDiscovered('s1', pattern('p1', 2)));
    writer.append(events.patternDiscovered('s1', pattern('p2', 3)));
    await writer.close();
    open.splice(0);

    // One flipped byte in each table, as on a bad disk: the file stays a sound SQLite database.
    const dbPath = path.join(dir, 'orchestrator.sqlite');
    const SQL = await initSqlJs();
    const db = new SQL.Database(fs.readFileSync(dbPath));
    db.exec(`UPDATE executions SET record = replace(record, '"successPatterns"', '''successPatterns"') WHERE timestamp = 1001;
             UPDATE events SET payload = replace(payload, '"agent"', '"agent''') WHERE session_id = 's1' AND seq = 2;
             UPDATE patterns SET pattern = replace(pattern, '{"', '{''') WHERE id = 'p2';`);
    fs.writeFileSync(dbPath, db.export());
    db.close();

    const reopened = await openStore();
    assert.deepEqual(reopened.recentExecutions('auditor', 10).map((r) => r.timestamp), [1002, 1000]);
    assert.deepEqual(reopened.getEvents('s1').map((e) => e.seq), [1, 3, 4, 5, 6, 7, 8], 'the rest of the session still shows');
    assert.deepEqual(reopened.patterns().map((p) => p.id), ['p1']);
    const warnings = reopened.warnings.join('\n');
    assert.match(warnings, /table executions, session s1 seq \d+ \(agent auditor\)/);
    assert.match(warnings, /table events, session s1 event 2 \(agent\.started\)/);
    assert.match(warnings, /table patterns, id p2/);
    assert.ok(reopened.warnings.every((w) => w.includes(dbPath)), 'each warning names the file');
    reopened.recentExecutions('auditor', 10);
    reopened.patterns();
    assert.equal(reopened.warnings.length, 3, 'each damaged row is named once');
  });

  it('refuses a database written by a newer version and writes nothing', async () => {
    const events = new EventFactory();
    const writer = await openStore();
    writer.append(events.runStarted('s1'));
    await writer.close();
    open.splice(0);
    const dbPath = path.join(dir, 'orchestrator.sqlite');
    const SQL = await initSqlJs();
    const db = new SQL.Database(fs.readFileSync(dbPath));
    db.exec('PRAGMA user_version = 99');
    fs.writeFileSync(dbPath, db.export());
    db.close();
    const journalPath = path.join(dir, 'orchestrator.journal');
    fs.appendFileSync(journalPath, `${JSON.stringify(events.agentStarted('s1', 'a'))}\n{"torn`);
    const dbBytes = fs.readFileSync(dbPath);
    const journalBytes = fs.readFileSync(journalPath);

    await assert.rejects(openStore(), (error: unknown) => {
      assert.ok(error instanceof StoreSchemaTooNewError);
      assert.match(error.message, /version 99/);
      return true;
    });
    await assert.rejects(openStore('read'), StoreSchemaTooNewError);
    assert.deepEqual(fs.readFileSync(dbPath), dbBytes);
    assert.deepEqual(fs.readFileSync(journalPath), journalBytes, 'the torn tail was not cut either');
    assert.ok(!fs.existsSync(path.join(dir, 'orchestrator.lock')), 'the lock was released');
  });

  /** Abandons the store the way a killed process would: no final snapshot, its lock left behind naming a dead pid. */
  function simulateCrash(store: SessionStore): void {
    open.splice(open.indexOf(store), 1);
    const lockPath = path.join(dir, 'orchestrator.lock');
    const lock = JSON.parse(fs.readFileSync(lockPath, 'utf8')) as Record<string, unknown>;
    fs.writeFileSync(lockPath, JSON.stringify({ ...lock, pid: deadProcessPid() }));
  }
});

let cachedDeadPid: number | null = null;
function deadProcessPid(): number {
  if (cachedDeadPid === null) {
    const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']);
    cachedDeadPid = Number(child.stdout.toString());
  }
  return cachedDeadPid;
}
