import { promises as fs } from 'node:fs';
import path from 'node:path';
import { ensureDirInside, escapeControl, realPathInside, removeLeftoverTempFiles, writeFileAtomicAsync } from '../../core/files/safeFiles';

/** Temp files older than this process cannot be a write of this process still in flight. */
const PROCESS_STARTED_MS = Date.now() - process.uptime() * 1000;
import { PathOutsideWorkspaceError, type WorkspaceFiles } from '../../core/ports';

/** Folders that hold dependencies, build output or our own data: never scanned. */
const SKIPPED_DIRECTORIES = new Set([
  'node_modules', '.git', '.hg', '.svn', 'dist', 'build', 'out', 'coverage', '.next', '.nuxt', 'vendor',
  '.agent-orchestrator', '.venv', 'venv', '__pycache__', 'target', '.scratch', '.vscode-test', '.cache',
]);

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

  async listFiles(options: { extensions?: readonly string[]; maxFiles?: number } = {}): Promise<string[]> {
    const maxFiles = options.maxFiles ?? 20_000;
    const extensions = options.extensions ? new Set(options.extensions.map((e) => e.toLowerCase())) : null;
    const found: string[] = [];
    const walk = async (directory: string): Promise<void> => {
      let entries: import('node:fs').Dirent[];
      try {
        entries = await fs.readdir(directory, { withFileTypes: true });
      } catch (error) {
        // Skipped, like editors do, but said: its files are missing from every scan of the run.
        this.#reportUnreadableFolder(directory, error);
        return;
      }
      entries.sort((a, b) => a.name.localeCompare(b.name));
      for (const entry of entries) {
        if (found.length >= maxFiles) return;
        const absolute = path.join(directory, entry.name);
        if (entry.isDirectory()) {
          if (!SKIPPED_DIRECTORIES.has(entry.name)) await walk(absolute);
        } else if (entry.isFile()) {
          if (extensions && !extensions.has(path.extname(entry.name).toLowerCase())) continue;
          found.push(path.relative(this.root, absolute).split(path.sep).join('/'));
        }
      }
    };
    await walk(this.root);
    return found.sort();
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

  async readFile(relativePath: string): Promise<string> {
    return fs.readFile(await this.#resolveReal(relativePath), 'utf8');
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

function isInside(root: string, candidate: string): boolean {
  const relative = path.relative(root, candidate);
  return relative === '' || (relative !== '..' && !relative.startsWith(`..${path.sep}`) && !path.isAbsolute(relative));
}

/** A path as text safe for a terminal: control characters escaped, never sent raw. */
function visible(text: string): string {
  return text.replace(/[\u0000-\u001f\u007f-\u009f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
