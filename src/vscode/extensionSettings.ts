// The `agentOrchestrator.*` settings as the rest of the glue reads them. Values are read at the moment of use, so a
// changed setting applies to the next plan or run without a reload; a change to an invalid value is reported at
// once, naming the setting.
import * as vscode from 'vscode';
import type { LanguageModelSelector, ModelChoice } from '../shared/engineProtocol';
import type { McpServersSetting } from './mcpConsent';
import {
  configOverridesFromSettings,
  describeSettingErrors,
  SETTINGS_SECTION,
  type EngineSettingName,
  type SettingsResult,
} from './settings';

export type ModelProviderSetting = 'auto' | 'offline' | 'vscode-lm' | 'openai-compatible' | 'anthropic';

export class ExtensionSettings implements vscode.Disposable {
  readonly #disposables: vscode.Disposable[] = [];
  readonly #log: vscode.LogOutputChannel;

  constructor(log: vscode.LogOutputChannel) {
    this.#log = log;
    this.#disposables.push(
      vscode.workspace.onDidChangeConfiguration((change) => {
        if (!change.affectsConfiguration(SETTINGS_SECTION)) return;
        const result = this.configOverrides();
        if (result.ok) {
          this.#log.info(`Settings changed; the next plan or run uses them (${result.userSet.join(', ') || 'all at their defaults'}).`);
        } else {
          const message = describeSettingErrors(result.errors);
          this.#log.error(message);
          void vscode.window.showErrorMessage(`Agent Orchestrator: ${message}`, 'Open Settings').then((choice) => {
            if (choice) void vscode.commands.executeCommand('workbench.action.openSettings', result.errors[0]?.setting ?? SETTINGS_SECTION);
          });
        }
      }),
    );
  }

  #configuration(): vscode.WorkspaceConfiguration {
    return vscode.workspace.getConfiguration(SETTINGS_SECTION, vscode.workspace.workspaceFolders?.[0]?.uri);
  }

  /** The engine overrides from the settings the user set, validated. */
  configOverrides(): SettingsResult {
    const configuration = this.#configuration();
    return configOverridesFromSettings((name: EngineSettingName) => configuration.inspect(name));
  }

  /** Open the dashboard when a run starts. */
  get dashboardEnabled(): boolean {
    return this.#configuration().get<boolean>('dashboardEnabled', true) !== false;
  }

  get provider(): ModelProviderSetting {
    return this.#configuration().get<ModelProviderSetting>('provider', 'auto');
  }

  /** The VS Code language model chosen in Select Model Provider; empty fields match any model. */
  get vscodeLmSelector(): LanguageModelSelector {
    const configuration = this.#configuration();
    const field = (name: string): string | undefined => {
      const value = configuration.get<string>(`vscodeLm.${name}`, '').trim();
      return value === '' ? undefined : value;
    };
    const selector: LanguageModelSelector = {};
    for (const name of ['vendor', 'family', 'id'] as const) {
      const value = field(name);
      if (value !== undefined) selector[name] = value;
    }
    return selector;
  }

  /** Which model the agents of the next plan or run use, as the engine protocol carries it (never a key). */
  get modelChoice(): ModelChoice {
    const provider = this.provider;
    if (provider === 'vscode-lm' || provider === 'auto') return { provider, selector: this.vscodeLmSelector };
    if (provider === 'openai-compatible' || provider === 'anthropic') {
      const configuration = this.#configuration();
      const model = configuration.get<string>(provider === 'anthropic' ? 'anthropic.model' : 'openaiCompatible.model', '').trim();
      const baseUrl = provider === 'openai-compatible' ? configuration.get<string>('openaiCompatible.baseUrl', '').trim() : '';
      return { provider, ...(model ? { model } : {}), ...(baseUrl ? { baseUrl } : {}) };
    }
    return { provider: 'offline' };
  }

  /** Whether runs may start the workspace's MCP servers: `ask` (a modal consent, once per workspace) or `never`. */
  get mcpServers(): McpServersSetting {
    return this.#configuration().get<string>('mcp.allowServers', 'ask') === 'never' ? 'never' : 'ask';
  }

  /** Model agents may use the tools VS Code offers (vscode.lm.tools), each call through the approvals. */
  get vscodeToolsEnabled(): boolean {
    return this.#configuration().get<boolean>('vscodeTools.enabled', true) !== false;
  }

  dispose(): void {
    for (const disposable of this.#disposables) disposable.dispose();
  }
}
