// Builds the scanner the way esbuild.mjs builds the CLI (one CommonJS bundle, ESLint inside, typescript external),
// into a temp folder with the scan worker beside it, so the bench measures what users run, workers included.
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as esbuild from 'esbuild';

const REPO = path.resolve(__dirname, '..', '..');

export type SecurityBundle = typeof import('./securityScanEntry');

export async function buildSecurityBundle(outDir: string): Promise<SecurityBundle> {
  fs.mkdirSync(outDir, { recursive: true });
  const common: esbuild.BuildOptions = {
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    minify: true,
    external: ['vscode', 'typescript', 'jiti'],
    logLevel: 'error',
    absWorkingDir: REPO,
  };
  await esbuild.build({ ...common, entryPoints: [path.join(REPO, 'bench', 'support', 'securityScanEntry.ts')], outfile: path.join(outDir, 'securityScan.js') });
  await esbuild.build({ ...common, entryPoints: [path.join(REPO, 'src', 'agents', 'offline', 'security', 'scanWorker.ts')], outfile: path.join(outDir, 'scanWorker.js') });
  // typescript stays external, as in the product: resolve it from this checkout.
  fs.symlinkSync(path.join(REPO, 'node_modules'), path.join(outDir, 'node_modules'));
  return require(path.join(outDir, 'securityScan.js')) as SecurityBundle;
}
