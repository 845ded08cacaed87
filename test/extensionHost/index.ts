// Entry of the extension-host test tier: VS Code calls `run()` inside a real extension host, with the real `vscode`
// API (code-server via test/e2e/extensionHost.test.ts, or @vscode/test-electron's runTests on a desktop).
// The harness outside the host cannot see mocha's output, so the result is also written as a JSON report to the
// path in AO_EXTENSION_TEST_REPORT. AO_EXTENSION_TESTS=untrusted selects the suites meant for a Restricted Mode window.
import { mkdirSync, readdirSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import Mocha from 'mocha';
import type { ExtensionHostTestReport } from './report';

export const SUITES_ENV = 'AO_EXTENSION_TESTS';
export const REPORT_ENV = 'AO_EXTENSION_TEST_REPORT';

/** Runs every bundled suite of the selected set; resolves when all passed, rejects with the failure count otherwise. */
export async function run(): Promise<void> {
  const suiteSet = process.env[SUITES_ENV] === 'untrusted' ? 'untrusted' : 'suite';
  const reportPath = process.env[REPORT_ENV];
  const startedAt = Date.now();
  const report: ExtensionHostTestReport = { suiteSet, passes: [], failures: [], pending: [], durationMs: 0, vscodeVersion: await vscodeVersion() };
  try {
    const suiteDir = path.join(__dirname, suiteSet);
    const files = readdirSync(suiteDir, { recursive: true }).map(String).filter((name) => name.endsWith('.test.js')).sort();
    if (files.length === 0) throw new Error(`no bundled suites in ${suiteDir}: run "node esbuild.mjs --tests"`);
    const mocha = new Mocha({ ui: 'bdd', color: false, timeout: 60_000, reporter: 'spec' });
    for (const file of files) mocha.addFile(path.join(suiteDir, file));
    await new Promise<void>((resolve) => {
      const runner = mocha.run(() => resolve());
      runner.on('pass', (test) => report.passes.push({ title: test.title, fullTitle: test.fullTitle(), durationMs: test.duration ?? 0 }));
      runner.on('fail', (test, error: unknown) => report.failures.push({ title: test.title, fullTitle: test.fullTitle(), message: messageOf(error), stack: stackOf(error) }));
      runner.on('pending', (test) => report.pending.push({ title: test.title, fullTitle: test.fullTitle() }));
    });
  } catch (error) {
    // A suite that fails to load must reach the harness as a failure, not as a silent timeout.
    report.failures.push({ title: 'load suites', fullTitle: `${suiteSet}: load suites`, message: messageOf(error), stack: stackOf(error) });
  }
  report.durationMs = Date.now() - startedAt;
  if (reportPath) writeReport(reportPath, report);
  if (report.failures.length > 0) {
    throw new Error(`${report.failures.length} extension-host test(s) failed: ${report.failures.map((failure) => failure.fullTitle).join('; ')}`);
  }
}

async function vscodeVersion(): Promise<string> {
  const vscode = await import('vscode');
  return vscode.version;
}

/** Written to a temporary name and renamed, so the harness polling for the file never reads half a report. */
function writeReport(reportPath: string, report: ExtensionHostTestReport): void {
  mkdirSync(path.dirname(reportPath), { recursive: true });
  const partial = `${reportPath}.${process.pid}.tmp`;
  writeFileSync(partial, `${JSON.stringify(report, null, 2)}\n`);
  renameSync(partial, reportPath);
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function stackOf(error: unknown): string | undefined {
  return error instanceof Error ? error.stack : undefined;
}
