// Starts code-server (VS Code in the browser) from the e2e cache on a free loopback port, with its own user data and
// extensions folders, and stops it by process group. Used by the end-to-end tests, the setup check and `npm run ide`.
import { spawn } from 'node:child_process';
import { createWriteStream, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { CODE_SERVER_ENTRY, NODE24_BIN } from './environment.mjs';

/** Quiet, offline-friendly defaults: no welcome page, no update or experiment traffic, no AI sign-in prompts. */
const DEFAULT_SETTINGS = {
  'workbench.startupEditor': 'none',
  'workbench.tips.enabled': false,
  'workbench.enableExperiments': false,
  'telemetry.telemetryLevel': 'off',
  'update.mode': 'none',
  'extensions.autoCheckUpdates': false,
  'extensions.autoUpdate': false,
  'extensions.ignoreRecommendations': true,
  'chat.disableAIFeatures': true,
  'git.enabled': false,
  'security.workspace.trust.startupPrompt': 'never',
  // The chat panel would otherwise take a third of the window in every screenshot.
  'workbench.secondarySideBar.defaultVisibility': 'hidden',
};

/** A free TCP port on 127.0.0.1 (asked from the kernel, then released for the server to take). */
export function freePort() {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.unref();
    probe.on('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address();
      probe.close(() => resolve(port));
    });
  });
}

/**
 * Environment for code-server: the caller's, minus what would redirect it. VSCODE_IPC_HOOK_CLI (set in VS Code's
 * terminal) makes code-server hand the folder to the outer VS Code and exit; NODE_OPTIONS may carry a loader of the
 * test runner into Node 24.
 */
function serverEnvironment(extra) {
  const env = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('VSCODE_') && key !== 'NODE_OPTIONS' && key !== 'ELECTRON_RUN_AS_NODE'));
  env.PATH = `${path.dirname(NODE24_BIN)}${path.delimiter}${env.PATH ?? ''}`;
  return { ...env, ...extra };
}

/**
 * Starts code-server and resolves once it answers HTTP. `trustWorkspace: false` leaves Workspace Trust on, so a
 * folder opens in Restricted Mode. The extension host inherits `env`.
 */
export async function startCodeServer(options = {}) {
  // A free port is only free until someone takes it: on a lost race, ask for another one.
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await startOnce(options);
    } catch (error) {
      if (options.port !== undefined || attempt >= 3 || !/EADDRINUSE/.test(String(error))) throw error;
    }
  }
}

async function startOnce(options) {
  const {
    workspace,
    trustWorkspace = true,
    smokeTestDriver = false,
    env = {},
    settings = {},
    startTimeoutMs = 60_000,
  } = options;
  const baseDir = options.baseDir ?? mkdtempSync(path.join(os.tmpdir(), 'ao-code-server-'));
  const ownsBaseDir = options.baseDir === undefined;
  const userDataDir = options.userDataDir ?? path.join(baseDir, 'user-data');
  const extensionsDir = options.extensionsDir ?? path.join(baseDir, 'extensions');
  const port = options.port ?? (await freePort());
  const logFile = path.join(baseDir, 'code-server.log');
  mkdirSync(path.join(userDataDir, 'User'), { recursive: true });
  mkdirSync(extensionsDir, { recursive: true });
  // Settings a person changed in a kept user-data folder (npm run ide) survive; the caller's win over both.
  const settingsFile = path.join(userDataDir, 'User', 'settings.json');
  writeFileSync(settingsFile, `${JSON.stringify({ ...DEFAULT_SETTINGS, ...readSettings(settingsFile), ...settings }, null, 2)}\n`);
  // Without --config code-server writes ~/.config/code-server/config.yaml; keep everything inside baseDir.
  const configFile = path.join(baseDir, 'config.yaml');
  writeFileSync(configFile, `bind-addr: 127.0.0.1:${port}\nauth: none\ncert: false\n`);

  const args = [
    CODE_SERVER_ENTRY,
    '--config', configFile,
    '--bind-addr', `127.0.0.1:${port}`,
    '--auth', 'none',
    '--user-data-dir', userDataDir,
    '--extensions-dir', extensionsDir,
    '--disable-telemetry',
    '--disable-update-check',
    '--disable-getting-started-override',
    '--ignore-last-opened',
  ];
  if (trustWorkspace) args.push('--disable-workspace-trust');
  if (smokeTestDriver) args.push('--vscode-option', 'enable-smoke-test-driver');
  if (workspace) args.push(workspace);

  // code-server leaves vscode-ipc-*.sock files in the temporary folder when stopped; give it one of its own to
  // remove afterwards (not under baseDir: a socket path longer than 107 bytes cannot be bound).
  const tmpDir = mkdtempSync(path.join(os.tmpdir(), 'ao-code-server-tmp-'));
  const log = createWriteStream(logFile);
  // Its own process group: stop() signals the server, its extension hosts and everything they spawned at once.
  const child = spawn(NODE24_BIN, args, { env: serverEnvironment({ TMPDIR: tmpDir, ...env }), detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout.pipe(log, { end: false });
  child.stderr.pipe(log, { end: false });
  let exited = false;
  const exit = new Promise((resolve) => {
    child.on('exit', (code, signal) => {
      exited = true;
      resolve({ code, signal });
    });
    child.on('error', (error) => {
      exited = true;
      resolve({ code: null, signal: null, error });
    });
  });
  const url = `http://127.0.0.1:${port}`;
  const readLog = () => {
    try {
      return readFileSync(logFile, 'utf8');
    } catch {
      return '';
    }
  };

  let stopped;
  const stop = () => {
    stopped ??= (async () => {
      await stopProcessGroup(child.pid, exit, () => exited);
      await new Promise((resolve) => log.end(resolve));
      rmSync(tmpDir, { recursive: true, force: true, maxRetries: 3 });
      if (ownsBaseDir && !options.keepBaseDir) rmSync(baseDir, { recursive: true, force: true, maxRetries: 3 });
    })();
    return stopped;
  };

  try {
    await waitUntilServing(url, startTimeoutMs, exit, () => exited, readLog);
  } catch (error) {
    await stop();
    throw error;
  }
  return {
    url,
    port,
    pid: child.pid,
    baseDir,
    userDataDir,
    extensionsDir,
    logFile,
    readLog,
    stop,
    /** Resolves when the server process exits (on its own or through stop()). */
    exited: exit,
    /** The workbench URL for `folder`, optionally with a `payload` (e.g. extensionDevelopmentPath) as VS Code's web embedder reads it. */
    workbenchUrl(folder, payload) {
      const query = new URLSearchParams();
      if (folder) query.set('folder', folder);
      if (payload) query.set('payload', JSON.stringify(payload));
      return `${url}/?${query.toString()}`;
    },
    /** A file path on the server as the workbench addresses it (vscode-remote://host:port/abs/path). */
    remoteUri(absolutePath) {
      return `vscode-remote://127.0.0.1:${port}${absolutePath.split(path.sep).map(encodeURIComponent).join('/')}`;
    },
  };
}

function readSettings(file) {
  try {
    const parsed = JSON.parse(readFileSync(file, 'utf8'));
    return parsed && typeof parsed === 'object' ? parsed : {};
  } catch {
    return {};
  }
}

async function waitUntilServing(url, timeoutMs, exit, hasExited, readLog) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (hasExited()) {
      const { code, signal, error } = await exit;
      throw new Error(`code-server exited before serving (${error?.message ?? signal ?? `exit code ${code}`}). Log:\n${tail(readLog())}`);
    }
    try {
      const response = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(2_000) });
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    await delay(200);
  }
  throw new Error(`code-server did not serve ${url} within ${Math.round(timeoutMs / 1000)} s. Log:\n${tail(readLog())}`);
}

/** SIGTERM to the group, SIGKILL to whatever is left after a grace period; resolves once the group is empty. */
async function stopProcessGroup(pid, exit, hasExited) {
  if (pid === undefined) return;
  signalGroup(pid, 'SIGTERM');
  await Promise.race([exit, delay(5_000)]);
  // Extension hosts and their children may outlive the server; they share its group.
  if (groupAlive(pid) || !hasExited()) signalGroup(pid, 'SIGKILL');
  const deadline = Date.now() + 5_000;
  while (groupAlive(pid) && Date.now() < deadline) await delay(100);
}

function signalGroup(pid, signal) {
  try {
    process.kill(-pid, signal);
  } catch {
    // the group is already empty
  }
}

function groupAlive(pid) {
  try {
    process.kill(-pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * Installs a VSIX into `extensionsDir` with code-server's CLI (no server started). The CLI runs in its own process
 * group and is killed with it after `timeoutMs`.
 */
export function installExtension({ vsix, extensionsDir, userDataDir, timeoutMs = 120_000 }) {
  mkdirSync(extensionsDir, { recursive: true });
  mkdirSync(userDataDir, { recursive: true });
  return new Promise((resolve, reject) => {
    const child = spawn(NODE24_BIN, [CODE_SERVER_ENTRY, '--extensions-dir', extensionsDir, '--user-data-dir', userDataDir, '--install-extension', vsix, '--force'], {
      env: serverEnvironment({}),
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    const timer = setTimeout(() => {
      signalGroup(child.pid, 'SIGKILL');
      reject(new Error(`installing ${vsix} into code-server did not finish within ${Math.round(timeoutMs / 1000)} s. Output:\n${tail(output)}`));
    }, timeoutMs);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      signalGroup(child.pid, 'SIGKILL');
      const installed = readdirSync(extensionsDir).some((name) => name.startsWith('agent-orchestrator.agent-orchestrator-'));
      if (code === 0 && /successfully installed/i.test(output) && installed) resolve(output);
      else reject(new Error(`installing ${vsix} failed (exit code ${code}). Output:\n${tail(output)}`));
    });
  });
}

function tail(text, lines = 40) {
  return text.split('\n').slice(-lines).join('\n');
}

function delay(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
