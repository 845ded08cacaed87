// The real CLI (dist/cli.js) at the workspace boundary: the reproductions of the hardening issue, run as a user would.
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const repoRoot = path.resolve(__dirname, '..', '..');
const CLI = path.join(repoRoot, 'dist', 'cli.js');

function runCliProcess(args: readonly string[], env: NodeJS.ProcessEnv = {}): { code: number | null; signal: NodeJS.Signals | null; stderr: string } {
  // The guard only ends a hung process (the defect this file checks for); no assertion depends on how long it took.
  const result = spawnSync(process.execPath, [CLI, ...args], { cwd: repoRoot, encoding: 'utf8', timeout: 120_000, killSignal: 'SIGKILL', env: { ...process.env, NO_COLOR: '1', ...env } });
  return { code: result.status, signal: result.signal, stderr: result.stderr };
}

describe('CLI at the workspace boundary (dist/cli.js)', function () {
  this.timeout(180_000);
  let scratch: string;
  let workspace: string;
  before(() => assert.ok(existsSync(CLI), `build first (node esbuild.mjs): ${CLI} is missing`));
  beforeEach(() => {
    scratch = mkdtempSync(path.join(os.tmpdir(), 'ao-cli-boundary-'));
    workspace = path.join(scratch, 'W');
    cpSync(path.join(repoRoot, 'examples', 'vulnerable-api'), workspace, { recursive: true });
  });
  afterEach(() => rmSync(scratch, { recursive: true, force: true }));

  it('refuses a journal planted as a link to an outside file, and leaves that file intact', () => {
    const victim = path.join(scratch, 'victim.txt');
    writeFileSync(victim, 'precious\n');
    mkdirSync(path.join(workspace, '.agent-orchestrator'));
    symlinkSync(victim, path.join(workspace, '.agent-orchestrator', 'orchestrator.journal'));
    const run = runCliProcess(['run', 'fix auth', '--workspace', workspace]);
    assert.notEqual(run.code, 0);
    assert.match(run.stderr, /orchestrator\.journal: it is a symbolic link/);
    assert.equal(readFileSync(victim, 'utf8'), 'precious\n');
  });

  it('fails with a clear error, instead of spinning with the lock held, when the log folder cannot be created', () => {
    const run = runCliProcess(['run', 'x', '--workspace', workspace], { AGENT_ORCHESTRATOR_LOG_DIR: '/proc/1/nope' });
    assert.equal(run.signal, null, 'the CLI hung and had to be killed');
    assert.notEqual(run.code, 0);
    assert.match(run.stderr, /Cannot create the folder \/proc\/1\/nope/);
    // The lock was released: a read-only command and a new run are not refused as "in use".
    const again = runCliProcess(['run', 'x', '--workspace', workspace], { AGENT_ORCHESTRATOR_LOG_DIR: '/proc/1/nope' });
    assert.doesNotMatch(again.stderr, /in use|locked/i);
  });

  it('says that a workspace which is a file is not a folder', () => {
    const file = path.join(scratch, 'plain-file');
    writeFileSync(file, '');
    const run = runCliProcess(['run', 'x', '--workspace', file]);
    assert.notEqual(run.code, 0);
    assert.match(run.stderr, /is a file, not a folder/);
  });
});
