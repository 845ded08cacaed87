// The dashboard's HTML page, for the VS Code panel (script and stylesheet loaded from the extension's dist/webview
// through webview URIs) and for the standalone file of `agent-orchestrator show --html` (both inlined, with the
// session embedded as JSON). Both pages carry a nonce CSP and load nothing remote. What comes from a run (the
// request in the title, the events) is escaped so it can never end the element it sits in.
import { STANDALONE_DATA_ELEMENT_ID, type StandaloneDashboardData } from './dashboardProtocol';

export interface DashboardHtmlOptions {
  title: string;
  nonce: string;
  /** VS Code panel: webview.cspSource plus the asWebviewUri strings of dist/webview/dashboard.{js,css}. */
  webview?: { cspSource: string; scriptUri: string; styleUri: string };
  /** Standalone file: the script and stylesheet text inlined, and the session embedded as JSON. */
  standalone?: { script: string; style: string; data: StandaloneDashboardData };
}

const NONCE_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** 32 random letters and digits from crypto.getRandomValues (Node 20 and browsers both have it). */
export function createNonce(): string {
  const bytes = new Uint8Array(32);
  globalThis.crypto.getRandomValues(bytes);
  let nonce = '';
  // 256 is a multiple of 62 * 4 plus 8: the slight bias towards the first 8 letters costs nothing for a nonce.
  for (const byte of bytes) nonce += NONCE_ALPHABET[byte % NONCE_ALPHABET.length];
  return nonce;
}

/** Text for HTML content and double- or single-quoted attributes. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);
}

/**
 * JSON that is safe inside `<script type="application/json">`: no `<` at all, so neither `</script>` nor `<!--`
 * can appear; U+2028/2029 escaped too, so the text is also a valid JavaScript literal.
 */
export function jsonForScriptElement(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

/**
 * Script text that cannot close its `<script>` element early: `</script` becomes `<\/script`, the same text in a
 * JavaScript string, template, regular expression or comment. `<!--` has no such rewrite (it would change some
 * regular expressions), and with a `<script` after it the parser could run past the real end tag, so it is refused.
 */
export function inlineScript(script: string): string {
  if (script.includes('<!--')) throw new Error('the dashboard script contains "<!--" and cannot be inlined into HTML safely');
  return script.replace(/<\/(script)/gi, '<\\/$1');
}

/** Style text that cannot close its `<style>` element early. */
export function inlineStyle(style: string): string {
  return style.replace(/<\/(style)/gi, '<\\/$1');
}

function assertNonce(nonce: string): void {
  // The nonce lands in the CSP and in attributes unescaped: only letters and digits make that safe.
  if (!/^[A-Za-z0-9]{16,}$/.test(nonce)) throw new Error('nonce must be at least 16 letters and digits');
}

function page(options: { csp: string; title: string; rootClass: string; head: string; body: string }): string {
  return `<!DOCTYPE html>
<html lang="en" class="${options.rootClass}">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${escapeHtml(options.csp)}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<meta name="referrer" content="no-referrer">
<title>${escapeHtml(options.title)}</title>
${options.head}
</head>
<body>
<div id="app"></div>
${options.body}
</body>
</html>
`;
}

/** The dashboard page for the VS Code panel (`webview`) or as a self-contained file (`standalone`). */
export function renderDashboardHtml(options: DashboardHtmlOptions): string {
  const { nonce } = options;
  assertNonce(nonce);
  if (options.webview && options.standalone) throw new Error('renderDashboardHtml: give either webview or standalone, not both');
  if (options.webview) {
    const { cspSource, scriptUri, styleUri } = options.webview;
    const csp = `default-src 'none'; img-src ${cspSource} data:; style-src ${cspSource} 'nonce-${nonce}'; font-src ${cspSource}; script-src 'nonce-${nonce}';`;
    return page({
      csp,
      title: options.title,
      rootClass: 'vscode',
      head: `<link rel="stylesheet" nonce="${nonce}" href="${escapeHtml(styleUri)}">`,
      body: `<script nonce="${nonce}" src="${escapeHtml(scriptUri)}"></script>`,
    });
  }
  if (options.standalone) {
    const { script, style, data } = options.standalone;
    const csp = `default-src 'none'; img-src data:; style-src 'nonce-${nonce}'; script-src 'nonce-${nonce}';`;
    return page({
      csp,
      title: options.title,
      rootClass: 'standalone',
      head: `<style nonce="${nonce}">\n${inlineStyle(style)}\n</style>`,
      body: [
        `<noscript><p>This dashboard needs JavaScript to draw the session.</p></noscript>`,
        `<script type="application/json" id="${STANDALONE_DATA_ELEMENT_ID}">${jsonForScriptElement(data)}</script>`,
        `<script nonce="${nonce}">\n${inlineScript(script)}\n</script>`,
      ].join('\n'),
    });
  }
  throw new Error('renderDashboardHtml: give webview or standalone options');
}
