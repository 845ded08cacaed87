import path from 'node:path';
import { FileTooLargeError, type ListExclusion, type WorkspaceFiles } from '../ports';

/**
 * The run's view of the workspace. Writes land in memory, and on disk too only when the run applies changes,
 * so a dry run can still be validated and summarised against the proposed files.
 */
export class OverlayWorkspace implements WorkspaceFiles {
  readonly #base: WorkspaceFiles;
  readonly #apply: boolean;
  /** Proposed contents by absolute path, so every spelling of a path (./a, src//a, x/../a) finds the same entry. */
  readonly #pending = new Map<string, string>();

  constructor(base: WorkspaceFiles, apply: boolean) {
    this.#base = base;
    this.#apply = apply;
  }

  get root(): string {
    return this.#base.root;
  }

  /** Files changed in this run (applied or proposed), workspace-relative. */
  get changedFiles(): string[] {
    return [...this.#pending.keys()].map((absolute) => this.#relative(absolute)).sort();
  }

  async listFiles(options?: { extensions?: readonly string[]; maxFiles?: number; onExcluded?: (path: string, why: ListExclusion) => void }): Promise<string[]> {
    const listed = await this.#base.listFiles(options);
    const extensions = options?.extensions ? new Set(options.extensions.map((e) => e.toLowerCase())) : null;
    // Files this run created exist for the run even when they were not written to disk.
    const created = this.changedFiles.filter((file) => !extensions || extensions.has(path.extname(file).toLowerCase()));
    const all = [...new Set([...listed, ...created])].sort();
    return options?.maxFiles === undefined ? all : all.slice(0, options.maxFiles);
  }

  async readFile(relativePath: string, options?: { maxBytes?: number }): Promise<string> {
    const pending = this.#pending.get(this.#base.resolve(relativePath));
    if (pending === undefined) return this.#base.readFile(relativePath, options);
    const size = Buffer.byteLength(pending, 'utf8');
    if (options?.maxBytes !== undefined && size > options.maxBytes) throw new FileTooLargeError(relativePath, size, options.maxBytes);
    return pending;
  }

  async writeFile(relativePath: string, content: string): Promise<void> {
    const absolute = this.#base.resolve(relativePath);
    if (this.#apply) await this.#base.writeFile(relativePath, content);
    this.#pending.set(absolute, content);
  }

  async exists(relativePath: string): Promise<boolean> {
    return this.#pending.has(this.#base.resolve(relativePath)) || this.#base.exists(relativePath);
  }

  resolve(relativePath: string): string {
    return this.#base.resolve(relativePath);
  }

  #relative(absolute: string): string {
    return path.relative(this.#base.root, absolute).split(path.sep).join('/');
  }
}
