// @vscode/test-cli on a desktop (`npx vscode-test`, or the Extension Test Runner): the same bundled suites the
// code-server harness (test/e2e/extensionHost.test.ts) runs in a trusted window. Bundle them first:
// `node scripts/e2e/buildTests.mjs`. test-cli loads the suite files with its own mocha runner; @vscode/test-electron's
// runTests can instead take out/test/extensionHost/index.js as extensionTestsPath, the run() entry code-server uses.
// The Restricted Mode set (test/extensionHost/untrusted) runs only in code-server: test-electron always passes
// --disable-workspace-trust, and that set's first test fails in a trusted window instead of passing for nothing.
import { defineConfig } from '@vscode/test-cli';
import { cpSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** A fresh copy of the example, as the code-server harness uses (one fixed folder, replaced on every run). */
const workspaceFolder = path.join(os.tmpdir(), 'agent-orchestrator-vscode-test', 'vulnerable-api');
rmSync(workspaceFolder, { recursive: true, force: true });
cpSync('examples/vulnerable-api', workspaceFolder, { recursive: true, filter: (source) => path.basename(source) !== 'node_modules' });

export default defineConfig({
  label: 'extensionHost',
  files: 'out/test/extensionHost/suite/**/*.test.js',
  workspaceFolder,
  launchArgs: ['--disable-extensions'],
  env: { AO_EXTENSION_TESTS: 'suite' },
  mocha: { ui: 'bdd', timeout: 60_000 },
});
