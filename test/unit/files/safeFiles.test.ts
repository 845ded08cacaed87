import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  ensureDir, ensureDirInside, escapeControl, FileAccessError, openNoFollow, realPathInside, UnsafePathError, writeFileAtomic, writeFileAtomicAsync,
} from '../../../src/core/files/safeFiles';

describe('safeFiles', () => {
  let root: string;
  let outside: string;
  beforeEach(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'ao-safe-'));
    outside = fs.mkdtempSync(path.join(os.tmpdir(), 'ao-safe-outside-'));
  });
  afterEach(() => {
    fs.rmSync(root, { recursive: true, force: true });
    fs.rmSync(outside, { recursive: true, force: true });
  });

  it('creates nested folders inside the root and refuses a link or a file on the way', () => {
    assert.equal(ensureDirInside(root, path.join(root, 'a', 'b')), path.join(root, 'a', 'b'));
    assert.ok(fs.statSync(path.join(root, 'a', 'b')).isDirectory());
    fs.symlinkSync(outside, path.join(root, 'link'));
    assert.throws(() => ensureDirInside(root, path.join(root, 'link', 'c')), UnsafePathError);
    assert.deepEqual(fs.readdirSync(outside), []);
    fs.writeFileSync(path.join(root, 'file'), '');
    assert.throws(() => ensureDirInside(root, path.join(root, 'file', 'c')), (error: Error) => error instanceof FileAccessError && /not a folder|is a file/.test(error.message));
  });

  it('takes a folder the user chose outside any workspace as it is, even through a link, and creates what is missing', () => {
    fs.symlinkSync(outside, path.join(root, 'chosen'));
    assert.equal(ensureDir(path.join(root, 'chosen', 'logs')), path.join(root, 'chosen', 'logs'));
    assert.ok(fs.statSync(path.join(outside, 'logs')).isDirectory());
  });

  it('refuses a path that leaves the root by its text', () => {
    assert.throws(() => realPathInside(root, path.join(root, '..', 'x')), /outside/);
  });

  it('fails, naming the folder, where a recursive mkdir would spin', () => {
    assert.throws(() => ensureDir('/proc/1/nope/deeper'), (error: Error) => error instanceof FileAccessError && error.message.includes('/proc/1/nope'));
  });

  it('replaces a file atomically, keeping its permissions and leaving no temp file', async () => {
    const file = path.join(root, 'script.sh');
    fs.writeFileSync(file, 'old');
    fs.chmodSync(file, 0o750);
    writeFileAtomic(file, 'new');
    assert.equal(fs.readFileSync(file, 'utf8'), 'new');
    assert.equal(fs.statSync(file).mode & 0o777, 0o750);
    await writeFileAtomicAsync(file, 'newer');
    assert.equal(fs.statSync(file).mode & 0o777, 0o750);
    assert.deepEqual(fs.readdirSync(root), ['script.sh']);
  });

  it('refuses to open for writing a link or a hard link shared with an outside file', () => {
    const victim = path.join(outside, 'victim');
    fs.writeFileSync(victim, 'keep');
    fs.symlinkSync(victim, path.join(root, 'soft'));
    fs.linkSync(victim, path.join(root, 'hard'));
    assert.throws(() => openNoFollow(path.join(root, 'soft'), fs.constants.O_WRONLY | fs.constants.O_TRUNC), UnsafePathError);
    assert.throws(() => openNoFollow(path.join(root, 'hard'), fs.constants.O_WRONLY | fs.constants.O_TRUNC), /hard link/);
    assert.equal(fs.readFileSync(victim, 'utf8'), 'keep');
  });

  it('escapes control characters in the paths it names', () => {
    assert.equal(escapeControl('a\u001b[31mb\nc'), 'a\\u001b[31mb\\u000ac');
    const error = new UnsafePathError('/w/\u001b]0;pwned\u0007', 'it is a symbolic link', 'Remove it.');
    assert.ok(!/[\u0000-\u001f]/.test(error.message), error.message);
  });
});
