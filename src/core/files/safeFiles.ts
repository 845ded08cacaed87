// File access for everything the engine creates, writes or truncates. The workspace is treated as hostile: a
// cloned repository can plant symbolic links (or hard links) where we are about to write, so every writer goes
// through here: folders are created one component at a time and checked with lstat, files are opened without
// following a final symlink and checked with fstat, and temp files get random names and are created exclusively.
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';

/** Escapes control characters (and the escape character itself) so a path can never drive the terminal. */
export function escapeControl(text: string): string {
  return text.replace(/[\u0000-\u001f\u007f-\u009f\\]/g, (c) => (c === '\\' ? '\\\\' : `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`));
}

/** A path the engine refuses to use: a symbolic link, something other than a file or folder, or outside its root. */
export class UnsafePathError extends Error {
  readonly path: string;
  constructor(file: string, problem: string, advice: string) {
    super(`Refusing to use ${escapeControl(file)}: ${problem}. ${advice}`);
    this.name = 'UnsafePathError';
    this.path = file;
  }
}

/** A file system operation that failed for a reason the user can fix (permissions, full disk, not a folder). */
export class FileAccessError extends Error {
  readonly path: string;
  readonly code: string | undefined;
  constructor(file: string, action: string, code: string | undefined, advice: string) {
    super(`Cannot ${action} ${escapeControl(file)}${code ? ` (${code})` : ''}. ${advice}`);
    this.name = 'FileAccessError';
    this.path = file;
    this.code = code;
  }
}

function errnoOf(error: unknown): string | undefined {
  return (error as NodeJS.ErrnoException | null)?.code;
}

const ADVICE_BY_CODE: Record<string, string> = {
  EACCES: 'Permission denied: make it writable by this user, or use another workspace.',
  EPERM: 'Operation not permitted: make it writable by this user, or use another workspace.',
  EROFS: 'The file system is read-only: use a workspace on a writable disk.',
  ENOSPC: 'The disk is full: free some space and run again; nothing already saved was lost.',
  EDQUOT: 'The disk quota is exceeded: free some space and run again; nothing already saved was lost.',
  ENOTDIR: 'A part of the path is a file, not a folder: move that file away or choose another folder.',
  ENOENT: 'A folder on the way does not exist or cannot hold new folders: choose a folder that can be created.',
};

/**
 * Turns an errno failure on `file` into a FileAccessError that names the path and what to do; anything else
 * (our own typed errors, programming errors) is returned as it is.
 */
export function describeFileError(error: unknown, file: string, action: string): unknown {
  if (error instanceof UnsafePathError || error instanceof FileAccessError) return error;
  const code = errnoOf(error);
  if (code === undefined) return error;
  const advice = ADVICE_BY_CODE[code] ?? `${(error as Error).message.split(',')[0] ?? code}.`;
  return new FileAccessError(file, action, code, advice);
}

function isInsideLexically(root: string, candidate: string): boolean {
  const relative = path.relative(root, candidate);
  return relative === '' || (relative !== '..' && !relative.startsWith(`..${path.sep}`) && !path.isAbsolute(relative));
}

export function isInside(root: string, candidate: string): boolean {
  return isInsideLexically(path.resolve(root), path.resolve(candidate));
}

function lstatOrNull(file: string): fs.Stats | null {
  try {
    return fs.lstatSync(file);
  } catch (error) {
    if (errnoOf(error) === 'ENOENT') return null;
    throw describeFileError(error, file, 'inspect');
  }
}

function refuseSymlink(file: string): never {
  throw new UnsafePathError(file, 'it is a symbolic link', 'Remove the link and run again: the engine never follows one.');
}

/**
 * `target` (absolute, or relative to `root`) when it lies inside `root` with no symbolic link on the way from
 * `root` to it (the target itself included, when it exists); the parts that do not exist yet are fine.
 * `root` itself may be a link (the user chose it); everything below it is checked by lstat, not by its text.
 */
export function realPathInside(root: string, target: string): string {
  const base = path.resolve(root);
  const absolute = path.resolve(base, target);
  if (!isInsideLexically(base, absolute)) {
    throw new UnsafePathError(absolute, `it is outside ${escapeControl(base)}`, 'Use a path inside the workspace.');
  }
  let current = base;
  for (const part of path.relative(base, absolute).split(path.sep).filter((p) => p.length > 0)) {
    current = path.join(current, part);
    const stat = lstatOrNull(current);
    if (stat === null) return absolute;
    if (stat.isSymbolicLink()) refuseSymlink(current);
    if (current !== absolute && !stat.isDirectory()) {
      throw new FileAccessError(current, 'use', 'ENOTDIR', ADVICE_BY_CODE.ENOTDIR as string);
    }
  }
  return absolute;
}

function makeOneDirectory(dir: string): void {
  try {
    fs.mkdirSync(dir);
  } catch (error) {
    if (errnoOf(error) !== 'EEXIST') throw describeFileError(error, dir, 'create the folder');
  }
  const stat = lstatOrNull(dir);
  if (stat === null) throw new FileAccessError(dir, 'create the folder', 'ENOENT', ADVICE_BY_CODE.ENOENT as string);
  if (stat.isSymbolicLink()) refuseSymlink(dir);
  if (!stat.isDirectory()) throw new FileAccessError(dir, 'use', 'ENOTDIR', 'It is a file, not a folder: move it away or choose another folder.');
}

/**
 * Creates `dir` below `root` one folder at a time, refusing a symbolic link or a file anywhere below `root`.
 * Unlike a recursive mkdir it cannot loop (Node's does, on /proc-like paths), and it fails with the path.
 */
export function ensureDirInside(root: string, dir: string): string {
  const base = path.resolve(root);
  const absolute = realPathInside(base, dir);
  const rootStat = lstatOrNull(base);
  if (rootStat === null) ensureDir(base);
  let current = base;
  for (const part of path.relative(base, absolute).split(path.sep).filter((p) => p.length > 0)) {
    current = path.join(current, part);
    makeOneDirectory(current);
  }
  return absolute;
}

/**
 * Creates `dir` anywhere (a folder the user chose explicitly, so whatever of it exists is trusted): each missing
 * folder is created and checked in turn, so none of them can be a link planted meanwhile.
 */
export function ensureDir(dir: string): string {
  const absolute = path.resolve(dir);
  const missing: string[] = [];
  let current = absolute;
  for (;;) {
    const stat = lstatOrNull(current);
    if (stat !== null) {
      if (!fs.statSync(current, { throwIfNoEntry: false })?.isDirectory()) {
        throw new FileAccessError(current, 'use', 'ENOTDIR', 'It is a file, not a folder: move it away or choose another folder.');
      }
      break;
    }
    const parent = path.dirname(current);
    if (parent === current) break;
    missing.unshift(current);
    current = parent;
  }
  for (const folder of missing) makeOneDirectory(folder);
  return absolute;
}

/**
 * Creates `dir`: inside `workspaceRoot` with no link on the way (a cloned repository could plant one), elsewhere
 * (a folder the user named explicitly) checking only the folders it creates.
 */
export function ensureDirWithin(dir: string, workspaceRoot?: string): string {
  return workspaceRoot !== undefined && isInside(workspaceRoot, dir) ? ensureDirInside(workspaceRoot, dir) : ensureDir(dir);
}

const NOFOLLOW = fs.constants.O_NOFOLLOW ?? 0;

/**
 * Opens `file` without following a symbolic link (O_NOFOLLOW where the platform has it, and an lstat/fstat
 * identity check everywhere) and only when it is a regular file with one name: truncating a hard link would
 * change the file it shares its data with.
 */
export function openNoFollow(file: string, flags: number, mode = 0o644): number {
  const before = lstatOrNull(file);
  if (before?.isSymbolicLink()) refuseSymlink(file);
  const truncate = (flags & fs.constants.O_TRUNC) !== 0;
  let fd: number;
  try {
    // Truncated only once the checks below pass: O_TRUNC at open would already have emptied a shared file.
    fd = fs.openSync(file, (flags & ~fs.constants.O_TRUNC) | NOFOLLOW, mode);
  } catch (error) {
    if (errnoOf(error) === 'ELOOP' || errnoOf(error) === 'EMLINK') refuseSymlink(file);
    throw describeFileError(error, file, (flags & (fs.constants.O_WRONLY | fs.constants.O_RDWR)) === 0 ? 'read' : 'write');
  }
  try {
    const stat = fs.fstatSync(fd);
    if (!stat.isFile()) throw new UnsafePathError(file, 'it is not a regular file', 'Move it away and run again.');
    const writes = (flags & (fs.constants.O_WRONLY | fs.constants.O_RDWR)) !== 0;
    // A file renamed over this one between lstat and open (the store's own atomic snapshot does that while a
    // reader opens it) is harmless to read: O_NOFOLLOW already refused a link, and readers re-check what they
    // read. A write must land on the file that was checked, and so must any open where O_NOFOLLOW is missing.
    if (before !== null && (before.ino !== stat.ino || before.dev !== stat.dev) && (writes || NOFOLLOW === 0)) {
      throw new UnsafePathError(file, 'it was replaced while being opened', 'Make sure nothing else changes this folder, and run again.');
    }
    if (writes && stat.nlink > 1) {
      throw new UnsafePathError(file, 'it is a hard link shared with another file', 'Replace it with a plain copy, or remove it, and run again.');
    }
    if (truncate) fs.ftruncateSync(fd, 0);
    return fd;
  } catch (error) {
    fs.closeSync(fd);
    throw error;
  }
}

/** The contents of `file`, or null when it does not exist; refuses a symbolic link rather than reading through it. */
export function readFileNoFollow(file: string): Buffer | null {
  if (lstatOrNull(file) === null) return null;
  let fd: number;
  try {
    fd = openNoFollow(file, fs.constants.O_RDONLY);
  } catch (error) {
    if (errnoOf(error) === 'ENOENT') return null;
    throw error;
  }
  try {
    return fs.readFileSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

function writeAll(fd: number, bytes: Uint8Array): void {
  let written = 0;
  while (written < bytes.length) written += fs.writeSync(fd, bytes, written, bytes.length - written);
}

/**
 * A temp file name beside `target` that nobody can predict, so nobody can plant a link there in advance. Hidden and
 * marked as ours, so a leftover of a killed write (a copy of the new content) is recognised and removed later.
 */
export function tempNameFor(target: string): string {
  return path.join(path.dirname(target), `.${path.basename(target)}.agent-orchestrator-${randomBytes(8).toString('hex')}.tmp`);
}

/** Exactly the names tempNameFor makes, and nothing a user would name a file by chance. */
export const LEFTOVER_TEMP_NAME = /^\..+\.agent-orchestrator-[0-9a-f]{16}\.tmp$/;

/**
 * Removes the temp files of writes that were killed between the write and the rename, in `dir`: regular files
 * (never links) named exactly as tempNameFor names them, last modified before `olderThanMs` (so a write in flight
 * in this process is left alone). Returns the names removed; a folder that cannot be read is left as it is.
 */
export function removeLeftoverTempFiles(dir: string, olderThanMs: number): string[] {
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch {
    return [];
  }
  const removed: string[] = [];
  for (const name of names) {
    if (!LEFTOVER_TEMP_NAME.test(name)) continue;
    const file = path.join(dir, name);
    const stat = lstatOrNull(file);
    if (!stat?.isFile() || stat.mtimeMs >= olderThanMs) continue;
    try {
      fs.unlinkSync(file);
      removed.push(name);
    } catch {
      // Gone already, or not ours to remove: the next open tries again.
    }
  }
  return removed;
}

/**
 * Writes `content` to `file` (created if missing; replaced, or appended to with `append`) through a descriptor
 * that did not follow a link. For files written in place, such as the live log.
 */
export function writeFileNoFollow(file: string, content: string | Uint8Array, append = false): void {
  const flags = fs.constants.O_WRONLY | fs.constants.O_CREAT | (append ? fs.constants.O_APPEND : fs.constants.O_TRUNC);
  const fd = openNoFollow(file, flags);
  try {
    writeAll(fd, typeof content === 'string' ? Buffer.from(content, 'utf8') : content);
  } catch (error) {
    throw describeFileError(error, file, 'write');
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * Writes `content` to `target` (inside `root`, by real path) through a temp file with a random name, created
 * exclusively, fsynced and renamed over the target: readers never see half a file, and a planted link is neither
 * written through nor replaced. An existing target keeps its permissions.
 */
export function writeFileAtomicInside(root: string, target: string, content: string | Uint8Array): string {
  const absolute = realPathInside(root, target);
  return writeFileAtomic(absolute, content);
}

/**
 * writeFileAtomicInside for a folder already checked (or chosen by the user): only the file itself is checked.
 * `durable: false` skips the fsync, for views rebuilt from the journal (a dashboard), where it costs more than it saves.
 */
export function writeFileAtomic(target: string, content: string | Uint8Array, options: { durable?: boolean } = {}): string {
  const absolute = path.resolve(target);
  const existing = lstatOrNull(absolute);
  if (existing?.isSymbolicLink()) refuseSymlink(absolute);
  if (existing !== null && !existing.isFile()) throw new UnsafePathError(absolute, 'it is not a regular file', 'Move it away and run again.');
  const temp = tempNameFor(absolute);
  let fd: number;
  try {
    fd = fs.openSync(temp, fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_EXCL | NOFOLLOW, existing ? existing.mode & 0o7777 : 0o644);
  } catch (error) {
    throw describeFileError(error, absolute, 'write');
  }
  try {
    try {
      writeAll(fd, typeof content === 'string' ? Buffer.from(content, 'utf8') : content);
      if (existing) fs.fchmodSync(fd, existing.mode & 0o7777);
      if (options.durable ?? true) fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(temp, absolute);
  } catch (error) {
    fs.rmSync(temp, { force: true });
    throw describeFileError(error, absolute, 'write');
  }
  return absolute;
}

/** writeFileAtomic without blocking the event loop (the extension host and parallel agents share it). */
export async function writeFileAtomicAsync(target: string, content: string | Uint8Array): Promise<string> {
  const absolute = path.resolve(target);
  const existing = await fs.promises.lstat(absolute).catch((error: unknown) => {
    if (errnoOf(error) === 'ENOENT') return null;
    throw describeFileError(error, absolute, 'inspect');
  });
  if (existing?.isSymbolicLink()) refuseSymlink(absolute);
  if (existing && !existing.isFile()) throw new UnsafePathError(absolute, 'it is not a regular file', 'Move it away and run again.');
  const temp = tempNameFor(absolute);
  let handle: fs.promises.FileHandle;
  try {
    handle = await fs.promises.open(temp, fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_EXCL | NOFOLLOW, existing ? existing.mode & 0o7777 : 0o644);
  } catch (error) {
    throw describeFileError(error, absolute, 'write');
  }
  try {
    try {
      await handle.writeFile(content);
      if (existing) await handle.chmod(existing.mode & 0o7777);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await fs.promises.rename(temp, absolute);
  } catch (error) {
    await fs.promises.rm(temp, { force: true });
    throw describeFileError(error, absolute, 'write');
  }
  return absolute;
}
