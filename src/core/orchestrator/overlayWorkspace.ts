import type { WorkspaceFiles } from '../ports';

/**
 * The run's view of the workspace. Writes land in memory, and on disk too only when the run applies changes,
 * so a dry run can still be validated and summarised against the proposed files.
 */
export class OverlayWorkspace implements WorkspaceFiles {
  readonly #base: WorkspaceFiles;
  readonly #apply: boolean;
  readonly #pending = new Map<string, string>();

  constructor(base: WorkspaceFiles, apply: boolean) {
    this.#base = base;
    this.#apply = apply;
  }

  get root(): string {
    return this.#base.root;
  }

  /** Files changed in this run (applied or proposed). */
  get changedFiles(): string[] {
    return [...this.#pending.keys()].sort();
  }

  listFiles(options?: { extensions?: readonly string[]; maxFiles?: number }): Promise<string[]> {
    return this.#base.listFiles(options);
  }

  async readFile(relativePath: string): Promise<string> {
    this.#base.resolve(relativePath);
    const pending = this.#pending.get(normalize(relativePath));
    return pending ?? this.#base.readFile(relativePath);
  }

  async writeFile(relativePath: string, content: string): Promise<void> {
    this.#base.resolve(relativePath);
    if (this.#apply) await this.#base.writeFile(relativePath, content);
    this.#pending.set(normalize(relativePath), content);
  }

  async exists(relativePath: string): Promise<boolean> {
    return this.#pending.has(normalize(relativePath)) || this.#base.exists(relativePath);
  }

  resolve(relativePath: string): string {
    return this.#base.resolve(relativePath);
  }
}

function normalize(relativePath: string): string {
  return relativePath.replace(/\\/g, '/').replace(/^\.\//, '');
}
