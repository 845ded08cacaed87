// The CLI's model flags (--provider, --model, --base-url) and the models config: clear errors before anything is
// written to the workspace, and the chosen model reaches the engine.
import { strict as assert } from 'node:assert';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ExitCode, runCli } from '../../../src/cli/main';
import { storeDirFor } from '../../../src/core/store/sessionStore';

const REQUEST = 'Fix security vulnerability in authentication endpoint';
const KEY_VARIABLES = ['AGENT_ORCHESTRATOR_API_KEY', 'OPENAI_API_KEY', 'ANTHROPIC_API_KEY'] as const;
const stripAnsi = (text: string): string => text.replace(/\x1b\[[0-9;]*m/g, '');

async function cli(...argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(argv, { out: (text) => out.push(stripAnsi(text)), err: (text) => err.push(stripAnsi(text)) });
  return { code, stdout: out.join('\n'), stderr: err.join('\n') };
}

describe('CLI model flags', () => {
  const saved = new Map<string, string | undefined>();
  let workspace: string;
  beforeEach(() => {
    for (const name of KEY_VARIABLES) {
      saved.set(name, process.env[name]);
      delete process.env[name];
    }
    workspace = mkdtempSync(path.join(os.tmpdir(), 'ao-cli-models-'));
  });
  afterEach(() => {
    for (const [name, value] of saved) if (value === undefined) delete process.env[name];
    else process.env[name] = value;
    rmSync(workspace, { recursive: true, force: true });
  });

  it('names the environment variable to set when the key is missing, and leaves no store behind', async () => {
    const result = await cli('run', REQUEST, '--workspace', workspace, '--provider', 'anthropic', '--model', 'claude-sonnet-4-5');
    assert.equal(result.code, ExitCode.usage);
    assert.match(result.stderr, /no API key for anthropic.*set ANTHROPIC_API_KEY \(or AGENT_ORCHESTRATOR_API_KEY\)/);
    assert.equal(existsSync(storeDirFor(workspace)), false);
  });

  it('rejects an unknown provider, a provider without a model, and a model with --provider offline', async () => {
    const unknown = await cli('run', REQUEST, '--workspace', workspace, '--provider', 'gemini', '--model', 'x');
    assert.equal(unknown.code, ExitCode.usage);
    assert.match(unknown.stderr, /--provider.*gemini.*openai-compatible, anthropic, offline/s);

    process.env.ANTHROPIC_API_KEY = 'sk-ant-test';
    const noModel = await cli('run', REQUEST, '--workspace', workspace, '--provider', 'anthropic');
    assert.equal(noModel.code, ExitCode.usage);
    assert.match(noModel.stderr, /the anthropic provider needs a model; .*--model/);

    const offline = await cli('run', REQUEST, '--workspace', workspace, '--provider', 'offline', '--model', 'x');
    assert.equal(offline.code, ExitCode.usage);
    assert.match(offline.stderr, /--model and --base-url .* not offline/);
    assert.equal(existsSync(storeDirFor(workspace)), false);
  });

  it('refuses a key in the workspace config even for read-only commands, without echoing it', async () => {
    mkdirSync(storeDirFor(workspace));
    writeFileSync(path.join(storeDirFor(workspace), 'config.json'), JSON.stringify({ models: { default: { provider: 'openai-compatible', model: 'gpt-4.1', apiKey: 'sk-live-abcdef' } } }));
    const result = await cli('sessions', '--workspace', workspace);
    assert.equal(result.code, ExitCode.usage);
    assert.match(result.stderr, /models\.default\.apiKey: API keys are never read from the workspace/);
    assert.ok(!result.stderr.includes('sk-live-abcdef'));
  });

  it('runs the agents on the model chosen by the flags, over the config, and stays offline without them', async () => {
    mkdirSync(storeDirFor(workspace));
    writeFileSync(path.join(storeDirFor(workspace), 'config.json'), JSON.stringify({ models: { default: { provider: 'openai-compatible', model: 'gpt-4.1', baseUrl: 'http://127.0.0.1:11434/v1' } } }));
    const flagged = await cli('run', REQUEST, '--workspace', workspace, '--model', 'llama3.1');
    assert.match(flagged.stdout, /Model: openai-compatible llama3\.1 at 127\.0\.0\.1:11434/);

    rmSync(path.join(storeDirFor(workspace), 'config.json'));
    // Nothing listens there: the agents now really call the model, and say clearly why they could not.
    assert.match(flagged.stdout, /failed \(network\): openai-compatible: cannot reach 127\.0\.0\.1:11434/);
    assert.equal(flagged.code, ExitCode.runFailed);
    const plain = await cli('run', REQUEST, '--workspace', workspace);
    assert.doesNotMatch(plain.stdout, /Model:|🧠/);
    assert.equal(plain.code, ExitCode.success);
  });
});
