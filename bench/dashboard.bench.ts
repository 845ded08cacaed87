// Dashboard latency in headless Chromium (Debian's, driven by playwright-core), with a large session on screen.
// The session is one real run of the offline agents on a copy of examples/vulnerable-api, grown to 10,000 events by
// repeating its messages, tool calls and findings (fresh seq numbers and ids). The page is the real dashboard:
// renderDashboardHtml's HTML with its CSP, dist/webview/dashboard.js and .css, a stub acquireVsCodeApi. After the
// page says `ready` it gets the 10,000-event snapshot, then 300 single-event `events` messages one at a time (20
// more first as warm-up), each after the previous one is painted and a random pause of up to 20 ms. Both pages are
// measured in turns (page loads alternate, single events go in 4 alternating blocks), so machine noise hits both.
// Measured in the page: postMessage -> the task after the frame in which body[data-last-seq] reaches the new seq
// (a MutationObserver posts on a MessageChannel; that task runs once the frame's rendering, paint included, is done).
// Reported: the snapshot's time to painted (median of 3 fresh page loads) and p50/p95/max per single event.
// Baseline, same run, same browser, same messages: a bare page whose handler writes the seq into an element inside
// requestAnimationFrame: the browser's floor (message delivery plus waiting for the next frame).
import { randomBytes } from 'node:crypto';
import * as os from 'node:os';
import { launchChromium } from '../test/e2e/support/chromium';
import { HostToWebviewMessageSchema, type HostToWebviewMessage } from '../src/shared/dashboardProtocol';
import type { OrchestratorEvent } from '../src/core/protocol/events';
import { percentile, type Bench, type BenchRow } from './harness';
import { dashboardPage } from './support/dashboardPage';
import { growSession, recordExampleRun, type GrowingSession } from './support/sessionEvents';
import { barePageHtml, WebviewPage, type Delivery, type PageAsset } from './support/webviewPage';
import type { Browser } from 'playwright-core';

const SESSION_EVENTS = 10_000;
const SNAPSHOT_LOADS = 3;
const WARMUP_EVENTS = 20;
const MEASURED_EVENTS = 300;
const MAX_GAP_MS = 20;
const SNAPSHOT_TIMEOUT_MS = 120_000;
const EVENT_TIMEOUT_MS = 10_000;

interface PageUnderTest {
  label: string;
  html: string;
  assets: ReadonlyMap<string, PageAsset>;
  /** Text the page must show once the snapshot is painted (else it drew an error, and its times mean nothing). */
  shows: string;
}

interface Measured {
  snapshotMs: number[];
  snapshotDomMs: number[];
  live: Delivery[];
  /** Uncaught page exceptions and failed checks: the bench throws. */
  errors: string[];
  /** console.error output: reported in a note. */
  consoleErrors: string[];
}

function round(value: number, digits: number): number {
  return Number(value.toFixed(digits));
}

function sorted(values: readonly number[]): number[] {
  return [...values].sort((a, b) => a - b);
}

function snapshotMessage(session: GrowingSession): HostToWebviewMessage {
  return {
    type: 'snapshot',
    session: { sessionId: session.sessionId, workspaceName: 'vulnerable-api', live: true, interactive: true },
    events: session.head,
  };
}

function eventsMessage(sessionId: string, event: OrchestratorEvent): HostToWebviewMessage {
  return { type: 'events', sessionId, events: [event] };
}

const LIVE_BLOCKS = 4;

function lastSeqOf(message: HostToWebviewMessage): number {
  if (message.type !== 'snapshot' && message.type !== 'events') throw new Error(`no events in ${message.type}`);
  const last = message.events[message.events.length - 1];
  if (last === undefined) throw new Error('a message without events');
  return last.seq;
}

function collectErrors(page: WebviewPage, into: Measured): void {
  into.errors.push(...page.pageErrors);
  into.consoleErrors.push(...page.consoleErrors);
}

/** Opens the page, sends the snapshot and records its time; checks the page shows what it should. */
async function loadWithSnapshot(browser: Browser, target: PageUnderTest, snapshot: HostToWebviewMessage, into: Measured): Promise<WebviewPage> {
  const page = await WebviewPage.open(browser, target.html, target.assets);
  try {
    await page.waitForReady();
    const shown = await page.deliver(snapshot, lastSeqOf(snapshot), SNAPSHOT_TIMEOUT_MS);
    into.snapshotMs.push(shown.paintedMs);
    into.snapshotDomMs.push(shown.domMs);
    const text = await page.visibleText();
    if (!text.includes(target.shows)) into.errors.push(`after the snapshot the page does not show "${target.shows}":\n${text.slice(0, 500)}`);
    return page;
  } catch (error) {
    await page.close();
    throw error;
  }
}

/**
 * Measures both pages in turns (snapshot loads alternate, the single events go in blocks alternating between
 * the two pages), so a busy moment of the machine falls on both alike. Pages of earlier loads are closed; the
 * last load of each stays open for the single events, on top of its snapshot.
 */
async function measureBoth(browser: Browser, targets: readonly PageUnderTest[], snapshot: HostToWebviewMessage, live: readonly HostToWebviewMessage[]): Promise<Measured[]> {
  const results: Measured[] = targets.map(() => ({ snapshotMs: [], snapshotDomMs: [], live: [], errors: [], consoleErrors: [] }));
  const open: WebviewPage[] = [];
  try {
    for (let load = 0; load < SNAPSHOT_LOADS; load++) {
      for (const [index, target] of targets.entries()) {
        const page = await loadWithSnapshot(browser, target, snapshot, results[index] as Measured);
        if (load === SNAPSHOT_LOADS - 1) {
          open.push(page);
        } else {
          collectErrors(page, results[index] as Measured);
          await page.close();
        }
      }
    }
    const blockSize = Math.ceil(live.length / LIVE_BLOCKS);
    for (let from = 0; from < live.length; from += blockSize) {
      const block = live.slice(from, from + blockSize);
      for (const [index, page] of open.entries()) {
        const delivered = await page.deliverEach(block, block.map(lastSeqOf), MAX_GAP_MS, EVENT_TIMEOUT_MS);
        (results[index] as Measured).live.push(...delivered);
      }
    }
    for (const [index, page] of open.entries()) {
      const result = results[index] as Measured;
      result.live = result.live.slice(WARMUP_EVENTS);
      collectErrors(page, result);
    }
    return results;
  } finally {
    for (const page of open) await page.close();
  }
}

function consoleNote(measured: Measured): string {
  const logged = measured.consoleErrors;
  if (logged.length === 0) return '';
  return `; the page logged ${logged.length} console error(s), e.g. ${JSON.stringify((logged[0] ?? '').slice(0, 200))}`;
}

function rows(dashboard: Measured, bare: Measured, dashboardLabel: string, load: number): BenchRow[] {
  const bareName = 'bare page, seq written in requestAnimationFrame';
  const median = (values: readonly number[]): number => percentile(sorted(values), 50);
  const out: BenchRow[] = [
    {
      name: `snapshot of ${SESSION_EVENTS.toLocaleString('en-US')} events -> painted (${dashboardLabel})`,
      value: round(median(dashboard.snapshotMs), 1),
      unit: 'ms',
      baseline: { name: `${bareName} (same snapshot)`, value: round(median(bare.snapshotMs), 1) },
      note: `median of ${SNAPSHOT_LOADS} fresh page loads (all: ${dashboard.snapshotMs.map((v) => round(v, 0)).join(', ')} ms); DOM updated after ${round(median(dashboard.snapshotDomMs), 1)} ms; includes the structured clone of postMessage; 1-min load average at start ${round(load, 2)} on ${os.cpus().length} CPUs${consoleNote(dashboard)}`,
    },
  ];
  const painted = sorted(dashboard.live.map((d) => d.paintedMs));
  const barePainted = sorted(bare.live.map((d) => d.paintedMs));
  const dom = sorted(dashboard.live.map((d) => d.domMs));
  for (const [label, p] of [['p50', 50], ['p95', 95], ['max', 100]] as const) {
    out.push({
      name: `one event -> painted, ${label} (${SESSION_EVENTS.toLocaleString('en-US')} events in session, ${dashboardLabel})`,
      value: round(percentile(painted, p), 2),
      unit: 'ms',
      baseline: { name: `${bareName}, ${label}`, value: round(percentile(barePainted, p), 2) },
      note:
        label === 'p50'
          ? `${painted.length} events (after ${WARMUP_EVENTS} warm-up), one per 'events' message, random 0-${MAX_GAP_MS} ms pause between; DOM updated p50 ${round(percentile(dom, 50), 2)} ms, p95 ${round(percentile(dom, 95), 2)} ms`
          : undefined,
    });
  }
  return out;
}

export const dashboardBench: Bench = async () => {
  const recorded = await recordExampleRun();
  const session = growSession(recorded, SESSION_EVENTS);
  const snapshot = HostToWebviewMessageSchema.parse(snapshotMessage(session));
  const live = Array.from({ length: WARMUP_EVENTS + MEASURED_EVENTS }, () => HostToWebviewMessageSchema.parse(eventsMessage(session.sessionId, session.next())));

  const dashboard: PageUnderTest = { ...dashboardPage('Agent Orchestrator: dashboard bench'), shows: session.sessionId };
  const bare: PageUnderTest = { label: 'bare page', html: barePageHtml(randomBytes(16).toString('base64')), assets: new Map(), shows: String(SESSION_EVENTS) };
  const load = os.loadavg()[0] ?? Number.NaN;
  const browser = await launchChromium();
  try {
    // The bare page first also warms the browser (process start, first navigation) for the dashboard.
    const [bareResult, dashboardResult] = (await measureBoth(browser, [bare, dashboard], snapshot, live)) as [Measured, Measured];
    if (dashboardResult.errors.length > 0) throw new Error(`the dashboard page reported errors:\n${dashboardResult.errors.join('\n')}`);
    if (bareResult.errors.length > 0) throw new Error(`the bare page reported errors:\n${bareResult.errors.join('\n')}`);
    return rows(dashboardResult, bareResult, dashboard.label, load);
  } finally {
    await browser.close();
  }
};
