import type { WorkspaceFiles } from '../../../core/ports';

export type TestFramework = 'npm' | 'pytest' | 'go' | 'cargo';

export interface TestCommand {
  command: string;
  args: string[];
  framework: TestFramework;
  /** Why this command was chosen, shown to the user before it runs. */
  reason: string;
}

/** What `npm init` writes: running it only prints an error, so it is not a test suite. */
const NPM_PLACEHOLDER = /no test specified/i;

async function readIfExists(workspace: WorkspaceFiles, relativePath: string): Promise<string | null> {
  if (!(await workspace.exists(relativePath))) return null;
  try {
    return await workspace.readFile(relativePath);
  } catch {
    return null; // a folder with that name, or unreadable: treated as absent
  }
}

async function detectNpm(workspace: WorkspaceFiles): Promise<TestCommand | null> {
  const text = await readIfExists(workspace, 'package.json');
  if (text === null) return null;
  let scripts: unknown;
  try {
    scripts = (JSON.parse(text) as { scripts?: unknown }).scripts;
  } catch {
    return null; // npm could not run it either
  }
  if (typeof scripts !== 'object' || scripts === null) return null;
  const test = (scripts as Record<string, unknown>).test;
  if (typeof test !== 'string' || test.trim() === '' || NPM_PLACEHOLDER.test(test)) return null;
  return { command: 'npm', args: ['test'], framework: 'npm', reason: `package.json defines scripts.test ("${test.trim()}")` };
}

const pytestCommand = (reason: string): TestCommand => ({
  command: 'python3',
  args: ['-m', 'pytest'],
  framework: 'pytest',
  reason,
});

async function detectPytest(workspace: WorkspaceFiles): Promise<TestCommand | null> {
  if (await workspace.exists('pytest.ini')) return pytestCommand('pytest.ini is present');
  const configs: readonly [file: string, section: RegExp][] = [
    ['pyproject.toml', /^\s*\[tool\.pytest[.\]]/m],
    ['setup.cfg', /^\s*\[tool:pytest\]/m],
    ['tox.ini', /^\s*\[pytest\]/m],
  ];
  for (const [file, section] of configs) {
    const text = await readIfExists(workspace, file);
    if (text !== null && section.test(text)) return pytestCommand(`${file} configures pytest`);
  }
  if (await workspace.exists('conftest.py')) return pytestCommand('conftest.py is present');
  const pythonFiles = await workspace.listFiles({ extensions: ['.py'], maxFiles: 5000 });
  const testFile = pythonFiles.find((file) => /^tests?\/(?:.*\/)?(?:test_[^/]*|[^/]*_test)\.py$/.test(file));
  if (testFile) return pytestCommand(`${testFile} looks like a pytest test file`);
  return null;
}

/**
 * The command that runs the workspace's tests, or null when none is recognisable. When several ecosystems are
 * present the first of npm, pytest, go, cargo wins, the order in which their markers are most often the primary one.
 */
export async function detectTestCommand(workspace: WorkspaceFiles): Promise<TestCommand | null> {
  const npm = await detectNpm(workspace);
  if (npm) return npm;
  const pytest = await detectPytest(workspace);
  if (pytest) return pytest;
  if (await workspace.exists('go.mod')) {
    return { command: 'go', args: ['test', './...'], framework: 'go', reason: 'go.mod is present' };
  }
  if (await workspace.exists('Cargo.toml')) {
    return { command: 'cargo', args: ['test'], framework: 'cargo', reason: 'Cargo.toml is present' };
  }
  return null;
}
