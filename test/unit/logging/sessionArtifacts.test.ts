// A pruned session's log files go with it: exactly its own files, never through a link, never anyone else's.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { openWorkspaceEngine } from '../../../src/agents/workspaceEngine';
import { UnsafePathError } from '../../../src/core/files/safeFiles';
import { removeSessionArtifacts, SESSION_ARTIFACT_SUFFIXES } from '../../../src/core/logging/sessionArtifacts';

const OLD = 'session_20240101_000000_aaaaaa';
const KEPT = 'session_20240102_000000_bbbbbb';

function writeArtifacts(dir: string, sessionId: string): string[] {
  return SESSION_ARTIFACT_SUFFIXES.map((suffix) => {
    const file = path.join(dir, `${sessionId}${suffix}`);
    fs.writeFileSync(file, `${sessionId}\n`);
    return file;
  });
}

describe('session artifacts removed with their session', () => {
  let root: string;
  let outside: string;

  beforeEach(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'ao-artifacts-'));
    outside = fs.mkdtempSync(path.join(os.tmpdir(), 'ao-artifacts-outside-'));
  });

  afterEach(() => {
    fs.rmSync(root, { recursive: true, force: true });
    fs.rmSync(outside, { recursive: true, force: true });
  });

  it("removes every file of the pruned session and nothing else: other sessions' files, a user's files, links", () => {
    const logs = path.join(root, '.agent-orchestrator', 'logs');
    fs.mkdirSync(logs, { recursive: true });
    const old = writeArtifacts(logs, OLD);
    const kept = writeArtifacts(logs, KEPT);
    const notes = path.join(logs, 'notes.md');
    fs.writeFileSync(notes, 'mine\n');
    const backup = path.join(logs, `${OLD}.log.md.bak`);
    fs.writeFileSync(backup, 'mine too\n');
    // A planted link under the name of an artifact of the pruned session, pointing at a file outside.
    const target = path.join(outside, 'precious.txt');
    fs.writeFileSync(target, 'not yours\n');
    fs.rmSync(old[0] as string);
    fs.symlinkSync(target, old[0] as string);

    const result = removeSessionArtifacts(logs, [OLD], root);

    assert.deepEqual(result.problems, []);
    assert.deepEqual(result.removed.sort(), old.slice(1).sort());
    for (const file of old.slice(1)) assert.equal(fs.existsSync(file), false, `${path.basename(file)} removed`);
    for (const file of [...kept, notes, backup]) assert.equal(fs.existsSync(file), true, `${path.basename(file)} kept`);
    assert.equal(fs.lstatSync(old[0] as string).isSymbolicLink(), true, 'the planted link is left alone');
    assert.equal(fs.readFileSync(target, 'utf8'), 'not yours\n');
  });

  it('removes nothing when the log folder inside the workspace is reached through a link', () => {
    const real = path.join(outside, 'logs');
    fs.mkdirSync(real);
    const files = writeArtifacts(real, OLD);
    fs.mkdirSync(path.join(root, '.agent-orchestrator'));
    fs.symlinkSync(real, path.join(root, '.agent-orchestrator', 'logs'));
    assert.throws(() => removeSessionArtifacts(path.join(root, '.agent-orchestrator', 'logs'), [OLD], root), UnsafePathError);
    for (const file of files) assert.equal(fs.existsSync(file), true);
  });

  it('keeps the newest maxSessions runs of a workspace, with their log files, and removes the older ones', async function () {
    this.timeout(120_000);
    fs.mkdirSync(path.join(root, 'src'));
    fs.writeFileSync(path.join(root, 'src', 'index.js'), 'module.exports = function add(a, b) { return a + b; };\n');
    const engine = await openWorkspaceEngine({ workspaceRoot: root, mode: 'write', env: {}, configOverrides: { orchestration: { maxSessions: 2 } } });
    const sessions: string[] = [];
    try {
      fs.writeFileSync(path.join(engine.logDir, 'notes.md'), 'mine\n');
      for (let i = 0; i < 3; i++) {
        const result = await engine.orchestrator.executeRequest('Summarize the code', { agents: ['docs-writer'] });
        sessions.push(result.sessionId);
      }
      // Removal follows the durable prune, one fdatasync after the run's last event.
      await engine.store.flushed();
      assert.deepEqual(engine.store.listSessions().map((s) => s.sessionId), [sessions[2], sessions[1]]);
    } finally {
      await engine.close();
    }
    const left = fs.readdirSync(engine.logDir);
    assert.deepEqual(left.filter((name) => name.startsWith(sessions[0] as string)), [], 'the pruned run left no file');
    for (const kept of sessions.slice(1)) assert.ok(left.some((name) => name === `${kept}.log.md`), `${kept}'s log is kept`);
    assert.ok(left.includes('notes.md'));
  });
});
