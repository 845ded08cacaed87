// Agent Orchestrator: Select Model Provider. Stores the choice in user settings (never the workspace's: a
// workspace must not redirect an API key) and API keys only in VS Code's secret storage. Honest about this
// version: agents that need a model are skipped until model runtimes land.
import * as vscode from 'vscode';
import type { ModelProviderSetting } from './extensionSettings';
import { SETTINGS_SECTION } from './settings';

export const API_KEY_SECRET_PREFIX = 'agentOrchestrator.apiKey.';
const HONEST_NOTE = 'This version runs the built-in offline agents; agents that need a model are skipped until model runtimes land.';

const PROVIDERS: readonly { id: ModelProviderSetting; label: string; description: string }[] = [
  { id: 'auto', label: 'Automatic', description: 'A VS Code language model when one is available, otherwise the built-in offline agents' },
  { id: 'offline', label: 'Offline only', description: 'Only the built-in offline agents; no model is called' },
  { id: 'vscode-lm', label: 'VS Code Language Model API', description: 'Models offered through VS Code (e.g. Copilot)' },
  { id: 'openai-compatible', label: 'OpenAI-compatible endpoint', description: 'OpenAI, Ollama, LM Studio, vLLM, llama.cpp' },
  { id: 'anthropic', label: 'Anthropic', description: "Anthropic's Messages API" },
];

export function apiKeySecretName(provider: ModelProviderSetting): string {
  return `${API_KEY_SECRET_PREFIX}${provider}`;
}

/** http(s) URL without credentials in it (a key belongs in secret storage, not in a URL in settings). */
export function validateBaseUrl(value: string): string | undefined {
  let url: URL;
  try {
    url = new URL(value.trim());
  } catch {
    return 'Enter a URL such as http://127.0.0.1:11434/v1';
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return 'The URL must start with http:// or https://';
  if (url.username || url.password) return 'Leave credentials out of the URL; the API key is asked next and kept in secret storage';
  return undefined;
}

export class ModelProviderCommand {
  readonly #secrets: vscode.SecretStorage;
  readonly #log: vscode.LogOutputChannel;

  constructor(secrets: vscode.SecretStorage, log: vscode.LogOutputChannel) {
    this.#secrets = secrets;
    this.#log = log;
  }

  /** Returns the provider chosen, or undefined when the user backed out. */
  async execute(): Promise<ModelProviderSetting | undefined> {
    const configuration = vscode.workspace.getConfiguration(SETTINGS_SECTION);
    const current = configuration.get<ModelProviderSetting>('provider', 'auto');
    const picked = await vscode.window.showQuickPick(
      PROVIDERS.map((provider) => ({ ...provider, detail: provider.id === current ? 'current' : undefined })),
      { title: 'Select Model Provider', placeHolder: `Which model do agents that need one use? (now: ${current})` },
    );
    if (!picked) return undefined;
    let detail = '';
    switch (picked.id) {
      case 'vscode-lm':
      case 'auto': {
        const models = await vscode.lm.selectChatModels().then(
          (found) => found,
          () => [],
        );
        detail = models.length > 0
          ? `VS Code offers ${models.length} language model${models.length === 1 ? '' : 's'} (${models.slice(0, 5).map((model) => model.name).join(', ')}).`
          : 'VS Code offers no language model right now (install or sign in to a model provider such as Copilot).';
        break;
      }
      case 'openai-compatible': {
        const baseUrl = await vscode.window.showInputBox({
          title: 'OpenAI-compatible endpoint (1/2): base URL',
          value: configuration.get<string>('openaiCompatible.baseUrl', 'http://127.0.0.1:11434/v1'),
          prompt: 'Base URL of the endpoint, e.g. http://127.0.0.1:11434/v1 (Ollama) or https://api.openai.com/v1',
          ignoreFocusOut: true,
          validateInput: validateBaseUrl,
        });
        if (baseUrl === undefined) return undefined;
        await configuration.update('openaiCompatible.baseUrl', baseUrl.trim(), vscode.ConfigurationTarget.Global);
        if (!(await this.#askApiKey(picked.id, 'OpenAI-compatible endpoint (2/2): API key', true))) return undefined;
        detail = `Endpoint: ${baseUrl.trim()}.`;
        break;
      }
      case 'anthropic':
        if (!(await this.#askApiKey(picked.id, 'Anthropic API key', false))) return undefined;
        break;
      case 'offline':
        break;
    }
    await configuration.update('provider', picked.id, vscode.ConfigurationTarget.Global);
    const overridden = configuration.inspect<string>('provider');
    const shadow = overridden?.workspaceFolderValue ?? overridden?.workspaceValue;
    const shadowNote = shadow !== undefined && shadow !== picked.id ? ` Note: this workspace's settings set the provider to "${String(shadow)}", which wins here.` : '';
    const text = `Model provider: ${picked.label}. ${detail} ${HONEST_NOTE}${shadowNote}`.replace(/\s+/g, ' ').trim();
    this.#log.info(text);
    void vscode.window.showInformationMessage(text);
    return picked.id;
  }

  /** Asks for a key and stores it in secret storage; false when the user backed out. */
  async #askApiKey(provider: ModelProviderSetting, title: string, optional: boolean): Promise<boolean> {
    const secretName = apiKeySecretName(provider);
    const stored = await this.#secrets.get(secretName);
    const key = await vscode.window.showInputBox({
      title,
      password: true,
      ignoreFocusOut: true,
      prompt: stored
        ? 'A key is stored. Enter a new one to replace it, or leave empty to keep it.'
        : optional
          ? 'Optional: leave empty for local servers that need no key (Ollama, LM Studio).'
          : 'The key is kept in VS Code secret storage, never in settings.',
      validateInput: (value) => (!optional && !stored && value.trim() === '' ? 'An API key is required' : undefined),
    });
    if (key === undefined) return false;
    if (key.trim()) {
      await this.#secrets.store(secretName, key.trim());
      this.#log.info(`Stored the API key for ${provider} in secret storage.`);
    }
    return true;
  }
}
