// End to end, as a reader of a shared dashboard: a real run of the example workspace, exported with
// `agent-orchestrator show <id> --html`, opened from disk (file://) in Chromium with no network and no VS Code.
// Screenshots: test-results/standalone-dashboard.png (light) and standalone-dashboard-dark.png.
import { strict as assert } from 'node:assert';
import { rmSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { openWorkspaceEngine } from '../../src/agents/workspaceEngine';
import { ExitCode, runCli } from '../../src/cli/main';
import { foldEvents, type RunState } from '../../src/core/logging/runState';
import type { OrchestratorEvent } from '../../src/core/protocol/events';
import { scratchCopyOfExample } from '../helpers/exampleWorkspace';
import { artifactPath } from './support/artifacts';
import { launchChromium } from './support/chromium';
import { wholePageScreenshot } from './support/wholePageScreenshot';

const REQUEST = 'Fix security vulnerability in authentication endpoint';

// Runs in the page before its own scripts: CSP violations are recorded even when nothing is logged for them.
const RECORD_CSP_VIOLATIONS = `
  window.__cspViolations = [];
  document.addEventListener('securitypolicyviolation', (event) => {
    window.__cspViolations.push(event.violatedDirective + ' ' + event.blockedURI);
  });
`;

interface OpenedPage {
  context: BrowserContext;
  page: Page;
  problems: string[];
}

async function openDashboard(browser: Browser, file: string, colorScheme: 'light' | 'dark'): Promise<OpenedPage> {
  const context = await browser.newContext({ viewport: { width: 1400, height: 1000 }, colorScheme });
  await context.addInitScript({ content: RECORD_CSP_VIOLATIONS });
  const page = await context.newPage();
  const problems: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error' || /Content Security Policy|Refused to/i.test(message.text())) problems.push(`[console ${message.type()}] ${message.text()}`);
  });
  page.on('pageerror', (error) => problems.push(`[pageerror] ${error.message}`));
  page.on('request', (request) => {
    if (!request.url().startsWith('file:') && !request.url().startsWith('data:')) problems.push(`[request] ${request.url()}`);
  });
  await page.goto(pathToFileURL(file).href);
  await page.locator('[data-testid="run-status"]').waitFor({ timeout: 15_000 });
  return { context, page, problems };
}

async function cspViolations(page: Page): Promise<string[]> {
  return page.evaluate(() => (globalThis as unknown as { __cspViolations: string[] }).__cspViolations);
}

describe('standalone dashboard (show --html) in Chromium', function () {
  this.timeout(180_000);
  let workspace: string;
  let events: OrchestratorEvent[];
  let state: RunState;
  let htmlFile: string;
  let browser: Browser | undefined;
  let opened: OpenedPage;
  let page: Page;

  before(async () => {
    workspace = scratchCopyOfExample();
    const engine = await openWorkspaceEngine({ workspaceRoot: workspace, mode: 'write', allowCommands: true, env: {} });
    let sessionId: string;
    try {
      const result = await engine.orchestrator.executeRequest(REQUEST, { apply: true, allowCommands: true });
      assert.equal(result.success, true, result.error);
      sessionId = result.sessionId;
      events = engine.store.getEvents(sessionId);
    } finally {
      await engine.close();
    }
    state = foldEvents(sessionId, events);

    htmlFile = path.join(workspace, 'exported', 'dashboard.html');
    const errors: string[] = [];
    const code = await runCli(['show', sessionId, '--workspace', workspace, '--html', htmlFile], { out: () => undefined, err: (text) => errors.push(text) });
    assert.equal(code, ExitCode.success, errors.join('\n'));

    browser = await launchChromium();
    opened = await openDashboard(browser, htmlFile, 'light');
    page = opened.page;
  });

  after(async () => {
    await browser?.close().catch(() => undefined);
    if (workspace) rmSync(workspace, { recursive: true, force: true });
  });

  it('shows the request and the run as completed, with full progress', async () => {
    assert.match(await page.locator('[data-testid="run-status"]').innerText(), /completed/i);
    assert.equal(await page.locator('h1').first().innerText(), REQUEST);
    assert.equal(await page.locator('[data-testid="progress"]').getAttribute('aria-valuenow'), '100');
  });

  it('lists every agent of the run in its final state', async () => {
    const rows = page.locator('[data-testid="agent-row"]');
    const shown = new Map<string, string | null>();
    for (let i = 0; i < (await rows.count()); i++) shown.set((await rows.nth(i).getAttribute('data-agent')) ?? '', await rows.nth(i).getAttribute('data-status'));
    assert.deepEqual(shown, new Map(state.agents.map((agent) => [agent.name, agent.status])));
    for (const name of ['security-auditor', 'backend-api-developer', 'test-suite-developer', 'docs-writer']) assert.equal(shown.get(name), 'completed', name);
    assert.equal(shown.get('api-reviewer'), 'skipped', 'the model-only agent is shown as skipped');
  });

  it('draws the communication flow graph with a node per participant and an edge per route', async () => {
    const graph = page.locator('[data-testid="flow-graph"] svg');
    assert.equal(await graph.count(), 1);
    assert.equal(await graph.getAttribute('role'), 'img');
    const routes = new Set(state.flow.map((edge) => `${edge.from} -> ${edge.to}`));
    const edges = page.locator('[data-testid="flow-edge"]');
    const drawn = new Set<string>();
    for (let i = 0; i < (await edges.count()); i++) drawn.add(`${await edges.nth(i).getAttribute('data-from')} -> ${await edges.nth(i).getAttribute('data-to')}`);
    assert.deepEqual(drawn, routes);
    assert.ok(routes.has('security-auditor -> all'), 'the auditor\'s broadcast findings are an edge to "all"');
    const participants = new Set(state.flow.flatMap((edge) => [edge.from, edge.to]));
    for (const agent of state.agents) if (agent.status !== 'skipped') participants.add(agent.name);
    assert.equal(await page.locator('[data-testid="flow-node"]').count(), participants.size);
    const box = await graph.boundingBox();
    assert.ok(box && box.width > 300 && box.height > 80, `the graph is drawn at a readable size (${JSON.stringify(box)})`);
    // The text alternative names each route for screen readers.
    assert.equal(await page.locator('[data-testid="flow-graph"] .sr-only li').count(), routes.size);
  });

  it('draws a timeline bar per agent, with the parallel agents overlapping', async () => {
    const bars = page.locator('[data-testid="timeline"] [data-testid="timeline-bar"]');
    assert.equal(await bars.count(), state.agents.length);
    const boxOf = async (agent: string): Promise<{ x: number; width: number }> => {
      const box = await page.locator(`[data-testid="timeline-bar"][data-agent="${agent}"]`).boundingBox();
      assert.ok(box, `a visible bar for ${agent}`);
      return box;
    };
    const auditor = await boxOf('security-auditor');
    const developer = await boxOf('backend-api-developer');
    const tests = await boxOf('test-suite-developer');
    const docs = await boxOf('docs-writer');
    assert.ok(auditor.width > 10 && tests.width > 10 && docs.width > 10, 'bars are as long as the agents ran');
    assert.ok(developer.x >= auditor.x + auditor.width - 1, 'the developer starts after the auditor');
    assert.ok(tests.x < docs.x + docs.width && docs.x < tests.x + tests.width, 'tests and docs overlap in time');
  });

  it('lists the findings with severity, rule, file:line:column, message and agent', async () => {
    const findings = page.locator('[data-testid="finding"]');
    assert.equal(await findings.count(), state.findings.length);
    const headline = state.findings.find((finding) => finding.file === 'src/routes/auth.ts' && /organizationId/.test(finding.message));
    assert.ok(headline, 'the run reported the missing organizationId check');
    const location = page.locator(`[data-testid="finding"][data-file="${headline.file}"][data-line="${headline.line}"][data-column="${headline.column}"]`);
    assert.equal(await location.count(), 1);
    await location.scrollIntoViewIfNeeded();
    assert.equal(await location.innerText(), `${headline.file}:${headline.line}:${headline.column}`);
    // Without an editor behind the page the location is text, not a button that would do nothing.
    assert.equal(await location.evaluate((element) => element.tagName), 'CODE');
    const row = page.locator('tr', { has: location });
    const rowText = await row.innerText();
    for (const part of [headline.ruleId, headline.message, headline.agent ?? '', headline.severity]) assert.ok(rowText.toLowerCase().includes(part.toLowerCase()), `the row shows ${part}`);
  });

  it('shows a handoff\'s context package in the inspector when it is clicked, or chosen with the keyboard', async () => {
    const inspector = page.locator('[data-testid="handoff-inspector"]');
    const handoffs = page.locator('[data-testid="handoff"]');
    assert.equal(await handoffs.count(), state.handoffs.length);
    assert.ok(state.handoffs.length >= 2);

    const first = state.handoffs[0]!;
    await handoffs.nth(0).click();
    assert.equal(await handoffs.nth(0).getAttribute('aria-current'), 'true');
    let text = await inspector.innerText();
    assert.ok(text.includes(`${first.from} → ${first.to}`), text.slice(0, 200));
    assert.ok(text.includes(first.package.executionContext.task));
    for (const file of first.package.executionContext.filesRead) assert.ok(text.includes(file), `files read: ${file}`);
    for (const finding of first.package.executionContext.findings) assert.ok(text.includes(`${finding.file}:${finding.line}:${finding.column}`), `finding ${finding.ruleId}`);
    for (const action of first.package.recommendations.nextActions) assert.ok(text.includes(action), `next action: ${action}`);
    assert.match(text, /requires validation/i);

    const second = state.handoffs[1]!;
    await handoffs.nth(1).focus();
    await page.keyboard.press('Enter');
    text = await inspector.innerText();
    assert.ok(text.includes(`${second.from} → ${second.to}`));
    for (const file of second.package.executionContext.filesModified) assert.ok(text.includes(file), `files modified: ${file}`);
    for (const decision of second.package.executionContext.decisions) assert.ok(text.includes(decision), `decision: ${decision}`);
    assert.equal(await handoffs.nth(0).getAttribute('aria-current'), null, 'only the chosen handoff is marked current');
  });

  it('shows recent messages, performance metrics, learned patterns, the summary and recommendations', async () => {
    // As a reader would: scrolled to (cards out of view are not laid out until then).
    const read = async (testId: string): Promise<string> => {
      const card = page.locator(`[data-testid="${testId}"]`);
      await card.scrollIntoViewIfNeeded();
      return card.innerText();
    };
    assert.equal(await page.locator('[data-testid="recent-message"]').count(), Math.min(50, state.messages.length));
    assert.match(await read('metrics'), /Parallel execution\s+\d+%/i);
    assert.equal(await page.locator('[data-testid="patterns"] tbody tr').count(), state.patterns.length);
    assert.ok(state.patterns.length > 0);
    const summary = await read('summary');
    assert.match(summary, /Execution completed successfully/);
    assert.match(summary, new RegExp(`Findings\\s+${state.findings.length}`));
    assert.ok((await page.locator('[data-testid="recommendations"] li').count()) > 0);
  });

  it('has no buttons that need VS Code, and every section under a heading', async () => {
    assert.equal(await page.locator('[data-testid="cancel-run"]').isVisible(), false);
    for (const name of ['Export Markdown', 'Export JSON']) assert.equal(await page.getByRole('button', { name }).isVisible(), false, name);
    const headings = await page.locator('section.card h2').allTextContents();
    for (const title of ['Agent Status', 'Communication Flow', 'Timeline', 'Findings', 'Handoffs', 'Recent Messages', 'Performance Metrics', 'Learned Patterns', 'Execution Summary', 'Recommendations']) {
      assert.ok(headings.some((heading) => heading.toLowerCase() === title.toLowerCase()), `a "${title}" heading`);
    }
  });

  it('loaded nothing from outside the file, logged no error and violated no CSP directive', async () => {
    await wholePageScreenshot(page, artifactPath('standalone-dashboard.png'));
    assert.deepEqual(opened.problems, []);
    assert.deepEqual(await cspViolations(page), []);
  });

  it('follows the reader\'s dark theme', async () => {
    const dark = await openDashboard(browser!, htmlFile, 'dark');
    try {
      const background = (target: Page): Promise<string> =>
        target.locator('body').evaluate((body) => (globalThis as unknown as { getComputedStyle(e: unknown): { backgroundColor: string } }).getComputedStyle(body).backgroundColor);
      assert.equal(await background(page), 'rgb(255, 255, 255)');
      assert.equal(await background(dark.page), 'rgb(31, 31, 31)');
      await dark.page.locator('[data-testid="handoff"]').first().click();
      await wholePageScreenshot(dark.page, artifactPath('standalone-dashboard-dark.png'));
      assert.deepEqual(dark.problems, []);
      assert.deepEqual(await cspViolations(dark.page), []);
    } finally {
      await dark.context.close();
    }
  });
});
