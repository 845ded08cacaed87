// A write killed between its temp file and the rename leaves a copy of the new content beside the user's source;
// the next write into that folder (the next --apply run) removes it, and nothing that merely looks like one.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { tempNameFor } from '../../../src/core/files/safeFiles';
import { NodeWorkspaceFiles } from '../../../src/agents/workspace/nodeWorkspaceFiles';

describe('temp files left by an interrupted write', () => {
  let root: string;
  let outside: string;
  beforeEach(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'ao-leftover-'));
    outside = fs.mkdtempSync(path.join(os.tmpdir(), 'ao-leftover-outside-'));
    fs.mkdirSync(path.join(root, 'src'));
  });
  afterEach(() => {
    fs.rmSync(root, { recursive: true, force: true });
    fs.rmSync(outside, { recursive: true, force: true });
  });

  const aged = (file: string): void => {
    const yesterday = new Date(Date.now() - 24 * 3600 * 1000);
    fs.utimesSync(file, yesterday, yesterday);
  };

  it('the next write into the folder removes the leftover of a killed write, and keeps look-alike files, links and fresh temp files', async () => {
    const source = path.join(root, 'src', 'auth.ts');
    fs.writeFileSync(source, 'old');
    const leftover = tempNameFor(source);
    assert.equal(path.dirname(leftover), path.dirname(source), 'temp files are made beside their target');
    fs.writeFileSync(leftover, 'fixed source, never renamed');
    aged(leftover);
    const lookAlikes = ['auth.ts.agent-orchestrator-0123456789abcdef.tmp', '.auth.ts.agent-orchestrator-0123.tmp', '.auth.ts.agent-orchestrator-0123456789abcdef.tmp.bak', '.notes.tmp'];
    for (const name of lookAlikes) {
      fs.writeFileSync(path.join(root, 'src', name), 'user file');
      aged(path.join(root, 'src', name));
    }
    const outsideFile = path.join(outside, 'keep.txt');
    fs.writeFileSync(outsideFile, 'outside');
    const link = path.join(root, 'src', path.basename(tempNameFor(path.join(root, 'src', 'link.ts'))));
    fs.symlinkSync(outsideFile, link);
    // Written by this very process a moment ago: it may be a write still in flight.
    const fresh = tempNameFor(path.join(root, 'src', 'other.ts'));
    fs.writeFileSync(fresh, 'in flight');

    await new NodeWorkspaceFiles(root).writeFile('src/session.ts', 'new');

    assert.equal(fs.existsSync(leftover), false, 'the leftover of the killed write is removed');
    for (const name of lookAlikes) assert.equal(fs.readFileSync(path.join(root, 'src', name), 'utf8'), 'user file', `${name} is kept`);
    assert.ok(fs.lstatSync(link).isSymbolicLink(), 'a link with a temp file\'s name is not touched');
    assert.equal(fs.readFileSync(outsideFile, 'utf8'), 'outside');
    assert.ok(fs.existsSync(fresh), 'a temp file newer than this process is left alone');
    assert.equal(fs.readFileSync(source, 'utf8'), 'old');
  });
});
