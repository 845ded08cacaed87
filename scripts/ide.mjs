// `npm run ide`: try the extension in a real VS Code in the browser, no desktop VS Code needed. Sets up code-server
// (cached, shared with the e2e tests), packages and installs the extension, refreshes a copy of
// examples/vulnerable-api in .scratch/ide-workspace, serves on 127.0.0.1 and prints the URL. Ctrl+C stops it.
//
//   npm run ide                    the packaged VSIX, as a user installs it
//   npm run ide -- --dev           this checkout as the extension under development, rebuilt on save (reload the window)
//   npm run ide -- --port 8080     a fixed port (default: a free one)
//   npm run ide -- --fresh         also forget the example's recorded sessions and learnings
//   npm run ide -- --untrusted     open the example in Restricted Mode
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { REPO_ROOT } from './e2e/environment.mjs';
import { installExtension, startCodeServer } from './e2e/codeServer.mjs';

const { values: options } = parseArgs({
  options: {
    dev: { type: 'boolean', default: false },
    port: { type: 'string' },
    fresh: { type: 'boolean', default: false },
    untrusted: { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  },
});
if (options.help) {
  console.log(readFileSync(new URL(import.meta.url), 'utf8').split('\n').filter((line) => line.startsWith('//')).map((line) => line.slice(3)).join('\n'));
  process.exit(0);
}
const port = options.port === undefined ? undefined : Number(options.port);
if (port !== undefined && !(Number.isInteger(port) && port > 0 && port < 65536)) fail(`--port needs a port number, got "${options.port}"`);

const ideDir = path.join(REPO_ROOT, '.scratch', 'ide');
const workspace = path.join(REPO_ROOT, '.scratch', 'ide-workspace');
const example = path.join(REPO_ROOT, 'examples', 'vulnerable-api');
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';

step('e2e setup (cached after the first run)', process.execPath, [path.join(REPO_ROOT, 'scripts', 'e2e', 'setup.mjs')]);
let watcher;
if (options.dev) {
  step('build', process.execPath, [path.join(REPO_ROOT, 'esbuild.mjs')]);
} else {
  step('package the extension', npm, ['run', '--silent', 'package']);
}
refreshWorkspace();

const extensionsDir = path.join(ideDir, 'extensions');
const userDataDir = path.join(ideDir, 'user-data');
mkdirSync(ideDir, { recursive: true });
// A previous install (another version, or the VSIX while --dev should load this checkout) must not load as well.
rmSync(extensionsDir, { recursive: true, force: true });
if (!options.dev) {
  const { version } = JSON.parse(readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8'));
  const vsix = path.join(REPO_ROOT, `agent-orchestrator-${version}.vsix`);
  console.log(`ide: installing ${path.basename(vsix)}`);
  await installExtension({ vsix, extensionsDir, userDataDir }).catch((error) => fail(error.message));
}

const server = await startCodeServer({ baseDir: ideDir, extensionsDir, userDataDir, port, trustWorkspace: !options.untrusted }).catch((error) => fail(error.message));
if (options.dev) {
  // Rebuilds dist/ on save; "Developer: Reload Window" in the browser picks the new build up.
  watcher = spawn(process.execPath, [path.join(REPO_ROOT, 'esbuild.mjs'), '--watch'], { cwd: REPO_ROOT, detached: true, stdio: 'inherit' });
}
const url = server.workbenchUrl(workspace, options.dev ? [['extensionDevelopmentPath', server.remoteUri(REPO_ROOT)]] : undefined);
console.log(`\nAgent Orchestrator in VS Code (code-server, ${options.dev ? 'this checkout, rebuilt on save' : 'the packaged VSIX'}):\n\n  ${url}\n`);
console.log('Open it in a browser on this machine (or forward the port), run "Agent Orchestrator: Orchestrate Request" from the');
console.log(`command palette (F1). Workspace: ${path.relative(process.cwd(), workspace)}. Server log: ${path.relative(process.cwd(), server.logFile)}. Ctrl+C stops it.`);

let stopping = false;
async function shutdown(code) {
  if (stopping) return;
  stopping = true;
  if (watcher?.pid) {
    try {
      process.kill(-watcher.pid, 'SIGTERM');
    } catch {
      // already gone
    }
  }
  await server.stop();
  process.exit(code);
}
process.on('SIGINT', () => void shutdown(0));
process.on('SIGTERM', () => void shutdown(0));
server.exited.then(({ code, signal }) => {
  if (stopping) return;
  console.error(`ide: code-server stopped on its own (${signal ?? `exit code ${code}`}); see ${server.logFile}`);
  void shutdown(1);
});

/** Replaces everything but the example's recorded sessions and learnings, so estimates improve from run to run. */
function refreshWorkspace() {
  mkdirSync(workspace, { recursive: true });
  for (const entry of readdirSync(workspace)) {
    if (entry !== '.agent-orchestrator' || options.fresh) rmSync(path.join(workspace, entry), { recursive: true, force: true });
  }
  cpSync(example, workspace, { recursive: true, filter: (source) => path.basename(source) !== 'node_modules' && !source.endsWith(`${path.sep}.agent-orchestrator`) });
  if (!existsSync(path.join(workspace, 'package.json'))) fail(`copying ${example} to ${workspace} failed`);
}

function step(title, command, args) {
  console.log(`ide: ${title}`);
  const result = spawnSync(command, args, { cwd: REPO_ROOT, stdio: 'inherit' });
  if (result.status !== 0) fail(`${title} failed (${result.error?.message ?? `exit code ${result.status}`})`);
}

function fail(message) {
  console.error(`ide: ${message}`);
  process.exit(1);
}
