import { strict as assert } from 'node:assert';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const fixture = path.resolve(__dirname, '..', '..', 'fixtures', 'process', 'runSleeper.ts');

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function waitFor(condition: () => boolean, limitMs: number): Promise<boolean> {
  const deadline = Date.now() + limitMs;
  while (Date.now() < deadline) {
    if (condition()) return true;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return condition();
}

describe('NodeCommandRunner when its own process is killed', function () {
  this.timeout(30_000);
  if (process.platform === 'win32') return;

  it('takes the command down with it instead of leaving it running', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'ao-watchdog-'));
    const pidFile = path.join(dir, 'pid');
    const parent = spawn(process.execPath, ['--import', 'tsx', fixture, pidFile], { stdio: 'ignore' });
    try {
      assert.ok(await waitFor(() => existsSync(pidFile) && readFileSync(pidFile, 'utf8').length > 0, 15_000), 'the command started');
      const commandPid = Number(readFileSync(pidFile, 'utf8'));
      assert.ok(alive(commandPid));
      parent.kill('SIGKILL');
      // The watchdog polls every 500 ms; a few seconds is a generous bound, not a speed claim.
      assert.ok(await waitFor(() => !alive(commandPid), 10_000), `command ${commandPid} still running after its runner was killed`);
    } finally {
      parent.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
