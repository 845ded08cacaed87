// `agent-orchestrator show <id> --html`: the standalone dashboard of a recorded session, written where the
// session's other artifacts are (or where asked), carrying the session's events for the page to draw.
import { strict as assert } from 'node:assert';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parse, type DefaultTreeAdapterMap } from 'parse5';
import { ExitCode, runCli } from '../../../src/cli/main';
import { DashboardAssetsMissingError, readDashboardAssets } from '../../../src/cli/standaloneDashboard';
import type { OrchestratorEvent } from '../../../src/core/protocol/events';
import { parseStandaloneDashboardData, STANDALONE_DATA_ELEMENT_ID, type StandaloneDashboardData } from '../../../src/shared/dashboardProtocol';

type Node = DefaultTreeAdapterMap['node'];
type Element = DefaultTreeAdapterMap['element'];

const repoRoot = path.resolve(__dirname, '..', '..', '..');
const REQUEST = 'Fix security vulnerability in authentication endpoint';

async function cli(...argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const strip = (text: string): string => text.replace(/\x1b\[[0-9;]*m/g, '');
  const code = await runCli(argv, { out: (text) => out.push(strip(text)), err: (text) => err.push(strip(text)) });
  return { code, stdout: out.join('\n'), stderr: err.join('\n') };
}

function findElement(root: Node, match: (element: Element) => boolean): Element | undefined {
  if ('tagName' in root && match(root)) return root;
  if ('childNodes' in root) {
    for (const child of root.childNodes) {
      const found = findElement(child, match);
      if (found) return found;
    }
  }
  return undefined;
}

/** The session embedded in a standalone dashboard, read the way the page reads it. */
function embeddedSession(html: string): StandaloneDashboardData {
  const element = findElement(parse(html), (e) => e.tagName === 'script' && e.attrs.some((a) => a.name === 'id' && a.value === STANDALONE_DATA_ELEMENT_ID));
  assert.ok(element, `a <script id="${STANDALONE_DATA_ELEMENT_ID}"> element`);
  const json = element.childNodes.map((child) => ('value' in child ? child.value : '')).join('');
  return parseStandaloneDashboardData(JSON.parse(json));
}

describe('agent-orchestrator show --html', function () {
  this.timeout(120_000);
  let workspace: string;
  let sessionId: string;
  let events: OrchestratorEvent[];

  before(async () => {
    workspace = mkdtempSync(path.join(os.tmpdir(), 'ao-show-html-'));
    cpSync(path.join(repoRoot, 'examples', 'vulnerable-api'), workspace, { recursive: true, filter: (source) => !source.includes(`${path.sep}node_modules`) });
    const run = await cli('run', REQUEST, '--workspace', workspace, '--json');
    assert.equal(run.code, ExitCode.success, run.stderr);
    sessionId = (JSON.parse(run.stdout) as { sessionId: string }).sessionId;
    const shown = await cli('show', sessionId, '--workspace', workspace, '--json');
    assert.equal(shown.code, ExitCode.success, shown.stderr);
    events = JSON.parse(shown.stdout) as OrchestratorEvent[];
  });
  after(() => rmSync(workspace, { recursive: true, force: true }));

  it('writes <sessionId>.dashboard.html beside the session\'s log and prints its path', async () => {
    const result = await cli('show', 'latest', '--workspace', workspace, '--html');
    assert.equal(result.code, ExitCode.success, result.stderr);
    const file = result.stdout.trim();
    assert.equal(path.basename(file), `${sessionId}.dashboard.html`);
    assert.ok(existsSync(path.join(path.dirname(file), `${sessionId}.log.md`)), 'next to the session\'s Markdown log');
    const data = embeddedSession(readFileSync(file, 'utf8'));
    assert.deepEqual(data.events, events, 'every event of the session, as stored');
    assert.deepEqual(data.session, { sessionId, workspaceName: path.basename(workspace), live: false, interactive: false });
  });

  it('writes to the file given after --html, with the script and stylesheet inlined', async () => {
    const file = path.join(workspace, 'shared', 'run.html');
    const result = await cli('show', sessionId, '--workspace', workspace, '--html', file);
    assert.equal(result.code, ExitCode.success, result.stderr);
    assert.equal(result.stdout.trim(), file);
    const html = readFileSync(file, 'utf8');
    assert.equal(embeddedSession(html).events.length, events.length);
    const { script, style } = readDashboardAssets();
    assert.ok(html.includes(style.slice(0, 200)), 'the stylesheet is inlined');
    assert.ok(!/sourceMappingURL/.test(html), 'no source map in a file meant to be shared');
    assert.ok(script.length > 1000 && html.length > script.length, 'the dashboard script is inlined');
    assert.match(html, new RegExp(`<title>Agent Orchestrator — ${REQUEST}</title>`));
  });

  it('refuses --html together with --json', async () => {
    const result = await cli('show', sessionId, '--workspace', workspace, '--html', '--json');
    assert.equal(result.code, ExitCode.usage);
    assert.match(result.stderr, /Choose one of --json, --markdown and --html/);
  });

  it('says the dashboard must be built when its assets are missing', () => {
    const empty = mkdtempSync(path.join(os.tmpdir(), 'ao-no-assets-'));
    try {
      assert.throws(() => readDashboardAssets([empty]), (error: unknown) => error instanceof DashboardAssetsMissingError && /dashboard assets not built: run npm run build/.test(error.message));
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });
});
