import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { SecurityScanner } from '../../../src/agents/offline/security/securityScanner';
import { NodeWorkspace } from './nodeWorkspace';

const REPO_ROOT = path.resolve(__dirname, '../../..');
const EXAMPLE = path.join(REPO_ROOT, 'examples', 'vulnerable-api');

function lineOf(file: string, text: string): number {
  const index = readFileSync(path.join(EXAMPLE, file), 'utf8').split('\n').findIndex((line) => line.includes(text));
  assert.ok(index >= 0, `${text} not found in ${file}`);
  return index + 1;
}

/** Runs the example's own `npm test` in `dir`; returns the exit code and the TAP summary. */
function runExampleTests(dir: string): { code: number | null; output: string } {
  const result = spawnSync('npm', ['test'], { cwd: dir, encoding: 'utf8', shell: process.platform === 'win32' });
  return { code: result.status, output: `${result.stdout}\n${result.stderr}` };
}

describe('examples/vulnerable-api', () => {
  it('finds the headline missing organizationId check in src/routes/auth.ts, and the other planted flaws', async () => {
    const result = await new SecurityScanner(new NodeWorkspace(EXAMPLE)).scan();
    assert.deepEqual(result.parseErrors, []);
    assert.ok(result.filesScanned.includes('src/routes/auth.ts'));

    const headline = result.findings.find((f) => f.file === 'src/routes/auth.ts' && f.ruleId === 'agent-orchestrator/missing-tenant-filter');
    assert.ok(headline, 'no missing-tenant-filter finding in src/routes/auth.ts');
    assert.equal(headline.line, lineOf('src/routes/auth.ts', 'db.user.findFirst({ where: { id: req.params.id } })'));
    assert.match(headline.message, /organizationId/);
    assert.equal(headline.severity, 'high');
    assert.equal(headline.fixable, true);

    const summary = result.findings.map((f) => `${f.file}:${f.line} ${f.ruleId}`);
    const expected = [
      `src/config.ts:${lineOf('src/config.ts', 'jwtSecret:')} agent-orchestrator/hardcoded-secret`,
      `src/routes/admin.ts:${lineOf('src/routes/admin.ts', 'if (token !== config.adminToken)')} security/detect-possible-timing-attacks`,
      `src/routes/admin.ts:${lineOf('src/routes/admin.ts', "exec('ping")} agent-orchestrator/command-injection`,
      `src/routes/auth.ts:${headline.line} agent-orchestrator/missing-tenant-filter`,
      `src/routes/invoices.ts:${lineOf('src/routes/invoices.ts', 'res.json(await db.query(sql))')} agent-orchestrator/sql-injection`,
      `src/routes/invoices.ts:${lineOf('src/routes/invoices.ts', 'db.invoice.findFirst({ where: { id: req.params.id } })')} agent-orchestrator/missing-tenant-filter`,
      `src/routes/invoices.ts:${lineOf('src/routes/invoices.ts', 'db.invoice.update({')} agent-orchestrator/missing-tenant-filter`,
      `src/routes/invoices.ts:${lineOf('src/routes/invoices.ts', 'eval(formula)')} agent-orchestrator/code-injection`,
    ];
    assert.deepEqual(summary, expected);
  });

  describe('mechanical fix, end to end', function () {
    // Runs the example's own test suite twice in real processes: about 40 s alone, far more on a loaded machine.
    this.timeout(240_000);
    let copy = '';

    before(() => {
      const scratch = path.join(REPO_ROOT, '.scratch');
      mkdirSync(scratch, { recursive: true });
      copy = mkdtempSync(path.join(scratch, 'vulnerable-api-'));
      cpSync(EXAMPLE, copy, { recursive: true });
    });

    after(() => {
      if (copy) rmSync(copy, { recursive: true, force: true });
    });

    it('fails the tenant-isolation tests before the fix and passes every test after it', async () => {
      const before = runExampleTests(copy);
      assert.notEqual(before.code, 0, before.output);
      assert.match(before.output, /not ok \d+ - does not show a user of another organization/);
      assert.match(before.output, /# fail 3/);

      const workspace = new NodeWorkspace(copy);
      const scanner = new SecurityScanner(workspace);
      const { findings } = await scanner.scan();
      const fixable = findings.filter((f) => f.fixable);
      assert.equal(fixable.length, 3);
      for (const file of [...new Set(fixable.map((f) => f.file))]) {
        const source = await workspace.readFile(file);
        const result = scanner.fix(file, source, fixable.filter((f) => f.file === file).map((f) => f.id));
        assert.equal(result.fixed.length, fixable.filter((f) => f.file === file).length);
        await workspace.writeFile(file, result.output);
      }

      const rescan = await scanner.scan();
      assert.equal(rescan.findings.filter((f) => f.ruleId === 'agent-orchestrator/missing-tenant-filter').length, 0);
      assert.equal(rescan.findings.length, findings.length - 3);

      const after = runExampleTests(copy);
      assert.equal(after.code, 0, after.output);
      assert.match(after.output, /# fail 0/);
    });
  });
});
