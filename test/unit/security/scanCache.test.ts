import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import path from 'node:path';
import { NodeWorkspaceFiles } from '../../../src/agents/workspace/nodeWorkspaceFiles';
import { rulesFingerprint, SCAN_CACHE_FILE, SCAN_CACHE_FOLDER } from '../../../src/agents/offline/security/scanCache';
import { SecurityScanner, type ScanResult } from '../../../src/agents/offline/security/securityScanner';
import { MemoryWorkspace } from './memoryWorkspace';

const FILES: Record<string, string> = {
  'src/run.js': "const { exec } = require('child_process');\nexports.run = (req) => exec('ls ' + req.query.dir);\n",
  'src/calc.ts': 'export function calc(input: string) {\n  return eval(input);\n}\n',
  'src/clean.ts': 'export const add = (a: number, b: number): number => a + b;\n',
};

function workspaceWith(files: Record<string, string>, withOrchestratorFolder = true): string {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'ao-scan-cache-'));
  for (const [file, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
    fs.writeFileSync(path.join(root, file), text);
  }
  if (withOrchestratorFolder) fs.mkdirSync(path.join(root, '.agent-orchestrator'));
  return root;
}

function scan(root: string, options: ConstructorParameters<typeof SecurityScanner>[1] = {}): Promise<ScanResult> {
  return new SecurityScanner(new NodeWorkspaceFiles(root), { workers: false, ...options }).scan();
}

const cacheFile = (root: string): string => path.join(root, SCAN_CACHE_FOLDER, SCAN_CACHE_FILE);
const withoutCache = (result: ScanResult): Omit<ScanResult, 'cache'> => ({ findings: result.findings, filesScanned: result.filesScanned, parseErrors: result.parseErrors, skipped: result.skipped, coverage: result.coverage });

describe('security scan cache', () => {
  const roots: string[] = [];
  const workspace = (files: Record<string, string> = FILES, withOrchestratorFolder = true): string => {
    const root = workspaceWith(files, withOrchestratorFolder);
    roots.push(root);
    return root;
  };
  after(() => {
    for (const root of roots) fs.rmSync(root, { recursive: true, force: true });
  });

  it('answers a rescan of an unchanged workspace from the cache, with the same result', async () => {
    const root = workspace();
    const first = await scan(root);
    assert.deepEqual(first.cache, { hits: 0, misses: 3 });
    assert.ok(first.findings.length >= 2);
    assert.ok(fs.existsSync(cacheFile(root)));
    const second = await scan(root);
    assert.deepEqual(second.cache, { hits: 3, misses: 0 });
    assert.deepEqual(withoutCache(second), withoutCache(first));
  });

  it('analyses again only the file whose content changed, and reports its new findings', async () => {
    const root = workspace();
    await scan(root);
    fs.writeFileSync(path.join(root, 'src/clean.ts'), 'export function run(code: string) {\n  return eval(code);\n}\n');
    const rescan = await scan(root);
    assert.deepEqual(rescan.cache, { hits: 2, misses: 1 });
    assert.ok(rescan.findings.some((f) => f.file === 'src/clean.ts' && f.line === 2), JSON.stringify(rescan.findings));
    assert.deepEqual(withoutCache(rescan), withoutCache(await scan(root, { cache: false })));
  });

  it('is emptied when the rules fingerprint changes (here: the scanner options)', async () => {
    assert.notEqual(rulesFingerprint({ tenantKeys: ['organizationId'] }), rulesFingerprint({ tenantKeys: ['tenantId'] }));
    assert.equal(rulesFingerprint({ tenantKeys: ['a'] }), rulesFingerprint({ tenantKeys: ['a'] }));
    const root = workspace();
    await scan(root, { tenantKeys: ['organizationId'] });
    const otherRules = await scan(root, { tenantKeys: ['tenantId'] });
    assert.deepEqual(otherRules.cache, { hits: 0, misses: 3 });
    const fingerprint = (JSON.parse(fs.readFileSync(cacheFile(root), 'utf8')) as { fingerprint: string }).fingerprint;
    const facts = await new SecurityScanner(new NodeWorkspaceFiles(root), { tenantKeys: ['tenantId'] }).prepare();
    assert.equal(fingerprint, rulesFingerprint({ tenantKeys: ['tenantId'], facts }));
  });

  it('is emptied when the codebase facts change: a schema added elsewhere brings the tenant findings of an unchanged handler file', async () => {
    const fixture = path.join(__dirname, '../../fixtures/offline/tenant-api');
    const files: Record<string, string> = {};
    for (const file of ['src/auth.js', 'src/routes.js', 'src/handlers.js', 'src/db.js']) files[file] = fs.readFileSync(path.join(fixture, file), 'utf8');
    const root = workspace(files);
    const tenantFindings = (result: ScanResult): string[] => result.findings.filter((f) => f.ruleId === 'agent-orchestrator/missing-tenant-filter').map((f) => `${f.file}:${f.line}`);

    // No model declares a tenant field yet: the app has no tenants, so nothing is missing.
    assert.deepEqual(tenantFindings(await scan(root)), []);
    fs.mkdirSync(path.join(root, 'prisma'));
    fs.copyFileSync(path.join(fixture, 'prisma/schema.prisma'), path.join(root, 'prisma/schema.prisma'));
    const rescan = await scan(root);
    assert.deepEqual(rescan.cache?.hits, 0, 'a result computed without the schema must not be served');
    assert.deepEqual(tenantFindings(rescan), ['src/handlers.js:6', 'src/handlers.js:11']);
    assert.deepEqual(withoutCache(rescan), withoutCache(await scan(root, { cache: false })));
  });

  it('ignores a corrupt or forged cache file, scans normally and replaces it', async () => {
    const root = workspace();
    const reference = await scan(root, { cache: false });
    fs.mkdirSync(path.dirname(cacheFile(root)), { recursive: true });
    fs.writeFileSync(cacheFile(root), '{"format": 1, "fingerprint": "x", "entries": [[');
    const afterCorrupt = await scan(root);
    assert.deepEqual(afterCorrupt.cache, { hits: 0, misses: 3 });
    assert.deepEqual(withoutCache(afterCorrupt), withoutCache(reference));
    assert.deepEqual((await scan(root)).cache, { hits: 3, misses: 0 });

    // Right fingerprint, entries of the wrong shape: not trusted, not a crash.
    const cached = JSON.parse(fs.readFileSync(cacheFile(root), 'utf8')) as { entries: [string, { findings: unknown[] }][] };
    for (const entry of cached.entries) entry[1].findings = [{ ruleId: 'forged' }];
    fs.writeFileSync(cacheFile(root), JSON.stringify(cached));
    const afterForged = await scan(root);
    assert.deepEqual(afterForged.cache, { hits: 0, misses: 3 });
    assert.deepEqual(withoutCache(afterForged), withoutCache(reference));
  });

  it('neither reads nor writes through a symbolic link on the cache path', async () => {
    const outside = fs.mkdtempSync(path.join(os.tmpdir(), 'ao-scan-cache-outside-'));
    roots.push(outside);
    const root = workspace();
    // A cloned repository could plant the cache folder as a link to anywhere, holding a cache that hides findings.
    const honest = workspace();
    await scan(honest);
    const planted = JSON.parse(fs.readFileSync(cacheFile(honest), 'utf8').replace(/"src\/run\.js"/g, '"src/elsewhere.js"')) as { entries: [string, { findings: unknown[] }][] };
    for (const entry of planted.entries) entry[1].findings = [];
    fs.writeFileSync(path.join(outside, SCAN_CACHE_FILE), JSON.stringify(planted));
    const before = fs.readFileSync(path.join(outside, SCAN_CACHE_FILE), 'utf8');
    fs.symlinkSync(outside, path.join(root, SCAN_CACHE_FOLDER));

    const result = await scan(root);
    assert.equal(result.cache?.hits, 0);
    assert.match(result.cache?.warning ?? '', /symbolic link/);
    assert.deepEqual(withoutCache(result), withoutCache(await scan(root, { cache: false })));
    assert.equal(fs.readFileSync(path.join(outside, SCAN_CACHE_FILE), 'utf8'), before);
    assert.deepEqual(fs.readdirSync(outside), [SCAN_CACHE_FILE]);

    // The same for a link in place of the cache file itself.
    const fileLinked = workspace();
    fs.mkdirSync(path.join(fileLinked, SCAN_CACHE_FOLDER));
    fs.symlinkSync(path.join(outside, SCAN_CACHE_FILE), cacheFile(fileLinked));
    const viaFileLink = await scan(fileLinked);
    assert.equal(viaFileLink.cache?.hits, 0);
    assert.match(viaFileLink.cache?.warning ?? '', /symbolic link/);
    assert.equal(fs.readFileSync(path.join(outside, SCAN_CACHE_FILE), 'utf8'), before);
  });

  it('keeps the render calls a file holds, so a rescan from the cache still judges the templates they fill', async () => {
    const root = workspace({
      'routes/app.js': "app.get('/p', (req, res) => res.render('profile', { bio: req.query.bio, note: 'hi' }));\n",
      'views/profile.ejs': '<p><%- bio %></p>\n<p><%- note %></p>\n',
    });
    const first = await scan(root);
    const rawBio = first.findings.filter((f) => f.file === 'views/profile.ejs' && f.severity === 'high');
    assert.deepEqual(rawBio.map((f) => f.line), [1], JSON.stringify(first.findings));
    const second = await scan(root);
    assert.deepEqual(second.cache, { hits: 1, misses: 0 });
    assert.deepEqual(withoutCache(second), withoutCache(first));
  });

  it('is emptied when the workspace moves to a js-yaml whose load() is safe', async () => {
    const source = "const yaml = require('js-yaml');\napp.post('/a', (req, res) => res.json(yaml.load(req.body.doc)));\n";
    const root = workspace({ 'src/app.js': source, 'package.json': JSON.stringify({ dependencies: { 'js-yaml': '^3.13.1' } }) });
    const deserialization = (result: ScanResult): number => result.findings.filter((f) => f.ruleId === 'agent-orchestrator/insecure-deserialization').length;
    assert.equal(deserialization(await scan(root)), 1);
    fs.writeFileSync(path.join(root, 'package.json'), JSON.stringify({ dependencies: { 'js-yaml': '^4.1.0' } }));
    const upgraded = await scan(root);
    assert.deepEqual(upgraded.cache, { hits: 0, misses: 1 });
    assert.equal(deserialization(upgraded), 0);
  });

  it('leaves vendored and minified files out before the cache, and counts them in coverage on every scan', async () => {
    const root = workspace({
      ...FILES,
      'vendor/lib.js': FILES['src/run.js'] ?? '',
      'public/app.min.js': `var a=1;${'eval(location.hash);'.repeat(400)}\n`,
    });
    const first = await scan(root);
    assert.deepEqual(first.cache, { hits: 0, misses: 3 });
    assert.deepEqual([...first.filesScanned].sort(), Object.keys(FILES).sort());
    const skippedPaths = first.coverage.skipped.flatMap((entry) => entry.paths);
    assert.ok(skippedPaths.includes('public/app.min.js'), JSON.stringify(first.coverage.skipped));
    assert.ok(skippedPaths.some((p) => p === 'vendor/' || p === 'vendor/lib.js'), JSON.stringify(first.coverage.skipped));
    const second = await scan(root);
    assert.deepEqual(second.cache, { hits: 3, misses: 0 });
    assert.deepEqual(withoutCache(second), withoutCache(first));
  });

  it('is not used, and writes nothing, in a folder the orchestrator has not set up', async () => {
    const root = workspace(FILES, false);
    const result = await scan(root);
    assert.equal(result.cache, undefined);
    assert.equal(fs.existsSync(path.join(root, '.agent-orchestrator')), false);
    const inMemory = await new SecurityScanner(new MemoryWorkspace(FILES), { workers: false }).scan();
    assert.equal(inMemory.cache, undefined);
  });
});

describe('security scan across workers', () => {
  it('reports what the in-thread scan reports, in the same order', async function () {
    // Workers run the TypeScript sources through tsx here: slow to start on a loaded machine, never timed.
    this.timeout(180_000);
    const files: Record<string, string> = {};
    for (let i = 0; i < 6; i++) files[`src/m${i}.js`] = `${FILES['src/run.js']}\nexports.calc${i} = (req) => eval(req.body.x${i});\n`;
    files['src/broken.ts'] = 'export const = ;\n';
    const workspace = new MemoryWorkspace(files);
    const inThread = await new SecurityScanner(workspace, { workers: false }).scan();
    const spread = await new SecurityScanner(workspace, { parallelFromBytes: 0 }).scan();
    assert.deepEqual(spread, inThread);
    assert.equal(spread.parseErrors.length, 1);
    assert.ok(spread.findings.length >= 12);
  });

  it('analyses with the codebase facts of the whole workspace: a worker reports the tenant findings the schema calls for', async function () {
    this.timeout(180_000);
    const fixture = path.join(__dirname, '../../fixtures/offline/tenant-api');
    const files: Record<string, string> = {};
    for (const file of ['src/auth.js', 'src/routes.js', 'src/handlers.js', 'src/db.js', 'prisma/schema.prisma']) files[file] = fs.readFileSync(path.join(fixture, file), 'utf8');
    for (let i = 0; i < 3; i++) files[`src/m${i}.js`] = FILES['src/run.js'] ?? '';
    const workspace = new MemoryWorkspace(files);
    const inThread = await new SecurityScanner(workspace, { workers: false }).scan();
    const spread = await new SecurityScanner(workspace, { parallelFromBytes: 0 }).scan();
    assert.deepEqual(spread, inThread);
    assert.deepEqual(spread.findings.filter((f) => f.ruleId === 'agent-orchestrator/missing-tenant-filter').map((f) => `${f.file}:${f.line}`), ['src/handlers.js:6', 'src/handlers.js:11']);
  });
});
