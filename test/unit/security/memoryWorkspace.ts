// An in-memory WorkspaceFiles for tests.
import type { WorkspaceFiles } from '../../../src/core/ports';

export class MemoryWorkspace implements WorkspaceFiles {
  readonly root = '/memory';
  readonly reads: string[] = [];
  private readonly files: Map<string, string>;

  constructor(files: Record<string, string>, private readonly onRead?: (file: string) => void) {
    this.files = new Map(Object.entries(files));
  }

  async listFiles(): Promise<string[]> {
    return [...this.files.keys()].sort();
  }

  async readFile(relativePath: string): Promise<string> {
    this.reads.push(relativePath);
    this.onRead?.(relativePath);
    const text = this.files.get(relativePath);
    if (text === undefined) throw new Error(`ENOENT: ${relativePath}`);
    return text;
  }

  async writeFile(relativePath: string, content: string): Promise<void> {
    this.files.set(relativePath, content);
  }

  async exists(relativePath: string): Promise<boolean> {
    return this.files.has(relativePath);
  }

  resolve(relativePath: string): string {
    return `${this.root}/${relativePath}`;
  }
}
