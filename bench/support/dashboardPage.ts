// The real dashboard page for the bench, as the VS Code panel builds it: renderDashboardHtml's HTML (nonce CSP,
// webview mode) with dist/webview/dashboard.js and .css served from the bench origin, which plays the part of
// webview.cspSource and asWebviewUri.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createNonce, renderDashboardHtml } from '../../src/shared/dashboardHtml';
import { BENCH_ORIGIN, type PageAsset } from './webviewPage';

const DIST_WEBVIEW = path.resolve(__dirname, '..', '..', 'dist', 'webview');

export interface DashboardPage {
  label: string;
  html: string;
  assets: ReadonlyMap<string, PageAsset>;
}

/** Throws when the webview bundle has not been built. */
export function dashboardPage(title: string): DashboardPage {
  const script = path.join(DIST_WEBVIEW, 'dashboard.js');
  const style = path.join(DIST_WEBVIEW, 'dashboard.css');
  for (const file of [script, style]) {
    if (!fs.existsSync(file)) throw new Error(`${file} is missing: run \`node esbuild.mjs\` first.`);
  }
  const html = renderDashboardHtml({
    title,
    nonce: createNonce(),
    webview: { cspSource: BENCH_ORIGIN, scriptUri: `${BENCH_ORIGIN}/webview/dashboard.js`, styleUri: `${BENCH_ORIGIN}/webview/dashboard.css` },
  });
  return {
    label: 'dashboard webview',
    html,
    assets: new Map([
      ['/webview/dashboard.js', { body: fs.readFileSync(script), contentType: 'text/javascript; charset=utf-8' }],
      ['/webview/dashboard.css', { body: fs.readFileSync(style), contentType: 'text/css; charset=utf-8' }],
    ]),
  };
}
