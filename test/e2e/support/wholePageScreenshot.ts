// A screenshot of the whole page as a reader scrolling through it would see it. Playwright's fullPage capture
// renders beyond the viewport without scrolling, so content the page skips while off screen (the dashboard's
// cards use content-visibility: auto) would come out blank; a viewport as tall as the page renders all of it.
import type { Page } from 'playwright-core';

export async function wholePageScreenshot(page: Page, file: string): Promise<void> {
  const viewport = page.viewportSize() ?? { width: 1400, height: 1000 };
  const height = await page.evaluate(() => (globalThis as unknown as { document: { documentElement: { scrollHeight: number } } }).document.documentElement.scrollHeight);
  await page.setViewportSize({ width: viewport.width, height: Math.max(viewport.height, Math.ceil(height)) });
  try {
    // Two frames: one to lay out what came into view, one to paint it.
    await page.evaluate(() => {
      const { requestAnimationFrame: nextFrame } = globalThis as unknown as { requestAnimationFrame(callback: () => void): number };
      return new Promise<void>((resolve) => nextFrame(() => nextFrame(resolve)));
    });
    await page.screenshot({ path: file });
  } finally {
    await page.setViewportSize(viewport);
  }
}
