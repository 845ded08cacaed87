// Runs the extension-host test tier in code-server: the workbench URL's `payload` names this repository as the
// extension under development and out/test/extensionHost/index.js as the tests, exactly as @vscode/test-electron
// passes them to a desktop VS Code. The entry writes a JSON report; this side waits for it with a time limit.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { ExtensionHostTestReport } from '../../extensionHost/report';
import { REPO_ROOT } from '../../../scripts/e2e/environment.mjs';
import { startCodeServer } from '../../../scripts/e2e/codeServer.mjs';
import { artifactPath, removeArtifacts, writeArtifact } from './artifacts';
import { launchChromium } from './chromium';
import { copyExampleWorkspace } from './fixtureWorkspace';
import { GiveUp, waitFor } from './waitFor';

export type SuiteSet = 'suite' | 'untrusted';

export interface ExtensionHostRun {
  report: ExtensionHostTestReport;
  /** Server log and browser console, saved under test-results/. */
  logFile: string;
}

const TEST_ENTRY = path.join(REPO_ROOT, 'out', 'test', 'extensionHost', 'index.js');
/** The test-only language model provider (test/extensionHost/lmProvider), a second extension under development. */
const LM_PROVIDER_EXTENSION = path.join(REPO_ROOT, 'out', 'test', 'extensionHost', 'lmProvider');

/** Runs one suite set in a fresh code-server and browser, both stopped (by process group) before this resolves. */
export async function runExtensionHostSuites(suiteSet: SuiteSet, timeoutMs: number): Promise<ExtensionHostRun> {
  removeArtifacts(`failure-extension-host-${suiteSet}`);
  const workspace = copyExampleWorkspace();
  // Restricted Mode must still show the history: give it some, recorded by the CLI as a trusted user would.
  if (suiteSet === 'untrusted') recordSessionWithCli(workspace.path);
  const reportDir = mkdtempSync(path.join(os.tmpdir(), 'ao-ext-report-'));
  const developmentPath = suiteSet === 'suite' ? linkDevelopmentExtensions(reportDir) : REPO_ROOT;
  const reportFile = path.join(reportDir, 'report.json');
  const consoleLines: string[] = [];
  const server = await startCodeServer({
    // The untrusted set needs Workspace Trust on, so the fixture folder opens in Restricted Mode.
    trustWorkspace: suiteSet === 'suite',
    smokeTestDriver: true,
    env: { AO_EXTENSION_TEST_REPORT: reportFile, AO_EXTENSION_TESTS: suiteSet },
  });
  const browser = await launchChromium().catch(async (error: unknown) => {
    await server.stop();
    throw error;
  });
  const logName = `extension-host-${suiteSet}.log`;
  try {
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    page.on('console', (message) => consoleLines.push(`[${message.type()}] ${message.text()}`));
    page.on('pageerror', (error) => consoleLines.push(`[pageerror] ${error.message}`));
    const payload: [string, string][] = [
      ['extensionDevelopmentPath', server.remoteUri(developmentPath)],
      ['extensionTestsPath', server.remoteUri(TEST_ENTRY)],
    ];
    await page.goto(server.workbenchUrl(workspace.path, payload));
    let exitSeenAt: number | undefined;
    const report = await waitFor(`the extension-host test report of "${suiteSet}" (written by out/test/extensionHost/index.js)`, timeoutMs, () => {
      if (existsSync(reportFile)) return JSON.parse(readFileSync(reportFile, 'utf8')) as ExtensionHostTestReport;
      // An extension host that exits without a report (crash, an entry that fails to load) would otherwise cost the
      // whole time limit; the grace period covers a report renamed into place just after the log line.
      const exited = /Extension Host Process exited with code: (\d+)/.exec(server.readLog());
      if (exited) exitSeenAt ??= Date.now();
      if (exited && Date.now() - (exitSeenAt ?? 0) > 3_000) {
        throw new GiveUp(`the extension host exited (code ${exited[1]}) without writing a report; see test-results/${logName}`);
      }
      return undefined;
    }, 500).catch(async (error: unknown) => {
      await page.screenshot({ path: artifactPath(`failure-extension-host-${suiteSet}.png`) }).catch(() => undefined);
      throw error;
    });
    return { report, logFile: artifactPath(logName) };
  } finally {
    // Written on every run, pass or fail; the caller names it when inner tests fail.
    writeArtifact(logName, `# code-server log\n${server.readLog()}\n# browser console\n${consoleLines.join('\n')}\n`);
    await browser.close().catch(() => undefined);
    await server.stop();
    rmSync(reportDir, { recursive: true, force: true });
    workspace.remove();
  }
}

/**
 * The trusted window loads two extensions under development: this one and the scripted language model. The web
 * workbench reads its URL payload into a map, so a second `extensionDevelopmentPath` entry would replace the first;
 * a folder without a package.json is scanned as a folder of extensions instead, so both are linked into one.
 */
function linkDevelopmentExtensions(parent: string): string {
  const folder = path.join(parent, 'extensions-under-development');
  mkdirSync(folder);
  symlinkSync(REPO_ROOT, path.join(folder, 'agent-orchestrator'), 'dir');
  symlinkSync(LM_PROVIDER_EXTENSION, path.join(folder, 'test-language-model'), 'dir');
  return folder;
}

/** Mocha-like lines for each inner test, indented under the outer test. */
export function formatReport(report: ExtensionHostTestReport): string {
  const lines = [
    ...report.passes.map((test) => `      ✔ ${test.fullTitle} (${test.durationMs} ms)`),
    ...report.pending.map((test) => `      - ${test.fullTitle} (pending)`),
    ...report.failures.map((test) => `      ✖ ${test.fullTitle}\n          ${test.message.split('\n').join('\n          ')}`),
  ];
  return `      VS Code ${report.vscodeVersion}, ${report.passes.length} passing, ${report.failures.length} failing, ${report.pending.length} pending (${report.durationMs} ms)\n${lines.join('\n')}\n`;
}

/** A dry run of the seed request on `workspace` with the built CLI (dist/cli.js), so the store holds one session. */
function recordSessionWithCli(workspace: string): void {
  const cli = path.join(REPO_ROOT, 'dist', 'cli.js');
  const run = spawnSync(process.execPath, [cli, 'run', 'Fix security vulnerability in authentication endpoint', '--workspace', workspace, '--json'], {
    encoding: 'utf8',
    timeout: 120_000,
  });
  if (run.status !== 0) throw new Error(`recording a session with the CLI failed (exit ${run.status ?? run.signal}):\n${run.stderr.slice(-2000)}`);
}
