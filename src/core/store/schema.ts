// Schema of the session store: an ordered list of forward migrations, versioned with PRAGMA user_version.
// Add a migration by appending to MIGRATIONS; never edit one that has shipped.
import type { Database } from 'sql.js';

/** Thrown when the database was written by a newer version of the app: we must not write to it. */
export class StoreSchemaTooNewError extends Error {
  constructor(
    readonly path: string,
    readonly foundVersion: number,
    readonly supportedVersion: number,
  ) {
    super(
      `The session store ${path} has schema version ${foundVersion}, but this version of Agent Orchestrator ` +
        `understands up to version ${supportedVersion}. Update Agent Orchestrator (extension and CLI) to open it; ` +
        `nothing was written.`,
    );
    this.name = 'StoreSchemaTooNewError';
  }
}

const MIGRATIONS: readonly string[] = [
  // 1: events, sessions, executions, patterns, meta
  `
  CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
  CREATE TABLE events (
    session_id TEXT NOT NULL,
    seq INTEGER NOT NULL,
    ts INTEGER NOT NULL,
    type TEXT NOT NULL,
    payload TEXT NOT NULL,
    PRIMARY KEY (session_id, seq)
  ) WITHOUT ROWID;
  CREATE TABLE sessions (
    session_id TEXT PRIMARY KEY,
    request TEXT NOT NULL DEFAULT '',
    workspace TEXT NOT NULL DEFAULT '',
    task_type TEXT NOT NULL DEFAULT 'general',
    started_at INTEGER NOT NULL,
    completed_at INTEGER,
    status TEXT,
    success INTEGER,
    event_count INTEGER NOT NULL DEFAULT 0,
    agents TEXT NOT NULL DEFAULT '[]'
  );
  CREATE INDEX sessions_by_start ON sessions (started_at DESC);
  CREATE TABLE executions (
    session_id TEXT NOT NULL,
    seq INTEGER NOT NULL,
    agent TEXT NOT NULL,
    timestamp INTEGER NOT NULL,
    task_type TEXT NOT NULL,
    success INTEGER NOT NULL,
    duration REAL NOT NULL,
    record TEXT NOT NULL,
    PRIMARY KEY (session_id, seq)
  );
  CREATE INDEX executions_by_agent_time ON executions (agent, timestamp DESC);
  CREATE TABLE patterns (
    id TEXT PRIMARY KEY,
    type TEXT NOT NULL,
    agent TEXT,
    discovered_at INTEGER NOT NULL,
    pattern TEXT NOT NULL
  );
  `,
  // 2: model usage of an execution, as columns so it can be summed and filtered in SQL; NULL for offline
  // executions and for rows written before (their record JSON has no modelUsage either).
  `
  ALTER TABLE executions ADD COLUMN model TEXT;
  ALTER TABLE executions ADD COLUMN model_turns INTEGER;
  ALTER TABLE executions ADD COLUMN input_tokens INTEGER;
  ALTER TABLE executions ADD COLUMN output_tokens INTEGER;
  ALTER TABLE executions ADD COLUMN cost_usd REAL;
  `,
  // 3: executions folded out of an agent's window (maxExecutionsPerAgent), as one summary row per agent, so the
  // history they carried survives their deletion. Durations are summed as ln(1 + ms), the scale estimates use.
  `
  CREATE TABLE execution_history (
    agent TEXT PRIMARY KEY,
    count INTEGER NOT NULL,
    successes INTEGER NOT NULL,
    sum_log_duration REAL NOT NULL,
    sum_sq_log_duration REAL NOT NULL,
    min_duration REAL NOT NULL,
    max_duration REAL NOT NULL,
    first_timestamp INTEGER NOT NULL,
    last_timestamp INTEGER NOT NULL
  ) WITHOUT ROWID;
  `,
  // 4: who ran alongside whom, once per phase of a session's plan (the phase's agents as a JSON array; phases of one
  // agent are left out): executions name their phase instead of listing the rest of it, which grew with the square
  // of a phase's width. Kept while the session or one of its executions is.
  `
  CREATE TABLE execution_phases (
    session_id TEXT NOT NULL,
    phase INTEGER NOT NULL,
    agents TEXT NOT NULL,
    PRIMARY KEY (session_id, phase)
  );
  `,
];

/** The schema version this code writes. */
export const SCHEMA_VERSION = MIGRATIONS.length;

export function schemaVersionOf(db: Database): number {
  const result = db.exec('PRAGMA user_version');
  const value = result[0]?.values[0]?.[0];
  return typeof value === 'number' ? value : 0;
}

/**
 * Brings `db` up to SCHEMA_VERSION in one transaction; returns true when anything changed.
 * Throws StoreSchemaTooNewError (without touching the database) when it is newer than this code.
 */
export function migrate(db: Database, path: string): boolean {
  const found = schemaVersionOf(db);
  if (found > SCHEMA_VERSION) throw new StoreSchemaTooNewError(path, found, SCHEMA_VERSION);
  if (found === SCHEMA_VERSION) return false;
  db.exec('BEGIN');
  try {
    for (let version = found; version < SCHEMA_VERSION; version++) {
      db.exec(MIGRATIONS[version] as string);
    }
    db.exec(`PRAGMA user_version = ${SCHEMA_VERSION}`);
    db.exec('COMMIT');
  } catch (error) {
    db.exec('ROLLBACK');
    throw error;
  }
  return true;
}
