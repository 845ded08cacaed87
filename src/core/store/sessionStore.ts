// The durable session store: one sql.js database per workspace, shared by the CLI and the extension.
// Writes go to an NDJSON journal first (group commit: acknowledged once their batch is fdatasynced); the database
// image is saved as an atomic snapshot at the end of a run, on a size or time threshold and at close, and the
// journal tail after the snapshot is replayed on open. See DESIGN.md section 5.
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Database, SqlJsStatic, SqlValue, Statement } from 'sql.js';
import { systemClock, type Clock, type EventJournal, type FoldedExecutions, type LearningRepository } from '../ports';
import { isValidatedEvent, OrchestratorEventSchema, type OrchestratorEvent, type RunStatus } from '../protocol/events';
import { LearnedPatternSchema, LearningRecordSchema, type LearnedPattern, type LearningRecord } from '../protocol/learning';
import { parseOrThrow } from '../protocol/validation';
import { describeFileError, ensureDirInside, readFileNoFollow, realPathInside } from '../files/safeFiles';
import { JournalWriter, parseJournal, type JournalEntry, type JournalOp } from './journal';
import { isHolderAlive, readLock, StoreLock } from './lock';
import { migrate } from './schema';

export { StoreLockedError } from './lock';
export { StoreSchemaTooNewError } from './schema';

export const STORE_DIR_NAME = '.agent-orchestrator';
export const DATABASE_FILE = 'orchestrator.sqlite';
export const JOURNAL_FILE = 'orchestrator.journal';
export const LOCK_FILE = 'orchestrator.lock';

/** The store folder of a workspace. */
export function storeDirFor(workspaceRoot: string): string {
  return path.join(workspaceRoot, STORE_DIR_NAME);
}

export interface SessionStoreOptions {
  /** The .agent-orchestrator folder; created if missing (write mode). */
  dir: string;
  /**
   * The folder the store must stay inside (the workspace): no symbolic link between it and the store's files is
   * followed. @default the parent of `dir`
   */
  root?: string;
  /** read: no lock, never writes anything. */
  mode: 'write' | 'read';
  /** @default sql-wasm.wasm of the installed sql.js package, else beside this bundle (dist/sql-wasm.wasm) */
  wasmPath?: string;
  /** @default systemClock */
  clock?: Clock;
  /**
   * Time threshold: a snapshot is taken this long after the first change it would save (and at the end of a run, at
   * close, and when the journal passes `snapshotJournalBytes`). @default 30000
   */
  snapshotDebounceMs?: number;
  /** Size threshold of the journal that triggers a snapshot. @default 8 MiB */
  snapshotJournalBytes?: number;
  /**
   * The learning window (the config's learning.maxExecutionsPerAgent): an agent's older executions are folded into
   * its summary row (foldedExecutions) and deleted. @default undefined: every execution is kept
   */
  maxExecutionsPerAgent?: number;
  /**
   * Retention of sessions (with their events), applied when the store opens for writing and at the end of each run:
   * the newest `maxSessions` are kept, and none that ended (or, never ended, started) more than `maxAgeMs` ago. A
   * session still running in this process is never pruned. Executions stay: they are the learning history, bounded
   * by maxExecutionsPerAgent. @default undefined: sessions are kept until pruneSessions() is called
   */
  retention?: { maxSessions?: number; maxAgeMs?: number };
  /**
   * Told the ids of sessions pruned by retention, once their deletion is durable: the place to remove what else a
   * session left (its log files). Not called for deleteSessions(), a user's explicit choice.
   */
  onSessionsPruned?: (sessionIds: readonly string[]) => void;
  onWarning?: (message: string) => void;
}

export interface SessionSummary {
  sessionId: string;
  request: string;
  workspace: string;
  startedAt: number;
  completedAt: number | null;
  status: 'running' | 'interrupted' | RunStatus;
  success: boolean | null;
  eventCount: number;
  agents: string[];
}

const sqlJsByWasmPath = new Map<string, Promise<SqlJsStatic>>();

function defaultWasmPath(): string {
  try {
    const candidate = path.join(path.dirname(require.resolve('sql.js')), 'sql-wasm.wasm');
    if (fs.existsSync(candidate)) return candidate;
  } catch {
    // Bundled app without node_modules: the build copies the wasm beside the bundle.
  }
  return path.join(__dirname, 'sql-wasm.wasm');
}

function loadSqlJs(wasmPath: string): Promise<SqlJsStatic> {
  let loading = sqlJsByWasmPath.get(wasmPath);
  if (!loading) {
    // Required here, not at the top: sql.js is heavy and the extension must activate without it.
    const initSqlJs = require('sql.js') as typeof import('sql.js');
    loading = initSqlJs({ locateFile: () => wasmPath });
    loading.catch(() => sqlJsByWasmPath.delete(wasmPath));
    sqlJsByWasmPath.set(wasmPath, loading);
  }
  return loading;
}

/** Whether the store folder holds neither a database nor a journal (or does not exist): no session is stored. */
function nothingStoredIn(dir: string): boolean {
  const present = (file: string): boolean => {
    try {
      fs.lstatSync(path.join(dir, file));
      return true;
    } catch (error) {
      // Anything but "not there" (a permission problem, say) is for the full open to report.
      return (error as NodeJS.ErrnoException).code !== 'ENOENT';
    }
  };
  return !present(DATABASE_FILE) && !present(JOURNAL_FILE);
}

/** Sessions started by a writer in this process and not completed yet, per store folder. */
const openSessionsByDir = new Map<string, Set<string>>();

function openSessionsOf(dir: string): Set<string> {
  let sessions = openSessionsByDir.get(dir);
  if (!sessions) {
    sessions = new Set();
    openSessionsByDir.set(dir, sessions);
  }
  return sessions;
}

interface FileIdentity {
  ino: number;
  size: number;
  mtimeMs: number;
}

function identityOf(file: string): FileIdentity | null {
  try {
    const stat = fs.statSync(file);
    return { ino: stat.ino, size: stat.size, mtimeMs: stat.mtimeMs };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
}

function sameIdentity(a: FileIdentity | null, b: FileIdentity | null): boolean {
  if (a === null || b === null) return a === b;
  return a.ino === b.ino && a.size === b.size && a.mtimeMs === b.mtimeMs;
}

function readOrNull(file: string): Buffer | null {
  return readFileNoFollow(file);
}

/** Creates `file` exclusively (its name is random, see tempNameFor) and writes it to disk. */
function writeFileDurably(file: string, bytes: Uint8Array): void {
  const fd = fs.openSync(file, fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_EXCL | (fs.constants.O_NOFOLLOW ?? 0), 0o644);
  try {
    let written = 0;
    while (written < bytes.length) written += fs.writeSync(fd, bytes, written, bytes.length - written);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

/** Makes a rename in `dir` durable. Windows cannot open a folder for fsync; NTFS journals the rename itself. */
function fsyncDirectory(dir: string): void {
  let fd: number | undefined;
  try {
    fd = fs.openSync(dir, 'r');
    fs.fsyncSync(fd);
  } catch (error) {
    if (process.platform !== 'win32') throw error;
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}

function str(value: SqlValue | undefined): string {
  return typeof value === 'string' ? value : value === null || value === undefined ? '' : String(value);
}

function num(value: SqlValue | undefined): number {
  return typeof value === 'number' ? value : Number(value);
}

function numOrNull(value: SqlValue | undefined): number | null {
  return value === null || value === undefined ? null : num(value);
}

function parseStringArray(text: string): string[] {
  try {
    const value: unknown = JSON.parse(text);
    return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
  } catch {
    return [];
  }
}

function isRunStatus(value: string): value is RunStatus {
  return value === 'completed' || value === 'failed' || value === 'cancelled' || value === 'timed_out';
}

/** Free pages worth a VACUUM before a snapshot (see #vacuumIfMostlyFree). */
const VACUUM_MIN_FREE_BYTES = 1024 * 1024;

const SESSION_COLUMNS = 'session_id, request, workspace, started_at, completed_at, status, success, event_count, agents';

/** The durable copy of the event stream plus the tables derived from it (sessions, executions, patterns). */
export class SessionStore implements EventJournal, LearningRepository {
  readonly #dir: string;
  readonly #root: string;
  readonly #mode: 'write' | 'read';
  readonly #clock: Clock;
  readonly #debounceMs: number;
  readonly #snapshotJournalBytes: number;
  readonly #maxExecutionsPerAgent: number | null;
  readonly #maxSessions: number | null;
  readonly #maxSessionAgeMs: number | null;
  readonly #onSessionsPruned: ((sessionIds: readonly string[]) => void) | undefined;
  readonly #onWarning: ((message: string) => void) | undefined;
  readonly #warnings: string[] = [];
  /** Damaged rows already reported, so a row read on every run is named once. */
  readonly #damagedRows = new Set<string>();
  readonly #openSessions: Set<string>;
  /** Sessions this instance started, so close() can stop reporting them as running. */
  readonly #mySessions = new Set<string>();
  /** Null only for a reader of a store with nothing in it yet: every query then finds nothing. */
  #dbOrNull: Database | null;
  /**
   * The newest executions per agent, newest first, as last read from SQL and kept current as events are applied:
   * the learning system asks for them on every query, and reading and parsing them from sql.js costs ~0.3 ms.
   */
  readonly #recentByAgent = new Map<string, { limit: number; records: LearningRecord[] }>();
  /** Agents of a phase by `sessionId\0phase`, as last read: every execution of a wide phase asks for the same one. */
  readonly #phaseAgents = new Map<string, readonly string[]>();
  /**
   * Agents started per session whose `agents` column is behind: it is written when the run completes, before the
   * sessions are read and before a snapshot. Rewriting the whole list at every agent.started was quadratic in the
   * width of a phase.
   */
  readonly #startedAgents = new Map<string, { agents: string[]; names: Set<string> }>();
  #journal: JournalWriter | null = null;
  #lock: StoreLock | null = null;
  #statements = new Map<string, Statement>();
  #dirty = false;
  /** A transaction is open (see #beginBatch). */
  #inBatch = false;
  /** Set when an entry reached the journal but not the tables: a snapshot would then lose it. */
  #snapshotBlocked = false;
  #closed = false;
  #timer: NodeJS.Timeout | null = null;
  #timerDueAt = 0;
  #executionCount: number | null = null;
  #agents: Set<string> | null = null;
  /** Read mode: start time of another live process holding the write lock, if any. */
  #liveWriterSince: number | null = null;

  private constructor(options: SessionStoreOptions, db: Database | null) {
    this.#dir = path.resolve(options.dir);
    this.#root = path.resolve(options.root ?? path.dirname(this.#dir));
    this.#mode = options.mode;
    this.#clock = options.clock ?? systemClock;
    this.#debounceMs = options.snapshotDebounceMs ?? 30_000;
    this.#snapshotJournalBytes = options.snapshotJournalBytes ?? 8 * 1024 * 1024;
    this.#maxExecutionsPerAgent = options.maxExecutionsPerAgent ?? null;
    this.#maxSessions = options.retention?.maxSessions ?? null;
    this.#maxSessionAgeMs = options.retention?.maxAgeMs ?? null;
    this.#onSessionsPruned = options.onSessionsPruned;
    this.#onWarning = options.onWarning;
    this.#openSessions = openSessionsOf(this.#dir);
    this.#dbOrNull = db;
  }

  get #db(): Database {
    if (this.#dbOrNull === null) throw new Error(`The session store ${this.#dir} has no database`);
    return this.#dbOrNull;
  }

  /** Opens the store in `options.dir`; in write mode takes the lock (StoreLockedError if another process has it). */
  static async open(options: SessionStoreOptions): Promise<SessionStore> {
    // Nothing stored yet: a reader shows an empty store without loading sql.js (half of `sessions`' start time).
    const empty = options.mode === 'read' && nothingStoredIn(path.resolve(options.dir));
    const SQL = empty ? null : await loadSqlJs(options.wasmPath ?? defaultWasmPath());
    const store = new SessionStore(options, SQL === null ? null : new SQL.Database());
    try {
      if (options.mode === 'write') store.#openForWriting(SQL as SqlJsStatic);
      else if (SQL === null) realPathInside(store.#root, store.#dir);
      else store.#openForReading(SQL);
    } catch (error) {
      store.#abandon();
      throw describeFileError(error, store.#dir, options.mode === 'write' ? 'open the session store in' : 'read the session store in');
    }
    return store;
  }

  get warnings(): readonly string[] {
    return this.#warnings;
  }

  get dir(): string {
    return this.#dir;
  }

  get databasePath(): string {
    return path.join(this.#dir, DATABASE_FILE);
  }

  get journalPath(): string {
    return path.join(this.#dir, JOURNAL_FILE);
  }

  get lockPath(): string {
    return path.join(this.#dir, LOCK_FILE);
  }

  // ---- opening -------------------------------------------------------------------------------------------

  #openForWriting(SQL: SqlJsStatic): void {
    ensureDirInside(this.#root, this.#dir);
    this.#lock = StoreLock.acquire(this.#dir, this.lockPath, this.#clock.now(), (m) => this.#warn(m));
    const snapshot = readOrNull(this.databasePath);
    const journalBytes = readOrNull(this.journalPath) ?? new Uint8Array(0);
    const parsed = this.#load(SQL, snapshot, journalBytes);
    // Only now, with the schema known to be ours, do we touch the journal (cut a torn tail, add a header).
    this.#journal = JournalWriter.open(this.journalPath, parsed.validLength, parsed.journalId, this.#clock.now());
    this.#beginBatch();
    if (this.#dirty) this.#scheduleSnapshot();
    this.#removeStaleTempFiles();
    // A limit lowered since the last run, or a store left by a version without one, is brought within it now.
    const pruned = this.#applyRetention();
    if (pruned) {
      this.#journal.flushSync();
      this.#notifyPruned(pruned.sessionIds);
    }
  }

  #openForReading(SQL: SqlJsStatic): void {
    realPathInside(this.#root, this.#dir);
    // A writer may snapshot (rename + truncate the journal) while we read: retry until the snapshot we read
    // is still the current one after reading the journal, so snapshot + journal are a consistent pair.
    let snapshot: Buffer | null = null;
    let journalBytes: Uint8Array = new Uint8Array(0);
    for (let attempt = 0; ; attempt++) {
      const before = identityOf(this.databasePath);
      snapshot = before ? readOrNull(this.databasePath) : null;
      journalBytes = readOrNull(this.journalPath) ?? new Uint8Array(0);
      const after = identityOf(this.databasePath);
      if (sameIdentity(before, after)) break;
      if (attempt >= 9) {
        this.#warn(`The session store ${this.#dir} kept changing while it was read; the view may be incomplete.`);
        break;
      }
    }
    this.#load(SQL, snapshot, journalBytes);
    const holder = readLock(this.lockPath);
    if (holder && holder.pid !== process.pid && isHolderAlive(holder)) this.#liveWriterSince = holder.startedAt;
  }

  /** Builds the database from a snapshot and the journal; returns the parsed journal. */
  #load(SQL: SqlJsStatic, snapshot: Buffer | null, journalBytes: Uint8Array): ReturnType<typeof parseJournal> {
    let fromSnapshot = false;
    if (snapshot) {
      const problem = this.#checkSnapshot(SQL, snapshot);
      if (problem === null) fromSnapshot = true;
      else this.#handleCorruptSnapshot(problem);
    }
    if (migrate(this.#db, this.databasePath)) this.#dirty = true;
    this.#applyPragmas();

    const parsed = parseJournal(journalBytes, this.journalPath);
    for (const warning of parsed.warnings) this.#warn(warning);
    if (!snapshot && parsed.followsSnapshotOf !== null) {
      this.#warn(
        `The session store ${this.databasePath} is missing while its journal ${this.journalPath} remains: the store was ` +
          `rebuilt from the journal alone, so sessions and learnings saved before ${new Date(parsed.followsSnapshotOf).toISOString()} ` +
          `are not in it. That older history is only in a backup of ${DATABASE_FILE}, if there is one.`,
      );
    }
    // The snapshot records which journal generation and how many bytes of it it already contains.
    let coveredBytes = 0;
    if (fromSnapshot && parsed.journalId !== null && this.#meta('journal_id') === parsed.journalId) {
      coveredBytes = Number(this.#meta('journal_offset') ?? '0');
    }
    const pending = parsed.entries.filter((item) => item.end > coveredBytes);
    // Anything beyond the header (even skipped lines) is worth a snapshot, which empties the journal.
    if (parsed.entries.length > 0 || parsed.warnings.length > 0) this.#dirty = true;
    if (pending.length > 0) {
      this.#db.exec('BEGIN');
      try {
        for (const item of pending) {
          try {
            this.#applyEntry(item.entry, false);
          } catch (error) {
            this.#warn(`Could not replay line ${item.line} of ${this.journalPath}: ${(error as Error).message}`);
          }
        }
      } finally {
        this.#writeStartedAgents();
        this.#db.exec('COMMIT');
      }
    }
    return parsed;
  }

  /** Loads `snapshot` into #db; returns null when it is a sound database, else what is wrong with it. */
  #checkSnapshot(SQL: SqlJsStatic, snapshot: Buffer): string | null {
    if (snapshot.length === 0) return 'the file is empty';
    let db: Database | null = null;
    try {
      db = new SQL.Database(snapshot);
      const result = db.exec('PRAGMA integrity_check');
      const verdict = result[0]?.values.map((row) => str(row[0])) ?? [];
      if (verdict.length !== 1 || verdict[0] !== 'ok') {
        const unsound = db;
        db = null; // not closed a second time below if close() throws
        unsound.close();
        return `integrity check failed: ${verdict.slice(0, 3).join('; ')}`;
      }
      this.#db.close();
      this.#dbOrNull = db;
      return null;
    } catch (error) {
      db?.close();
      return (error as Error).message;
    }
  }

  #handleCorruptSnapshot(problem: string): void {
    if (this.#mode === 'read') {
      this.#warn(`The session store ${this.databasePath} is unreadable (${problem}); showing only the events in ${this.journalPath}.`);
      return;
    }
    const stamp = new Date(this.#clock.now()).toISOString().replace(/[:.]/g, '-');
    let aside = `${this.databasePath}.corrupt-${stamp}`;
    for (let n = 1; fs.existsSync(aside); n++) aside = `${this.databasePath}.corrupt-${stamp}-${n}`;
    fs.renameSync(this.databasePath, aside);
    fsyncDirectory(this.#dir);
    this.#dirty = true;
    this.#warn(
      `The session store ${this.databasePath} was corrupt (${problem}). It was moved to ${aside} and a new store was started; ` +
        `events still in the journal were recovered, older sessions and learnings are only in the moved file.`,
    );
  }

  #removeStaleTempFiles(): void {
    // Temp snapshots of a writer that was killed mid-snapshot; we hold the lock, so none is being written.
    for (const name of fs.readdirSync(this.#dir)) {
      if (name.startsWith(`${DATABASE_FILE}.tmp-`)) fs.rmSync(path.join(this.#dir, name), { force: true });
    }
  }

  #abandon(): void {
    this.#closed = true;
    this.#cancelTimer();
    this.#journal?.close();
    this.#lock?.release();
    this.#dbOrNull?.close(); // also frees the prepared statements
    this.#statements.clear();
  }

  // ---- writing -------------------------------------------------------------------------------------------

  /**
   * Validates `event` (unless the run's event stream already did), writes it to the journal and updates the tables.
   * Returns a promise settled once the event is on disk: only then may it be acknowledged (streamed, shown as
   * saved). Throws at once in read mode, on an invalid event, or when the journal cannot be written.
   */
  append(event: OrchestratorEvent): Promise<void> {
    const journal = this.#writableJournal();
    const parsed = isValidatedEvent(event) ? event : parseOrThrow(OrchestratorEventSchema, event, 'event');
    // The payload is serialised once, for the journal line and the events row alike.
    const payload = JSON.stringify(parsed.payload);
    const line = `{"sessionId":${JSON.stringify(parsed.sessionId)},"seq":${JSON.stringify(parsed.seq)},"ts":${JSON.stringify(parsed.ts)},"type":${JSON.stringify(parsed.type)},"payload":${payload}}\n`;
    const durable = journal.appendLine(line);
    this.#applyDurableEntry({ kind: 'event', event: parsed }, payload);
    if (parsed.type === 'run.started') {
      this.#openSessions.add(parsed.sessionId);
      this.#mySessions.add(parsed.sessionId);
    } else if (parsed.type === 'run.completed') {
      this.#openSessions.delete(parsed.sessionId);
      this.#mySessions.delete(parsed.sessionId);
      // In the same batch as the run's last event, so the snapshot below already leaves the pruned sessions out.
      const pruned = this.#retentionAfterRun();
      pruned?.durable.then(
        () => this.#notifyPruned(pruned.sessionIds),
        () => {}, // never on disk: the sessions come back on the next open, so what they left is still wanted
      );
      // The end of a run is when a snapshot pays: the journal is emptied once per run, not while it runs.
      if (this.#mySessions.size === 0) this.#scheduleSnapshot(0);
    }
    if (journal.size >= this.#snapshotJournalBytes) this.#scheduleSnapshot(0);
    return durable;
  }

  /** Removes every stored execution and pattern (the learning history). */
  clearLearnings(): void {
    this.#appendOp({ op: 'clearLearnings', ts: this.#clock.now() });
  }

  /** Removes the patterns with the given ids, or all patterns. */
  deletePatterns(ids?: readonly string[]): void {
    this.#appendOp({ op: 'deletePatterns', ts: this.#clock.now(), ids: ids ? [...ids] : null });
  }

  /**
   * Deletes sessions (and their events) that completed before `completedBefore`, and interrupted ones started
   * before it. Executions are kept: they are the learning history. Returns the number of sessions deleted.
   */
  pruneSessions(completedBefore: number): number {
    this.#writableJournal();
    const sessionIds = this.#sessionsEndedBefore(completedBefore).filter((id) => !this.#openSessions.has(id));
    if (sessionIds.length === 0) return 0;
    this.#appendOp({ op: 'pruneSessions', ts: this.#clock.now(), completedBefore, sessionIds });
    this.#notifyPruned(sessionIds);
    return sessionIds.length;
  }

  /**
   * Journals and applies the deletion of the sessions beyond the retention limits (never one running here); returns
   * their ids and when that is on disk: onSessionsPruned is told only then.
   */
  #applyRetention(): { sessionIds: string[]; durable: Promise<void> } | null {
    if (this.#maxSessions === null && this.#maxSessionAgeMs === null) return null;
    const doomed = new Set<string>();
    if (this.#maxSessions !== null) {
      // LIMIT -1: no limit, only the OFFSET, i.e. every session after the newest maxSessions.
      for (const row of this.#query('SELECT session_id FROM sessions ORDER BY started_at DESC, rowid DESC LIMIT -1 OFFSET ?', [this.#maxSessions])) {
        doomed.add(str(row[0]));
      }
    }
    const completedBefore = this.#maxSessionAgeMs === null ? 0 : this.#clock.now() - this.#maxSessionAgeMs;
    if (this.#maxSessionAgeMs !== null) for (const id of this.#sessionsEndedBefore(completedBefore)) doomed.add(id);
    const sessionIds = [...doomed].filter((id) => !this.#openSessions.has(id));
    if (sessionIds.length === 0) return null;
    const op: JournalOp = { op: 'pruneSessions', ts: this.#clock.now(), completedBefore, sessionIds };
    const durable = this.#writableJournal().appendLine(`${JSON.stringify(op)}\n`);
    this.#applyDurableEntry({ kind: 'op', op });
    return { sessionIds, durable };
  }

  /** Retention at the end of a run: the run's own event is already saved, so a failure here is only a warning. */
  #retentionAfterRun(): { sessionIds: string[]; durable: Promise<void> } | null {
    try {
      return this.#applyRetention();
    } catch (error) {
      this.#warn(`Could not prune old sessions of ${this.#dir} (nothing was lost; the next run tries again): ${(error as Error).message}`);
      return null;
    }
  }

  #sessionsEndedBefore(completedBefore: number): string[] {
    return this.#query(
      `SELECT session_id FROM sessions
       WHERE (completed_at IS NOT NULL AND completed_at < ?) OR (completed_at IS NULL AND started_at < ?)`,
      [completedBefore, completedBefore],
    ).map((row) => str(row[0]));
  }

  #notifyPruned(sessionIds: readonly string[]): void {
    if (!this.#onSessionsPruned) return;
    try {
      this.#onSessionsPruned(sessionIds);
    } catch (error) {
      this.#warn(`Pruned ${sessionIds.length} old session(s), but removing what they left failed: ${(error as Error).message}`);
    }
  }

  /**
   * Deletes the given sessions and their events (a user's "Delete Session"). A session still running in this
   * process is kept. Executions stay: they are the learning history. Returns the ids actually deleted.
   */
  deleteSessions(sessionIds: readonly string[]): string[] {
    this.#writableJournal();
    const known = sessionIds.filter((id) => !this.#openSessions.has(id) && this.getSession(id) !== undefined);
    if (known.length === 0) return [];
    this.#appendOp({ op: 'pruneSessions', ts: this.#clock.now(), completedBefore: 0, sessionIds: known });
    return known;
  }

  #appendOp(op: JournalOp): void {
    const journal = this.#writableJournal();
    void journal.appendLine(`${JSON.stringify(op)}\n`);
    // A user's deletion is rare and is reported done when the call returns: durable before it does.
    journal.flushSync();
    this.#applyDurableEntry({ kind: 'op', op });
  }

  #writableJournal(): JournalWriter {
    if (this.#closed) throw new Error(`The session store ${this.#dir} is closed`);
    if (this.#mode === 'read' || !this.#journal) throw new Error(`The session store ${this.#dir} was opened read-only`);
    return this.#journal;
  }

  /**
   * Applies an entry that is already in the journal. A failure here does not throw: the entry is durable
   * (the caller's contract) and the next open replays it, so we warn and stop snapshotting until then.
   */
  #applyDurableEntry(entry: JournalEntry, payloadJson?: string): void {
    this.#dirty = true;
    try {
      this.#applyEntry(entry, true, payloadJson);
    } catch (error) {
      this.#warn(`Saved in the journal but not yet in the database (it will be on the next open): ${(error as Error).message}`);
      // Keep the journal: a snapshot now would claim to contain this entry.
      this.#snapshotBlocked = true;
      return;
    }
    this.#scheduleSnapshot();
  }

  /** Applies one journal entry atomically. `live` warns about a duplicate event, which replay expects. */
  #applyEntry(entry: JournalEntry, live: boolean, payloadJson?: string): void {
    // Prepared once: exec() would compile these two statements again for every event.
    this.#run('SAVEPOINT apply', []);
    try {
      if (entry.kind === 'event') this.#applyEvent(entry.event, live, payloadJson);
      else this.#applyOp(entry.op);
      this.#run('RELEASE apply', []);
    } catch (error) {
      this.#db.exec('ROLLBACK TO apply');
      this.#db.exec('RELEASE apply');
      this.#executionCount = null;
      this.#agents = null;
      this.#recentByAgent.clear();
      this.#phaseAgents.clear();
      throw error;
    }
  }

  #applyEvent(event: OrchestratorEvent, live: boolean, payloadJson = JSON.stringify(event.payload)): void {
    const id = event.sessionId;
    this.#run('INSERT OR IGNORE INTO events (session_id, seq, ts, type, payload) VALUES (?, ?, ?, ?, ?)', [
      id,
      event.seq,
      event.ts,
      event.type,
      payloadJson,
    ]);
    if (this.#db.getRowsModified() === 0) {
      // Already applied (replay after a snapshot); derived tables must not count it twice.
      if (live) this.#warn(`Event ${event.seq} of session ${id} was already stored; the duplicate was ignored.`);
      return;
    }
    this.#run(
      `INSERT INTO sessions (session_id, started_at, event_count) VALUES (?, ?, 1)
       ON CONFLICT (session_id) DO UPDATE SET event_count = event_count + 1`,
      [id, event.ts],
    );
    switch (event.type) {
      case 'run.started':
        this.#run('UPDATE sessions SET request = ?, workspace = ?, started_at = ? WHERE session_id = ?', [
          event.payload.request,
          event.payload.workspace,
          event.ts,
          id,
        ]);
        break;
      case 'plan.created':
        this.#run('UPDATE sessions SET task_type = ? WHERE session_id = ?', [event.payload.plan.taskType, id]);
        this.#storePhases(id, event.payload.plan.agents);
        break;
      case 'agent.started': {
        // Last in the entry: nothing after it can roll the entry back and leave the list ahead of the table.
        let started = this.#startedAgents.get(id);
        if (!started) {
          const agents = parseStringArray(str(this.#query('SELECT agents FROM sessions WHERE session_id = ?', [id])[0]?.[0]));
          started = { agents, names: new Set(agents) };
          this.#startedAgents.set(id, started);
        }
        if (!started.names.has(event.payload.agent)) {
          started.agents.push(event.payload.agent);
          started.names.add(event.payload.agent);
        }
        break;
      }
      case 'run.completed':
        this.#writeStartedAgents();
        this.#run('UPDATE sessions SET completed_at = ?, status = ?, success = ? WHERE session_id = ?', [
          event.ts,
          event.payload.status,
          event.payload.success ? 1 : 0,
          id,
        ]);
        break;
      case 'learning.recorded': {
        const record = event.payload.record;
        this.#run(
          `INSERT OR IGNORE INTO executions
             (session_id, seq, agent, timestamp, task_type, success, duration, record, model, model_turns, input_tokens, output_tokens, cost_usd)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
          [
            id,
            event.seq,
            record.agent,
            record.timestamp,
            record.taskType,
            record.outcomes.success ? 1 : 0,
            record.successPatterns.duration,
            JSON.stringify(record),
            record.modelUsage?.model ?? null,
            record.modelUsage?.turns ?? null,
            record.modelUsage?.inputTokens ?? null,
            record.modelUsage?.outputTokens ?? null,
            record.modelUsage?.costUsd ?? null,
          ],
        );
        if (this.#db.getRowsModified() > 0) {
          if (this.#executionCount !== null) this.#executionCount++;
          this.#agents?.add(record.agent);
          this.#rememberExecution(record);
          this.#foldOldExecutions(record.agent);
        }
        break;
      }
      case 'pattern.discovered': {
        const pattern = event.payload.pattern;
        this.#run(
          `INSERT INTO patterns (id, type, agent, discovered_at, pattern) VALUES (?, ?, ?, ?, ?)
           ON CONFLICT (id) DO UPDATE SET type = excluded.type, agent = excluded.agent,
             discovered_at = excluded.discovered_at, pattern = excluded.pattern`,
          [pattern.id, pattern.type, pattern.agent ?? event.payload.agent ?? null, pattern.discoveredAt, JSON.stringify(pattern)],
        );
        break;
      }
      default:
        break;
    }
  }

  #applyOp(op: JournalOp): void {
    switch (op.op) {
      case 'clearLearnings':
        this.#db.exec(
          'DELETE FROM executions; DELETE FROM patterns; DELETE FROM execution_history; DELETE FROM execution_phases WHERE session_id NOT IN (SELECT session_id FROM sessions);',
        );
        this.#phaseAgents.clear();
        this.#executionCount = 0;
        this.#agents = new Set();
        this.#recentByAgent.clear();
        break;
      case 'deletePatterns':
        if (op.ids === null) this.#db.exec('DELETE FROM patterns');
        else for (const id of op.ids) this.#run('DELETE FROM patterns WHERE id = ?', [id]);
        break;
      case 'pruneSessions':
        this.#writeStartedAgents();
        for (const id of op.sessionIds) {
          this.#run('DELETE FROM events WHERE session_id = ?', [id]);
          this.#run('DELETE FROM sessions WHERE session_id = ?', [id]);
          this.#dropUnreferencedPhases(id);
        }
        break;
    }
  }

  /** Writes the agents column of the sessions whose started agents are only in #startedAgents so far. */
  #writeStartedAgents(): void {
    if (this.#closed) return;
    for (const [id, started] of this.#startedAgents) {
      this.#run('UPDATE sessions SET agents = ? WHERE session_id = ?', [JSON.stringify(started.agents), id]);
    }
    this.#startedAgents.clear();
  }

  /**
   * A writer keeps one SQL transaction open between snapshots. Durability comes from the journal; committing
   * every event wrote its pages through sql.js's in-memory file system, which cost more than the inserts.
   */
  #beginBatch(): void {
    this.#db.exec('BEGIN');
    this.#inBatch = true;
  }

  #commitBatch(): void {
    if (!this.#inBatch) return;
    this.#inBatch = false;
    this.#db.exec('COMMIT');
  }

  // ---- snapshots -----------------------------------------------------------------------------------------

  /** Writes the database image now (atomically) and empties the journal. No-op when nothing changed. */
  snapshotNow(): void {
    this.#writableJournal();
    this.#cancelTimer();
    this.#snapshot();
  }

  #snapshot(): void {
    const journal = this.#journal;
    if (!journal || !this.#dirty || this.#closed) return;
    if (this.#snapshotBlocked) {
      this.#warn(`Not saving ${this.databasePath}: an earlier change is only in the journal; reopen the store to recover it.`);
      return;
    }
    this.#writeStartedAgents();
    this.#setMeta('journal_id', journal.id ?? '');
    this.#setMeta('journal_offset', String(journal.size));
    // Older sql.js export() closes and reopens the database, freeing statements and resetting pragmas; 1.16 uses
    // the backup API and keeps both. Freeing ours first and re-applying the pragmas after is right for either,
    // and never leaves a dangling or leaked statement.
    this.#freeStatements();
    this.#commitBatch();
    this.#vacuumIfMostlyFree();
    const bytes = this.#db.export();
    this.#applyPragmas();
    this.#beginBatch();
    // A random name, created exclusively: a link planted under a guessable name would be written through.
    const temp = path.join(this.#dir, `${DATABASE_FILE}.tmp-${randomBytes(8).toString('hex')}`);
    try {
      writeFileDurably(temp, bytes);
      fs.renameSync(temp, this.databasePath);
    } catch (error) {
      fs.rmSync(temp, { force: true });
      throw describeFileError(error, this.databasePath, 'save the session store');
    }
    fsyncDirectory(this.#dir);
    // Only now is the snapshot durable, so the journal prefix it contains can go.
    journal.reset(this.#clock.now());
    this.#dirty = false;
  }

  /**
   * SQLite keeps the pages of deleted rows in the file for reuse. A run's own pruning frees about what the next run
   * fills again, but pruning many sessions at once (a lowered limit, a store an older version let grow) would leave
   * the snapshot mostly empty pages (30 MB for 8 MB of data after 1,000 runs): compacted then, and only then.
   */
  #vacuumIfMostlyFree(): void {
    const pragma = (name: string): number => num(this.#db.exec(`PRAGMA ${name}`)[0]?.values[0]?.[0]);
    const free = pragma('freelist_count');
    const pages = pragma('page_count');
    if (free * 4 > pages && free * pragma('page_size') > VACUUM_MIN_FREE_BYTES) this.#db.exec('VACUUM');
  }

  /** Takes a snapshot `delayMs` from now, or sooner if one is already due sooner. */
  #scheduleSnapshot(delayMs = this.#debounceMs): void {
    if (this.#mode !== 'write' || this.#closed) return;
    const dueAt = Date.now() + delayMs;
    if (this.#timer) {
      // A time threshold, not a debounce: later changes never postpone a snapshot already due.
      if (this.#timerDueAt <= dueAt) return;
      clearTimeout(this.#timer);
    }
    this.#timerDueAt = dueAt;
    this.#timer = setTimeout(() => {
      this.#timer = null;
      try {
        this.#snapshot();
      } catch (error) {
        this.#warn(`Could not save ${this.databasePath} (no event was lost, they are in the journal): ${(error as Error).message}`);
      }
    }, delayMs);
    this.#timer.unref();
  }

  #cancelTimer(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
  }

  /** Settles once every event appended so far is on disk. */
  flushed(): Promise<void> {
    return this.#journal?.flushed() ?? Promise.resolve();
  }

  /** Final snapshot, then releases the lock. Safe to call twice. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#cancelTimer();
    if (this.#mode === 'write') {
      try {
        this.#snapshot();
      } catch (error) {
        this.#warn(`Could not save ${this.databasePath} at close (no event was lost, they are in the journal): ${(error as Error).message}`);
      }
      for (const id of this.#mySessions) this.#openSessions.delete(id);
    }
    this.#abandon();
  }

  // ---- reading -------------------------------------------------------------------------------------------

  /** All sessions, newest first. */
  listSessions(): SessionSummary[] {
    this.#writeStartedAgents();
    return this.#query(`SELECT ${SESSION_COLUMNS} FROM sessions ORDER BY started_at DESC, rowid DESC`).map((row) =>
      this.#toSummary(row),
    );
  }

  getSession(sessionId: string): SessionSummary | undefined {
    this.#writeStartedAgents();
    const row = this.#query(`SELECT ${SESSION_COLUMNS} FROM sessions WHERE session_id = ?`, [sessionId])[0];
    return row ? this.#toSummary(row) : undefined;
  }

  /** The stored events of a session, ordered by seq. */
  getEvents(sessionId: string): OrchestratorEvent[] {
    const events: OrchestratorEvent[] = [];
    for (const row of this.#query('SELECT seq, ts, type, payload FROM events WHERE session_id = ? ORDER BY seq', [sessionId])) {
      const seq = num(row[0]);
      // Validated before it was stored; a damaged row is skipped, the rest of the session still shows.
      const payload = this.#parseStoredJson(str(row[3]), 'events', `session ${sessionId} event ${seq} (${str(row[2])})`, (value) => typeof value === 'object' && value !== null);
      if (payload === undefined) continue;
      const event: unknown = { sessionId, seq, ts: num(row[1]), type: str(row[2]), payload };
      events.push(event as OrchestratorEvent);
    }
    return events;
  }

  /**
   * One JSON column of a stored row, or undefined (with a warning naming the table and row, once per store) when a
   * damaged byte made it unreadable: one bad row must not block every later run.
   */
  #parseStoredJson(text: string, table: string, row: string, valid: (value: unknown) => boolean): unknown {
    let problem: string;
    try {
      const value: unknown = JSON.parse(text);
      if (valid(value)) return value;
      problem = 'it does not have the stored shape';
    } catch (error) {
      problem = `it is not valid JSON (${(error as Error).message})`;
    }
    const key = `${table}\u0000${row}`;
    if (!this.#damagedRows.has(key)) {
      this.#damagedRows.add(key);
      this.#warn(`Skipped a damaged row of ${this.databasePath}: table ${table}, ${row}: ${problem}. Other rows are unaffected; to be rid of the warning, restore the file from a backup or move it aside to start a fresh store.`);
    }
    return undefined;
  }

  #toSummary(row: SqlValue[]): SessionSummary {
    const sessionId = str(row[0]);
    const startedAt = num(row[3]);
    const completedAt = numOrNull(row[4]);
    const stored = str(row[5]);
    let status: SessionSummary['status'];
    if (completedAt !== null && isRunStatus(stored)) status = stored;
    else if (this.#openSessions.has(sessionId)) status = 'running';
    // Another process is writing: what it started since it took the lock may still be running there.
    else if (this.#liveWriterSince !== null && startedAt >= this.#liveWriterSince) status = 'running';
    else status = 'interrupted';
    const success = numOrNull(row[6]);
    return {
      sessionId,
      request: str(row[1]),
      workspace: str(row[2]),
      startedAt,
      completedAt,
      status,
      success: success === null ? null : success !== 0,
      eventCount: num(row[7]),
      agents: parseStringArray(str(row[8])),
    };
  }

  recentExecutions(agent: string, limit: number): LearningRecord[] {
    const cached = this.#recentByAgent.get(agent);
    if (cached && cached.limit >= limit) return cached.records.slice(0, limit);
    const records = this.#readRecentExecutions(agent, limit);
    this.#recentByAgent.set(agent, { limit, records });
    return records.slice();
  }

  /** Keeps an agent's cached window current (newest first, same order as the SQL query). */
  #rememberExecution(record: LearningRecord): void {
    const cached = this.#recentByAgent.get(record.agent);
    if (!cached) return;
    const records = cached.records;
    let index = 0;
    while (index < records.length && (records[index] as LearningRecord).timestamp > record.timestamp) index++;
    records.splice(index, 0, record);
    if (records.length > cached.limit) records.length = cached.limit;
  }

  #readRecentExecutions(agent: string, limit: number): LearningRecord[] {
    // One row and one JSON.parse instead of `limit` of each: crossing out of wasm per row costs more than the query.
    const joined = this.#query(
      `SELECT '[' || group_concat(record, ',') || ']' FROM
         (SELECT record FROM executions WHERE agent = ? ORDER BY timestamp DESC LIMIT ?)`,
      [agent, limit],
    )[0]?.[0];
    if (typeof joined !== 'string') return [];
    let records: LearningRecord[];
    try {
      records = JSON.parse(joined) as LearningRecord[];
    } catch {
      records = this.#readExecutionsRowByRow(agent, limit);
    }
    // group_concat does not promise the subquery's order; a sort of `limit` items makes it certain.
    return records.sort((a, b) => b.timestamp - a.timestamp);
  }

  /** The slow path once the joined read failed: each row on its own, so a damaged one is named and skipped. */
  #readExecutionsRowByRow(agent: string, limit: number): LearningRecord[] {
    const records: LearningRecord[] = [];
    const rows = this.#query('SELECT session_id, seq, record FROM executions WHERE agent = ? ORDER BY timestamp DESC LIMIT ?', [agent, limit]);
    for (const row of rows) {
      const record = this.#parseStoredJson(str(row[2]), 'executions', `session ${str(row[0])} seq ${num(row[1])} (agent ${agent})`, (value) => LearningRecordSchema.safeParse(value).success);
      if (record !== undefined) records.push(record as LearningRecord);
    }
    return records;
  }

  /** Executions recorded, including those folded out of their agent's window. */
  executionCount(): number {
    this.#executionCount ??=
      num(this.#query('SELECT count(*) FROM executions')[0]?.[0] ?? 0) + num(this.#query('SELECT coalesce(sum(count), 0) FROM execution_history')[0]?.[0] ?? 0);
    return this.#executionCount;
  }

  foldedExecutions(agent: string): FoldedExecutions | null {
    const row = this.#query(
      `SELECT count, successes, sum_log_duration, sum_sq_log_duration, min_duration, max_duration, first_timestamp, last_timestamp
       FROM execution_history WHERE agent = ?`,
      [agent],
    )[0];
    if (!row) return null;
    return {
      count: num(row[0]),
      successes: num(row[1]),
      sumLogDuration: num(row[2]),
      sumSqLogDuration: num(row[3]),
      minDuration: num(row[4]),
      maxDuration: num(row[5]),
      firstTimestamp: num(row[6]),
      lastTimestamp: num(row[7]),
    };
  }

  /**
   * Keeps the newest maxExecutionsPerAgent executions of `agent` (the window the learning system reads) and folds
   * the older ones into its execution_history row. Derived from the executions alone, so replaying the journal
   * folds the same rows again.
   */
  #foldOldExecutions(agent: string): void {
    const max = this.#maxExecutionsPerAgent;
    if (max === null) return;
    const count = num(this.#query('SELECT count(*) FROM executions WHERE agent = ?', [agent])[0]?.[0]);
    if (count <= max) return;
    const oldest = this.#query(
      'SELECT session_id, seq, timestamp, success, duration FROM executions WHERE agent = ? ORDER BY timestamp, session_id, seq LIMIT ?',
      [agent, count - max],
    );
    let successes = 0;
    let sumLog = 0;
    let sumSqLog = 0;
    let minDuration = Number.POSITIVE_INFINITY;
    let maxDuration = 0;
    let first = Number.POSITIVE_INFINITY;
    let last = Number.NEGATIVE_INFINITY;
    for (const row of oldest) {
      const duration = Math.max(0, num(row[4]));
      const log = Math.log1p(duration);
      successes += num(row[3]) !== 0 ? 1 : 0;
      sumLog += log;
      sumSqLog += log * log;
      minDuration = Math.min(minDuration, duration);
      maxDuration = Math.max(maxDuration, duration);
      first = Math.min(first, num(row[2]));
      last = Math.max(last, num(row[2]));
      this.#run('DELETE FROM executions WHERE session_id = ? AND seq = ?', [str(row[0]), num(row[1])]);
      this.#dropUnreferencedPhases(str(row[0]));
    }
    this.#run(
      `INSERT INTO execution_history
         (agent, count, successes, sum_log_duration, sum_sq_log_duration, min_duration, max_duration, first_timestamp, last_timestamp)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (agent) DO UPDATE SET
         count = count + excluded.count, successes = successes + excluded.successes,
         sum_log_duration = sum_log_duration + excluded.sum_log_duration,
         sum_sq_log_duration = sum_sq_log_duration + excluded.sum_sq_log_duration,
         min_duration = min(min_duration, excluded.min_duration), max_duration = max(max_duration, excluded.max_duration),
         first_timestamp = min(first_timestamp, excluded.first_timestamp), last_timestamp = max(last_timestamp, excluded.last_timestamp)`,
      [agent, oldest.length, successes, sumLog, sumSqLog, minDuration, maxDuration, first, last],
    );
    // The cached window may hold a folded record when it was read with a larger limit.
    const cached = this.#recentByAgent.get(agent);
    if (cached && cached.limit > max) this.#recentByAgent.delete(agent);
  }

  phaseAgents(sessionId: string, phase: number): readonly string[] {
    const key = `${sessionId}\u0000${phase}`;
    const cached = this.#phaseAgents.get(key);
    if (cached !== undefined) return cached;
    const text = this.#query('SELECT agents FROM execution_phases WHERE session_id = ? AND phase = ?', [sessionId, phase])[0]?.[0];
    const agents = Object.freeze(text === undefined ? [] : parseStringArray(str(text)));
    // A query reads up to maxExecutionsPerAgent records, from as many sessions: keep about that many phases.
    if (this.#phaseAgents.size >= 512) this.#phaseAgents.delete(this.#phaseAgents.keys().next().value as string);
    this.#phaseAgents.set(key, agents);
    return agents;
  }

  /** One row per phase of the plan that has two agents or more: who runs alongside whom, stored once. */
  #storePhases(sessionId: string, planned: readonly { name: string; phase: number }[]): void {
    const byPhase = new Map<number, Set<string>>();
    for (const agent of planned) {
      let names = byPhase.get(agent.phase);
      if (!names) byPhase.set(agent.phase, (names = new Set()));
      names.add(agent.name);
    }
    for (const [phase, names] of byPhase) {
      if (names.size < 2) continue;
      this.#run(
        `INSERT INTO execution_phases (session_id, phase, agents) VALUES (?, ?, ?)
         ON CONFLICT (session_id, phase) DO UPDATE SET agents = excluded.agents`,
        [sessionId, phase, JSON.stringify([...names])],
      );
      this.#phaseAgents.delete(`${sessionId}\u0000${phase}`);
    }
  }

  /** A session's phases go once neither the session nor any of its executions is left to need them. */
  #dropUnreferencedPhases(sessionId: string): void {
    if (this.#query('SELECT 1 FROM sessions WHERE session_id = ?', [sessionId]).length > 0) return;
    if (this.#query('SELECT 1 FROM executions WHERE session_id = ? LIMIT 1', [sessionId]).length > 0) return;
    this.#run('DELETE FROM execution_phases WHERE session_id = ?', [sessionId]);
    for (const key of this.#phaseAgents.keys()) if (key.startsWith(`${sessionId}\u0000`)) this.#phaseAgents.delete(key);
  }

  agentsWithHistory(): string[] {
    this.#agents ??= new Set(this.#query('SELECT DISTINCT agent FROM executions').map((row) => str(row[0])));
    return [...this.#agents].sort();
  }

  sessionAgentSequences(limit: number): { sessionId: string; taskType: string; agents: string[]; success: boolean }[] {
    this.#writeStartedAgents();
    return this.#query(
      `SELECT session_id, task_type, agents, success FROM sessions WHERE completed_at IS NOT NULL
       ORDER BY started_at DESC, rowid DESC LIMIT ?`,
      [limit],
    ).map((row) => ({
      sessionId: str(row[0]),
      taskType: str(row[1]),
      agents: parseStringArray(str(row[2])),
      success: num(row[3]) !== 0,
    }));
  }

  patterns(): LearnedPattern[] {
    const patterns: LearnedPattern[] = [];
    for (const row of this.#query('SELECT id, pattern FROM patterns ORDER BY discovered_at, id')) {
      const pattern = this.#parseStoredJson(str(row[1]), 'patterns', `id ${str(row[0])}`, (value) => LearnedPatternSchema.safeParse(value).success);
      if (pattern !== undefined) patterns.push(pattern as LearnedPattern);
    }
    return patterns;
  }

  // ---- sql helpers ---------------------------------------------------------------------------------------

  #applyPragmas(): void {
    // The database lives in wasm memory; durability comes from the journal, so SQLite's own syncing is waste.
    // A 16 MB page cache (default 2 MB) keeps hot execution pages out of the slow MEMFS read path.
    this.#db.exec('PRAGMA journal_mode = MEMORY; PRAGMA synchronous = OFF; PRAGMA temp_store = MEMORY; PRAGMA cache_size = -16000;');
  }

  #freeStatements(): void {
    for (const statement of this.#statements.values()) statement.free();
    this.#statements.clear();
  }

  #statement(sql: string): Statement {
    let statement = this.#statements.get(sql);
    if (!statement) {
      statement = this.#db.prepare(sql);
      this.#statements.set(sql, statement);
    }
    return statement;
  }

  #run(sql: string, params: SqlValue[]): void {
    const statement = this.#statement(sql);
    try {
      statement.run(params);
    } finally {
      statement.reset();
    }
  }

  #query(sql: string, params: SqlValue[] = []): SqlValue[][] {
    if (this.#closed) throw new Error(`The session store ${this.#dir} is closed`);
    if (this.#dbOrNull === null) return [];
    const statement = this.#statement(sql);
    try {
      statement.bind(params);
      const rows: SqlValue[][] = [];
      while (statement.step()) rows.push(statement.get());
      return rows;
    } finally {
      statement.reset();
    }
  }

  #meta(key: string): string | undefined {
    const row = this.#query('SELECT value FROM meta WHERE key = ?', [key])[0];
    return row ? str(row[0]) : undefined;
  }

  #setMeta(key: string, value: string): void {
    this.#run('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value', [key, value]);
  }

  #warn(message: string): void {
    this.#warnings.push(message);
    this.#onWarning?.(message);
  }
}
