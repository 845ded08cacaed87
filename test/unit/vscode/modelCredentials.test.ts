// The chosen provider's key is the only key the engine process gets, and only in its environment.
import { strict as assert } from 'node:assert';
import { apiKeySecretName, engineKeyEnvironment, isApiKeySecret } from '../../../src/vscode/modelCredentials';

const stored = new Map([
  [apiKeySecretName('openai-compatible'), 'sk-openai-stored'],
  [apiKeySecretName('anthropic'), 'sk-ant-stored'],
]);
const secrets = { get: async (name: string) => stored.get(name) };

describe('engine key environment', () => {
  it('passes the stored key of the chosen provider under the variable the engine reads, and no other key', async () => {
    assert.deepEqual(await engineKeyEnvironment('anthropic', secrets), {
      AGENT_ORCHESTRATOR_API_KEY: undefined,
      OPENAI_API_KEY: undefined,
      ANTHROPIC_API_KEY: 'sk-ant-stored',
    });
    assert.equal((await engineKeyEnvironment('openai-compatible', secrets)).OPENAI_API_KEY, 'sk-openai-stored');
  });

  it('unsets keys inherited from the shell, so none reaches an endpoint from settings it was not stored for', async () => {
    for (const provider of ['vscode-lm', 'offline', 'auto'] as const) {
      const environment = await engineKeyEnvironment(provider, secrets);
      assert.deepEqual(Object.entries(environment).filter(([, value]) => value !== undefined), [], provider);
      assert.ok('OPENAI_API_KEY' in environment && 'ANTHROPIC_API_KEY' in environment && 'AGENT_ORCHESTRATOR_API_KEY' in environment);
    }
    const none = { get: async () => undefined };
    assert.equal((await engineKeyEnvironment('openai-compatible', none)).OPENAI_API_KEY, undefined);
  });

  it('knows which secret changes need a new engine process', () => {
    assert.equal(isApiKeySecret(apiKeySecretName('anthropic')), true);
    assert.equal(isApiKeySecret('someone.else.secret'), false);
  });
});
