// `npm start`: runs the orchestrator on a scratch copy of examples/vulnerable-api, so the example stays pristine.
// The copy's .agent-orchestrator folder (sessions and learnings) is kept between runs, so a second `npm start`
// shows estimates learned from the first. Extra arguments go to the CLI: `npm start -- --json`. With --copy-only it
// only refreshes the copy (the "Run Extension" launch configuration opens it in an Extension Development Host).
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const example = path.join(root, 'examples', 'vulnerable-api');
const scratch = path.join(root, '.scratch', 'vulnerable-api');

mkdirSync(scratch, { recursive: true });
for (const entry of readdirSync(scratch)) {
  if (entry !== '.agent-orchestrator') rmSync(path.join(scratch, entry), { recursive: true, force: true });
}
cpSync(example, scratch, { recursive: true, filter: (source) => !source.includes(`${path.sep}node_modules`) && !source.endsWith(`${path.sep}.agent-orchestrator`) });

if (process.argv.includes('--copy-only')) process.exit(0);

const cli = path.join(root, 'dist', 'cli.js');
if (!existsSync(cli)) {
  console.error('dist/cli.js is missing: run `npm run build` first (npm start does it for you).');
  process.exit(2);
}
const request = 'Fix security vulnerability in authentication endpoint';
console.log(`Workspace: ${path.relative(process.cwd(), scratch) || scratch} (a fresh copy of examples/vulnerable-api)\n`);
const result = spawnSync(process.execPath, [cli, 'run', request, '--workspace', scratch, '--apply', '--allow-commands', ...process.argv.slice(2)], { stdio: 'inherit' });
process.exit(result.status ?? 1);
