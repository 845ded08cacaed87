// A minimal WorkspaceFiles over node:fs, for tests only.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { PathOutsideWorkspaceError, type WorkspaceFiles } from '../../../src/core/ports';

const SKIPPED_DIRS = new Set(['node_modules', '.git', 'dist', 'out', 'build', 'coverage']);

export class NodeWorkspace implements WorkspaceFiles {
  readonly root: string;

  constructor(root: string) {
    this.root = path.resolve(root);
  }

  async listFiles(options: { extensions?: readonly string[]; maxFiles?: number } = {}): Promise<string[]> {
    const found: string[] = [];
    const walk = async (dir: string): Promise<void> => {
      for (const entry of await fs.readdir(dir, { withFileTypes: true })) {
        const full = path.join(dir, entry.name);
        if (entry.isDirectory()) {
          if (!SKIPPED_DIRS.has(entry.name)) await walk(full);
        } else if (!options.extensions || options.extensions.some((ext) => entry.name.endsWith(ext))) {
          found.push(path.relative(this.root, full).split(path.sep).join('/'));
        }
      }
    };
    await walk(this.root);
    found.sort();
    return options.maxFiles === undefined ? found : found.slice(0, options.maxFiles);
  }

  readFile(relativePath: string): Promise<string> {
    return fs.readFile(this.resolve(relativePath), 'utf8');
  }

  async writeFile(relativePath: string, content: string): Promise<void> {
    const full = this.resolve(relativePath);
    await fs.mkdir(path.dirname(full), { recursive: true });
    await fs.writeFile(full, content, 'utf8');
  }

  async exists(relativePath: string): Promise<boolean> {
    try {
      await fs.access(this.resolve(relativePath));
      return true;
    } catch {
      return false;
    }
  }

  resolve(relativePath: string): string {
    const full = path.resolve(this.root, relativePath);
    const inside = path.relative(this.root, full);
    if (inside.startsWith('..') || path.isAbsolute(inside)) throw new PathOutsideWorkspaceError(relativePath, this.root);
    return full;
  }
}
