import { strict as assert } from 'node:assert';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync, existsSync } from 'node:fs';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { NodeWorkspaceFiles } from '../../../src/agents/workspace/nodeWorkspaceFiles';
import { PathOutsideWorkspaceError } from '../../../src/core/ports';

describe('NodeWorkspaceFiles', () => {
  let base: string;
  let root: string;
  let outside: string;
  beforeEach(() => {
    base = mkdtempSync(path.join(os.tmpdir(), 'ao-ws-'));
    root = path.join(base, 'workspace');
    outside = path.join(base, 'outside');
    mkdirSync(path.join(root, 'src'), { recursive: true });
    mkdirSync(outside);
    writeFileSync(path.join(outside, 'secret.txt'), 'top secret');
    writeFileSync(path.join(root, '..config.js'), 'module.exports = {};');
    writeFileSync(path.join(root, 'src', 'a.ts'), 'export const a = 1;');
    symlinkSync(outside, path.join(root, 'link'));
  });
  afterEach(() => rmSync(base, { recursive: true, force: true }));

  it('names a folder it cannot read, once, and what to do, instead of skipping it silently', async () => {
    mkdirSync(path.join(root, 'private', 'keys'), { recursive: true });
    writeFileSync(path.join(root, 'private', 'keys', 'db.js'), 'const password = "x";');
    // Permissions cannot make a folder unreadable for root (these tests may run as root): fail its listing instead.
    const realReaddir = fs.readdir;
    const denied = path.join(root, 'private');
    const stub = (async (directory: string, ...rest: unknown[]) => {
      if (directory === denied) throw Object.assign(new Error(`EACCES: permission denied, scandir '${directory}'`), { code: 'EACCES' });
      return (realReaddir as (...args: unknown[]) => Promise<unknown>)(directory, ...rest);
    }) as typeof fs.readdir;
    fs.readdir = stub;
    try {
      const warnings: string[] = [];
      const files = new NodeWorkspaceFiles(root, { onWarning: (message) => warnings.push(message) });
      assert.deepEqual(await files.listFiles(), ['..config.js', 'src/a.ts']);
      await files.listFiles();
      assert.equal(warnings.length, 1, warnings.join('\n'));
      assert.match(warnings[0] ?? '', /folder private of .*: it cannot be read \(EACCES\).*Give your user read access to it/);
    } finally {
      fs.readdir = realReaddir;
    }
  });

  it('reads a file whose name starts with two dots: it is inside the workspace', async () => {
    const files = new NodeWorkspaceFiles(root);
    assert.equal(await files.readFile('..config.js'), 'module.exports = {};');
  });

  it('refuses to read or write through a symbolic link that leaves the workspace', async () => {
    const files = new NodeWorkspaceFiles(root);
    await assert.rejects(files.readFile('link/secret.txt'), PathOutsideWorkspaceError);
    await assert.rejects(files.writeFile('link/new.txt', 'x'), PathOutsideWorkspaceError);
    assert.equal(existsSync(path.join(outside, 'new.txt')), false);
  });

  it('rejects (not throws) for a path outside the workspace, and writes new files inside it', async () => {
    const files = new NodeWorkspaceFiles(root);
    const pending = files.readFile('../outside/secret.txt');
    await assert.rejects(pending, /outside the workspace/);
    await files.writeFile('src/new/b.ts', 'export const b = 2;');
    assert.equal(await files.readFile('src/new/b.ts'), 'export const b = 2;');
  });

  it('lists source files without following links out of the workspace', async () => {
    const files = new NodeWorkspaceFiles(root);
    assert.deepEqual(await files.listFiles({ extensions: ['.ts', '.txt'] }), ['src/a.ts']);
  });
});
