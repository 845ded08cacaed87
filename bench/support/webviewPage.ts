// A webview-like page in headless Chromium for the dashboard bench. The page is served from a made-up https origin
// through Playwright's request interception (nothing leaves the machine), keeps the CSP its HTML carries, and gets
// a stub `acquireVsCodeApi` plus an in-page probe before any of its own scripts run. The probe measures, inside the
// page, the time from `window.postMessage(message)` to the frame that shows it: a MutationObserver sees
// body[data-last-seq] reach the message's last seq and posts on a MessageChannel; that task runs after the
// rendering step (style, layout, paint) of the frame that made the change, so its time is "painted".
import type { Browser, BrowserContext, Page } from 'playwright-core';

export const BENCH_ORIGIN = 'https://webview.bench.invalid';

export interface PageAsset {
  body: string | Buffer;
  contentType: string;
}

/** One delivery, measured in the page (performance.now, ms). */
export interface Delivery {
  /** postMessage -> the task after the frame that set data-last-seq (style, layout and paint done). */
  paintedMs: number;
  /** postMessage -> data-last-seq set (DOM updated, not yet painted). */
  domMs: number;
}

// Plain browser JavaScript: it runs in the page, which the bench's TypeScript (no DOM types) cannot check.
const PROBE_SCRIPT = String.raw`
(() => {
  const posted = [];
  let state;
  const api = Object.freeze({
    postMessage: (message) => { posted.push(message); },
    getState: () => state,
    setState: (value) => { state = value; return value; },
  });
  // VS Code allows one call per page; the stub is kinder, the page under test should not depend on it.
  window.acquireVsCodeApi = () => api;

  const channel = new MessageChannel();
  let waiting = null;
  const lastSeq = () => Number(document.body ? document.body.dataset.lastSeq : NaN);
  const check = () => {
    if (waiting === null || waiting.domAt !== null || !(lastSeq() >= waiting.seq)) return;
    waiting.domAt = performance.now();
    channel.port2.postMessage(0);
  };
  channel.port1.onmessage = () => {
    if (waiting === null || waiting.domAt === null) return;
    const done = waiting;
    waiting = null;
    clearTimeout(done.timer);
    done.resolve({ paintedMs: performance.now() - done.t0, domMs: done.domAt - done.t0 });
  };
  new MutationObserver(check).observe(document, { attributes: true, subtree: true, attributeFilter: ['data-last-seq'] });

  const deliver = (message, seq, timeoutMs) => new Promise((resolve, reject) => {
    if (waiting !== null) { reject(new Error('a delivery is already being measured')); return; }
    const timer = setTimeout(() => {
      waiting = null;
      reject(new Error('seq ' + seq + ' was not shown within ' + timeoutMs + ' ms (data-last-seq is ' + lastSeq() + ')'));
    }, timeoutMs);
    waiting = { seq, t0: performance.now(), domAt: null, timer, resolve };
    window.postMessage(message, '*');
  });

  window.__aoBench = {
    posted,
    lastSeq,
    deliver,
    /** Delivers each message after a random pause of up to maxGapMs (so sends fall at random points of a frame). */
    async deliverEach(messages, seqs, maxGapMs, timeoutMs) {
      const results = [];
      for (let i = 0; i < messages.length; i++) {
        await new Promise((resolve) => setTimeout(resolve, Math.random() * maxGapMs));
        results.push(await deliver(messages[i], seqs[i], timeoutMs));
      }
      return results;
    },
  };
})();
`;

/** The floor of the browser: a message handler that writes the seq into an element in the next animation frame. */
export function barePageHtml(nonce: string): string {
  const csp = `default-src 'none'; script-src 'nonce-${nonce}'; style-src 'nonce-${nonce}';`;
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="UTF-8"><meta http-equiv="Content-Security-Policy" content="${csp}"><title>bare</title></head>
<body><p>last seq: <span id="seq">none</span></p>
<script nonce="${nonce}">
const vscode = acquireVsCodeApi();
const shown = document.getElementById('seq');
window.addEventListener('message', (event) => {
  const message = event.data;
  if (message.type !== 'snapshot' && message.type !== 'events') return;
  const last = message.events[message.events.length - 1];
  if (!last) return;
  requestAnimationFrame(() => {
    shown.textContent = String(last.seq);
    document.body.dataset.lastSeq = String(last.seq);
  });
});
vscode.postMessage({ type: 'ready' });
</script></body></html>`;
}

export class WebviewPage {
  readonly #context: BrowserContext;
  readonly #page: Page;
  /** Uncaught exceptions of the page: a page that throws may show nothing, and its figures would mean nothing. */
  readonly pageErrors: string[] = [];
  /** What the page logged with console.error (CSP violations land here too). */
  readonly consoleErrors: string[] = [];

  private constructor(context: BrowserContext, page: Page) {
    this.#context = context;
    this.#page = page;
    page.on('console', (message) => {
      if (message.type() === 'error') this.consoleErrors.push(message.text());
    });
    page.on('pageerror', (error) => this.pageErrors.push(error.message));
  }

  /** Opens `${BENCH_ORIGIN}/index.html` with `html`; other paths under the origin are served from `assets`. */
  static async open(browser: Browser, html: string, assets: ReadonlyMap<string, PageAsset>): Promise<WebviewPage> {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    try {
      await context.route(`${BENCH_ORIGIN}/**`, async (route) => {
        const pathname = new URL(route.request().url()).pathname;
        const asset = pathname === '/index.html' ? { body: html, contentType: 'text/html; charset=utf-8' } : assets.get(pathname);
        if (asset === undefined) await route.fulfill({ status: 404, body: 'not found' });
        else await route.fulfill({ status: 200, body: asset.body, contentType: asset.contentType });
      });
      await context.addInitScript({ content: PROBE_SCRIPT });
      const page = await context.newPage();
      const opened = new WebviewPage(context, page);
      await page.goto(`${BENCH_ORIGIN}/index.html`, { waitUntil: 'load' });
      return opened;
    } catch (error) {
      await context.close();
      throw error;
    }
  }

  /** Waits until the page has posted `{ type: 'ready' }` through the stub. */
  async waitForReady(timeoutMs = 10_000): Promise<void> {
    await this.#page.waitForFunction(
      () => {
        const bench = (globalThis as unknown as { __aoBench: { posted: { type?: unknown }[] } }).__aoBench;
        return bench.posted.some((message) => message.type === 'ready');
      },
      undefined,
      { timeout: timeoutMs },
    );
  }

  /** Posts one message and measures until the frame showing `seq` is painted. */
  async deliver(message: unknown, seq: number, timeoutMs: number): Promise<Delivery> {
    return this.#page.evaluate(
      ([data, lastSeq, timeout]) => {
        const bench = (globalThis as unknown as { __aoBench: { deliver(m: unknown, s: number, t: number): Promise<Delivery> } }).__aoBench;
        return bench.deliver(data, lastSeq, timeout);
      },
      [message, seq, timeoutMs] as const,
    );
  }

  /** Posts the messages one at a time (each after the previous one is painted and a random pause). */
  async deliverEach(messages: readonly unknown[], seqs: readonly number[], maxGapMs: number, timeoutMs: number): Promise<Delivery[]> {
    return this.#page.evaluate(
      ([data, lastSeqs, gap, timeout]) => {
        const bench = (globalThis as unknown as {
          __aoBench: { deliverEach(m: readonly unknown[], s: readonly number[], g: number, t: number): Promise<Delivery[]> };
        }).__aoBench;
        return bench.deliverEach(data, lastSeqs, gap, timeout);
      },
      [messages, seqs, maxGapMs, timeoutMs] as const,
    );
  }

  /** The page's visible text (a check that it shows the session, not an error). */
  async visibleText(): Promise<string> {
    return this.#page.locator('body').innerText();
  }

  async screenshot(file: string): Promise<void> {
    await this.#page.screenshot({ path: file, fullPage: false });
  }

  async close(): Promise<void> {
    await this.#context.close();
  }
}
