// How the chosen provider's API key reaches the engine process: in its environment, set when the extension forks
// it, and nowhere else (not settings, not process arguments, not the protocol, not a log). The engine's model
// resolver reads the same variables as the CLI. A changed provider or key restarts the engine (when idle).
import type * as vscode from 'vscode';
import type { ModelProviderSetting } from './extensionSettings';

export const API_KEY_SECRET_PREFIX = 'agentOrchestrator.apiKey.';

/** Where a provider's key lives in VS Code's secret storage. */
export function apiKeySecretName(provider: ModelProviderSetting): string {
  return `${API_KEY_SECRET_PREFIX}${provider}`;
}

/** The variables the engine reads keys from, per provider; AGENT_ORCHESTRATOR_API_KEY is the CLI's generic one. */
export const API_KEY_VARIABLES = {
  'openai-compatible': 'OPENAI_API_KEY',
  anthropic: 'ANTHROPIC_API_KEY',
} as const;
const GENERIC_API_KEY_VARIABLE = 'AGENT_ORCHESTRATOR_API_KEY';

/**
 * The engine's key variables for `provider`. Keys the extension host inherited from the user's shell are removed
 * (undefined unsets them for fork): the endpoint comes from settings, so an inherited key could otherwise be sent
 * to a base URL it was never meant for; the key the user stored for this provider is the only one passed.
 */
export async function engineKeyEnvironment(provider: ModelProviderSetting, secrets: Pick<vscode.SecretStorage, 'get'>): Promise<Record<string, string | undefined>> {
  const environment: Record<string, string | undefined> = { [GENERIC_API_KEY_VARIABLE]: undefined };
  for (const variable of Object.values(API_KEY_VARIABLES)) environment[variable] = undefined;
  if (provider === 'openai-compatible' || provider === 'anthropic') {
    const key = await secrets.get(apiKeySecretName(provider));
    if (key) environment[API_KEY_VARIABLES[provider]] = key;
  }
  return environment;
}

/** Secret names whose change means the engine must restart to see the new key. */
export function isApiKeySecret(name: string): boolean {
  return name === apiKeySecretName('openai-compatible') || name === apiKeySecretName('anthropic');
}
