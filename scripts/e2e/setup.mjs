// `npm run e2e:setup`: installs what the end-to-end tests and `npm run ide` need, once, into .cache/e2e:
// Debian packages (Chromium, headers for code-server's native modules), Node 24 from npm, and code-server.
// Idempotent: a marker file records the versions; a current marker makes this a no-op. Every step has a time limit,
// and a step that times out or is interrupted has its whole process group stopped.
import { spawn, spawnSync } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import {
  APT_PACKAGES, CACHE_DIR, CHROMIUM_PATH, CODE_SERVER_ENTRY, CODE_SERVER_PREFIX, CODE_SERVER_VERSION, NODE24_BIN, NODE24_DIR,
  NODE24_PREFIX, NODE_VERSION, SETUP_MARKER, expectedMarker, setupIsCurrent,
} from './environment.mjs';
import { startCodeServer } from './codeServer.mjs';

const MINUTE = 60_000;
/** The native modules of VS Code's server on Linux (the Windows-only ones are stubs here). */
const NATIVE_MODULES = ['@vscode/spdlog', '@vscode/sqlite3', 'kerberos', '@vscode/native-watchdog', 'node-pty'];
const LOG_DIR = path.join(CACHE_DIR, 'logs');
let runningStep;

class SetupError extends Error {}

for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    runningStep?.stop();
    console.error(`\ne2e setup: interrupted (${signal}); the cache stays incomplete and the next run resumes it.`);
    process.exit(130);
  });
}

try {
  const started = Date.now();
  if (setupIsCurrent() && missingAptPackages().length === 0) {
    console.log(`e2e setup: cached (Node ${NODE_VERSION}, code-server ${CODE_SERVER_VERSION}, Chromium) in ${path.relative(process.cwd(), CACHE_DIR) || CACHE_DIR}`);
  } else {
    mkdirSync(LOG_DIR, { recursive: true });
    await ensureAptPackages();
    await ensureNode24();
    await ensureCodeServer();
    writeFileSync(SETUP_MARKER, `${JSON.stringify({ ...expectedMarker(), installedAt: new Date().toISOString() }, null, 2)}\n`);
    console.log(`e2e setup: done in ${seconds(Date.now() - started)}`);
  }
} catch (error) {
  console.error(`e2e setup failed: ${error instanceof SetupError ? error.message : error instanceof Error ? error.stack : String(error)}`);
  process.exit(1);
}

function missingAptPackages() {
  const query = spawnSync('dpkg-query', ['-W', '-f=${Package}\t${Status}\n', ...APT_PACKAGES], { encoding: 'utf8' });
  if (query.error) {
    throw new SetupError(`dpkg-query is not available: the end-to-end setup installs Debian packages (${APT_PACKAGES.join(', ')}) and needs Debian or Ubuntu.`);
  }
  // Unknown packages only appear on stderr; a package removed but not purged reports "deinstall ok config-files".
  const installed = new Set(
    query.stdout.split('\n').map((line) => line.split('\t')).filter(([, status]) => status?.trim() === 'install ok installed').map(([name]) => name),
  );
  return APT_PACKAGES.filter((name) => !installed.has(name));
}

async function ensureAptPackages() {
  const missing = missingAptPackages();
  if (missing.length === 0) {
    console.log('e2e setup: Debian packages present');
    return;
  }
  const prefix = privilegePrefix(missing);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  await runStep('apt-get update', [...prefix, 'apt-get', 'update'], { timeoutMs: 5 * MINUTE, env });
  await runStep(`apt-get install ${missing.join(' ')}`, [...prefix, 'apt-get', 'install', '-y', ...missing], { timeoutMs: 15 * MINUTE, env });
  const stillMissing = missingAptPackages();
  if (stillMissing.length > 0) throw new SetupError(`apt-get finished but these packages are still not installed: ${stillMissing.join(', ')}`);
  if (!existsSync(CHROMIUM_PATH)) throw new SetupError(`chromium is installed but ${CHROMIUM_PATH} does not exist (set AGENT_ORCHESTRATOR_CHROMIUM to its path)`);
}

/** Root installs directly; anyone else needs sudo without a password prompt (a prompt would hang a CI job). */
function privilegePrefix(missing) {
  if (process.getuid?.() === 0) return [];
  const sudo = spawnSync('sudo', ['-n', 'true'], { stdio: 'ignore' });
  if (!sudo.error && sudo.status === 0) return ['sudo', '-n', 'DEBIAN_FRONTEND=noninteractive'];
  throw new SetupError(
    `missing Debian packages: ${missing.join(', ')}. This user is not root and has no password-less sudo; install them with\n` +
      `  sudo apt-get update && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y ${missing.join(' ')}\n` +
      'and run "npm run e2e:setup" again.',
  );
}

async function ensureNode24() {
  if (versionOf(NODE24_BIN) === `v${NODE_VERSION}`) {
    console.log(`e2e setup: Node ${NODE_VERSION} present`);
    return;
  }
  // Its own folder, installed once: a later `npm install` there may prune the platform package holding the binary.
  rmSync(NODE24_PREFIX, { recursive: true, force: true });
  mkdirSync(NODE24_PREFIX, { recursive: true });
  writeFileSync(path.join(NODE24_PREFIX, 'package.json'), `${JSON.stringify({ private: true, allowScripts: { node: true } }, null, 2)}\n`);
  await runStep(`npm install node@${NODE_VERSION}`, ['npm', 'install', '--prefix', NODE24_PREFIX, '--no-audit', '--no-fund', '--save-exact', `node@${NODE_VERSION}`], {
    timeoutMs: 5 * MINUTE,
    env: npmEnvironment(),
  });
  const version = versionOf(NODE24_BIN);
  if (version !== `v${NODE_VERSION}`) throw new SetupError(`npm installed node@${NODE_VERSION} but ${NODE24_BIN} reports ${version ?? 'nothing'}`);
}

async function ensureCodeServer() {
  if (installedCodeServerVersion() !== CODE_SERVER_VERSION) {
    mkdirSync(CODE_SERVER_PREFIX, { recursive: true });
    // npm 11 runs no install scripts unless the project allows them; code-server's postinstall builds its native modules.
    writeFileSync(path.join(CODE_SERVER_PREFIX, 'package.json'), `${JSON.stringify({ private: true, allowScripts: { argon2: true, 'code-server': true } }, null, 2)}\n`);
    await runStep(`npm install code-server@${CODE_SERVER_VERSION} (builds native modules, about 1-2 minutes)`, [
      'npm', 'install', '--prefix', CODE_SERVER_PREFIX, '--no-audit', '--no-fund', '--save-exact', '--foreground-scripts', `code-server@${CODE_SERVER_VERSION}`,
    ], {
      timeoutMs: 15 * MINUTE,
      // Native modules must be built against Node 24's headers, by Node 24.
      env: { ...npmEnvironment(), PATH: `${path.dirname(NODE24_BIN)}${path.delimiter}${process.env.PATH ?? ''}`, npm_config_nodedir: NODE24_DIR },
    });
    if (installedCodeServerVersion() !== CODE_SERVER_VERSION) throw new SetupError(`npm finished but ${CODE_SERVER_ENTRY} is not code-server ${CODE_SERVER_VERSION}`);
  } else {
    console.log(`e2e setup: code-server ${CODE_SERVER_VERSION} present`);
  }
  // A native module built against the wrong Node fails only when VS Code first loads it (a terminal, the file
  // watcher, logging), long after the server answers HTTP: load each one with Node 24 now.
  const vscodeDir = path.join(CODE_SERVER_PREFIX, 'node_modules', 'code-server', 'lib', 'vscode');
  const load = spawnSync(NODE24_BIN, ['-e', NATIVE_MODULES.map((name) => `require(${JSON.stringify(name)});`).join('')], { cwd: vscodeDir, encoding: 'utf8', timeout: 60_000 });
  if (load.status !== 0) {
    throw new SetupError(`code-server's native modules do not load in Node ${NODE_VERSION} (delete ${CODE_SERVER_PREFIX} and run the setup again):\n${load.stderr.split('\n').slice(0, 15).join('\n')}`);
  }
  console.log(`e2e setup: native modules load (${NATIVE_MODULES.join(', ')})`);
  // The server itself: start it once and wait until it answers before calling the cache good.
  process.stdout.write('e2e setup: starting code-server once to check it serves... ');
  const started = Date.now();
  const server = await startCodeServer({ startTimeoutMs: 2 * MINUTE }).catch((error) => {
    throw new SetupError(`code-server ${CODE_SERVER_VERSION} does not start: ${error instanceof Error ? error.message : String(error)}`);
  });
  await server.stop();
  console.log(`ok (${seconds(Date.now() - started)})`);
}

function installedCodeServerVersion() {
  try {
    return existsSync(CODE_SERVER_ENTRY) ? JSON.parse(readFileSync(path.join(CODE_SERVER_PREFIX, 'node_modules', 'code-server', 'package.json'), 'utf8')).version : undefined;
  } catch {
    return undefined;
  }
}

function versionOf(nodeBinary) {
  if (!existsSync(nodeBinary)) return undefined;
  const result = spawnSync(nodeBinary, ['--version'], { encoding: 'utf8', timeout: 30_000 });
  return result.status === 0 ? result.stdout.trim() : undefined;
}

/**
 * The environment of `npm run` points npm at this repository (npm_config_local_prefix, npm_package_*): a nested
 * install would then land in the repository. Only settings that reach the registry are kept.
 */
function npmEnvironment() {
  const keep = /^npm_config_(registry|proxy|https_proxy|http_proxy|noproxy|no_proxy|cafile|ca|strict_ssl|cache|userconfig|globalconfig|fetch_.*)$/i;
  return Object.fromEntries(Object.entries(process.env).filter(([key]) => !/^npm_/i.test(key) || keep.test(key)));
}

/** Runs one step in its own process group with its output in .cache/e2e/logs; prints the log's tail on failure. */
function runStep(title, [command, ...args], { timeoutMs, env }) {
  const logFile = path.join(LOG_DIR, `${title.split(' ').slice(0, 3).join('-').replace(/[^\w.@-]+/g, '_')}.log`);
  const log = createWriteStream(logFile);
  const started = Date.now();
  process.stdout.write(`e2e setup: ${title}... `);
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.pipe(log, { end: false });
    child.stderr.pipe(log, { end: false });
    let timedOut = false;
    const stop = () => {
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    };
    runningStep = { stop };
    const timer = setTimeout(() => {
      timedOut = true;
      stop();
    }, timeoutMs);
    child.on('error', (error) => {
      clearTimeout(timer);
      runningStep = undefined;
      reject(new SetupError(`${title}: cannot start ${command}: ${error.message}`));
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      runningStep = undefined;
      log.end(() => {
        if (code === 0) {
          console.log(`ok (${seconds(Date.now() - started)})`);
          resolve();
          return;
        }
        const tail = readFileSync(logFile, 'utf8').split('\n').slice(-30).join('\n');
        const reason = timedOut ? `did not finish within ${seconds(timeoutMs)} and was stopped` : `failed (${signal ?? `exit code ${code}`})`;
        console.log(timedOut ? 'timed out' : 'failed');
        reject(new SetupError(`${title} ${reason}. Last lines of ${logFile}:\n${tail}`));
      });
    });
  });
}

function seconds(ms) {
  return ms >= 2 * MINUTE ? `${(ms / MINUTE).toFixed(1)} min` : `${(ms / 1000).toFixed(1)} s`;
}
