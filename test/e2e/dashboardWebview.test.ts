// The dashboard as the VS Code panel runs it, in Chromium: the page from renderDashboardHtml (webview mode) with
// the built dist/webview assets, served from a made-up https origin through request interception (nothing leaves
// the machine), and a stub `acquireVsCodeApi` that records what the page posts. The host's side is played by
// window.postMessage with the protocol's messages: snapshot, events one by one, reveal, empty, a malformed one.
import { strict as assert } from 'node:assert';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { recordExampleRun, growSession } from '../../bench/support/sessionEvents';
import { foldEvents } from '../../src/core/logging/runState';
import type { OrchestratorEvent } from '../../src/core/protocol/events';
import { createNonce, renderDashboardHtml } from '../../src/shared/dashboardHtml';
import type { DashboardSession, HostToWebviewMessage, WebviewToHostMessage } from '../../src/shared/dashboardProtocol';
import { artifactPath, removeArtifacts } from './support/artifacts';
import { launchChromium } from './support/chromium';
import { wholePageScreenshot } from './support/wholePageScreenshot';
import { waitFor } from './support/waitFor';
import { MODEL_SESSION, modelRunEvents } from '../unit/logging/modelRun';

const ORIGIN = 'https://webview.dashboard-test.invalid';
const ASSETS = path.resolve(__dirname, '..', '..', 'dist', 'webview');

const STUB_VSCODE_API = `
  window.__posted = [];
  window.__states = [];
  window.__acquired = 0;
  window.__cspViolations = [];
  document.addEventListener('securitypolicyviolation', (event) => window.__cspViolations.push(event.violatedDirective));
  const api = Object.freeze({
    postMessage: (message) => { window.__posted.push(message); },
    setState: (state) => { window.__states.push(state); return state; },
    getState: () => window.__states[window.__states.length - 1],
  });
  window.acquireVsCodeApi = () => {
    window.__acquired += 1;
    if (window.__acquired > 1) throw new Error('An instance of the VS Code API has already been acquired');
    return api;
  };
`;

interface PageProbe {
  __posted: WebviewToHostMessage[];
  __states: unknown[];
  __acquired: number;
  __cspViolations: string[];
}

class WebviewHarness {
  readonly problems: string[] = [];

  private constructor(
    readonly context: BrowserContext,
    readonly page: Page,
  ) {
    page.on('console', (message) => {
      if (message.type() === 'error') this.problems.push(`[console] ${message.text()}`);
    });
    page.on('pageerror', (error) => this.problems.push(`[pageerror] ${error.message}`));
  }

  static async open(browser: Browser): Promise<WebviewHarness> {
    for (const file of ['dashboard.js', 'dashboard.css']) assert.ok(existsSync(path.join(ASSETS, file)), `dist/webview/${file} is missing: run npm run build`);
    const html = renderDashboardHtml({
      title: 'Agent Orchestrator',
      nonce: createNonce(),
      webview: { cspSource: ORIGIN, scriptUri: `${ORIGIN}/dashboard.js`, styleUri: `${ORIGIN}/dashboard.css` },
    });
    const context = await browser.newContext({ viewport: { width: 1400, height: 1000 } });
    await context.route(`${ORIGIN}/**`, async (route) => {
      const name = new URL(route.request().url()).pathname.slice(1);
      if (name === 'index.html') return route.fulfill({ body: html, contentType: 'text/html; charset=utf-8' });
      if (name === 'dashboard.js' || name === 'dashboard.css') {
        return route.fulfill({ body: readFileSync(path.join(ASSETS, name)), contentType: name.endsWith('.js') ? 'text/javascript' : 'text/css' });
      }
      return route.fulfill({ status: 404, body: 'not found' });
    });
    await context.addInitScript({ content: STUB_VSCODE_API });
    const harness = new WebviewHarness(context, await context.newPage());
    await harness.page.goto(`${ORIGIN}/index.html`);
    await harness.waitForPosted((message) => message.type === 'ready', 'the page to post "ready"');
    return harness;
  }

  async send(message: HostToWebviewMessage | Record<string, unknown>): Promise<void> {
    await this.page.evaluate((data) => (globalThis as unknown as { postMessage(m: unknown, o: string): void }).postMessage(data, '*'), message);
  }

  async probe(): Promise<PageProbe> {
    return this.page.evaluate(() => {
      const probe = globalThis as unknown as PageProbe;
      return { __posted: probe.__posted, __states: probe.__states, __acquired: probe.__acquired, __cspViolations: probe.__cspViolations };
    });
  }

  async posted(): Promise<WebviewToHostMessage[]> {
    return (await this.probe()).__posted;
  }

  async waitForPosted(match: (message: WebviewToHostMessage) => boolean, what: string): Promise<WebviewToHostMessage> {
    return waitFor(what, 10_000, async () => (await this.posted()).find(match), 50);
  }

  async waitForSeq(seq: number): Promise<void> {
    await waitFor(`body[data-last-seq] to reach ${seq}`, 10_000, async () => {
      const shown = Number(await this.page.locator('body').getAttribute('data-last-seq'));
      return shown >= seq ? true : undefined;
    }, 20);
  }
}

describe('dashboard webview in Chromium (VS Code mode, stub host)', function () {
  this.timeout(120_000);
  let browser: Browser | undefined;
  let recorded: OrchestratorEvent[];
  let sessionId: string;
  let harness: WebviewHarness;

  const liveSession = (): DashboardSession => ({ sessionId, workspaceName: 'vulnerable-api', live: true, interactive: true });
  const cutAfterSecondStart = (): number => recorded.findIndex((event, index) => event.type === 'agent.started' && recorded.slice(0, index).some((e) => e.type === 'agent.started')) + 1;

  before(async () => {
    removeArtifacts('failure-webview-');
    recorded = await recordExampleRun();
    sessionId = recorded[0]!.sessionId;
    browser = await launchChromium();
  });

  beforeEach(async () => {
    harness = await WebviewHarness.open(browser!);
  });

  afterEach(async function () {
    if (this.currentTest?.state === 'failed') await wholePageScreenshot(harness.page, artifactPath(`failure-webview-${this.currentTest.title.slice(0, 50)}.png`)).catch(() => undefined);
    await harness.context.close();
  });

  after(async () => {
    await browser?.close().catch(() => undefined);
  });

  it('acquires the VS Code API once, says ready, and draws a live run event by event until it completes', async () => {
    const cut = cutAfterSecondStart();
    await harness.send({ type: 'snapshot', session: liveSession(), events: recorded.slice(0, cut) });
    await harness.waitForSeq(recorded[cut - 1]!.seq);
    const page = harness.page;
    assert.match(await page.locator('[data-testid="run-status"]').innerText(), /running/i);
    assert.equal(await page.locator('[data-testid="agent-row"][data-agent="security-auditor"]').getAttribute('data-status'), 'completed');
    assert.equal(await page.locator('[data-testid="agent-row"][data-agent="backend-api-developer"]').getAttribute('data-status'), 'running');
    assert.ok(await page.locator('[data-testid="cancel-run"]').isVisible(), 'a live run in this window can be cancelled');

    // The rest arrives as the host sends it: one event per message.
    for (const event of recorded.slice(cut)) await harness.send({ type: 'events', sessionId, events: [event] });
    await harness.waitForSeq(recorded[recorded.length - 1]!.seq);
    await harness.send({ type: 'sessionEnded', sessionId });
    await waitFor('the Cancel button to go', 5_000, async () => ((await page.locator('[data-testid="cancel-run"]').isVisible()) ? undefined : true));

    const state = foldEvents(sessionId, recorded);
    assert.match(await page.locator('[data-testid="run-status"]').innerText(), /completed/i);
    assert.equal(await page.locator('[data-testid="progress"]').getAttribute('aria-valuenow'), '100');
    for (const agent of state.agents) {
      assert.equal(await page.locator(`[data-testid="agent-row"][data-agent="${agent.name}"]`).getAttribute('data-status'), agent.status, agent.name);
    }
    assert.equal(await page.locator('[data-testid="flow-edge"]').count(), state.flow.length);
    assert.equal(await page.locator('[data-testid="finding"]').count(), state.findings.length);
    assert.equal(await page.locator('[data-testid="handoff"]').count(), state.handoffs.length);
    assert.equal(await page.locator('[data-testid="recent-message"]').count(), Math.min(50, state.messages.length));

    const probe = await harness.probe();
    assert.equal(probe.__acquired, 1);
    assert.deepEqual(probe.__states, [{ sessionId }], 'the panel can restore this session after a reload');
    assert.deepEqual(probe.__cspViolations, []);
    assert.deepEqual(harness.problems, []);
    await wholePageScreenshot(page, artifactPath('webview-dashboard.png'));
  });

  it('shows each agent\'s model, turns, tokens and cost, what it waits for, and the run\'s model totals', async () => {
    const page = harness.page;
    const all = modelRunEvents();
    const waiting = modelRunEvents({ stopWaiting: true });
    await harness.send({ type: 'snapshot', session: { sessionId: MODEL_SESSION, workspaceName: 'vulnerable-api', live: true, interactive: true }, events: waiting });
    await harness.waitForSeq(waiting[waiting.length - 1]!.seq);
    const reviewer = page.locator('[data-testid="agent-row"][data-agent="code-reviewer"]');
    const auditor = page.locator('[data-testid="agent-row"][data-agent="security-auditor"]');
    assert.equal(await reviewer.getAttribute('data-waiting'), 'approval');
    assert.equal(await reviewer.locator('[data-testid="agent-waiting"]').innerText(), 'waiting for approval');
    assert.match(await reviewer.innerText(), /Edit src\/auth\.ts/, 'says what the approval is for');
    assert.ok(!(await auditor.locator('[data-testid="agent-waiting"]').isVisible()), 'an agent that waits for nothing shows no waiting badge');
    assert.ok(await page.locator('.agents-table th', { hasText: 'Model' }).isVisible());
    assert.equal(await reviewer.locator('.model-name').innerText(), 'openai/gpt-4o-mini');
    assert.equal(await reviewer.locator('[data-testid="agent-tokens"]').innerText(), '25.5k / 1.3k');
    assert.equal(await reviewer.locator('[data-testid="agent-cost"]').innerText(), '$0.0056');
    assert.equal(await auditor.locator('[data-testid="agent-cost"]').innerText(), '—');
    await wholePageScreenshot(page, artifactPath('webview-dashboard-models-waiting.png'));

    for (const event of all.slice(waiting.length)) await harness.send({ type: 'events', sessionId: MODEL_SESSION, events: [event] });
    await harness.waitForSeq(all[all.length - 1]!.seq);
    assert.equal(await reviewer.getAttribute('data-waiting'), null);
    assert.ok(!(await reviewer.locator('[data-testid="agent-waiting"]').isVisible()), 'the waiting badge goes when the agent resumes');
    assert.equal(await reviewer.locator('[data-testid="agent-turns"]').innerText(), '3');
    assert.equal(await reviewer.locator('[data-testid="agent-tokens"]').innerText(), '39.5k / 1.55k');
    assert.equal(await reviewer.locator('[data-testid="agent-cost"]').innerText(), '$0.0056 + 1 unpriced');
    const tile = (key: string) => page.locator(`[data-testid="metrics"] [data-metric="${key}"]`);
    assert.match(await tile('modelCalls').innerText(), /3/);
    assert.match(await tile('tokens').innerText(), /41k[\s\S]*39\.5k in \/ 1\.55k out, 8k cached/);
    assert.match(await tile('cost').innerText(), /\$0\.0056[\s\S]*1 call without a price/);
    assert.deepEqual(harness.problems, []);
    await wholePageScreenshot(page, artifactPath('webview-dashboard-models.png'));
  });

  it('hides the model columns and model tiles of a run that used no model', async () => {
    const page = harness.page;
    await harness.send({ type: 'snapshot', session: liveSession(), events: recorded });
    await harness.waitForSeq(recorded[recorded.length - 1]!.seq);
    assert.ok(await page.locator('.agents-table th', { hasText: 'Status' }).isVisible());
    for (const label of ['Model', 'Turns', 'Cost']) assert.ok(!(await page.locator('.agents-table th', { hasText: label }).isVisible()), `no ${label} column`);
    assert.ok(!(await page.locator('[data-testid="agent-tokens"]').first().isVisible()));
    for (const key of ['modelCalls', 'tokens', 'cost']) assert.ok(!(await page.locator(`[data-testid="metrics"] [data-metric="${key}"]`).isVisible()), `no ${key} tile`);
    assert.ok(await page.locator('[data-testid="metrics"] [data-metric="tools"]').isVisible());
  });

  it('posts openLocation when a finding is clicked or activated with the keyboard', async () => {
    await harness.send({ type: 'snapshot', session: { ...liveSession(), live: false }, events: recorded });
    const finding = foldEvents(sessionId, recorded).findings[0]!;
    const button = harness.page.locator(`[data-testid="finding"][data-file="${finding.file}"][data-line="${finding.line}"][data-column="${finding.column}"]`).first();
    assert.equal(await button.evaluate((element) => element.tagName), 'BUTTON');
    await button.click();
    const opened = await harness.waitForPosted((message) => message.type === 'openLocation', 'an openLocation message');
    assert.deepEqual(opened, { type: 'openLocation', file: finding.file, line: finding.line, column: finding.column });

    await button.focus();
    await harness.page.keyboard.press('Enter');
    await waitFor('a second openLocation', 5_000, async () => ((await harness.posted()).filter((m) => m.type === 'openLocation').length === 2 ? true : undefined));
  });

  it('posts cancelRun and exportReport from the header buttons of an interactive session', async () => {
    const cut = cutAfterSecondStart();
    await harness.send({ type: 'snapshot', session: liveSession(), events: recorded.slice(0, cut) });
    const cancel = harness.page.locator('[data-testid="cancel-run"]');
    await cancel.click();
    assert.deepEqual(await harness.waitForPosted((m) => m.type === 'cancelRun', 'cancelRun'), { type: 'cancelRun', sessionId });
    assert.equal(await cancel.isDisabled(), true, 'one click is enough: the button waits for the run to stop');
    await harness.page.getByRole('button', { name: 'Export Markdown' }).click();
    await harness.page.getByRole('button', { name: 'Export JSON' }).click();
    const exports = (await harness.posted()).filter((m) => m.type === 'exportReport');
    assert.deepEqual(exports, [
      { type: 'exportReport', sessionId, format: 'markdown' },
      { type: 'exportReport', sessionId, format: 'json' },
    ]);
  });

  it('shows a malformed message as an error and keeps applying the next ones', async () => {
    await harness.send({ type: 'snapshot', session: liveSession(), events: recorded.slice(0, 3) });
    await harness.waitForSeq(recorded[2]!.seq);
    await harness.send({ type: 'events', sessionId, events: [{ type: 'agent.started', seq: 'x' }] });
    await harness.send({ type: 'no-such-message' });
    const banner = harness.page.getByRole('alert').filter({ hasText: 'could not read' });
    await banner.first().waitFor();
    assert.equal(await banner.count(), 2);
    await harness.send({ type: 'events', sessionId, events: recorded.slice(3) });
    await harness.waitForSeq(recorded[recorded.length - 1]!.seq);
    assert.match(await harness.page.locator('[data-testid="run-status"]').innerText(), /completed/i);
  });

  it('ignores events of another session', async () => {
    await harness.send({ type: 'snapshot', session: liveSession(), events: recorded.slice(0, 3) });
    await harness.waitForSeq(recorded[2]!.seq);
    const foreign = recorded.slice(3).map((event) => ({ ...event, sessionId: 'session_other' }));
    await harness.send({ type: 'events', sessionId: 'session_other', events: foreign });
    await harness.send({ type: 'events', sessionId, events: [recorded[3]!] });
    await harness.waitForSeq(recorded[3]!.seq);
    assert.equal(await harness.page.locator('body').getAttribute('data-last-seq'), String(recorded[3]!.seq));
  });

  it('reveals a handoff in the inspector and a finding in the table, focused', async () => {
    await harness.send({ type: 'snapshot', session: { ...liveSession(), live: false }, events: recorded });
    const state = foldEvents(sessionId, recorded);
    const handoff = state.handoffs[state.handoffs.length - 1]!;
    await harness.send({ type: 'reveal', target: { kind: 'handoff', id: handoff.id } });
    const inspector = harness.page.locator('[data-testid="handoff-inspector"]');
    await waitFor('the inspector to show the revealed handoff', 5_000, async () => ((await inspector.innerText()).includes(`${handoff.from} → ${handoff.to}`) ? true : undefined));
    await waitFor('the handoff to be focused', 5_000, () =>
      harness.page.evaluate((id) => (globalThis as unknown as { document: { activeElement: { getAttribute(n: string): string | null } | null } }).document.activeElement?.getAttribute('data-handoff-id') === id, handoff.id).then((ok) => (ok ? true : undefined)),
    );

    const finding = state.findings[state.findings.length - 1]!;
    await harness.send({ type: 'reveal', target: { kind: 'finding', id: finding.id } });
    await waitFor('the finding to be focused', 5_000, () =>
      harness.page
        .evaluate(() => (globalThis as unknown as { document: { activeElement: { getAttribute(n: string): string | null } | null } }).document.activeElement?.getAttribute('data-testid') ?? null)
        .then((testId) => (testId === 'finding' ? true : undefined)),
    );
  });

  it('shows the empty state with a button that asks the host to orchestrate a request', async () => {
    await harness.send({ type: 'empty', message: 'No run yet in this workspace.' });
    const empty = harness.page.locator('[data-testid="empty-state"]');
    await empty.waitFor();
    assert.match(await empty.innerText(), /No run yet in this workspace\./);
    await empty.getByRole('button', { name: 'Orchestrate Request' }).click();
    await harness.waitForPosted((m) => m.type === 'orchestrateRequest', 'orchestrateRequest');
    assert.deepEqual((await harness.probe()).__states, [{ sessionId: null }]);
  });

  it('draws a 10,000-event session, caps the findings table, and shows the next event at once', async () => {
    const grown = growSession(recorded, 10_000);
    await harness.send({ type: 'snapshot', session: liveSession(), events: grown.head });
    await harness.waitForSeq(grown.head[grown.head.length - 1]!.seq);
    const findingCount = foldEvents(grown.sessionId, grown.head).findings.length;
    assert.ok(findingCount > 200, `the grown session has ${findingCount} findings`);
    assert.equal(await harness.page.locator('[data-testid="finding"]').count(), 200);
    assert.match(await harness.page.locator('[data-testid="findings"]').innerText(), new RegExp(`${findingCount - 200} more findings not shown`));
    assert.equal(await harness.page.locator('[data-testid="recent-message"]').count(), 50);

    const next = grown.next();
    await harness.send({ type: 'events', sessionId: grown.sessionId, events: [next] });
    await harness.waitForSeq(next.seq);
    assert.deepEqual(harness.problems, []);
  });
});
