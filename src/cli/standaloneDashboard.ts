// `agent-orchestrator show <id> --html`: the live dashboard as one self-contained HTML file (script, stylesheet
// and the session's events inlined) that any browser opens offline and that can be shared as it is.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { ensureDirWithin, writeFileAtomic } from '../core/files/safeFiles';
import type { OrchestratorEvent } from '../core/protocol/events';
import { createNonce, renderDashboardHtml } from '../shared/dashboardHtml';
import { parseStandaloneDashboardData } from '../shared/dashboardProtocol';

export interface DashboardAssets {
  script: string;
  style: string;
}

export class DashboardAssetsMissingError extends Error {
  constructor(searched: readonly string[]) {
    super(`dashboard assets not built: run npm run build (looked for dashboard.js and dashboard.css in ${searched.join(', ')})`);
    this.name = 'DashboardAssetsMissingError';
  }
}

/**
 * Folders that may hold dashboard.js and dashboard.css: beside the bundle (dist/cli.js -> dist/webview), then the
 * repository's dist/webview for a CLI run from source (src/cli -> ../../dist/webview).
 */
export function dashboardAssetDirs(): string[] {
  return [path.join(__dirname, 'webview'), path.resolve(__dirname, '..', '..', 'dist', 'webview')];
}

// A development build inlines source maps; in a file meant to be shared they only add weight.
function withoutSourceMap(text: string): string {
  return text.replace(/\n?\/\/# sourceMappingURL=\S*\s*$/, '').replace(/\n?\/\*# sourceMappingURL=[^*]*\*\/\s*$/, '');
}

export function readDashboardAssets(dirs: readonly string[] = dashboardAssetDirs()): DashboardAssets {
  for (const dir of dirs) {
    const scriptFile = path.join(dir, 'dashboard.js');
    const styleFile = path.join(dir, 'dashboard.css');
    if (existsSync(scriptFile) && existsSync(styleFile)) {
      return { script: withoutSourceMap(readFileSync(scriptFile, 'utf8')), style: withoutSourceMap(readFileSync(styleFile, 'utf8')) };
    }
  }
  throw new DashboardAssetsMissingError(dirs);
}

/** The same rule the runtime logger uses for its artifacts, so the file sits beside `<sessionId>.log.md`. */
export function defaultDashboardFile(logDir: string, sessionId: string): string {
  return path.join(logDir, `${sessionId.replace(/[^A-Za-z0-9._-]/g, '_')}.dashboard.html`);
}

/** The standalone page of one recorded session (not live, no host: no buttons that need one). */
export function renderStandaloneDashboard(input: { sessionId: string; workspaceRoot: string; events: readonly OrchestratorEvent[] }, assets: DashboardAssets): string {
  // Validated as the page will read it, so a file that is written is a file that opens.
  const data = parseStandaloneDashboardData({
    session: { sessionId: input.sessionId, workspaceName: path.basename(input.workspaceRoot), live: false, interactive: false },
    events: input.events,
  });
  const started = input.events.find((event) => event.type === 'run.started');
  const request = started?.type === 'run.started' ? started.payload.request : input.sessionId;
  return renderDashboardHtml({
    title: `Agent Orchestrator — ${request}`,
    nonce: createNonce(),
    standalone: { script: assets.script, style: assets.style, data },
  });
}

/** Writes through a temporary file, so a browser reloading the path never reads half a page. */
export function writeStandaloneDashboard(file: string, html: string, workspaceRoot?: string): void {
  ensureDirWithin(path.dirname(file), workspaceRoot);
  writeFileAtomic(file, html);
}
