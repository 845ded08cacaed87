// The append-only NDJSON journal: every event (and every store operation) is written here and made durable (group
// commit: one fdatasync per batch, off the event loop) before it is acknowledged; a snapshot of the database later makes the journal's prefix redundant.
import { randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import { z } from 'zod';
import { describeFileError, openNoFollow } from '../files/safeFiles';
import { OrchestratorEventSchema, type OrchestratorEvent } from '../protocol/events';
import { describeIssues } from '../protocol/validation';

/** Store operations that are not events; journaled so that replay reproduces them in order. */
export const JournalOpSchema = z.discriminatedUnion('op', [
  z.object({ op: z.literal('clearLearnings'), ts: z.number() }),
  z.object({ op: z.literal('deletePatterns'), ts: z.number(), ids: z.array(z.string()).nullable() }),
  // The exact ids deleted are recorded so replay does not depend on what was running at the time.
  z.object({ op: z.literal('pruneSessions'), ts: z.number(), completedBefore: z.number(), sessionIds: z.array(z.string()) }),
]);
export type JournalOp = z.output<typeof JournalOpSchema>;

export type JournalEntry = { kind: 'event'; event: OrchestratorEvent } | { kind: 'op'; op: JournalOp };

export interface ParsedJournal {
  /** Id from the header line; a snapshot records it to know which prefix of this journal it already contains. */
  journalId: string | null;
  /**
   * When the header says this generation was started right after a snapshot was saved: the journal then holds only
   * what came after it, and without the database file the older history is gone. Null for a first or older journal.
   */
  followsSnapshotOf: number | null;
  entries: { line: number; end: number; entry: JournalEntry }[];
  /** Bytes up to the end of the last complete line; anything after it was never acknowledged. */
  validLength: number;
  totalLength: number;
  warnings: string[];
}

const NEWLINE = 0x0a;

function snapshotTimeOf(header: unknown): number | null {
  if (typeof header !== 'object' || header === null) return null;
  const value = header as Record<string, unknown>;
  return value['afterSnapshot'] === true && typeof value['createdAt'] === 'number' ? value['createdAt'] : null;
}

function headerIdOf(value: unknown): string | null {
  if (typeof value !== 'object' || value === null) return null;
  const id = (value as Record<string, unknown>)['journal'];
  return typeof id === 'string' && id.length > 0 ? id : null;
}

/**
 * Splits journal bytes into entries. A torn tail (an unterminated last line, or trailing lines that are not JSON,
 * as a crash mid-write leaves) is excluded from validLength; a bad line in the middle is skipped with a warning.
 */
export function parseJournal(bytes: Uint8Array, journalPath: string): ParsedJournal {
  const decoder = new TextDecoder('utf-8', { fatal: false });
  const lines: { line: number; start: number; end: number; value: unknown; json: boolean }[] = [];
  let start = 0;
  let lineNo = 0;
  while (start < bytes.length) {
    const newline = bytes.indexOf(NEWLINE, start);
    if (newline < 0) break; // unterminated: torn
    lineNo++;
    const text = decoder.decode(bytes.subarray(start, newline)).trim();
    let value: unknown = undefined;
    let json = false;
    if (text.length > 0) {
      try {
        value = JSON.parse(text);
        json = true;
      } catch {
        json = false;
      }
    }
    lines.push({ line: lineNo, start, end: newline + 1, value, json: json || text.length === 0 });
    start = newline + 1;
  }
  // Trailing complete lines that are not JSON count as torn too (e.g. zero-filled blocks after a power loss).
  let lastGood = lines.length - 1;
  while (lastGood >= 0 && !(lines[lastGood] as { json: boolean }).json) lastGood--;
  const kept = lines.slice(0, lastGood + 1);
  const warnings: string[] = [];
  const tornComplete = lines.length - kept.length;
  if (tornComplete > 0) {
    warnings.push(`Dropped ${tornComplete} unreadable line(s) at the end of ${journalPath} (from line ${lines[kept.length]?.line}); they were never acknowledged.`);
  }
  const validLength = kept.length > 0 ? (kept[kept.length - 1] as { end: number }).end : 0;

  let journalId: string | null = null;
  let followsSnapshotOf: number | null = null;
  const entries: ParsedJournal['entries'] = [];
  for (const [index, item] of kept.entries()) {
    if (item.value === undefined && item.json) continue; // blank line
    if (!item.json) {
      warnings.push(`Skipped line ${item.line} of ${journalPath}: not valid JSON.`);
      continue;
    }
    if (index === 0 && headerIdOf(item.value) !== null) {
      journalId = headerIdOf(item.value);
      followsSnapshotOf = snapshotTimeOf(item.value);
      continue;
    }
    const isOp = typeof item.value === 'object' && item.value !== null && 'op' in item.value;
    if (isOp) {
      const op = JournalOpSchema.safeParse(item.value);
      if (op.success) entries.push({ line: item.line, end: item.end, entry: { kind: 'op', op: op.data } });
      else warnings.push(`Skipped line ${item.line} of ${journalPath}: invalid operation (${describe(op.error)}).`);
      continue;
    }
    const event = OrchestratorEventSchema.safeParse(item.value);
    if (event.success) entries.push({ line: item.line, end: item.end, entry: { kind: 'event', event: event.data } });
    else warnings.push(`Skipped line ${item.line} of ${journalPath}: invalid event (${describe(event.error)}).`);
  }
  return { journalId, followsSnapshotOf, entries, validLength, totalLength: bytes.length, warnings };
}

function describe(error: z.ZodError): string {
  return describeIssues(error)
    .slice(0, 3)
    .map((i) => (i.path ? `${i.path}: ${i.message}` : i.message))
    .join('; ');
}

function writeFully(fd: number, data: Uint8Array, position: number): void {
  let written = 0;
  while (written < data.length) {
    written += fs.writeSync(fd, data, written, data.length - written, position + written);
  }
}

function syncError(error: unknown, path: string): Error {
  const described = describeFileError(error, path, 'sync the journal');
  return described instanceof Error ? described : new Error(String(described));
}

interface Batch {
  promise: Promise<void>;
  resolve: () => void;
  reject: (error: Error) => void;
}

function newBatch(): Batch {
  let resolve!: () => void;
  let reject!: (error: Error) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  // A caller that drops the promise must not crash the process on an unhandled rejection: the failure is sticky
  // and the next append throws it.
  promise.catch(() => {});
  return { promise, resolve, reject };
}

/**
 * The writer's handle on the journal. Lines are written to the file at once (a full disk throws right there), and
 * made durable by group commit: one fdatasync, off the event loop, covers every line written before it started.
 * append() returns a promise that settles once its line is on disk; only then may it be acknowledged.
 */
export class JournalWriter {
  readonly #fd: number;
  readonly #path: string;
  #size: number;
  #id: string | null;
  #closed = false;
  /** Lines written since the last fdatasync started; settled by the next one. */
  #pending: Batch | null = null;
  /** The batch whose fdatasync is running on the thread pool. */
  #syncing: Batch | null = null;
  #syncScheduled = false;
  /** Set once an fdatasync failed: what was written since may not be on disk, so nothing more is accepted. */
  #failure: Error | null = null;
  /** fdatasync calls made, for the bench and tests that show batching. */
  #syncs = 0;

  private constructor(fd: number, path: string, size: number, id: string | null) {
    this.#fd = fd;
    this.#path = path;
    this.#size = size;
    this.#id = id;
  }

  /** Opens (creating if missing) the journal, cuts it to `validLength`, and starts it with a header if empty. */
  static open(path: string, validLength: number, id: string | null, now: number): JournalWriter {
    // Never through a planted link: truncating it would wipe whatever file it points to.
    const fd = openNoFollow(path, fs.constants.O_RDWR | fs.constants.O_CREAT, 0o644);
    try {
      const size = fs.fstatSync(fd).size;
      const writer = new JournalWriter(fd, path, size, id);
      if (size !== validLength) {
        fs.ftruncateSync(fd, validLength);
        fs.fsyncSync(fd);
        writer.#size = validLength;
      }
      if (writer.#size === 0) writer.#writeHeader(now);
      return writer;
    } catch (error) {
      fs.closeSync(fd);
      throw describeFileError(error, path, 'write the journal');
    }
  }

  /** Bytes in the journal, i.e. the offset a snapshot taken now covers. */
  get size(): number {
    return this.#size;
  }

  get id(): string | null {
    return this.#id;
  }

  get syncCount(): number {
    return this.#syncs;
  }

  /**
   * Writes one line (with its newline) and returns a promise settled once it is on disk. Throws at once when the
   * write itself fails (e.g. a full disk), with nothing of the line left in the file.
   */
  appendLine(line: string): Promise<void> {
    if (this.#closed) throw new Error('The journal is closed');
    if (this.#failure) throw this.#failure;
    const bytes = Buffer.from(line, 'utf8');
    try {
      writeFully(this.#fd, bytes, this.#size);
    } catch (error) {
      // Cut off whatever part of the line reached the file, so the next line does not glue onto it.
      try {
        fs.ftruncateSync(this.#fd, this.#size);
      } catch {
        // The replay will drop a torn line anyway.
      }
      throw describeFileError(error, this.#path, 'append to the journal');
    }
    this.#size += bytes.length;
    this.#pending ??= newBatch();
    this.#scheduleSync();
    return this.#pending.promise;
  }

  /** Settles once everything appended so far is on disk (rejects if that failed). */
  flushed(): Promise<void> {
    return (this.#pending ?? this.#syncing)?.promise ?? (this.#failure ? Promise.reject(this.#failure) : Promise.resolve());
  }

  /** Makes everything appended so far durable now, on this thread (for close and snapshots). */
  flushSync(): void {
    const batch = this.#pending;
    if (!batch || this.#closed) return;
    this.#pending = null;
    try {
      fs.fdatasyncSync(this.#fd);
      this.#syncs++;
    } catch (error) {
      this.#fail(batch, error);
      throw this.#failure;
    }
    batch.resolve();
  }

  #scheduleSync(): void {
    if (this.#syncScheduled || this.#syncing) return;
    this.#syncScheduled = true;
    // One turn of the event loop first: every event emitted in this turn shares the fdatasync.
    setImmediate(() => {
      this.#syncScheduled = false;
      this.#startSync();
    });
  }

  #startSync(): void {
    const batch = this.#pending;
    if (!batch || this.#syncing || this.#closed) return;
    this.#pending = null;
    this.#syncing = batch;
    fs.fdatasync(this.#fd, (error) => {
      this.#syncing = null;
      if (this.#closed) return; // close() synced and settled this batch itself
      this.#syncs++;
      if (error) {
        this.#fail(batch, error);
        return;
      }
      batch.resolve();
      if (this.#pending) this.#scheduleSync();
    });
  }

  #fail(batch: Batch, error: unknown): void {
    const failure = syncError(error, this.#path);
    this.#failure = failure;
    batch.reject(failure);
    // Lines written after the failed sync may be lost with it: they are not acknowledged either.
    this.#pending?.reject(failure);
    this.#pending = null;
  }

  /** Empties the journal and starts a new generation. Call only once a snapshot covering it is durable. */
  reset(now: number): void {
    this.#id = null; // until the new header is on disk
    fs.ftruncateSync(this.#fd, 0);
    this.#size = 0;
    this.#writeHeader(now, true);
    // Lines still waiting for their fdatasync are in the snapshot, which is on disk: they are durable.
    this.#pending?.resolve();
    this.#pending = null;
  }

  #writeHeader(now: number, afterSnapshot = false): void {
    this.#id = randomUUID();
    const line = `${JSON.stringify(afterSnapshot ? { journal: this.#id, createdAt: now, afterSnapshot } : { journal: this.#id, createdAt: now })}\n`;
    const bytes = Buffer.from(line, 'utf8');
    writeFully(this.#fd, bytes, 0);
    fs.fsyncSync(this.#fd);
    this.#size = bytes.length;
  }

  /** Makes what is still waiting durable, then closes the file. */
  close(): void {
    if (this.#closed) return;
    const waiting = [this.#pending, this.#syncing].filter((batch): batch is Batch => batch !== null);
    let failure: Error | null = null;
    if (waiting.length > 0) {
      try {
        fs.fdatasyncSync(this.#fd);
        this.#syncs++;
      } catch (error) {
        failure = syncError(error, this.#path);
      }
    }
    this.#closed = true;
    this.#pending = null;
    // An fdatasync still running on the thread pool settles nothing now: these batches are settled here.
    for (const batch of waiting) {
      if (failure) batch.reject(failure);
      else batch.resolve();
    }
    fs.closeSync(this.#fd);
  }
}
