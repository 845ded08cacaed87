import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { SecurityScanner } from '../../../src/agents/offline/security/securityScanner';
import { unifiedDiff } from '../../../src/core/orchestrator/unifiedDiff';
import { FindingSchema } from '../../../src/core/protocol/findings';
import { generatedHandlers } from './generatedSource';
import { MemoryWorkspace } from './memoryWorkspace';
import { tenantApp } from './tenantFacts';

const REPO_ROOT = path.resolve(__dirname, '../../..');

const HANDLERS = [
  "import { exec } from 'node:child_process';",
  'export async function show(req: Request) {',
  '  const user = await db.user.findFirst({ where: { id: req.params.id } });',
  '  const invoice = await db.invoice.findFirst({ where: { id: req.query.invoice } });',
  '  await pool.query(`SELECT * FROM t WHERE id = ${req.params.id}`);',
  '  exec(`ls ${req.query.dir}`);',
  '  return { user, invoice };',
  '}',
  '',
].join('\n');

describe('SecurityScanner', () => {
  // A multi-tenant app where these handlers run after authentication.
  const scanner = new SecurityScanner(new MemoryWorkspace({}), { facts: tenantApp(['src/routes/show.ts', 'src/routes/other.ts']) });

  it('produces complete findings with stable ids', () => {
    const first = scanner.scanSource('src/routes/show.ts', HANDLERS).findings;
    const second = scanner.scanSource('src/routes/show.ts', HANDLERS).findings;
    assert.ok(first.length >= 4);
    for (const finding of first) {
      FindingSchema.parse(finding);
      assert.equal(finding.agent, 'security-auditor');
      assert.equal(finding.file, 'src/routes/show.ts');
      assert.ok(finding.recommendation.length > 20, finding.ruleId);
      assert.ok(finding.endLine !== undefined && finding.endColumn !== undefined);
    }
    assert.deepEqual(first.map((f) => f.id), second.map((f) => f.id));
    assert.equal(new Set(first.map((f) => f.id)).size, first.length);
    const elsewhere = scanner.scanSource('src/routes/other.ts', HANDLERS).findings;
    assert.notEqual(elsewhere[0]?.id, first[0]?.id);
  });

  it('maps eslint-plugin-security rules to severities and leaves out object-injection noise', () => {
    const source = [
      "const { exec } = require('child_process');",
      'function run(input, token, expected, table, key) {',
      '  eval(input);',
      '  exec(input);',
      '  if (token === expected) return table[key];',
      '}',
    ].join('\n');
    const byRule = new Map(scanner.scanSource('lib/run.js', source).findings.map((f) => [f.ruleId, f]));
    assert.equal(byRule.get('security/detect-eval-with-expression')?.severity, 'critical');
    assert.equal(byRule.get('security/detect-eval-with-expression')?.line, 3);
    assert.equal(byRule.get('security/detect-child-process')?.severity, 'high');
    assert.equal(byRule.get('security/detect-possible-timing-attacks')?.severity, 'medium');
    assert.match(byRule.get('security/detect-possible-timing-attacks')?.recommendation ?? '', /timingSafeEqual/);
    assert.equal(byRule.has('security/detect-object-injection'), false);
    assert.ok([...byRule.values()].every((f) => !f.fixable));
  });

  it('parses JSX and TSX', () => {
    assert.equal(scanner.scanSource('a.jsx', 'export const A = () => <div onClick={() => eval(x)} />;').findings.length, 1);
    const tsx = scanner.scanSource('a.tsx', 'export const A = (p: { s: string }) => <div>{eval(p.s)}</div>;');
    assert.equal(tsx.parseError, undefined);
    assert.equal(tsx.findings[0]?.ruleId, 'security/detect-eval-with-expression');
    // Generic arrow functions are valid in .ts but not in .tsx, so .ts must not be parsed as JSX.
    assert.equal(scanner.scanSource('a.ts', 'const id = <T,>(x: T): T => x; const y = <string>id("a");').parseError, undefined);
  });

  it('reports a file that does not parse instead of throwing', () => {
    const result = scanner.scanSource('src/broken.ts', 'export const = ;');
    assert.deepEqual(result.findings, []);
    assert.match(result.parseError ?? '', /line 1/);
    const fixed = scanner.fix('src/broken.ts', 'export const = ;');
    assert.equal(fixed.output, 'export const = ;');
    assert.deepEqual(fixed.fixed, []);
  });

  describe('fix', () => {
    it('applies only the requested finding and re-scans the rest', () => {
      const before = scanner.scanSource('src/routes/show.ts', HANDLERS).findings;
      const userQuery = before.find((f) => f.message.includes('user.findFirst'));
      const invoiceQuery = before.find((f) => f.message.includes('invoice.findFirst'));
      assert.ok(userQuery && invoiceQuery);

      const result = scanner.fix('src/routes/show.ts', HANDLERS, [userQuery.id]);
      assert.deepEqual(result.fixed.map((f) => f.id), [userQuery.id]);
      assert.match(result.output, /db\.user\.findFirst\(\{ where: \{ organizationId: req\.user\.organizationId, id: req\.params\.id \} \}\)/);
      assert.match(result.output, /db\.invoice\.findFirst\(\{ where: \{ id: req\.query\.invoice \} \}\)/);
      const changed = HANDLERS.split('\n').filter((line, i) => result.output.split('\n')[i] !== line);
      assert.equal(changed.length, 1);

      assert.equal(result.remaining.some((f) => f.message.includes('user.findFirst')), false);
      assert.equal(result.remaining.some((f) => f.message.includes('invoice.findFirst')), true);
      assert.equal(result.remaining.length, before.length - 1);
    });

    it('changes nothing for ids of unfixable or unknown findings', () => {
      const sql = scanner.scanSource('src/routes/show.ts', HANDLERS).findings.find((f) => f.ruleId === 'agent-orchestrator/sql-injection');
      assert.ok(sql);
      const result = scanner.fix('src/routes/show.ts', HANDLERS, [sql.id, 'no-such-id']);
      assert.equal(result.output, HANDLERS);
      assert.deepEqual(result.fixed, []);
    });

    it('fixes every fixable finding when no ids are given', () => {
      const result = scanner.fix('src/routes/show.ts', HANDLERS);
      assert.equal(result.fixed.length, 2);
      assert.equal(result.remaining.some((f) => f.ruleId === 'agent-orchestrator/missing-tenant-filter'), false);
    });
  });

  describe('scan', () => {
    it('scans the JS/TS files of the workspace and keeps going past a broken one', async () => {
      const workspace = new MemoryWorkspace({
        'README.md': '# eval(x)',
        'src/a.ts': 'export const run = (x: string) => eval(x);',
        'src/broken.js': 'function (',
        'src/c.mjs': "export const key = { apiKey: 'q8Zk2Lp0Vw7Rt5Yn' };",
      });
      const result = await new SecurityScanner(workspace).scan();
      assert.deepEqual(result.filesScanned, ['src/a.ts', 'src/broken.js', 'src/c.mjs']);
      assert.deepEqual(result.parseErrors.map((e) => e.file), ['src/broken.js']);
      assert.deepEqual(result.findings.map((f) => `${f.file}:${f.ruleId}`), [
        'src/a.ts:security/detect-eval-with-expression',
        'src/c.mjs:agent-orchestrator/hardcoded-secret',
      ]);
    });

    it('scans only the files asked for and reports unreadable ones', async () => {
      const workspace = new MemoryWorkspace({ 'a.ts': 'eval(x);', 'b.ts': 'eval(y);' });
      const result = await new SecurityScanner(workspace).scan({ files: ['b.ts', 'missing.ts'] });
      assert.deepEqual(result.filesScanned, ['b.ts']);
      assert.deepEqual(result.findings.map((f) => f.file), ['b.ts']);
      assert.equal(result.parseErrors[0]?.file, 'missing.ts');
    });

    it('stops between files when the signal aborts', async () => {
      const controller = new AbortController();
      const workspace = new MemoryWorkspace({ 'a.ts': 'eval(x);', 'b.ts': 'eval(y);', 'c.ts': 'eval(z);' }, () => controller.abort());
      await assert.rejects(new SecurityScanner(workspace).scan({ signal: controller.signal }), (error: unknown) => error instanceof Error && error.name === 'AbortError');
      assert.deepEqual(workspace.reads, ['a.ts']);
    });

    it('stops inside one big file when the signal aborts, instead of linting it to the end', async () => {
      // About 300 KB of handlers: ESLint needs many seconds for it, far longer than the abort takes to arrive.
      const controller = new AbortController();
      const workspace = new MemoryWorkspace({ 'big.js': generatedHandlers(300_000) }, () => setImmediate(() => controller.abort(new Error('agent timed out'))));
      const scanning = new SecurityScanner(workspace, { maxFileSize: 10_000_000 }).scan({ signal: controller.signal });
      await assert.rejects(scanning, /agent timed out/);
    });

    it('skips a file over the size limit (1 MB by default) with a note that names it and what to do', async () => {
      const big = `// generated\n${'const value = 1;\n'.repeat(70_000)}`;
      const workspace = new MemoryWorkspace({ 'src/bundle.js': big, 'src/a.ts': 'eval(x);', 'src/small.js': 'eval(y);' });
      const byDefault = await new SecurityScanner(workspace).scan();
      assert.deepEqual(byDefault.filesScanned, ['src/a.ts', 'src/small.js']);
      assert.deepEqual(byDefault.skipped.map((s) => s.file), ['src/bundle.js']);
      assert.match(byDefault.skipped[0]?.reason ?? '', /over the scan limit of 1\.0 MB.*AGENT_ORCHESTRATOR_MAX_SCAN_FILE_BYTES/);
      const tighter = await new SecurityScanner(workspace, { maxFileSize: 5 }).scan();
      assert.deepEqual(tighter.skipped.map((s) => s.file), ['src/a.ts', 'src/bundle.js', 'src/small.js']);
    });

    it('skips a binary file with a .js name with a note instead of parsing it', async () => {
      const workspace = new MemoryWorkspace({ 'lib/native.js': '\u007fELF\u0002\u0001\u0001\u0000\u0000\u0000', 'a.ts': 'eval(x);' });
      const result = await new SecurityScanner(workspace).scan();
      assert.deepEqual(result.filesScanned, ['a.ts']);
      assert.deepEqual(result.parseErrors, []);
      assert.deepEqual(result.skipped.map((s) => s.file), ['lib/native.js']);
      assert.match(result.skipped[0]?.reason ?? '', /binary/);
    });
  });

  it('renders a unified diff of a fix', () => {
    const after = scanner.fix('src/routes/show.ts', HANDLERS).output;
    const diff = unifiedDiff('src/routes/show.ts', HANDLERS, after);
    assert.match(diff, /^--- a\/src\/routes\/show\.ts\n\+\+\+ b\/src\/routes\/show\.ts\n@@ /);
    assert.match(diff, /\n-  const user = await db\.user\.findFirst\(\{ where: \{ id: req\.params\.id \} \}\);\n/);
    assert.match(diff, /\n\+  const user = await db\.user\.findFirst\(\{ where: \{ organizationId: req\.user\.organizationId, id: req\.params\.id \} \}\);\n/);
  });

  it('does not load ESLint until the first scan', () => {
    const script = [
      "const { SecurityScanner } = require('./src/agents/offline/security/securityScanner');",
      "const loaded = () => Object.keys(require.cache).some((k) => /node_modules[\\\\/](eslint|@typescript-eslint|eslint-plugin-security)[\\\\/]/.test(k));",
      'const before = loaded();',
      "new SecurityScanner({}).scanSource('a.ts', 'eval(x)');",
      'console.log(JSON.stringify({ before, after: loaded() }));',
    ].join('\n');
    const output = execFileSync(process.execPath, ['--require', 'tsx/cjs', '-e', script], { cwd: REPO_ROOT, encoding: 'utf8' });
    assert.deepEqual(JSON.parse(output.trim()), { before: false, after: true });
  });
});
