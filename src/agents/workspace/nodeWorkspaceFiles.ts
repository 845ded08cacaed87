import { promises as fs } from 'node:fs';
import path from 'node:path';
import ignore, { type Ignore } from 'ignore';
import { ensureDirInside, escapeControl, realPathInside, removeLeftoverTempFiles, writeFileAtomicAsync } from '../../core/files/safeFiles';

/** Temp files older than this process cannot be a write of this process still in flight. */
const PROCESS_STARTED_MS = Date.now() - process.uptime() * 1000;
import { FileTooLargeError, PathOutsideWorkspaceError, type ListExclusion, type WorkspaceFiles } from '../../core/ports';

/** Folders that hold dependencies, tools' data or our own: never listed, and too ordinary to mention. */
const UNLISTED_DIRECTORIES = new Set([
  'node_modules', 'bower_components', 'jspm_packages', '.git', '.hg', '.svn', '.agent-orchestrator', '.venv', 'venv',
  '__pycache__', 'target', '.scratch', '.vscode-test', '.cache',
]);
/** Folders of generated or third-party code: never listed, and said (a user may wonder why a file was not checked). */
const EXCLUDED_DIRECTORIES: ReadonlyMap<string, ListExclusion> = new Map([
  ...['dist', 'build', 'out', 'coverage', '.next', '.nuxt', '.output', '.svelte-kit', '.turbo', '.vercel'].map((name) => [name, 'build-output'] as const),
  ...['vendor', 'vendors', 'third_party', 'third-party'].map((name) => [name, 'vendored'] as const),
]);
/** A hostile workspace could hold a huge .gitignore; real ones are a few KB. */
const MAX_GITIGNORE_BYTES = 256 * 1024;

/** The `.gitignore` of one folder: its rules match paths relative to that folder. */
interface IgnoreRules {
  base: string;
  rules: Ignore;
}

/** WorkspaceFiles over the real file system, confined to `root`. */
export class NodeWorkspaceFiles implements WorkspaceFiles {
  readonly root: string;
  readonly #onWarning: ((message: string) => void) | undefined;
  /** Folders already reported as unreadable: every agent lists the workspace, the user hears it once. */
  readonly #reportedFolders = new Set<string>();
  /** Folders already cleared of interrupted writes' temp files. */
  readonly #swept = new Set<string>();

  constructor(root: string, options: { onWarning?: (message: string) => void } = {}) {
    this.root = path.resolve(root);
    this.#onWarning = options.onWarning;
  }

  resolve(relativePath: string): string {
    const absolute = path.resolve(this.root, relativePath);
    if (!isInside(this.root, absolute)) throw new PathOutsideWorkspaceError(relativePath, this.root);
    return absolute;
  }

  /** Like resolve, and also refuses a path that leaves the workspace through a symbolic link. */
  async #resolveReal(relativePath: string): Promise<string> {
    const absolute = this.resolve(relativePath);
    const realRoot = await fs.realpath(this.root).catch(() => this.root);
    // The file may not exist yet (a write): check the nearest existing ancestor instead.
    let existing = absolute;
    for (;;) {
      const real = await fs.realpath(existing).catch(() => null);
      if (real !== null) {
        if (!isInside(realRoot, real)) throw new PathOutsideWorkspaceError(relativePath, this.root);
        return absolute;
      }
      const parent = path.dirname(existing);
      if (parent === existing) return absolute;
      existing = parent;
    }
  }

  async listFiles(options: { extensions?: readonly string[]; maxFiles?: number; onExcluded?: (path: string, why: ListExclusion) => void } = {}): Promise<string[]> {
    const maxFiles = options.maxFiles ?? 20_000;
    const extensions = options.extensions ? new Set(options.extensions.map((e) => e.toLowerCase())) : null;
    const found: string[] = [];
    const walk = async (directory: string, inherited: readonly IgnoreRules[]): Promise<void> => {
      let entries: import('node:fs').Dirent[];
      try {
        entries = await fs.readdir(directory, { withFileTypes: true });
      } catch (error) {
        // Skipped, like editors do, but said: its files are missing from every scan of the run.
        this.#reportUnreadableFolder(directory, error);
        return;
      }
      entries.sort((a, b) => a.name.localeCompare(b.name));
      const own = entries.some((entry) => entry.name === '.gitignore' && entry.isFile()) ? await this.#readIgnoreRules(directory) : undefined;
      const rules = own ? [...inherited, own] : inherited;
      for (const entry of entries) {
        if (found.length >= maxFiles) return;
        const absolute = path.join(directory, entry.name);
        const relative = path.relative(this.root, absolute).split(path.sep).join('/');
        if (entry.isDirectory()) {
          if (UNLISTED_DIRECTORIES.has(entry.name)) continue;
          const excluded = EXCLUDED_DIRECTORIES.get(entry.name) ?? (isIgnored(rules, absolute, true) ? 'gitignored' : undefined);
          if (excluded) options.onExcluded?.(`${relative}/`, excluded);
          else await walk(absolute, rules);
        } else if (entry.isFile()) {
          if (extensions && !extensions.has(path.extname(entry.name).toLowerCase())) continue;
          if (isIgnored(rules, absolute, false)) options.onExcluded?.(relative, 'gitignored');
          else found.push(relative);
        }
      }
    };
    await walk(this.root, []);
    return found.sort();
  }

  /** A folder's .gitignore; unreadable or oversized ones are skipped (said once), so listing never fails on them. */
  async #readIgnoreRules(directory: string): Promise<IgnoreRules | undefined> {
    const file = path.join(directory, '.gitignore');
    try {
      const stat = await fs.lstat(file);
      if (!stat.isFile()) return undefined;
      if (stat.size > MAX_GITIGNORE_BYTES) {
        this.#onWarning?.(`Did not apply ${visible(path.relative(this.root, file))}: it is ${stat.size} bytes, over ${MAX_GITIGNORE_BYTES}`);
        return undefined;
      }
      return { base: directory, rules: ignore().add(await fs.readFile(file, 'utf8')) };
    } catch {
      return undefined;
    }
  }

  #reportUnreadableFolder(directory: string, error: unknown): void {
    const relative = path.relative(this.root, directory).split(path.sep).join('/') || '.';
    if (this.#reportedFolders.has(relative)) return;
    this.#reportedFolders.add(relative);
    const code = (error as NodeJS.ErrnoException).code ?? (error instanceof Error ? error.message : String(error));
    this.#onWarning?.(
      `Skipped the folder ${visible(relative)} of ${visible(this.root)}: it cannot be read (${code}), so its files are not checked. Give your user read access to it, or move it out of the workspace.`,
    );
  }

  async readFile(relativePath: string, options: { maxBytes?: number } = {}): Promise<string> {
    const handle = await fs.open(await this.#resolveReal(relativePath), 'r');
    try {
      // The size comes from the open file, so a file swapped after the check cannot be read whole unbounded.
      const { size } = await handle.stat();
      if (options.maxBytes !== undefined && size > options.maxBytes) throw new FileTooLargeError(relativePath, size, options.maxBytes);
      if (options.maxBytes === undefined) return await handle.readFile('utf8');
      const buffer = Buffer.alloc(Math.min(size, options.maxBytes) + 1);
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, 0);
      if (bytesRead > options.maxBytes) throw new FileTooLargeError(relativePath, bytesRead, options.maxBytes);
      return buffer.subarray(0, bytesRead).toString('utf8');
    } finally {
      await handle.close();
    }
  }

  async writeFile(relativePath: string, content: string): Promise<void> {
    const target = await this.#resolveReal(relativePath);
    // No link anywhere below the root, the file included: a write never lands outside or replaces a link.
    ensureDirInside(this.root, path.dirname(target));
    const real = realPathInside(this.root, target);
    this.#sweepLeftovers(path.dirname(real));
    // Beside and renamed, so a crash never leaves a half-written source file; the temp name is random.
    await writeFileAtomicAsync(real, content);
  }

  /** Once per folder: a write killed before its rename (in an earlier process) left a copy of its content here. */
  #sweepLeftovers(dir: string): void {
    if (this.#swept.has(dir)) return;
    this.#swept.add(dir);
    const removed = removeLeftoverTempFiles(dir, PROCESS_STARTED_MS);
    if (removed.length > 0) this.#onWarning?.(`Removed ${removed.length} temp file(s) left by an interrupted write in ${path.relative(this.root, dir) || '.'}: ${removed.map(escapeControl).join(', ')}`);
  }

  async exists(relativePath: string): Promise<boolean> {
    try {
      await fs.access(await this.#resolveReal(relativePath));
      return true;
    } catch (error) {
      if (error instanceof PathOutsideWorkspaceError) throw error;
      return false;
    }
  }
}

/**
 * Git's answer for one path: the deepest .gitignore that says anything about it wins (so a nested `!keep.js` re-includes
 * what a parent ignored). Ancestors already ignored are never walked, as in git.
 */
function isIgnored(rules: readonly IgnoreRules[], absolute: string, isDirectory: boolean): boolean {
  for (let index = rules.length - 1; index >= 0; index -= 1) {
    const { base, rules: matcher } = rules[index] as IgnoreRules;
    const relative = path.relative(base, absolute).split(path.sep).join('/');
    const verdict = matcher.test(isDirectory ? `${relative}/` : relative);
    if (verdict.ignored) return true;
    if (verdict.unignored) return false;
  }
  return false;
}

function isInside(root: string, candidate: string): boolean {
  const relative = path.relative(root, candidate);
  return relative === '' || (relative !== '..' && !relative.startsWith(`..${path.sep}`) && !path.isAbsolute(relative));
}

/** A path as text safe for a terminal: control characters escaped, never sent raw. */
function visible(text: string): string {
  return text.replace(/[\u0000-\u001f\u007f-\u009f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
