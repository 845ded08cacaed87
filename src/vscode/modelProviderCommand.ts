// Agent Orchestrator: Select Model Provider. Stores the choice in user settings (never the workspace's: a
// workspace must not redirect an API key) and API keys only in VS Code's secret storage. The engine process gets
// the key of the chosen provider in its environment when it starts (src/vscode/modelCredentials.ts) and is
// restarted when the choice or a key changes.
import * as vscode from 'vscode';
import type { ModelProviderSetting } from './extensionSettings';
import { apiKeySecretName } from './modelCredentials';
import { SETTINGS_SECTION } from './settings';

const PROVIDERS: readonly { id: ModelProviderSetting; label: string; description: string }[] = [
  { id: 'auto', label: 'Automatic', description: 'A VS Code language model when one is available, otherwise the built-in offline agents' },
  { id: 'offline', label: 'Offline only', description: 'Only the built-in offline agents; no model is called' },
  { id: 'vscode-lm', label: 'VS Code Language Model API', description: 'Models offered through VS Code (e.g. Copilot)' },
  { id: 'openai-compatible', label: 'OpenAI-compatible endpoint', description: 'OpenAI, Ollama, LM Studio, vLLM, llama.cpp' },
  { id: 'anthropic', label: 'Anthropic', description: "Anthropic's Messages API" },
];

const NO_MODEL_HINT = 'install or sign in to a model provider such as GitHub Copilot';

async function availableChatModels(): Promise<vscode.LanguageModelChat[]> {
  return vscode.lm.selectChatModels().then(
    (found) => found,
    () => [],
  );
}

/** Asks for a model name, prefilled with the current one; undefined when the user backed out. */
async function askModelName(configuration: vscode.WorkspaceConfiguration, setting: string, title: string, prompt: string): Promise<string | undefined> {
  const value = await vscode.window.showInputBox({
    title,
    value: configuration.get<string>(setting, ''),
    prompt,
    ignoreFocusOut: true,
    validateInput: (input) => (input.trim() === '' ? 'Enter the model name the provider expects' : /[\u0000-\u001f\u007f]/.test(input) ? 'The model name contains control characters' : undefined),
  });
  return value?.trim();
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
      case 'vscode-lm': {
        const chosen = await this.#pickVscodeModel(configuration);
        if (chosen === undefined) return undefined;
        detail = chosen;
        break;
      }
      case 'auto': {
        const models = await availableChatModels();
        detail = models.length > 0
          ? `Agents that need a model use ${models[0]!.name} (${models[0]!.vendor}); VS Code offers ${models.length}.`
          : `VS Code offers no language model right now, so agents that need one are skipped (${NO_MODEL_HINT}).`;
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
        const model = await askModelName(configuration, 'openaiCompatible.model', 'OpenAI-compatible endpoint (2/3): model', 'e.g. gpt-4.1-mini, llama3.1:8b, qwen2.5-coder');
        if (model === undefined) return undefined;
        await configuration.update('openaiCompatible.baseUrl', baseUrl.trim(), vscode.ConfigurationTarget.Global);
        await configuration.update('openaiCompatible.model', model, vscode.ConfigurationTarget.Global);
        if (!(await this.#askApiKey(picked.id, 'OpenAI-compatible endpoint (3/3): API key', true))) return undefined;
        detail = `Model ${model} at ${baseUrl.trim()}.`;
        break;
      }
      case 'anthropic': {
        const model = await askModelName(configuration, 'anthropic.model', 'Anthropic (1/2): model', 'e.g. claude-sonnet-4-5');
        if (model === undefined) return undefined;
        await configuration.update('anthropic.model', model, vscode.ConfigurationTarget.Global);
        if (!(await this.#askApiKey(picked.id, 'Anthropic (2/2): API key', false))) return undefined;
        detail = `Model ${model}.`;
        break;
      }
      case 'offline':
        detail = 'Agents that need a model are skipped; the built-in agents run offline.';
        break;
    }
    await configuration.update('provider', picked.id, vscode.ConfigurationTarget.Global);
    const overridden = configuration.inspect<string>('provider');
    const shadow = overridden?.workspaceFolderValue ?? overridden?.workspaceValue;
    const shadowNote = shadow !== undefined && shadow !== picked.id ? ` Note: this workspace's settings set the provider to "${String(shadow)}", which wins here.` : '';
    const text = `Model provider: ${picked.label}. ${detail}${shadowNote}`.replace(/\s+/g, ' ').trim();
    this.#log.info(text);
    void vscode.window.showInformationMessage(text);
    return picked.id;
  }

  /** Lists the models VS Code offers and stores the chosen one's vendor/family/id; undefined when the user backed out. */
  async #pickVscodeModel(configuration: vscode.WorkspaceConfiguration): Promise<string | undefined> {
    const models = await availableChatModels();
    const selector = { vendor: 'vscodeLm.vendor', family: 'vscodeLm.family', id: 'vscodeLm.id' } as const;
    if (models.length === 0) {
      for (const key of Object.values(selector)) await configuration.update(key, undefined, vscode.ConfigurationTarget.Global);
      return `VS Code offers no language model right now (${NO_MODEL_HINT}); agents that need one are skipped until one is available.`;
    }
    const currentId = configuration.get<string>(selector.id, '');
    const picked = await vscode.window.showQuickPick(
      models.map((model) => ({
        label: model.name,
        description: `${model.vendor} · ${model.family}`,
        detail: `${model.id}${model.id === currentId ? ' (current)' : ''}${model.maxInputTokens > 0 ? ` · context ${model.maxInputTokens} tokens` : ''}`,
        model,
      })),
      { title: 'VS Code Language Model API: model', placeHolder: 'Which model do the agents use?', ignoreFocusOut: true },
    );
    if (!picked) return undefined;
    await configuration.update(selector.vendor, picked.model.vendor, vscode.ConfigurationTarget.Global);
    await configuration.update(selector.family, picked.model.family, vscode.ConfigurationTarget.Global);
    await configuration.update(selector.id, picked.model.id, vscode.ConfigurationTarget.Global);
    return `Agents that need a model use ${picked.model.name} (${picked.model.vendor}). VS Code may ask once to let Agent Orchestrator use it.`;
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
