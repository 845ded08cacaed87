// The extension-host tier, run inside a real VS Code (code-server) from `npm test`: one window with the fixture
// workspace trusted (test/extensionHost/suite/) and one in Restricted Mode (test/extensionHost/untrusted/).
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { REPO_ROOT, assertSetupDone } from '../../scripts/e2e/environment.mjs';
import { formatReport, runExtensionHostSuites, type SuiteSet } from './support/extensionHostRun';

/** Each window's suites must report within this; a run on the fixture takes seconds, the server starts in about 5 s. */
const REPORT_TIMEOUT_MS = Number(process.env.AO_E2E_EXTENSION_HOST_TIMEOUT_MS ?? 6 * 60_000);

describe('extension-host tests in code-server', function () {
  this.timeout(REPORT_TIMEOUT_MS + 60_000);

  before(() => {
    assertSetupDone();
    assert.ok(existsSync(path.join(REPO_ROOT, 'dist', 'extension.js')), 'dist/extension.js is missing: run "npm run build"');
    // Bundling the suites takes well under a second; doing it here means an edited suite never runs stale.
    const build = spawnSync(process.execPath, [path.join(REPO_ROOT, 'scripts', 'e2e', 'buildTests.mjs')], { encoding: 'utf8', timeout: 60_000 });
    assert.equal(build.status, 0, `bundling the extension-host suites failed:\n${build.stdout}${build.stderr}`);
  });

  const windows: [SuiteSet, string][] = [
    ['suite', 'trusted workspace: every suite of test/extensionHost/suite passes'],
    ['untrusted', 'Restricted Mode: every suite of test/extensionHost/untrusted passes'],
  ];
  for (const [suiteSet, title] of windows) {
    it(title, async () => {
      const { report, logFile } = await runExtensionHostSuites(suiteSet, REPORT_TIMEOUT_MS);
      process.stdout.write(formatReport(report));
      assert.ok(report.passes.length + report.failures.length > 0, `no extension-host test ran in "${suiteSet}"`);
      const failures = report.failures.map((failure) => `${failure.fullTitle}: ${failure.message}`);
      assert.deepEqual(failures, [], `extension-host tests failed (log: ${path.relative(process.cwd(), logFile)})`);
      assert.deepEqual(report.pending.map((test) => test.fullTitle), [], 'extension-host tests were skipped');
    });
  }
});
