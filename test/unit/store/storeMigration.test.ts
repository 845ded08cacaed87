// A store written by the schema before model usage was learned (version 1) opens, keeps its learning history and
// gains the model-usage columns; new executions fill them.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import initSqlJs from 'sql.js';
import { SessionStore } from '../../../src/core/store/sessionStore';
import { SCHEMA_VERSION } from '../../../src/core/store/schema';
import { EventFactory, learningRecord, makeTempDir, removeDir } from './storeTestHelpers';

// Version 1 exactly as it shipped (migrations are never edited, so this copy stays true).
const VERSION_1 = `
  CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
  CREATE TABLE events (session_id TEXT NOT NULL, seq INTEGER NOT NULL, ts INTEGER NOT NULL, type TEXT NOT NULL, payload TEXT NOT NULL, PRIMARY KEY (session_id, seq)) WITHOUT ROWID;
  CREATE TABLE sessions (session_id TEXT PRIMARY KEY, request TEXT NOT NULL DEFAULT '', workspace TEXT NOT NULL DEFAULT '', task_type TEXT NOT NULL DEFAULT 'general',
    started_at INTEGER NOT NULL, completed_at INTEGER, status TEXT, success INTEGER, event_count INTEGER NOT NULL DEFAULT 0, agents TEXT NOT NULL DEFAULT '[]');
  CREATE INDEX sessions_by_start ON sessions (started_at DESC);
  CREATE TABLE executions (session_id TEXT NOT NULL, seq INTEGER NOT NULL, agent TEXT NOT NULL, timestamp INTEGER NOT NULL, task_type TEXT NOT NULL,
    success INTEGER NOT NULL, duration REAL NOT NULL, record TEXT NOT NULL, PRIMARY KEY (session_id, seq));
  CREATE INDEX executions_by_agent_time ON executions (agent, timestamp DESC);
  CREATE TABLE patterns (id TEXT PRIMARY KEY, type TEXT NOT NULL, agent TEXT, discovered_at INTEGER NOT NULL, pattern TEXT NOT NULL);
  PRAGMA user_version = 1;
`;

describe('SessionStore schema migration', () => {
  let root: string;
  let dir: string;
  const open: SessionStore[] = [];

  beforeEach(() => {
    root = makeTempDir();
    dir = path.join(root, '.agent-orchestrator');
    fs.mkdirSync(dir, { recursive: true });
  });

  afterEach(async () => {
    for (const store of open.splice(0)) await store.close();
    removeDir(root);
  });

  async function writeVersion1Store(): Promise<string> {
    const SQL = await initSqlJs();
    const db = new SQL.Database();
    db.exec(VERSION_1);
    const old = learningRecord('s0', 'code-reviewer', 1000);
    db.run('INSERT INTO sessions (session_id, request, started_at, status, success) VALUES (?, ?, ?, ?, ?)', ['s0', 'old run', 900, 'completed', 1]);
    db.run('INSERT INTO executions (session_id, seq, agent, timestamp, task_type, success, duration, record) VALUES (?, ?, ?, ?, ?, ?, ?, ?)', [
      's0', 5, 'code-reviewer', 1000, old.taskType, 1, old.successPatterns.duration, JSON.stringify(old),
    ]);
    const dbPath = path.join(dir, 'orchestrator.sqlite');
    fs.writeFileSync(dbPath, db.export());
    db.close();
    return dbPath;
  }

  async function columnsOf(dbPath: string): Promise<{ version: number; rows: unknown[][] }> {
    const SQL = await initSqlJs();
    const db = new SQL.Database(fs.readFileSync(dbPath));
    const version = db.exec('PRAGMA user_version')[0]?.values[0]?.[0] as number;
    const rows = db.exec('SELECT agent, model, model_turns, input_tokens, output_tokens, cost_usd FROM executions ORDER BY timestamp')[0]?.values ?? [];
    db.close();
    return { version, rows };
  }

  it('opens a version-1 store read-only and shows its history, without writing to it', async () => {
    const dbPath = await writeVersion1Store();
    const before = fs.readFileSync(dbPath);
    const reader = await SessionStore.open({ dir, mode: 'read' });
    open.push(reader);
    assert.deepEqual(reader.recentExecutions('code-reviewer', 10), [learningRecord('s0', 'code-reviewer', 1000)]);
    assert.deepEqual(reader.listSessions().map((s) => s.sessionId), ['s0']);
    assert.deepEqual(fs.readFileSync(dbPath), before);
  });

  it('migrates a version-1 store forward on write, keeping old executions and storing the model usage of new ones', async () => {
    const dbPath = await writeVersion1Store();
    const writer = await SessionStore.open({ dir, mode: 'write', snapshotDebounceMs: 600_000 });
    open.push(writer);
    const events = new EventFactory();
    writer.append(events.runStarted('s1'));
    const withUsage = {
      ...learningRecord('s1', 'code-reviewer', 2000),
      modelUsage: { model: 'openai/gpt-4o-mini', turns: 3, inputTokens: 39_500, outputTokens: 1550, cachedInputTokens: 8000, costUsd: 0.0056 },
    };
    writer.append({ ...events.learningRecorded('s1', 'code-reviewer', 2000), type: 'learning.recorded', payload: { record: withUsage } });
    await writer.close();
    open.splice(0);

    const { version, rows } = await columnsOf(dbPath);
    assert.equal(version, SCHEMA_VERSION);
    assert.ok(SCHEMA_VERSION >= 2);
    assert.deepEqual(rows, [
      ['code-reviewer', null, null, null, null, null],
      ['code-reviewer', 'openai/gpt-4o-mini', 3, 39_500, 1550, 0.0056],
    ]);
    const reopened = await SessionStore.open({ dir, mode: 'read' });
    open.push(reopened);
    assert.deepEqual(reopened.recentExecutions('code-reviewer', 10), [withUsage, learningRecord('s0', 'code-reviewer', 1000)]);
  });
});
