// A key the scanner flags, planted next to a query the backend agent fixes, must not leak through the change's
// diff into anything the run records or shows: stdout (--stream, show --json/--markdown, the report), the SQLite
// store, the journal, the log, dashboard, report and summary files and the HTML dashboard.
import { strict as assert } from 'node:assert';
import { execFile } from 'node:child_process';
import { readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { scratchCopyOfExample } from '../helpers/exampleWorkspace';
import { storeDirFor } from '../../src/core/store/sessionStore';
import type { OrchestratorEvent } from '../../src/core/protocol/events';

const run = promisify(execFile);
const CLI = path.resolve(__dirname, '..', '..', 'dist', 'cli.js');
const REQUEST = 'Fix security vulnerability in authentication endpoint';
const KEY = 'sk_live_51HxQz8KpLmNoPqRsTuVwXyZ0123456789';
const MASKED = 'sk_live_51Hx…[masked]';
const QUERY = "invoiceRouter.get('/:id', authenticate, async (req: Request, res: Response) => {";

async function cli(...args: string[]): Promise<string> {
  const { stdout, stderr } = await run(process.execPath, [CLI, ...args], { env: { ...process.env, NO_COLOR: '1' }, maxBuffer: 64 * 1024 * 1024 });
  return stdout + stderr;
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    return entry.isDirectory() ? filesUnder(full) : entry.isFile() ? [full] : [];
  });
}

describe('secrets in a run stay masked everywhere (CLI)', function () {
  this.timeout(180_000);
  let workspace: string;
  before(() => {
    workspace = scratchCopyOfExample();
    const file = path.join(workspace, 'src', 'routes', 'invoices.ts');
    const source = readFileSync(file, 'utf8');
    assert.ok(source.includes(QUERY));
    // Two lines above the unfiltered findFirst the backend agent fixes, so the key is in the diff's context.
    writeFileSync(file, source.replace(QUERY, `const stripeApiKey = '${KEY}';\n${QUERY}`));
  });
  after(() => rmSync(workspace, { recursive: true, force: true }));

  it('shows the key masked in the stream, show, the store and every artifact, and --apply still writes the real file', async () => {
    const streamed = await cli('run', REQUEST, '--workspace', workspace, '--stream');
    const events = streamed.split('\n').filter((line) => line.startsWith('{')).map((line) => JSON.parse(line) as OrchestratorEvent);
    const findings = events.flatMap((e) => (e.type === 'finding.reported' ? [e.payload.finding] : []));
    assert.ok(findings.some((f) => f.ruleId === 'agent-orchestrator/hardcoded-secret' && f.message.includes('stripeApiKey')), 'the scanner flags the planted key');
    const diffs = events.flatMap((e) => (e.type === 'change.proposed' ? [e.payload.diff] : []));
    assert.ok(diffs.some((d) => d.includes(MASKED) && d.includes('organizationId: req.user.organizationId')), `a fix whose diff shows the key masked:\n${diffs.join('\n')}`);

    const applied = await cli('run', REQUEST, '--workspace', workspace, '--apply');
    const written = readFileSync(path.join(workspace, 'src', 'routes', 'invoices.ts'), 'utf8');
    assert.ok(written.includes(`const stripeApiKey = '${KEY}';`), 'the user\'s file keeps the real key');
    assert.ok(written.includes('where: { organizationId: req.user.organizationId, id: req.params.id }'), 'and gets the fix');

    const shownJson = await cli('show', 'latest', '--workspace', workspace, '--json');
    assert.ok(shownJson.includes(MASKED));
    const htmlFile = path.join(workspace, 'dashboard.html');
    await cli('show', 'latest', '--workspace', workspace, '--html', htmlFile);
    const html = readFileSync(htmlFile, 'utf8');
    assert.ok(html.includes(MASKED) || html.includes(JSON.stringify(MASKED).slice(1, -1)), 'the HTML dashboard carries the masked diff');
    const printed = [streamed, applied, shownJson, html, await cli('show', 'latest', '--workspace', workspace, '--markdown'), await cli('show', 'latest', '--workspace', workspace)];
    for (const [index, text] of printed.entries()) assert.ok(!text.includes(KEY), `output #${index} holds the raw key`);

    const artifacts = filesUnder(storeDirFor(workspace));
    for (const kind of ['.sqlite', '.report.json', '.report.md', '.log.md', '.dashboard.md', '.summary.md']) {
      assert.ok(artifacts.some((file) => file.endsWith(kind) || path.basename(file).includes(kind)), `a ${kind} artifact among ${artifacts.map((f) => path.basename(f)).join(', ')}`);
    }
    const leaking = artifacts.filter((file) => readFileSync(file).includes(Buffer.from(KEY)));
    assert.deepEqual(leaking.map((file) => path.relative(workspace, file)), []);
  });
});
