import { strict as assert } from 'node:assert';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ConfigError, loadConfig } from '../../../src/core/config/loadConfig';
import { ModelSettingsSchema } from '../../../src/core/protocol/config';
import { createModelResolver } from '../../../src/models/modelResolver';
import { estimateCostUsd } from '../../../src/models/pricing';

function workspaceWith(models: unknown): string {
  const root = mkdtempSync(path.join(tmpdir(), 'ao-models-'));
  mkdirSync(path.join(root, '.agent-orchestrator'));
  writeFileSync(path.join(root, '.agent-orchestrator', 'config.json'), JSON.stringify({ models }));
  return root;
}

const roots: string[] = [];
function load(models: unknown, overrides?: { provider?: string; model?: string; baseUrl?: string }) {
  const root = workspaceWith(models);
  roots.push(root);
  return loadConfig({ workspaceRoot: root, env: {}, overrides: { models: overrides } }).config.models;
}
after(() => {
  for (const root of roots) rmSync(root, { recursive: true, force: true });
});

describe('model settings', () => {
  it('stays offline when nothing is configured, without asking for a key', () => {
    const root = mkdtempSync(path.join(tmpdir(), 'ao-models-'));
    roots.push(root);
    const settings = loadConfig({ workspaceRoot: root, env: {} }).config.models;
    const resolver = createModelResolver(settings, {});
    assert.equal(resolver.forAgent('security-analyzer'), null);
    assert.match(resolver.describe(), /^offline/);
  });

  it('refuses an API key in the workspace config and says to use the environment', () => {
    assert.throws(() => load({ default: { provider: 'anthropic', model: 'claude-sonnet-4-5', apiKey: 'sk-ant-123' } }), (error: unknown) => {
      assert.ok(error instanceof ConfigError);
      assert.match(error.message, /models\.default\.apiKey: API keys are never read from the workspace; set AGENT_ORCHESTRATOR_API_KEY/);
      assert.ok(!error.message.includes('sk-ant-123'));
      return true;
    });
  });

  it('refuses a workspace base URL that would send the key to a host the workspace chose, but takes it from a flag', () => {
    assert.throws(() => load({ default: { provider: 'openai-compatible', model: 'gpt-4.1', baseUrl: 'https://collect.example.com/v1' } }), /cannot send your API key to collect\.example\.com; pass --base-url/);
    assert.equal(load({ default: { provider: 'openai-compatible', model: 'llama3.1', baseUrl: 'http://127.0.0.1:11434/v1' } }).default.baseUrl, 'http://127.0.0.1:11434/v1');
    assert.equal(load({}, { provider: 'openai-compatible', model: 'm', baseUrl: 'https://llm.internal.example/v1' }).default.baseUrl, 'https://llm.internal.example/v1');
  });

  it('names a bad provider, a bad base URL and unknown keys', () => {
    assert.throws(() => load({}, { provider: 'gemini', model: 'x' }), /models\.default\.provider: .*offline.*openai-compatible.*anthropic/);
    assert.throws(() => load({}, { provider: 'openai-compatible', model: 'x', baseUrl: 'not a url' }), /models\.default\.baseUrl/);
    assert.throws(() => load({ defualt: {} }), /models.*defualt/);
  });

  it('lets flags replace the provider of the file, dropping the file\'s model for the other provider', () => {
    const fromFile = { default: { provider: 'openai-compatible', model: 'gpt-4.1' } };
    assert.deepEqual(load(fromFile, { model: 'gpt-4.1-mini' }).default, { provider: 'openai-compatible', model: 'gpt-4.1-mini' });
    assert.deepEqual(load(fromFile, { provider: 'anthropic' }).default, { provider: 'anthropic' });
    assert.deepEqual(load(fromFile, { provider: 'offline' }).default, { provider: 'offline' });
  });

  it('requires a model and a key, naming what to set', () => {
    const parse = (value: unknown) => ModelSettingsSchema.parse(value);
    assert.throws(() => createModelResolver(parse({ default: { provider: 'anthropic' } }), { ANTHROPIC_API_KEY: 'k' }), /models\.default\.model: the anthropic provider needs a model; .*--model/);
    assert.throws(() => createModelResolver(parse({ default: { provider: 'anthropic', model: 'claude-sonnet-4-5' } }), {}), /no API key for anthropic.*set ANTHROPIC_API_KEY \(or AGENT_ORCHESTRATOR_API_KEY\)/);
    assert.throws(() => createModelResolver(parse({ default: { provider: 'openai-compatible', model: 'gpt-4.1' } }), {}), /no API key for openai-compatible at api\.openai\.com; set OPENAI_API_KEY/);
    assert.throws(() => createModelResolver(parse({ agents: { reviewer: { provider: 'anthropic', model: 'claude-haiku-4-5' } } }), { OPENAI_API_KEY: 'k' }), /models\.agents\.reviewer: no API key for anthropic/);
    // A local server needs none.
    const local = createModelResolver(parse({ default: { provider: 'openai-compatible', model: 'llama3.1', baseUrl: 'http://127.0.0.1:11434/v1' } }), {});
    assert.equal(local.forAgent('any')?.modelId, 'llama3.1');
  });

  it('maps an agent file\'s model to configured ids, with per-agent overrides first', () => {
    const settings = ModelSettingsSchema.parse({
      default: { provider: 'anthropic', model: 'claude-sonnet-4-5' },
      aliases: { opus: 'claude-opus-4-5' },
      agents: { 'test-runner': { model: 'claude-haiku-4-5', limits: { maxTurns: 5 } }, scanner: { provider: 'offline' } },
      limits: { run: { maxCostUsd: 2 }, agent: { maxTurns: 20, maxTokens: 100_000 } },
    });
    const resolver = createModelResolver(settings, { AGENT_ORCHESTRATOR_API_KEY: 'k', ANTHROPIC_API_KEY: 'other' });
    assert.equal(resolver.forAgent('a')?.modelId, 'claude-sonnet-4-5');
    assert.equal(resolver.forAgent('a', 'inherit')?.modelId, 'claude-sonnet-4-5');
    assert.equal(resolver.forAgent('a', 'opus')?.modelId, 'claude-opus-4-5');
    assert.equal(resolver.forAgent('a', 'haiku')?.modelId, 'claude-haiku-4-5');
    assert.equal(resolver.forAgent('a', 'gpt-9-from-a-cloned-repo')?.modelId, 'claude-sonnet-4-5');
    assert.equal(resolver.forAgent('test-runner', 'opus')?.modelId, 'claude-haiku-4-5');
    assert.equal(resolver.forAgent('scanner'), null);
    assert.equal(resolver.forAgent('a'), resolver.forAgent('b'), 'one client per model');
    assert.deepEqual(resolver.runLimits, { maxCostUsd: 2 });
    assert.deepEqual(resolver.limitsFor('test-runner'), { maxTurns: 5, maxTokens: 100_000 });
    assert.deepEqual(resolver.limitsFor('a'), { maxTurns: 20, maxTokens: 100_000 });
    assert.match(resolver.describe(), /anthropic claude-sonnet-4-5.*test-runner: anthropic claude-haiku-4-5.*scanner: offline/);
  });
});

describe('model pricing', () => {
  const usage = { inputTokens: 1_000_000, outputTokens: 100_000, cachedInputTokens: 400_000 };

  it('charges input, cached input and output at the model\'s list price, matching dated and vendor-prefixed ids', () => {
    // 600k * $3 + 400k * $0.30 + 100k * $15 per million
    assert.equal(estimateCostUsd('anthropic', 'claude-sonnet-4-5-20250929', usage), 1.8 + 0.12 + 1.5);
    assert.equal(estimateCostUsd('openai-compatible', 'anthropic/claude-sonnet-4.5', usage), 1.8 + 0.12 + 1.5);
    assert.equal(estimateCostUsd('openai-compatible', 'gpt-4o-mini-2024-07-18', { inputTokens: 1_000_000, outputTokens: 0, cachedInputTokens: 0 }), 0.15);
    assert.equal(estimateCostUsd('openai-compatible', 'gpt-4o-2024-08-06', { inputTokens: 1_000_000, outputTokens: 0, cachedInputTokens: 0 }), 2.5);
  });

  it('is unknown for an unknown model, free on a loopback endpoint, and overridable by the config', () => {
    assert.equal(estimateCostUsd('openai-compatible', 'my-finetune', usage), null);
    assert.equal(estimateCostUsd('openai-compatible', 'gpt-4o', usage, { baseUrl: 'http://127.0.0.1:1234/v1' }), 0);
    assert.equal(estimateCostUsd('openai-compatible', 'my-finetune', usage, { prices: { 'my-finetune': { input: 1, output: 2 } } }), 1 + 0.2);
    const resolver = createModelResolver(ModelSettingsSchema.parse({ default: { provider: 'openai-compatible', model: 'llama3.1', baseUrl: 'http://localhost:11434/v1' }, prices: { 'gpt-4o': { input: 1, output: 1 } } }), {});
    resolver.forAgent('a');
    assert.equal(resolver.estimateCostUsd('openai-compatible', 'llama3.1', usage), 0);
    assert.equal(resolver.estimateCostUsd('openai-compatible', 'gpt-4o', { inputTokens: 1_000_000, outputTokens: 0, cachedInputTokens: 0 }), 1);
  });
});
