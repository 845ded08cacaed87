import { strict as assert } from 'node:assert';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { classifyEnvironmentFailure, detectInstallCommand, packageOfSpecifier } from '../../../src/agents/offline/testing/environmentFailure';
import { NodeWorkspaceFiles } from '../../../src/agents/workspace/nodeWorkspaceFiles';

// Real outputs (Node 20's test runner echoing a child's stderr as TAP comments, Jest, Vitest, dash, bash).
const NODE_ESM_MISSING = [
  'TAP version 13',
  '# node:internal/modules/esm/resolve:873',
  "# Error [ERR_MODULE_NOT_FOUND]: Cannot find package 'tsx' imported from /w/",
  "#   code: 'ERR_MODULE_NOT_FOUND'",
  '# Subtest: /w/test/a.test.ts',
  'not ok 1 - /w/test/a.test.ts',
  "# Error [ERR_MODULE_NOT_FOUND]: Cannot find package 'tsx' imported from /w/",
  'not ok 2 - /w/test/b.test.ts',
].join('\n');

describe('classifyEnvironmentFailure', () => {
  it('names a package that is declared but not installed, quoting the line once however often it repeats', () => {
    const env = classifyEnvironmentFailure(NODE_ESM_MISSING, 1, 'npm', new Set(['tsx']));
    assert.deepEqual(env?.problems, [{ kind: 'missing-package', name: 'tsx', declared: true }]);
    assert.deepEqual(env?.quote, ["Error [ERR_MODULE_NOT_FOUND]: Cannot find package 'tsx' imported from /w/"]);
  });

  it('recognises CommonJS, Jest and Vitest module errors, and scoped and deep package specifiers', () => {
    const cjs = classifyEnvironmentFailure("Error: Cannot find module 'chai/register-expect'\nRequire stack:\n- /w/test/x.js", 1, 'npm', new Set());
    assert.deepEqual(cjs?.problems, [{ kind: 'missing-package', name: 'chai', declared: false }]);
    const jest = classifyEnvironmentFailure("  ● Test suite failed to run\n\n    Cannot find module '@testing-library/react' from 'test/app.test.jsx'", 1, 'npm', new Set(['@testing-library/react']));
    assert.deepEqual(jest?.problems, [{ kind: 'missing-package', name: '@testing-library/react', declared: true }]);
    const vitest = classifyEnvironmentFailure('Error: Failed to load url supertest (resolved id: supertest) in /w/test/api.test.ts', 1, 'npm', new Set());
    assert.deepEqual(vitest?.problems, [{ kind: 'missing-package', name: 'supertest', declared: false }]);
  });

  it('leaves a missing relative module (a wrong import path in the code) to the tests', () => {
    assert.equal(classifyEnvironmentFailure("Error: Cannot find module '../src/calc'\nRequire stack:", 1, 'npm', new Set()), null);
    assert.equal(classifyEnvironmentFailure("Error [ERR_MODULE_NOT_FOUND]: Cannot find module '/w/src/calc.js' imported from /w/test/a.test.js", 1, 'npm', new Set()), null);
    assert.equal(classifyEnvironmentFailure('AssertionError [ERR_ASSERTION]: 2 !== 3', 1, 'npm', new Set()), null);
  });

  it('recognises a command the script runs that is not on PATH (dash, bash, env, exit code 127)', () => {
    assert.deepEqual(classifyEnvironmentFailure('sh: 1: vitest: not found', 127, 'npm', new Set(['vitest']))?.problems, [{ kind: 'missing-command', name: 'vitest', declared: true }]);
    assert.deepEqual(classifyEnvironmentFailure('sh: jest: command not found', 127, 'npm', new Set())?.problems, [{ kind: 'missing-command', name: 'jest', declared: false }]);
    assert.deepEqual(classifyEnvironmentFailure("env: 'tsx': No such file or directory", 127, 'npm', new Set())?.problems, [{ kind: 'missing-command', name: 'tsx', declared: false }]);
    const bare = classifyEnvironmentFailure('> test\n> run-tests', 127, 'npm', new Set());
    assert.equal(bare?.problems[0]?.kind, 'missing-command');
    assert.ok(bare?.quote.some((line) => line.includes('127')));
  });

  it('recognises pytest missing from the Python environment', () => {
    assert.deepEqual(classifyEnvironmentFailure('/usr/bin/python3: No module named pytest', 1, 'pytest', new Set())?.problems, [{ kind: 'missing-runner', name: 'pytest' }]);
  });

  it('quotes without control characters and with secrets masked, within bounds', () => {
    const token = `ghp_${'a1B2'.repeat(9)}`;
    const output = `\u001b[31msh: 1: jest: not found\u001b[0m\u0007\nError: Cannot find module 'x' https://user:${token}@registry.example.com/\n${"Error: Cannot find module 'y'".padEnd(1000, 'z')}`;
    const env = classifyEnvironmentFailure(output, 127, 'npm', new Set());
    assert.ok(env);
    for (const line of env.quote) {
      assert.doesNotMatch(line, /[\u0000-\u001f\u007f]/);
      assert.ok(!line.includes(token), line);
      assert.ok(line.length <= 240);
    }
  });

  it('packageOfSpecifier keeps package names and rejects paths, URLs and built-ins', () => {
    assert.equal(packageOfSpecifier('lodash/fp'), 'lodash');
    assert.equal(packageOfSpecifier('@scope/pkg/sub'), '@scope/pkg');
    for (const specifier of ['./x', '../x', '/abs/x', 'C:\\x', 'file:///x', 'node:fs', '@/alias/x']) assert.equal(packageOfSpecifier(specifier), null, specifier);
  });
});

describe('detectInstallCommand', () => {
  const dirs: string[] = [];
  async function workspace(files: Record<string, string>): Promise<NodeWorkspaceFiles> {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'ao-install-'));
    dirs.push(dir);
    for (const [name, text] of Object.entries(files)) await fs.writeFile(path.join(dir, name), text, 'utf8');
    return new NodeWorkspaceFiles(dir);
  }
  after(async () => {
    for (const dir of dirs) await fs.rm(dir, { recursive: true, force: true });
  });

  it("uses each lockfile's exact-install command, and none without a lockfile", async () => {
    const line = async (files: Record<string, string>): Promise<string | null> => {
      const install = await detectInstallCommand(await workspace({ 'package.json': '{}', ...files }));
      return install ? [install.command, ...install.args].join(' ') : null;
    };
    assert.equal(await line({ 'package-lock.json': '{}' }), 'npm ci');
    assert.equal(await line({ 'pnpm-lock.yaml': '' }), 'pnpm install --frozen-lockfile');
    assert.equal(await line({ 'yarn.lock': '' }), 'yarn install --frozen-lockfile');
    assert.equal(await line({ 'yarn.lock': '', '.yarnrc.yml': '' }), 'yarn install --immutable');
    assert.equal(await line({ 'yarn.lock': '', 'package.json': '{"packageManager":"yarn@4.1.0"}' }), 'yarn install --immutable');
    assert.equal(await line({ 'bun.lockb': '' }), 'bun install --frozen-lockfile');
    assert.equal(await line({}), null);
  });
});
