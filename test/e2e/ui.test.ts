// End to end, as a user: the packaged VSIX installed in a real VS Code (code-server) driven through Chromium.
// Palette -> Orchestrate Request -> request typed -> plan started -> dashboard shows every agent done and the flow
// graph -> a clicked finding opens its file at its line -> the sidebar views show the run -> after a window reload
// the dashboard comes back with the same session -> Clear Learnings asks first, then empties Learned Patterns -> Select Model Provider stores
// the choice in user settings and the API key nowhere on disk in settings or logs -> with the test language model
// (test/extensionHost/lmProvider, packaged and installed beside it) chosen, "ask before each edit or command" shows
// the agent's edit in a diff editor, Approve writes it, and the dashboard shows the agents done.
// Screenshots: test-results/dashboard.png and test-results/sidebar.png (taken whenever those screens were reached,
// pass or fail) and test-results/failure-ui-*.png for a failed step.
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Browser, Frame, Page } from 'playwright-core';
import { REPO_ROOT, assertSetupDone } from '../../scripts/e2e/environment.mjs';
import { installExtension, startCodeServer, type RunningCodeServer } from '../../scripts/e2e/codeServer.mjs';
import { artifactPath, removeArtifacts, writeArtifact } from './support/artifacts';
import { launchChromium } from './support/chromium';
import { copyExampleWorkspace, type FixtureWorkspace } from './support/fixtureWorkspace';
import { GiveUp, waitFor } from './support/waitFor';
import {
  activeEditorTabLabel, dismissNotifications, expandedView, frameContaining, openWorkbench, pickItem, runCommandFromPalette, submitRequest, statusBarCursor, waitForPrompt,
  waitForWorkbench,
} from './support/workbench';

const COMMAND_TITLE = 'Agent Orchestrator: Orchestrate Request';
const REQUEST = 'Fix security vulnerability in authentication endpoint';
const START_ITEM = 'Start (report changes as diffs; no commands)';
const MODEL_NAME = 'claude-sonnet-4-5';
const START_ASK_ITEM = 'Start, ask before each edit or command';
const EDITED_FILE = path.join('notes', 'approval.txt');
const EDIT_REQUEST = 'Please edit notes/approval.txt replacing "color = red" with "color = blue"';
const API_KEY = 'sk-ant-e2e-0123456789-never-in-settings';
/** Each sidebar view and a text one of its rows shows after the run (an error row would not). */
const SIDEBAR_VIEWS: readonly [title: string, rowText: string][] = [
  ['Agents', 'security-auditor'],
  ['Messages', 'HANDOFF'],
  ['Handoffs', 'security-auditor → backend-api-developer'],
  ['Learned Patterns', 'support 1'],
  ['Sessions', 'Fix security vulnerability in authentication endpoint'],
];
/** The offline run on the example takes seconds; the limit leaves room for a slow 2-core CI machine. */
const RUN_TIMEOUT_MS = 4 * 60_000;

function vsixPath(): string {
  const { version } = JSON.parse(readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string };
  return path.join(REPO_ROOT, `agent-orchestrator-${version}.vsix`);
}

/**
 * The test-only language model extension as a VSIX: bundled by scripts/e2e/buildTests.mjs, packaged with vsce.
 * Installed beside the extension, it is what "a VS Code language model" is in this window (no Copilot here).
 */
function packageTestModelExtension(outDir: string): string {
  const build = spawnSync(process.execPath, [path.join(REPO_ROOT, 'scripts', 'e2e', 'buildTests.mjs')], { encoding: 'utf8', timeout: 60_000 });
  assert.equal(build.status, 0, `bundling the test model extension failed:\n${build.stdout}${build.stderr}`);
  const vsix = path.join(outDir, 'agent-orchestrator-test-language-model.vsix');
  const vsce = path.join(REPO_ROOT, 'node_modules', '.bin', 'vsce');
  const pack = spawnSync(vsce, ['package', '--no-dependencies', '--allow-missing-repository', '--skip-license', '-o', vsix], {
    cwd: path.join(REPO_ROOT, 'out', 'test', 'extensionHost', 'lmProvider'),
    encoding: 'utf8',
    timeout: 120_000,
  });
  assert.equal(pack.status, 0, `packaging the test model extension failed:\n${pack.stdout}${pack.stderr}`);
  return vsix;
}

/** The settings and log files VS Code keeps under a user-data folder: where a leaked secret would land on disk. */
function settingsAndLogFiles(dir: string): string[] {
  return (readdirSync(dir, { recursive: true }) as string[])
    .map((name) => path.join(dir, name))
    .filter((file) => /(^|[\\/])settings\.json$|\.log$/.test(file));
}

describe('VS Code UI with the packaged extension (code-server + Chromium)', function () {
  this.timeout(RUN_TIMEOUT_MS + 2 * 60_000);
  let baseDir: string | undefined;
  let userDataDir = '';
  let workspace: FixtureWorkspace | undefined;
  let server: RunningCodeServer | undefined;
  let browser: Browser | undefined;
  let page: Page | undefined;
  let dashboard: Frame | undefined;
  /** The session the dashboard showed when the run completed. */
  let sessionId: string | undefined;
  const consoleLines: string[] = [];

  before(async function () {
    this.timeout(3 * 60_000);
    assertSetupDone();
    const vsix = vsixPath();
    assert.ok(existsSync(vsix), `${path.basename(vsix)} is missing: run "npm run package" (npm test does it before the e2e tests)`);
    for (const name of ['dashboard.png', 'sidebar.png']) rmSync(artifactPath(name), { force: true });
    removeArtifacts('failure-ui-');
    workspace = copyExampleWorkspace();
    baseDir = mkdtempSync(path.join(os.tmpdir(), 'ao-e2e-ui-'));
    const extensionsDir = path.join(baseDir, 'extensions');
    userDataDir = path.join(baseDir, 'user-data');
    await installExtension({ vsix, extensionsDir, userDataDir });
    await installExtension({ vsix: packageTestModelExtension(baseDir), extensionsDir, userDataDir });
    // The first runs check the offline agents' findings: with the default (auto) the test model would run them.
    mkdirSync(path.join(userDataDir, 'User'), { recursive: true });
    writeFileSync(path.join(userDataDir, 'User', 'settings.json'), `${JSON.stringify({ 'agentOrchestrator.provider': 'offline' }, null, 2)}\n`);
    server = await startCodeServer({ baseDir, extensionsDir, userDataDir, trustWorkspace: true });
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1600, height: 1000 } });
    page.on('console', (message) => consoleLines.push(`[${message.type()}] ${message.text()}`));
    page.on('pageerror', (error) => consoleLines.push(`[pageerror] ${error.message}`));
    await openWorkbench(page, server.workbenchUrl(workspace.path));
  });

  afterEach(async function () {
    if (this.currentTest?.state === 'failed' && page) {
      await page.screenshot({ path: artifactPath(`failure-ui-${this.currentTest.title.slice(0, 60)}.png`) }).catch(() => undefined);
    }
  });

  after(async () => {
    if (server) writeArtifact('ui-code-server.log', `# code-server log\n${server.readLog()}\n# browser console\n${consoleLines.join('\n')}\n`);
    await browser?.close().catch(() => undefined);
    await server?.stop();
    if (baseDir) rmSync(baseDir, { recursive: true, force: true, maxRetries: 3 });
    workspace?.remove();
  });

  it('runs a request from the command palette; the dashboard shows every agent done and the flow graph', async () => {
    const ui = page!;
    await runCommandFromPalette(ui, COMMAND_TITLE);
    await submitRequest(ui, REQUEST);
    await pickItem(ui, START_ITEM);

    dashboard = await frameContaining(ui, '[data-testid="run-status"]', 'the dashboard webview (an element [data-testid="run-status"])', 60_000);
    const frame = dashboard;
    try {
      const status = await waitFor('the dashboard run status to say "completed"', RUN_TIMEOUT_MS, async () => {
        const text = (await frame.locator('[data-testid="run-status"]').first().innerText()).trim();
        if (/completed/i.test(text)) return text;
        // A failed or cancelled run will not complete: fail now with what the dashboard says.
        if (/\b(failed|cancelled|canceled)\b/i.test(text)) throw new GiveUp(`the run ended as "${text}"`);
        return undefined;
      }, 500);
      assert.match(status, /completed/i);

      const rows = await frame.locator('[data-testid="agent-row"]').evaluateAll((elements) =>
        elements.map((element) => ({ text: (element.textContent ?? '').trim().slice(0, 80), status: element.getAttribute('data-status') })),
      );
      assert.ok(rows.length > 0, 'the dashboard lists no agents');
      const unfinished = rows.filter((row) => row.status !== 'completed' && row.status !== 'skipped');
      assert.deepEqual(unfinished, [], 'every agent should be completed or skipped');
      assert.ok((await frame.locator('[data-testid="flow-node"]').count()) > 0, 'the communication flow graph has no nodes');
      sessionId = (await frame.locator('.session-id').first().innerText()).trim();
      assert.match(sessionId, /^session_/, `the dashboard header should name the session (got "${sessionId}")`);
    } finally {
      await dismissNotifications(ui);
      await ui.screenshot({ path: artifactPath('dashboard.png') });
    }
  });

  it('opens the file of a clicked finding with the cursor on its line', async () => {
    assert.ok(dashboard, 'needs the dashboard of the completed run (previous test)');
    const ui = page!;
    const finding = dashboard.locator('[data-testid="finding"]').first();
    await finding.waitFor({ state: 'visible', timeout: 30_000 }).catch(() => {
      throw new Error('the dashboard shows no finding ([data-testid="finding"]) for a run on the deliberately vulnerable example');
    });
    const file = await finding.getAttribute('data-file');
    const line = await finding.getAttribute('data-line');
    assert.ok(file && line, `a finding must carry data-file and data-line (got ${String(file)}, ${String(line)})`);
    await finding.click();

    const fileName = path.basename(file);
    await waitFor(`the editor tab of ${fileName} to be active`, 20_000, async () => ((await activeEditorTabLabel(ui)).includes(fileName) ? true : undefined));
    await waitFor(`the status bar to show the cursor on line ${line} ("Ln ${line},")`, 20_000, async () =>
      (await statusBarCursor(ui)).startsWith(`Ln ${line},`) ? true : undefined,
    );
  });

  it('shows the run in the sidebar: agents, messages, handoffs, learned patterns and sessions', async () => {
    const ui = page!;
    await ui.locator('.activitybar .action-item .action-label[aria-label^="Agent Orchestrator"]').first().click({ timeout: 15_000 }).catch(() => {
      throw new Error('the activity bar has no "Agent Orchestrator" entry');
    });
    try {
      const missing: string[] = [];
      for (const [title, rowText] of SIDEBAR_VIEWS) {
        const pane = await expandedView(ui, title);
        const row = pane.locator('.pane-body .monaco-list-row', { hasText: rowText }).first();
        const shown = await row.waitFor({ state: 'attached', timeout: 15_000 }).then(() => true, () => false);
        if (!shown) missing.push(`${title}: no row with "${rowText}" (rows: ${(await pane.locator('.pane-body .monaco-list-row').allInnerTexts()).join(' | ').slice(0, 300)})`);
      }
      assert.deepEqual(missing, [], 'these sidebar views do not show the run');
    } finally {
      await dismissNotifications(ui);
      await ui.screenshot({ path: artifactPath('sidebar.png') });
    }
  });
  it('starts Orchestrate Request from the Agents view\'s title button while an agent is selected', async () => {
    const ui = page!;
    const agents = await expandedView(ui, 'Agents');
    await agents.locator('.pane-body .monaco-list-row').first().click();
    // VS Code passes the view's focused item to a title button's command; the command must not take it for arguments.
    await agents.locator('.pane-header .actions .action-label[aria-label^="Orchestrate Request"]').first().click({ timeout: 10_000 });
    const prompt = await waitForPrompt(ui, 'the request prompt of Orchestrate Request');
    await prompt.press('Escape');
  });

  it('brings the dashboard back with the same session after the window is reloaded', async () => {
    assert.ok(sessionId, 'needs the session of the completed run (first test)');
    const ui = page!;
    // The panel must be a visible editor for VS Code to revive it at once after the reload.
    await runCommandFromPalette(ui, 'Agent Orchestrator: Show Dashboard');
    await frameContaining(ui, '[data-testid="run-status"]', 'the dashboard in front again', 30_000);
    // A mark on the old page tells it apart from the reloaded one (the old frames linger for a moment).
    await ui.evaluate(() => Object.assign(globalThis, { aoBeforeReload: true }));
    await runCommandFromPalette(ui, 'Developer: Reload Window');
    await waitFor('the window to reload', 60_000, async () =>
      (await ui.evaluate(() => !('aoBeforeReload' in globalThis)).catch(() => false)) ? true : undefined,
    );
    await waitForWorkbench(ui);

    const restored = await frameContaining(ui, '[data-testid="run-status"]', 'the dashboard webview restored after the reload', 90_000);
    const shown = await waitFor('the restored dashboard to show the session as completed', 60_000, async () => {
      const status = (await restored.locator('[data-testid="run-status"]').first().innerText()).trim();
      const session = (await restored.locator('.session-id').first().innerText()).trim();
      return /completed/i.test(status) && session.length > 0 ? { status, session } : undefined;
    }, 500);
    assert.equal(shown.session, sessionId, 'the restored dashboard shows another session');
    assert.ok((await restored.locator('[data-testid="agent-row"]').count()) > 0, 'the restored dashboard lists no agents');
  });
  it('asks before clearing learnings: Cancel keeps the learned patterns, Clear Learnings removes them', async () => {
    const ui = page!;
    const sidebarVisible = await ui.locator('.part.sidebar .pane-header .title', { hasText: /^Learned Patterns$/i }).first().isVisible().catch(() => false);
    if (!sidebarVisible) await ui.locator('.activitybar .action-item .action-label[aria-label^="Agent Orchestrator"]').first().click({ timeout: 15_000 });
    const rows = (await expandedView(ui, 'Learned Patterns')).locator('.pane-body .monaco-list-row');
    const before = await waitFor('learned patterns in the view', 30_000, async () => ((await rows.count()) > 0 ? rows.count() : undefined));

    const dialog = ui.locator('.monaco-dialog-box');
    const answer = async (button: string): Promise<void> => {
      await runCommandFromPalette(ui, 'Agent Orchestrator: Clear Learnings');
      await dialog.waitFor({ state: 'visible', timeout: 15_000 }).catch(() => {
        throw new Error('Clear Learnings did not ask for confirmation');
      });
      assert.match(await dialog.innerText(), /Clear everything the agents learned/);
      await dialog.locator('.monaco-button', { hasText: new RegExp(`^${button}$`) }).first().click();
      await dialog.waitFor({ state: 'hidden', timeout: 15_000 });
    };

    await answer('Cancel');
    assert.equal(await rows.count(), before, 'Cancel must keep every learned pattern');

    // The notice counts what was deleted: had Cancel cleared anything, it would report fewer patterns.
    await answer('Clear Learnings');
    const notice = ui.locator('.notifications-toasts .notification-toast', { hasText: 'Cleared' }).first();
    await notice.waitFor({ state: 'visible', timeout: 30_000 });
    assert.match(await notice.innerText(), new RegExp(`and ${before} patterns?\\b`), 'every pattern shown before Cancel was still there to clear');
    await waitFor('the Learned Patterns view to empty', 30_000, async () => ((await rows.count()) === 0 ? true : undefined));
    await dismissNotifications(ui);
  });
  it('Select Model Provider keeps the choice in user settings and the API key out of settings and logs', async () => {
    const ui = page!;
    await runCommandFromPalette(ui, 'Agent Orchestrator: Select Model Provider');
    await pickItem(ui, 'Anthropic');
    // Step 1 of 2 asks for the model, in a plain text box titled as such.
    await waitFor('the model prompt', 15_000, async () => ((await ui.locator('.quick-input-widget .quick-input-title', { hasText: 'Anthropic (1/2): model' }).count()) > 0 ? true : undefined));
    const modelBox = await waitForPrompt(ui, 'the model prompt');
    assert.notEqual(await modelBox.getAttribute('type'), 'password', 'the model name is not a secret');
    await modelBox.fill(MODEL_NAME);
    await ui.keyboard.press('Enter');
    await waitFor('the API key prompt', 15_000, async () => ((await ui.locator('.quick-input-widget .quick-input-title', { hasText: 'Anthropic (2/2): API key' }).count()) > 0 ? true : undefined));
    const keyBox = await waitForPrompt(ui, 'the API key prompt');
    // The quick pick turns into the key's input box in place: a password box, so the key is never shown.
    await waitFor('the API key prompt to be a password box', 15_000, async () => ((await keyBox.getAttribute('type')) === 'password' ? true : undefined));
    await ui.keyboard.type(API_KEY);
    await ui.keyboard.press('Enter');

    const userSettings = path.join(userDataDir, 'User', 'settings.json');
    await waitFor('"agentOrchestrator.provider": "anthropic" in the user settings', 20_000, async () =>
      existsSync(userSettings) && /"agentOrchestrator\.provider"\s*:\s*"anthropic"/.test(readFileSync(userSettings, 'utf8')) ? true : undefined,
    );
    const toast = ui.locator('.notifications-toasts .notification-toast', { hasText: 'Model provider: Anthropic' }).first();
    await toast.waitFor({ state: 'visible', timeout: 15_000 });
    assert.match(await toast.innerText(), new RegExp(`Model ${MODEL_NAME}`), 'the notice names the model the agents will use');
    // A machine-scoped setting: in code-server it lands in the server's Machine settings rather than the User ones.
    const modelSetting = new RegExp(`"agentOrchestrator\\.anthropic\\.model"\\s*:\\s*"${MODEL_NAME}"`);
    const settingsFiles = [userSettings, path.join(userDataDir, 'Machine', 'settings.json')].filter((file) => existsSync(file));
    assert.ok(settingsFiles.some((file) => modelSetting.test(readFileSync(file, 'utf8'))), `the model is kept in the settings (${settingsFiles.join(', ')})`);
    const files = settingsAndLogFiles(userDataDir);
    assert.ok(files.some((file) => /Agent Orchestrator\.log$/.test(file)), `the extension's log file should be among the files checked: ${files.join(', ')}`);
    const leaks = files.filter((file) => readFileSync(file, 'utf8').includes(API_KEY));
    assert.deepEqual(leaks, [], 'the API key was written to these settings or log files');
    await dismissNotifications(ui);
  });

  it('asks before a language model agent edits: the diff shows the change, Approve writes it, the dashboard shows the agents done', async () => {
    const ui = page!;
    const target = path.join(workspace!.path, EDITED_FILE);
    mkdirSync(path.dirname(target), { recursive: true });
    writeFileSync(target, 'color = red\nsize = 3\n');

    await runCommandFromPalette(ui, 'Agent Orchestrator: Select Model Provider');
    await pickItem(ui, 'VS Code Language Model API');
    await pickItem(ui, 'Scripted Test Model');
    const userSettings = path.join(userDataDir, 'User', 'settings.json');
    await waitFor('"agentOrchestrator.provider": "vscode-lm" in the user settings', 20_000, async () =>
      /"agentOrchestrator\.provider"\s*:\s*"vscode-lm"/.test(readFileSync(userSettings, 'utf8')) ? true : undefined,
    );
    await dismissNotifications(ui);

    await runCommandFromPalette(ui, COMMAND_TITLE);
    await submitRequest(ui, EDIT_REQUEST);
    await pickItem(ui, START_ASK_ITEM);

    const approvalTitle = ui.locator('.quick-input-widget .quick-input-title', { hasText: 'wants to change notes/approval.txt' }).first();
    const approveRow = ui.locator('.quick-input-widget .monaco-list-row', { hasText: 'Approve' }).first();
    const proposedSide = ui.locator('.monaco-diff-editor .editor.modified .view-lines', { hasText: /color.=.blue/ }).first();
    const consent = ui.locator('.monaco-dialog-box .monaco-button', { hasText: /^Allow/ }).first();
    let approvals = 0;
    try {
      // Every agent of the plan may propose the edit; each proposal is approved only once its diff is on screen.
      await waitFor('the edit to be approved and written to disk', RUN_TIMEOUT_MS, async () => {
        // VS Code may ask once whether this extension may use another extension's language model.
        if (await consent.isVisible().catch(() => false)) await consent.click().catch(() => undefined);
        if ((await approvalTitle.isVisible().catch(() => false)) && (await proposedSide.isVisible().catch(() => false))) {
          assert.equal(readFileSync(target, 'utf8'), 'color = red\nsize = 3\n', 'the file changed before the edit was approved');
          await ui.screenshot({ path: artifactPath('approval.png') });
          await approveRow.click();
          approvals += 1;
        }
        return approvals > 0 && readFileSync(target, 'utf8') === 'color = blue\nsize = 3\n' ? true : undefined;
      }, 500);

      const frame = await frameContaining(ui, '[data-testid="run-status"]', 'the dashboard webview', 60_000);
      await waitFor('the dashboard to show the new run completed', RUN_TIMEOUT_MS, async () => {
        if (await consent.isVisible().catch(() => false)) await consent.click().catch(() => undefined);
        // Another agent may still propose the same edit: approving it again changes nothing on disk.
        if (await approvalTitle.isVisible().catch(() => false)) await approveRow.click().catch(() => undefined);
        const status = (await frame.locator('[data-testid="run-status"]').first().innerText()).trim();
        const session = (await frame.locator('.session-id').first().innerText()).trim();
        if (session === sessionId) return undefined;
        if (/\b(failed|cancelled|canceled)\b/i.test(status)) throw new GiveUp(`the run ended as "${status}"`);
        return /completed/i.test(status) ? true : undefined;
      }, 500);
      const rows = await frame.locator('[data-testid="agent-row"]').evaluateAll((elements) =>
        elements.map((element) => ({ text: (element.textContent ?? '').trim().slice(0, 80), status: element.getAttribute('data-status') })),
      );
      assert.ok(rows.some((row) => row.status === 'completed'), `no agent completed: ${JSON.stringify(rows)}`);
      assert.deepEqual(rows.filter((row) => row.status !== 'completed' && row.status !== 'skipped'), [], 'every agent should be completed or skipped');
      assert.equal(readFileSync(target, 'utf8'), 'color = blue\nsize = 3\n');
    } finally {
      await dismissNotifications(ui);
    }
  });
});
