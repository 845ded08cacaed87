// The built CLI writing into a pipe whose reader has gone (`agent-orchestrator show latest | head -1`).
import { strict as assert } from 'node:assert';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const repoRoot = path.resolve(__dirname, '..', '..');
const CLI = path.join(repoRoot, 'dist', 'cli.js');

/** Runs the CLI with its stdout pipe closed by the reader before the first write. */
function runIntoClosedPipe(args: readonly string[]): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1' } });
    child.stdout.destroy();
    let stderr = '';
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk: string) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stderr }));
  });
}

describe('CLI output into a closed pipe', function () {
  this.timeout(120_000);
  let workspace: string;
  before(() => {
    workspace = mkdtempSync(path.join(os.tmpdir(), 'ao-pipe-'));
    writeFileSync(path.join(workspace, 'app.js'), 'eval(input);\n');
  });
  after(() => rmSync(workspace, { recursive: true, force: true }));

  it('ends quietly, with the command\'s own exit code, and a run is still saved', async () => {
    const run = await runIntoClosedPipe(['run', 'Fix security vulnerability', '--workspace', workspace, '--json', '--agents', 'security-auditor']);
    assert.equal(run.stderr, '');
    assert.equal(run.code, 0);
    for (const args of [['sessions'], ['show', 'latest'], ['show', 'latest', '--json']]) {
      const result = await runIntoClosedPipe([...args, '--workspace', workspace]);
      assert.equal(result.stderr, '', args.join(' '));
      assert.equal(result.code, 0, args.join(' '));
    }
    const sessions = spawnSync(process.execPath, [CLI, 'sessions', '--json', '--workspace', workspace], { encoding: 'utf8' });
    assert.deepEqual((JSON.parse(sessions.stdout) as { status: string }[]).map((s) => s.status), ['completed']);
  });
});
