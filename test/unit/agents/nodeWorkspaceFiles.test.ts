import { strict as assert } from 'node:assert';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync, existsSync } from 'node:fs';
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
