// What the security scan reads: .gitignore (nested too), build output, vendored, minified and bundled files are left
// out and counted by reason; findings in tests are reported apart at a lower severity; files that do not parse are
// listed in the run's result (--json, .report.json, .report.md, the log), not only in a warning.
import { strict as assert } from 'node:assert';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { SecurityScanner } from '../../../src/agents/offline/security/securityScanner';
import { NodeWorkspaceFiles } from '../../../src/agents/workspace/nodeWorkspaceFiles';
import { runCli } from '../../../src/cli/main';
import { scanCoverageSummaryLines } from '../../../src/cli/terminalReporter';
import { FileTooLargeError, type WorkspaceFiles } from '../../../src/core/ports';
import type { ScanCoverage } from '../../../src/core/protocol/findings';
import { MemoryWorkspace } from '../security/memoryWorkspace';
import { removeScratch, scratchWorkspace } from './offlineHarness';

const MINIFIED_LINE = `!function(e){${'var t=e.a,n=e.b;if(t){n(t)}else{e.c(n,t)};'.repeat(40)}eval(e.d)}(window);`;

const FILES: Record<string, string> = {
  '.gitignore': 'generated/\n*.local.js\n',
  'generated/out.js': 'eval(input);\n',
  'src/.gitignore': 'scratch.js\n!keep.local.js\n',
  'src/scratch.js': 'eval(input);\n',
  'src/drop.local.js': 'eval(input);\n',
  'src/keep.local.js': 'eval(kept);\n',
  'dist/server.js': 'eval(input);\n',
  'public/js/lib/jquery.min.js': `${MINIFIED_LINE}\n`,
  'src/widget.js': `${MINIFIED_LINE}\n`,
  'src/app.compiled.js': 'eval(input);\n//# sourceMappingURL=app.compiled.js.map\n',
  'src/broken.js': 'function (\n',
  'src/app.js': 'module.exports = (input) => eval(input);\n',
  'test/app.test.js': "it('evaluates', () => eval(input));\n",
  'views/page.ejs': '<p><%- note %></p>\n',
  'config/default.json': '{ "session": { "secret": "keyboard cat" } }\n',
};

interface RunJson {
  reportFile: string;
  logFile: string;
  findings: { file: string; line: number; severity: string; ruleId: string; inTest?: boolean }[];
  scanCoverage: (ScanCoverage & { agent: string })[];
}

describe('what the security scan reads', () => {
  after(removeScratch);

  it('says in --json, the report and the log what it left out and why, what did not parse, and which findings are in tests', async function () {
    this.timeout(120_000);
    const workspace = scratchWorkspace([], FILES);
    const out: string[] = [];
    const code = await runCli(['run', 'Audit security', '--workspace', workspace, '--agents', 'security-auditor', '--json'], { out: (text) => out.push(text), err: () => {} });
    assert.equal(code, 0, out.join('\n'));
    const json = JSON.parse(out.join('\n')) as RunJson;

    const [coverage] = json.scanCoverage;
    assert.ok(coverage, 'the run result has the scan coverage');
    assert.equal(coverage.agent, 'security-auditor');
    const skipped = Object.fromEntries(coverage.skipped.map((entry) => [entry.category, entry.paths]));
    assert.deepEqual(skipped, {
      gitignored: ['generated/', 'src/drop.local.js', 'src/scratch.js'],
      'build-output': ['dist/'],
      vendored: ['public/js/lib/jquery.min.js'],
      minified: ['src/widget.js'],
      bundled: ['src/app.compiled.js'],
    });
    assert.ok(coverage.skipped.every((entry) => entry.reason.length > 20 && entry.count === entry.paths.length));
    assert.deepEqual(coverage.parseErrors.map((error) => error.file), ['src/broken.js']);
    // app.js, broken.js, keep.local.js (re-included by the nested .gitignore), the test, the view and the config.
    assert.equal(coverage.filesScanned, 6);

    const where = json.findings.map((finding) => `${finding.file}:${finding.severity}${finding.inTest ? ':test' : ''}`);
    assert.deepEqual(where.sort(), ['config/default.json:high', 'src/app.js:critical', 'src/keep.local.js:critical', 'test/app.test.js:low:test', 'views/page.ejs:medium'].sort());
    assert.equal(coverage.findingsInTests, 1);

    const reportJson = JSON.parse(readFileSync(json.reportFile.replace(/\.md$/, '.json'), 'utf8')) as { scanCoverage: ScanCoverage[] };
    assert.deepEqual(reportJson.scanCoverage[0]?.parseErrors.map((error) => error.file), ['src/broken.js']);
    const reportMarkdown = readFileSync(json.reportFile.replace(/\.json$/, '.md'), 'utf8');
    assert.match(reportMarkdown, /## Findings in Tests[\s\S]*test\/app\.test\.js:1/);
    assert.doesNotMatch(reportMarkdown.split('## Findings in Tests')[0] ?? '', /test\/app\.test\.js/, 'test findings are not mixed with the others');
    assert.match(reportMarkdown, /## Scan Coverage[\s\S]*Not Scanned \(minified\)\*\*: 1[\s\S]*Could Not Parse\*\*: 1[\s\S]*`src\/broken\.js`/);
    const log = readFileSync(json.logFile, 'utf8');
    assert.match(log, /Not Scanned \(gitignored\): 3/);
    assert.match(log, /Could Not Parse: src\/broken\.js/);

    const terminal = scanCoverageSummaryLines({ scanCoverage: json.scanCoverage, findings: json.findings as never }).join('\n').replace(/\x1b\[[0-9;]*m/g, '');
    assert.match(terminal, /Scanned: +6 files; not scanned: 3 gitignored, 1 build output, 1 vendored, 1 minified, 1 bundled/);
    assert.match(terminal, /could not parse 1: src\/broken\.js/);
    assert.match(terminal, /1 finding\(s\) in tests, reported apart at a lower severity/);
  });

  it('checks a file\'s size before reading it whole', async () => {
    const workspace = scratchWorkspace([], { 'src/big.js': `// generated\n${'const value = 1;\n'.repeat(70_000)}`, 'src/a.js': 'eval(x);\n' });
    const files = new NodeWorkspaceFiles(workspace);
    await assert.rejects(files.readFile('src/big.js', { maxBytes: 1024 }), (error: unknown) => error instanceof FileTooLargeError && error.size > 1_000_000);
    assert.equal(await files.readFile('src/a.js', { maxBytes: 1024 }), 'eval(x);\n');

    // The scanner asks for the bound on every read, so a workspace on disk never loads an oversized file.
    const asked: (number | undefined)[] = [];
    const spy: WorkspaceFiles = Object.assign(Object.create(files) as WorkspaceFiles, {
      readFile: (file: string, options?: { maxBytes?: number }) => {
        asked.push(options?.maxBytes);
        return files.readFile(file, options);
      },
    });
    const result = await new SecurityScanner(spy, { maxFileSize: 100_000 }).scan();
    // Each source is read twice: once for the codebase facts (models, routes behind authentication), once to scan.
    assert.deepEqual(asked, [100_000, 100_000, 100_000, 100_000]);
    assert.deepEqual(result.skipped.map((entry) => entry.file), ['src/big.js']);
    assert.deepEqual(result.coverage.skipped.map((entry) => [entry.category, entry.count]), [['too-large', 1]]);
  });

  it('scans the files asked for by name even when they look generated (a validation\'s changed files)', async () => {
    const memory = new MemoryWorkspace({ 'public/js/lib/x.min.js': 'eval(x);\n', 'src/widget.js': `${MINIFIED_LINE}\n` });
    const result = await new SecurityScanner(memory).scan({ files: ['public/js/lib/x.min.js', 'src/widget.js'] });
    assert.deepEqual(result.filesScanned, ['public/js/lib/x.min.js', 'src/widget.js']);
    assert.deepEqual(result.coverage.skipped, []);
  });

  it('keeps hand-written long lines (a one-line key, a data table) in the scan', async () => {
    const longData = `export const table = [${Array.from({ length: 400 }, (_, i) => `'w${i}'`).join(' ')}];\n`;
    const oneLineKey = `export const pem = '${'A'.repeat(1600)}';\n`;
    const memory = new MemoryWorkspace({ 'src/table.js': longData, 'src/key.js': oneLineKey });
    const result = await new SecurityScanner(memory).scan();
    assert.deepEqual(result.filesScanned, ['src/key.js', 'src/table.js']);
  });

  it('lists a .gitignore-excluded folder once, as a folder, and lists its files again once the rule is gone', async () => {
    const workspace = scratchWorkspace([], { '.gitignore': 'tmp\n', 'tmp/a/b.js': '', 'tmp/c.js': '', 'src/x.js': '' });
    const excluded: string[] = [];
    const listed = await new NodeWorkspaceFiles(workspace).listFiles({ onExcluded: (entry, why) => excluded.push(`${entry} ${why}`) });
    assert.deepEqual(listed, ['.gitignore', 'src/x.js']);
    assert.deepEqual(excluded, ['tmp/ gitignored']);
    assert.ok(existsSync(path.join(workspace, 'tmp', 'a', 'b.js')));
    writeFileSync(path.join(workspace, '.gitignore'), '');
    assert.deepEqual(await new NodeWorkspaceFiles(workspace).listFiles(), ['.gitignore', 'src/x.js', 'tmp/a/b.js', 'tmp/c.js']);
  });
});
