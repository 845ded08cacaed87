import { strict as assert } from 'node:assert';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { detectTestCommand } from '../../../src/agents/offline/testing/testCommand';
import { NodeWorkspaceFiles } from '../../../src/agents/workspace/nodeWorkspaceFiles';

describe('detectTestCommand', () => {
  const dirs: string[] = [];
  async function workspace(files: Record<string, string>): Promise<NodeWorkspaceFiles> {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'ao-detect-'));
    dirs.push(dir);
    for (const [name, text] of Object.entries(files)) {
      await fs.mkdir(path.dirname(path.join(dir, name)), { recursive: true });
      await fs.writeFile(path.join(dir, name), text, 'utf8');
    }
    return new NodeWorkspaceFiles(dir);
  }
  after(async () => {
    for (const dir of dirs) await fs.rm(dir, { recursive: true, force: true });
  });

  it('runs npm test when package.json has a real test script', async () => {
    const detected = await detectTestCommand(await workspace({ 'package.json': JSON.stringify({ scripts: { test: 'node --test' } }) }));
    assert.deepEqual(detected && { command: detected.command, args: detected.args, framework: detected.framework }, { command: 'npm', args: ['test'], framework: 'npm' });
    assert.match(detected?.reason ?? '', /node --test/);
  });

  it("ignores npm's placeholder test script and falls through to another marker", async () => {
    const placeholder = JSON.stringify({ scripts: { test: 'echo "Error: no test specified" && exit 1' } });
    assert.equal(await detectTestCommand(await workspace({ 'package.json': placeholder })), null);
    const withGo = await detectTestCommand(await workspace({ 'package.json': placeholder, 'go.mod': 'module example.com/x\n' }));
    assert.equal(withGo?.framework, 'go');
  });

  const pytestCases: [string, Record<string, string>][] = [
    ['pytest.ini', { 'pytest.ini': '[pytest]\n' }],
    ['pyproject.toml with [tool.pytest.ini_options]', { 'pyproject.toml': '[project]\nname = "x"\n\n[tool.pytest.ini_options]\naddopts = "-q"\n' }],
    ['conftest.py', { 'conftest.py': '' }],
    ['tests/test_*.py', { 'tests/test_calc.py': 'def test_x():\n    pass\n' }],
  ];
  for (const [label, files] of pytestCases) {
    it(`runs python3 -m pytest when the workspace has ${label}`, async () => {
      const detected = await detectTestCommand(await workspace(files));
      assert.deepEqual(detected && [detected.command, ...detected.args], ['python3', '-m', 'pytest']);
      assert.equal(detected?.framework, 'pytest');
    });
  }

  it('does not take a pyproject.toml without pytest configuration for pytest', async () => {
    assert.equal(await detectTestCommand(await workspace({ 'pyproject.toml': '[project]\nname = "x"\n', 'src/app.py': '' })), null);
  });

  it('runs go test ./... for a Go module and cargo test for a Rust crate', async () => {
    const go = await detectTestCommand(await workspace({ 'go.mod': 'module example.com/x\n\ngo 1.22\n' }));
    assert.deepEqual(go && [go.command, ...go.args, go.framework], ['go', 'test', './...', 'go']);
    const cargo = await detectTestCommand(await workspace({ 'Cargo.toml': '[package]\nname = "x"\n' }));
    assert.deepEqual(cargo && [cargo.command, ...cargo.args, cargo.framework], ['cargo', 'test', 'cargo']);
  });

  it('returns null for a workspace with no test setup, or an unreadable package.json', async () => {
    assert.equal(await detectTestCommand(await workspace({ 'README.md': '# hi\n' })), null);
    assert.equal(await detectTestCommand(await workspace({ 'package.json': '{ not json' })), null);
  });
});
