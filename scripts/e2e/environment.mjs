// Where the end-to-end tools live and which versions they are. Shared by the setup, the test harness and `npm run ide`.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
/** AO_E2E_CACHE_DIR moves the cache (e.g. to try a fresh install without losing the current one). */
export const CACHE_DIR = process.env.AO_E2E_CACHE_DIR ? path.resolve(process.env.AO_E2E_CACHE_DIR) : path.join(REPO_ROOT, '.cache', 'e2e');

/** code-server 4.139.1 is VS Code 1.139.1 and needs Node 24 (the machine's Node 20 cannot run it). */
export const NODE_VERSION = '24.21.0';
export const CODE_SERVER_VERSION = '4.139.1';
/** Headers for code-server's native modules, and the browser Playwright drives (its own download cannot work offline). */
export const APT_PACKAGES = ['chromium', 'libkrb5-dev', 'libx11-dev', 'libxkbfile-dev', 'libsecret-1-dev'];
export const CHROMIUM_PATH = process.env.AGENT_ORCHESTRATOR_CHROMIUM ?? '/usr/bin/chromium';

export const NODE24_PREFIX = path.join(CACHE_DIR, 'node24');
/** The npm package `node` ships the binary in a platform package nested below its wrapper. */
export const NODE24_DIR = path.join(NODE24_PREFIX, 'node_modules', 'node', 'node_modules', `node-linux-${process.arch}`);
export const NODE24_BIN = path.join(NODE24_DIR, 'bin', 'node');
export const CODE_SERVER_PREFIX = path.join(CACHE_DIR, 'code-server');
export const CODE_SERVER_ENTRY = path.join(CODE_SERVER_PREFIX, 'node_modules', 'code-server', 'out', 'node', 'entry.js');
export const SETUP_MARKER = path.join(CACHE_DIR, 'setup.json');

/** What a completed setup records; a different value means the cache is stale and the setup reinstalls. */
export function expectedMarker() {
  return { node: NODE_VERSION, codeServer: CODE_SERVER_VERSION, platform: process.platform, arch: process.arch };
}

export function setupIsCurrent() {
  if (!existsSync(SETUP_MARKER) || !existsSync(NODE24_BIN) || !existsSync(CODE_SERVER_ENTRY) || !existsSync(CHROMIUM_PATH)) return false;
  try {
    const marker = JSON.parse(readFileSync(SETUP_MARKER, 'utf8'));
    return Object.entries(expectedMarker()).every(([key, value]) => marker[key] === value);
  } catch {
    return false;
  }
}

/** Throws with the command that fixes it, so a test run on a fresh machine says what to do instead of timing out. */
export function assertSetupDone() {
  if (!setupIsCurrent()) {
    throw new Error(`The end-to-end tools (Node ${NODE_VERSION}, code-server ${CODE_SERVER_VERSION}, Chromium) are not set up: run "npm run e2e:setup".`);
  }
}
