import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import { existsSync, promises as fs, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { NodeCommandRunner } from '../../../src/agents/process/nodeCommandRunner';

const node = process.execPath;
const posix = process.platform !== 'win32';

/** Live (not zombie) processes whose command line contains `marker`. */
function liveProcessesWith(marker: string): string[] {
  const rows = execFileSync('ps', ['-eo', 'stat=,args='], { encoding: 'utf8' }).split('\n');
  return rows.filter((row) => row.includes(marker) && !row.trimStart().startsWith('Z') && !row.includes('ps -eo'));
}

/** A process receiving SIGKILL needs a moment to be torn down by the kernel; this waits for that, bounded. */
async function settled(marker: string): Promise<string[]> {
  for (let i = 0; i < 50 && liveProcessesWith(marker).length > 0; i++) await new Promise((r) => setTimeout(r, 100));
  return liveProcessesWith(marker);
}

describe('NodeCommandRunner', () => {
  const runner = new NodeCommandRunner({ killGraceMs: 500 });
  const cwd = os.tmpdir();

  it('returns the exit code and both streams of a real process, without rejecting on failure', async () => {
    const result = await runner.run(node, ['-e', 'console.log("out " + process.argv[1]); console.error("err"); process.exit(3)', 'a b;c'], { cwd, timeoutMs: 30_000 });
    assert.equal(result.exitCode, 3);
    // The argument reached the process intact: no shell split or interpreted it.
    assert.equal(result.stdout, 'out a b;c\n');
    assert.equal(result.stderr, 'err\n');
    assert.equal(result.timedOut, false);
  });

  it('runs in the given cwd with extra environment variables added to the inherited ones', async () => {
    const dir = await fs.realpath(await fs.mkdtemp(path.join(os.tmpdir(), 'ao-run-')));
    const result = await runner.run(node, ['-e', 'console.log(process.cwd(), process.env.AO_EXTRA, typeof process.env.PATH)'], {
      cwd: dir,
      timeoutMs: 30_000,
      env: { AO_EXTRA: 'yes' },
    });
    await fs.rm(dir, { recursive: true, force: true });
    assert.equal(result.stdout.trim(), `${dir} yes string`);
  });

  (posix ? it : it.skip)('kills a process that exceeds its timeout, and its children, and reports timedOut', async () => {
    const marker = `ao-timeout-${process.pid}-${Date.now()}`;
    const script = `require('child_process').spawn(process.execPath, ['-e', 'setTimeout(()=>{},600000)', '${marker}'], { stdio: 'inherit' }); setTimeout(()=>{},600000)`;
    const result = await runner.run(node, ['-e', script, marker], { cwd, timeoutMs: 300 });
    assert.equal(result.timedOut, true);
    assert.equal(result.exitCode, null);
    assert.deepEqual(await settled(marker), []);
  });

  (posix ? it : it.skip)('stops the whole process group when the signal aborts, child that ignores SIGTERM included', async () => {
    const marker = `ao-abort-${process.pid}-${Date.now()}`;
    const ready = path.join(os.tmpdir(), `${marker}.ready`);
    const grandchild = `process.on('SIGTERM', () => {}); require('fs').writeFileSync(${JSON.stringify(ready)}, 'x'); setTimeout(()=>{},600000)`;
    const script = `require('child_process').spawn(process.execPath, ['-e', ${JSON.stringify(grandchild)}, '${marker}'], { stdio: 'inherit' }); setTimeout(()=>{},600000)`;
    const controller = new AbortController();
    const running = runner.run(node, ['-e', script, marker], { cwd, timeoutMs: 600_000, signal: controller.signal });
    // Abort only once the grandchild is really running, so the test checks the kill and not a race.
    while (!existsSync(ready)) await new Promise((r) => setTimeout(r, 20));
    controller.abort();
    const result = await running;
    await fs.rm(ready, { force: true });
    assert.equal(result.timedOut, false);
    assert.equal(result.exitCode, null);
    assert.match(result.stderr, /cancelled/);
    assert.deepEqual(await settled(marker), []);
  });

  (posix ? it : it.skip)('does not leave background processes behind when the command itself exits', async () => {
    const marker = `ao-orphan-${process.pid}-${Date.now()}`;
    const pidFile = path.join(os.tmpdir(), `${marker}.pid`);
    const script = `const c = require('child_process').spawn(process.execPath, ['-e', 'setTimeout(()=>{},600000)', '${marker}'], { stdio: 'ignore' }); require('fs').writeFileSync(${JSON.stringify(pidFile)}, String(c.pid)); c.unref()`;
    const result = await runner.run(node, ['-e', script, marker], { cwd, timeoutMs: 600_000 });
    assert.equal(result.exitCode, 0);
    assert.ok(readFileSync(pidFile, 'utf8').length > 0);
    await fs.rm(pidFile, { force: true });
    assert.deepEqual(await settled(marker), []);
  });

  it('returns without starting anything when the signal is already aborted', async () => {
    const controller = new AbortController();
    controller.abort();
    const marker = path.join(os.tmpdir(), `ao-never-${process.pid}`);
    const result = await runner.run(node, ['-e', `require('fs').writeFileSync(${JSON.stringify(marker)}, 'x')`], { cwd, timeoutMs: 30_000, signal: controller.signal });
    assert.equal(result.exitCode, null);
    assert.equal(existsSync(marker), false);
  });

  it('rejects with a message naming the command when it does not exist', async () => {
    await assert.rejects(runner.run('ao-no-such-command-xyz', ['--version'], { cwd, timeoutMs: 30_000 }), (error: Error) => {
      assert.match(error.message, /Cannot run "ao-no-such-command-xyz": command not found/);
      return true;
    });
  });

  it('rejects naming the working directory when it does not exist', async () => {
    const missing = path.join(os.tmpdir(), `ao-missing-cwd-${process.pid}`);
    await assert.rejects(runner.run(node, ['-e', ''], { cwd: missing, timeoutMs: 30_000 }), new RegExp(`working directory ${missing.replace(/[\\^$.*+?()[\]{}|]/g, '\\$&')} does not exist`));
  });

  it('keeps the beginning and the end of an oversized output and says how much was dropped', async () => {
    const small = new NodeCommandRunner({ maxOutputBytes: 1000 });
    const result = await small.run(node, ['-e', 'process.stdout.write("START" + "x".repeat(100000) + "END")'], { cwd, timeoutMs: 30_000 });
    assert.equal(result.exitCode, 0);
    assert.ok(result.stdout.startsWith('STARTxx'));
    assert.ok(result.stdout.endsWith('xxEND'));
    assert.match(result.stdout, /output truncated: 99008 of 100008 bytes omitted/);
    assert.ok(result.stdout.length < 1200);
  });
});
