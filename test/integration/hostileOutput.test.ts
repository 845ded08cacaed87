// Output cannot be used to attack its reader: a workspace file named with terminal escape sequences and a request
// carrying HTML run through the real CLI (dist/cli.js); no raw control sequence reaches stdout or stderr, and no
// raw HTML reaches the Markdown files a previewer would render.
import { strict as assert } from 'node:assert';
import { execFile } from 'node:child_process';
import { readdirSync, rmSync, writeFileSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { scratchCopyOfExample } from '../helpers/exampleWorkspace';

const run = promisify(execFile);
const CLI = path.resolve(__dirname, '..', '..', 'dist', 'cli.js');
const ESCAPES = '\u001b]0;HACKED\u0007\u001b[2J';
const EVIL_FILE = `${ESCAPES}evil.js`;
const HTML = '<img src=x onerror=alert(1)></script><script>';
const REQUEST = `Fix security vulnerability in authentication endpoint ${HTML} ${ESCAPES}`;
const RAW_CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/;

async function cli(...args: string[]): Promise<{ stdout: string; stderr: string }> {
  // NO_COLOR: the CLI itself adds no escape sequence, so any in the output came from the workspace or the request.
  const { stdout, stderr } = await run(process.execPath, [CLI, ...args], { env: { ...process.env, NO_COLOR: '1' }, maxBuffer: 64 * 1024 * 1024 });
  return { stdout, stderr };
}

describe('output that cannot attack its reader (CLI)', function () {
  this.timeout(180_000);
  let workspace: string;
  before(() => {
    workspace = scratchCopyOfExample();
    writeFileSync(path.join(workspace, EVIL_FILE), 'module.exports = (input) => eval(input);\n');
    // A finding whose message quotes an HTML-shaped name: the secret rule names the property it flags.
    writeFileSync(path.join(workspace, 'src', 'markup.ts'), `export const settings = { '${HTML} password': 'hunter2hunter2' };\n`);
  });
  after(() => rmSync(workspace, { recursive: true, force: true }));

  it('escapes control characters in everything printed: the live run, sessions and show', async () => {
    const live = await cli('run', REQUEST, '--workspace', workspace);
    const outputs = { live, sessions: await cli('sessions', '--workspace', workspace), show: await cli('show', 'latest', '--workspace', workspace), markdown: await cli('show', 'latest', '--workspace', workspace, '--markdown') };
    for (const [name, { stdout, stderr }] of Object.entries(outputs)) {
      assert.doesNotMatch(stdout, RAW_CONTROL, `${name} stdout`);
      assert.doesNotMatch(stderr, RAW_CONTROL, `${name} stderr`);
    }
    assert.ok(live.stdout.includes('\\x1b]0;HACKED\\x07\\x1b[2Jevil.js'), `the evil file's finding is shown, escaped:\n${live.stdout}`);
    assert.ok(outputs.sessions.stdout.includes('\\x1b]0;HACKED'), 'sessions shows the request, escaped');
  });

  it('writes the HTML payload as text in the log, dashboard, report and summary Markdown files', () => {
    const logDir = path.join(workspace, '.agent-orchestrator', 'logs');
    const files = readdirSync(logDir).filter((name) => /\.(log|dashboard|report|summary)\.md$/.test(name));
    for (const kind of ['.log.md', '.dashboard.md', '.report.md', '.summary.md']) assert.ok(files.some((name) => name.endsWith(kind)), `a ${kind} file among ${files.join(', ')}`);
    for (const name of files) {
      const text = readFileSync(path.join(logDir, name), 'utf8');
      assert.ok(!/<img|<\/?script/i.test(text), `${name} holds raw HTML`);
      assert.ok(text.includes('&lt;img src=x onerror=alert(1)&gt;'), `${name} shows the payload as text`);
    }
    const report = readFileSync(path.join(logDir, files.find((name) => name.endsWith('.report.md')) ?? ''), 'utf8');
    assert.ok(report.includes('Hard-coded secret in "&lt;img src=x onerror=alert(1)&gt;&lt;/script&gt;&lt;script&gt; password"'), 'the finding message is escaped too');
  });
});
