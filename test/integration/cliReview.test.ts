// Reviewing a dry run with the real CLI (dist/cli.js): `diff` shows the proposed changes, `apply` writes them later,
// file by file, and only over the content they were made against.
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const repoRoot = path.resolve(__dirname, '..', '..');
const CLI = path.join(repoRoot, 'dist', 'cli.js');
const AUTH = 'src/routes/auth.ts';
const INVOICES = 'src/routes/invoices.ts';

function cli(args: readonly string[], cwd: string): { code: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, [CLI, ...args], { cwd, encoding: 'utf8', timeout: 120_000, killSignal: 'SIGKILL', env: { ...process.env, NO_COLOR: '1' } });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

interface DiffJson { sessionId: string; changes: { id: string; file: string; status: string; canApply: boolean; diff: string; problem: string | null }[] }

describe('reviewing a dry run: diff and apply (dist/cli.js)', function () {
  this.timeout(240_000);
  let scratch: string;
  /** The example after one dry run: its store holds the session; its files are untouched. */
  let reviewed: string;
  let workspace: string;
  let original: Record<string, string>;

  before(() => {
    assert.ok(existsSync(CLI), `build first (node esbuild.mjs): ${CLI} is missing`);
    scratch = mkdtempSync(path.join(os.tmpdir(), 'ao-cli-review-'));
    reviewed = path.join(scratch, 'reviewed');
    cpSync(path.join(repoRoot, 'examples', 'vulnerable-api'), reviewed, { recursive: true });
    const run = cli(['run', 'Fix security vulnerability in authentication endpoint', '--agents', 'security-auditor,backend-api-developer', '--workspace', reviewed], reviewed);
    assert.equal(run.code, 0, run.stderr);
    original = { [AUTH]: readFileSync(path.join(reviewed, AUTH), 'utf8'), [INVOICES]: readFileSync(path.join(reviewed, INVOICES), 'utf8') };
    // The run's own output shows the diffs it proposes, and says how to apply them.
    assert.match(run.stdout, /Change 1 {2}src\/routes\/auth\.ts/);
    assert.match(run.stdout, /^\+.*organizationId: req\.user\.organizationId/m);
    assert.match(run.stdout, /Apply: agent-orchestrator apply session_/);
  });
  after(() => rmSync(scratch, { recursive: true, force: true }));
  beforeEach(function () {
    workspace = path.join(scratch, `w-${this.currentTest?.title.length ?? 0}-${Math.random().toString(16).slice(2, 8)}`);
    cpSync(reviewed, workspace, { recursive: true });
  });

  const read = (file: string): string => readFileSync(path.join(workspace, file), 'utf8');
  const diffJson = (): DiffJson => JSON.parse(cli(['diff', 'latest', '--json', '-w', workspace], workspace).stdout) as DiffJson;

  it('diff prints each proposed change with its id, plain when not a terminal, and --only picks changes', () => {
    const all = cli(['diff', 'latest', '-w', workspace], workspace);
    assert.equal(all.code, 0, all.stderr);
    assert.ok(!all.stdout.includes('\u001b'), 'no colour when stdout is not a terminal');
    assert.match(all.stdout, /^Change 1 {2}src\/routes\/auth\.ts {2}by backend-api-developer {2}\(proposed, not applied/m);
    assert.match(all.stdout, /^Change 2 {2}src\/routes\/invoices\.ts/m);
    assert.match(all.stdout, /^-  const user = await db\.user\.findFirst\(\{ where: \{ id: req\.params\.id \} \}\);$/m);
    const only = cli(['diff', 'latest', '--only', '2', '-w', workspace], workspace);
    assert.doesNotMatch(only.stdout, /auth\.ts/);
    assert.match(only.stdout, /^Change 2 /m);
    const json = diffJson();
    assert.deepEqual(json.changes.map((c) => [c.id, c.file, c.status, c.canApply]), [['1', AUTH, 'pending', true], ['2', INVOICES, 'pending', true]]);
    const unknown = cli(['diff', 'latest', '--only', '7', '-w', workspace], workspace);
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /No change 7 in session .*: its changes are 1, 2/);
  });

  it('apply --only writes just that change, show reports it, and applying twice says "already applied"', () => {
    const diffOfAuth = diffJson().changes[0]!.diff;
    const first = cli(['apply', 'latest', '--only', '1', '-w', workspace], workspace);
    assert.equal(first.code, 0, first.stdout + first.stderr);
    assert.match(first.stdout, /src\/routes\/auth\.ts: change 1 applied/);
    assert.equal(read(INVOICES), original[INVOICES], 'the change not chosen is not written');
    const added = diffOfAuth.split('\n').filter((line) => line.startsWith('+') && !line.startsWith('+++')).map((line) => line.slice(1));
    for (const line of added) assert.ok(read(AUTH).split('\n').includes(line), `auth.ts has the proposed line ${line}`);
    assert.notEqual(read(AUTH), original[AUTH]);

    const show = cli(['show', 'latest', '-w', workspace], workspace);
    assert.match(show.stdout, /- ✅ applied in review: `src\/routes\/auth\.ts` by backend-api-developer .*, change 1\n/);
    assert.match(show.stdout, /- 📝 proposed \(not applied\): `src\/routes\/invoices\.ts` by backend-api-developer .*, change 2\n/);

    const written = read(AUTH);
    const again = cli(['apply', 'latest', '--only', '1', '-w', workspace], workspace);
    assert.equal(again.code, 0);
    assert.match(again.stdout, /change 1 is already applied/);
    assert.equal(read(AUTH), written);
    assert.deepEqual(diffJson().changes.map((c) => c.status), ['applied', 'pending']);
  });

  it('refuses a file that changed since the run and leaves it as it is, applying the others (exit 1, naming the file)', () => {
    const edited = `${original[INVOICES]}\n// edited by hand after the run\n`;
    writeFileSync(path.join(workspace, INVOICES), edited);
    const result = cli(['apply', 'latest', '-w', workspace], workspace);
    assert.equal(result.code, 1, result.stdout + result.stderr);
    assert.match(result.stdout, /✗ src\/routes\/invoices\.ts changed since the run \(its content differs\): change 2 was not applied/);
    assert.match(result.stdout, /Not applied: 2 \(src\/routes\/invoices\.ts\)/);
    assert.equal(read(INVOICES), edited, 'the changed file is untouched');
    assert.notEqual(read(AUTH), original[AUTH], 'the other change is applied');
    const json = JSON.parse(cli(['apply', 'latest', '--json', '-w', workspace], workspace).stdout) as { results: { id: string; outcome: string }[]; allApplied: boolean };
    assert.deepEqual(json.results.map((r) => [r.id, r.outcome]), [['1', 'already-applied'], ['2', 'refused']]);
    assert.equal(json.allApplied, false);
  });

  it('refuses a target that is now a symbolic link, even one to a file with the same content, and leaves what it points at', () => {
    const outside = path.join(scratch, `outside-${Math.random().toString(16).slice(2, 8)}.ts`);
    writeFileSync(outside, original[AUTH]!);
    unlinkSync(path.join(workspace, AUTH));
    symlinkSync(outside, path.join(workspace, AUTH));
    const result = cli(['apply', 'latest', '--only', '1', '-w', workspace], workspace);
    assert.equal(result.code, 1, result.stdout + result.stderr);
    assert.match(result.stdout, /src\/routes\/auth\.ts: change 1 was not applied: .*symbolic link/);
    assert.equal(readFileSync(outside, 'utf8'), original[AUTH]);
  });
});
