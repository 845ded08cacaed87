// The layer rules of DESIGN.md, checked on the source: imports point downward only.
import { strict as assert } from 'node:assert';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

const srcRoot = path.resolve(__dirname, '..', '..', 'src');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    return entry.isDirectory() ? sourceFiles(full) : entry.name.endsWith('.ts') ? [full] : [];
  });
}

function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const found: string[] = [];
  for (const match of text.matchAll(/(?:from\s+|import\(\s*|require\(\s*)['"]([^'"]+)['"]/g)) found.push(match[1] as string);
  return found;
}

/** Layer of a file or resolved import, by its folder under src/. */
function layerOf(absolute: string): string {
  const relative = path.relative(srcRoot, absolute).split(path.sep);
  return relative.length === 1 ? relative[0]!.replace(/\.ts$/, '') : relative[0]!;
}

const allowed: Record<string, readonly string[]> = {
  core: ['core'],
  // Protocols shared by the extension host, the engine process and the webview: schemas and pure folds only.
  shared: ['shared', 'core'],
  engineHost: ['engineHost', 'agents', 'models', 'core', 'shared'],
  agents: ['agents', 'core'],
  // Provider adapters (HTTP, the AI SDK): the engine side only; the agents reach them through the ModelClient port.
  models: ['models', 'core'],
  mcp: ['mcp', 'agents', 'core'],
  // The language server reads sessions from the store; it runs no agent.
  lsp: ['lsp', 'core'],
  cli: ['cli', 'agents', 'models', 'core', 'mcp', 'lsp', 'shared'],
  // The engine runs in its own process: the VS Code side reaches it through src/shared/engineProtocol.ts.
  vscode: ['vscode', 'core', 'shared'],
  extension: ['vscode', 'core', 'shared'],
};

describe('architecture', () => {
  it('keeps the engine (src/core) free of the vscode module', () => {
    const offenders = sourceFiles(path.join(srcRoot, 'core')).filter((file) => importsOf(file).includes('vscode'));
    assert.deepEqual(offenders.map((f) => path.relative(srcRoot, f)), []);
  });

  it('lets every layer import only itself and the layers below it', () => {
    const violations: string[] = [];
    for (const file of sourceFiles(srcRoot)) {
      const from = layerOf(file);
      for (const specifier of importsOf(file)) {
        if (!specifier.startsWith('.')) continue;
        const to = layerOf(path.resolve(path.dirname(file), specifier));
        if (!(allowed[from] ?? []).includes(to)) violations.push(`${path.relative(srcRoot, file)} imports ${specifier} (${from} -> ${to})`);
      }
    }
    assert.deepEqual(violations, []);
  });

  it('keeps the webview (browser code) on src/shared and the pure parts of src/core', () => {
    const webviewRoot = path.resolve(srcRoot, '..', 'webview', 'src');
    const violations: string[] = [];
    for (const file of sourceFiles(webviewRoot)) {
      for (const specifier of importsOf(file)) {
        if (!specifier.startsWith('.')) continue;
        const target = path.resolve(path.dirname(file), specifier);
        const allowedRoots = [webviewRoot, path.join(srcRoot, 'shared'), path.join(srcRoot, 'core', 'protocol'), path.join(srcRoot, 'core', 'logging')];
        if (!allowedRoots.some((root) => target.startsWith(root + path.sep))) violations.push(`${path.relative(webviewRoot, file)} imports ${specifier}`);
      }
    }
    assert.deepEqual(violations, []);
  });
});
