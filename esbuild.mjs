// Bundles the extension entry, the engine process and the CLI. The analyzers (ESLint, the TypeScript parser) load
// on first use in the engine process; sql.js is bundled and its wasm copied beside the bundles.
import * as esbuild from 'esbuild';
import { copyFileSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

const require = createRequire(import.meta.url);
const watch = process.argv.includes('--watch');
const production = process.argv.includes('--production');

// TypeScript stays external: one 9 MB file that esbuild cannot shrink, required by the TypeScript parser on first
// use. ESLint and its plugins are bundled (the scanner uses the Linter class, whose rules load by literal paths):
// the VSIX then carries one dependency instead of about a thousand files.
// jiti: ESLint's loader for TypeScript config files, which the Linter class never reads (and is not installed).
const external = ['vscode', 'typescript', 'jiti'];

// zod re-exports all of its ~50 error-message locales; only English is used. Dropping the rest takes about 200 KB
// off every bundle (and off each standalone HTML dashboard).
const zodEnglishOnly = {
  name: 'zod-english-only',
  setup(build) {
    build.onResolve({ filter: /^\.\.\/locales\/index\.js$/ }, (args) =>
      args.importer.includes(`${path.sep}zod${path.sep}`) ? { path: path.join(path.dirname(args.importer), '..', 'locales', 'index.js'), namespace: 'zod-locales' } : undefined,
    );
    build.onLoad({ filter: /.*/, namespace: 'zod-locales' }, (args) => ({
      contents: `export { default as en } from ${JSON.stringify(path.join(path.dirname(args.path), 'en.js'))};`,
      resolveDir: path.dirname(args.path),
    }));
  },
};

// The CLI's entry stays small so `--help` starts about as fast as node itself: main.ts requires its commands'
// dependencies on first use, and here each such require becomes a separate bundle beside dist/cli.js, loaded at
// run time (the engine with ESLint and TypeScript, or the store alone with sql.js for `sessions`).
const cliLazyBundles = { './engineCommands': './cliEngine.js', './storeCommands': './cliStore.js' };
const cliLazyRequires = {
  name: 'cli-lazy-requires',
  setup(build) {
    build.onResolve({ filter: /^\.\/(engineCommands|storeCommands)$/ }, (args) =>
      args.importer.endsWith(path.join('src', 'cli', 'main.ts')) ? { path: cliLazyBundles[args.path], external: true } : undefined,
    );
  },
};

// The extension's language client (vscode-languageclient is larger than the rest of the extension) is required when
// the first session is shown, from a bundle of its own beside dist/extension.js.
const extensionLazyRequires = {
  name: 'extension-lazy-requires',
  setup(build) {
    build.onResolve({ filter: /^\.\/findingsLanguageClient$/ }, (args) =>
      args.importer.endsWith(path.join('src', 'vscode', 'findingProblems.ts')) ? { path: './findingsClient.js', external: true } : undefined,
    );
  },
};

const common = {
  plugins: [zodEnglishOnly],
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  sourcemap: !production,
  minify: production,
  external,
  // jsonc-parser's "main" is a UMD build that requires its parts at run time, which a bundle cannot resolve.
  alias: { 'jsonc-parser': 'jsonc-parser/lib/esm/main.js' },
  logLevel: 'info',
};

mkdirSync('dist', { recursive: true });
copyFileSync(path.join(path.dirname(require.resolve('sql.js')), 'sql-wasm.wasm'), 'dist/sql-wasm.wasm');

const builds = [
  // Activation loads only this small file; the engine runs in its own process (dist/engineHost.js).
  { ...common, plugins: [...common.plugins, extensionLazyRequires], entryPoints: ['src/extension.ts'], outfile: 'dist/extension.js' },
  { ...common, entryPoints: ['src/vscode/findingsLanguageClient.ts'], outfile: 'dist/findingsClient.js' },
  // The findings language server the extension's client forks (the CLI's `lsp` command serves the same code).
  { ...common, entryPoints: ['src/lsp/main.ts'], outfile: 'dist/lspServer.js' },
  { ...common, entryPoints: ['src/engineHost/main.ts'], outfile: 'dist/engineHost.js' },
  { ...common, plugins: [...common.plugins, cliLazyRequires], entryPoints: ['src/cli/main.ts'], outfile: 'dist/cli.js', banner: { js: '#!/usr/bin/env node' } },
  { ...common, entryPoints: ['src/cli/engineCommands.ts'], outfile: 'dist/cliEngine.js' },
  { ...common, entryPoints: ['src/cli/storeCommands.ts'], outfile: 'dist/cliStore.js' },
  // The security scan's worker (ESLint), started by the CLI and the engine process from beside their own bundle so a
  // timeout or Ctrl+C can terminate a scan stuck in one big file.
  { ...common, entryPoints: ['src/agents/offline/security/scanWorker.ts'], outfile: 'dist/scanWorker.js' },
  // The dashboard (browser code): one script and one stylesheet, loaded by the webview and inlined by `show --html`.
  {
    bundle: true,
    platform: 'browser',
    target: ['chrome120'],
    format: 'iife',
    plugins: [zodEnglishOnly],
    sourcemap: production ? false : 'inline',
    minify: production,
    logLevel: 'info',
    entryPoints: { dashboard: 'webview/src/main.ts' },
    outdir: 'dist/webview',
  },
];

if (watch) {
  for (const options of builds) {
    const context = await esbuild.context(options);
    await context.watch();
  }
} else {
  await Promise.all(builds.map((options) => esbuild.build(options)));
}
