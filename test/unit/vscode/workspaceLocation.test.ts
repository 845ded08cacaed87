import { strict as assert } from 'node:assert';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { resolveWorkspaceFile, resolveWorkspacePath } from '../../../src/vscode/workspaceLocation';

describe('workspace location checks (agent output is untrusted)', () => {
  let base: string;
  let root: string;

  before(() => {
    base = mkdtempSync(path.join(os.tmpdir(), 'ao-location-'));
    root = path.join(base, 'workspace');
    mkdirSync(path.join(root, 'src', 'routes'), { recursive: true });
    writeFileSync(path.join(root, 'src', 'routes', 'auth.ts'), 'export {};\n');
    writeFileSync(path.join(base, 'outside.ts'), 'secret\n');
    symlinkSync(path.join(base, 'outside.ts'), path.join(root, 'src', 'escape.ts'));
    symlinkSync(path.join(root, 'src', 'routes', 'auth.ts'), path.join(root, 'src', 'alias.ts'));
  });

  after(() => rmSync(base, { recursive: true, force: true }));

  it('resolves a workspace-relative file', async () => {
    const result = await resolveWorkspaceFile(root, 'src/routes/auth.ts');
    assert.deepEqual(result, { ok: true, absolutePath: path.join(root, 'src', 'routes', 'auth.ts') });
  });

  it('accepts a path that goes up and comes back inside', async () => {
    const result = await resolveWorkspaceFile(root, 'src/../src/routes/auth.ts');
    assert.ok(result.ok);
  });

  it('refuses a `..` escape, naming the path', async () => {
    const result = await resolveWorkspaceFile(root, '../outside.ts');
    assert.deepEqual(result, { ok: false, reason: '"../outside.ts" points outside the workspace folder' });
  });

  it('refuses absolute paths in POSIX and Windows form', async () => {
    for (const file of [path.join(base, 'outside.ts'), 'C:\\Windows\\win.ini', 'C:/x.ts', '\\\\server\\share\\x.ts']) {
      const result = await resolveWorkspaceFile(root, file);
      assert.equal(result.ok, false, file);
      assert.ok(!result.ok && result.reason.includes('absolute'), file);
    }
  });

  it('refuses a symlink inside the folder that resolves outside it', async () => {
    const result = await resolveWorkspaceFile(root, 'src/escape.ts');
    assert.deepEqual(result, { ok: false, reason: '"src/escape.ts" is a link to a file outside the workspace folder' });
  });

  it('follows a symlink that stays inside, opening the path the finding names', async () => {
    const result = await resolveWorkspaceFile(root, 'src/alias.ts');
    assert.deepEqual(result, { ok: true, absolutePath: path.join(root, 'src', 'alias.ts') });
  });

  it('says when the file does not exist', async () => {
    const result = await resolveWorkspaceFile(root, 'src/missing.ts');
    assert.ok(!result.ok && /does not exist/.test(result.reason));
  });

  it('checks lexically without touching the disk (for diagnostics of files that may not exist)', () => {
    assert.ok(resolveWorkspacePath(root, 'src/new-file.ts').ok);
    assert.ok(!resolveWorkspacePath(root, 'src/../../x.ts').ok);
    assert.ok(!resolveWorkspacePath(root, '..\\x.ts').ok, 'backslash separators are normalized before the check');
    assert.ok(!resolveWorkspacePath(root, '').ok);
  });
});
