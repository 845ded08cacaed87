// Driving the VS Code workbench (code-server in Chromium) the way a user does: palette, quick picks, webviews, views.
import type { Frame, Locator, Page } from 'playwright-core';
import { waitFor } from './waitFor';

/** Opens `url` and waits until the workbench has rendered and its extension host is connected. */
export async function openWorkbench(page: Page, url: string): Promise<void> {
  await page.goto(url);
  await waitForWorkbench(page, url);
}

/** Waits until the workbench (after a load or a reload) has rendered its layout. */
export async function waitForWorkbench(page: Page, url = page.url()): Promise<void> {
  await page.locator('.monaco-workbench').waitFor({ state: 'visible', timeout: 60_000 }).catch(() => {
    throw new Error(`the VS Code workbench did not render within 60 s at ${url}`);
  });
  // The status bar appears once the workbench layout is complete; the palette works from then on.
  await page.locator('.statusbar').waitFor({ state: 'visible', timeout: 30_000 });
}

/**
 * F1, the command's full title, Enter: exactly what a user types. Right after load the workbench may swallow the
 * first F1 (keybindings not yet wired), and a palette opened before the extension's contributions are registered
 * never lists its commands, so the palette is closed and opened again until the command shows up.
 */
export async function runCommandFromPalette(page: Page, title: string, timeoutMs = 60_000): Promise<void> {
  const input = quickInput(page);
  // The highlighted row, as Enter would run it. Clicking instead races the list, which re-renders while it filters.
  const focusedRow = page.locator('.quick-input-widget .monaco-list-row.focused', { hasText: title }).first();
  await waitFor(`the command palette to offer "${title}"`, timeoutMs, async () => {
    if (await input.isVisible()) await page.keyboard.press('Escape');
    await page.keyboard.press('F1');
    await input.waitFor({ state: 'visible', timeout: 3_000 });
    if (!(await input.inputValue()).startsWith('>')) return undefined;
    await page.keyboard.type(title);
    if (!(await focusedRow.waitFor({ state: 'visible', timeout: 5_000 }).then(() => true, () => false))) return undefined;
    return (await input.inputValue()) === `>${title}` ? true : undefined;
  }, 1_000);
  await input.press('Enter');
}

export function quickInput(page: Page): Locator {
  return page.locator('.quick-input-widget .quick-input-box input');
}

/** Waits for the next quick input (input box or quick pick) that is not the command palette. */
export async function waitForPrompt(page: Page, what: string, timeoutMs = 30_000): Promise<Locator> {
  const input = quickInput(page);
  await waitFor(what, timeoutMs, async () => {
    if (!(await input.isVisible())) return undefined;
    const value = await input.inputValue();
    return value.startsWith('>') ? undefined : true;
  });
  return input;
}

/**
 * Accepts the quick pick item whose label contains `label`: filters the list by the label and presses Enter once
 * that item is the highlighted row. Clicking instead races the list, which re-renders (and is briefly hidden) while
 * it updates; a click then waits on a row that is not visible.
 */
/**
 * Types a request into Orchestrate Request's prompt and submits it. Waits for that prompt by its title (the command
 * palette's input shows empty for a moment as it closes: keys sent then are lost), sets the text in one step, and
 * presses Enter only once the prompt offers exactly that text as the item to run.
 */
export async function submitRequest(page: Page, request: string, timeoutMs = 30_000): Promise<void> {
  const input = quickInput(page);
  const title = page.locator('.quick-input-widget .quick-input-title', { hasText: /^Orchestrate Request$/ }).first();
  const typedRow = page.locator('.quick-input-widget .monaco-list-row.focused', { hasText: request }).first();
  await waitFor('the request prompt of Orchestrate Request', timeoutMs, async () => {
    if (!(await title.isVisible().catch(() => false)) || !(await input.isVisible().catch(() => false))) return undefined;
    if ((await input.inputValue()) !== request) await input.fill(request);
    return (await typedRow.isVisible().catch(() => false)) && (await input.inputValue()) === request ? true : undefined;
  }, 250);
  await input.press('Enter');
}

export async function pickItem(page: Page, label: string, timeoutMs = 60_000): Promise<void> {
  const input = quickInput(page);
  const focusedRow = page.locator('.quick-input-widget .monaco-list-row.focused', { hasText: label }).first();
  await waitFor(`the quick pick item "${label}" to be highlighted`, timeoutMs, async () => {
    if (!(await input.isVisible().catch(() => false))) return undefined;
    if ((await input.inputValue()) !== label) await input.fill(label);
    return (await focusedRow.isVisible().catch(() => false)) ? true : undefined;
  }, 250);
  await input.press('Enter');
}

/** The (nested) frame whose document contains `selector`: webview content lives two iframes below the page. */
export async function frameContaining(page: Page, selector: string, what: string, timeoutMs: number): Promise<Frame> {
  return waitFor(what, timeoutMs, async () => {
    for (const frame of page.frames()) {
      if (frame === page.mainFrame()) continue;
      if (await frame.$(selector).catch(() => null)) return frame;
    }
    return undefined;
  });
}

/** The cursor position the status bar shows ("Ln 12, Col 5"). */
export async function statusBarCursor(page: Page): Promise<string> {
  return (await page.locator('[id="status.editor.selection"]').first().innerText()).trim();
}

/** The label of the active tab in the active editor group (each group has an active tab of its own). */
export async function activeEditorTabLabel(page: Page): Promise<string> {
  return (await page.locator('.editor-group-container.active .tabs-container .tab.active').first().getAttribute('aria-label')) ?? '';
}

/** A view pane of the sidebar by its title, expanded. */
export async function expandedView(page: Page, title: string): Promise<Locator> {
  const pane = page.locator('.part.sidebar .pane').filter({ has: page.locator('.pane-header .title', { hasText: new RegExp(`^${escapeRegExp(title)}$`, 'i') }) }).first();
  await pane.waitFor({ state: 'visible', timeout: 15_000 }).catch(() => {
    throw new Error(`the sidebar shows no view "${title}"`);
  });
  const header = pane.locator('.pane-header').first();
  if ((await header.getAttribute('aria-expanded')) === 'false') await header.click();
  return pane;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Closes the notification toasts, so a screenshot shows what is under them. */
export async function dismissNotifications(page: Page): Promise<void> {
  const close = page.locator('.notifications-toasts .notification-toast .codicon-notifications-clear');
  for (let remaining = await close.count(); remaining > 0; remaining -= 1) {
    await close.first().click({ timeout: 2_000 }).catch(() => undefined);
  }
}
