// Bundles the extension-host test tier to out/test/extensionHost/: the run() entry plus one bundle per suite file,
// so the entry finds suites by listing a folder, and the test-only language model extension (lmProvider/, its
// manifest copied beside its bundle) that the trusted window loads beside the extension under test.
// `vscode` comes from the host; mocha loads from node_modules.
// Separate from esbuild.mjs so `npm run build` stays fast and ships no test code.
import * as esbuild from 'esbuild';
import { copyFileSync, readdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const sourceDir = path.join(root, 'test', 'extensionHost');
const outDir = path.join(root, 'out', 'test', 'extensionHost');

const suiteFiles = ['suite', 'untrusted'].flatMap((set) => {
  const dir = path.join(sourceDir, set);
  let names = [];
  try {
    names = readdirSync(dir, { recursive: true }).map(String);
  } catch {
    return [];
  }
  return names.filter((name) => name.endsWith('.test.ts')).map((name) => path.join(dir, name));
});

// Stale bundles of deleted suites would otherwise keep running.
rmSync(outDir, { recursive: true, force: true });
await esbuild.build({
  absWorkingDir: root,
  entryPoints: [path.join(sourceDir, 'index.ts'), path.join(sourceDir, 'lmProvider', 'extension.ts'), ...suiteFiles],
  outbase: sourceDir,
  outdir: outDir,
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  sourcemap: 'inline',
  external: ['vscode', 'mocha', 'eslint', 'eslint-plugin-security', '@typescript-eslint/parser', 'typescript'],
  logLevel: 'warning',
});
copyFileSync(path.join(sourceDir, 'lmProvider', 'package.json'), path.join(outDir, 'lmProvider', 'package.json'));
console.log(`extension-host tests: ${suiteFiles.length} suite file(s) bundled to ${path.relative(root, outDir)}`);
