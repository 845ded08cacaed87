// Debian's Chromium driven by playwright-core (Playwright's own browser download cannot work offline here).
import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

export const CHROMIUM_PATH = process.env.AGENT_ORCHESTRATOR_CHROMIUM ?? '/usr/bin/chromium';

// Without the background-networking flags Chromium keeps dialing Google on a closed network.
const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export function chromiumAvailable(): boolean {
  return existsSync(CHROMIUM_PATH);
}

/** A headless Chromium; Playwright gives it a fresh temporary profile and removes it on close. */
export async function launchChromium(options: { headless?: boolean } = {}): Promise<Browser> {
  if (!chromiumAvailable()) {
    throw new Error(`Chromium not found at ${CHROMIUM_PATH}: run "npm run e2e:setup" (installs Debian's chromium).`);
  }
  const browser = await chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: options.headless ?? true,
    args: CHROMIUM_ARGS,
  });
  return browser;
}
